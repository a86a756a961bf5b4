"""Mann–Kendall monotonic trend test with the correction for ties."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike, NDArray
from scipy.stats import norm

from hotspotwatch.analysis._result import ResultMixin

FloatOrArray = float | NDArray[np.float64]


@dataclass(frozen=True)
class MannKendallResult(ResultMixin):
    """Mann–Kendall trend test for one series (floats) or many (arrays, one per row).

    Attributes
    ----------
    s : float or ndarray
        :math:`S = \\sum_{k<l} \\operatorname{sgn}(x_l - x_k)`.
    var_s : float or ndarray
        Variance of S under no trend, corrected for ties.
    z : float or ndarray
        Standard normal score (with continuity correction unless disabled).
    p_value : float or ndarray
        Two-sided p-value (one-sided if requested).
    tau : float or ndarray
        Kendall's tau-b between the series and time (equals ``scipy.stats.kendalltau``).
    n : int
        Series length.
    """

    s: FloatOrArray
    var_s: FloatOrArray
    z: FloatOrArray
    p_value: FloatOrArray
    tau: FloatOrArray
    n: int


def _tie_terms(x: NDArray[np.float64]) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """Per row: sum t(t-1)(2t+5) and sum t(t-1)/2 over groups of tied values."""
    m, n = x.shape
    xs = np.sort(x, axis=1)
    new_group = np.ones((m, n), dtype=bool)
    new_group[:, 1:] = xs[:, 1:] != xs[:, :-1]
    group_id = np.cumsum(new_group.ravel()) - 1
    sizes = np.bincount(group_id).astype(float)
    group_row = np.repeat(np.arange(m), n)[new_group.ravel()]
    var_term = np.bincount(group_row, sizes * (sizes - 1) * (2 * sizes + 5), minlength=m)
    pair_term = np.bincount(group_row, sizes * (sizes - 1) / 2, minlength=m)
    return var_term.astype(float), pair_term.astype(float)


def mann_kendall(
    series: ArrayLike,
    *,
    continuity: bool = True,
    alternative: str = "two-sided",
) -> MannKendallResult:
    """Mann–Kendall test for a monotonic trend, with the ties correction.

    Parameters
    ----------
    series : array_like
        One series in time order (1-D), or several as the rows of a 2-D array (e.g. the
        cells of a space-time cube); at least 3 time steps, no missing values.
    continuity : bool
        Subtract 1 from :math:`|S|` before standardising (the usual correction).
    alternative : {"two-sided", "increasing", "decreasing"}
        Alternative hypothesis for the p-value.

    Returns
    -------
    MannKendallResult
        Floats for a 1-D series, arrays (one value per row) for a 2-D input.

    Raises
    ------
    ValueError
        If the series is shorter than 3, has NaN, or ``alternative`` is unknown.

    Notes
    -----
    Mann (1945), Kendall (1975); ties correction as in Hipel & McLeod (1994):

    .. math::

        S = \\sum_{k=1}^{n-1} \\sum_{l=k+1}^{n} \\operatorname{sgn}(x_l - x_k), \\qquad
        \\operatorname{Var}(S) = \\frac{n(n-1)(2n+5) - \\sum_g t_g(t_g-1)(2t_g+5)}{18},

        Z = \\frac{S - \\operatorname{sgn}(S)}{\\sqrt{\\operatorname{Var}(S)}} \\;(Z = 0
        \\text{ if } S = 0),

    where :math:`t_g` is the size of the *g*-th group of tied values. Kendall's
    :math:`\\tau_b = S / \\sqrt{n_0 (n_0 - n_x)}` with :math:`n_0 = n(n-1)/2` and
    :math:`n_x = \\sum_g t_g(t_g-1)/2`. This is the trend test of ArcGIS Pro's Emerging Hot
    Spot Analysis (applied there to the Gi* z-scores and the counts of each location).

    Examples
    --------
    >>> r = mann_kendall([1, 2, 2, 3, 5])
    >>> float(r.s), round(float(r.var_s), 3)
    (9.0, 15.667)
    >>> round(float(r.z), 3), round(float(r.p_value), 4)
    (2.021, 0.0433)
    """
    x = np.asarray(series, dtype=float)
    one = x.ndim == 1
    if x.ndim not in (1, 2):
        raise ValueError("series must be 1-D (one series) or 2-D (one series per row)")
    x2 = x[None, :] if one else x
    n = x2.shape[1]
    if n < 3:
        raise ValueError(f"series needs at least 3 time steps for a trend test; got {n}")
    if np.isnan(x2).any():
        raise ValueError("series has missing values (NaN); fill or drop them first")
    if alternative not in ("two-sided", "increasing", "decreasing"):
        raise ValueError(
            f"alternative must be 'two-sided', 'increasing' or 'decreasing'; got {alternative!r}"
        )
    s = np.zeros(x2.shape[0])
    for lag in range(1, n):
        s += np.sign(x2[:, lag:] - x2[:, :-lag]).sum(axis=1)
    var_term, pair_term = _tie_terms(x2)
    var_s = (n * (n - 1) * (2 * n + 5) - var_term) / 18.0
    shift = np.sign(s) if continuity else 0.0
    with np.errstate(divide="ignore", invalid="ignore"):
        z = np.where(var_s > 0, (s - shift) / np.sqrt(var_s), 0.0)
        n0 = n * (n - 1) / 2
        tau = np.where(n0 - pair_term > 0, s / np.sqrt(n0 * (n0 - pair_term)), np.nan)
    if alternative == "two-sided":
        p = 2 * norm.sf(np.abs(z))
    elif alternative == "increasing":
        p = norm.sf(z)
    else:
        p = norm.cdf(z)
    p = np.minimum(p, 1.0)
    if one:
        return MannKendallResult(s=float(s[0]), var_s=float(var_s[0]), z=float(z[0]),
                                 p_value=float(p[0]), tau=float(tau[0]), n=n)
    return MannKendallResult(s=s, var_s=var_s, z=z, p_value=p, tau=tau, n=n)
