"""Difference-in-differences count regression: 2×2 closed form and statsmodels panels."""

import math

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm
import statsmodels.formula.api as smf

from hotspotwatch.evaluate import did


def _two_by_two(t0, t1, c0, c1, **kw):
    return did(
        [t0, t1, c0, c1],
        unit=[0, 0, 1, 1],
        time=[0, 1, 0, 1],
        treated=[1, 1, 0, 0],
        post=[0, 1, 0, 1],
        **kw,
    )


@pytest.mark.parametrize("cells", [(10, 5, 100, 100), (37, 52, 410, 380), (3, 9, 12, 11)])
def test_two_by_two_reproduces_ratio_of_ratios(cells):
    t0, t1, c0, c1 = cells
    r = _two_by_two(*cells, cov="model")
    assert r.irr == pytest.approx((t1 / t0) / (c1 / c0), rel=1e-9)
    assert r.se == pytest.approx(math.sqrt(1 / t0 + 1 / t1 + 1 / c0 + 1 / c1), rel=1e-6)
    # default (quasi) on a saturated table keeps the Poisson variance
    assert _two_by_two(*cells).se == pytest.approx(r.se, rel=1e-6)


def _panel(seed=2, n_units=15, n_months=30, effect=0.7, nb_alpha=0.0):
    rng = np.random.default_rng(seed)
    unit = np.repeat(np.arange(n_units), n_months)
    month = np.tile(np.arange(n_months), n_units)
    treated = unit < 2
    post = month >= 12
    mu = np.exp(rng.normal(1.2, 0.4, n_units))[unit] * (1 + 0.3 * np.cos(month / 12 * 2 * np.pi))
    mu = mu * np.where(treated & post, effect, 1.0)
    if nb_alpha > 0:
        mu = rng.gamma(1 / nb_alpha, nb_alpha * mu)
    return rng.poisson(mu), unit, month, treated, post


def test_panel_matches_statsmodels_formula_glm_with_fixed_effects():
    y, unit, month, treated, post = _panel()
    df = pd.DataFrame({"y": y, "unit": unit, "month": month, "d": (treated & post).astype(int)})
    ref = smf.glm("y ~ d + C(unit) + C(month)", df, family=sm.families.Poisson()).fit()
    r = did(y, unit=unit, time=month, treated=treated, post=post, cov="model")
    assert r.log_irr == pytest.approx(ref.params["d"], rel=1e-6)
    assert r.se == pytest.approx(ref.bse["d"], rel=1e-5)
    robust = ref.model.fit(cov_type="HC1")
    rr = did(y, unit=unit, time=month, treated=treated, post=post, cov="robust")
    assert rr.se == pytest.approx(robust.bse["d"], rel=1e-4)
    clus = ref.model.fit(cov_type="cluster", cov_kwds={"groups": unit})
    rc = did(y, unit=unit, time=month, treated=treated, post=post, cov="cluster")
    assert rc.se == pytest.approx(clus.bse["d"], rel=1e-4)


def test_quasi_scale_is_pearson_chi2_over_df():
    y, unit, month, treated, post = _panel(nb_alpha=0.5)
    df = pd.DataFrame({"y": y, "unit": unit, "month": month, "d": (treated & post).astype(int)})
    ref = smf.glm("y ~ d + C(unit) + C(month)", df, family=sm.families.Poisson()).fit(scale="X2")
    r = did(y, unit=unit, time=month, treated=treated, post=post)
    assert r.dispersion == pytest.approx(ref.scale, rel=1e-6)
    assert r.se == pytest.approx(ref.bse["d"], rel=1e-5)


def test_negbin_family_recovers_effect():
    y, unit, month, treated, post = _panel(seed=9, n_units=30, effect=0.6, nb_alpha=0.3)
    r = did(y, unit=unit, time=month, treated=treated, post=post, family="negbin")
    assert r.dispersion > 0.05
    assert r.ci_low < 0.6 < r.ci_high


def test_zero_treated_cell_falls_back_to_exact_conditional():
    r = _two_by_two(0, 6, 50, 40)
    assert r.cov == "exact-conditional"
    assert r.irr == math.inf and r.ci_low > 0 and r.ci_high == math.inf


def test_bad_panel():
    with pytest.raises(ValueError, match="treated and control"):
        did([1, 2], unit=[0, 0], time=[0, 1], treated=[1, 1], post=[0, 1])
    with pytest.raises(ValueError, match="unit"):
        did([1, 2], unit=[0], time=[0, 1], treated=[1, 0], post=[0, 1])
