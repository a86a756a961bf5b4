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
