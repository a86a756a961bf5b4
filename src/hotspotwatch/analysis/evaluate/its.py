"""Interrupted time series for the region: segmented Poisson regression with seasonality.

:math:`\\log E[y_t] = \\beta_0 + \\beta_1 t + \\beta_2 P_t + \\beta_3 (t - t_0) P_t +
\\sum_m \\delta_m M_{mt}` with :math:`P_t = 1` from the interruption :math:`t_0`, month-of-year
dummies :math:`M` (Bernal, Cummins & Gasparrini 2017, *Int. J. Epidemiol.* 46, 348–355).
:math:`e^{\\beta_2}` is the immediate level change, :math:`e^{\\beta_3}` the monthly change
in trend.
"""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike
from scipy import stats

from hotspotwatch.analysis._result import ResultMixin


@dataclass(frozen=True)
class ITSResult(ResultMixin):
    """Segmented Poisson regression.

    Attributes
    ----------
    level_irr, level_ci_low, level_ci_high, level_p_value : float
        Immediate level change :math:`e^{\\beta_2}` with interval and p-value.
    slope_irr, slope_ci_low, slope_ci_high, slope_p_value : float
        Change in the monthly trend :math:`e^{\\beta_3}` (per period).
    pre_trend_irr : float
        Pre-interruption trend :math:`e^{\\beta_1}` per period.
    end_irr, end_ci_low, end_ci_high : float
        Effect at the last period, :math:`e^{\\beta_2 + \\beta_3 (T - t_0)}`: observed
        versus the counterfactual continuation of the pre-trend.
    dispersion : float
        Pearson scale used (``max(1, X^2/df)``).
    n_periods : int
        Periods fitted.
    seasonal : bool
        Whether month-of-year effects were included.
    alpha : float
        Level.
    n_missing : int
        Periods left out (not covered by the data).
    """

    level_irr: float
    level_ci_low: float
    level_ci_high: float
    level_p_value: float
    slope_irr: float
    slope_ci_low: float
    slope_ci_high: float
    slope_p_value: float
    pre_trend_irr: float
    end_irr: float
    end_ci_low: float
    end_ci_high: float
    dispersion: float
    n_periods: int
    seasonal: bool
    alpha: float
    n_missing: int = 0


def interrupted_time_series(
    counts: ArrayLike,
    *,
    interruption: int,
    month_of_year: ArrayLike | None = None,
    exposure: ArrayLike | None = None,
    alpha: float = 0.05,
    missing: ArrayLike | None = None,
) -> ITSResult:
    """Segmented quasi-Poisson regression of a monthly series.

    Parameters
    ----------
    counts : array_like
        Events per period, in time order.
    interruption : int
        Index of the first post-intervention period (``0 < interruption < len(counts)``).
    month_of_year : array_like of int, optional
        Calendar month (1–12) per period; adds month-of-year effects. Omit for no
        seasonal terms.
    exposure : array_like, optional
        Exposure per period (e.g. days); offset.
    alpha : float
        One minus the confidence level.
    missing : array_like of bool, optional
        Periods left out of the fit (not covered by the data: missing, not zero); the
        time index keeps counting through them. Their ``counts`` may be NaN.

    Returns
    -------
    ITSResult
        ``n_periods`` counts the periods fitted, ``n_missing`` those left out.

    Notes
    -----
    Standard errors use the Pearson scale :math:`\\max(1, X^2/df)` (quasi-Poisson), so
    overdispersion widens the intervals.

    Examples
    --------
    >>> r = interrupted_time_series([10] * 12 + [5] * 12, interruption=12)
    >>> round(r.level_irr, 3), round(r.slope_irr, 3)
    (0.5, 1.0)
    """
    import statsmodels.api as sm

    y = np.asarray(counts, dtype=float).ravel()
    n = y.size
    gone = np.zeros(n, dtype=bool) if missing is None else np.asarray(missing, dtype=bool).ravel()
    if gone.size != n:
        raise ValueError("missing must hold one flag per period")
    fitted = ~gone
    if fitted.sum() < 4 or np.any(~np.isfinite(y[fitted])) or np.any(y[fitted] < 0):
        raise ValueError("counts must be at least 4 finite non-negative values")
    if not 0 < interruption < n:
        raise ValueError(f"interruption must be between 1 and {n - 1}, got {interruption!r}")
    t = np.arange(n, dtype=float)
    post = (t >= interruption).astype(float)
    since = np.where(post > 0, t - interruption, 0.0)
    cols = [np.ones(n), t, post, since]
    seasonal = month_of_year is not None
    if seasonal:
        months = np.asarray(month_of_year, dtype=int).ravel()
        if months.size != n or np.any((months < 1) | (months > 12)):
            raise ValueError("month_of_year must hold one calendar month (1-12) per period")
        for mth in np.unique(months)[1:]:
            cols.append((months == mth).astype(float))
    x = np.column_stack(cols)[fitted]
    x = x[:, np.any(x != 0, axis=0) | (np.arange(x.shape[1]) < 4)]  # months of year left
    offset = None if exposure is None else np.log(np.asarray(exposure, dtype=float).ravel())
    if offset is not None:
        offset = offset[fitted]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        fit = sm.GLM(y[fitted], x, family=sm.families.Poisson(), offset=offset).fit()
    df_resid = int(fitted.sum()) - x.shape[1]
    scale = max(1.0, float(np.sum(fit.resid_pearson**2)) / df_resid) if df_resid > 0 else 1.0
    vcov = np.asarray(fit.cov_params()) * scale
    b = np.asarray(fit.params)
    z = float(stats.norm.isf(alpha / 2))

    def lin(c: np.ndarray) -> tuple[float, float, float, float]:
        est = float(c @ b)
        se = math.sqrt(float(c @ vcov @ c))
        p = float(2 * stats.norm.sf(abs(est / se))) if se > 0 else math.nan
        return math.exp(est), math.exp(est - z * se), math.exp(est + z * se), p

    e2 = np.zeros(b.size)
    e2[2] = 1.0
    e3 = np.zeros(b.size)
    e3[3] = 1.0
    end = e2 + e3 * (n - 1 - interruption)
    lv, sl, en = lin(e2), lin(e3), lin(end)
    return ITSResult(
        level_irr=lv[0],
        level_ci_low=lv[1],
        level_ci_high=lv[2],
        level_p_value=lv[3],
        slope_irr=sl[0],
        slope_ci_low=sl[1],
        slope_ci_high=sl[2],
        slope_p_value=sl[3],
        pre_trend_irr=math.exp(float(b[1])),
        end_irr=en[0],
        end_ci_low=en[1],
        end_ci_high=en[2],
        dispersion=scale,
        n_periods=int(fitted.sum()),
        seasonal=seasonal,
        alpha=float(alpha),
        n_missing=int(gone.sum()),
    )
