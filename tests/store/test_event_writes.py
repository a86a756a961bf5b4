"""The one event-write path (store/event_writes.py), on both backends."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from pyproj import Transformer

from hotspotwatch import Workspace
from hotspotwatch.io.mapping import EventMapping
from hotspotwatch.store import event_writes
from hotspotwatch.store.hashing import row_hash
from hotspotwatch.workflows.ingest import import_events


def _frame(n: int = 4) -> pd.DataFrame:
    rng = np.random.default_rng(1)
    return pd.DataFrame(
        {
            "source_id": [f"r{i}" for i in range(n)],
            "occurred_at": pd.date_range("2024-02-01 09:30", periods=n, freq="D", tz="UTC"),
            "x": np.round(649000 + rng.uniform(0, 1000, n), 3),
            "y": np.round(665000 + rng.uniform(0, 1000, n), 3),
            "category": ["shooting", "assault", "police_check", "nuisance"][:n],
        }
    )


def test_complete_events_fills_lonlat_precision_attrs_and_hash():
    frame = _frame()
    out = event_writes.complete_events(frame, crs="EPSG:3812", source="s")
    assert "source" not in frame.columns  # the caller's frame is not modified
    ref_lon, ref_lat = Transformer.from_crs("EPSG:3812", "EPSG:4326", always_xy=True).transform(
        frame["x"].to_numpy(), frame["y"].to_numpy()
    )
    np.testing.assert_allclose(out["lon"], ref_lon, rtol=0, atol=1e-12)
    np.testing.assert_allclose(out["lat"], ref_lat, rtol=0, atol=1e-12)
    assert out["source"].tolist() == ["s"] * 4
    assert out["time_precision"].tolist() == ["instant"] * 4
    assert out["attrs"].isna().all()
    assert out["row_hash"].tolist() == list(row_hash(out))


def test_complete_events_refuses_incomplete_frames():
    with pytest.raises(ValueError, match=r"lacks columns \['source', 'x'\]"):
        event_writes.complete_events(_frame().drop(columns="x"), crs="EPSG:3812")
    holes = _frame()
    holes.loc[2, "y"] = np.nan
    with pytest.raises(ValueError, match="no x/y"):
        event_writes.complete_events(holes, crs="EPSG:3812", source="s")


def test_a_row_stored_by_one_path_is_unchanged_by_another(workspace: Workspace, tmp_path):
    """add_events and the file importer hash and complete rows the same way."""
    frame = _frame()
    assert workspace.add_events(frame, source="police")["inserted"] == 4
    # The same four events as a CSV in the workspace CRS, local time = UTC + 1 in February.
    local = frame["occurred_at"].dt.tz_convert("Europe/Brussels").dt.strftime("%Y-%m-%d %H:%M:%S")
    csv = tmp_path / "same.csv"
    pd.DataFrame(
        {"id": frame["source_id"], "when": local, "x": frame["x"], "y": frame["y"],
         "kind": frame["category"]}
    ).to_csv(csv, index=False)
    mapping = EventMapping.from_dict(
        {
            "source": "police",
            "crs": "EPSG:3812",
            "columns": {"id": "id", "time": "when", "x": "x", "y": "y", "category": "kind"},
        }
    )
    (rep,) = import_events(workspace, [csv], mapping=mapping)
    assert rep.counts() == {"read": 4, "inserted": 0, "updated": 0, "unchanged": 4,
                            "quarantined": 0}


def test_write_events_joins_the_callers_transaction(workspace: Workspace):
    """Written with an open connection, events roll back with the caller's transaction."""
    with pytest.raises(RuntimeError, match="caller fails"), workspace.engine.begin() as conn:
        counts = event_writes.write_events(conn, _frame(), crs="EPSG:3812", source="log")
        assert counts == (4, 0, 0)
        raise RuntimeError("caller fails")
    assert workspace.count_events() == 0
    with workspace.engine.begin() as conn:
        assert event_writes.write_events(conn, _frame(), crs="EPSG:3812", source="log") == (4, 0, 0)
    assert workspace.count_events() == 4
    assert workspace.events()["source"].tolist() == ["log"] * 4


def test_record_action_stores_the_action_and_its_event_in_one_transaction(workspace: Workspace):
    import datetime as dt

    import shapely

    from hotspotwatch.store import prevention

    hid = workspace.add_hotspot("H", shapely.Point(649500, 665500).buffer(100))

    def event(perimeter, action_id):
        point = perimeter.representative_point()
        return pd.DataFrame({
            "source": ["prevention-log"], "source_id": [f"action-{action_id}"],
            "occurred_at": [pd.Timestamp("2024-03-01 11:00", tz="UTC")],
            "x": [point.x], "y": [point.y], "category": ["prevention_contact"],
            "time_precision": ["day"],
        })

    args = {"occurred_on": dt.date(2024, 3, 1), "kind": "outreach", "recorded_by": "p",
            "crs": workspace.config.crs}
    action_id = prevention.record_action(workspace.engine, hotspot_id=hid, event=event, **args)
    stored = workspace.events()
    assert stored["source_id"].tolist() == [f"action-{action_id}"]
    assert shapely.Point(stored["x"].iloc[0], stored["y"].iloc[0]).within(
        workspace.hotspots()["geometry"].iloc[0]
    )
    assert [a["action_id"] for a in prevention.select_actions(workspace.engine, hid)] == [action_id]

    def broken(perimeter, action_id):
        raise RuntimeError("no event")

    with pytest.raises(RuntimeError, match="no event"):
        prevention.record_action(workspace.engine, hotspot_id=hid, event=broken, **args)
    with pytest.raises(KeyError, match="no hotspot"):
        prevention.record_action(workspace.engine, hotspot_id=hid + 99, event=event, **args)
    assert len(prevention.select_actions(workspace.engine, hid)) == 1  # both rolled back
    assert workspace.count_events() == 1
