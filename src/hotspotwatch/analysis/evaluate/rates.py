"""Exact and E-tests for the ratio of two Poisson rates (small counts).

A hotspot may see a handful of shootings a year; normal approximations then fail. Two tests
that hold their level at small counts:

- the **conditional (binomial) test**: given ``n = k1 + k2``, ``k1 ~ Binomial(n, p)`` with
  ``p = R t1 / (R t1 + t2)``; the rate-ratio interval is the Clopper–Pearson interval for
  ``p`` mapped back to ``R`` (Przyborowski & Wilenski 1940; as R's ``poisson.test``);
- the **E-test** of Krishnamoorthy & Thomson (2004): the p-value is the probability, under
  Poisson laws with the rates estimated under the null, that the test statistic is at least
  as extreme as observed. It is more powerful than the conditional test and keeps its size.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Literal

import numpy as np
from scipy import stats

from hotspotwatch.analysis._result import ResultMixin

RateMethod = Literal["exact", "etest"]


@dataclass(frozen=True)
class RateTestResult(ResultMixin):
    """Comparison of two Poisson rates.

    Attributes
    ----------
    rate_ratio : float
        ``(count1 / exposure1) / (count2 / exposure2)``; ``inf`` if ``count2 == 0``.
    ci_low, ci_high : float
        ``1 - alpha`` confidence interval for the rate ratio.
    p_value : float
        Two-sided p-value for ``H0: rate ratio == null_ratio``.
    method : str
        ``"exact"`` (conditional binomial + Clopper–Pearson) or ``"etest"``.
    count1, exposure1, count2, exposure2 : float
        The inputs.
    null_ratio : float
        Rate ratio under the null hypothesis.
    alpha : float
        Level of the interval.
    """

    rate_ratio: float
    ci_low: float
    ci_high: float
    p_value: float
    method: str
    count1: float
    exposure1: float
    count2: float
    exposure2: float
    null_ratio: float
    alpha: float


def _check(count1: float, exposure1: float, count2: float, exposure2: float) -> None:
    for name, k in (("count1", count1), ("count2", count2)):
        if k < 0 or not math.isfinite(k) or k != int(k):
            raise ValueError(f"{name} must be a non-negative whole number of events, got {k!r}")
    for name, t in (("exposure1", exposure1), ("exposure2", exposure2)):
        if not (t > 0 and math.isfinite(t)):
            raise ValueError(f"{name} must be a positive finite exposure (e.g. months), got {t!r}")


def _ratio_from_p(p: float, exposure1: float, exposure2: float) -> float:
    if p >= 1.0:
        return math.inf
    return (p / (1.0 - p)) * (exposure2 / exposure1)


def conditional_ci(
    count1: int, exposure1: float, count2: int, exposure2: float, *, alpha: float = 0.05
) -> tuple[float, float]:
    """Clopper–Pearson interval for a Poisson rate ratio, conditional on the total.

    Parameters
    ----------
    count1, count2 : int
        Event counts.
    exposure1, exposure2 : float
        Exposures (time, area-time...).
    alpha : float
        One minus the confidence level.

    Returns
    -------
    (float, float)
        Lower and upper limits for ``rate1 / rate2``.

    Notes
    -----
    With :math:`n = k_1 + k_2`, the Clopper–Pearson limits :math:`p_L, p_U` for
    :math:`p = R t_1 / (R t_1 + t_2)` are the ``alpha/2`` and ``1 - alpha/2`` beta quantiles;
    :math:`R = p t_2 / ((1 - p) t_1)`. Same interval as R ``poisson.test``.

    Examples
    --------
    >>> lo, hi = conditional_ci(11, 800, 21, 3011)
    >>> round(lo, 4), round(hi, 4)
    (0.8584, 4.2773)
    """
    n = count1 + count2
    if n == 0:
        return 0.0, math.inf
    p_low = 0.0 if count1 == 0 else float(stats.beta.ppf(alpha / 2, count1, count2 + 1))
    p_high = 1.0 if count2 == 0 else float(stats.beta.ppf(1 - alpha / 2, count1 + 1, count2))
    return _ratio_from_p(p_low, exposure1, exposure2), _ratio_from_p(p_high, exposure1, exposure2)


def _poisson_support(mean: float, tail: float = 1e-12) -> np.ndarray:
    upper = int(stats.poisson.isf(tail, mean)) + 1 if mean > 0 else 0
    return np.arange(upper + 1)


def etest_pvalue(
    count1: int,
    exposure1: float,
    count2: int,
    exposure2: float,
    *,
    null_ratio: float = 1.0,
    statistic: Literal["score", "wald"] = "score",
) -> float:
    """Two-sided E-test p-value for ``H0: rate1 / rate2 == null_ratio``.

    Parameters
    ----------
    count1, exposure1, count2, exposure2 : float
        Counts and exposures of the two samples.
    null_ratio : float
        Rate ratio under the null.
    statistic : {"score", "wald"}
        Pooled (score, null-restricted variance; Gu et al. 2008 and statsmodels default) or
        unpooled (Wald) variance in the statistic that orders the sample space.

    Returns
    -------
    float
        The p-value.

    Notes
    -----
    With :math:`d = t_1 / t_2` and ratio :math:`R_0`, the score statistic is
    :math:`T(x_1, x_2) = (x_1 - x_2 R_0 d) / \\sqrt{R_0 d (x_1 + x_2)}`, the Wald statistic
    :math:`(x_1 - x_2 R_0 d) / \\sqrt{x_1 + x_2 R_0^2 d^2}`. Under the null the rates are
    estimated by :math:`\\hat\\lambda_2 = (k_1 + k_2) / (R_0 t_1 + t_2)`,
    :math:`\\hat\\lambda_1 = R_0 \\hat\\lambda_2` and
    :math:`p = \\sum_{x_1, x_2} P(x_1; t_1 \\hat\\lambda_1) P(x_2; t_2 \\hat\\lambda_2)
    \\, 1\\{|T(x_1, x_2)| \\ge |T(k_1, k_2)|\\}`
    (Krishnamoorthy & Thomson 2004, J. Stat. Plann. Inference 119, 23–35).

    Examples
    --------
    >>> round(etest_pvalue(20, 1, 10, 1), 3)
    0.069
    """
    _check(count1, exposure1, count2, exposure2)
    if count1 + count2 == 0:
        return 1.0
    d = exposure1 / exposure2
    lam2 = (count1 + count2) / (null_ratio * exposure1 + exposure2)
    mu1, mu2 = exposure1 * null_ratio * lam2, exposure2 * lam2

    def stat(x1: np.ndarray, x2: np.ndarray) -> np.ndarray:
        num = x1 - x2 * null_ratio * d
        if statistic == "score":
            var = null_ratio * d * (x1 + x2)
        elif statistic == "wald":
            var = x1 + x2 * (null_ratio * d) ** 2
        else:
            raise ValueError(f"statistic must be 'score' or 'wald', got {statistic!r}")
        with np.errstate(divide="ignore", invalid="ignore"):
            t = num / np.sqrt(var)
        return np.where(var > 0, t, 0.0)

    t_obs = float(abs(stat(np.array([count1], float), np.array([count2], float))[0]))
    y1 = _poisson_support(mu1)
    y2 = _poisson_support(mu2)
    p1 = stats.poisson.pmf(y1, mu1)
    p2 = stats.poisson.pmf(y2, mu2)
    t_grid = np.abs(stat(y1[:, None].astype(float), y2[None, :].astype(float)))
    # A small tolerance so that ties with the observed statistic count as "as extreme".
    extreme = t_grid >= t_obs * (1 - 1e-12)
    return float(min(1.0, np.sum(np.outer(p1, p2)[extreme])))


def score_ci(
    count1: int, exposure1: float, count2: int, exposure2: float, *, alpha: float = 0.05
) -> tuple[float, float]:
    """Score (W2A) interval for a Poisson rate ratio.

    Parameters
    ----------
    count1, exposure1, count2, exposure2 : float
        Counts and exposures.
    alpha : float
        One minus the confidence level.

    Returns
    -------
    (float, float)
        Lower and upper limits.

    Notes
    -----
    The set of :math:`R` with :math:`(k_1 - k_2 R d)^2 \\le z^2 R d (k_1 + k_2)`,
    :math:`d = t_1 / t_2`: roots of
    :math:`k_2^2 d^2 R^2 - (2 k_1 k_2 d + z^2 d (k_1 + k_2)) R + k_1^2 = 0`
    (Gu et al. 2008, method W2; statsmodels ``confint_poisson_2indep(method="score")``).

    Examples
    --------
    >>> lo, hi = score_ci(20, 1, 10, 1)
    >>> round(lo, 3), round(hi, 3)
    (0.952, 4.2)
    """
    z = float(stats.norm.isf(alpha / 2))
    d = exposure1 / exposure2
    n = count1 + count2
    if n == 0:
        return 0.0, math.inf
    a = (count2 * d) ** 2
    b = -(2 * count1 * count2 * d + z**2 * d * n)
    c = float(count1) ** 2
    if a == 0:  # count2 == 0: linear in R, only a lower limit
        return c / -b, math.inf
    disc = math.sqrt(max(b * b - 4 * a * c, 0.0))
    return (-b - disc) / (2 * a), (-b + disc) / (2 * a)


def rate_test(
    count1: int,
    exposure1: float,
    count2: int,
    exposure2: float,
    method: RateMethod = "exact",
    *,
    null_ratio: float = 1.0,
    alpha: float = 0.05,
) -> RateTestResult:
    """Test and interval for the ratio of two Poisson rates, valid at small counts.

    Parameters
    ----------
    count1 : int
        Events in sample 1 (e.g. the hotspot after designation).
    exposure1 : float
        Exposure of sample 1 (e.g. months).
    count2 : int
        Events in sample 2 (e.g. the hotspot before).
    exposure2 : float
        Exposure of sample 2.
    method : {"exact", "etest"}
        ``"exact"``: conditional binomial test (two-sided p-value by the minimum-likelihood
        rule, as ``scipy.stats.binomtest`` and R ``poisson.test``) with the Clopper–Pearson
        interval. ``"etest"``: E-test p-value (Krishnamoorthy & Thomson 2004) with the score
        interval.
    null_ratio : float
        Rate ratio under the null hypothesis.
    alpha : float
        One minus the confidence level of the interval.

    Returns
    -------
    RateTestResult

    Notes
    -----
    Conditional test: :math:`k_1 \\mid n \\sim \\mathrm{Bin}(n, p_0)`,
    :math:`p_0 = R_0 t_1 / (R_0 t_1 + t_2)`. The Clopper–Pearson interval is conservative:
    it covers at least ``1 - alpha`` for every true ratio.

    Examples
    --------
    >>> r = rate_test(11, 800, 21, 3011)
    >>> round(r.rate_ratio, 4), round(r.p_value, 4)
    (1.9715, 0.0797)
    """
    _check(count1, exposure1, count2, exposure2)
    if not 0 < alpha < 1:
        raise ValueError(f"alpha must be in (0, 1), got {alpha!r}")
    if not null_ratio > 0:
        raise ValueError(f"null_ratio must be positive, got {null_ratio!r}")
    k1, k2 = int(count1), int(count2)
    rate1, rate2 = k1 / exposure1, k2 / exposure2
    ratio = rate1 / rate2 if k2 > 0 else (math.inf if k1 > 0 else math.nan)
    if method == "exact":
        n = k1 + k2
        if n == 0:
            p_value = 1.0
        else:
            p0 = null_ratio * exposure1 / (null_ratio * exposure1 + exposure2)
            p_value = float(stats.binomtest(k1, n, p0).pvalue)
        lo, hi = conditional_ci(k1, exposure1, k2, exposure2, alpha=alpha)
    elif method == "etest":
        p_value = etest_pvalue(k1, exposure1, k2, exposure2, null_ratio=null_ratio)
        lo, hi = score_ci(k1, exposure1, k2, exposure2, alpha=alpha)
    else:
        raise ValueError(f"method must be 'exact' or 'etest', got {method!r}")
    return RateTestResult(
        rate_ratio=ratio,
        ci_low=lo,
        ci_high=hi,
        p_value=p_value,
        method=method,
        count1=k1,
        exposure1=float(exposure1),
        count2=k2,
        exposure2=float(exposure2),
        null_ratio=float(null_ratio),
        alpha=float(alpha),
    )
