"""The Alembic migrations build exactly the schema declared in store/schema.py."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext

from hotspotwatch import Workspace
from hotspotwatch.store.engine import current_revision, head_revision
from hotspotwatch.store.schema import metadata


def test_migrated_schema_matches_metadata(workspace: Workspace) -> None:
    with workspace.engine.connect() as conn:
        ctx = MigrationContext.configure(conn, opts={"compare_type": True})
        diff = compare_metadata(ctx, metadata)
    assert diff == []
    assert current_revision(workspace.engine) == head_revision()
