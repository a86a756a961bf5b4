"""Detection: where harm concentrates, and whether the designated places are the right ones.

One module per statistic; all are pure functions returning frozen result objects.
"""

from hotspotwatch.analysis.detect.borders import (
    BorderResult,
    StraddlingCluster,
    border_view,
    internal_borders,
)
from hotspotwatch.analysis.detect.classify import CATEGORIES, ClassifyResult, hotspot_classify
from hotspotwatch.analysis.detect.concentration import (
    ConcentrationResult,
    ConcentrationTable,
    LorenzResult,
    concentration_result,
    concentration_table,
    gini,
    lorenz,
)
from hotspotwatch.analysis.detect.coverage import (
    CoverageGroup,
    CoverageResult,
    CoverageRow,
    CoverageSummary,
    HotCluster,
    UndesignatedCluster,
    designation_coverage,
    pai,
)
from hotspotwatch.analysis.detect.gistar import GiStarResult, gistar, gistar_bins, gistar_grid
from hotspotwatch.analysis.detect.gridded import (
    ClassifyRun,
    GiStarRun,
    GridGeometry,
    KDERun,
    LocalMoranRun,
)
from hotspotwatch.analysis.detect.kde import DualKDEResult, KDEResult, bandwidth_rule, dual_kde, kde
from hotspotwatch.analysis.detect.moran import LocalMoranResult, MoranResult, local_moran, moran

__all__ = [
    "CATEGORIES",
    "BorderResult",
    "ClassifyResult",
    "ClassifyRun",
    "ConcentrationResult",
    "ConcentrationTable",
    "CoverageGroup",
    "CoverageResult",
    "CoverageRow",
    "CoverageSummary",
    "DualKDEResult",
    "GiStarResult",
    "GiStarRun",
    "GridGeometry",
    "HotCluster",
    "KDEResult",
    "KDERun",
    "LocalMoranResult",
    "LocalMoranRun",
    "LorenzResult",
    "MoranResult",
    "StraddlingCluster",
    "UndesignatedCluster",
    "bandwidth_rule",
    "border_view",
    "concentration_result",
    "concentration_table",
    "designation_coverage",
    "dual_kde",
    "gini",
    "gistar",
    "gistar_bins",
    "gistar_grid",
    "hotspot_classify",
    "internal_borders",
    "kde",
    "local_moran",
    "lorenz",
    "moran",
    "pai",
]
