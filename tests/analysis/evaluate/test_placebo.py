"""Selection placebo: regression to the mean measured on undesignated units.

References: the estimator at each placebo date is the project's ``did`` (checked against
statsmodels in test_did.py); here the 2×2 closed form (ratio of ratios) is the reference for
one date, and the behaviour under Poisson noise follows from the design (ranking on the
window and leaving it out makes pre and post independent of the ranking).
"""

import math

import numpy as np
import pytest

from hotspotwatch.analysis.evaluate.placebo import SelectionPlacebo, selection_placebo


def _poisson(seed=3, n_units=500, rate=2.0, n_months=64, first=-44):
    rng = np.random.default_rng(seed)
    return rng.poisson(rate, size=(n_units, n_months)).astype(float), np.arange(
        first, first + n_months
    )


def test_one_date_is_the_ratio_of_ratios_of_the_chosen_units():
    panel, codes = _poisson(seed=11, n_units=60, n_months=40, first=-30)
    res = selection_placebo(
        panel, codes, n_select=5, selection_window=6, pre_months=12, post_months=6,
        offsets=(0,),
    )
    (d,) = res.dates
    assert d.pre == (-18, -7) and d.post == (0, 5)
    win = (codes >= -6) & (codes <= -1)
    chosen = np.argsort(-panel[:, win].sum(axis=1), kind="stable")[:5]
    # ties broken at random: the chosen set has the 5 largest window totals
    totals = panel[:, win].sum(axis=1)
    assert np.sort(totals[chosen]).tolist() == np.sort(totals)[-5:].tolist()
    pre = (codes >= -18) & (codes <= -7)
    post = (codes >= 0) & (codes <= 5)
    assert d.treated_pre + d.control_pre == pytest.approx(panel[:, pre].sum())
    assert d.treated_post + d.control_post == pytest.approx(panel[:, post].sum())
    hand = (d.treated_post / d.treated_pre) / (d.control_post / d.control_pre)
    assert math.exp(d.log_irr) == pytest.approx(hand, rel=1e-8)
    assert res.log_bias == pytest.approx(d.log_irr)
    assert res.se == pytest.approx(d.se)


def test_default_design_shows_no_bias_and_the_naive_one_shows_the_trap():
    hits_default = 0
    for seed in range(20):
        panel, codes = _poisson(seed=seed)
        ok = selection_placebo(panel, codes, n_select=15)
        hits_default += ok.ci_low <= 1.0 <= ok.ci_high
        naive = selection_placebo(panel, codes, n_select=15, pre_months=12, exclude_window=False)
        # the chosen units' window is in the naive pre-period: a spurious "reduction"
        assert naive.ratio < 0.9 and naive.detected
        assert naive.method == "naive" and ok.method == "default"
    # the mean-variance standard error is conservative: coverage at least nominal
    assert hits_default >= 18


def test_correction_removes_the_bias_and_widens():
    panel, codes = _poisson(seed=5)
    naive = selection_placebo(panel, codes, n_select=15, pre_months=12, exclude_window=False)
    b, se = naive.correct(naive.log_bias, 0.1)
    assert b == pytest.approx(0.0, abs=1e-12)
    assert se == pytest.approx(math.hypot(0.1, naive.se))


def test_dates_without_a_full_window_or_baseline_are_skipped():
    panel, codes = _poisson(n_months=30, first=-20)
    res = selection_placebo(panel, codes, n_select=5, pre_months=24, min_pre_months=12)
    # window 6 + at least 12 months of baseline: only offsets down to -2 fit; 0 does
    assert [d.offset for d in res.dates] == [0]
    assert res.dates[0].pre == (-20, -7)
    short = selection_placebo(panel[:, :15], codes[:15], n_select=5)
    assert not short.available and math.isnan(short.ratio) and not short.detected


def test_round_trip_and_errors():
    panel, codes = _poisson(n_units=80)
    res = selection_placebo(panel, codes, n_select=4)
    back = SelectionPlacebo.from_dict(res.to_dict())
    assert back.dates == res.dates and back.ratio == pytest.approx(res.ratio)
    with pytest.raises(ValueError, match="consecutive"):
        selection_placebo(panel, codes[::-1], n_select=4)
    with pytest.raises(ValueError, match="n_select"):
        selection_placebo(panel, codes, n_select=0)
    with pytest.raises(ValueError, match="shape"):
        selection_placebo(panel[:, :-1], codes, n_select=4)


# --- the check inside evaluate_frames -------------------------------------------------------

import datetime as dt  # noqa: E402

import pandas as pd  # noqa: E402
from shapely.geometry import Point, box  # noqa: E402

