"""Stored results of the space-time runs: Knox, emerging hot spots, recent near-repeat alerts.

Each holds what the report and the dashboard show, with the filters that make its numbers
readable (the categories a Knox table was computed on, the time steps of an emerging hot
spot analysis), and round-trips through ``to_dict``/``from_dict``.

Examples
--------
>>> import numpy as np
>>> from hotspotwatch.analysis.spacetime import knox, near_repeat_alert
>>> rng = np.random.default_rng(0)
>>> x, y, t = rng.uniform(0, 1000, (3, 60))
>>> res = knox(x, y, t, [0, 100, np.inf], [0, 7, np.inf], permutations=19, seed=1)
>>> run = KnoxRun(knox=res, alert=near_repeat_alert(res), categories=("burglary",))
>>> again = KnoxRun.from_dict(run.to_dict())
>>> again.categories, bool(np.isinf(again.knox.space_bands[-1]))
(('burglary',), True)
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray

from hotspotwatch.analysis._result import ResultMixin
from hotspotwatch.analysis.detect.gridded import GridGeometry
from hotspotwatch.analysis.spacetime.alert import NearRepeatAlert
from hotspotwatch.analysis.spacetime.emerging import EmergingHotspotsResult
from hotspotwatch.analysis.spacetime.knox import KnoxResult


@dataclass(frozen=True)
class KnoxRun(ResultMixin):
    """A stored Knox near-repeat run.

    Attributes
    ----------
    knox : KnoxResult
        The table (observed, expected, ratios, p-values) with its space and time bands.
    alert : NearRepeatAlert or None
        Radius and days of raised risk read from the table at ``alpha`` (``None`` without
        permutations).
    categories : tuple of str
        Categories of the events it was computed on (empty: every category the roles give).
    roles : tuple of str
        Roles of those events (empty: no role filter).
    alpha : float
        Significance level of the alert (its ``min_ratio`` and correction are in ``alert``).
    time_precision : str
        Coarsest ``time_precision`` of the events used (``"instant"``, ``"hour"``, ``"day"``
        or ``"month"``): the precision the table was computed at.
    min_precision : str or None
        The run's ``min_precision`` (events coarser than it were dropped).
    n_dropped_precision : int
        Events dropped because their time precision was coarser than ``min_precision``.
    n_duplicates : int
        Exact duplicate rows (same source, time, place and category) counted once, i.e.
        left out of the table (0 when the run included duplicates).
    same_place_same_day : int
        Pairs of the events used at exactly the same place on the same day: reported
        apart from near repeats (they are in the table's closest cell when its bands start
        at 0; ``same_location``/``same_day`` bands isolate them) and never counted by the
        alert.
    """

    #: 3: time precision, dropped events, duplicates and same-place/same-day pairs.
    #: 4: the alert corrects for multiple testing (Holm), needs a minimum ratio and leaves
    #: out the same-place/same-day pairs (``KnoxResult.ratio_distinct``/``p_value_distinct``).
    schema_version = 4

    knox: KnoxResult
    alert: NearRepeatAlert | None
    categories: tuple[str, ...]
    roles: tuple[str, ...] = ()
    alpha: float = 0.05
    time_precision: str = "instant"
    min_precision: str | None = None
    n_dropped_precision: int = 0
    n_duplicates: int = 0
    same_place_same_day: int = 0

    @property
    def n_events(self) -> int:
        """Events in the table."""
        return int(self.knox.n_events)

    def closest(self) -> dict[str, float]:
        """The closest cell (first space band x first time band): ``ratio``, ``p_value``,
        ``distance_m`` and ``days`` (its upper edges)."""
        k = self.knox
        return {"ratio": float(k.ratio[0, 0]), "p_value": float(k.p_value[0, 0]),
                "distance_m": float(k.space_bands[1]), "days": float(k.time_bands[1])}


@dataclass(frozen=True)
class EmergingRun(ResultMixin):
    """A stored emerging hot spot analysis (grid cells x calendar steps).

    Attributes
    ----------
    emerging : EmergingHotspotsResult
        Category, Gi* per bin and trends per cell (masked cells of ``grid``, row-major).
    grid : GridGeometry
        The cells.
    step : str
        ``"week"``, ``"month"`` or ``"quarter"``.
    steps : tuple of date
        First day of each time step.
    counts : ndarray, shape (n_cells, n_steps)
        The space-time cube (events per cell and step).
    n_events : int
        Events read (some may fall outside every cell).
    time_precision : str
        Coarsest ``time_precision`` of the events used; the step is never finer.
    min_precision : str or None
        The run's ``min_precision``.
    n_dropped_precision : int
        Events dropped because their time precision was coarser than ``min_precision``.

    Notes
    -----
    ``to_dict()`` also carries ``category_counts`` at the top level.
    """

    #: 3: time precision and dropped events.
    schema_version = 3

    emerging: EmergingHotspotsResult
    grid: GridGeometry
    step: str
    steps: tuple[dt.date, ...]
    counts: NDArray[np.float64]
    n_events: int
    time_precision: str = "instant"
    min_precision: str | None = None
    n_dropped_precision: int = 0

    @property
    def category_counts(self) -> dict[str, int]:
        """Cells per category (all categories, zeros included)."""
        return dict(self.emerging.category_counts)

    def to_dict(self) -> dict[str, Any]:
        """Fields plus ``category_counts``."""
        return super().to_dict() | {"category_counts": self.category_counts}


@dataclass(frozen=True)
class IncidentAlert(ResultMixin):
    """The near-repeat alert after one recent incident.

    Attributes
    ----------
    event_id : int
    category : str
    x, y : float
        Place in the workspace CRS.
    lon, lat : float
        Place in WGS84.
    when : date
        Local day of the incident.
    until : date
        Last day of raised risk (``when`` when nothing is elevated).
    active : bool
        ``until`` is on or after the run's ``as_of`` day.
    elevated : bool
        The Knox table shows raised risk at all.
    radius_m, days : float
        Alert radius and longest period of raised risk.
    """

    event_id: int
    category: str
    x: float
    y: float
    lon: float
    lat: float
    when: dt.date
    until: dt.date
    active: bool
    elevated: bool
    radius_m: float
    days: float


@dataclass(frozen=True)
class RecentAlerts(ResultMixin):
    """Near-repeat alerts for every incident of a category in the last days.

    Attributes
    ----------
    alerts : tuple of IncidentAlert
    as_of : date or None
        Last day considered (``None``: no incident of the categories at all).
    categories : tuple of str
        Categories of the incidents.
    days : int
        Window length: incidents in ``(as_of - days, as_of]``.
    knox_run : str
        Key of the stored Knox run the alerts were read from.
    time_precision : str
        Coarsest ``time_precision`` of the incidents alerted on (their day must be known:
        coarser incidents are refused, or dropped with ``min_precision``).
    n_dropped_precision : int
        Incidents of the window dropped by ``min_precision``.
    """

    #: 3: time precision and dropped incidents.
    #: 4: alerts read with the Knox run's corrected rule (KnoxRun schema 4).
    schema_version = 4

    alerts: tuple[IncidentAlert, ...]
    as_of: dt.date | None
    categories: tuple[str, ...]
    days: int
    knox_run: str
    time_precision: str = "instant"
    n_dropped_precision: int = 0

    def active(self) -> tuple[IncidentAlert, ...]:
        """Alerts still running on ``as_of``."""
        return tuple(a for a in self.alerts if a.active)


__all__ = ["EmergingRun", "IncidentAlert", "KnoxRun", "RecentAlerts"]
