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
