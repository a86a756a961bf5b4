"""Store behaviour on both backends (SQLite and PostgreSQL)."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest
import shapely

from hotspotwatch import Workspace, WorkspaceError


def _events(n: int = 5, *, source_ids: list[str] | None = None) -> pd.DataFrame:
    rng = np.random.default_rng(0)
    return pd.DataFrame(
        {
            "source_id": source_ids or [f"e{i}" for i in range(n)],
            "occurred_at": pd.date_range("2024-01-01 08:00", periods=n, freq="D", tz="UTC"),
            "x": 649000 + rng.uniform(0, 1000, n),
            "y": 665000 + rng.uniform(0, 1000, n),
            "category": ["shooting", "police_check", "prevention_contact", "assault", "nuisance"][
                :n
            ],
        }
    )


def test_add_events_counts_and_idempotence(workspace: Workspace) -> None:
    frame = _events()
    assert workspace.add_events(frame, source="s") == {
        "read": 5,
        "quarantined": 0,
        "inserted": 5,
        "updated": 0,
        "unchanged": 0,
    }
    assert workspace.add_events(frame, source="s")["unchanged"] == 5
    changed = frame.copy()
    changed.loc[2, "x"] += 10.0
    out = workspace.add_events(changed, source="s")
    assert (out["inserted"], out["updated"], out["unchanged"]) == (0, 1, 4)
    assert workspace.count_events() == 5
    # Same ids from another source are other events.
    assert workspace.add_events(frame, source="other")["inserted"] == 5
    assert workspace.count_events() == 10


def test_events_roundtrip_columns_roles_and_weights(workspace: Workspace) -> None:
    frame = _events()
    workspace.add_events(frame, source="s")
    ev = workspace.events()
    assert list(ev.columns[:6]) == ["event_id", "x", "y", "lon", "lat", "occurred_at"]
    assert str(ev["occurred_at"].dt.tz) == "UTC"
    assert ev.crs.to_epsg() == 3812
    np.testing.assert_allclose(ev["x"].to_numpy(), frame["x"].to_numpy())
    assert (ev["occurred_at"].to_numpy() == frame["occurred_at"].to_numpy()).all()
    assert ev.set_index("category")["role"].to_dict() == {
        "shooting": "harm",
        "police_check": "enforcement",
        "prevention_contact": "prevention",
        "assault": "harm",
        "nuisance": "harm",
    }
    assert ev.loc[ev.category == "shooting", "harm_weight"].iloc[0] == 100.0
    assert ev.loc[ev.category == "police_check", "harm_weight"].iloc[0] == 0.0
    # lon/lat computed from Lambert 2008: Brussels is near 4.3 E, 50.8 N
    assert ev["lon"].between(4.2, 4.5).all() and ev["lat"].between(50.7, 50.95).all()


def test_event_filters(workspace: Workspace) -> None:
    workspace.add_events(_events(), source="s")
    assert set(workspace.events(roles="harm")["category"]) == {"shooting", "assault", "nuisance"}
    assert set(workspace.events(roles=["enforcement", "prevention"])["category"]) == {
        "police_check",
        "prevention_contact",
    }
    assert list(workspace.events(categories=["assault"])["category"]) == ["assault"]
    # Local dates: 2024-01-02 00:00 Brussels = 2024-01-01 23:00 UTC; events at 08:00 UTC daily.
    win = workspace.events(start="2024-01-02", end="2024-01-04")
    assert list(win["source_id"]) == ["e1", "e2"]
    assert len(workspace.events(bbox=(0, 0, 1, 1))) == 0
    with pytest.raises(ValueError, match="did you mean 'shooting'"):
        workspace.events(categories=["shootings"])


def test_add_events_refuses_unknown_category_and_writes_nothing(workspace: Workspace) -> None:
    frame = _events()
    frame.loc[1, "category"] = "stabing"
    with pytest.raises(ValueError, match="did you mean 'stabbing'"):
        workspace.add_events(frame, source="s")
    assert workspace.count_events() == 0


def test_areas_hotspots_designations(workspace: Workspace) -> None:
    region = shapely.box(640000, 660000, 660000, 680000)
    workspace.add_areas(
        pd.DataFrame({"code": ["04000"], "name": ["Region"], "geometry": [region]}), "region"
    )
    assert workspace.area_layers() == ["region"]
    assert workspace.study_area().equals(region)
    assert workspace.extent() == (639000.0, 659000.0, 661000.0, 681000.0)
    with pytest.raises(KeyError, match="layers: region"):
        workspace.areas("police_zone")
    hid = workspace.add_hotspot(
        "Clemenceau", shapely.Point(650000, 666000).buffer(250), zone="5341", approximate=True
    )
    assert workspace.add_hotspot("Clemenceau", shapely.Point(650000, 666000).buffer(300)) == hid
    hs = workspace.hotspots()
    assert list(hs["name"]) == ["Clemenceau"]
    assert hs.geometry.iloc[0].area == pytest.approx(np.pi * 300**2, rel=0.01)
    workspace.add_designation(
        "Clemenceau",
        action="designate",
        start=dt.date(2024, 3, 28),
        end=dt.date(2024, 10, 3),
        body="CORES",
        decision_ref="MP order 2024-04-02",
    )
    workspace.add_designation(
        "Clemenceau",
        action="extend",
        start=dt.date(2024, 10, 4),
        end=dt.date(2025, 3, 3),
        body="CORES",
    )
    dec = workspace.designations()
    assert list(dec["action"]) == ["designate", "extend"]
    assert dec["start"].iloc[0] == dt.date(2024, 3, 28)
    periods = workspace.hotspot_periods()["Clemenceau"]
    assert len(periods) == 1 and periods[0].start == dt.date(2024, 3, 28)
    assert periods[0].end == dt.date(2025, 3, 4)
    with pytest.raises(KeyError, match="did you mean 'Clemenceau'"):
        workspace.add_designation(
            "Clemenceu", action="extend", start=dt.date(2025, 3, 4), body="CORES"
        )
    with pytest.raises(ValueError, match="before it starts"):
        workspace.add_designation(
            "Clemenceau",
            action="extend",
            start=dt.date(2025, 3, 4),
            end=dt.date(2025, 1, 1),
            body="CORES",
        )


def test_fingerprint_changes_with_data(workspace: Workspace) -> None:
    fp0 = workspace.data_fingerprint()
    workspace.add_events(_events(), source="s")
    fp1 = workspace.data_fingerprint()
    assert fp1 != fp0
    workspace.add_events(_events(), source="s")  # unchanged re-import...
    changed = _events()
    changed.loc[0, "y"] += 5
    workspace.add_events(changed, source="s")  # ...and a correction
    assert workspace.data_fingerprint() != fp1
    # typed stored runs: see tests/store/test_runs.py


def test_reopen_reads_same_data(workspace: Workspace) -> None:
    workspace.add_events(_events(), source="s")
    again = Workspace.open(workspace.path, database_url=workspace.config.database_url)
    assert again.count_events() == 5
    again.close()


def test_open_missing_workspace_says_how_to_create(tmp_path) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(WorkspaceError, match="hotspotwatch init"):
        Workspace.open(tmp_path / "nope")


def test_create_refuses_geographic_crs(tmp_path) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(WorkspaceError, match="geographic"):
        Workspace.create(tmp_path / "w", crs="EPSG:4326")
    with pytest.raises(WorkspaceError, match="IANA"):
        Workspace.create(tmp_path / "w2", timezone="Brussels/Nowhere")


def test_database_label_hides_the_password() -> None:
    from hotspotwatch.store.engine import display_url, make_engine

    engine = make_engine("postgresql+psycopg://analyst:s3cret@db.example:5432/hw")
    assert display_url(engine) == "postgresql+psycopg://analyst:***@db.example:5432/hw"
    engine.dispose()


def test_info_reports_the_store_through_the_workspace(workspace: Workspace) -> None:
    workspace.add_events(_events(), source="s")
    stats = workspace.event_stats()
    assert {c: v["count"] for c, v in stats.items()} == {
        "assault": 1,
        "nuisance": 1,
        "police_check": 1,
        "prevention_contact": 1,
        "shooting": 1,
    }
    assert stats["shooting"]["first"].startswith("2024-01-01 08:00")
    assert workspace.database_label().split(":")[0] in ("sqlite+pysqlite", "postgresql+psycopg")
