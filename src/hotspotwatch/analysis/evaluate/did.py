"""Difference-in-differences as a count panel regression.

:math:`\\log E[y_{it}] = \\alpha_i + \\gamma_t + \\beta D_{it} + \\log e_{it}` with unit effects
:math:`\\alpha_i`, period (month) effects :math:`\\gamma_t` and :math:`D_{it} = 1` for treated
units in the post-period; :math:`e^\\beta` is the incidence rate ratio (IRR) of the
intervention. Unit effects absorb level differences between the hotspot and its controls;
month effects absorb seasonality and region-wide trends. On a 2×2 table the estimate is
exactly :math:`(T_1/T_0)/(C_1/C_0)`.
"""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass
from typing import Literal

import numpy as np
from numpy.typing import ArrayLike
from scipy import stats

from hotspotwatch.analysis._result import ResultMixin
from hotspotwatch.analysis.evaluate.rates import rate_test

Family = Literal["poisson", "negbin"]
CovType = Literal["quasi", "model", "robust", "cluster"]


@dataclass(frozen=True)
class DiDResult(ResultMixin):
    """Difference-in-differences incidence rate ratio.

    Attributes
    ----------
    irr : float
        :math:`e^{\\hat\\beta}`: post/pre change in the treated units relative to controls.
    ci_low, ci_high : float
        ``1 - alpha`` Wald interval, :math:`e^{\\hat\\beta \\pm z SE}`.
    log_irr : float
        :math:`\\hat\\beta`.
    se : float
        Standard error of :math:`\\hat\\beta`.
    z : float
        :math:`\\hat\\beta / SE`.
    p_value : float
        Two-sided p-value of :math:`\\beta = 0`.
    family : str
        ``"poisson"`` or ``"negbin"``.
    cov : str
        Covariance used (``"quasi"``, ``"model"``, ``"robust"``, ``"cluster"``), or
        ``"exact-conditional"`` when a zero cell forced the conditional exact fallback.
    dispersion : float
        Quasi-Poisson scale (``cov="quasi"``) or negative-binomial :math:`\\alpha`.
    treated_pre, treated_post, control_pre, control_post : float
        The 2×2 totals (after exposure weighting is *not* applied; raw counts).
    n_obs, n_units, n_periods : int
        Panel size used in the fit.
    alpha : float
        Level.
    reference_pre, reference_post : float
        Under ``cov="exact-conditional"``, the control totals scaled to the treated
        exposure that served as the exact test's exposures (NaN otherwise); they let
        :func:`did_interval` redo the interval at another level.
    """

    irr: float
    ci_low: float
    ci_high: float
    log_irr: float
    se: float
    z: float
    p_value: float
    family: str
    cov: str
    dispersion: float
    treated_pre: float
    treated_post: float
    control_pre: float
    control_post: float
    n_obs: int
    n_units: int
    n_periods: int
    alpha: float
    reference_pre: float = math.nan
    reference_post: float = math.nan


def did_interval(result: DiDResult, alpha: float) -> tuple[float, float]:
    """The ``1 - alpha`` interval of a DiD rate ratio (e.g. at an adjusted level).

    The Wald interval :math:`e^{\\hat\\beta \\pm z_{1-\\alpha/2} SE}` of the fit, or under
    the exact conditional fallback the exact interval of
    :func:`~hotspotwatch.analysis.evaluate.rates.rate_test` on the same totals; at
    ``alpha == result.alpha`` it is ``(result.ci_low, result.ci_high)``.

    Examples
    --------
    >>> r = did([10, 5, 100, 100], unit=[0, 0, 1, 1], time=[0, 1, 0, 1],
    ...         treated=[1, 1, 0, 0], post=[0, 1, 0, 1], cov="model")
    >>> [round(v, 4) for v in did_interval(r, 0.01)]
    [0.1165, 2.1468]
    """
    if not 0 < alpha < 1:
        raise ValueError(f"alpha must be in (0, 1), got {alpha!r}")
    if result.cov == "exact-conditional":
        if not (math.isfinite(result.reference_pre) and math.isfinite(result.reference_post)):
            return math.nan, math.nan
        ex = rate_test(
            int(result.treated_post),
            result.reference_post,
            int(result.treated_pre),
            result.reference_pre,
            "exact",
            alpha=alpha,
        )
        return float(ex.ci_low), float(ex.ci_high)
    if not (math.isfinite(result.log_irr) and math.isfinite(result.se)):
        return math.nan, math.nan
    z = float(stats.norm.isf(alpha / 2))
    return math.exp(result.log_irr - z * result.se), math.exp(result.log_irr + z * result.se)


