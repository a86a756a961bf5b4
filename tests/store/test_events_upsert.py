"""Bulk upsert paths of ``store.events`` on both backends: the empty-source fast path, the
id-by-id lookup of small frames, the whole-source lookup of large ones, the SQLite index
rebuild of large inserts, and updates that store the new values."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from hotspotwatch import Workspace
from hotspotwatch.store import events as store_events


def _frame(n: int, *, source: str = "s", shift: float = 0.0) -> pd.DataFrame:
    rng = np.random.default_rng(7)
    occurred = pd.Timestamp("2024-03-31 00:30", tz="UTC") + pd.to_timedelta(
        rng.integers(0, 10_000, n), unit="min"
    )
    x = 649_000 + rng.uniform(0, 1000, n)
    return pd.DataFrame({
        "source": source,
        "source_id": [f"id{i:05d}" for i in range(n)],
        "category": rng.choice(["theft", "assault"], n),
        "occurred_at": occurred,
        "time_precision": "instant",
        "x": x + shift,
        "y": 665_000 + rng.uniform(0, 1000, n),
        "lon": 4.35 + rng.uniform(0, 0.01, n),
        "lat": 50.85 + rng.uniform(0, 0.01, n),
        "attrs": [None if i % 3 else '{"k": "v"}' for i in range(n)],
        "row_hash": [f"{i:016x}" for i in range(n)],
    })


def _upsert(ws: Workspace, frame: pd.DataFrame) -> tuple[int, int, int]:
    with ws.engine.begin() as conn:
        return store_events.upsert_events(conn, frame, import_id=None)


@pytest.mark.parametrize("small_frame", [0, 10_000])
def test_upsert_counts_match_on_small_and_large_lookup_paths(
    workspace: Workspace, monkeypatch: pytest.MonkeyPatch, small_frame: int
) -> None:
    monkeypatch.setattr(store_events, "_SMALL_FRAME", small_frame)
    monkeypatch.setattr(store_events, "_LOOKUP_CHUNK", 7)
    base = _frame(40)
    assert _upsert(workspace, base) == (40, 0, 0)
    assert _upsert(workspace, base) == (0, 0, 40)
    changed = base.copy()
    changed.loc[[3, 17], "x"] += 5.0
    changed.loc[[3, 17], "row_hash"] = ["changed-3", "changed-17"]
    extra = _frame(45).iloc[40:]
    assert _upsert(workspace, pd.concat([changed, extra], ignore_index=True)) == (5, 2, 38)
    assert workspace.count_events() == 45
    stored = workspace.events().set_index("source_id")
    assert stored.loc["id00003", "x"] == pytest.approx(changed.loc[3, "x"], abs=1e-6)
    assert stored.loc["id00004", "x"] == pytest.approx(base.loc[4, "x"], abs=1e-6)


def test_updated_rows_store_the_new_instant_and_attrs(workspace: Workspace) -> None:
    base = _frame(5)
    _upsert(workspace, base)
    new = base.copy()
    new.loc[1, "occurred_at"] = pd.Timestamp("2023-10-29 01:15:30.250", tz="UTC")
    new.loc[1, "attrs"] = '{"street": "Rue Neuve"}'
    new.loc[1, "row_hash"] = "other"
    assert _upsert(workspace, new) == (0, 1, 4)
    stored = workspace.events().set_index("source_id")
    assert stored.loc["id00001", "occurred_at"] == pd.Timestamp("2023-10-29 01:15:30.250", tz="UTC")
    with workspace.engine.connect() as conn:
        got = store_events.select_events(conn, sources=["s"]).set_index("source_id")
    assert got.loc["id00001", "attrs"] == '{"street": "Rue Neuve"}'
    assert pd.isna(got.loc["id00002", "attrs"])


def test_same_ids_in_two_sources_of_one_frame(workspace: Workspace) -> None:
    both = pd.concat([_frame(4, source="a"), _frame(4, source="b")], ignore_index=True)
    assert _upsert(workspace, both) == (8, 0, 0)
    assert _upsert(workspace, both) == (0, 0, 8)
    with pytest.raises(ValueError, match="duplicate source_id 'id00000'"):
        _upsert(workspace, pd.concat([both, both.iloc[:1]], ignore_index=True))


def test_large_sqlite_insert_rebuilds_the_same_indexes(
    sqlite_workspace: Workspace, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(store_events, "REBUILD_INDEXES_FROM", 10)
    with sqlite_workspace.engine.connect() as conn:
        before = store_events._sqlite_index_sql(conn)
    assert [name for name, _ in before] == [
        "ix_events_category_occurred_at",
        "ix_events_source_source_id",
        "ix_events_x_y",
    ]
    assert _upsert(sqlite_workspace, _frame(30)) == (30, 0, 0)
    with sqlite_workspace.engine.connect() as conn:
        assert store_events._sqlite_index_sql(conn) == before
        assert conn.exec_driver_sql("PRAGMA integrity_check").scalar() == "ok"
        plan = conn.exec_driver_sql(
            "EXPLAIN QUERY PLAN SELECT event_id FROM events "
            "WHERE category = 'theft' AND occurred_at > '2024-04-01'"
        ).all()
        # The bulk path leaves planner statistics behind (ANALYZE) for every index it rebuilt.
        stats = {r[0] for r in conn.exec_driver_sql(
            "SELECT idx FROM sqlite_stat1 WHERE tbl = 'events'").all()}
    assert any("ix_events_category_occurred_at" in str(r[-1]) for r in plan)
    assert {name for name, _ in before} <= stats


def test_failed_large_insert_keeps_indexes_and_rows(
    sqlite_workspace: Workspace, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(store_events, "REBUILD_INDEXES_FROM", 10)
    with sqlite_workspace.engine.connect() as conn:
        before = store_events._sqlite_index_sql(conn)
    # The last row violates NOT NULL after the indexes were dropped: all is rolled back.
    monkeypatch.setattr(store_events, "_column_lists", _null_category(store_events._column_lists))
    with pytest.raises(Exception, match="NOT NULL"):
        _upsert(sqlite_workspace, _frame(30))
    with sqlite_workspace.engine.connect() as conn:
        assert store_events._sqlite_index_sql(conn) == before
    assert sqlite_workspace.count_events() == 0


def test_the_rebuilt_identity_index_still_refuses_a_duplicate_and_rolls_back(
    sqlite_workspace: Workspace, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The identity index is dropped during a large insert (migration 0005) and built again in
    # the same transaction: a duplicate (source, source_id) slipping past the frame check
    # fails the rebuild, and nothing is stored.
    monkeypatch.setattr(store_events, "REBUILD_INDEXES_FROM", 10)
    with sqlite_workspace.engine.connect() as conn:
        before = store_events._sqlite_index_sql(conn)

    def duplicate_last_id(inner):  # type: ignore[no-untyped-def]
        def wrapped(rows, import_id):  # type: ignore[no-untyped-def]
            cols = inner(rows, import_id)
            cols[1][-1] = cols[1][0]
            return cols

        return wrapped

    monkeypatch.setattr(store_events, "_column_lists", duplicate_last_id(store_events._column_lists))
    with pytest.raises(Exception, match="UNIQUE"):
        _upsert(sqlite_workspace, _frame(30))
    with sqlite_workspace.engine.connect() as conn:
        assert store_events._sqlite_index_sql(conn) == before
    assert sqlite_workspace.count_events() == 0


def _null_category(inner):  # type: ignore[no-untyped-def]
    def wrapped(rows, import_id):  # type: ignore[no-untyped-def]
        cols = inner(rows, import_id)
        cols[2][-1] = None
        return cols

    return wrapped


def test_timestamps_as_text_is_the_sqlalchemy_sqlite_format() -> None:
    values = pd.Series([pd.Timestamp("2024-03-01 14:30:00", tz="UTC"),
                        pd.Timestamp("1999-12-31 23:59:59.000001", tz="UTC")])
    assert store_events._timestamps_as_text(values).tolist() == [
        "2024-03-01 14:30:00.000000",
        "1999-12-31 23:59:59.000001",
    ]
