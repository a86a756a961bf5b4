"""Time binning objects: each against an independent construction of the same bins."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest

from hotspotwatch.domain.designation import Period
from hotspotwatch.periods import (
    AnchoredMonth,
    CalendarMonth,
    Day,
    DesignationPeriod,
    Week,
    add_months,
    counts,
)

TZ = "Europe/Brussels"


def _instants(n: int = 3000, seed: int = 1) -> pd.DatetimeIndex:
    rng = np.random.default_rng(seed)
    base = pd.Timestamp("2022-12-25", tz="UTC")
    secs = rng.integers(0, 3 * 365 * 86400, n)
    return pd.DatetimeIndex(base + pd.to_timedelta(np.sort(secs), unit="s"))


def _local_dates(ts: pd.DatetimeIndex) -> list[dt.date]:
    return [t.tz_convert(TZ).date() for t in ts]


def test_calendar_month_matches_local_year_and_month() -> None:
    ts = _instants()
    bins = CalendarMonth(TZ)
    codes = bins.codes(ts)
    for code, day in zip(codes, _local_dates(ts), strict=True):
        assert bins.start(int(code)) == dt.date(day.year, day.month, 1)
    assert bins.days(bins.code_of(dt.date(2024, 2, 10))) == 29
    assert bins.label(bins.code_of(dt.date(2024, 2, 10))) == "2024-02"


def test_calendar_month_uses_local_time_at_midnight() -> None:
    # 23:30 UTC on 31 March is 01:30 on 1 April in Brussels (summer time)
    ts = pd.DatetimeIndex(["2024-03-31 23:30"], tz="UTC")
    assert CalendarMonth(TZ).start(int(CalendarMonth(TZ).codes(ts)[0])) == dt.date(2024, 4, 1)
    assert CalendarMonth("UTC").start(int(CalendarMonth("UTC").codes(ts)[0])) == dt.date(2024, 3, 1)


@pytest.mark.parametrize("anchor", [dt.date(2024, 3, 28), dt.date(2024, 1, 31), dt.date(2023, 2, 1)])
def test_anchored_month_brackets_every_day(anchor: dt.date) -> None:
    ts = _instants()
    bins = AnchoredMonth(anchor, TZ)
    for code, day in zip(bins.codes(ts), _local_dates(ts), strict=True):
        k = int(code)
        assert bins.start(k) <= day < bins.start(k + 1), (anchor, day, k)
        assert bins.code_of(day) == k


def test_anchored_month_equals_the_evaluation_design() -> None:
    from hotspotwatch.analysis.evaluate.design import month_days, month_index

    ts = _instants()
    anchor = dt.date(2024, 3, 28)
    np.testing.assert_array_equal(AnchoredMonth(anchor, TZ).codes(ts), month_index(ts, anchor, timezone=TZ))
    np.testing.assert_array_equal(AnchoredMonth(anchor, TZ).lengths(-12, 5), month_days(anchor, -12, 5))


def test_week_starts_on_monday_and_day_counts_days() -> None:
    ts = _instants()
    weeks, days = Week(TZ), Day(TZ)
    for w, d, day in zip(weeks.codes(ts), days.codes(ts), _local_dates(ts), strict=True):
        start = weeks.start(int(w))
        assert start.weekday() == 0 and start <= day < start + dt.timedelta(days=7)
        assert days.start(int(d)) == day


def test_designation_period_codes_and_gaps() -> None:
    periods = (Period(dt.date(2024, 3, 28), dt.date(2024, 10, 4)), Period(dt.date(2025, 1, 1), None))
    bins = DesignationPeriod(periods, TZ)
    ts = pd.DatetimeIndex(
        ["2024-03-27 12:00", "2024-03-28 12:00", "2024-10-03 12:00", "2024-10-04 12:00",
         "2025-06-01 12:00"], tz="UTC"
    )
    assert bins.codes(ts).tolist() == [-1, 0, 0, -1, 1]
    assert bins.days(0) == 190 and bins.days(1) is None


def test_counts_and_add_months() -> None:
    assert counts(np.array([-1, 0, 0, 3]), -1, 1).tolist() == [1.0, 2.0, 0.0]
    assert counts(np.array([0, 1]), 0, 1, weights=[0.5, 2.0]).tolist() == [0.5, 2.0]
    assert add_months(dt.date(2024, 3, 31), -1) == dt.date(2024, 2, 29)
