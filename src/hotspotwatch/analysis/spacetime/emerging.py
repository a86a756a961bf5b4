"""Emerging hot spots: space-time Gi* per bin, Mann–Kendall trends, ArcGIS Pro categories."""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike, NDArray
from scipy import sparse
from scipy.stats import norm

from hotspotwatch.analysis._result import ResultMixin
from hotspotwatch.analysis.multitest import Method, adjust_pvalues
from hotspotwatch.analysis.spacetime.cube import space_time_weights
from hotspotwatch.analysis.spacetime.mann_kendall import mann_kendall

#: Patterns in the order they are tested (ArcGIS Pro's list); each exists hot and cold.
PATTERNS: tuple[str, ...] = (
    "new", "consecutive", "intensifying", "persistent", "diminishing",
    "sporadic", "oscillating", "historical",
)
#: Every category key: ``"<pattern>_hot"``, ``"<pattern>_cold"`` and ``"no_pattern"``.
CATEGORIES: tuple[str, ...] = tuple(
    [f"{p}_hot" for p in PATTERNS] + [f"{p}_cold" for p in PATTERNS] + ["no_pattern"]
)


@dataclass(frozen=True)
class SpaceTimeGiStar(ResultMixin):
    """Gi* z-scores of the bins of a space-time cube.

    Attributes
    ----------
    z : ndarray, shape (n_cells, n_steps)
        Getis–Ord Gi* z-score of each bin with its space-time neighbourhood.
    p_value : ndarray
        Two-sided normal p-value.
    p_adjusted : ndarray
        ``p_value`` adjusted over all bins (FDR by default).
    """

    z: NDArray[np.float64]
    p_value: NDArray[np.float64]
    p_adjusted: NDArray[np.float64]


@dataclass(frozen=True)
class EmergingHotspotsResult(ResultMixin):
    """Emerging hot spot categories per location (ArcGIS Pro's definitions).

    Attributes
    ----------
    category : tuple of str
        One of :data:`CATEGORIES` per location, e.g. ``"new_hot"``, ``"no_pattern"``.
    gi_z, gi_p_adjusted : ndarray, shape (n_cells, n_steps)
        Space-time Gi* z-scores and their adjusted p-values.
    hot, cold : ndarray of bool, shape (n_cells, n_steps)
        Significant (``gi_p_adjusted <= alpha``) bins with ``z > 0`` / ``z < 0``.
    trend_z, trend_p : ndarray, shape (n_cells,)
        Mann–Kendall trend of each location's Gi* z-scores (the "intensity of clustering").
    count_trend_z, count_trend_p, count_trend_tau : ndarray, shape (n_cells,)
        Mann–Kendall trend of each location's counts.
    category_counts : dict
        Number of locations per category (all categories listed, zeros included).
    distance : float
    time_window : int
    alpha : float
    correction : str
    """

    category: tuple[str, ...]
    gi_z: NDArray[np.float64]
    gi_p_adjusted: NDArray[np.float64]
    hot: NDArray[np.bool_]
    cold: NDArray[np.bool_]
    trend_z: NDArray[np.float64]
    trend_p: NDArray[np.float64]
    count_trend_z: NDArray[np.float64]
    count_trend_p: NDArray[np.float64]
    count_trend_tau: NDArray[np.float64]
    category_counts: dict[str, int]
    distance: float
    time_window: int
    alpha: float
    correction: str


def spacetime_gistar(
    counts: ArrayLike,
    weights: sparse.spmatrix | sparse.sparray,
    *,
    correction: Method = "fdr_bh",
) -> SpaceTimeGiStar:
    """Getis–Ord Gi* for every bin of a space-time cube.

    Parameters
    ----------
    counts : array_like, shape (n_cells, n_steps)
        The cube.
    weights : sparse matrix, shape (N, N) with N = n_cells * n_steps
        Space-time neighbourhood with the bin itself included, indexed
        ``step * n_cells + cell`` (see :func:`space_time_weights`).
    correction : {"fdr_bh", "holm", "none"}
        Multiple-testing adjustment over all bins.

    Returns
    -------
    SpaceTimeGiStar

    Notes
    -----
    Ord & Getis (1995), on the flattened cube :math:`x` of :math:`N` bins:

    .. math:: z_i = \\frac{\\sum_j w_{ij} x_j - \\bar x W_i}
                         {s \\sqrt{(N S_{1i} - W_i^2)/(N - 1)}},\\quad
              W_i = \\sum_j w_{ij},\\ S_{1i} = \\sum_j w_{ij}^2,\\
              s^2 = \\sum_j x_j^2 / N - \\bar x^2.

    With binary weights this equals esda's ``G_Local(..., transform="B", star=True).Zs``.
    The neighbourhood is space × time, which is why this lives here rather than in the
    purely spatial ``analysis.detect.gistar``.

    Examples
    --------
    >>> import numpy as np
    >>> cube = np.zeros((3, 4)); cube[0, 3] = 5
    >>> w = space_time_weights([0, 100, 200], [0, 0, 0], 4, distance=150)
    >>> res = spacetime_gistar(cube, w)
    >>> bool(res.z[0, 3] > res.z[2, 3])
    True
    """
    x2 = np.asarray(counts, dtype=float)
    if x2.ndim != 2:
        raise ValueError("counts must be a 2-D cube (n_cells, n_steps)")
    if not np.isfinite(x2).all():
        raise ValueError("counts has NaN or infinite values; fill them first")
    x = x2.T.ravel()  # step-major, matching space_time_weights
    n = x.size
    w = sparse.csr_matrix(weights, dtype=float)
    if w.shape != (n, n):
        raise ValueError(f"weights must be {n}×{n} for a {x2.shape} cube; got {w.shape}")
    mean = x.mean()
    s = math.sqrt(max(float((x**2).mean() - mean**2), 0.0))
    if s == 0:
        raise ValueError("the cube is constant (zero variance): Gi* is undefined; "
                         "check the period and category filters")
    wi = np.asarray(w.sum(axis=1)).ravel()
    s1 = np.asarray(w.multiply(w).sum(axis=1)).ravel()
    with np.errstate(divide="ignore", invalid="ignore"):
        z = (w @ x - mean * wi) / (s * np.sqrt((n * s1 - wi**2) / (n - 1)))
    p = np.minimum(1.0, 2 * norm.sf(np.abs(z)))
    p_adj = adjust_pvalues(p, method=correction).p_adjusted
    shape = (x2.shape[1], x2.shape[0])
    return SpaceTimeGiStar(z=z.reshape(shape).T, p_value=p.reshape(shape).T,
                           p_adjusted=p_adj.reshape(shape).T)


