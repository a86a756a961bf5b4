"""The evaluation reads time precision and data coverage (issue 14 item 1).

- Month-precision events (every event on the 1st of its month) are counted in calendar
  months: the designation month is a transition month, left out; the post-period ends with
  the last whole month; anchored months are refused.
- A month a source does not cover is missing, not zero: it is left out of the comparison
  and listed.
"""

from __future__ import annotations

import datetime as dt
import json
import math

import numpy as np
import pandas as pd
import pytest

from hotspotwatch.analysis.evaluate.months import month_plan, source_coverage
from hotspotwatch.periods import CalendarMonth
from hotspotwatch.testing import make_city
from hotspotwatch.workflows.evaluate import evaluate_strategy

UNTIL = dt.date(2023, 12, 20)  # inside December: the calendar rule stops at 30 November
GAP = [dt.date(2023, 2, 1), dt.date(2023, 3, 1), dt.date(2023, 4, 1)]


@pytest.fixture(scope="module")
def month_city(tmp_path_factory):
    ws = make_city(tmp_path_factory.mktemp("m") / "c", precision="month", seed=4)
    yield ws
    ws.close()


@pytest.fixture(scope="module")
def day_city(tmp_path_factory):
    ws = make_city(tmp_path_factory.mktemp("d") / "c", precision="day", seed=4)
    yield ws
    ws.close()


def test_month_precision_is_evaluated_on_calendar_months(month_city):
    # the months rule alone: no selection window, a 12-month baseline (both tested below)
    res = evaluate_strategy(
        month_city, until=UNTIL, record=False, pre_months=12, selection_window_months=0
    )
    data = json.loads(json.dumps(res.to_dict()))
    assert data["time_precision"] == "month" and data["period_rule"] == "calendar_months"
    assert data["missing_months"] == []
    des = month_city.designations().set_index("hotspot")["start"]
    assert res.hotspots
    for h in res.hotspots:
        designated = pd.Timestamp(des[h.name]).date()
        assert h.designated == designated and designated.day != 1
        assert all(m.day == 1 for m in h.series.months)
        # the designation month is left out: partly before, partly after
        assert h.transition_month == designated.replace(day=1)
        k = h.series.months.index(h.transition_month)
        assert h.series.codes[k] == -1 and h.series.exposure[k] == 0
        assert math.isnan(h.series.treated[k]) and math.isnan(h.series.control[k])
        # month 0 is the first whole month after designation
        assert h.series.months[h.series.codes.index(0)] == (
            pd.Timestamp(designated) + pd.offsets.MonthBegin(1)).date()
        # still pre_months whole months before, and whole months after, up to 30 November
        pre = [c for c in h.series.codes if c < -1]
        assert len(pre) == 12
        assert h.last_day == dt.date(2023, 11, 30) and h.series.months[-1] == dt.date(2023, 11, 1)
        for m, d in zip(h.series.months, h.series.days, strict=True):
            if m != h.transition_month:
                assert d == CalendarMonth("UTC").days(CalendarMonth("UTC").code_of(m))
        assert data["hotspots"][res.hotspots.index(h)]["period_rule"] == "calendar_months"
    assert res.region is not None and res.region.n_missing == 1  # the transition month
    # by default: the 6 calendar months before the designation month are left out (NaN,
    # no days), and the 24-month baseline before them falls back to the months the data have
    dflt = evaluate_strategy(month_city, until=UNTIL, record=False)
    for h in dflt.hotspots:
        codes = np.asarray(h.series.codes)
        window = (codes >= -7) & (codes <= -2)
        assert np.isnan(h.series.treated[window]).all() and (h.series.days[window] == 0).all()
        assert h.pre_months == int((codes < -7).sum()) <= 24
        assert h.pre_start == h.series.months[0]


