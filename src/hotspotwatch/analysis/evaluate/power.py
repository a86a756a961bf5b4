"""Power: the smallest rate ratio a hotspot's counts could detect.

"No detectable change" is only an honest verdict together with what these counts *could*
have detected. For a hotspot with a baseline of 12 shootings a year, only a very large
reduction is detectable; saying so is part of the evaluation.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Literal

import numpy as np
from scipy import optimize, stats

from hotspotwatch.analysis._result import ResultMixin

Design = Literal["pre-post", "did"]


@dataclass(frozen=True)
class MinDetectableRatioResult(ResultMixin):
    """Minimum detectable rate ratios.

    Attributes
    ----------
    ratio : float
        Smallest *reduction* detectable: the rate ratio below 1 that a two-sided Wald test on
        the log rate ratio detects with the requested power. NaN if no reduction short of
        (near) elimination is detectable with these counts.
    increase_ratio : float
        The same for an increase (ratio above 1).
    baseline_count : float
        Expected count in the treated area in the pre-period.
    design : str
        ``"pre-post"`` or ``"did"``.
    alpha, power, dispersion, post_ratio : float
        Inputs.
    control_count : float
        Control pre-period count used (``did`` only; NaN otherwise).
    """

    ratio: float
    increase_ratio: float
    baseline_count: float
    design: str
    alpha: float
    power: float
    dispersion: float
    post_ratio: float
    control_count: float

    def __float__(self) -> float:
        return self.ratio


def log_irr_variance(
    ratio: float,
    baseline_count: float,
    *,
    design: Design = "pre-post",
    dispersion: float = 0.0,
    post_ratio: float = 1.0,
    control_count: float | None = None,
    control_dispersion: float | None = None,
) -> float:
    """Approximate variance of the estimated log rate ratio under a true ``ratio``.

    Parameters
    ----------
    ratio : float
        True rate ratio.
    baseline_count : float
        Expected treated count in the pre-period.
    design : {"pre-post", "did"}
        Before/after in the treated area only, or difference-in-differences with a control.
    dispersion : float
        Negative-binomial :math:`\\alpha` of the period totals (``var = mu + alpha mu^2``);
        0 for Poisson. For monthly :math:`\\alpha_m` and :math:`m` months pass
        :math:`\\alpha_m / m`.
    post_ratio : float
        Post-period length divided by pre-period length.
    control_count : float, optional
        Expected control count in the pre-period (``did``); default equal to
        ``baseline_count`` (a control of the same size, conservative).
    control_dispersion : float, optional
        Dispersion of the control totals; default ``dispersion``.

    Returns
    -------
    float

    Notes
    -----
    Delta method: :math:`\\mathrm{Var}(\\log Y) \\approx 1/\\mu + \\alpha` for a negative
    binomial total :math:`Y`. Pre-post: :math:`1/\\mu_0 + 1/(R q \\mu_0) + 2\\alpha`; DiD adds
    :math:`1/c_0 + 1/(q c_0) + 2\\alpha_c` (Zhu & Lakkis 2014, *Stat. Med.* 33, 376–387).
    """
    mu0 = float(baseline_count)
    q = float(post_ratio)
    var = 1.0 / mu0 + 1.0 / (ratio * q * mu0) + 2.0 * dispersion
    if design == "did":
        c0 = mu0 if control_count is None else float(control_count)
        ad = dispersion if control_dispersion is None else float(control_dispersion)
        var += 1.0 / c0 + 1.0 / (q * c0) + 2.0 * ad
    elif design != "pre-post":
        raise ValueError(f"design must be 'pre-post' or 'did', got {design!r}")
    return var


def min_detectable_ratio(
    baseline_count: float,
    design: Design = "pre-post",
    alpha: float = 0.05,
    power: float = 0.8,
    dispersion: float = 0.0,
    *,
    post_ratio: float = 1.0,
    control_count: float | None = None,
    control_dispersion: float | None = None,
) -> MinDetectableRatioResult:
    """Minimum detectable rate ratio for a hotspot's counts and design.

    Parameters
    ----------
    baseline_count : float
        Expected events in the treated area during the pre-period (> 0).
    design : {"pre-post", "did"}
        Comparison design.
    alpha : float
        Two-sided significance level.
    power : float
        Required power.
    dispersion : float
        Negative-binomial overdispersion of the period totals (0 = Poisson).
    post_ratio : float
        Post-period length / pre-period length.
    control_count : float, optional
        Pre-period control count for ``did`` (default: same as ``baseline_count``).
    control_dispersion : float, optional
        Dispersion of control totals (default: ``dispersion``).

    Returns
    -------
    MinDetectableRatioResult

    Notes
    -----
    Solves :math:`|\\log R| = (z_{1-\\alpha/2} + z_{\\text{power}})\\sqrt{V(R)}` with
    :math:`V` from :func:`log_irr_variance` (the "alt" variance of Zhu & Lakkis 2014, as
    ``statsmodels.stats.rates.power_negbin_ratio_2indep(method_var="alt")``), for the root
    nearest 1 on each side. Since :math:`V(R)` grows like :math:`1/R` as :math:`R \\to 0`, for
    small baselines no reduction is detectable and ``ratio`` is NaN.

    Examples
    --------
    >>> r = min_detectable_ratio(100)
    >>> round(r.ratio, 3), round(r.increase_ratio, 3)
    (0.638, 1.44)
    """
    if not (baseline_count > 0 and math.isfinite(baseline_count)):
        raise ValueError(f"baseline_count must be positive, got {baseline_count!r}")
    if not 0 < alpha < 1 or not 0 < power < 1:
        raise ValueError("alpha and power must be in (0, 1)")
    if dispersion < 0:
        raise ValueError(f"dispersion must be >= 0, got {dispersion!r}")
    if not post_ratio > 0:
        raise ValueError(f"post_ratio must be positive, got {post_ratio!r}")
    if control_count is not None and not control_count > 0:
        raise ValueError(f"control_count must be positive, got {control_count!r}")
    k = float(stats.norm.isf(alpha / 2) + stats.norm.ppf(power))

    def gap(log_r: float) -> float:
        v = log_irr_variance(
            math.exp(log_r),
            baseline_count,
            design=design,
            dispersion=dispersion,
            post_ratio=post_ratio,
            control_count=control_count,
            control_dispersion=control_dispersion,
        )
        return abs(log_r) - k * math.sqrt(v)

    def first_root(grid: np.ndarray) -> float:
        values = np.array([gap(x) for x in grid])
        hits = np.nonzero(values > 0)[0]
        if hits.size == 0:
            return math.nan
        i = int(hits[0])
        if i == 0:
            return math.exp(float(grid[0]))
        return math.exp(optimize.brentq(gap, float(grid[i - 1]), float(grid[i]), xtol=1e-12))

    down = first_root(np.linspace(-1e-9, math.log(1e-4), 400))
    up = first_root(np.linspace(1e-9, math.log(1e4), 400))
    return MinDetectableRatioResult(
        ratio=down,
        increase_ratio=up,
        baseline_count=float(baseline_count),
        design=design,
        alpha=float(alpha),
        power=float(power),
        dispersion=float(dispersion),
        post_ratio=float(post_ratio),
        control_count=float(control_count if control_count is not None else baseline_count)
        if design == "did"
        else math.nan,
    )


@dataclass(frozen=True)
class MonthsToDetectResult(ResultMixin):
    """How long the post-period must run before a given effect becomes detectable.

    Attributes
    ----------
    target_ratio : float
        The effect of interest (e.g. 0.8 = a 20 % reduction).
    post_months_now : int
        Post-period months available now.
    post_months_needed : int or None
        Post months at which ``target_ratio`` becomes detectable; None if not within
        ``max_months``.
    additional_months : int or None
        ``post_months_needed - post_months_now`` (0 if already detectable).
    """

    target_ratio: float
    post_months_now: int
    post_months_needed: int | None
    additional_months: int | None


def months_to_detect(
    monthly_baseline: float,
    target_ratio: float,
    *,
    pre_months: int,
    post_months: int,
    design: Design = "pre-post",
    alpha: float = 0.05,
    power: float = 0.8,
    monthly_dispersion: float = 0.0,
    control_monthly: float | None = None,
    max_months: int = 240,
) -> MonthsToDetectResult:
    """Months of post-period needed to detect ``target_ratio`` with the given power.

    Parameters
    ----------
    monthly_baseline : float
        Expected treated events per month before the intervention.
    target_ratio : float
        Rate ratio to detect (e.g. 0.8).
    pre_months : int
        Length of the pre-period.
    post_months : int
        Post months available now.
    design, alpha, power : see :func:`min_detectable_ratio`
    monthly_dispersion : float
        NB :math:`\\alpha` of monthly counts; totals over :math:`m` months get
        :math:`\\alpha / m`.
    control_monthly : float, optional
        Control events per month (``did``).
    max_months : int
        Search limit.

    Returns
    -------
    MonthsToDetectResult

    Examples
    --------
    >>> months_to_detect(4.0, 0.6, pre_months=12, post_months=6).post_months_needed
    34
    """
    if not (monthly_baseline > 0 and target_ratio > 0 and target_ratio != 1):
        raise ValueError("monthly_baseline must be > 0 and target_ratio > 0 and != 1")
    if pre_months <= 0 or post_months < 0:
        raise ValueError("pre_months must be > 0 and post_months >= 0")
    mu0 = monthly_baseline * pre_months
    c0 = None if control_monthly is None else control_monthly * pre_months
    needed: int | None = None
    for m in range(max(post_months, 1), max_months + 1):
        # Dispersion of a total over n months: alpha_m / n; pre and post differ in length,
        # so use the harmonic-ish mean of the two periods' values (conservative: the shorter).
        disp = monthly_dispersion / min(pre_months, m)
        r = min_detectable_ratio(
            mu0,
            design,
            alpha,
            power,
            disp,
            post_ratio=m / pre_months,
            control_count=c0,
        )
        limit = r.ratio if target_ratio < 1 else r.increase_ratio
        if math.isfinite(limit) and (
            (target_ratio < 1 and target_ratio <= limit)
            or (target_ratio > 1 and target_ratio >= limit)
        ):
            needed = m
            break
    return MonthsToDetectResult(
        target_ratio=float(target_ratio),
        post_months_now=int(post_months),
        post_months_needed=needed,
        additional_months=None if needed is None else max(0, needed - post_months),
    )
