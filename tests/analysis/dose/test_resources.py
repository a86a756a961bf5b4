"""Resource totals: prorating by days of overlap, hand-computed."""

from __future__ import annotations

import datetime as dt
import math

import pytest

from hotspotwatch.analysis.dose.resources import ResourceTotals, resource_totals


def d(s: str) -> int:
    return dt.date.fromisoformat(s).toordinal()


def test_resource_totals_prorate_by_days_in_the_designated_windows() -> None:
    # A: 10-day police record, 5 of its days designated -> half; a prevention record
    # without cost; B: a record wholly inside two windows (a gap of 10 days in between).
    r = resource_totals(
        hotspot=["A", "A", "B", "C"],
        start_day=[d("2024-01-01"), d("2024-01-01"), d("2024-03-01"), d("2024-01-01")],
        end_day=[d("2024-01-10"), d("2024-01-10"), d("2024-03-30"), d("2024-01-31")],
        kind=["police", "prevention", "liveability", "police"],
        staff_hours=[100.0, 50.0, 300.0, 9.0],
        cost=[1000.0, math.nan, 3000.0, 9.0],
        simulated=[False, False, True, False],
        windows={
            "A": [(d("2024-01-06"), d("2024-01-20"))],
            "B": [(d("2024-03-01"), d("2024-03-10")), (d("2024-03-21"), d("2024-12-31"))],
        },
        currency="GBP",
    )
    assert isinstance(r, ResourceTotals)
    a, b = r.places
    assert (a.hotspot, a.staff_hours, a.cost, a.records) == ("A", 75.0, 500.0, 2)
    assert a.by_kind == {
        "police": {"staff_hours": 50.0, "cost": 500.0},
        "prevention": {"staff_hours": 25.0, "cost": 0.0},
    }
    # B: 20 of the record's 30 days are designated (1-10 and 21-30 March)
    assert b.staff_hours == pytest.approx(200.0)
    assert b.cost == pytest.approx(2000.0)
    # C has no window: left out of the strategy too
    assert r.staff_hours == pytest.approx(275.0)
    assert r.cost == pytest.approx(2500.0)
    assert (r.start, r.end, r.simulated, r.currency, r.records) == (
        "2024-01-06",
        "2024-03-30",
        True,
        "GBP",
        3,
    )
    assert ResourceTotals.from_dict(r.to_dict()) == r


def test_resource_totals_refuse_a_period_ending_before_it_starts() -> None:
    with pytest.raises(ValueError, match="ends before it starts"):
        resource_totals(
            hotspot=["A"],
            start_day=[5],
            end_day=[4],
            kind=["police"],
            staff_hours=[1.0],
            cost=[1.0],
            simulated=[False],
            windows={"A": [(0, 10)]},
        )