def test_calendar_months_on_month_precision_equal_those_on_day_precision(month_city, day_city):
    # the same simulated events, dated on their day or on the 1st of their month: on
    # calendar months every event falls in the same month, so every number is the same
    m = evaluate_strategy(month_city, until=UNTIL, record=False)
    d = evaluate_strategy(day_city, until=UNTIL, record=False, months="calendar")
    assert d.time_precision == "day" and d.period_rule == "calendar_months"
    for a, b in zip(m.hotspots, d.hotspots, strict=True):
        assert a.name == b.name
        np.testing.assert_array_equal(a.series.treated, b.series.treated)
        np.testing.assert_array_equal(a.series.control, b.series.control)
        assert a.did.irr == pytest.approx(b.did.irr, rel=1e-9)
        assert a.wdd.local == pytest.approx(b.wdd.local, rel=1e-9)
    # on anchored months the day-precision city counts differently (months start mid-month)
    anchored = evaluate_strategy(day_city, until=UNTIL, record=False)
    assert anchored.period_rule == "anchored_months"
    assert anchored.hotspots[0].series.months[0].day != 1


def test_anchored_months_on_month_precision_are_refused(month_city):
    with pytest.raises(ValueError, match=r"month precision.*calendar months"):
        evaluate_strategy(month_city, until=UNTIL, record=False, months="anchored")


def test_cli_refuses_anchored_months_on_month_precision(month_city):
    from typer.testing import CliRunner

    from hotspotwatch.cli.main import app

    out = CliRunner().invoke(app, ["evaluate", "--workspace", str(month_city.path),
                                   "--months", "anchored", "--until", UNTIL.isoformat()])
    assert out.exit_code == 2, out.output
    assert "month precision" in out.output
    ok = CliRunner().invoke(app, ["evaluate", "--workspace", str(month_city.path),
                                  "--until", UNTIL.isoformat(), "--json"])
    assert ok.exit_code == 0, ok.output
    data = json.loads(ok.output)
    assert data["time_precision"] == "month" and data["period_rule"] == "calendar_months"


# --- a source that stops delivering for some months ----------------------------------------


def _wardens(ws, gap: list[dt.date]) -> int:
    """A second harm source: about 2 assaults a day everywhere, none in the gap months."""
    rng = np.random.default_rng(9)
    ev = ws.events()
    x0, x1 = ev["x"].min(), ev["x"].max()
    y0, y1 = ev["y"].min(), ev["y"].max()
    days = pd.date_range("2021-01-01", "2023-12-31", freq="D")
    days = days[~days.to_period("M").to_timestamp().isin(pd.DatetimeIndex(gap))]
    n = 2 * len(days)
    when = rng.choice(days, n) + pd.to_timedelta(rng.integers(8, 20, n), "h")
    frame = pd.DataFrame({
        "source_id": [f"w{i}" for i in range(n)],
        "occurred_at": pd.DatetimeIndex(when).tz_localize("Europe/Paris").tz_convert("UTC"),
        "x": rng.uniform(x0, x1, n), "y": rng.uniform(y0, y1, n), "category": "assault",
    })
    ws.add_events(frame, source="wardens")
    return n


@pytest.fixture(scope="module")
def gap_city(tmp_path_factory):
    ws = make_city(tmp_path_factory.mktemp("g") / "c", seed=6)
    _wardens(ws, GAP)
    yield ws
    ws.close()


