"""evaluate_frames on plain frames: the typed result, its JSON inverse and its series.

The series are checked against independent counts: months from ``dateutil.relativedelta``,
ring membership from the distance to each hotspot's centre (the hotspots are discs).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import math

import numpy as np
import pandas as pd
import pytest
from dateutil.relativedelta import relativedelta
from shapely.geometry import Point, box
from tests.workflows.evaluate_fixture import CENTRES, DESIGNATED, X0, Y0, make_events

from hotspotwatch.analysis.evaluate.strategy import StrategyEvaluation, evaluate_frames
from hotspotwatch.store.runs import canonical

RADIUS = 250.0
WIDTHS = (250.0, 250.0)
UNTIL = dt.date(2024, 11, 20)


def _frames() -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    ev = make_events(background_per_day=15)
    ev["role"] = np.where(ev["category"] == "assault", "harm", "enforcement")
    rng = np.random.default_rng(3)
    # outreach contacts around North (prevention dose) in a second category
    n = 300
    days = pd.to_datetime("2023-02-01") + pd.to_timedelta(rng.integers(0, 650, n), "D")
    prev = pd.DataFrame(
        {
            "x": CENTRES["North"][0] + rng.uniform(-150, 150, n),
            "y": CENTRES["North"][1] + rng.uniform(-150, 150, n),
            "occurred_at": days.tz_localize("UTC") + pd.Timedelta(hours=12),
            "category": "prevention_contact",
            "role": "prevention",
            "source_id": [f"p{i}" for i in range(n)],
        }
    )
    ev = pd.concat([ev, prev], ignore_index=True)
    ev["harm_weight"] = np.where(ev["role"] == "harm", 2.0, 0.0)
    hs = pd.DataFrame(
        {
            "name": list(CENTRES),
            "geometry": [Point(*c).buffer(RADIUS, quad_segs=32) for c in CENTRES.values()],
        }
    )
    des = pd.DataFrame(
        {"hotspot": list(CENTRES), "action": "designate", "start": DESIGNATED, "end": None}
    )
    des.loc[des["hotspot"] == "East", "start"] = dt.date(2024, 1, 15)
    return ev, hs, des


@pytest.fixture(scope="module")
def frames() -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    return _frames()


@pytest.fixture(scope="module")
def result(frames) -> StrategyEvaluation:
    ev, hs, des = frames
    area = box(X0, Y0, X0 + 10_000, Y0 + 10_000)
    return evaluate_frames(ev, hs, des, area, buffer_widths=WIDTHS, until=UNTIL)


def test_from_dict_inverts_to_dict_through_stored_json(result):
    d = result.to_dict()
    # as the store keeps it: canonical JSON (whole floats written as integers)
    stored = json.loads(json.dumps(canonical(d)))
    back = StrategyEvaluation.from_dict(stored)
    assert back.to_dict() == d
    assert StrategyEvaluation.from_dict(d).to_dict() == d
    assert StrategyEvaluation.schema_version == 10
    for a, b in zip(result.hotspots, back.hotspots, strict=True):
        assert b.post_months == a.post_months  # exact, though the JSON shows it rounded
        assert b.verdict == a.verdict and b.buffer_verdict == a.buffer_verdict
        assert b.did == a.did and b.buffer_did == a.buffer_did
        assert b.series.days.dtype == float and b.rings[1].counts.dtype == float
        np.testing.assert_array_equal(b.dose_series.counts, a.dose_series.counts)
    assert back.pooled_verdict == result.pooled_verdict
    assert back.parameters["until"] == UNTIL


def test_pooled_fixed_matches_statsmodels_common_effect(result):
    """``pooled.fixed``: inverse-variance pooling of the places' DiD log IRRs, equal to
    statsmodels' ``combine_effects`` "fixed effect" row (rel 1e-9); REML keys unchanged."""
    from statsmodels.stats.meta_analysis import combine_effects

    usable = [h for h in result.hotspots if math.isfinite(h.did.log_irr) and h.did.se > 0]
    y = np.array([h.did.log_irr for h in usable])
    v = np.array([h.did.se**2 for h in usable])
    sm = combine_effects(y, v, method_re="iterated")
    lo, hi = sm.conf_int(use_t=False)[0]
    p = result.to_dict()["pooled"]
    fixed = p["fixed"]
    assert fixed["irr"] == pytest.approx(math.exp(sm.mean_effect_fe), rel=1e-9)
    assert fixed["ci_low"] == pytest.approx(math.exp(lo), rel=1e-9)
    assert fixed["ci_high"] == pytest.approx(math.exp(hi), rel=1e-9)
    assert fixed["common_effect"]["k"] == len(usable) == p["k"]
    assert {"irr", "ci_low", "ci_high", "tau2", "i2", "random_effects", "verdict"} <= set(p)
    # the random-effects interval is never narrower (tau2 >= 0)
    assert p["ci_high"] / p["ci_low"] >= fixed["ci_high"] / fixed["ci_low"] * (1 - 1e-12)


