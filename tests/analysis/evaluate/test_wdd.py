"""WDQ (Bowers & Johnson 2003; Guerette 2009) and WDD (Wheeler & Ratcliffe 2018).

Published examples used:
- crimede-coder WDD calculator page (Wheeler 2025, "Some extensions to the WDD statistic"):
  control 100→90, treated 100→80 gives WDD -10 with standard error 19.
- Wheeler's blog "Using weights in regression examples" (ptools area weights): counts
  t 207→110, ct 308→318, d 178→157, cd 150→140 with areas t 1.2, ct 0.9, d 1.5, cd 1.6 give a
  local estimate of -91.9 (SE 31.5).
- ptools ``wdd()`` help: wdd(c(0,20), c(0,10)) two-tailed p ~0.068.
- ptools ``wdd_harm()`` help example (rob/burg/theft with harm weights 10, 5, 1).
- POP Center Tool Guide 10 (Guerette 2009), appendix B formulas GE, NE, WDQ, TNE.
"""

import math

import numpy as np
import pytest
from scipy import stats

from hotspotwatch.analysis.evaluate.wdd import wdd_harm
from hotspotwatch.evaluate import wdd, wdq


def test_wdd_matches_crimedecoder_published_example():
    r = wdd(target=(100, 80), control=(100, 90))
    assert r.estimate == -10.0
    assert round(r.se) == 19
    assert r.se == pytest.approx(math.sqrt(370))
    assert r.displacement == 0.0


def test_wdd_area_weights_match_wheeler_published_example():
    r = wdd(
        target=(207, 110),
        control=(308, 318),
        buffer=(178, 157),
        buffer_control=(150, 140),
        area_weights=(1.2, 0.9, 1.5, 1.6),
    )
    assert round(r.local, 1) == -91.9
    assert round(r.local_se, 1) == 31.5


def test_wdd_ptools_doc_pvalue_without_pre_period():
    r = wdd(target=(0, 10), control=(0, 20))
    assert 2 * stats.norm.cdf(r.z) == pytest.approx(0.068, abs=1e-3)
    assert r.p_value == pytest.approx(0.0679, abs=1e-4)


def test_wdd_closed_form_with_displacement_and_time_weights():
    t, c, d, dc = (30, 20), (40, 42), (25, 31), (50, 48)
    tw = (12, 24)
    r = wdd(target=t, control=c, buffer=d, buffer_control=dc, time_weights=tw, alpha=0.1)
    local = (t[1] / 24 - t[0] / 12) - (c[1] / 24 - c[0] / 12)
    disp = (d[1] / 24 - d[0] / 12) - (dc[1] / 24 - dc[0] / 12)
    var = sum(x[1] / 24**2 + x[0] / 12**2 for x in (t, c, d, dc))
    assert r.local == pytest.approx(local)
    assert r.displacement == pytest.approx(disp)
    assert r.estimate == pytest.approx(local + disp)
    assert r.se == pytest.approx(math.sqrt(var))
    z = stats.norm.isf(0.05)
    assert r.ci_low == pytest.approx(local + disp - z * math.sqrt(var))


def test_wdd_harm_matches_ptools_help_example():
    rob = wdd(target=(20, 10), control=(20, 20))
    burg = wdd(target=(25, 20), control=(30, 30))
    theft = wdd(target=(70, 20), control=(80, 60))
    r = wdd_harm(
        [rob.local, burg.local, theft.local],
        [rob.local_se, burg.local_se, theft.local_se],
        [10, 5, 1],
    )
    assert r.estimate == pytest.approx(-10 * 10 + 5 * -5 + 1 * -30)
    se = math.sqrt(100 * 70 + 25 * 105 + 1 * 230)
    assert r.se == pytest.approx(se)


def test_wdd_variance_matches_poisson_simulation():
    # The WDD variance is the Poisson variance of the difference in differences.
    rng = np.random.default_rng(3)
    sims = (
        rng.poisson(40, 20000)
        - rng.poisson(60, 20000)
        - rng.poisson(50, 20000)
        + rng.poisson(45, 20000)
    )
    r = wdd(target=(60, 40), control=(45, 50))
    assert r.se == pytest.approx(np.std(sims), rel=0.03)


