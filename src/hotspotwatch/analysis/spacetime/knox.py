"""Knox test for near-repeat (space-time) clustering over distance × time bands.

All pairs of events are cross-tabulated into spatial bands × temporal bands; Monte Carlo
permutations of the event times over the fixed locations give the null distribution.

Speed comes from two facts. (1) Only pairs closer than the largest *finite* spatial edge
ever change cell under permutation, so they are enumerated once with a KD-tree and each
permutation only re-bins their time gaps. (2) When the last spatial band is unbounded,
its row is "all pairs in that time band minus the pairs in the finite bands"; the time
gaps of *all* pairs form the same multiset under every permutation of the times (the
permutation only changes which pair of locations receives which pair of times), so the
all-pairs time-gap histogram is computed once, exactly, from the sorted times.
(3) Events at one location (snapped points) are grouped: the KD-tree runs on the distinct
locations, and the pairs at one location are never listed; their gap histogram is counted
per permutation from the times sorted within each location (see ``_knox_pairs``).
"""

from __future__ import annotations

import math
import os
import threading
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any, Literal, cast

import numpy as np
from numpy.typing import ArrayLike, NDArray
from scipy.spatial import cKDTree

from hotspotwatch.analysis._result import ResultMixin, _dataclass_from_dict
from hotspotwatch.analysis.multitest import adjust_pvalues
from hotspotwatch.analysis.spacetime._knox_pairs import (
    SameLocation,
    cross_location_pairs,
    distinct_locations,
)
from hotspotwatch.analysis.spacetime._knox_pairs import (
    same_location as _same_location,
)

Metric = Literal["manhattan", "euclidean"]

#: Upper edge of a degenerate first band that only holds distance / gap exactly 0.
SAME_EDGE = float(np.nextafter(0.0, 1.0))

# Group events by distinct location (pairs at one location counted per location, in closed
# form over sorted times) when the times are whole days. Tests switch it off to compare
# with the pair-by-pair count.
_GROUP_LOCATIONS = True

# Permutations are drawn in fixed-size blocks, each with its own child seed, so that the
# result is identical whatever the number of worker threads.
_BLOCK = 16


