"""The ``dose.resources`` run and the public strategy totals, from imported resource files."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from hotspotwatch.testing import make_city
from hotspotwatch.workflows.resources import (
    import_resources,
    resources_spec,
    strategy_totals,
)
from hotspotwatch.workflows.runs import ensure_run

CSV = """hotspot,start,end,kind,staff_hours,cost,source
Hotspot 1,2022-01-01,2022-06-30,police,1810,181000,zone report
Hotspot 2,2022-07-01,2022-12-31,prevention,184,18400,BPS budget
"""


def test_strategy_totals_sum_the_designated_days_up_to_the_review(tmp_path: Path) -> None:
    ws = make_city(tmp_path / "ws", n_hotspots=2, scale=0.2)
    # Hotspot 1 designated from 2022-03-15, Hotspot 2 from 2022-07-03 (make_city)
    f = tmp_path / "resources.csv"
    f.write_text(CSV, encoding="utf-8")
    import_resources(ws, [f])
    assert strategy_totals(ws, until=dt.date(2022, 1, 31)) is None
    until = dt.date(2022, 12, 31)
    got = strategy_totals(ws, until=until)
    # Hotspot 1: 2022-03-15..06-30 = 108 of 181 days; Hotspot 2: 07-03..12-31 = 182 of 184
    h1 = 108 / 181
    h2 = 182 / 184
    assert got is not None
    assert got["staff_hours"] == pytest.approx(1810 * h1 + 184 * h2)
    assert got["cost"] == pytest.approx(181000 * h1 + 18400 * h2)
    assert (got["currency"], got["start"], got["end"], got["simulated"]) == (
        "EUR",
        "2022-03-15",
        "2022-12-31",
        False,
    )
    run = ensure_run(ws, resources_spec(ws, until=until))
    assert run.kind == "dose.resources"
    assert [p.hotspot for p in run.result.places] == ["Hotspot 1", "Hotspot 2"]
    assert run.result.place("Hotspot 1").by_kind["police"]["staff_hours"] == pytest.approx(
        1810 * h1
    )
    ws.close()