def test_wdq_guerette_formulas():
    rb, ra, db, da, cb, ca = 120, 70, 90, 100, 400, 380
    r = wdq(target=(rb, ra), buffer=(db, da), control=(cb, ca))
    assert r.gross_effect == rb - ra
    assert r.net_effect == pytest.approx(rb / cb - ra / ca)
    assert r.success_measure == pytest.approx(ra / ca - rb / cb)
    assert r.buffer_measure == pytest.approx(da / ca - db / cb)
    assert r.wdq == pytest.approx((da / ca - db / cb) / (ra / ca - rb / cb))
    assert r.total_net_effect == pytest.approx((rb * ca / cb - ra) + (db * ca / cb - da))
    # buffer rose while target fell: displacement (negative WDQ), smaller than the gain
    assert -1 < r.wdq < 0


def test_wdq_diffusion_sign_and_zero_success():
    r = wdq(target=(100, 50), buffer=(80, 60), control=(200, 200))
    assert r.wdq == pytest.approx(0.4)
    assert r.total_net_effect == pytest.approx(70)
    assert math.isnan(wdq(target=(10, 10), buffer=(5, 6), control=(20, 20)).wdq)


def test_wdq_rejects_zero_control():
    with pytest.raises(ValueError, match="control"):
        wdq(target=(1, 2), buffer=(1, 1), control=(0, 3))


def test_wdd_requires_both_buffer_parts_and_pairs():
    with pytest.raises(ValueError, match="buffer_control"):
        wdd(target=(1, 2), control=(3, 4), buffer=(1, 1))
    with pytest.raises(ValueError, match="target"):
        wdd(target=(1, 2, 3), control=(3, 4))
    with pytest.raises(ValueError, match="area_weights"):
        wdd(target=(1, 2), control=(3, 4), area_weights=(1, 1))


# --- WDD with the controls scaled to the treated area's pre-period level (issue 14 item 3) --


def _scaled_reference(t, c, tau=1.0):
    """Closed form written out independently: (T1 - T0 C1/C0)/tau and its delta variance."""
    t0, t1 = t
    c0, c1 = c
    est = (t1 - t0 * c1 / c0) / tau
    grad = {  # d est / d count, each count Poisson
        "t1": 1.0, "t0": -c1 / c0, "c1": -t0 / c0, "c0": t0 * c1 / c0**2,
    }
    var = (grad["t1"] ** 2 * t1 + grad["t0"] ** 2 * t0 + grad["c1"] ** 2 * c1
           + grad["c0"] ** 2 * c0) / tau**2
    return est, math.sqrt(var)


def test_wdd_scaled_control_100x_gives_the_same_wdd_as_a_control_of_the_same_size():
    from hotspotwatch.analysis.evaluate import wdd_scaled

    t, c = (40, 55), (40, 44)  # control +10 %, treated +37.5 %
    same = wdd_scaled(target=t, control=c)
    big = wdd_scaled(target=t, control=(100 * c[0], 100 * c[1]))
    # closed form: 55 - 40 * 1.1 = 11 more events than the control's trend predicts
    assert same.local == pytest.approx(11.0)
    assert big.local == pytest.approx(11.0)
    assert big.estimate == pytest.approx(same.estimate)
    # a control of the same size is what Wheeler & Ratcliffe's unscaled form assumes
    assert wdd(target=t, control=c).local == pytest.approx(same.local)
    # the unscaled form with the 100x control is what went wrong: -385 beside a rise
    assert wdd(target=t, control=(4000, 4400)).local == pytest.approx(15 - 400)
    # variance: the larger control is more precise, never less
    _, se = _scaled_reference(t, c)
    assert same.local_se == pytest.approx(se)
    _, se_b = _scaled_reference(t, (4000, 4400))
    assert big.local_se == pytest.approx(se_b) and se_b < se
    assert big.scaling == "pre_level" and big.control_scale == pytest.approx(0.01)
    z = stats.norm.isf(0.025)
    assert big.local_ci_low == pytest.approx(11.0 - z * se_b)
    assert big.local_ci_high == pytest.approx(11.0 + z * se_b)