def test_from_dict_reads_a_result_without_pooled_fixed(result):
    """A schema-9 shape (no ``pooled.fixed``) still loads; ``pooled_fixed`` is then None."""
    d = result.to_dict()
    del d["pooled"]["fixed"]
    back = StrategyEvaluation.from_dict(d)
    assert back.pooled_fixed is None and back.pooled_verdict == result.pooled_verdict
    assert back.to_dict() == d


def test_no_sentences_are_stored(result):
    text = json.dumps(result.to_dict())
    assert "verdict_text" not in text
    assert "CI" not in text and "strategy (all hotspots)" not in text


def test_new_keys_and_hotspot_accessor(result, frames):
    h = result.to_dict()["hotspots"][0]
    assert {"last_day", "series", "rings", "dose_series"} <= set(h)
    assert set(h["series"]) == {
        "months", "codes", "days", "exposure", "treated", "control", "n_controls"
    }
    assert result.hotspot("East") is not None and result.hotspot("East").name == "East"
    assert result.hotspot("East", outcome="shooting") is None
    assert result.hotspot("Nowhere") is None
    ev, hs, des = frames
    area = box(X0, Y0, X0 + 10_000, Y0 + 10_000)
    one = evaluate_frames(ev, hs, des, area, until=UNTIL, names=["East"], outcome=["assault"])
    assert one.hotspot("East", ["assault"]) is one.hotspots[0]
    assert one.hotspot("East", "assault") is one.hotspots[0] and one.hotspot("East") is None


@pytest.mark.parametrize("name", list(CENTRES))
def test_months_and_days_are_anchored_on_the_designation_day(result, frames, name):
    h = result.hotspot(name)
    first = h.designated
    s = h.series
    # the baseline that exists (data from 2023-01-01: fewer than 24 months), then the
    # 6-month selection window, left out (NaN counts, no days)
    lo = -(h.pre_months + h.selection_window_months)
    assert h.selection_window_months == 6 and 3 <= h.pre_months < 24
    assert s.codes == tuple(range(lo, len(s.codes) + lo))
    assert s.months == tuple(first + relativedelta(months=k) for k in s.codes)
    assert s.months[0] >= dt.date(2023, 1, 1) > s.months[0] - relativedelta(months=1)
    assert (h.pre_start, h.pre_end) == (s.months[0], first - relativedelta(months=6)
                                        - dt.timedelta(days=1))
    window = np.isin(s.codes, range(-6, 0))
    assert np.isnan(s.treated[window]).all() and np.isfinite(s.treated[~window]).all()
    assert h.last_day == UNTIL
    ends = [first + relativedelta(months=k + 1) for k in s.codes]
    ends[-1] = UNTIL + dt.timedelta(days=1)  # partial last month
    days = [0 if w else (e - m).days for m, e, w in zip(s.months, ends, window, strict=True)]
    assert s.days.tolist() == days
    np.testing.assert_allclose(s.exposure, s.days / (365.25 / 12), rtol=1e-15)
    assert h.post_months == pytest.approx(s.exposure[s.codes.index(0):].sum(), rel=1e-15)


def _month_of(local: pd.Series, months: tuple[dt.date, ...], last: dt.date) -> np.ndarray:
    edges = [pd.Timestamp(m) for m in months] + [pd.Timestamp(last + dt.timedelta(days=1))]
    return np.searchsorted(np.array(edges, dtype="datetime64[ns]"), local.to_numpy(), "right") - 1