@dataclass(frozen=True)
class KnoxResult(ResultMixin):
    """Knox near-repeat table with Monte Carlo inference.

    Rows are spatial bands, columns temporal bands; both are half-open ``[a, b)``.

    Attributes
    ----------
    space_bands, time_bands : ndarray
        Band edges (metres, days); the last may be ``inf``.
    space_labels, time_labels : tuple of str
        Interval labels such as ``"[0, 100)"``; a degenerate first band is ``"0"``.
    observed : ndarray of int, shape (n_space, n_time)
        Number of event pairs in each cell.
    expected : ndarray of float
        Exact expectation under random permutation of times:
        :math:`E_{ij} = S_i T_j / N` with :math:`S_i` the pairs in spatial band *i* (any time
        gap), :math:`T_j` the pairs in temporal band *j* (any distance), :math:`N = n(n-1)/2`.
        When both last edges are ``inf`` this is row total × column total / N.
    sim_mean, sim_median : ndarray of float
        Mean and median of the permuted tables (NaN when ``permutations == 0``).
    ratio : ndarray of float
        Knox ratio ``observed / sim_mean`` (NaN where ``sim_mean == 0``).
    ratio_median : ndarray of float
        ``observed / sim_median`` (NaN where the median is 0).
    ratio_expected : ndarray of float
        ``observed / expected``.
    p_value : ndarray of float
        One-sided Monte Carlo p-value ``(#{sim >= obs} + 1) / (permutations + 1)``.
    p_value_adjusted : ndarray of float
        Benjamini–Hochberg adjustment of ``p_value`` over the cells.
    n_events, n_pairs : int
        Events used and all pairs ``n(n-1)/2``.
    permutations : int
    metric : str
        ``"manhattan"`` or ``"euclidean"``.
    seed : int
        Entropy of the ``numpy.random.SeedSequence`` actually used (pass it back as
        ``seed`` to reproduce the run exactly).
    co_recorded : int
        Pairs at distance 0 with time gap 0 (same place, same day): mostly one incident
        recorded twice (two sources, or one record per offence). They are in the cell that
        holds distance 0 and gap 0 (unless ``same_location``/``same_day`` bands isolate them).
    ratio_distinct, p_value_distinct : ndarray of float or None
        Knox ratio and Monte Carlo p-value of the table with the co-recorded pairs taken
        out of that cell, in the observed table and in every permuted one (equal to
        ``ratio``/``p_value`` elsewhere). The near-repeat alert reads these, so that an
        incident recorded twice never reads as a repeat. ``None`` in tables built before.
    """

    space_bands: NDArray[np.float64]
    time_bands: NDArray[np.float64]
    space_labels: tuple[str, ...]
    time_labels: tuple[str, ...]
    observed: NDArray[np.int64]
    expected: NDArray[np.float64]
    sim_mean: NDArray[np.float64]
    sim_median: NDArray[np.float64]
    ratio: NDArray[np.float64]
    ratio_median: NDArray[np.float64]
    ratio_expected: NDArray[np.float64]
    p_value: NDArray[np.float64]
    p_value_adjusted: NDArray[np.float64]
    n_events: int
    n_pairs: int
    permutations: int
    metric: str
    seed: int
    co_recorded: int = 0
    ratio_distinct: NDArray[np.float64] | None = None
    p_value_distinct: NDArray[np.float64] | None = None

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> KnoxResult:
        """Inverse of :meth:`to_dict`: JSON turned ``inf`` band edges and NaN cells into
        ``None``; they come back as ``inf`` (band edges) and NaN (cells)."""
        res = _dataclass_from_dict(cls, data)
        for name in ("space_bands", "time_bands"):
            edges = np.asarray(getattr(res, name), dtype=float).copy()
            edges[np.isnan(edges)] = np.inf
            object.__setattr__(res, name, edges)
        object.__setattr__(res, "observed", np.asarray(res.observed, dtype=np.int64))
        return cast(KnoxResult, res)


def band_labels(edges: ArrayLike) -> tuple[str, ...]:
    """Interval labels ``"[a, b)"`` for band edges (``"0"`` for a same-place/same-day band).

    Examples
    --------
    >>> band_labels([0, SAME_EDGE, 100, float("inf")])
    ('0', '(0, 100)', '[100, inf)')
    """
    e = np.asarray(edges, dtype=float)
    labels = []
    for k in range(e.size - 1):
        a, b = e[k], e[k + 1]
        if a == 0 and b == SAME_EDGE:
            labels.append("0")
        elif a == SAME_EDGE:
            labels.append(f"(0, {_fmt(b)})")
        else:
            labels.append(f"[{_fmt(a)}, {_fmt(b)})")
    return tuple(labels)


def _fmt(v: float) -> str:
    if math.isinf(v):
        return "inf"
    return str(int(v)) if float(v).is_integer() else f"{v:g}"


def _check_edges(name: str, edges: ArrayLike, same_zero: bool) -> NDArray[np.float64]:
    e = np.asarray(edges, dtype=float).ravel()
    if e.size < 2:
        raise ValueError(f"{name} needs at least two edges, e.g. [0, 100, 200]; got {e.size}")
    if np.isnan(e).any() or e[0] < 0 or np.isinf(e[:-1]).any():
        raise ValueError(
            f"{name} must be non-negative numbers, only the last may be inf; got {e.tolist()}"
        )
    if np.any(np.diff(e) <= 0):
        raise ValueError(f"{name} must be strictly increasing; got {e.tolist()}")
    if same_zero:
        if e[0] != 0:
            raise ValueError(f"a same-place/same-day band needs {name} to start at 0")
        if e[1] != SAME_EDGE:
            e = np.concatenate([[0.0, SAME_EDGE], e[1:]])
    return e


