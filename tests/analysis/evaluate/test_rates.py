"""Exact conditional test and E-test for two Poisson rates.

References: R ``poisson.test`` (Breslow & Day lung-cancer example in its help page),
``ptools::e_test`` documentation and test comments (Wheeler), Gu, Ng, Tang & Schucany (2008)
examples as tabulated in statsmodels' test-suite, and statsmodels itself.
"""

import math

import numpy as np
import pytest
from scipy import stats
from statsmodels.stats import rates as smr

from hotspotwatch.analysis.evaluate.rates import conditional_ci, etest_pvalue, score_ci
from hotspotwatch.evaluate import rate_test

CASES = [
    (60, 51477.5, 30, 54308.7),  # Gu et al. (2008) example 1 (breast cancer)
    (41, 28010, 15, 19017),  # Gu et al. (2008) / Ng et al. (2007) example 2
    (20, 1, 10, 1),
    (3, 2, 9, 5),
    (0, 3, 4, 3),
    (7, 12, 1, 21),
]


def test_exact_matches_r_poisson_test_breslow_day_example():
    # R: poisson.test(c(11, 6+8+7), c(800, 1083+1050+878)):
    # p-value = 0.07967, 95 % CI 0.8584264 4.2772659, rate ratio 1.971488
    r = rate_test(11, 800, 21, 3011, "exact")
    assert r.rate_ratio == pytest.approx(1.971488, abs=1e-6)
    assert r.p_value == pytest.approx(0.07967, abs=5e-6)
    assert r.ci_low == pytest.approx(0.8584264, abs=1e-7)
    assert r.ci_high == pytest.approx(4.2772659, abs=1e-7)


def test_etest_matches_ptools_documented_values():
    # ptools docs: e_test(20, 10) ~ 0.069; test comments: etest(3,0)=0.0884, etest(6,2)=0.1749
    assert etest_pvalue(20, 1, 10, 1) == pytest.approx(0.069, abs=5e-4)
    assert etest_pvalue(3, 1, 0, 1) == pytest.approx(0.0884, abs=5e-5)
    assert etest_pvalue(0, 1, 3, 1) == pytest.approx(0.0884, abs=5e-5)
    assert etest_pvalue(6, 1, 2, 1) == pytest.approx(0.1749, abs=5e-5)


def test_etest_regression_values_gu_examples():
    # statsmodels test_y_grid_regression, two-sided E-test on Gu et al. examples
    assert etest_pvalue(60, 51477.5, 30, 54308.7) == pytest.approx(0.000567261758250953, rel=1e-6)
    assert etest_pvalue(41, 28010, 15, 19017) == pytest.approx(0.03782053187021494, rel=1e-6)


@pytest.mark.parametrize("case", CASES)
@pytest.mark.parametrize("statistic", ["score", "wald"])
def test_etest_matches_statsmodels(case, statistic):
    expected = smr.etest_poisson_2indep(*case, method=statistic)[1]
    assert etest_pvalue(*case, statistic=statistic) == pytest.approx(expected, rel=1e-6, abs=1e-9)


@pytest.mark.parametrize("case", CASES)
def test_exact_pvalue_matches_statsmodels_exact_cond(case):
    expected = smr.test_poisson_2indep(*case, method="exact-cond").pvalue
    assert rate_test(*case, "exact").p_value == pytest.approx(expected, rel=1e-9)


@pytest.mark.parametrize("case", [c for c in CASES if c[0] > 0 and c[2] > 0])
def test_score_interval_matches_statsmodels(case):
    lo, hi = score_ci(*case)
    slo, shi = smr.confint_poisson_2indep(*case, method="score")
    assert lo == pytest.approx(slo, rel=1e-6)
    assert hi == pytest.approx(shi, rel=1e-6)


def test_clopper_pearson_closed_form_from_beta_quantiles():
    k1, t1, k2, t2 = 7, 12.0, 19, 24.0
    lo, hi = conditional_ci(k1, t1, k2, t2, alpha=0.1)
    pl = stats.beta.ppf(0.05, k1, k2 + 1)
    pu = stats.beta.ppf(0.95, k1 + 1, k2)
    assert lo == pytest.approx(pl / (1 - pl) * t2 / t1, rel=1e-12)
    assert hi == pytest.approx(pu / (1 - pu) * t2 / t1, rel=1e-12)


def test_zero_counts_give_open_intervals():
    r = rate_test(0, 12, 5, 12, "exact")
    assert r.rate_ratio == 0.0 and r.ci_low == 0.0 and math.isfinite(r.ci_high)
    r = rate_test(4, 12, 0, 12, "exact")
    assert r.rate_ratio == math.inf and r.ci_high == math.inf and r.ci_low > 0
    assert rate_test(0, 1, 0, 1).p_value == 1.0


def test_clopper_pearson_covers_at_least_nominal():
    rng = np.random.default_rng(5)
    true = 0.6
    hits = 0
    n = 2000
    k1 = rng.poisson(true * 8, n)
    k2 = rng.poisson(8, n)
    for a, b in zip(k1, k2, strict=True):
        lo, hi = conditional_ci(int(a), 1.0, int(b), 1.0)
        hits += lo <= true <= hi
    assert hits / n >= 0.94


@pytest.mark.parametrize(
    ("args", "match"),
    [
        ((-1, 1, 2, 1), "count1"),
        ((1.5, 1, 2, 1), "count1"),
        ((1, 0, 2, 1), "exposure1"),
        ((1, 1, 2, -3), "exposure2"),
    ],
)
def test_bad_input_names_parameter(args, match):
    with pytest.raises(ValueError, match=match):
        rate_test(*args)


def test_unknown_method_rejected():
    with pytest.raises(ValueError, match="method"):
        rate_test(1, 1, 1, 1, "wald")  # type: ignore[arg-type]
