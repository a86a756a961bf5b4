"""The renewal report's data preparation (workflows/report.py) against brute-force counts."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import shapely
from shapely.geometry import Point, box

from hotspotwatch import Workspace
from hotspotwatch.workflows.report import (
    evaluation_counts,
    gather_renewal,
    quarantine_by_source,
)

DATA = Path(__file__).resolve().parents[1] / "data"


def _small_workspace(path: Path) -> Workspace:
    """Two square zones, one circular hotspot designated 2024-03-28, seeded events."""
    ws = Workspace.create(path, crs="EPSG:3812", timezone="Europe/Brussels", name="Test")
    zones = pd.DataFrame(
        {
            "code": ["A", "B"],
            "name": ["Zone A", "Zone B"],
            "geometry": [box(0, 0, 2000, 2000), box(2000, 0, 4000, 2000)],
        }
    )
    ws.add_areas(zones, "police_zone")
    ws.add_areas(
        pd.DataFrame({"code": ["R"], "name": ["Region"], "geometry": [box(0, 0, 4000, 2000)]}),
        "region",
    )
    ws.add_hotspot("Centre", Point(1000, 1000).buffer(200), zone="A")
    ws.add_designation(
        "Centre",
        action="designate",
        start=dt.date(2024, 3, 28),
        end=dt.date(2024, 9, 27),
        body="Council",
    )
    rng = np.random.default_rng(7)
    n = 3000
    t0 = pd.Timestamp("2023-03-01", tz="Europe/Brussels")
    frame = pd.DataFrame(
        {
            "source_id": [f"e{i}" for i in range(n)],
            "x": np.r_[rng.normal(1000, 250, n // 2), rng.uniform(0, 4000, n - n // 2)],
            "y": np.r_[rng.normal(1000, 250, n // 2), rng.uniform(0, 2000, n - n // 2)],
            "occurred_at": t0 + pd.to_timedelta(rng.integers(0, 550 * 86400, n), unit="s"),
            "category": rng.choice(["assault", "nuisance", "police_check", "arrest"], n),
        }
    )
    ws.add_events(frame, source="test")
    return ws


@pytest.fixture
def small_ws(tmp_path: Path):
    ws = _small_workspace(tmp_path / "ws")
    yield ws
    ws.close()


def test_monthly_counts_match_a_brute_force_count_in_local_months(small_ws):
    data = gather_renewal(small_ws, until="2024-08-31", run_evaluation=False)
    (sec,) = data.hotspots
    ev = small_ws.events(roles="harm")
    local = ev["occurred_at"].dt.tz_convert("Europe/Brussels")
    inside = shapely.contains_xy(sec.geometry, ev["x"].to_numpy(), ev["y"].to_numpy())
    month = local.dt.strftime("%Y-%m")
    for i, m in enumerate(sec.monthly.months):
        key = m.strftime("%Y-%m")
        assert sec.monthly.treated[i] == int(((month == key) & inside).sum()), key
    # The ring (250 m outside the perimeter) never double-counts perimeter events.
    ring = Point(1000, 1000).buffer(450).difference(sec.geometry)
    in_ring = shapely.contains_xy(ring, ev["x"].to_numpy(), ev["y"].to_numpy())
    key = sec.monthly.months[5].strftime("%Y-%m")
    assert abs(sec.monthly.buffer[5] - int(((month == key) & in_ring).sum())) <= 2


def test_before_after_and_dose_counts_match_a_brute_force_count(small_ws):
    data = gather_renewal(small_ws, until="2024-08-31", run_evaluation=False)
    (sec,) = data.hotspots
    ev = small_ws.events()
    local = ev["occurred_at"].dt.tz_convert("Europe/Brussels").dt.date
    inside = shapely.contains_xy(sec.geometry, ev["x"].to_numpy(), ev["y"].to_numpy())
    before = (local >= dt.date(2023, 3, 28)) & (local < dt.date(2024, 3, 28))
    after = (local >= dt.date(2024, 3, 28)) & (local <= dt.date(2024, 8, 31))
    harm = (ev["role"] == "harm").to_numpy()
    treated = next(r for r in sec.outcome_table if r.area == "treated")
    assert treated.before == int((inside & harm & before).sum())
    assert treated.after == int((inside & harm & after).sum())
    dose = {cat: (b, a) for _role, cat, b, a in sec.dose}
    is_check = (ev["category"] == "police_check").to_numpy()
    assert dose["police_check"] == (
        int((inside & is_check & before).sum()),
        int((inside & is_check & after).sum()),
    )
    # Enforcement is never an outcome: it is not in the monthly harm series.
    assert sec.monthly.treated.sum() <= int((inside & harm).sum())


def test_coverage_counts_every_event_by_zone_and_month(small_ws):
    data = gather_renewal(small_ws, until="2024-08-31", run_evaluation=False)
    ev = small_ws.events(start=data.pre_start, end=dt.date(2024, 9, 1))
    assert int(data.coverage.to_numpy().sum()) == len(ev)
    in_a = shapely.contains_xy(box(0, 0, 2000, 2000), ev["x"].to_numpy(), ev["y"].to_numpy())
    assert int(data.coverage.loc["A"].sum()) == int(in_a.sum())


def test_outcome_table_uses_the_counts_the_evaluation_reports(small_ws):
    evaluation = {
        "id": 1,
        "parameters": {"buffer_widths": [250.0], "pre_months": 12},
        "result": {
            "hotspots": [
                {
                    "name": "Centre",
                    "outcome": "harm",
                    "irr": 0.8,
                    "ci_low": 0.6,
                    "ci_high": 1.1,
                    "p_value": 0.2,
                    "verdict": "no_detectable_change",
                    "counts": {
                        "treated_pre": 101,
                        "treated_post": 77,
                        "buffer_pre": 55,
                        "buffer_post": 60,
                        "control_pre": 900,
                        "control_post": 880,
                    },
                }
            ],
            "pooled": None,
        },
    }
    data = gather_renewal(small_ws, until="2024-08-31", evaluation=evaluation)
    table = {r.area: (r.before, r.after) for r in data.hotspots[0].outcome_table}
    assert table == {"treated": (101, 77), "buffer": (55, 60), "control": (900, 880)}


def test_evaluation_counts_reads_both_stored_shapes():
    assert evaluation_counts({"counts": {"treated_pre": 3, "treated_post": 4}}) == {
        "treated": (3.0, 4.0)
    }
    assert evaluation_counts({"wdd": {"target": [5, 6], "control": {"before": 7, "after": 8}}}) == {
        "treated": (5.0, 6.0),
        "control": (7.0, 8.0),
    }


def test_quarantine_by_source_matches_the_import_reports(tmp_path):
    from hotspotwatch.workflows.ingest import import_events

    ws = Workspace.create(tmp_path / "q", crs="EPSG:3812", timezone="Europe/Brussels")
    ws.add_areas(
        pd.DataFrame(
            {"code": ["R"], "name": ["R"], "geometry": [box(640000, 660000, 660000, 680000)]}
        ),
        "region",
    )
    reports = import_events(
        ws, [DATA / "generic_events.csv"], mapping=DATA / "generic_mapping.toml"
    )
    table = quarantine_by_source(ws)
    (row,) = table.itertuples(index=False)
    assert row.source == reports[0].source
    assert row.read == reports[0].read
    assert row.quarantined == reports[0].quarantined
    assert row.inserted == reports[0].inserted + reports[0].updated + reports[0].unchanged
    assert sum(n for _reason, n in row.reasons) <= row.quarantined
    ws.close()


def test_gather_refuses_a_workspace_without_hotspots_and_a_bad_date(tmp_path, small_ws):
    empty = Workspace.create(tmp_path / "empty")
    with pytest.raises(ValueError, match="no hotspots"):
        gather_renewal(empty, run_evaluation=False)
    with pytest.raises(ValueError, match="until must be a date"):
        gather_renewal(small_ws, until="last month", run_evaluation=False)
    empty.close()
