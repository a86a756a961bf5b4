"""Design of each comparison: treated area, buffer rings, controls, periods, monthly counts.

The rules are fixed *before* outcomes in the post-period are looked at:

- treated area = the hotspot polygon;
- buffer rings = rings of given widths around it (default one ring of 250 m), minus every
  hotspot polygon (a neighbour's treated area is not this hotspot's surroundings);
- control candidates = square grid cells inside the study area that touch no hotspot and no
  buffer;
- matching = the ``n_controls`` candidates closest to the treated area in *pre-period* harm
  level (log mean monthly count) and trend (log-linear slope), each standardised by its
  spread among candidates; ties are broken by a seeded random order;
- months are anchored on the designation day (month ``k`` = ``[d0 + k months, d0 + k + 1
  months)``), so the pre-period is the 12 whole months before designation.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np
import pandas as pd
import shapely
from numpy.typing import ArrayLike, NDArray
from shapely.geometry.base import BaseGeometry

from hotspotwatch.analysis._result import ResultMixin
from hotspotwatch.geo.rings import buffer_rings  # noqa: F401  (re-exported)
from hotspotwatch.periods import AnchoredMonth


@dataclass(frozen=True)
class ControlGrid(ResultMixin):
    """Square grid cells eligible as controls.

    Attributes
    ----------
    x0, y0 : float
        Lower-left corner of the grid.
    cell_size : float
        Cell side (metres).
    n_cols, n_rows : int
        Grid shape.
    eligible : ndarray of int
        Flat indices (``row * n_cols + col``) of cells inside the study area and outside the
        exclusion zone.
    """

    x0: float
    y0: float
    cell_size: float
    n_cols: int
    n_rows: int
    eligible: NDArray[np.intp]

    def cell_of(self, x: ArrayLike, y: ArrayLike) -> NDArray[np.intp]:
        """Flat cell index of each point (-1 outside the grid)."""
        xa = np.asarray(x, dtype=float)
        ya = np.asarray(y, dtype=float)
        col = np.floor((xa - self.x0) / self.cell_size).astype(np.intp)
        row = np.floor((ya - self.y0) / self.cell_size).astype(np.intp)
        ok = (col >= 0) & (col < self.n_cols) & (row >= 0) & (row < self.n_rows)
        return np.where(ok, row * self.n_cols + col, -1)

    def polygon(self, index: int) -> BaseGeometry:
        """The square of a flat cell index."""
        row, col = divmod(int(index), self.n_cols)
        x = self.x0 + col * self.cell_size
        y = self.y0 + row * self.cell_size
        return shapely.box(x, y, x + self.cell_size, y + self.cell_size)


def control_grid(
    study_area: BaseGeometry,
    exclusion: BaseGeometry,
    *,
    cell_size: float = 500.0,
    min_inside: float = 0.9,
) -> ControlGrid:
    """Grid cells that can serve as controls.

    Parameters
    ----------
    study_area : shapely geometry
        Region outline.
    exclusion : shapely geometry
        Union of all hotspots and their buffers (cells touching it are not eligible).
    cell_size : float
        Cell side in metres.
    min_inside : float
        Minimum share of a cell's area inside the study area.

    Returns
    -------
    ControlGrid

    Examples
    --------
    >>> from shapely.geometry import box, Point
    >>> g = control_grid(box(0, 0, 2000, 2000), Point(250, 250).buffer(100), cell_size=500)
    >>> len(g.eligible)
    15
    """
    if cell_size <= 0:
        raise ValueError(f"cell_size must be positive metres, got {cell_size!r}")
    minx, miny, maxx, maxy = study_area.bounds
    n_cols = int(np.ceil((maxx - minx) / cell_size))
    n_rows = int(np.ceil((maxy - miny) / cell_size))
    rows, cols = np.divmod(np.arange(n_cols * n_rows), n_cols)
    x = minx + cols * cell_size
    y = miny + rows * cell_size
    boxes = shapely.box(x, y, x + cell_size, y + cell_size)
    shapely.prepare(study_area)
    inside = shapely.area(shapely.intersection(boxes, study_area)) >= min_inside * cell_size**2
    clear = ~shapely.intersects(boxes, exclusion)
    eligible = np.nonzero(inside & clear)[0].astype(np.intp)
    return ControlGrid(minx, miny, float(cell_size), n_cols, n_rows, eligible)


def month_index(
    when: pd.Series | pd.DatetimeIndex, anchor: dt.date, *, timezone: str
) -> NDArray[np.int64]:
    """Month number of each instant relative to ``anchor`` (0 = the month starting on it).

    A thin wrapper of :meth:`hotspotwatch.periods.AnchoredMonth.codes`, the one anchored
    month binning.

    Parameters
    ----------
    when : Series or DatetimeIndex of tz-aware timestamps
        Event instants (UTC).
    anchor : datetime.date
        Designation day (local calendar).
    timezone : str
        Workspace time zone; local calendar days decide.

    Returns
    -------
    ndarray of int
        ``k`` such that the local date lies in ``[anchor + k months, anchor + (k+1) months)``.

    Examples
    --------
    >>> import datetime as dt, pandas as pd
    >>> ts = pd.DatetimeIndex(["2024-03-27 23:30", "2024-03-28 00:30"], tz="UTC")
    >>> month_index(ts, dt.date(2024, 3, 28), timezone="Europe/Brussels").tolist()
    [0, 0]
    """
    return AnchoredMonth(anchor, timezone).codes(when)


def month_days(anchor: dt.date, first: int, last: int) -> NDArray[np.float64]:
    """Length in days of anchored months ``first .. last`` (inclusive).

    A thin wrapper of :meth:`hotspotwatch.periods.AnchoredMonth.lengths` (the time zone does
    not change a month's length in days).
    """
    return AnchoredMonth(anchor, "UTC").lengths(first, last)


def monthly_counts(
    months: ArrayLike, unit: ArrayLike, n_units: int, first: int, last: int
) -> NDArray[np.float64]:
    """Counts per unit and month for months ``first .. last`` (units ``0 .. n_units-1``).

    Parameters
    ----------
    months : array_like of int
        Month index of each event.
    unit : array_like of int
        Unit of each event (negative = none).
    n_units : int
        Number of units.
    first, last : int
        Month range kept (inclusive).

    Returns
    -------
    ndarray, shape (n_units, last - first + 1)
    """
    m = np.asarray(months)
    u = np.asarray(unit)
    keep = (m >= first) & (m <= last) & (u >= 0) & (u < n_units)
    n_m = last - first + 1
    flat = u[keep] * n_m + (m[keep] - first)
    return np.bincount(flat, minlength=n_units * n_m).reshape(n_units, n_m).astype(float)


@dataclass(frozen=True)
class MatchResult(ResultMixin):
    """Controls matched on pre-period level and trend.

    Attributes
    ----------
    selected : ndarray of int
        Positions (into the candidate array) of the chosen controls, nearest first.
    distance : ndarray
        Their standardised distances.
    treated_level, treated_trend : float
        Log mean monthly count and log-linear monthly slope of the treated unit.
    rule : str
        The rule in words, for the record.
    seed : int
        Seed of the tie-breaking order.
    """

    selected: NDArray[np.intp]
    distance: NDArray[np.float64]
    treated_level: float
    treated_trend: float
    rule: str
    seed: int


def _level_trend(pre: NDArray[np.float64]) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    n = pre.shape[-1]
    t = np.arange(n) - (n - 1) / 2
    level = np.log(pre.mean(axis=-1) + 0.5)
    # Slope of log(count + 0.5) on time: a stable stand-in for the Poisson log-linear trend.
    trend = (np.log(pre + 0.5) @ t) / np.sum(t**2)
    return level, trend


def match_controls(
    treated_pre: ArrayLike,
    candidates_pre: ArrayLike,
    *,
    n_controls: int = 25,
    seed: int = 0,
) -> MatchResult:
    """Choose controls with pre-period harm level and trend closest to the treated unit.

    Parameters
    ----------
    treated_pre : array_like, shape (n_months,)
        Treated unit's monthly pre-period counts.
    candidates_pre : array_like, shape (n_candidates, n_months)
        Candidates' monthly pre-period counts.
    n_controls : int
        Controls to keep.
    seed : int
        Seed of the random order that breaks ties.

    Returns
    -------
    MatchResult

    Notes
    -----
    Distance :math:`d_j = \\sqrt{((L_j - L_0)/s_L)^2 + ((B_j - B_0)/s_B)^2}` with
    :math:`L = \\log(\\bar y + 0.5)`, :math:`B` the least-squares slope of
    :math:`\\log(y_t + 0.5)` on :math:`t`, and :math:`s` the candidates' standard deviations.
    Only pre-period counts are used, so the choice cannot depend on outcomes.

    Examples
    --------
    >>> import numpy as np
    >>> cand = np.array([[1] * 12, [5] * 12, [9] * 12, [20] * 12])
    >>> match_controls([8] * 12, cand, n_controls=2).selected.tolist()
    [2, 1]
    """
    t_pre = np.asarray(treated_pre, dtype=float).ravel()
    c_pre = np.asarray(candidates_pre, dtype=float)
    if c_pre.ndim != 2 or c_pre.shape[1] != t_pre.size:
        raise ValueError("candidates_pre must be (n_candidates, n_months) like treated_pre")
    if c_pre.shape[0] == 0:
        raise ValueError("no control candidates: enlarge the study area or shrink the buffers")
    if n_controls < 1:
        raise ValueError(f"n_controls must be at least 1, got {n_controls!r}")
    lev0, tr0 = _level_trend(t_pre)
    lev, tr = _level_trend(c_pre)
    s_l = max(float(np.std(lev)), 1e-9)
    s_t = max(float(np.std(tr)), 1e-9)
    # Round away floating noise so that equal trends really tie.
    trend_gap = np.round(tr, 12) - np.round(tr0, 12)
    dist = np.hypot((lev - lev0) / s_l, trend_gap / s_t)
    order_noise = np.random.default_rng(seed).permutation(dist.size)
    order = np.lexsort((order_noise, dist))[: min(n_controls, dist.size)]
    return MatchResult(
        selected=order.astype(np.intp),
        distance=dist[order],
        treated_level=float(lev0),
        treated_trend=float(tr0),
        rule=(
            f"{min(n_controls, dist.size)} grid cells outside all hotspots and buffers nearest "
            "in standardised pre-period log level and log-linear trend of monthly harm counts; "
            f"ties broken by a random order with seed {seed}"
        ),
        seed=int(seed),
    )
