"""Moran's I, global (Moran 1950; Cliff & Ord 1981) and local (Anselin 1995)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike, NDArray
from scipy import sparse, stats

from hotspotwatch.analysis._result import ResultMixin
from hotspotwatch.analysis.detect._permutation import (
    check_alternative,
    check_permutations,
    orient,
    pseudo_p,
    simulate_lags,
)
from hotspotwatch.analysis.multitest import adjust_pvalues

QUADRANT_LABELS = {1: "HH", 2: "LH", 3: "LL", 4: "HL"}


def transform_weights(weights: sparse.spmatrix | sparse.sparray | ArrayLike, transform: str, n: int) -> sparse.csr_matrix:
    """Return ``weights`` as CSR after ``transform`` ("r" row-standardised, "b" binary, "o" as given).

    Rows without neighbours (islands) stay zero.
    """
    w = sparse.csr_matrix(weights, dtype=float)
    if w.shape != (n, n):
        raise ValueError(f"weights must be {n}×{n} to match values, got {w.shape}")
    if w.nnz and w.data.min() < 0:
        raise ValueError("weights must be non-negative")
    w.eliminate_zeros()
    t = transform.lower()
    if t == "b":
        w.data[:] = 1.0
    elif t == "r":
        rs = np.asarray(w.sum(axis=1)).ravel()
        inv = np.divide(1.0, rs, out=np.zeros_like(rs), where=rs > 0)
        w = sparse.diags(inv) @ w
    elif t != "o":
        raise ValueError(f"transform must be 'r' (row-standardised), 'b' (binary) or 'o' (original), got {transform!r}")
    return sparse.csr_matrix(w)


def _two_sided_norm(z: NDArray[np.float64] | float, alternative: str) -> NDArray[np.float64]:
    z = np.asarray(z, dtype=float)
    if alternative == "greater":
        return np.asarray(stats.norm.sf(z))
    if alternative == "less":
        return np.asarray(stats.norm.cdf(z))
    if alternative == "folded":
        return np.asarray(stats.norm.sf(np.abs(z)))
    return np.asarray(np.minimum(1.0, 2.0 * stats.norm.sf(np.abs(z))))


@dataclass(frozen=True)
class MoranResult(ResultMixin):
    """Global Moran's I.

    Attributes
    ----------
    I : float
        Moran's I.
    expected_I : float
        :math:`E[I] = -1/(n-1)`.
    variance_I_norm, z_norm, p_norm : float
        Moments and test under the normality assumption.
    variance_I_rand, z_rand, p_rand : float
        Moments and test under randomisation (kurtosis-corrected).
    p_sim : float or None
        Permutation pseudo p-value (``None`` without permutations).
    alternative, transform : str
        As requested.
    permutations : int
    n : int
    """

    I: float  # noqa: E741 - the literature's name
    expected_I: float
    variance_I_norm: float
    z_norm: float
    p_norm: float
    variance_I_rand: float
    z_rand: float
    p_rand: float
    p_sim: float | None
    alternative: str
    transform: str
    permutations: int
    n: int


def _standardised(values: ArrayLike) -> NDArray[np.float64]:
    y = np.asarray(values, dtype=float).ravel()
    if not np.all(np.isfinite(y)):
        raise ValueError("values contain NaN or infinite entries; drop or fill them first")
    if y.size < 4:
        raise ValueError(f"Moran's I needs at least 4 sites, got {y.size}")
    sd = y.std()
    if not sd > 0:
        raise ValueError("values are constant (zero variance): Moran's I is undefined")
    return (y - y.mean()) / sd


def moran(
    values: ArrayLike,
    weights: sparse.spmatrix | sparse.sparray | ArrayLike,
    *,
    transform: str = "r",
    permutations: int = 0,
    seed: int | None = None,
    alternative: str = "two-sided",
) -> MoranResult:
    """Global Moran's I with analytic and permutation inference.

    Parameters
    ----------
    values : array_like, shape (n,)
        Values per site.
    weights : sparse matrix, shape (n, n)
        Spatial weights (zero diagonal).
    transform : {"r", "b", "o"}
        Row-standardise, binarise or keep the weights.
    permutations : int
        Random permutations of the values for ``p_sim``.
    seed : int, optional
        Seed of the permutation generator.
    alternative : {"two-sided", "greater", "less", "folded"}
        ``"folded"`` reproduces esda's one-tailed ``p_sim``.

    Returns
    -------
    MoranResult

    Notes
    -----
    :math:`I = \\frac{n}{S_0} \\frac{\\sum_i \\sum_j w_{ij} z_i z_j}{\\sum_i z_i^2}` with
    :math:`S_0 = \\sum_{ij} w_{ij}`, :math:`S_1 = \\tfrac12 \\sum_{ij} (w_{ij}+w_{ji})^2`,
    :math:`S_2 = \\sum_i (w_{i\\cdot} + w_{\\cdot i})^2`;
    :math:`V_N[I] = (n^2 S_1 - n S_2 + 3 S_0^2)/(S_0^2 (n^2-1)) - E[I]^2` and the
    randomisation variance of Cliff & Ord (1981, eq. 1.38). These equal esda ``Moran``'s
    ``I``, ``EI``, ``VI_norm``, ``z_norm``, ``p_norm`` (two-sided), ``VI_rand``, ``z_rand``.

    Examples
    --------
    >>> import numpy as np
    >>> from scipy import sparse
    >>> w = sparse.diags([np.ones(5), np.ones(5)], [-1, 1], shape=(6, 6))
    >>> round(moran([1, 2, 3, 4, 5, 6], w).I, 4)
    0.7143
    """
    check_alternative(alternative)
    permutations = check_permutations(permutations)
    z = _standardised(values)
    n = z.size
    w = transform_weights(weights, transform, n)
    s0 = float(w.sum())
    if not s0 > 0:
        raise ValueError("weights have no links (all zero); Moran's I is undefined")
    wt = w + w.T
    s1 = 0.5 * float(wt.multiply(wt).sum())
    s2 = float(((np.asarray(w.sum(axis=1)).ravel() + np.asarray(w.sum(axis=0)).ravel()) ** 2).sum())
    zz = float(z @ z)
    i_val = n / s0 * float(z @ (w @ z)) / zz
    ei = -1.0 / (n - 1)
    vi_norm = (n * n * s1 - n * s2 + 3 * s0 * s0) / (s0 * s0 * (n * n - 1)) - ei * ei
    k = (np.sum(z**4) / n) / (zz / n) ** 2
    vi_rand = (n * ((n * n - 3 * n + 3) * s1 - n * s2 + 3 * s0 * s0)
               - k * ((n * n - n) * s1 - 2 * n * s2 + 6 * s0 * s0)) / ((n - 1) * (n - 2) * (n - 3) * s0 * s0)
    vi_rand -= ei * ei
    z_norm = (i_val - ei) / np.sqrt(vi_norm)
    z_rand = (i_val - ei) / np.sqrt(vi_rand)
    p_sim = None
    if permutations:
        rng = np.random.default_rng(seed)
        n_ge = n_le = 0
        chunk = max(1, 2_000_000 // n)
        for p0 in range(0, permutations, chunk):
            pc = min(chunk, permutations - p0)
            zp = rng.permuted(np.broadcast_to(z, (pc, n)), axis=1)
            sims = n / s0 * np.einsum("pi,pi->p", zp, (w @ zp.T).T) / zz
            tol = 1e-12 * max(abs(i_val), 1.0)
            n_ge += int((sims >= i_val - tol).sum())
            n_le += int((sims <= i_val + tol).sum())
        p_sim = float(pseudo_p(np.array([n_ge]), np.array([n_le]), permutations, alternative)[0])
    return MoranResult(
        I=i_val, expected_I=ei, variance_I_norm=float(vi_norm), z_norm=float(z_norm),
        p_norm=float(_two_sided_norm(z_norm, alternative)), variance_I_rand=float(vi_rand),
        z_rand=float(z_rand), p_rand=float(_two_sided_norm(z_rand, alternative)), p_sim=p_sim,
        alternative=alternative, transform=transform, permutations=permutations, n=n,
    )


@dataclass(frozen=True)
class LocalMoranResult(ResultMixin):
    """Local Moran's I (LISA).

    Attributes
    ----------
    Is : ndarray
        Local statistics :math:`I_i`.
    quadrant : ndarray of int
        1 HH, 2 LH, 3 LL, 4 HL (value above/below the mean × lag above/below).
    expected_Is, variance_Is : ndarray
        Moments under total randomisation (Anselin 1995; as esda ``EI``, ``VI``).
    z_norm, p_norm : ndarray
        Normal approximation (poor for skewed counts; prefer ``p_sim``).
    p_sim : ndarray or None
        Conditional-permutation pseudo p-values.
    cluster : ndarray of int
        ``quadrant`` where the p-value used (``p_sim`` if present, else ``p_norm``)
        after ``correction`` is below ``alpha``; 0 elsewhere.
    alternative, transform, correction : str
    alpha : float
    permutations : int
    seed : int or None
    """

    Is: NDArray[np.float64]
    quadrant: NDArray[np.int64]
    expected_Is: NDArray[np.float64]
    variance_Is: NDArray[np.float64]
    z_norm: NDArray[np.float64]
    p_norm: NDArray[np.float64]
    p_sim: NDArray[np.float64] | None
    cluster: NDArray[np.int64]
    alternative: str
    transform: str
    correction: str
    alpha: float
    permutations: int
    seed: int | None


def local_moran(
    values: ArrayLike,
    weights: sparse.spmatrix | sparse.sparray | ArrayLike,
    *,
    transform: str = "r",
    permutations: int = 0,
    seed: int | None = None,
    alternative: str = "two-sided",
    correction: str = "none",
    alpha: float = 0.05,
) -> LocalMoranResult:
    """Local Moran's I with quadrants and conditional-permutation inference.

    Parameters
    ----------
    values : array_like, shape (n,)
        Values per site.
    weights : sparse matrix, shape (n, n)
        Spatial weights (zero diagonal).
    transform : {"r", "b", "o"}
        Weights transformation.
    permutations : int
        Conditional permutations for ``p_sim`` (999 usual).
    seed : int, optional
        Seed of the permutation generator.
    alternative : {"two-sided", "greater", "less", "folded"}
        ``"folded"`` reproduces esda ``Moran_Local.p_sim``.
    correction : {"none", "fdr_bh", "holm"}
        Multiple-testing correction for ``cluster``.
    alpha : float
        Level for ``cluster``.

    Returns
    -------
    LocalMoranResult

    Notes
    -----
    :math:`I_i = (n-1)\\, z_i \\sum_j w_{ij} z_j / \\sum_k z_k^2` with
    :math:`z = (x - \\bar x)/\\sigma_x` (esda ``Moran_Local.Is``). Quadrants as esda's
    PySAL scheme: HH=1, LH=2, LL=3, HL=4.

    Examples
    --------
    >>> import numpy as np
    >>> from scipy import sparse
    >>> w = sparse.diags([np.ones(5), np.ones(5)], [-1, 1], shape=(6, 6))
    >>> local_moran([1, 2, 3, 4, 5, 6], w).quadrant.tolist()
    [3, 3, 3, 1, 1, 1]
    """
    check_alternative(alternative)
    permutations = check_permutations(permutations)
    if correction not in ("none", "fdr_bh", "holm"):
        raise ValueError(f"correction must be 'none', 'fdr_bh' or 'holm', got {correction!r}")
    z = _standardised(values)
    n = z.size
    w = transform_weights(weights, transform, n)
    if w.diagonal().any():
        w = sparse.csr_matrix(w - sparse.diags(w.diagonal()))
        w.eliminate_zeros()
    den = float(z @ z)
    lag = w @ z
    Is = (n - 1) * z * lag / den
    zp = z > 0
    lp = lag > 0
    quadrant = np.where(zp & lp, 1, np.where(~zp & lp, 2, np.where(~zp & ~lp, 3, 4))).astype(np.int64)
    m2 = den / n
    wi = np.asarray(w.sum(axis=1)).ravel()
    wi2 = np.asarray(w.multiply(w).sum(axis=1)).ravel()
    b2 = (np.sum(z**4) / n) / m2**2
    ei = -wi / (n - 1)
    n1 = n - 1
    vi = wi2 * (n - b2) / n1 + (wi**2 - wi2) * (2 * b2 - n) / (n1 * (n - 2)) - (wi / n1) ** 2
    with np.errstate(divide="ignore", invalid="ignore"):
        z_norm = (Is - ei) / np.sqrt(vi)
    p_norm = _two_sided_norm(z_norm, alternative)
    p_sim = None
    if permutations:
        null = simulate_lags(z, w, lag, permutations=permutations, rng=np.random.default_rng(seed))
        ge, le = orient(null, np.sign(z))
        p_sim = pseudo_p(ge, le, permutations, alternative)
    base = p_sim if p_sim is not None else p_norm
    p_used = base if correction == "none" else adjust_pvalues(base, method=correction).p_adjusted  # type: ignore[arg-type]
    cluster = np.where(np.isfinite(p_used) & (p_used < alpha), quadrant, 0).astype(np.int64)
    return LocalMoranResult(
        Is=Is, quadrant=quadrant, expected_Is=ei, variance_Is=vi, z_norm=z_norm, p_norm=p_norm,
        p_sim=p_sim, cluster=cluster, alternative=alternative, transform=transform,
        correction=correction, alpha=alpha, permutations=permutations, seed=seed,
    )