def test_wdd_scaled_time_weights_and_shared_buffer_control():
    from hotspotwatch.analysis.evaluate import wdd_scaled

    t, d, c = (120, 60), (80, 90), (3000, 2500)
    r = wdd_scaled(target=t, control=c, buffer=d, time_weights=(12, 8))
    # per post-period month: the pre-period length cancels in C1/C0
    assert r.local == pytest.approx((60 - 120 * 2500 / 3000) / 8)
    assert r.displacement == pytest.approx((90 - 80 * 2500 / 3000) / 8)
    assert r.estimate == pytest.approx(r.local + r.displacement)
    # the total shares one control: its variance is that of (T + D) against it
    _, se_total = _scaled_reference((200, 150), c, tau=8)
    assert r.se == pytest.approx(se_total)
    _, se_local = _scaled_reference(t, c, tau=8)
    assert r.local_se == pytest.approx(se_local)
    assert r.buffer_control_scale == pytest.approx(80 / 3000)
    # a separate buffer control: independent terms
    own = wdd_scaled(target=t, control=c, buffer=d, buffer_control=(900, 1000))
    assert own.displacement == pytest.approx(90 - 80 * 1000 / 900)
    assert own.se == pytest.approx(math.hypot(own.local_se, own.displacement_se))


def test_wdd_scaled_variance_matches_a_poisson_simulation():
    from hotspotwatch.analysis.evaluate import wdd_scaled

    rng = np.random.default_rng(11)
    n = 40000
    t0, t1 = rng.poisson(50, n), rng.poisson(40, n)
    c0, c1 = rng.poisson(900, n), rng.poisson(990, n)
    sims = t1 - t0 * c1 / c0
    r = wdd_scaled(target=(50, 40), control=(900, 990))
    assert r.local_se == pytest.approx(np.std(sims), rel=0.03)


def test_wdd_scaled_sign_is_that_of_the_did_rate_ratio():
    from hotspotwatch.analysis.evaluate import wdd_scaled

    rng = np.random.default_rng(5)
    for _ in range(200):
        t0, t1, c0, c1 = (int(v) for v in rng.integers(1, 400, 4))
        irr = (t1 / t0) / (c1 / c0)
        r = wdd_scaled(target=(t0, t1), control=(50 * c0, 50 * c1))
        assert np.sign(r.local) == np.sign(round(math.log(irr), 12))


def test_wdd_scaled_without_control_events_before_is_nan():
    from hotspotwatch.analysis.evaluate import wdd_scaled

    r = wdd_scaled(target=(3, 4), control=(0, 5))
    assert math.isnan(r.local) and math.isnan(r.estimate) and math.isnan(r.ci_low)


def test_wdd_scaled_variances_of_weighted_totals():
    from hotspotwatch.analysis.evaluate import wdd_scaled

    t, d, c = (30, 45), (20, 18), (600, 660)
    plain = wdd_scaled(target=t, control=c, buffer=d)
    # the same counts given as their own variances: Poisson, unchanged
    same = wdd_scaled(target=t, control=c, buffer=d,
                      variances={"target": t, "control": c, "buffer": d})
    assert same.se == pytest.approx(plain.se) and same.local_se == pytest.approx(plain.local_se)
    # every event weighs 3: totals x3, variances (sums of squared weights) x9
    w = 3.0
    sc = lambda p: (w * p[0], w * p[1])  # noqa: E731
    sq = lambda p: (w * w * p[0], w * w * p[1])  # noqa: E731
    r = wdd_scaled(target=sc(t), control=sc(c), buffer=sc(d),
                   variances={"target": sq(t), "control": sq(c), "buffer": sq(d)})
    assert r.local == pytest.approx(w * plain.local)
    assert r.local_se == pytest.approx(w * plain.local_se)
    assert r.se == pytest.approx(w * plain.se)
    with pytest.raises(ValueError, match="unknown"):
        wdd_scaled(target=t, control=c, variances={"treated": t})