def _pattern(f: NDArray[np.bool_], g: NDArray[np.bool_], intensifying: bool,
             diminishing: bool) -> str:
    """Pattern of a series whose final step is significant in ``f`` (hot or cold)."""
    steps = f.size
    n_f = int(f.sum())
    if n_f >= math.ceil(0.9 * steps):
        if intensifying:
            return "intensifying"
        if diminishing:
            return "diminishing"
        return "persistent"
    if n_f == 1:
        return "new"
    run = steps - int(np.flatnonzero(~f)[-1]) - 1  # final uninterrupted run
    if run == n_f and run >= 2:
        return "consecutive"
    if g.any():
        return "oscillating"
    return "sporadic"


def classify_emerging(
    hot: ArrayLike,
    cold: ArrayLike,
    trend_z: ArrayLike,
    trend_p: ArrayLike,
    *,
    alpha: float = 0.05,
) -> tuple[str, ...]:
    """ArcGIS Pro emerging hot/cold spot category of each location.

    Parameters
    ----------
    hot, cold : array_like of bool, shape (n_cells, n_steps)
        Significant hot / cold bins, in time order (last column = final time step).
    trend_z, trend_p : array_like, shape (n_cells,)
        Mann–Kendall z and p of each location's Gi* z-scores over time.
    alpha : float
        Level for the trend to count as significant.

    Returns
    -------
    tuple of str
        One of :data:`CATEGORIES` per location.

    Notes
    -----
    With *T* steps, "mostly" means significant in at least ⌈0.9 T⌉ steps. For hot spots
    (cold spots are the mirror image, with the trend sign reversed: an intensifying cold
    spot has significantly *decreasing* z-scores):

    - **new** — hot in the final step and never before;
    - **consecutive** — a single uninterrupted run of >= 2 hot steps ending with the final
      step, never hot before the run, not mostly hot;
    - **intensifying** — mostly hot including the final step, z-scores significantly
      increasing (Mann–Kendall p <= alpha, z > 0);
    - **persistent** — mostly hot including the final step, no significant trend;
    - **diminishing** — mostly hot including the final step, z-scores significantly
      decreasing;
    - **sporadic** — hot in the final step, on-and-off before, not mostly hot, never cold;
    - **oscillating** — hot in the final step, cold in some earlier step, not mostly hot;
    - **historical** — not hot in the final step but mostly hot;
    - **no pattern** — none of the above, hot or cold.

    A final step that is hot decides for a hot category, one that is cold for a cold
    category; only then are historical hot / cold tested. Within a final-hot series the
    order is: mostly hot (intensifying, diminishing, persistent), new, consecutive,
    oscillating, sporadic. This follows ArcGIS Pro's "How Emerging Hot Spot Analysis
    works" (Esri 2024), which also requires at least 10 time steps for a reliable trend.

    Examples
    --------
    >>> hot = [[False] * 9 + [True]]
    >>> classify_emerging(hot, [[False] * 10], [0.0], [1.0])
    ('new_hot',)
    """
    h = np.atleast_2d(np.asarray(hot, dtype=bool))
    c = np.atleast_2d(np.asarray(cold, dtype=bool))
    tz = np.atleast_1d(np.asarray(trend_z, dtype=float))
    tp = np.atleast_1d(np.asarray(trend_p, dtype=float))
    if h.shape != c.shape or tz.size != h.shape[0] or tp.size != h.shape[0]:
        raise ValueError("hot and cold must be (n_cells, n_steps) and the trends (n_cells,)")
    if np.any(h & c):
        raise ValueError("a bin cannot be both hot and cold")
    steps = h.shape[1]
    mostly = math.ceil(0.9 * steps)
    out = []
    for k in range(h.shape[0]):
        up = bool(tp[k] <= alpha and tz[k] > 0)
        down = bool(tp[k] <= alpha and tz[k] < 0)
        if h[k, -1]:
            out.append(_pattern(h[k], c[k], up, down) + "_hot")
        elif c[k, -1]:
            out.append(_pattern(c[k], h[k], down, up) + "_cold")
        elif h[k].sum() >= mostly:
            out.append("historical_hot")
        elif c[k].sum() >= mostly:
            out.append("historical_cold")
        else:
            out.append("no_pattern")
    return tuple(out)


