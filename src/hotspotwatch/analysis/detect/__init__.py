"""Detection: where harm concentrates, and whether the designated places are the right ones.

One module per statistic; all are pure functions returning frozen result objects.
"""

from hotspotwatch.analysis.detect.concentration import (
    ConcentrationTable,
    LorenzResult,
    concentration_table,
    gini,
    lorenz,
)
from hotspotwatch.analysis.detect.gistar import GiStarResult, gistar, gistar_bins, gistar_grid
from hotspotwatch.analysis.detect.kde import DualKDEResult, KDEResult, bandwidth_rule, dual_kde, kde
from hotspotwatch.analysis.detect.moran import LocalMoranResult, MoranResult, local_moran, moran

__all__ = [
    "ConcentrationTable",
    "DualKDEResult",
    "GiStarResult",
    "KDEResult",
    "LocalMoranResult",
    "LorenzResult",
    "MoranResult",
    "bandwidth_rule",
    "concentration_table",
    "dual_kde",
    "gini",
    "gistar",
    "gistar_bins",
    "gistar_grid",
    "kde",
    "local_moran",
    "lorenz",
    "moran",
]
