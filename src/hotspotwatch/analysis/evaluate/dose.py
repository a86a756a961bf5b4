"""Dose–response: did hotspots that got more enforcement or prevention change more?

Enforcement and prevention events measure *dose* (what was done), never outcome. Across a
handful of hotspots the association is described, not over-claimed: dose is not assigned at
random (police go where harm is), so a slope is a correlation across places.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike
from scipy import stats

from hotspotwatch.analysis._result import ResultMixin


@dataclass(frozen=True)
class DoseResponseResult(ResultMixin):
    """Association between dose and harm change across hotspots.

    Attributes
    ----------
    spearman_rho : float
        Rank correlation between dose and log IRR (negative: more dose, larger reduction).
    spearman_p_value : float
        Its two-sided p-value (NaN below 3 hotspots).
    slope : float
        Inverse-variance weighted least-squares slope of log IRR on dose (meta-regression
        with fixed effects): change in log IRR per unit of dose.
    slope_se : float
        Its standard error (model-based, :math:`(X^T W X)^{-1}`).
    slope_ci_low, slope_ci_high : float
        Normal interval.
    n : int
        Hotspots used.
    """

    spearman_rho: float
    spearman_p_value: float
    slope: float
    slope_se: float
    slope_ci_low: float
    slope_ci_high: float
    n: int


def dose_response(
    log_irr: ArrayLike,
    dose: ArrayLike,
    *,
    variances: ArrayLike | None = None,
    alpha: float = 0.05,
) -> DoseResponseResult:
    """Describe how harm change varies with dose across hotspots.

    Parameters
    ----------
    log_irr : array_like
        Per-hotspot log incidence rate ratio of harm (post vs pre, relative to controls).
    dose : array_like
        Per-hotspot dose, e.g. enforcement events per month in the post-period.
    variances : array_like, optional
        Sampling variances of ``log_irr``; default equal weights.
    alpha : float
        One minus the confidence level.

    Returns
    -------
    DoseResponseResult

    Notes
    -----
    Weighted least squares :math:`\\hat b = (X^T W X)^{-1} X^T W y` with
    :math:`X = [1, \\text{dose}]`, :math:`W = \\mathrm{diag}(1/v_i)`, and
    :math:`\\mathrm{Var}(\\hat b) = (X^T W X)^{-1}` (known variances, as in a fixed-effect
    meta-regression). Non-finite entries are dropped.

    Examples
    --------
    >>> r = dose_response([-0.1, -0.2, -0.3, -0.4], [1, 2, 3, 4])
    >>> round(r.slope, 3), r.spearman_rho
    (-0.1, -1.0)
    """
    y = np.asarray(log_irr, dtype=float).ravel()
    x = np.asarray(dose, dtype=float).ravel()
    if y.shape != x.shape:
        raise ValueError("log_irr and dose must have the same length")
    v = np.ones_like(y) if variances is None else np.asarray(variances, dtype=float).ravel()
    if v.shape != y.shape:
        raise ValueError("variances must have one value per hotspot")
    ok = np.isfinite(y) & np.isfinite(x) & np.isfinite(v) & (v > 0)
    y, x, v = y[ok], x[ok], v[ok]
    n = int(y.size)
    nan = math.nan
    if n < 2 or np.ptp(x) == 0:
        return DoseResponseResult(nan, nan, nan, nan, nan, nan, n)
    rho, p = (nan, nan)
    if n >= 3:
        sr = stats.spearmanr(x, y)
        rho, p = float(sr.statistic), float(sr.pvalue)
    design = np.column_stack([np.ones(n), x])
    w = 1.0 / v
    xtwx = design.T @ (design * w[:, None])
    cov = np.linalg.inv(xtwx)
    b = cov @ (design.T @ (w * y))
    se = math.sqrt(float(cov[1, 1]))
    z = float(stats.norm.isf(alpha / 2))
    slope = float(b[1])
    return DoseResponseResult(
        spearman_rho=rho,
        spearman_p_value=p,
        slope=slope,
        slope_se=se,
        slope_ci_low=slope - z * se,
        slope_ci_high=slope + z * se,
        n=n,
    )
