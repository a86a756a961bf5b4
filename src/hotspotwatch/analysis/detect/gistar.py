"""Getis-Ord local Gi* hot-spot statistic (Getis & Ord 1992; Ord & Getis 1995).

Two entry points share one result type:

- :func:`gistar` on any sparse weights (distance band, contiguity, k-nearest neighbours);
- :func:`gistar_grid` on a regular grid, where the neighbour sums are convolutions
  (``scipy.ndimage.correlate``), so a million cells take well under a second.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal

import numpy as np
from numpy.typing import ArrayLike, NDArray
from scipy import ndimage, sparse, stats
from scipy.signal import fftconvolve

from hotspotwatch.analysis._result import ResultMixin
from hotspotwatch.analysis.detect._permutation import (
    check_alternative,
    check_permutations,
    orient,
    pseudo_p,
    simulate_lags,
)
from hotspotwatch.analysis.multitest import adjust_pvalues
from hotspotwatch.geo.grid import Neighbourhood, square_kernel

Correction = Literal["none", "fdr_bh", "holm"]
#: Confidence levels of ArcGIS's Gi_Bin: ±3 at 99 %, ±2 at 95 %, ±1 at 90 %.
BIN_LEVELS: tuple[tuple[int, float], ...] = ((3, 0.01), (2, 0.05), (1, 0.10))
#: Which p-value the bins use: "auto" (permutation p unless the permutations cannot reach a
#: level after the correction, then the analytic p, as ArcGIS Pro's Hot Spot Analysis),
#: "permutation" (always, and ``unreachable`` says what was lost) or "analytic".
BINS_P: tuple[str, ...] = ("auto", "permutation", "analytic")


@dataclass(frozen=True)
class GiStarResult(ResultMixin):
    """Local Getis-Ord Gi* for every site.

    Attributes
    ----------
    G : ndarray
        :math:`G_i^* = \\sum_j w_{ij} x_j / \\sum_j x_j` (self-weight included).
    expected_G : ndarray
        :math:`E[G_i^*] = W_i / n`.
    variance_G : ndarray
        Variance of :math:`G_i^*` under randomisation.
    z : ndarray
        Analytic z-score :math:`(G_i^* - E[G_i^*]) / \\sqrt{V[G_i^*]}`.
    p_norm : ndarray
        Normal-approximation p-value for ``alternative``.
    p_sim : ndarray or None
        Conditional-permutation pseudo p-value (``None`` without permutations).
    z_sim : ndarray or None
        z-score against the mean and sd of the permutation distribution.
    p_adjusted : ndarray
        The p-value used for the bins (``p_sim`` if permutations else ``p_norm``) after
        ``correction``.
    bins : ndarray of int
        ``sign(z) × 3/2/1`` when ``p_adjusted`` is below 0.01/0.05/0.10, else 0 (ArcGIS Gi_Bin).
    alternative, correction : str
        As requested; ``p_norm`` and ``p_sim`` are two-sided unless stated otherwise.
    permutations : int
        Number of conditional permutations (0 = analytic only).
    seed : int or None
        Seed of the permutation generator.
    n : int
        Number of sites.
    bins_from : str
        ``"permutation"`` (bins from the corrected ``p_sim``) or ``"analytic"`` (from the
        corrected ``p_norm``: without permutations, on request, or because the permutations
        could not reach a level after the correction, see ``unreachable``).
    p_floor : float or None
        Smallest ``p_sim`` the permutations can give: ``1/(P+1)``, ``2/(P+1)`` two-sided.
    unreachable : tuple of float
        Levels (0.01, 0.05, 0.10) that the permutation p-values could not reach after the
        correction for some site that the analytic p-value puts there and whose ``p_sim``
        is at ``p_floor``: more permutations would be needed, not more data.
    permutations_needed : int or None
        About how many permutations would let the finest unreachable level be reached
        (the floor below that level's correction threshold); ``None`` when none is.
    """

    G: NDArray[np.float64]
    expected_G: NDArray[np.float64]
    variance_G: NDArray[np.float64]
    z: NDArray[np.float64]
    p_norm: NDArray[np.float64]
    p_sim: NDArray[np.float64] | None
    z_sim: NDArray[np.float64] | None
    p_adjusted: NDArray[np.float64]
    bins: NDArray[np.int64]
    alternative: str
    correction: str
    permutations: int
    seed: int | None
    n: int
    bins_from: str = "analytic"
    p_floor: float | None = None
    unreachable: tuple[float, ...] = ()
    permutations_needed: int | None = None

    @property
    def hot(self) -> NDArray[np.bool_]:
        """Sites in a hot spot at 95 % confidence or more (``bins >= 2``)."""
        return self.bins >= 2

    @property
    def cold(self) -> NDArray[np.bool_]:
        """Sites in a cold spot at 95 % confidence or more (``bins <= -2``)."""
        return self.bins <= -2


def _p_norm(z: NDArray[np.float64], alternative: str) -> NDArray[np.float64]:
    if alternative == "greater":
        return np.asarray(stats.norm.sf(z))
    if alternative == "less":
        return np.asarray(stats.norm.cdf(z))
    if alternative == "folded":
        return np.asarray(stats.norm.sf(np.abs(z)))
    return np.asarray(np.minimum(1.0, 2.0 * stats.norm.sf(np.abs(z))))


def gistar_bins(z: ArrayLike, p: ArrayLike) -> NDArray[np.int64]:
    """Confidence bins ±3/±2/±1 at 99/95/90 % (ArcGIS Gi_Bin), 0 otherwise.

    Examples
    --------
    >>> gistar_bins([2.7, -2.0, 1.7, 0.5], [0.007, 0.045, 0.09, 0.6]).tolist()
    [3, -2, 1, 0]
    """
    za = np.asarray(z, dtype=float)
    pa = np.asarray(p, dtype=float)
    level = np.zeros(za.shape, dtype=np.int64)
    for value, alpha in reversed(BIN_LEVELS):
        level = np.where(np.isfinite(pa) & (pa < alpha), value, level)
    return (np.sign(np.nan_to_num(za)).astype(np.int64) * level).astype(np.int64)


def _adjust(p: NDArray[np.float64], correction: str) -> NDArray[np.float64]:
    if correction == "none":
        return p.copy()
    return adjust_pvalues(p.ravel(), method=correction).p_adjusted.reshape(p.shape)  # type: ignore[arg-type]


def _unreachable(
    p_norm_adj: NDArray[np.float64], p_sim: NDArray[np.float64], p_sim_adj: NDArray[np.float64],
    floor: float, correction: str, permutations: int,
) -> tuple[tuple[float, ...], int | None]:
    """Levels the permutations could not reach after the correction, and the permutations
    that would reach the finest of them."""
    ok = np.isfinite(p_sim) & np.isfinite(p_norm_adj)
    at_floor = ok & (p_sim <= floor * (1 + 1e-9))
    levels = tuple(a for _, a in sorted(BIN_LEVELS, key=lambda t: t[1])
                   if np.any(at_floor & (p_norm_adj < a) & ~(p_sim_adj < a)))
    if not levels:
        return (), None
    alpha = levels[0]
    m = int(ok.sum())
    # BH: m / rank. Only the cells already at the floor can fall below it with more
    # permutations; counting every analytically significant cell instead overstates the
    # rank when the normal approximation is bolder than the permutations (skewed counts),
    # and gave fewer permutations than those already run.
    n_level = max(1, int(np.sum(at_floor & (p_norm_adj < alpha))))
    tests = {"none": 1.0, "holm": float(m)}.get(correction, m / n_level)
    c = floor * (permutations + 1)  # 1, or 2 two-sided
    return levels, math.ceil(c * tests / alpha)


def _finish(
    G: NDArray[np.float64], EG: NDArray[np.float64], VG: NDArray[np.float64], z: NDArray[np.float64],
    p_sim: NDArray[np.float64] | None, z_sim: NDArray[np.float64] | None, *, alternative: str,
    correction: str, permutations: int, seed: int | None, bins_p: str = "auto",
) -> GiStarResult:
    p_norm = _p_norm(z, alternative)
    norm_adj = _adjust(p_norm, correction)
    p_adj, bins_from = norm_adj, "analytic"
    floor: float | None = None
    unreachable: tuple[float, ...] = ()
    needed: int | None = None
    if p_sim is not None:
        zero = np.zeros(1, dtype=np.int64)
        floor = float(pseudo_p(zero, zero, permutations, alternative)[0])
        sim_adj = _adjust(p_sim, correction)
        unreachable, needed = _unreachable(norm_adj, p_sim, sim_adj, floor, correction,
                                           permutations)
        if bins_p == "permutation" or (bins_p == "auto" and not unreachable):
            p_adj, bins_from = sim_adj, "permutation"
    bins = gistar_bins(z, p_adj)
    return GiStarResult(G=G, expected_G=EG, variance_G=VG, z=z, p_norm=p_norm, p_sim=p_sim, z_sim=z_sim,
                        p_adjusted=p_adj, bins=bins, alternative=alternative, correction=correction,
                        permutations=permutations, seed=seed, n=int(np.isfinite(z).sum()),
                        bins_from=bins_from, p_floor=floor, unreachable=unreachable,
                        permutations_needed=needed)


def _check_common(alternative: str, correction: str, permutations: int, bins_p: str = "auto") -> int:
    check_alternative(alternative)
    if bins_p not in BINS_P:
        raise ValueError(f"bins_p must be one of {', '.join(BINS_P)}, got {bins_p!r}")
    if correction not in ("none", "fdr_bh", "holm"):
        raise ValueError(f"correction must be 'none', 'fdr_bh' or 'holm', got {correction!r}")
    return check_permutations(permutations)


def _moments(y: NDArray[np.float64]) -> tuple[float, float, float]:
    n = y.size
    if n < 3:
        raise ValueError(f"Gi* needs at least 3 sites, got {n}")
    mean = float(y.mean())
    s = float(np.sqrt(max((y * y).mean() - mean**2, 0.0)))
    if not s > 0:
        raise ValueError("values are constant (zero variance): Gi* z-scores are undefined; "
                         "check the period and category filters")
    return float(n), mean, s


def gistar(
    values: ArrayLike,
    weights: sparse.spmatrix | sparse.sparray | ArrayLike,
    *,
    permutations: int = 0,
    seed: int | None = None,
    alternative: str = "two-sided",
    self_weight: float | None = None,
    correction: Correction = "none",
    bins_p: str = "auto",
    progress: Callable[[int, int], None] | None = None,
) -> GiStarResult:
    """Local Getis-Ord Gi* on sparse weights.

    Parameters
    ----------
    values : array_like, shape (n,)
        Non-negative values (event counts or harm-weighted counts) per site.
    weights : sparse matrix, shape (n, n)
        Binary or non-negative weights. If the diagonal is all zero a self-weight is added
        (star): 1 for binary weights, the row maximum otherwise, or ``self_weight``.
        Row-standardising ``weights`` does not change the z-scores (see Notes).
    permutations : int
        Conditional permutations for ``p_sim`` (0 = analytic inference only; 999 usual).
    seed : int, optional
        Seed of the permutation generator (results are reproducible with it).
    alternative : {"two-sided", "greater", "less", "folded"}
        Hypothesis for ``p_norm`` and ``p_sim``. ``"folded"`` reproduces esda's one-tailed
        ``p_norm`` and its folded ``p_sim``.
    self_weight : float, optional
        Self-weight to put on the diagonal when the given one is zero.
    correction : {"none", "fdr_bh", "holm"}
        Multiple-testing correction applied before binning.
    progress : callable, optional
        ``progress(done, total)`` during the permutations (``total`` = sites); not
        called without permutations.
    bins_p : {"auto", "permutation", "analytic"}
        p-value of the bins. ``"auto"``: the permutation p, unless the smallest p the
        permutations can give (``1/(P+1)``; ``2/(P+1)`` two-sided) cannot reach a level
        after the correction for a site that the analytic p puts there; then the analytic
        p, as ArcGIS Pro does. The result records which (``bins_from``), the levels lost
        (``unreachable``) and the permutations that would reach them.

    Returns
    -------
    GiStarResult

    Notes
    -----
    With :math:`W_i = \\sum_j w_{ij}`, :math:`S_{1i} = \\sum_j w_{ij}^2` (both including
    :math:`w_{ii}`), :math:`\\bar x` and :math:`s^2 = \\sum_j x_j^2 / n - \\bar x^2`,

    .. math:: z_i = \\frac{\\sum_j w_{ij} x_j - \\bar x W_i}
                         {s \\sqrt{(n S_{1i} - W_i^2)/(n - 1)}}

    (Ord & Getis 1995, eq. 9; the same as ArcGIS's Hot Spot Analysis). For binary weights
    this equals esda ``G_Local(y, w, transform="B", star=True).Zs`` to rounding. esda
    uses :math:`W_i` in place of :math:`S_{1i}`, which is exact only for binary weights;
    with ``transform="R"`` its z-scores shrink by the factor
    :math:`\\sqrt{(n S_{1i} - W_i^2)/(n-1)}` (a known fault we avoid: z is invariant to
    row scaling). Two-sided ``p_norm`` is :math:`2\\Phi(-|z|)`, twice esda's ``p_norm``.

    ``p_sim`` uses conditional randomisation (Anselin 1995): :math:`x_i` stays at site
    :math:`i` and its neighbours' values are drawn without replacement from the other
    :math:`n-1` sites; two-sided :math:`p = \\min(1, 2\\min(n_\\ge + 1, n_\\le + 1)/(P+1))`.

    Examples
    --------
    >>> import numpy as np
    >>> from scipy import sparse
    >>> w = sparse.diags([np.ones(4), np.ones(4)], [-1, 1], shape=(5, 5))
    >>> res = gistar(np.array([0.0, 1, 8, 9, 1]), w)
    >>> res.z.round(3).tolist()
    [-1.393, -0.507, 1.393, 1.393, 0.507]
    """
    permutations = _check_common(alternative, correction, permutations, bins_p)
    y = np.asarray(values, dtype=float).ravel()
    if not np.all(np.isfinite(y)):
        raise ValueError("values contain NaN or infinite entries; drop or fill them first")
    n_sites = y.size
    w = sparse.csr_matrix(weights, dtype=float)
    if w.shape != (n_sites, n_sites):
        raise ValueError(f"weights must be {n_sites}×{n_sites} to match values, got {w.shape}")
    if w.nnz and w.data.min() < 0:
        raise ValueError("weights must be non-negative")
    w.eliminate_zeros()
    diag = w.diagonal()
    if not diag.any():
        if self_weight is not None:
            fill = np.full(n_sites, float(self_weight))
        elif w.nnz == 0 or np.all(w.data == 1.0):
            fill = np.ones(n_sites)
        else:
            fill = np.asarray(w.max(axis=1).todense()).ravel()
            fill[fill == 0] = 1.0
        w = (w + sparse.diags(fill)).tocsr()
        diag = fill
    n, mean, s = _moments(y)
    wy = w @ y
    Wi = np.asarray(w.sum(axis=1)).ravel()
    S1 = np.asarray(w.multiply(w).sum(axis=1)).ravel()
    total = y.sum()
    with np.errstate(divide="ignore", invalid="ignore"):
        z = (wy - mean * Wi) / (s * np.sqrt((n * S1 - Wi**2) / (n - 1)))
        G = wy / total
        EG = Wi / n
        VG = (n * S1 - Wi**2) / (n - 1) * s**2 / (n * mean) ** 2
    p_sim = z_sim = None
    if permutations:
        others = (w - sparse.diags(diag)).tocsr()
        others.eliminate_zeros()
        null = simulate_lags(y, others, others @ y, permutations=permutations,
                             rng=np.random.default_rng(seed), progress=progress)
        ge, le = orient(null, np.full(n_sites, np.sign(total) if total else 1.0))
        p_sim = pseudo_p(ge, le, permutations, alternative)
        with np.errstate(divide="ignore", invalid="ignore"):
            z_sim = (wy - (diag * y + null.mean)) / null.std
    return _finish(G, EG, VG, z, p_sim, z_sim, alternative=alternative, correction=correction,
                   permutations=permutations, seed=seed, bins_p=bins_p)


def _correlate(a: NDArray[np.float64], kernel: NDArray[np.float64]) -> NDArray[np.float64]:
    if kernel.size <= 49:
        return np.asarray(ndimage.correlate(a, kernel, mode="constant", cval=0.0))
    return np.asarray(fftconvolve(a, kernel[::-1, ::-1], mode="same"))


def gistar_grid(
    values: ArrayLike,
    *,
    mask: ArrayLike | None = None,
    neighbourhood: Neighbourhood = "queen",
    radius: float = 1,
    permutations: int = 0,
    seed: int | None = None,
    alternative: str = "two-sided",
    correction: Correction = "none",
    bins_p: str = "auto",
    progress: Callable[[int, int], None] | None = None,
) -> GiStarResult:
    """Gi* on a regular square grid by convolution (fast path).

    Parameters
    ----------
    values : array_like, shape (ny, nx)
        Counts per cell. NaN cells are treated as outside the study area.
    mask : array_like of bool, optional
        Cells inside the study area (default: all finite cells). Outside cells are
        neither sites nor neighbours; their results are NaN (bins 0).
    neighbourhood : {"queen", "rook", "disk"}
        Binary neighbourhood (self included), see :func:`hotspotwatch.geo.grid.square_kernel`.
        ``"queen"`` with ``radius=1`` is sfhotspot's default ``nb_dist = cell_size × √2``.
    radius : float
        Neighbourhood radius in cells.
    permutations, seed, alternative, correction, bins_p, progress
        As in :func:`gistar`.

    Returns
    -------
    GiStarResult
        Arrays have the grid's shape.

    Notes
    -----
    Same formula as :func:`gistar` with binary weights; :math:`\\sum_j w_{ij} x_j`,
    :math:`W_i` and :math:`S_{1i}` are correlations of the masked values and of the mask
    with the stencil, so the result equals :func:`gistar` on the grid's weights.

    Examples
    --------
    >>> import numpy as np
    >>> counts = np.zeros((20, 20)); counts[8:11, 8:11] = 5
    >>> int(gistar_grid(counts).bins[9, 9])
    3
    """
    permutations = _check_common(alternative, correction, permutations, bins_p)
    y2 = np.asarray(values, dtype=float)
    if y2.ndim != 2:
        raise ValueError(f"values must be a 2-D grid (ny, nx), got shape {y2.shape}")
    m = np.isfinite(y2) if mask is None else (np.asarray(mask, dtype=bool) & np.isfinite(y2))
    if m.shape != y2.shape:
        raise ValueError(f"mask shape {m.shape} does not match values shape {y2.shape}")
    k = square_kernel(neighbourhood, radius=radius, include_self=True)
    y = np.where(m, y2, 0.0)
    n, mean, s = _moments(y2[m])
    mf = m.astype(float)
    wy = _correlate(y, k)
    Wi = _correlate(mf, k)
    S1 = Wi  # binary stencil
    total = float(y.sum())
    with np.errstate(divide="ignore", invalid="ignore"):
        z = (wy - mean * Wi) / (s * np.sqrt((n * S1 - Wi**2) / (n - 1)))
        G = wy / total
        EG = Wi / n
        VG = (n * S1 - Wi**2) / (n - 1) * s**2 / (n * mean) ** 2
    for arr in (z, G, EG, VG):
        arr[~m] = np.nan
    p_sim = z_sim = None
    if permutations:
        from hotspotwatch.geo.grid import Grid

        grid = Grid(kind="square", cell_size=1.0, x0=0.0, y0=0.0, shape=(y2.shape[0], y2.shape[1]), mask=m)
        others = grid.weights(neighbourhood, radius=radius)
        yv = y2[m]
        null = simulate_lags(yv, others, others @ yv, permutations=permutations,
                             rng=np.random.default_rng(seed), progress=progress)
        ge, le = orient(null, np.full(yv.size, np.sign(total) if total else 1.0))
        p_sim = np.full(y2.shape, np.nan)
        p_sim[m] = pseudo_p(ge, le, permutations, alternative)
        z_sim = np.full(y2.shape, np.nan)
        with np.errstate(divide="ignore", invalid="ignore"):
            z_sim[m] = (wy[m] - (yv + null.mean)) / null.std
    res = _finish(G, EG, VG, z, p_sim, z_sim, alternative=alternative, correction=correction,
                  permutations=permutations, seed=seed, bins_p=bins_p)
    return res
