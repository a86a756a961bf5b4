"""Simulated resource records of the Brussels scenario: periods, hand-computed figures, truth
totals, and every record accepted by the resource import's own rules."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pandas as pd
import pytest

from hotspotwatch.io.importer import read_source
from hotspotwatch.io.mapping import EventMapping
from hotspotwatch.io.resources import normalise_resources
from hotspotwatch.scenarios.brussels.resources import ResourceConfig, simulate_resources

SPOTS = {"A": {"designated": "2024-01-15"}, "B": {"designated": "2025-10-01"}}


def test_six_month_periods_and_hand_computed_figures_without_noise() -> None:
    cfg = ResourceConfig(noise_sigma=0.0)
    rec, truth = simulate_resources(SPOTS, seed=3, end=dt.date(2025, 12, 31), config=cfg)
    a = rec[rec["hotspot"] == "A"]
    assert list(
        a.drop_duplicates("start")[["start", "end"]].itertuples(index=False, name=None)
    ) == [
        ("2024-01-15", "2024-07-14"),
        ("2024-07-15", "2025-01-14"),
        ("2025-01-15", "2025-07-14"),
        ("2025-07-15", "2025-12-31"),
    ]
    b = rec[rec["hotspot"] == "B"].set_index("kind")
    days = 92  # 2025-10-01 .. 2025-12-31, cut at the end of the data
    assert b.loc["police", "staff_hours"] == pytest.approx(round(days * 56 / 60 * 2, 1))
    assert b.loc["police", "cost"] == pytest.approx(days * 56 / 60 * 2 * 62, abs=0.01)
    assert b.loc["prevention", "cost"] == pytest.approx(days * 1.0 * 2 * 38, abs=0.01)
    share = days / 182.5
    assert b.loc["liveability", "cost"] == pytest.approx(120 * share * 45 + 6000 * share, abs=0.01)
    assert truth["records"] == len(rec) == 3 * (4 + 1)
    assert truth["cost_eur"] == pytest.approx(rec["cost"].sum(), abs=0.01)
    assert truth["by_kind"]["police"]["staff_hours"] == pytest.approx(
        rec.loc[rec["kind"] == "police", "staff_hours"].sum(), abs=0.05
    )
    assert set(rec["source"]) == {"simulated"} and truth["simulated"] is True


def test_police_hours_follow_the_sessions_and_the_import_takes_every_record(
    tmp_path: Path,
) -> None:
    start = pd.Timestamp("2025-10-02 08:00", tz="UTC")
    sessions = pd.DataFrame(
        {
            "hotspot": ["B", "B", "A"],
            "unit_type": ["police_taskforce", "police_taskforce", "peacekeepers"],
            "started_at": [start, start + pd.Timedelta(days=1), start],
            "ended_at": [
                start + pd.Timedelta(minutes=30),
                start + pd.Timedelta(days=1, hours=1),
                start + pd.Timedelta(hours=2),
            ],
        }
    )
    rec, _ = simulate_resources(
        SPOTS,
        seed=3,
        end=dt.date(2025, 12, 31),
        sessions=sessions,
        config=ResourceConfig(noise_sigma=0.0),
    )
    b = rec[rec["hotspot"] == "B"].set_index("kind")
    assert b.loc["police", "staff_hours"] == pytest.approx(1.5 * 2)
    assert b.loc["prevention", "staff_hours"] == 0.0
    a = rec[(rec["hotspot"] == "A") & (rec["kind"] == "prevention")]
    assert list(a["staff_hours"]) == [0.0, 0.0, 0.0, 4.0]
    csv = tmp_path / "resources.csv"
    rec.to_csv(csv, index=False)
    stored, quarantine, _ = normalise_resources(
        read_source(csv, EventMapping(source="resources", category="other", name="resources")),
        hotspots={"A": None, "B": None},
    )
    assert len(stored) == len(rec) and len(quarantine) == 0
    assert bool(stored["simulated"].all())