@pytest.mark.parametrize("name", list(CENTRES))
def test_series_match_independent_counts(result, frames, name):
    ev, _, _ = frames
    h = result.hotspot(name)
    s = h.series
    local = ev["occurred_at"].dt.tz_convert("Europe/Brussels").dt.tz_localize(None).dt.normalize()
    month = _month_of(local, s.months, h.last_day)
    n_m = len(s.months)
    valid = (month >= 0) & (month < n_m)
    cx, cy = CENTRES[name]
    dist = np.hypot(ev["x"].to_numpy() - cx, ev["y"].to_numpy() - cy)
    harm = (ev["role"] == "harm").to_numpy()
    pre = np.asarray(s.codes) < 0
    kept = np.isfinite(s.treated)  # the selection window is left out

    def per_month(mask: np.ndarray) -> np.ndarray:
        return np.where(kept, np.bincount(month[mask & valid], minlength=n_m), np.nan)

    # the polygon is a 128-gon inscribed in the circle: events within 0.5 m of a boundary
    # may fall either side
    for lo, hi, got in [(0.0, RADIUS, s.treated)] + [
        (r.inner_m + RADIUS, r.outer_m + RADIUS, r.counts) for r in h.rings
    ]:
        inside = harm & (dist > lo) & (dist <= hi) if lo else harm & (dist <= hi)
        near = harm & valid & ((np.abs(dist - lo) < 0.5) | (np.abs(dist - hi) < 0.5))
        np.testing.assert_array_equal(np.isnan(got), ~kept)
        diff = np.nansum(np.abs(per_month(inside) - got))
        assert diff <= near.sum(), (name, lo, hi)
        assert np.nansum(got) > 0  # every ring has events, the second one too
    pre &= kept
    post = ~pre & kept
    assert (h.treated_pre, h.treated_post) == (s.treated[pre].sum(), s.treated[post].sum())
    ring0 = h.rings[0]
    assert (h.buffer_pre, h.buffer_post) == (ring0.pre, ring0.post)
    assert (ring0.pre, ring0.post) == (ring0.counts[pre].sum(), ring0.counts[post].sum())
    assert (h.control_pre, h.control_post) == (s.control[pre].sum(), s.control[post].sum())
    assert s.n_controls == h.n_controls
    assert [(r.inner_m, r.outer_m) for r in h.rings] == [(0.0, 250.0), (250.0, 500.0)]
    assert all(r.wkt.startswith(("POLYGON", "MULTIPOLYGON")) for r in h.rings)


def test_rings_are_adjacent_and_cumulative(result):
    from shapely import wkt

    h = result.hotspot("North")
    r0, r1 = (wkt.loads(r.wkt) for r in h.rings)
    assert r0.intersection(r1).area < 1.0
    outer = Point(*CENTRES["North"]).buffer(RADIUS + 500)
    inner = Point(*CENTRES["North"]).buffer(RADIUS)
    assert (r0.union(r1)).area == pytest.approx(outer.area - inner.area, rel=2e-3)


def test_dose_series_per_category_inside_the_perimeter(result, frames):
    ev, _, _ = frames
    h = result.hotspot("North")
    ds = h.dose_series
    assert ds.categories == ("police_check", "prevention_contact")
    assert ds.roles == ("enforcement", "prevention")
    assert ds.counts.shape == (2, len(h.series.months))
    local = ev["occurred_at"].dt.tz_convert("Europe/Brussels").dt.tz_localize(None).dt.normalize()
    month = _month_of(local, h.series.months, h.last_day)
    cx, cy = CENTRES["North"]
    dist = np.hypot(ev["x"].to_numpy() - cx, ev["y"].to_numpy() - cy)
    for i, cat in enumerate(ds.categories):
        m = (ev["category"] == cat).to_numpy() & (dist < RADIUS - 0.5)
        m &= (month >= 0) & (month < len(h.series.months))
        ref = np.bincount(month[m], minlength=len(h.series.months))
        near = (ev["category"] == cat).to_numpy() & (np.abs(dist - RADIUS) < 0.5)
        kept = np.isfinite(h.series.treated)
        np.testing.assert_array_equal(np.isnan(ds.counts[i]), ~kept)
        assert np.abs(ds.counts[i] - ref)[kept].sum() <= near.sum()
    pre = (np.asarray(h.series.codes) < 0) & kept
    pre_len = h.series.exposure[pre].sum()
    assert h.dose["prevention_pre_per_month"] == pytest.approx(ds.counts[1, pre].sum() / pre_len)
    assert np.nansum(ds.counts[1]) > 100
    east = result.hotspot("East").dose_series
    assert east.categories == ds.categories and np.nansum(east.counts[1]) == 0


