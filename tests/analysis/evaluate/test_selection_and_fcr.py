"""Issue 16: the selection window, the baseline used, too-early places and FCR intervals.

References: Benjamini & Yekutieli (2005, JASA 100, 71-81) for the false-coverage-rate
adjusted level, computed here by hand on small examples and with scipy's normal quantiles;
statsmodels' ``multipletests`` for the BH selection; :func:`did` refitted by hand on the
months the evaluation keeps for the selection window.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import math

import numpy as np
import pytest
from scipy import stats
from shapely.geometry import box
from statsmodels.stats.multitest import multipletests
from tests.analysis.evaluate.test_strategy import UNTIL, WIDTHS, _frames
from tests.workflows.evaluate_fixture import X0, Y0

from hotspotwatch.analysis.evaluate.did import did, did_interval
from hotspotwatch.analysis.evaluate.strategy import StrategyEvaluation, evaluate_frames
from hotspotwatch.analysis.evaluate.verdict import (
    LABELS,
    NEAR_THRESHOLD_LOG,
    downgrade_to_uncertain,
    fcr_alpha,
    near_threshold,
    too_early_reason,
    verdict,
)

AREA = box(X0, Y0, X0 + 10_000, Y0 + 10_000)


@pytest.fixture(scope="module")
def frames():
    return _frames()


@pytest.fixture(scope="module")
def result(frames) -> StrategyEvaluation:
    ev, hs, des = frames
    return evaluate_frames(ev, hs, des, AREA, buffer_widths=WIDTHS, until=UNTIL)


# ------------------------------------------------------------------------------ FCR level


def test_fcr_level_is_r_q_over_m_on_a_hand_example():
    # BH at q = 0.05 with m = 5: thresholds 0.01, 0.02, 0.03, 0.04, 0.05; the step-up
    # selects the 3 smallest (0.029 <= 0.03 although 0.021 > 0.02)
    p = [0.004, 0.021, 0.029, 0.2, 0.7]
    a, r, m = fcr_alpha(p, alpha=0.05)
    assert (r, m) == (3, 5) and a == pytest.approx(3 * 0.05 / 5, rel=1e-15)
    assert r == int(multipletests(p, alpha=0.05, method="fdr_bh")[0].sum())
    # no place selected: the Bonferroni level q/m for everyone
    assert fcr_alpha([0.3, 0.5, 0.9], alpha=0.05) == (pytest.approx(0.05 / 3), 0, 3)
    # BY divides by c(m) = 1 + 1/2 + ... + 1/m
    a_by, r_by, _ = fcr_alpha(p, alpha=0.05, method="fdr_by")
    c5 = 1 + 1 / 2 + 1 / 3 + 1 / 4 + 1 / 5
    assert r_by == int(multipletests(p, alpha=0.05, method="fdr_by")[0].sum())
    assert a_by == pytest.approx(max(r_by, 1) * 0.05 / (5 * c5), rel=1e-15)
    assert fcr_alpha(p, alpha=0.05, method="holm")[0] == pytest.approx(0.01)
    assert fcr_alpha(p, alpha=0.05, method="none")[0] == 0.05
    # NaN p-values are not tested: not counted in m
    assert fcr_alpha([0.004, math.nan], alpha=0.05) == (0.05, 1, 1)


def test_adjusted_wald_interval_matches_scipy_quantiles():
    r = did([40, 20, 400, 410], unit=[0, 0, 1, 1], time=[0, 1, 0, 1],
            treated=[1, 1, 0, 0], post=[0, 1, 0, 1], cov="model")
    a = 3 * 0.05 / 17
    z = stats.norm.ppf(1 - a / 2)
    lo, hi = did_interval(r, a)
    assert lo == pytest.approx(math.exp(r.log_irr - z * r.se), rel=1e-12)
    assert hi == pytest.approx(math.exp(r.log_irr + z * r.se), rel=1e-12)
    assert did_interval(r, 0.05) == pytest.approx((r.ci_low, r.ci_high), rel=1e-12)
    # closed form of the 2x2 Poisson DiD: log IRR = log((T1/T0)/(C1/C0)),
    # SE^2 = 1/T0 + 1/T1 + 1/C0 + 1/C1
    se = math.sqrt(1 / 40 + 1 / 20 + 1 / 400 + 1 / 410)
    assert r.se == pytest.approx(se, rel=1e-6)
    assert lo == pytest.approx((20 / 40) / (410 / 400) * math.exp(-z * se), rel=1e-6)


def test_bh_selected_exactly_when_adjusted_interval_excludes_one():
    # Wald z-tests of many places: a place is selected by BH iff its FCR interval at
    # 1 - R q / m lies clear of 1 (BY 2005, section 5); the verdict read from it agrees
    rng = np.random.default_rng(16)
    for _ in range(200):
        m = int(rng.integers(2, 25))
        beta = rng.normal(0, 0.4, m) * (rng.uniform(size=m) < 0.5)
        se = rng.uniform(0.1, 0.5, m)
        b_hat = beta + se * rng.normal(size=m)
        p = 2 * stats.norm.sf(np.abs(b_hat / se))
        a, r, _ = fcr_alpha(p, alpha=0.05)
        reject = multipletests(p, alpha=0.05, method="fdr_bh")[0]
        assert r == int(reject.sum())
        z = stats.norm.isf(a / 2)
        lo, hi = np.exp(b_hat - z * se), np.exp(b_hat + z * se)
        np.testing.assert_array_equal((lo > 1) | (hi < 1), reject)
        for i in range(m):
            v = verdict(math.exp(b_hat[i]), 0, 0, ci_low_adjusted=lo[i], ci_high_adjusted=hi[i],
                        adjusted_alpha=a)
            assert v.label == ("reduction" if hi[i] < 1 else "increase" if lo[i] > 1
                               else "no_detectable_change")


# ------------------------------------------------------------------------- verdict rules


def test_too_early_rule_and_its_precedence():
    assert too_early_reason(5.9, 0.8) == "post_months"
    assert too_early_reason(6.0, 0.8) == ""
    assert too_early_reason(12.0, 0.49) == "mdr"  # only a fall of more than 50 %
    assert too_early_reason(12.0, 0.5) == ""
    assert too_early_reason(12.0, math.nan) == "mdr"  # nothing detectable
    assert too_early_reason(12.0, 0.3, max_mdr=1.0) == ""
    v = verdict(0.3, 0.1, 0.6, ci_low_adjusted=0.08, ci_high_adjusted=0.7, too_early="mdr")
    assert v.label == "too_early" and v.reason == "mdr" and not v.near_threshold
    assert (v.ci_low_adjusted, v.ci_high_adjusted) == (0.08, 0.7)  # numbers kept


def test_near_threshold_margin_on_the_log_scale():
    edge = math.exp(-NEAR_THRESHOLD_LOG)
    assert near_threshold(0.5, edge * 1.0001) and not near_threshold(0.5, edge * 0.999)
    assert near_threshold(1 / edge * 0.9999, 3.0) and not near_threshold(1.06, 3.0)
    v = verdict(0.8, 0.7, 0.96, ci_low_adjusted=0.65, ci_high_adjusted=0.97)
    assert v.label == "reduction" and v.near_threshold


def test_downgrade_to_uncertain_keeps_numbers_and_too_early():
    v = verdict(0.7, 0.55, 0.9, ci_low_adjusted=0.5, ci_high_adjusted=0.95)
    u = downgrade_to_uncertain(v, reason="synthetic_control")
    assert u.label == "uncertain" and u.reason == "synthetic_control"
    assert dataclasses.replace(u, label=v.label, reason="") == v
    early = verdict(0.7, 0.55, 0.9, too_early="post_months")
    assert downgrade_to_uncertain(early, reason="synthetic_control") is early
    with pytest.raises(ValueError, match="reason"):
        downgrade_to_uncertain(v, reason="")
    assert set(LABELS) == {"reduction", "no_detectable_change", "increase", "too_early",
                           "uncertain"}


# ------------------------------------------------------------ evaluate_frames end to end


def test_every_verdict_agrees_with_its_adjusted_interval(result):
    assert len(result.hotspots) == 3
    p = [h.did.p_value for h in result.hotspots if h.verdict.label != "too_early"]
    a, _, m = fcr_alpha(p, alpha=0.05)
    for h in result.hotspots:
        v = h.verdict
        assert v.adjusted_alpha == pytest.approx(a) and m == len(p)
        assert (v.ci_low_adjusted, v.ci_high_adjusted) == pytest.approx(
            did_interval(h.did, a), rel=1e-12)
        assert v.ci_low_adjusted <= v.ci_low <= v.ci_high <= v.ci_high_adjusted
        if v.label == "reduction":
            assert v.ci_high_adjusted < 1
        elif v.label == "increase":
            assert v.ci_low_adjusted > 1
        elif v.label == "no_detectable_change":
            assert v.ci_low_adjusted <= 1 <= v.ci_high_adjusted
    assert result.hotspot("North").verdict.label == "reduction"  # planted 0.4


def test_selection_window_months_are_neither_before_nor_after(result, frames):
    # refit the DiD by hand on the months kept: the window months are not in the panel
    for h in result.hotspots:
        s = h.series
        codes = np.asarray(s.codes)
        window = (codes >= -6) & (codes < 0)
        kept = np.isfinite(s.treated)
        np.testing.assert_array_equal(kept, ~window)  # no missing months in this city
        n = int(kept.sum())
        unit = np.repeat([0, 1], n)
        ref = did(np.concatenate([s.treated[kept], s.control[kept]]), unit=unit,
                  time=np.tile(np.arange(n), 2), treated=unit == 0,
                  post=np.tile(codes[kept] >= 0, 2), exposure=np.tile(s.exposure[kept], 2))
        assert h.did.irr == pytest.approx(ref.irr, rel=1e-10)
        assert h.did.se == pytest.approx(ref.se, rel=1e-10)
        assert h.treated_pre == s.treated[kept & (codes < 0)].sum()
    # the window changes the estimate: without it, the months just before count as "before"
    ev, hs, des = frames
    kept_all = evaluate_frames(ev, hs, des, AREA, buffer_widths=WIDTHS, until=UNTIL,
                               selection_window_months=0, names=["North"])
    h0 = kept_all.hotspot("North")
    assert h0.selection_window_months == 0 and np.isfinite(h0.series.treated).all()
    assert h0.did.irr != result.hotspot("North").did.irr


def test_baseline_falls_back_to_the_data_and_records_it(result):
    # events from 2023-01-01; designations 2024-03-28 (North, South) and 2024-01-15 (East):
    # 24 months are asked for, the whole months after the data start are used
    north, east = result.hotspot("North"), result.hotspot("East")
    assert (north.pre_start, north.pre_end) == (dt.date(2023, 1, 28), dt.date(2023, 9, 27))
    assert north.pre_months == 8 and north.selection_window_months == 6
    assert (east.pre_start, east.pre_end) == (dt.date(2023, 1, 15), dt.date(2023, 7, 14))
    assert east.pre_months == 6
    assert result.parameters["pre_months"] == 24
    d = result.to_dict()["hotspots"][0]["design"]
    assert d["pre_months"] == 8 and d["pre_start"] == "2023-01-28"
    assert d["selection_window_months"] == 6


def test_too_short_a_baseline_is_not_evaluated(frames):
    ev, hs, des = frames
    # data from June 2023: before East's window (from 15 July 2023) one whole month
    # exists, before North's and South's (from 28 September 2023) three
    early = ev[ev["occurred_at"] >= "2023-06-01"]
    res = evaluate_frames(early, hs, des, AREA, until=UNTIL)
    assert res.parameters["not_evaluated"] == ["East"]
    assert {h.name for h in res.hotspots} == {"North", "South"}
    assert res.hotspot("North").pre_months == 3


def test_recent_place_is_too_early_and_keeps_numeric_intervals(frames):
    ev, hs, des = frames
    des = des.copy()
    des.loc[des["hotspot"] == "South", "start"] = dt.date(2024, 8, 1)  # 3.7 months
    res = evaluate_frames(ev, hs, des, AREA, until=UNTIL)
    south = res.hotspot("South")
    v = south.verdict
    assert south.post_months < 6 and v.label == "too_early" and v.reason == "post_months"
    assert math.isnan(south.p_adjusted)  # not tested: not in the family
    row = next(h for h in res.to_dict()["hotspots"] if h["name"] == "South")
    assert row["verdict"] == "too_early" and row["verdict_reason"] == "post_months"
    for key in ("ci_low", "ci_high", "ci_low_adjusted", "ci_high_adjusted"):
        assert isinstance(row[key], float) and math.isfinite(row[key])
    # the family is the two others: m = 2
    a, _, m = fcr_alpha([h.did.p_value for h in res.hotspots if h.name != "South"])
    assert m == 2 and v.adjusted_alpha == pytest.approx(a)
    # a strict MDR bound makes every place too early, none gets a verdict of change
    strict = evaluate_frames(ev, hs, des, AREA, until=UNTIL, max_mdr=0.01)
    assert {h.verdict.label for h in strict.hotspots} == {"too_early"}


def test_json_keeps_unadjusted_interval_and_adds_adjusted(result):
    for h, row in zip(result.hotspots, result.to_dict()["hotspots"], strict=True):
        assert (row["ci_low"], row["ci_high"]) == (h.did.ci_low, h.did.ci_high)
        assert row["ci_low_adjusted"] == h.verdict.ci_low_adjusted
        assert row["ci_high_adjusted"] == h.verdict.ci_high_adjusted
        assert row["adjusted_level"] == pytest.approx(1 - h.verdict.adjusted_alpha)
        assert row["near_threshold"] is h.verdict.near_threshold
        assert row["verdict"] in LABELS
        assert {"ci_low_adjusted", "ci_high_adjusted", "near_threshold"} <= set(row["buffer"])
    pooled = result.to_dict()["pooled"]
    assert (pooled["ci_low_adjusted"], pooled["ci_high_adjusted"]) == (
        pooled["ci_low"], pooled["ci_high"])


def test_with_verdict_redoes_the_buffer_label(result):
    north = result.hotspot("North")
    u = north.with_verdict(downgrade_to_uncertain(north.verdict, reason="synthetic_control"))
    assert u.verdict.label == "uncertain"
    assert u.buffer_verdict.label not in ("displacement", "diffusion")
    back = StrategyEvaluation.from_dict(
        dataclasses.replace(result, hotspots=(u, *result.hotspots[1:])).to_dict())
    assert back.hotspot("North").verdict == u.verdict