def test_months_a_source_does_not_cover_are_missing_not_zero(gap_city):
    # missing months alone (the selection window, also NaN, is tested with month precision)
    res = evaluate_strategy(gap_city, until=UNTIL, record=False, selection_window_months=0)
    data = json.loads(json.dumps(res.to_dict()))
    assert data["time_precision"] == "instant" and data["period_rule"] == "anchored_months"
    assert data["missing_months"] == [{"source": "wardens", "month": m.isoformat()} for m in GAP]
    assert set(res.coverage.sources) == {"synthetic", "wardens"}
    for h in res.hotspots:
        s = h.series
        starts = list(s.months)
        ends = [*starts[1:], h.last_day + dt.timedelta(days=1)]
        # every anchored month overlapping a gap month is left out, and only those
        hit = [any(a <= g + pd.offsets.MonthEnd(0) and g < b for g in map(pd.Timestamp, GAP))
               for a, b in zip(map(pd.Timestamp, starts), map(pd.Timestamp, ends), strict=True)]
        expected = tuple(m for m, on in zip(starts, hit, strict=True) if on)
        assert h.missing_months == expected and len(expected) == 4  # 3 months, 4 overlaps
        assert data["hotspots"][res.hotspots.index(h)]["missing_months"] == [
            m.isoformat() for m in expected]
        gone = np.array(hit)
        assert np.isnan(s.treated[gone]).all() and np.isnan(s.control[gone]).all()
        assert (s.exposure[gone] == 0).all() and np.isfinite(s.treated[~gone]).all()
        assert all(np.isnan(r.counts[gone]).all() for r in h.rings)
        # the DiD fits only the covered months: on its 2x2 totals, exactly (T1 C0)/(T0 C1)
        assert h.did.n_periods == int((~gone).sum())
        pre, post = ~gone & (np.asarray(s.codes) < 0), ~gone & (np.asarray(s.codes) >= 0)
        t0, t1 = s.treated[pre].sum(), s.treated[post].sum()
        c0, c1 = s.control[pre].sum(), s.control[post].sum()
        assert (h.treated_pre, h.treated_post) == (t0, t1)
        assert h.did.irr == pytest.approx((t1 * c0) / (t0 * c1), rel=1e-6)
        assert h.post_months == pytest.approx(s.exposure[post].sum())
    assert res.region is not None and res.region.n_missing == 4  # anchored months, as above


def test_a_zero_counted_gap_would_have_biased_the_rate_ratio(gap_city, tmp_path):
    # the same data read as if the gap were zero (one source name for both): the post
    # period loses a share of its events and the rate ratio moves; masking avoids it
    res = evaluate_strategy(gap_city, until=UNTIL, record=False)
    ev = gap_city.events()
    ev["source"] = "one"
    cov = source_coverage(ev["source"], ev["occurred_at"], ev["role"] == "harm",
                          timezone="Europe/Paris", last=UNTIL)
    assert cov.missing() == []  # merged, the gap cannot be seen: why coverage is per source
    from hotspotwatch.analysis.evaluate.strategy import evaluate_frames

    merged = evaluate_frames(ev, gap_city.hotspots(), gap_city.designations(),
                             gap_city.study_area(), timezone="Europe/Paris", until=UNTIL)
    assert merged.coverage.missing() == []
    assert all(h.missing_months == () for h in merged.hotspots)
    for a, b in zip(res.hotspots, merged.hotspots, strict=True):
        gone = np.isin(np.asarray(a.series.months), np.asarray(a.missing_months))
        assert gone.sum() == 4
        # the same counts where the sources cover the months ...
        np.testing.assert_array_equal(a.series.control[~gone], b.series.control[~gone])
        # ... fewer in the gap, where only one source delivered: read as data, not missing
        full = b.series.control[~gone][np.asarray(a.series.codes)[~gone] >= 0].mean()
        assert b.series.control[gone].sum() < 0.85 * full * gone.sum()
        assert not math.isclose(a.did.irr, b.did.irr, rel_tol=1e-6)


def test_month_plan_and_coverage_units():
    p = month_plan(dt.date(2024, 3, 1), dt.date(2024, 6, 30), 3, "calendar_months")
    assert (p.anchor, p.lo, p.hi, p.transition) == (dt.date(2024, 3, 1), -3, 3, None)
    assert month_plan(dt.date(2024, 3, 15), dt.date(2024, 4, 20), 3, "calendar_months") is None
    a = month_plan(dt.date(2024, 3, 15), dt.date(2024, 4, 20), 3, "anchored_months")
    assert (a.lo, a.hi, a.days[-1]) == (-3, 1, 6.0)  # 15-20 April, partial
    ts = pd.DatetimeIndex(["2024-01-31 23:30", "2024-03-01"], tz="UTC")
    cov = source_coverage(["a", "a"], ts, [True, True], timezone="Europe/Paris",
                          last=dt.date(2024, 4, 2))
    # 23:30 UTC on 31 January is 1 February in Paris: January is not in the span
    assert cov.months[0] == dt.date(2024, 2, 1)
    assert cov.missing() == [("a", dt.date(2024, 4, 1))]