def test_weighted_series_count_harm_weights(frames):
    ev, hs, des = frames
    area = box(X0, Y0, X0 + 10_000, Y0 + 10_000)
    plain = evaluate_frames(ev, hs, des, area, until=UNTIL, names=["North"])
    weighted = evaluate_frames(ev, hs, des, area, until=UNTIL, names=["North"], weighted=True)
    a, b = plain.hotspot("North"), weighted.hotspot("North")
    np.testing.assert_allclose(b.series.treated, 2.0 * a.series.treated)
    np.testing.assert_allclose(b.rings[0].counts, 2.0 * a.rings[0].counts)
    # dose is counted in events, weighted or not
    np.testing.assert_array_equal(b.dose_series.counts, a.dose_series.counts)
    assert math.isclose(b.did.irr, a.did.irr, rel_tol=1e-6)
    # every harm weight is 2: the WDD doubles, and so does its standard error (the
    # variance of a weighted total is the sum of squared weights, 4 per event, not 2)
    for key in ("local", "local_se", "displacement", "estimate", "se"):
        assert getattr(b.wdd, key) == pytest.approx(2 * getattr(a.wdd, key)), key
    assert b.wdd.z == pytest.approx(a.wdd.z)


def test_designation_window_follows_the_decisions():
    from hotspotwatch.analysis.evaluate.strategy import designation_window

    d = dt.date
    des = pd.DataFrame(
        {
            "hotspot": ["A", "A", "A", "B", "B", "C"],
            "action": ["designate", "extend", "end", "designate", "designate", "designate"],
            "start": [d(2024, 1, 1), d(2024, 7, 1), d(2024, 9, 10), d(2024, 1, 1),
                      d(2024, 8, 1), d(2025, 1, 1)],
            "end": [d(2024, 6, 30), None, None, d(2024, 3, 31), None, None],
        }
    )
    until = d(2024, 12, 31)
    # the extension is adjacent (merged); the end decision stops it the day before
    assert designation_window(des, "A", until=until) == (d(2024, 1, 1), d(2024, 9, 9))
    # a gap: the post-period is the first continuous spell, its end inclusive
    assert designation_window(des, "B", until=until) == (d(2024, 1, 1), d(2024, 3, 31))
    assert designation_window(des, "B", until=d(2024, 2, 10)) == (d(2024, 1, 1), d(2024, 2, 10))
    assert designation_window(des, "C", until=until) is None
    assert designation_window(des, "Z", until=until) is None


def test_an_ended_designation_stops_the_count_on_its_last_day(frames):
    ev, hs, des = frames
    des = pd.concat(
        [des, pd.DataFrame({"hotspot": ["North"], "action": ["end"],
                            "start": [dt.date(2024, 8, 11)], "end": [None]})],
        ignore_index=True,
    )
    area = box(X0, Y0, X0 + 10_000, Y0 + 10_000)
    h = evaluate_frames(ev, hs, des, area, until=UNTIL, names=["North"]).hotspot("North")
    assert h.last_day == dt.date(2024, 8, 10)
    s = h.series
    assert s.months[-1] == dt.date(2024, 7, 28) and s.days[-1] == 14.0
    local = ev["occurred_at"].dt.tz_convert("Europe/Brussels").dt.tz_localize(None).dt.normalize()
    cx, cy = CENTRES["North"]
    inside = (np.hypot(ev["x"] - cx, ev["y"] - cy) < RADIUS - 0.5) & (ev["role"] == "harm")
    last_month = (local >= pd.Timestamp("2024-07-28")) & (local <= pd.Timestamp("2024-08-10"))
    after = (local > pd.Timestamp("2024-08-10")) & (local < pd.Timestamp("2024-08-28"))
    assert int((inside & after).sum()) > 0  # there are events the count must leave out
    assert s.treated[-1] == pytest.approx(int((inside & last_month).sum()), abs=1)


def test_each_hotspot_carries_its_synthetic_control(result):
    for h in result.hotspots:
        sc = h.synth
        assert sc is not None
        assert 0 < sc.donors <= 200
        assert result.parameters["synth_donors"] == 200
        d = h.to_dict()["synth"]
        assert list(d)[:7] == [
            "irr", "ci_low", "ci_high", "p_value", "donors", "pre_rmspe", "weights_top"
        ]
        assert len(d["weights_top"]) <= 5
        # the observed series the SC compares (synthetic + gap) ends with the DiD's months
        observed = sc.synthetic + sc.gap
        n = len(h.series.codes)
        # the selection window is in neither fit (NaN in the DiD's series, not fitted by SC)
        fitted = np.isfinite(observed[-n:]) & np.isfinite(h.series.treated)
        assert fitted.sum() >= n - 6
        np.testing.assert_allclose(observed[-n:][fitted], h.series.treated[fitted])
        assert sc.pre_months >= h.pre_months - 6  # the selection window is left out
        post = np.asarray(h.series.codes) >= 0
        assert sc.irr == pytest.approx(
            np.nansum(h.series.treated[post]) / np.nansum(sc.synthetic[-n:][post]), rel=1e-12
        )
        # weights are cell ids of the control grid with positive weights summing to one
        assert sum(w for _, w in sc.weights) == pytest.approx(1.0, abs=1e-9)


