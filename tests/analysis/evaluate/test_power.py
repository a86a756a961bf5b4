"""Minimum detectable rate ratio against statsmodels power functions and simulation."""

import math

import numpy as np
import pytest
from statsmodels.stats.rates import power_negbin_ratio_2indep, power_poisson_ratio_2indep

from hotspotwatch.analysis.evaluate.power import log_irr_variance, months_to_detect
from hotspotwatch.evaluate import min_detectable_ratio


@pytest.mark.parametrize("baseline", [40, 100, 400])
def test_pre_post_mdr_has_80pct_power_in_statsmodels_poisson(baseline):
    r = min_detectable_ratio(baseline)
    for ratio in (r.ratio, r.increase_ratio):
        pw = power_poisson_ratio_2indep(
            ratio * baseline,
            baseline,
            1,
            value=1,
            method_var="alt",
            alternative="two-sided",
            return_results=False,
        )
        assert pw == pytest.approx(0.8, abs=1e-3)


@pytest.mark.parametrize("dispersion", [0.02, 0.1])
def test_mdr_with_overdispersion_matches_statsmodels_negbin(dispersion):
    r = min_detectable_ratio(80, dispersion=dispersion)
    pw = power_negbin_ratio_2indep(
        r.ratio * 80,
        80,
        1,
        dispersion=dispersion,
        method_var="alt",
        alternative="two-sided",
        return_results=False,
    )
    assert pw == pytest.approx(0.8, abs=1e-3)
    assert r.ratio < min_detectable_ratio(80).ratio  # overdispersion makes it harder


def test_did_closed_form_equation_holds():
    r = min_detectable_ratio(60, "did", control_count=600, post_ratio=1.75)
    k = 1.959963984540054 + 0.8416212335729143
    v = 1 / 60 + 1 / (r.ratio * 1.75 * 60) + 1 / 600 + 1 / (1.75 * 600)
    assert abs(math.log(r.ratio)) == pytest.approx(k * math.sqrt(v), rel=1e-9)
    assert log_irr_variance(r.ratio, 60, design="did", control_count=600, post_ratio=1.75) == (
        pytest.approx(v)
    )
    # a did design is never more sensitive than the pre-post one on the same counts
    assert r.ratio < min_detectable_ratio(60, post_ratio=1.75).ratio


def test_mdr_simulated_power_is_about_80pct():
    rng = np.random.default_rng(11)
    base = 150
    r = min_detectable_ratio(base)
    y0 = rng.poisson(base, 20000)
    y1 = rng.poisson(base * r.ratio, 20000)
    z = np.log(y1 / y0) / np.sqrt(1 / y0 + 1 / y1)
    assert np.mean(np.abs(z) > 1.959963984540054) == pytest.approx(0.8, abs=0.02)


def test_small_baseline_has_no_detectable_reduction():
    r = min_detectable_ratio(8)
    assert math.isnan(r.ratio)
    assert r.increase_ratio > 2


def test_more_months_make_effect_detectable():
    res = months_to_detect(4.0, 0.6, pre_months=12, post_months=6)
    assert res.post_months_needed == 34 and res.additional_months == 28
    check = min_detectable_ratio(48, post_ratio=34 / 12)
    assert check.ratio >= 0.6
    assert min_detectable_ratio(48, post_ratio=33 / 12).ratio < 0.6
    assert months_to_detect(0.1, 0.9, pre_months=12, post_months=6).post_months_needed is None


def test_bad_input():
    with pytest.raises(ValueError, match="baseline_count"):
        min_detectable_ratio(0)
    with pytest.raises(ValueError, match="design"):
        min_detectable_ratio(10, "rct")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="dispersion"):
        min_detectable_ratio(10, dispersion=-1)
