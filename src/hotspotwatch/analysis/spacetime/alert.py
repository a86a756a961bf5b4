"""Near-repeat alert: where and for how long risk stays raised after a new incident."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Final

import numpy as np
import shapely
from numpy.typing import NDArray
from shapely.geometry import Point
from shapely.geometry.base import BaseGeometry

from hotspotwatch.analysis._result import ResultMixin
from hotspotwatch.analysis.multitest import adjust_pvalues
from hotspotwatch.analysis.spacetime.knox import SAME_EDGE, KnoxResult

#: Smallest Knox ratio that issues an alert: 20 % more pairs than chance. Below it a
#: "raised risk" is too small to be worth covering (and, over a city's worth of pairs, a
#: ratio of 1.02-1.07 is significant from small departures of the null alone: a few
#: incidents recorded twice, a non-stationary background).
MIN_RATIO = 1.2

#: Multiple-testing correction of the alert over the cells it examines.
CORRECTION: Final = "holm"

#: Why an alert is (not) issued, as stated in ``NearRepeatAlert.reason``.
REASONS = ("elevated", "no_cell", "too_few_permutations", "not_significant", "below_min_ratio",
           "not_connected")


@dataclass(frozen=True)
class AlertZone(ResultMixin):
    """One spatial band of the alert: the ring ``[inner_m, outer_m)`` for ``days`` days.

    Attributes
    ----------
    inner_m, outer_m : float
        Ring radii in metres (distance measured with the Knox ``metric``).
    days : float
        Days after the incident during which risk is raised in this ring.
    max_ratio : float
        Largest Knox ratio among the ring's elevated cells.
    min_p : float
        Smallest corrected p-value among them (see ``NearRepeatAlert.correction``).
    """

    inner_m: float
    outer_m: float
    days: float
    max_ratio: float
    min_p: float


@dataclass(frozen=True)
class NearRepeatAlert(ResultMixin):
    """Area and period of raised near-repeat risk after an incident.

    Attributes
    ----------
    elevated : bool
        Whether any cell qualifies (see :func:`near_repeat_alert`); if not, the alert is
        empty.
    radius_m : float
        Outer radius of the alert area (0 when not elevated).
    days : float
        Longest period of raised risk over the zones (0 when not elevated).
    zones : tuple of AlertZone
        One per spatial band with raised risk, nearest first.
    cells : tuple of (int, int)
        (space band, time band) indices of the Knox cells used.
    metric : str
        Distance metric of the Knox table: the area is a diamond for ``"manhattan"``,
        a disc for ``"euclidean"``.
    alpha : float
        Level the corrected p-values are compared with.
    min_ratio : float
        Smallest Knox ratio a cell needs.
    correction : str
        Multiple-testing correction over the examined cells (``"holm"``).
    reason : str
        ``"elevated"``; else why not: ``"no_cell"`` (no bounded cell to examine),
        ``"too_few_permutations"`` (even the smallest Monte Carlo p-value, ``1 /
        (permutations + 1)``, cannot pass the correction over the examined cells),
        ``"not_significant"`` (no corrected p-value <= ``alpha``), ``"below_min_ratio"``
        (the significant cells all have a ratio below ``min_ratio``), ``"not_connected"``
        (qualifying cells exist, none connected to the nearest band or earliest period).
    p_value_corrected : ndarray of float or None
        Corrected p-value of every examined cell (NaN for cells not examined: unbounded
        ones and the same-place/same-day cell), shape of the Knox table.
    ratio : ndarray of float or None
        Knox ratio of every cell with the co-recorded pairs (same place, same day) left out.
    co_recorded : int
        Pairs at the same place on the same day, left out of the cells the alert reads.
    """

    elevated: bool
    radius_m: float
    days: float
    zones: tuple[AlertZone, ...]
    cells: tuple[tuple[int, int], ...]
    metric: str
    alpha: float
    min_ratio: float = MIN_RATIO
    correction: str = CORRECTION
    reason: str = "elevated"
    p_value_corrected: NDArray[np.float64] | None = None
    ratio: NDArray[np.float64] | None = None
    co_recorded: int = 0


def near_repeat_alert(
    result: KnoxResult,
    *,
    alpha: float = 0.05,
    min_ratio: float = MIN_RATIO,
    adjusted: bool | None = None,
) -> NearRepeatAlert:
    """Read the area and days of raised risk after a new incident from a Knox table.

    Parameters
    ----------
    result : KnoxResult
        A fitted Knox table with permutations.
    alpha : float
        A cell qualifies when its Holm-corrected p-value is <= ``alpha`` ...
    min_ratio : float
        ... and its Knox ratio (observed / simulation mean) is at least ``min_ratio``
        (default :data:`MIN_RATIO`, 1.2: 20 % more pairs than chance).
    adjusted : bool, optional
        Deprecated and ignored (it chose the FDR-adjusted p-values over the raw ones): the
        p-values are now always Holm-corrected over the examined cells. Passing it warns.

    Returns
    -------
    NearRepeatAlert

    Raises
    ------
    ValueError
        If the table has no permutations.

    Notes
    -----
    *Cells examined.* Only bounded cells count (an area or period cannot be infinite), and
    the pairs at the same place on the same day (distance 0, gap 0: mostly one incident
    recorded by two sources) never count: the cell that holds them is read with them
    taken out of the observed and of every permuted table
    (``KnoxResult.ratio_distinct``/``p_value_distinct``); a degenerate same-place ×
    same-day cell is not examined at all.

    *Multiple testing.* A Knox table tests many cells at once (16 bounded ones with the
    default bands): at an uncorrected 5 % level, a city with no near repeat at all gets a
    "significant" cell most of the time. The p-values of the examined cells are corrected
    by Holm's (1979) step-down method, which bounds the probability that *any* examined
    cell is declared raised when it is not (family-wise error, in the strong sense). We
    prefer it to Benjamini–Hochberg's false discovery rate because the alert is read off
    its farthest cell: one false cell is enough to stretch the area or the period, so the
    error that matters is "any false cell", not "the share of false cells". Its price is
    small here: with 999 permutations the smallest p-value is 0.001, below Holm's first
    threshold 0.05 / 16 (with fewer than ``16 / 0.05 - 1 = 319`` permutations no cell can
    pass, and ``reason`` says so). The correction is computed by
    :func:`hotspotwatch.analysis.multitest.adjust_pvalues` (tested equal to
    ``statsmodels.stats.multitest.multipletests(method="holm")``).

    *Practical size.* With hundreds of thousands of pairs, ratios of 1.02-1.07 pass any
    test; a cell must also reach ``min_ratio`` to issue an alert.

    *Staircase.* The alert keeps the qualifying cells connected (sharing a side) to the
    qualifying cells of the nearest space band or the earliest time band, so that an
    isolated cell far away in space and time does not stretch the alert. Each spatial band
    with kept cells becomes a ring covering the days up to the upper edge of its latest
    kept time band; a degenerate same-place or same-day first band is treated as part of
    the nearest band.

    Examples
    --------
    >>> import numpy as np
    >>> from hotspotwatch.analysis.spacetime.knox import knox
    >>> rng = np.random.default_rng(1)
    >>> x, y, t = rng.uniform(0, 4000, 500), rng.uniform(0, 4000, 500), rng.integers(0, 200, 500)
    >>> k = rng.choice(500, 150)
    >>> x = np.r_[x, x[k] + 30]; y = np.r_[y, y[k]]; t = np.r_[t, t[k] + 2]
    >>> res = knox(x, y, t, [0, 100, 200, np.inf], [0, 7, 14, np.inf], permutations=99, seed=1)
    >>> alert = near_repeat_alert(res)
    >>> alert.radius_m, alert.days, alert.reason
    (100.0, 7.0, 'elevated')
    """
    if adjusted is not None:
        import warnings

        warnings.warn(
            "near_repeat_alert(adjusted=...) is ignored: the p-values are always "
            "Holm-corrected over the examined cells; drop the argument",
            FutureWarning,
            stacklevel=2,
        )
    if result.permutations == 0:
        raise ValueError("near_repeat_alert needs a Knox table with permutations > 0")
    raw_p = result.p_value if result.p_value_distinct is None else result.p_value_distinct
    ratio = result.ratio if result.ratio_distinct is None else result.ratio_distinct
    s_edges, t_edges = result.space_bands, result.time_bands
    examined = np.isfinite(raw_p)
    examined[np.isinf(s_edges[1:]), :] = False
    examined[:, np.isinf(t_edges[1:])] = False
    if s_edges[1] == SAME_EDGE and t_edges[1] == SAME_EDGE:
        examined[0, 0] = False  # only co-recorded pairs: never a repeat
    p = np.full(raw_p.shape, np.nan)
    if examined.any():
        p[examined] = adjust_pvalues(raw_p[examined], method=CORRECTION).p_adjusted
    with np.errstate(invalid="ignore"):
        significant = examined & (np.nan_to_num(p, nan=1.0) <= alpha)
        elevated = significant & (np.nan_to_num(ratio, nan=0.0) >= min_ratio)
    first_row = 1 if s_edges[1] == SAME_EDGE else 0
    first_col = 1 if t_edges[1] == SAME_EDGE else 0
    keep = np.zeros_like(elevated)
    stack = [(int(i), int(j)) for i, j in zip(*np.nonzero(elevated), strict=True)
             if i <= first_row or j <= first_col]
    while stack:
        i, j = stack.pop()
        if keep[i, j]:
            continue
        keep[i, j] = True
        for a, b in ((i - 1, j), (i + 1, j), (i, j - 1), (i, j + 1)):
            if 0 <= a < keep.shape[0] and 0 <= b < keep.shape[1] and elevated[a, b] \
                    and not keep[a, b]:
                stack.append((a, b))
    zones = []
    for i in range(keep.shape[0]):
        cols = np.flatnonzero(keep[i])
        if cols.size == 0:
            continue
        zones.append(AlertZone(
            inner_m=float(s_edges[i]),
            outer_m=float(s_edges[i + 1]),
            days=float(t_edges[cols.max() + 1]),
            max_ratio=float(np.nanmax(ratio[i, cols])),
            min_p=float(p[i, cols].min()),
        ))
    cells = tuple((int(i), int(j)) for i, j in zip(*np.nonzero(keep), strict=True))
    if zones:
        reason = "elevated"
    elif not examined.any():
        reason = "no_cell"
    elif int(examined.sum()) / (result.permutations + 1) > alpha:  # Holm's first step
        reason = "too_few_permutations"
    elif not significant.any():
        reason = "not_significant"
    elif not elevated.any():
        reason = "below_min_ratio"
    else:
        reason = "not_connected"
    return NearRepeatAlert(
        elevated=bool(zones),
        radius_m=max((z.outer_m for z in zones), default=0.0),
        days=max((z.days for z in zones), default=0.0),
        zones=tuple(zones),
        cells=cells,
        metric=result.metric,
        alpha=float(alpha),
        min_ratio=float(min_ratio),
        correction=CORRECTION,
        reason=reason,
        p_value_corrected=p,
        ratio=np.asarray(ratio, dtype=float),
        co_recorded=int(result.co_recorded),
    )


def _ball(x: float, y: float, r: float, metric: str) -> BaseGeometry:
    if r <= 0:
        return shapely.Polygon()
    # a Manhattan ball is a diamond: a buffer with one segment per quarter circle
    return Point(x, y).buffer(r, quad_segs=1 if metric == "manhattan" else 32)


def alert_area(alert: NearRepeatAlert, x: float, y: float) -> BaseGeometry:
    """The whole alert area around an incident at ``(x, y)`` (empty if not elevated).

    Examples
    --------
    >>> a = NearRepeatAlert(True, 100.0, 7.0, (AlertZone(0, 100, 7, 2.0, 0.01),), ((0, 0),),
    ...                     "manhattan", 0.05)
    >>> round(alert_area(a, 0, 0).area)
    20000
    """
    return _ball(x, y, alert.radius_m, alert.metric)


def alert_zones(
    alert: NearRepeatAlert, x: float, y: float, t_day: float
) -> list[tuple[BaseGeometry, float]]:
    """Rings of the alert around an incident, each with the day on which it ends.

    Parameters
    ----------
    alert : NearRepeatAlert
    x, y : float
        Incident location (metres, workspace CRS).
    t_day : float
        Incident day (same scale as the Knox times).

    Returns
    -------
    list of (geometry, until_day)
        ``until_day = t_day + zone.days`` (exclusive), nearest ring first.
    """
    out = []
    for zone in alert.zones:
        outer = _ball(x, y, zone.outer_m, alert.metric)
        ring = outer.difference(_ball(x, y, zone.inner_m, alert.metric)) \
            if zone.inner_m > 0 and not math.isclose(zone.inner_m, SAME_EDGE) else outer
        out.append((ring, t_day + zone.days))
    return out