from hotspotwatch.analysis.evaluate.selection import (  # noqa: E402
    SelectionCheck,
    apply_selection_checks,
)
from hotspotwatch.analysis.evaluate.strategy import (  # noqa: E402
    StrategyEvaluation,
    evaluate_frames,
)

DESIGNATED = dt.date(2024, 3, 1)


def _city_with_transient_peaks(seed=7, spike=2.5):
    """A 10 × 10 km city of 500 m cells where every cell has one 6-month peak of harm.

    Places chosen at their peak then fall back by themselves: the mechanism of the trap.
    """
    rng = np.random.default_rng(seed)
    months = pd.date_range("2020-01-01", "2024-12-01", freq="MS")
    n_side, size = 20, 500.0
    n_cells = n_side * n_side
    start = rng.integers(0, months.size - 6, size=n_cells)
    rate = np.full((n_cells, months.size), 3.0)
    k = np.arange(months.size)
    rate[(k >= start[:, None]) & (k < start[:, None] + 6)] *= spike
    n = rng.poisson(rate)
    cell = np.repeat(np.repeat(np.arange(n_cells), months.size), n.ravel())
    month = np.repeat(np.tile(np.arange(months.size), n_cells), n.ravel())
    lengths = np.asarray((months + pd.offsets.MonthBegin(1) - months).days, dtype=float)
    t = months[month] + pd.to_timedelta(rng.uniform(0, 1, cell.size) * lengths[month], "D")
    ev = pd.DataFrame({
        "x": (cell % n_side) * size + rng.uniform(0, size, cell.size),
        "y": (cell // n_side) * size + rng.uniform(0, size, cell.size),
        "occurred_at": t.tz_localize("UTC"), "category": "assault", "role": "harm",
    })
    hs = pd.DataFrame({"name": ["A", "B"],
                       "geometry": [Point(1250, 1250).buffer(250), Point(8750, 8750).buffer(250)]})
    des = pd.DataFrame({"hotspot": ["A", "B"], "action": "designate",
                        "start": DESIGNATED, "end": None})
    return ev, hs, des, box(0, 0, n_side * size, n_side * size)


@pytest.fixture(scope="module")
def peaks():
    return _city_with_transient_peaks()


def test_evaluation_reports_the_check_and_the_naive_trap(peaks):
    ev, hs, des, area = peaks
    kw = dict(timezone="UTC", until=dt.date(2024, 12, 31), synth_donors=0, pre_months=12)
    res = evaluate_frames(ev, hs, des, area, **kw)
    (check,) = res.selection
    assert check.designated == DESIGNATED and check.places == ("A", "B")
    assert check.default.method == "default" and check.naive.method == "naive"
    # ranking on the window and leaving it out of the pre-period: the peak is not credited
    assert check.naive.ratio < 0.85 and check.naive.detected
    assert abs(math.log(check.default.ratio)) < abs(math.log(check.naive.ratio)) / 2
    assert [d.offset for d in check.naive.dates][:2] == [0, -6]
    # the stored shape round-trips, the check included
    back = StrategyEvaluation.from_dict(res.to_dict())
    assert back.selection == res.selection
    off = evaluate_frames(ev, hs, des, area, selection_placebo=False, **kw)
    assert off.selection == ()


def test_a_design_that_keeps_the_window_is_corrected_by_its_placebo(peaks):
    ev, hs, des, area = peaks
    kw = dict(timezone="UTC", until=dt.date(2024, 12, 31), synth_donors=0, pre_months=12)
    naive = evaluate_frames(ev, hs, des, area, selection_window_months=0, **kw)
    raw = evaluate_frames(ev, hs, des, area, selection_window_months=0,
                          selection_placebo=False, **kw)
    (check,) = naive.selection
    assert check.corrected and check.default.method == "naive"
    for fixed, plain in zip(naive.hotspots, raw.hotspots, strict=True):
        assert fixed.did.log_irr == pytest.approx(plain.did.log_irr - check.default.log_bias)
        assert fixed.did.se == pytest.approx(math.hypot(plain.did.se, check.default.se))
        assert fixed.did.cov.endswith("+selection")
        lo = math.exp(fixed.did.log_irr - 1.959963984540054 * fixed.did.se)
        assert fixed.did.ci_low == pytest.approx(lo)


def test_apply_leaves_places_of_an_uncorrected_date_alone(peaks):
    ev, hs, des, area = peaks
    res = evaluate_frames(ev, hs, des, area, timezone="UTC", until=dt.date(2024, 12, 31),
                          synth_donors=0, selection_placebo=False)
    (check,) = evaluate_frames(ev, hs, des, area, timezone="UTC", until=dt.date(2024, 12, 31),
                               synth_donors=0).selection
    kept = SelectionCheck(check.designated, check.places, check.default, check.naive, False)
    assert apply_selection_checks(list(res.hotspots), [kept]) == list(res.hotspots)