def _codes(values: ArrayLike) -> tuple[np.ndarray, int]:
    _, inverse = np.unique(np.asarray(values), return_inverse=True)
    inverse = inverse.ravel()
    return inverse, int(inverse.max()) + 1 if inverse.size else 0


def did(
    counts: ArrayLike,
    *,
    unit: ArrayLike,
    time: ArrayLike,
    treated: ArrayLike,
    post: ArrayLike,
    exposure: ArrayLike | None = None,
    family: Family = "poisson",
    cov: CovType = "quasi",
    alpha: float = 0.05,
) -> DiDResult:
    """Difference-in-differences IRR from a unit × period count panel.

    Parameters
    ----------
    counts : array_like
        Event count per observation (unit × period), non-negative.
    unit : array_like
        Unit label per observation (hotspot, control cell...).
    time : array_like
        Period label per observation (e.g. month index).
    treated : array_like of bool
        True for observations of treated units.
    post : array_like of bool
        True for observations in the post-period.
    exposure : array_like, optional
        Exposure per observation (e.g. days in the month, area); enters as an offset.
    family : {"poisson", "negbin"}
        Poisson GLM or negative binomial (NB2) with :math:`\\alpha` estimated by moments
        from the Poisson fit.
    cov : {"quasi", "model", "robust", "cluster"}
        ``"quasi"``: model variance times the Pearson scale :math:`\\max(1, X^2/df)`
        (overdispersion-robust, default); ``"model"``: likelihood variance; ``"robust"``:
        HC1 sandwich; ``"cluster"``: sandwich clustered by unit (needs many treated units).
    alpha : float
        One minus the confidence level.

    Returns
    -------
    DiDResult

    Notes
    -----
    Fitted with ``statsmodels`` GLM (log link). Units or periods with no events carry no
    information about :math:`\\beta` in a Poisson fixed-effects model and are dropped. When
    the treated or control total is zero before or after, the MLE does not exist; the
    function then falls back to the exact conditional interval of
    :func:`~hotspotwatch.analysis.evaluate.rates.rate_test` on the 2×2 totals, treating
    control counts as exposures.

    Examples
    --------
    >>> r = did([10, 5, 100, 100], unit=[0, 0, 1, 1], time=[0, 1, 0, 1],
    ...         treated=[1, 1, 0, 0], post=[0, 1, 0, 1], cov="model")
    >>> round(r.irr, 6), round(r.se, 4)
    (0.5, 0.5657)
    """
    import statsmodels.api as sm

    y = np.asarray(counts, dtype=float).ravel()
    n = y.size
    arrays = {
        "unit": np.asarray(unit).ravel(),
        "time": np.asarray(time).ravel(),
        "treated": np.asarray(treated, dtype=bool).ravel(),
        "post": np.asarray(post, dtype=bool).ravel(),
    }
    for name, arr in arrays.items():
        if arr.size != n:
            raise ValueError(f"{name} must have one value per count ({n}), got {arr.size}")
    if n == 0:
        raise ValueError("counts is empty: the panel needs observations")
    if np.any(~np.isfinite(y)) or np.any(y < 0):
        raise ValueError("counts must be finite and non-negative")
    expo = np.ones(n) if exposure is None else np.asarray(exposure, dtype=float).ravel()
    if expo.size != n or np.any(~(expo > 0)):
        raise ValueError("exposure must be positive, one value per count")
    if not 0 < alpha < 1:
        raise ValueError(f"alpha must be in (0, 1), got {alpha!r}")
    if family not in ("poisson", "negbin"):
        raise ValueError(f"family must be 'poisson' or 'negbin', got {family!r}")
    if cov not in ("quasi", "model", "robust", "cluster"):
        raise ValueError(f"cov must be 'quasi', 'model', 'robust' or 'cluster', got {cov!r}")
    tr, po = arrays["treated"], arrays["post"]
    if not (tr.any() and (~tr).any() and po.any() and (~po).any()):
        raise ValueError("the panel needs treated and control units, and pre and post periods")
    t0, t1 = float(y[tr & ~po].sum()), float(y[tr & po].sum())
    c0, c1 = float(y[~tr & ~po].sum()), float(y[~tr & po].sum())
    z_crit = float(stats.norm.isf(alpha / 2))
    u_codes, n_units = _codes(arrays["unit"])
    t_codes, n_periods = _codes(arrays["time"])

    def result(beta: float, se: float, cov_name: str, disp: float, n_obs: int) -> DiDResult:
        z = beta / se if se > 0 else math.nan
        return DiDResult(
            irr=math.exp(beta),
            ci_low=math.exp(beta - z_crit * se),
            ci_high=math.exp(beta + z_crit * se),
            log_irr=beta,
            se=se,
            z=z,
            p_value=float(2 * stats.norm.sf(abs(z))) if se > 0 else math.nan,
            family=family,
            cov=cov_name,
            dispersion=disp,
            treated_pre=t0,
            treated_post=t1,
            control_pre=c0,
            control_post=c1,
            n_obs=n_obs,
            n_units=n_units,
            n_periods=n_periods,
            alpha=float(alpha),
        )

    if min(t0, t1, c0, c1) == 0:
        # Exposure-weight the control totals so the ratio stays a rate ratio.
        e_t0, e_t1 = float(expo[tr & ~po].sum()), float(expo[tr & po].sum())
        e_c0, e_c1 = float(expo[~tr & ~po].sum()), float(expo[~tr & po].sum())
        ref_post, ref_pre = max(c1, 0.5) * e_t1 / e_c1, max(c0, 0.5) * e_t0 / e_c0
        ex = rate_test(int(t1), ref_post, int(t0), ref_pre, "exact", alpha=alpha)
        irr = ex.rate_ratio if math.isfinite(ex.rate_ratio) else (math.inf if t1 > 0 else 0.0)
        beta = math.log(irr) if 0 < irr < math.inf else (math.inf if irr > 0 else -math.inf)
        return DiDResult(
            irr=irr,
            ci_low=ex.ci_low,
            ci_high=ex.ci_high,
            log_irr=beta,
            se=math.nan,
            z=math.nan,
            p_value=ex.p_value,
            family=family,
            cov="exact-conditional",
            dispersion=math.nan,
            treated_pre=t0,
            treated_post=t1,
            control_pre=c0,
            control_post=c1,
            n_obs=n,
            n_units=n_units,
            n_periods=n_periods,
            alpha=float(alpha),
            reference_pre=float(ref_pre),
            reference_post=float(ref_post),
        )

    # Drop units and periods without events: their fixed effects go to -inf.
    unit_tot = np.bincount(u_codes, weights=y, minlength=n_units)
    time_tot = np.bincount(t_codes, weights=y, minlength=n_periods)
    keep = (unit_tot[u_codes] > 0) & (time_tot[t_codes] > 0)
    y, expo, tr, po = y[keep], expo[keep], tr[keep], po[keep]
    uc, nu = _codes(u_codes[keep])
    tc, nt = _codes(t_codes[keep])
    m = y.size
    x = np.zeros((m, nu + nt))
    x[np.arange(m), uc] = 1.0
    x[np.arange(m), nu + tc] = 1.0
    x = x[:, [j for j in range(nu + nt) if j != nu]]  # drop the first period: reference
    d = (tr & po).astype(float)
    x = np.column_stack([d, x])
    offset = np.log(expo)
    df_resid = m - x.shape[1]

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        pois = sm.GLM(y, x, family=sm.families.Poisson(), offset=offset).fit()
        disp = math.nan
        model = pois
        if family == "negbin":
            mu = pois.fittedvalues
            a = float(np.sum((y - mu) ** 2 - y) / np.sum(mu**2)) if df_resid > 0 else 0.0
            disp = max(a, 1e-8)
            model = sm.GLM(
                y, x, family=sm.families.NegativeBinomial(alpha=disp), offset=offset
            ).fit(start_params=pois.params)
        if cov == "model":
            fit = model
        elif cov == "quasi":
            pearson = float(np.sum(model.resid_pearson**2))
            scale = max(1.0, pearson / df_resid) if df_resid > 0 else 1.0
            if family == "poisson":
                disp = scale
            fit = model
            se = float(np.sqrt(model.cov_params()[0, 0] * scale))
            return result(float(model.params[0]), se, cov, disp, m)
        elif cov == "robust":
            fit = model.model.fit(start_params=model.params, cov_type="HC1")
        else:
            fit = model.model.fit(
                start_params=model.params, cov_type="cluster", cov_kwds={"groups": uc}
            )
    return result(float(fit.params[0]), float(fit.bse[0]), cov, disp, m)
