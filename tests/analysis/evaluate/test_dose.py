"""Dose–response description against scipy and statsmodels WLS."""

import numpy as np
import pytest
import statsmodels.api as sm
from scipy import stats

from hotspotwatch.analysis.evaluate import dose_response


def test_matches_scipy_spearman_and_statsmodels_wls():
    rng = np.random.default_rng(0)
    dose = rng.uniform(0, 50, 15)
    v = rng.uniform(0.01, 0.2, 15)
    y = -0.01 * dose + rng.normal(0, np.sqrt(v))
    r = dose_response(y, dose, variances=v)
    sr = stats.spearmanr(dose, y)
    assert r.spearman_rho == pytest.approx(sr.statistic)
    assert r.spearman_p_value == pytest.approx(sr.pvalue)
    wls = sm.WLS(y, sm.add_constant(dose), weights=1 / v).fit()
    assert r.slope == pytest.approx(wls.params[1], rel=1e-9)
    # known variances: scale fixed at 1
    assert r.slope_se == pytest.approx(wls.bse[1] / np.sqrt(wls.scale), rel=1e-9)


def test_degenerate_inputs_give_nan_not_errors():
    r = dose_response([0.1, 0.2], [3, 3])
    assert np.isnan(r.slope)
    with pytest.raises(ValueError, match="same length"):
        dose_response([0.1], [1, 2])
