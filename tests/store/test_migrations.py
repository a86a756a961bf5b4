"""The Alembic migrations build exactly the schema declared in store/schema.py."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import create_engine, inspect

from hotspotwatch import Workspace
from hotspotwatch.store.engine import _alembic_config, current_revision, head_revision, migrate
from hotspotwatch.store.schema import metadata


def test_migrated_schema_matches_metadata(workspace: Workspace) -> None:
    with workspace.engine.connect() as conn:
        ctx = MigrationContext.configure(conn, opts={"compare_type": True})
        diff = compare_metadata(ctx, metadata)
    assert diff == []
    assert current_revision(workspace.engine) == head_revision()


def test_0003_drops_the_time_only_index_and_downgrades_back(tmp_path: Path) -> None:
    engine = create_engine(f"sqlite:///{tmp_path / 'old.sqlite'}")
    migrate(engine, "0002_web")
    names = {ix["name"] for ix in inspect(engine).get_indexes("events")}
    assert "ix_events_occurred_at" in names
    migrate(engine, "head")
    names = {ix["name"] for ix in inspect(engine).get_indexes("events")}
    assert names == {"ix_events_category_occurred_at", "ix_events_x_y"}
    with engine.begin() as conn:
        command.downgrade(_alembic_config(conn), "0002_web")
    names = {ix["name"] for ix in inspect(engine).get_indexes("events")}
    assert "ix_events_occurred_at" in names
    engine.dispose()