def test_synthetic_control_can_be_switched_off(frames):
    ev, hs, des = frames
    area = box(X0, Y0, X0 + 10_000, Y0 + 10_000)
    res = evaluate_frames(ev, hs, des, area, buffer_widths=WIDTHS, until=UNTIL, synth_donors=0)
    assert all(h.synth is None for h in res.hotspots)
    assert all(h["synth"] is None for h in res.to_dict()["hotspots"])


def test_the_synthetic_control_leaves_out_the_selection_window(frames, result):
    ev, hs, des = frames
    area = box(X0, Y0, X0 + 10_000, Y0 + 10_000)
    none = evaluate_frames(
        ev, hs, des, area, buffer_widths=WIDTHS, until=UNTIL, selection_window_months=0
    )
    assert result.parameters["selection_window_months"] == 6
    for a, b in zip(result.hotspots, none.hotspots, strict=True):
        assert a.synth is not None and b.synth is not None
        # the same long pre-period, less its last 6 months
        assert a.synth.pre_months == b.synth.pre_months - 6
        codes = np.arange(-24, 0)  # the long pre-period's months (synth_pre_months)
        window = codes >= -6
        assert np.isnan(a.synth.gap[:24][window]).all()
        assert np.isfinite(b.synth.gap[:24][window]).all()
        # the DiD leaves the same months out of both its series (neither before nor after)
        dw = np.isin(a.series.codes, range(-6, 0))
        assert np.isnan(a.series.treated[dw]).all() and np.isfinite(b.series.treated).all()
        assert a.did.irr != b.did.irr


def test_a_contradicting_synthetic_control_makes_the_verdict_uncertain(result):
    from hotspotwatch.analysis.evaluate.strategy import synth_check
    from hotspotwatch.analysis.evaluate.synth import disagreement
    from hotspotwatch.analysis.evaluate.verdict import verdict

    h = result.hotspots[0]
    assert h.synth is not None
    # the evaluation applied the rule: no place that the rule contradicts keeps its label
    for r in result.hotspots:
        if r.verdict.label not in ("uncertain", "too_early"):
            assert disagreement(r.verdict.label, r.verdict.irr, r.synth) is None
        if r.verdict.label == "uncertain":
            assert r.verdict.reason == "synthetic_control"
    reduction = dataclasses.replace(h, verdict=verdict(0.7, 0.6, 0.8, p_value=0.001))
    for (irr, lo, hi), label in (
        ((1.0, 0.9, 1.1), "uncertain"),  # no change, and 0.7 ruled out
        ((1.3, 1.1, 1.5), "uncertain"),  # the other way
        ((0.8, 0.6, 1.05), "reduction"),  # less precise, compatible
        ((0.72, 0.6, 0.85), "reduction"),  # agrees
    ):
        sc = dataclasses.replace(h.synth, irr=irr, ci_low=lo, ci_high=hi)
        out = synth_check(dataclasses.replace(reduction, synth=sc))
        assert out.verdict.label == label
        assert out.verdict.irr == 0.7 and out.verdict.ci_low == 0.6  # numbers kept
        if label == "uncertain":
            assert out.verdict.reason == "synthetic_control"
            assert out.buffer_verdict.label in ("no_detectable_change", "rise_around", "fall_around")
            back = type(h).from_dict(json.loads(json.dumps(canonical(out.to_dict()))))
            assert back.verdict.label == "uncertain"
            assert back.verdict.reason == "synthetic_control"
    # a place without a synthetic control keeps its verdict
    assert synth_check(dataclasses.replace(reduction, synth=None)).verdict.label == "reduction"


def test_report_pooled_context_exposes_the_fixed_interval(result):
    """``pooled_context(...)["fixed"]``: the stored fixed-weight ratio and interval, formatted."""
    from hotspotwatch.report.context import pooled_context
    from hotspotwatch.report.disclosure import Disclosure
    from hotspotwatch.report.fmt import Fmt

    fixed = result.to_dict()["pooled"]["fixed"]
    ctx = pooled_context(Fmt("en", Disclosure("council", 5)), result)
    assert ctx is not None and ctx["fixed"] == {
        "irr": f"{fixed['irr']:.2f}",
        "ci": f"{fixed['ci_low']:.2f} – {fixed['ci_high']:.2f}",
    }
    no_fixed = dataclasses.replace(result, pooled_fixed=None)
    assert pooled_context(Fmt("en", Disclosure("council", 5)), no_fixed)["fixed"] is None
