"""Pooling of per-hotspot effects into a strategy estimate: random and common effect.

Hotspots differ (places, dealers, local action plans), so their effects are pooled with a
random-effects model: :math:`y_i = \\mu + u_i + e_i`, :math:`u_i \\sim N(0, \\tau^2)`,
:math:`e_i \\sim N(0, v_i)`. The prediction interval says where the effect of a *new*
hotspot would likely fall — often the more honest number for a council.

:func:`common_effect` gives the inverse-variance (fixed-weight) pooled estimate beside it.
It answers a narrower question — the weighted mean effect over *these* places, the
strategy as it was carried out — so its interval has no between-place variance
:math:`\\tau^2` and is narrower. Both readings are standard (Borenstein et al. 2010,
"A basic introduction to fixed-effect and random-effects models for meta-analysis",
Res. Synth. Methods 1:97–111).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Literal

import numpy as np
from numpy.typing import ArrayLike
from scipy import stats

from hotspotwatch.analysis._result import ResultMixin

TauMethod = Literal["dl", "reml"]


@dataclass(frozen=True)
class PooledResult(ResultMixin):
    """Random-effects meta-analysis.

    Attributes
    ----------
    estimate : float
        Pooled effect :math:`\\hat\\mu` (same scale as the inputs, e.g. log IRR).
    se : float
        Its standard error :math:`(\\sum w_i^*)^{-1/2}`, :math:`w_i^* = 1/(v_i + \\hat\\tau^2)`.
    ci_low, ci_high : float
        Normal ``1 - alpha`` interval.
    p_value : float
        Two-sided test of :math:`\\mu = 0`.
    tau2 : float
        Between-hotspot variance :math:`\\hat\\tau^2`.
    i2 : float
        :math:`I^2 = \\max(0, (Q - (k-1))/Q)`, share of variation due to heterogeneity
        (Higgins & Thompson 2002), as a fraction in [0, 1].
    q : float
        Cochran's :math:`Q` (fixed-effect weights).
    q_p_value : float
        :math:`P(\\chi^2_{k-1} \\ge Q)`.
    prediction_low, prediction_high : float
        ``1 - alpha`` prediction interval for a new hotspot,
        :math:`\\hat\\mu \\pm t_{k-2} \\sqrt{\\hat\\tau^2 + SE^2}` (Higgins, Thompson &
        Spiegelhalter 2009); NaN when ``k < 3``.
    k : int
        Number of effects pooled.
    method : str
        ``"dl"`` or ``"reml"``.
    weights : ndarray
        Normalised random-effects weights.
    """

    estimate: float
    se: float
    ci_low: float
    ci_high: float
    p_value: float
    tau2: float
    i2: float
    q: float
    q_p_value: float
    prediction_low: float
    prediction_high: float
    k: int
    method: str
    weights: np.ndarray


@dataclass(frozen=True)
class CommonEffectResult(ResultMixin):
    """Inverse-variance (fixed-weight, "common-effect") meta-analysis.

    Attributes
    ----------
    estimate : float
        Pooled effect :math:`\\hat\\theta = \\sum w_i y_i / \\sum w_i`, :math:`w_i = 1/v_i`
        (same scale as the inputs, e.g. log IRR).
    se : float
        Its standard error :math:`(\\sum w_i)^{-1/2}`.
    ci_low, ci_high : float
        Normal ``1 - alpha`` interval :math:`\\hat\\theta \\pm z_{1-\\alpha/2} SE`.
    p_value : float
        Two-sided test of :math:`\\theta = 0`.
    k : int
        Number of effects pooled.
    weights : ndarray
        Normalised inverse-variance weights.
    """

    estimate: float
    se: float
    ci_low: float
    ci_high: float
    p_value: float
    k: int
    weights: np.ndarray


def _check_inputs(
    estimates: ArrayLike, variances: ArrayLike, alpha: float
) -> tuple[np.ndarray, np.ndarray]:
    y = np.asarray(estimates, dtype=float).ravel()
    v = np.asarray(variances, dtype=float).ravel()
    if y.shape != v.shape:
        raise ValueError("estimates and variances must have the same length")
    if y.size == 0:
        raise ValueError("need at least one estimate to pool")
    if not (np.all(np.isfinite(y)) and np.all(np.isfinite(v)) and np.all(v > 0)):
        raise ValueError("estimates must be finite and variances finite and positive")
    if not 0 < alpha < 1:
        raise ValueError(f"alpha must be in (0, 1), got {alpha!r}")
    return y, v


def common_effect(
    estimates: ArrayLike, variances: ArrayLike, *, alpha: float = 0.05
) -> CommonEffectResult:
    """Pool effects with inverse-variance (fixed) weights.

    Parameters
    ----------
    estimates : array_like
        Per-hotspot effects, e.g. log incidence rate ratios.
    variances : array_like
        Their sampling variances (squared standard errors), all positive.
    alpha : float
        One minus the confidence level.

    Returns
    -------
    CommonEffectResult

    Notes
    -----
    :math:`\\hat\\theta = \\sum_i y_i / v_i \\big/ \\sum_i 1/v_i`, with
    :math:`SE = (\\sum_i 1/v_i)^{-1/2}` (Borenstein et al. 2010). The estimand is the
    inverse-variance-weighted mean of *these* places' true effects; the interval covers it
    whether or not the places differ. To generalise to places not evaluated, read
    :func:`random_effects` and its prediction interval instead. Matches
    ``statsmodels.stats.meta_analysis.combine_effects`` (row ``"fixed effect"``).

    Examples
    --------
    >>> r = common_effect([-0.3, -0.1, 0.05, -0.5], [0.02, 0.05, 0.04, 0.03])
    >>> round(r.estimate, 3), round(r.se, 4)
    (-0.253, 0.0883)
    """
    y, v = _check_inputs(estimates, variances, alpha)
    w = 1.0 / v
    theta = float(np.sum(w * y) / np.sum(w))
    se = float(1.0 / math.sqrt(np.sum(w)))
    z = float(stats.norm.isf(alpha / 2))
    return CommonEffectResult(
        estimate=theta,
        se=se,
        ci_low=theta - z * se,
        ci_high=theta + z * se,
        p_value=float(2 * stats.norm.sf(abs(theta / se))),
        k=int(y.size),
        weights=w / np.sum(w),
    )


def _tau2_dl(y: np.ndarray, v: np.ndarray) -> tuple[float, float]:
    w = 1.0 / v
    mu_fe = np.sum(w * y) / np.sum(w)
    q = float(np.sum(w * (y - mu_fe) ** 2))
    c = float(np.sum(w) - np.sum(w**2) / np.sum(w))
    tau2 = max(0.0, (q - (y.size - 1)) / c) if c > 0 else 0.0
    return tau2, q


def _tau2_reml(y: np.ndarray, v: np.ndarray, start: float, *, tol: float = 1e-12) -> float:
    # Fixed-point iteration of the REML estimating equation (Viechtbauer 2005, eq. 12).
    tau2 = start
    for _ in range(1000):
        w = 1.0 / (v + tau2)
        mu = np.sum(w * y) / np.sum(w)
        new = float(np.sum(w**2 * ((y - mu) ** 2 - v)) / np.sum(w**2) + 1.0 / np.sum(w))
        new = max(0.0, new)
        if abs(new - tau2) < tol:
            return new
        tau2 = new
    return tau2


def random_effects(
    estimates: ArrayLike,
    variances: ArrayLike,
    *,
    method: TauMethod = "reml",
    alpha: float = 0.05,
) -> PooledResult:
    """Pool effects with a random-effects model.

    Parameters
    ----------
    estimates : array_like
        Per-hotspot effects, e.g. log incidence rate ratios.
    variances : array_like
        Their sampling variances (squared standard errors), all positive.
    method : {"reml", "dl"}
        Estimator of :math:`\\tau^2`: restricted maximum likelihood or
        DerSimonian & Laird (1986) moments.
    alpha : float
        One minus the confidence level.

    Returns
    -------
    PooledResult

    Notes
    -----
    DL: :math:`\\hat\\tau^2 = \\max(0, (Q - (k - 1)) / (\\sum w_i - \\sum w_i^2 / \\sum w_i))`
    with :math:`w_i = 1/v_i`. REML maximises the restricted likelihood; it matches R
    ``metafor::rma(method="REML")`` (Viechtbauer 2010).

    Examples
    --------
    >>> r = random_effects([-0.3, -0.1, 0.05, -0.5], [0.02, 0.05, 0.04, 0.03], method="dl")
    >>> round(r.estimate, 3), round(r.tau2, 4)
    (-0.238, 0.0207)
    """
    y, v = _check_inputs(estimates, variances, alpha)
    k = y.size
    tau2_dl, q = _tau2_dl(y, v)
    if method == "dl":
        tau2 = tau2_dl
    elif method == "reml":
        tau2 = _tau2_reml(y, v, tau2_dl) if k > 1 else 0.0
    else:
        raise ValueError(f"method must be 'reml' or 'dl', got {method!r}")
    w = 1.0 / (v + tau2)
    mu = float(np.sum(w * y) / np.sum(w))
    se = float(1.0 / math.sqrt(np.sum(w)))
    z = float(stats.norm.isf(alpha / 2))
    i2 = max(0.0, (q - (k - 1)) / q) if q > 0 else 0.0
    if k >= 3:
        t = float(stats.t.isf(alpha / 2, k - 2))
        half = t * math.sqrt(tau2 + se**2)
        pred = (mu - half, mu + half)
    else:
        pred = (math.nan, math.nan)
    return PooledResult(
        estimate=mu,
        se=se,
        ci_low=mu - z * se,
        ci_high=mu + z * se,
        p_value=float(2 * stats.norm.sf(abs(mu / se))),
        tau2=float(tau2),
        i2=float(i2),
        q=float(q),
        q_p_value=float(stats.chi2.sf(q, k - 1)) if k > 1 else math.nan,
        prediction_low=pred[0],
        prediction_high=pred[1],
        k=int(k),
        method=method,
        weights=w / np.sum(w),
    )