def _distances(
    x: NDArray[np.float64], y: NDArray[np.float64], i: NDArray[np.intp], j: NDArray[np.intp],
    metric: Metric,
) -> NDArray[np.float64]:
    dx = x[i] - x[j]
    dy = y[i] - y[j]
    if metric == "manhattan":
        return np.abs(dx) + np.abs(dy)
    return np.hypot(dx, dy)


def _close_pairs(
    x: NDArray[np.float64], y: NDArray[np.float64], radius: float, metric: Metric
) -> tuple[NDArray[np.int32], NDArray[np.int32], NDArray[np.float64]]:
    """All pairs i < j with distance strictly below ``radius`` (KD-tree, once)."""
    if radius <= 0 or x.size < 2:
        empty = np.empty(0, dtype=np.int32)
        return empty, empty, np.empty(0)
    tree = cKDTree(np.column_stack([x, y]))
    pairs = tree.query_pairs(radius, p=1.0 if metric == "manhattan" else 2.0,
                             output_type="ndarray")
    i = pairs[:, 0].astype(np.int32)
    j = pairs[:, 1].astype(np.int32)
    del pairs
    d = _distances(x, y, i, j, metric)
    keep = d < radius
    return i[keep], j[keep], d[keep]


def _count_gaps_below(sorted_t: NDArray[np.float64], edge: float) -> int:
    """Number of pairs whose time gap ``t_b - t_a`` is < edge, in O(n log n).

    Works on the distinct times and compares ``u_b - u_a < edge`` exactly as the pair
    gaps are compared, so that no rounding of ``u_a + edge`` can move a pair across an edge.
    """
    n = sorted_t.size
    if edge <= 0:
        return 0
    if math.isinf(edge):
        return n * (n - 1) // 2
    u, cnt = np.unique(sorted_t, return_counts=True)
    m = u.size
    idx = np.arange(m)
    first = np.searchsorted(u, u + edge, side="left")  # first b with u_b - u_a >= edge
    while True:  # rounding of u + edge can misplace the boundary: fix it exactly
        ahead = first < m
        fwd = ahead.copy()
        fwd[ahead] = u[first[ahead]] - u[ahead] < edge
        back = first - 1 > idx
        back[back] = u[first[back] - 1] - u[back] >= edge
        if not (fwd.any() or back.any()):
            break
        first = first + fwd - back
    cum = np.concatenate([[0], np.cumsum(cnt)])
    within = (cnt * (cnt - 1)) // 2  # equal times: gap 0 < edge
    later = cnt * (cum[first] - cum[idx + 1])
    return int(within.sum() + later.sum())


class _TimeBinner:
    """Maps pair time gaps to column indices; a look-up table when times are whole days."""

    def __init__(self, t: NDArray[np.float64], edges: NDArray[np.float64]) -> None:
        self.n_cols = edges.size - 1
        self.dump = self.n_cols  # column for gaps outside the table
        self.edges = edges
        span = float(t.max() - t.min()) if t.size else 0.0
        self.integer = bool(np.all(t == np.floor(t))) and span < 5e7
        if self.integer:
            self.t = (t - t.min()).astype(np.int32)
            gaps = np.arange(int(span) + 1, dtype=float)
            self.lut = self._bin_float(gaps).astype(np.int32)
        else:
            self.t_float = t

    def _bin_float(self, gaps: NDArray[np.float64]) -> NDArray[np.intp]:
        col = np.searchsorted(self.edges, gaps, side="right") - 1
        col[(col < 0) | (col >= self.n_cols)] = self.dump
        return col

    def columns(self, order: NDArray[np.intp] | None, i: NDArray[np.int32],
                j: NDArray[np.int32]) -> NDArray[np.intp] | NDArray[np.int32]:
        if self.integer:
            tp = self.t if order is None else self.t[order]
            return self.lut[np.abs(tp[i] - tp[j])]
        tf = self.t_float if order is None else self.t_float[order]
        return self._bin_float(np.abs(tf[i] - tf[j]))


