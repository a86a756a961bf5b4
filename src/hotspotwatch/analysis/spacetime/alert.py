"""Near-repeat alert: where and for how long risk stays raised after a new incident."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import shapely
from shapely.geometry import Point
from shapely.geometry.base import BaseGeometry

from hotspotwatch.analysis._result import ResultMixin
from hotspotwatch.analysis.spacetime.knox import SAME_EDGE, KnoxResult


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
        Smallest p-value among them.
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
        Whether any finite cell is elevated; if not, the alert is empty.
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
    """

    elevated: bool
    radius_m: float
    days: float
    zones: tuple[AlertZone, ...]
    cells: tuple[tuple[int, int], ...]
    metric: str
    alpha: float


def near_repeat_alert(
    result: KnoxResult,
    *,
    alpha: float = 0.05,
    min_ratio: float = 1.0,
    adjusted: bool = False,
) -> NearRepeatAlert:
    """Read the area and days of raised risk after a new incident from a Knox table.

    Parameters
    ----------
    result : KnoxResult
        A fitted Knox table with permutations.
    alpha : float
        A cell is elevated when its p-value is <= ``alpha`` ...
    min_ratio : float
        ... and its Knox ratio (observed / simulation mean) exceeds ``min_ratio``.
    adjusted : bool
        Use the FDR-adjusted p-values instead of the raw ones.

    Returns
    -------
    NearRepeatAlert

    Raises
    ------
    ValueError
        If the table has no permutations.

    Notes
    -----
    Only bounded cells count (an area or period cannot be infinite). The alert keeps the
    elevated cells connected (sharing a side) to the elevated cells of the nearest space
    band or the earliest time band — the near-repeat "staircase" — so that an isolated
    elevated cell far away in space and time (one false positive among many cells) does
    not stretch the alert. Each spatial band with kept cells becomes a ring covering the
    days up to the upper edge of its latest kept time band; a degenerate same-place or
    same-day first band is treated as part of the nearest band.

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
    >>> alert.radius_m, alert.days
    (100.0, 7.0)
    """
    if result.permutations == 0:
        raise ValueError("near_repeat_alert needs a Knox table with permutations > 0")
    p = result.p_value_adjusted if adjusted else result.p_value
    with np.errstate(invalid="ignore"):
        elevated = (p <= alpha) & (np.nan_to_num(result.ratio, nan=0.0) > min_ratio)
    s_edges, t_edges = result.space_bands, result.time_bands
    elevated[np.isinf(s_edges[1:]), :] = False
    elevated[:, np.isinf(t_edges[1:])] = False
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
            max_ratio=float(np.nanmax(result.ratio[i, cols])),
            min_p=float(p[i, cols].min()),
        ))
    cells = tuple((int(i), int(j)) for i, j in zip(*np.nonzero(keep), strict=True))
    return NearRepeatAlert(
        elevated=bool(zones),
        radius_m=max((z.outer_m for z in zones), default=0.0),
        days=max((z.days for z in zones), default=0.0),
        zones=tuple(zones),
        cells=cells,
        metric=result.metric,
        alpha=float(alpha),
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
