"""Random- and common-effect pooling against metafor (published) and statsmodels.

- Kacker (2004) example (9 studies) with R metafor ``rma(method="DL")`` results as
  tabulated in statsmodels' ``results_meta.py``.
- BCG vaccine trials (Colditz et al. 1994; ``metafor::dat.bcg``), log relative risks:
  Viechtbauer (2010, J. Stat. Softw. 36(3)) reports REML tau^2 = 0.3132, estimate -0.7145,
  95 % CI -1.0669 to -0.3622; DL tau^2 = 0.3088, estimate -0.7141.
"""

import numpy as np
import pytest
from statsmodels.stats.meta_analysis import combine_effects

from hotspotwatch.analysis.evaluate.pooling import common_effect
from hotspotwatch.evaluate import pooled

KACKER_Y = np.array([61.00, 61.40, 62.21, 62.30, 62.34, 62.60, 62.70, 62.84, 65.90])
KACKER_V = np.array([0.2025, 1.2100, 0.0900, 0.2025, 0.3844, 0.5625, 0.0676, 0.0225, 1.8225])

BCG = np.array(
    [
        [4, 119, 11, 128],
        [6, 300, 29, 274],
        [3, 228, 11, 209],
        [62, 13536, 248, 12619],
        [33, 5036, 47, 5761],
        [180, 1361, 372, 1079],
        [8, 2537, 10, 619],
        [505, 87886, 499, 87892],
        [29, 7470, 45, 7232],
        [17, 1699, 65, 1600],
        [186, 50448, 141, 27197],
        [5, 2493, 3, 2338],
        [27, 16886, 29, 17825],
    ],
    dtype=float,
)


def _bcg():
    tp, tn, cp, cn = BCG.T
    yi = np.log((tp / (tp + tn)) / (cp / (cp + cn)))
    vi = 1 / tp - 1 / (tp + tn) + 1 / cp - 1 / (cp + cn)
    return yi, vi


def test_dl_matches_metafor_on_kacker_example():
    r = pooled(KACKER_Y, KACKER_V, method="dl")
    assert r.estimate == pytest.approx(62.3901386044504, abs=1e-9)
    assert r.tau2 == pytest.approx(0.288049246973751, abs=1e-9)
    assert r.i2 == pytest.approx(0.67744403741711, abs=1e-9)
    assert r.ci_low == pytest.approx(61.9084781058787, abs=1e-8)
    assert r.ci_high == pytest.approx(62.8717991030221, abs=1e-8)


def test_reml_and_dl_match_viechtbauer_2010_bcg():
    yi, vi = _bcg()
    reml = pooled(yi, vi, method="reml")
    assert reml.tau2 == pytest.approx(0.3132, abs=5e-5)
    assert reml.estimate == pytest.approx(-0.7145, abs=5e-5)
    assert reml.ci_low == pytest.approx(-1.0669, abs=5e-5)
    assert reml.ci_high == pytest.approx(-0.3622, abs=5e-5)
    dl = pooled(yi, vi, method="dl")
    assert dl.tau2 == pytest.approx(0.3088, abs=5e-5)
    assert dl.estimate == pytest.approx(-0.7141, abs=5e-5)


def test_dl_matches_statsmodels_combine_effects():
    yi, vi = _bcg()
    r = pooled(yi, vi, method="dl")
    sm = combine_effects(yi, vi, method_re="dl")
    assert r.estimate == pytest.approx(sm.mean_effect_re, rel=1e-10)
    assert r.tau2 == pytest.approx(sm.tau2, rel=1e-10)
    assert r.i2 == pytest.approx(sm.i2, rel=1e-10)
    assert r.q == pytest.approx(sm.q, rel=1e-10)
    lo, hi = sm.conf_int(use_t=False)[1]
    assert (r.ci_low, r.ci_high) == pytest.approx((lo, hi), rel=1e-10)


def test_homogeneous_effects_reduce_to_fixed_effect():
    y = np.array([-0.2, -0.2, -0.2])
    v = np.array([0.01, 0.04, 0.02])
    r = pooled(y, v)
    assert r.tau2 == 0.0 and r.i2 == 0.0
    assert r.estimate == pytest.approx(-0.2)
    assert r.se == pytest.approx(1 / np.sqrt(np.sum(1 / v)))


def test_prediction_interval_higgins_formula_and_wider_than_ci():
    yi, vi = _bcg()
    r = pooled(yi, vi, method="dl")
    from scipy import stats

    half = stats.t.isf(0.025, len(yi) - 2) * np.sqrt(r.tau2 + r.se**2)
    assert r.prediction_low == pytest.approx(r.estimate - half)
    assert r.prediction_low < r.ci_low and r.prediction_high > r.ci_high


def test_bad_input():
    with pytest.raises(ValueError, match="variances"):
        pooled([0.1, 0.2], [0.1, 0.0])
    with pytest.raises(ValueError, match="same length"):
        pooled([0.1, 0.2], [0.1])
    with pytest.raises(ValueError, match="method"):
        pooled([0.1, 0.2], [0.1, 0.1], method="pm")  # type: ignore[arg-type]


# --- common effect (inverse-variance fixed weights) --------------------------------------


def test_common_effect_matches_statsmodels_combine_effects():
    """Estimate, SE, interval and weights equal statsmodels' "fixed effect" row (rel 1e-10)."""
    for yi, vi in (_bcg(), (KACKER_Y, KACKER_V)):
        r = common_effect(yi, vi)
        sm = combine_effects(yi, vi, method_re="iterated")
        assert r.estimate == pytest.approx(sm.mean_effect_fe, rel=1e-10)
        assert r.se == pytest.approx(sm.sd_eff_w_fe, rel=1e-10)
        lo, hi = sm.conf_int(use_t=False)[0]
        assert (r.ci_low, r.ci_high) == pytest.approx((lo, hi), rel=1e-10)
        assert r.weights == pytest.approx(sm.weights_rel_fe, rel=1e-10)
        assert r.k == len(yi)


def test_common_effect_matches_metafor_fe_on_bcg():
    # metafor::rma(yi, vi, data = escalc("RR", ... dat.bcg), method = "FE"):
    # estimate -0.4303, se 0.0405, ci.lb -0.5097, ci.ub -0.3509 (Viechtbauer 2010).
    yi, vi = _bcg()
    r = common_effect(yi, vi)
    assert r.estimate == pytest.approx(-0.4303, abs=5e-5)
    assert r.se == pytest.approx(0.0405, abs=5e-5)
    assert (r.ci_low, r.ci_high) == pytest.approx((-0.5097, -0.3509), abs=5e-5)


def test_common_effect_narrower_than_reml_under_heterogeneity():
    yi, vi = _bcg()
    fe, re = common_effect(yi, vi), pooled(yi, vi, method="reml")
    assert re.tau2 > 0.1
    assert fe.ci_high - fe.ci_low < re.ci_high - re.ci_low
    # without heterogeneity the two coincide
    y = np.array([-0.2, -0.2, -0.2])
    v = np.array([0.01, 0.04, 0.02])
    assert common_effect(y, v).se == pytest.approx(pooled(y, v).se)


def test_common_effect_bad_input():
    with pytest.raises(ValueError, match="variances"):
        common_effect([0.1, 0.2], [0.1, -1.0])
    with pytest.raises(ValueError, match="alpha"):
        common_effect([0.1, 0.2], [0.1, 0.1], alpha=1.5)
