"""What the renewal report shows, gathered once (no layout, no wording, no store).

:func:`hotspotwatch.workflows.report.gather_renewal` fills a :class:`RenewalData` from the
stored runs the report asks for (:func:`hotspotwatch.workflows.views.renewal_specs`) and from
the few descriptive counts no run produces (the display grid of the maps, the data-coverage
table, the import summary). The layout (:mod:`hotspotwatch.report.context`,
:mod:`hotspotwatch.report.render`) only formats these values: the same data give the same
numbers in every language and for both audiences.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np
from shapely.geometry.base import BaseGeometry

from hotspotwatch.config import ReportConfig
from hotspotwatch.domain.designation import Period

if TYPE_CHECKING:
    from hotspotwatch.analysis.detect.borders import BorderResult
    from hotspotwatch.analysis.detect.concentration import ConcentrationResult
    from hotspotwatch.analysis.detect.coverage import CoverageSummary
    from hotspotwatch.analysis.detect.gridded import GiStarRun
    from hotspotwatch.analysis.evaluate.incidents import IncidentsInContext
    from hotspotwatch.analysis.evaluate.strategy import HotspotEvaluation, StrategyEvaluation
    from hotspotwatch.analysis.spacetime.alert import NearRepeatAlert
    from hotspotwatch.analysis.spacetime.results import EmergingRun, KnoxRun
    from hotspotwatch.report.dose import DoseData


@dataclass(frozen=True)
class GridCounts:
    """Event counts on a square display grid (row 0 at the bottom).

    Descriptive only (the maps' colours): counted with :meth:`hotspotwatch.geo.grid.Grid.count`.
    """

    counts: np.ndarray
    extent: tuple[float, float, float, float]
    cell_size: float


@dataclass(frozen=True)
class RunRecord:
    """Provenance of the stored run behind one section of the report (its methods page).

    Attributes
    ----------
    section : str
        ``evaluation``, ``knox``, ``concentration``, ``coverage``, ``borders``, ``gistar``,
        ``emerging`` or ``previous_evaluation``.
    key : str
        The run key (64 hex digits): kind, parameters and both fingerprints.
    kind : str
        Run kind.
    parameters : dict
        Every parameter of the run (canonical JSON values).
    data_fingerprint, config_fingerprint : str
        What it was computed on.
    software_version : str
        HotspotWatch version that computed it.
    created : date
        The day it was computed (UTC).
    """

    section: str
    key: str
    kind: str
    parameters: Mapping[str, Any]
    data_fingerprint: str
    config_fingerprint: str
    software_version: str
    created: dt.date

    @property
    def short_key(self) -> str:
        """First 12 hex digits of the key: how the report and the CLI name a run."""
        return self.key[:12]


@dataclass(frozen=True)
class SourceRow:
    """Rows read, stored and quarantined for one data source.

    A file imported twice counts once (rows read and quarantined are summed over distinct
    file fingerprints); ``stored`` is the number of events of the source in the store.
    """

    source: str
    files: int
    imports: int
    read: int
    stored: int
    quarantined: int
    reasons: tuple[tuple[str, int], ...] = ()


@dataclass(frozen=True)
class CoverageTable:
    """Events (every role) per zone and calendar month: gaps show missing deliveries.

    Descriptive (no run produces it); months are :class:`hotspotwatch.periods.CalendarMonth`
    months in the workspace time zone.
    """

    zones: tuple[str, ...]
    months: tuple[dt.date, ...]
    counts: np.ndarray
    """Shape ``(len(zones), len(months))``."""

    @property
    def empty(self) -> bool:
        """Whether there is no zone or no month."""
        return not self.zones or not self.months


@dataclass
class HotspotSection:
    """One hotspot's page: its place and periods, and its row of the evaluation (typed)."""

    name: str
    code: str | None
    zone: str | None
    commune: str | None
    approximate: bool
    geometry: BaseGeometry
    periods: list[Period]
    first_designated: dt.date | None
    evaluation: HotspotEvaluation | None
    """The evaluation of harm for this place (``None``: not part of the evaluation)."""
    rings: list[BaseGeometry]
    """The evaluation's buffer rings (from ``RingSeries.wkt``), inside out."""
    controls: list[BaseGeometry]
    """The evaluation's control cells (from ``control_boxes``)."""
    grid: GridCounts
    """Harm per display cell in the map window since designation (descriptive)."""
    points: np.ndarray
    """Harm event coordinates (n × 2) in the map window since designation (council maps)."""


@dataclass
class RenewalData:
    """All inputs of the renewal report (no layout, no wording).

    Every number the report prints comes from here: estimates, series and dose from the
    evaluation run, the regional picture from the detection and space-time runs, the rest
    (display grid, data coverage, imports) from the descriptive counts named in the methods
    page.
    """

    workspace_name: str
    until: dt.date
    first_designation: dt.date | None
    disclosure_k: int
    hotspots: list[HotspotSection]
    evaluation: StrategyEvaluation | None
    previous: StrategyEvaluation | None
    """The evaluation of the previous review period (explicit spec), if any."""
    previous_until: dt.date | None
    knox: KnoxRun | None
    """The near-repeat run: the Knox table, its alert and the categories."""
    knox_alert: NearRepeatAlert | None
    knox_categories: tuple[str, ...]
    concentration: ConcentrationResult | None
    coverage: CoverageSummary | None
    borders: BorderResult | None
    gistar: GiStarRun | None
    emerging: EmergingRun | None
    runs: list[RunRecord]
    unavailable: dict[str, str]
    """Sections whose run could not be computed on these data, with the reason."""
    region: BaseGeometry | None
    zones: list[tuple[str, str, BaseGeometry]]
    """``(code, name, geometry)`` of the zones of the workspace's zone layer."""
    zone_layer: str
    zone_label: Mapping[str, str]
    report_config: ReportConfig
    region_grid: GridCounts | None
    quarantine: list[SourceRow]
    data_coverage: CoverageTable
    fingerprint: str
    config_fingerprint: str
    software_version: str
    generated: dt.date
    display: dict[str, Any] = field(default_factory=dict)
    """Parameters of the descriptive counts (display grid sizes, map window)."""
    unavailable_kind: dict[str, str] = field(default_factory=dict)
    """The kind of each reason in :attr:`unavailable` (one of :data:`UNAVAILABLE_KINDS`): the
    report words the kind in the reader's language and keeps the reason as its detail."""
    communes: list[tuple[str, dict[str, str], BaseGeometry]] = field(default_factory=list)
    """``(code, {"en": name, "fr": name_fr, "nl": name_nl}, outline)`` of the communes
    (the ``commune`` area layer, when the workspace has one): drawn with their names on
    the maps."""
    streets: BaseGeometry | None = None
    """The ``streets`` line layer (``hotspotwatch import lines FILE --layer streets``),
    clipped to the study area and simplified for drawing; ``None`` without one."""
    incidents: IncidentsInContext | None = None
    """Recent incidents in context: ``[report] incident_category`` in the last whole
    calendar month up to :attr:`until`
    (:func:`hotspotwatch.workflows.incidents.report_incidents_spec`)."""
    dose: DoseData | None = None
    """The dose and cost section's runs (``None``: no presence or resource data;
    :func:`hotspotwatch.workflows.dose_report.gather_dose`)."""
    workspace_names: Mapping[str, str] = field(default_factory=dict)
    """The workspace's name per language (``[workspace] name`` as a table), if configured."""

    def name_in(self, lang: str) -> str:
        """The workspace's name in ``lang`` (:attr:`workspace_name` when not configured)."""
        return self.workspace_names.get(lang) or self.workspace_name

    def run(self, section: str) -> RunRecord | None:
        """The run behind ``section``, if the report has one."""
        return next((r for r in self.runs if r.section == section), None)


#: Kinds of reasons a section's run cannot be had: times too coarse for the analysis
#: (a PrecisionError), something the workspace lacks (a study area...), a missing layer or
#: item, data that cannot answer the question, no stored run (built without computing).
UNAVAILABLE_KINDS = ("precision", "workspace", "missing", "data", "not_stored")


__all__ = [
    "UNAVAILABLE_KINDS",
    "CoverageTable",
    "GridCounts",
    "HotspotSection",
    "RenewalData",
    "RunRecord",
    "SourceRow",
]