def knox(
    x: ArrayLike,
    y: ArrayLike,
    t_days: ArrayLike,
    space_bands: Sequence[float] | ArrayLike,
    time_bands: Sequence[float] | ArrayLike,
    *,
    metric: Metric = "manhattan",
    permutations: int = 999,
    seed: int | None = None,
    same_location: bool = False,
    same_day: bool = False,
    workers: int | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> KnoxResult:
    """Knox near-repeat test over spatial × temporal bands with Monte Carlo inference.

    Parameters
    ----------
    x, y : array_like
        Event coordinates in a projected CRS (metres).
    t_days : array_like
        Event times in days (whole calendar days in the workspace time zone, as in the
        near-repeat literature; fractional days are allowed).
    space_bands, time_bands : array_like
        Increasing band edges; band *k* is ``[edge_k, edge_k+1)``; the last edge may be
        ``inf``. Pairs outside the first/last edge are not tabulated.
    metric : {"manhattan", "euclidean"}
        Distance between events; Manhattan approximates a street grid (the NRC default).
    permutations : int
        Monte Carlo replications (times permuted over the fixed locations); 0 skips them.
    seed : int, optional
        Seed for reproducible permutations (``None`` draws fresh entropy; it is reported
        in ``KnoxResult.seed``). Results do not depend on ``workers``.
    same_location, same_day : bool
        Split the first band into "exactly 0" (same place / same day) and the rest.
        The edges must start at 0.
    workers : int, optional
        Threads for the permutations (default: all cores).
    progress : callable, optional
        ``progress(done, permutations)`` after each permutation, with increasing ``done``
        (calls are serialised across the worker threads); not called without permutations.

    Returns
    -------
    KnoxResult

    Raises
    ------
    ValueError
        For mismatched or non-finite inputs, bad band edges, an unknown metric or a
        negative number of permutations.

    Notes
    -----
    For events :math:`a < b` with distance :math:`d_{ab}` and gap :math:`|t_a - t_b|`,
    :math:`O_{ij} = \\#\\{(a, b): d_{ab} \\in S_i, |t_a - t_b| \\in T_j\\}` (Knox 1964).
    Under the null of no space-time interaction the times are exchangeable over the
    locations; each of ``permutations`` shuffles gives a table :math:`O^{(r)}` and
    :math:`p_{ij} = (1 + \\#\\{r: O^{(r)}_{ij} \\ge O_{ij}\\}) / (1 + R)` (Johnson et al.
    2007; Ratcliffe's Near Repeat Calculator; Steenbeek's NearRepeat R package, whose
    observed tables this function reproduces on its Chicago data). The Knox ratio is
    :math:`O_{ij} / \\overline{O^{(r)}_{ij}}`.

    Examples
    --------
    >>> import numpy as np
    >>> rng = np.random.default_rng(0)
    >>> x, y = rng.uniform(0, 2000, 300), rng.uniform(0, 2000, 300)
    >>> t = rng.integers(0, 365, 300)
    >>> res = knox(x, y, t, [0, 100, 200, np.inf], [0, 7, 14, np.inf],
    ...            permutations=99, seed=1)
    >>> int(res.observed.sum()) == 300 * 299 // 2
    True
    """
    xa = np.asarray(x, dtype=float).ravel()
    ya = np.asarray(y, dtype=float).ravel()
    ta = np.asarray(t_days, dtype=float).ravel()
    if not (xa.size == ya.size == ta.size):
        raise ValueError(
            f"x, y and t_days must have the same length; got {xa.size}, {ya.size}, {ta.size}"
        )
    if xa.size < 2:
        raise ValueError("knox needs at least 2 events (x, y, t_days)")
    for name, arr in (("x", xa), ("y", ya), ("t_days", ta)):
        if not np.isfinite(arr).all():
            raise ValueError(f"{name} has missing or infinite values; drop those events first")
    if metric not in ("manhattan", "euclidean"):
        raise ValueError(f"metric must be 'manhattan' or 'euclidean'; got {metric!r}")
    if int(permutations) != permutations or permutations < 0:
        raise ValueError(f"permutations must be a non-negative integer; got {permutations!r}")
    permutations = int(permutations)
    s_edges = _check_edges("space_bands", space_bands, same_location)
    t_edges = _check_edges("time_bands", time_bands, same_day)
    n = xa.size
    n_pairs = n * (n - 1) // 2
    space_inf = math.isinf(s_edges[-1])
    n_fin = s_edges.size - 1 - int(space_inf)  # finite spatial bands
    n_cols = t_edges.size - 1
    radius = float(s_edges[-2] if space_inf else s_edges[-1])

    binner = _TimeBinner(ta, t_edges)
    same: SameLocation | None = None
    if binner.integer and _GROUP_LOCATIONS:
        # snapped points: pairs at one location are counted per location, never listed
        ux, uy, loc, per_loc = distinct_locations(xa, ya)
        pi, pj, d = cross_location_pairs(ux, uy, loc, per_loc, radius, metric)
        same = _same_location(loc, per_loc, binner.t, _max_finite(t_edges))
        if same.n_pairs == 0 or radius <= 0:  # distance 0 is "close" only below a radius > 0
            same = None
    else:
        pi, pj, d = _close_pairs(xa, ya, radius, metric)
    zero = d == 0  # listed pairs at one place (none when locations are grouped)
    pi0, pj0 = pi[zero], pj[zero]
    row = np.searchsorted(s_edges, d, side="right") - 1
    row[row < 0] = n_fin  # closer than the first edge: kept only to subtract from an inf row
    del d
    # the row of distance 0 (n_fin when 0 is below the first edge: only subtracted)
    same_row = int(np.searchsorted(s_edges, 0.0, side="right") - 1)
    same_row = n_fin if same_row < 0 or same_row >= n_fin else same_row
    # the cell holding the co-recorded pairs (distance 0, gap 0), if the table has one
    col0 = int(np.searchsorted(t_edges, 0.0, side="right") - 1)
    co_cell = (same_row, col0) if same_row < n_fin and 0 <= col0 < n_cols else None
    co_edges = np.r_[t_edges, SAME_EDGE]  # gaps below SAME_EDGE: gap 0
    width = n_cols + 1
    n_bins = (n_fin + 1) * width
    # int32 keeps the per-permutation arrays small (memory for 10^7 close pairs ~ 40 MB each)
    row_base = (row * width).astype(np.int32)
    del row

    # Space band totals (any time gap) and all-pairs time-gap histogram: both invariant.
    space_tot = np.bincount(row_base // width, minlength=n_fin + 1).astype(float)
    n_close = pi.size
    if same is not None:
        space_tot[same_row] += same.n_pairs
        n_close += same.n_pairs
    space_tot = space_tot[:n_fin]
    ts = np.sort(ta)
    below_t = [_count_gaps_below(ts, float(e)) for e in t_edges]
    time_tot = np.diff(np.asarray(below_t, dtype=float))
    if space_inf:
        space_tot = np.append(space_tot, n_pairs - n_close)

    def table(order: NDArray[np.intp] | None) -> tuple[NDArray[np.int64], int]:
        """The table and its number of co-recorded pairs (distance 0, gap 0)."""
        cols = binner.columns(order, pi, pj)
        counts = np.bincount(row_base + cols, minlength=n_bins).reshape(n_fin + 1, width)
        co = 0
        if same is not None:
            tp = binner.t if order is None else binner.t[order]
            below = same.gaps_below(tp, co_edges)
            counts[same_row, :n_cols] += np.diff(below[:-1])
            co = int(below[-1])
        if pi0.size:
            tt = ta if order is None else ta[order]
            co += int(np.count_nonzero(tt[pi0] == tt[pj0]))
        fin = counts[:n_fin, :n_cols]
        if not space_inf:
            return fin.astype(np.int64), co
        inf_row = time_tot - counts[:, :n_cols].sum(axis=0)
        return np.vstack([fin, inf_row[None, :]]).astype(np.int64), co

    observed, co_observed = table(None)
    n_rows = observed.shape[0]
    expected = np.outer(space_tot, time_tot) / n_pairs

    ss = np.random.SeedSequence(seed)
    if permutations:
        n_blocks = -(-permutations // _BLOCK)
        children = ss.spawn(n_blocks)
        lock = threading.Lock()
        done = [0]

        def run_block(b: int) -> tuple[NDArray[np.int64], NDArray[np.int64]]:
            rng = np.random.default_rng(children[b])
            size = min(_BLOCK, permutations - b * _BLOCK)
            out = np.empty((size, n_rows, n_cols), dtype=np.int64)
            co = np.empty(size, dtype=np.int64)
            for k in range(size):
                out[k], co[k] = table(rng.permutation(n))
                if progress is not None:
                    with lock:
                        done[0] += 1
                        progress(done[0], permutations)
            return out, co

        n_workers = workers if workers is not None else (os.cpu_count() or 1)
        n_workers = max(1, min(int(n_workers), n_blocks))
        if n_workers == 1:
            blocks = [run_block(b) for b in range(n_blocks)]
        else:
            with ThreadPoolExecutor(max_workers=n_workers) as pool:
                blocks = list(pool.map(run_block, range(n_blocks)))
        sims = np.concatenate([blk for blk, _ in blocks], axis=0)
        sim_mean = sims.mean(axis=0)
        sim_median = np.median(sims, axis=0)
        p_value = ((sims >= observed[None]).sum(axis=0) + 1) / (permutations + 1)
        # the same inference with the co-recorded pairs out of their cell: one incident
        # recorded twice is not a repeat (the permuted tables lose their own such pairs)
        ratio_distinct, p_distinct = _ratio(observed, sim_mean), p_value.copy()
        if co_cell is not None:
            co_sims = np.concatenate([co for _, co in blocks])
            cell_sims = sims[(slice(None), *co_cell)] - co_sims
            cell_obs = observed[co_cell] - co_observed
            ratio_distinct[co_cell] = _ratio(np.array([cell_obs]),
                                             np.array([cell_sims.mean()]))[0]
            p_distinct[co_cell] = ((cell_sims >= cell_obs).sum() + 1) / (permutations + 1)
    else:
        sim_mean = np.full(observed.shape, np.nan)
        sim_median = np.full(observed.shape, np.nan)
        p_value = np.full(observed.shape, np.nan)
        ratio_distinct, p_distinct = np.full(observed.shape, np.nan), p_value.copy()

    p_adj = adjust_pvalues(p_value.ravel(), method="fdr_bh").p_adjusted.reshape(observed.shape)
    return KnoxResult(
        space_bands=s_edges,
        time_bands=t_edges,
        space_labels=band_labels(s_edges),
        time_labels=band_labels(t_edges),
        observed=observed,
        expected=expected,
        sim_mean=sim_mean,
        sim_median=sim_median,
        ratio=_ratio(observed, sim_mean),
        ratio_median=_ratio(observed, sim_median),
        ratio_expected=_ratio(observed, expected),
        p_value=p_value,
        p_value_adjusted=p_adj,
        n_events=n,
        n_pairs=n_pairs,
        permutations=permutations,
        metric=metric,
        seed=int(ss.entropy) if isinstance(ss.entropy, int) else 0,
        co_recorded=co_observed,
        ratio_distinct=ratio_distinct,
        p_value_distinct=p_distinct,
    )


def _max_finite(edges: NDArray[np.float64]) -> float:
    finite = edges[np.isfinite(edges)]
    return float(finite.max()) if finite.size else 0.0


def _ratio(num: NDArray[np.int64], den: NDArray[np.float64]) -> NDArray[np.float64]:
    out = np.full(num.shape, np.nan)
    ok = np.isfinite(den) & (den > 0)
    out[ok] = num[ok] / den[ok]
    return out