def emerging_hotspots(
    counts: ArrayLike,
    cell_x: ArrayLike,
    cell_y: ArrayLike,
    *,
    distance: float,
    time_window: int = 1,
    alpha: float = 0.05,
    correction: Method = "fdr_bh",
    progress: Callable[[int, int], None] | None = None,
) -> EmergingHotspotsResult:
    """Emerging hot spot analysis of a space-time cube (ArcGIS Pro's method).

    Parameters
    ----------
    counts : array_like, shape (n_cells, n_steps)
        Event counts per location and time step (weeks, months, designation periods).
    cell_x, cell_y : array_like, shape (n_cells,)
        Location centroids (metres).
    distance : float
        Spatial neighbourhood distance (metres), e.g. 1.5 × the cell size.
    time_window : int
        Previous time steps in each bin's neighbourhood (ArcGIS "neighborhood time step").
    alpha : float
        Level for a significant bin (after ``correction``) and a significant trend.
    correction : {"fdr_bh", "holm", "none"}
        Multiple-testing adjustment of the bins' Gi* p-values (ArcGIS uses FDR).
    progress : callable, optional
        ``progress(done, 5)`` after each of the five stages (space-time weights, Gi*,
        z-score trends, count trends, categories).

    Returns
    -------
    EmergingHotspotsResult

    Notes
    -----
    1. Gi* of every bin with its space-time neighbourhood (:func:`spacetime_gistar`),
       two-sided normal p-values, FDR-adjusted over all bins; a bin is hot (cold) when
       its adjusted p <= ``alpha`` and z > 0 (z < 0).
    2. Mann–Kendall trend (with ties) of each location's z-scores, and of its counts.
    3. The categories of :func:`classify_emerging`.

    Examples
    --------
    >>> import numpy as np
    >>> rng = np.random.default_rng(0)
    >>> xs, ys = np.meshgrid(np.arange(8) * 100.0, np.arange(8) * 100.0)
    >>> cube = rng.poisson(1.0, (64, 12)).astype(float)
    >>> cube[27, 8:] += 12  # a place that heats up in the last four steps
    >>> res = emerging_hotspots(cube, xs.ravel(), ys.ravel(), distance=150)
    >>> res.category[27]
    'consecutive_hot'
    """
    x = np.asarray(counts, dtype=float)
    cx = np.asarray(cell_x, dtype=float).ravel()
    cy = np.asarray(cell_y, dtype=float).ravel()
    if x.ndim != 2 or x.shape[0] != cx.size or cy.size != cx.size:
        raise ValueError("counts must be (n_cells, n_steps) with one centroid per cell")
    if x.shape[1] < 3:
        raise ValueError(f"need at least 3 time steps (10+ recommended); got {x.shape[1]}")
    if not 0 < alpha < 1:
        raise ValueError(f"alpha must be in (0, 1); got {alpha!r}")
    def stage(k: int) -> None:
        if progress is not None:
            progress(k, 5)

    w = space_time_weights(cx, cy, x.shape[1], distance=distance, time_window=time_window)
    stage(1)
    gi = spacetime_gistar(x, w, correction=correction)
    stage(2)
    sig = gi.p_adjusted <= alpha
    hot = sig & (gi.z > 0)
    cold = sig & (gi.z < 0)
    trend = mann_kendall(np.nan_to_num(gi.z))
    stage(3)
    count_trend = mann_kendall(x)
    stage(4)
    category = classify_emerging(hot, cold, trend.z, trend.p_value, alpha=alpha)
    stage(5)
    tally = {key: 0 for key in CATEGORIES}
    for cat in category:
        tally[cat] += 1
    return EmergingHotspotsResult(
        category=category,
        gi_z=gi.z,
        gi_p_adjusted=gi.p_adjusted,
        hot=hot,
        cold=cold,
        trend_z=np.asarray(trend.z),
        trend_p=np.asarray(trend.p_value),
        count_trend_z=np.asarray(count_trend.z),
        count_trend_p=np.asarray(count_trend.p_value),
        count_trend_tau=np.asarray(count_trend.tau),
        category_counts=tally,
        distance=float(distance),
        time_window=int(time_window),
        alpha=float(alpha),
        correction=str(correction),
    )
