"""Segmented Poisson regression: closed forms and recovery of planted effects."""

import numpy as np
import pytest

from hotspotwatch.evaluate import its


def test_level_change_without_trend_is_ratio_of_means():
    # Poisson MLE with intercept, (flat) trend, level and slope terms on a flat series:
    y = np.array([10, 12, 8, 11, 9, 10, 6, 5, 4, 6, 5, 4], dtype=float)
    r = its(y, interruption=6)
    # with a free pre-trend and slope change, exact fit of segment means in log-linear form
    t = np.arange(12)
    import statsmodels.api as sm

    x = np.column_stack([np.ones(12), t, t >= 6, np.where(t >= 6, t - 6, 0)]).astype(float)
    ref = sm.GLM(y, x, family=sm.families.Poisson()).fit()
    assert r.level_irr == pytest.approx(np.exp(ref.params[2]), rel=1e-6)
    assert r.slope_irr == pytest.approx(np.exp(ref.params[3]), rel=1e-6)


def test_recovers_planted_level_change_with_seasonality():
    rng = np.random.default_rng(4)
    n = 60
    t = np.arange(n)
    months = t % 12 + 1
    season = 1 + 0.25 * np.sin(2 * np.pi * t / 12)
    mu = 80 * season * 1.003**t * np.where(t >= 36, 0.75, 1.0)
    covered = 0
    for _ in range(200):
        y = rng.poisson(mu)
        r = its(y, interruption=36, month_of_year=months)
        covered += r.level_ci_low <= 0.75 <= r.level_ci_high
    assert 0.90 <= covered / 200 <= 0.99


def test_bad_interruption():
    with pytest.raises(ValueError, match="interruption"):
        its([1, 2, 3, 4, 5], interruption=0)
    with pytest.raises(ValueError, match="month_of_year"):
        its([1, 2, 3, 4, 5], interruption=2, month_of_year=[1, 2, 3, 4, 13])


def test_missing_periods_are_left_out_not_counted_as_zero():
    # issue 14: a month a source did not cover is missing, not zero
    import math

    import numpy as np
    import statsmodels.api as sm

    from hotspotwatch.analysis.evaluate.its import interrupted_time_series

    rng = np.random.default_rng(2)
    y = rng.poisson(np.r_[np.full(15, 40.0), np.full(15, 28.0)]).astype(float)
    gone = np.zeros(30, dtype=bool)
    gone[[3, 4, 20]] = True
    y_nan = y.copy()
    y_nan[gone] = np.nan
    r = interrupted_time_series(y_nan, interruption=15, missing=gone)
    assert r.n_periods == 27 and r.n_missing == 3
    # reference: the same segmented model on the covered months only, time index kept
    t = np.arange(30.0)
    post = (t >= 15).astype(float)
    x = np.column_stack([np.ones(30), t, post, np.where(post > 0, t - 15, 0.0)])[~gone]
    fit = sm.GLM(y[~gone], x, family=sm.families.Poisson()).fit()
    assert r.level_irr == pytest.approx(math.exp(fit.params[2]), rel=1e-6)
    assert r.slope_irr == pytest.approx(math.exp(fit.params[3]), rel=1e-6)
    # counted as zero instead, the level change would be far off
    zero = interrupted_time_series(np.where(gone, 0.0, y), interruption=15)
    assert abs(math.log(zero.level_irr) - math.log(r.level_irr)) > 0.1
