"""The Alembic migrations build exactly the schema declared in store/schema.py."""

from __future__ import annotations

from pathlib import Path

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import create_engine, inspect

from hotspotwatch import Workspace
from hotspotwatch.store.engine import _alembic_config, current_revision, head_revision, migrate
from hotspotwatch.store.postgis import include_object
from hotspotwatch.store.schema import metadata


def test_migrated_schema_matches_metadata(workspace: Workspace) -> None:
    with workspace.engine.connect() as conn:
        # The PostGIS layers (migration 0005, PostgreSQL with PostGIS) are not in the
        # portable schema: left out the same way env.py leaves them out.
        ctx = MigrationContext.configure(
            conn, opts={"compare_type": True, "include_object": include_object}
        )
        diff = compare_metadata(ctx, metadata)
    assert diff == []
    assert current_revision(workspace.engine) == head_revision()


def test_0003_drops_the_time_only_index_and_downgrades_back(tmp_path: Path) -> None:
    engine = create_engine(f"sqlite:///{tmp_path / 'old.sqlite'}")
    migrate(engine, "0002_web")
    names = {ix["name"] for ix in inspect(engine).get_indexes("events")}
    assert "ix_events_occurred_at" in names
    migrate(engine, "0003_events_time_index")
    names = {ix["name"] for ix in inspect(engine).get_indexes("events")}
    assert names == {"ix_events_category_occurred_at", "ix_events_x_y"}
    with engine.begin() as conn:
        command.downgrade(_alembic_config(conn), "0002_web")
    names = {ix["name"] for ix in inspect(engine).get_indexes("events")}
    assert "ix_events_occurred_at" in names
    engine.dispose()


def test_shipped_heads_read_from_the_files_are_alembics() -> None:
    from importlib import resources

    from alembic.script import ScriptDirectory

    from hotspotwatch.store.engine import shipped_heads

    script = ScriptDirectory(str(resources.files("hotspotwatch.store") / "migrations"))
    assert shipped_heads() == frozenset(script.get_heads())
    assert shipped_heads() == {head_revision()}


def test_opening_an_up_to_date_store_does_not_load_alembic(workspace: Workspace) -> None:
    import os
    import subprocess
    import sys

    import hotspotwatch

    code = (
        "import sys; from hotspotwatch import Workspace; "
        f"ws = Workspace.open({str(workspace.path)!r}); ws.count_events(); "
        "print(sorted(m for m in sys.modules if m.split('.')[0] in ('alembic', 'mako')))"
    )
    src = str(Path(hotspotwatch.__file__).resolve().parents[1])
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True,
        env={**os.environ, "PYTHONPATH": src},
    )  # fmt: skip
    assert done.stdout.strip() == "[]"


def test_an_older_store_is_still_upgraded_when_opened(workspace: Workspace) -> None:
    with workspace.engine.begin() as conn:
        command.downgrade(_alembic_config(conn), "0003_events_time_index")
    assert current_revision(workspace.engine) == "0003_events_time_index"
    workspace.close()
    reopened = Workspace.open(workspace.path)
    assert current_revision(reopened.engine) == head_revision()
    with reopened.engine.connect() as conn:
        diff = compare_metadata(
            MigrationContext.configure(
                conn, opts={"compare_type": True, "include_object": include_object}
            ),
            metadata,
        )
    assert diff == []
    reopened.close()


def test_0005_makes_the_identity_a_unique_index_and_keeps_the_rows(tmp_path: Path) -> None:
    from sqlalchemy import text
    from sqlalchemy.exc import IntegrityError

    engine = create_engine(f"sqlite:///{tmp_path / 'old.sqlite'}")
    migrate(engine, "0004_run_provenance")
    row = (
        "INSERT INTO events (source, source_id, category, occurred_at, time_precision, x, y, "
        "lon, lat, row_hash) VALUES ('s', :sid, 'theft', '2024-03-01 10:00:00', 'hour', 1, 2, "
        "4.35, 50.85, 'h')"
    )
    with engine.begin() as conn:
        conn.execute(text(row), {"sid": "a"})
        conn.execute(text(row), {"sid": "b"})
    assert inspect(engine).get_unique_constraints("events")
    migrate(engine, "head")
    assert inspect(engine).get_unique_constraints("events") == []
    unique = [ix for ix in inspect(engine).get_indexes("events") if ix["unique"]]
    assert [(ix["name"], ix["column_names"]) for ix in unique] == [
        ("ix_events_source_source_id", ["source", "source_id"])
    ]
    with engine.connect() as conn:
        assert conn.execute(
            text("SELECT source_id FROM events ORDER BY event_id")
        ).scalars().all() == ["a", "b"]
    with pytest.raises(IntegrityError), engine.begin() as conn:
        conn.execute(text(row), {"sid": "a"})
    with engine.begin() as conn:
        command.downgrade(_alembic_config(conn), "0004_run_provenance")
    assert inspect(engine).get_unique_constraints("events")
    engine.dispose()
