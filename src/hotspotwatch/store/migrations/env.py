"""Alembic environment: runs migrations on the connection the workspace hands over."""

from __future__ import annotations

from alembic import context

from hotspotwatch.store.postgis import include_object
from hotspotwatch.store.schema import metadata

config = context.config
connection = config.attributes.get("connection")
if connection is None:  # pragma: no cover - only via `alembic` CLI with a URL
    from sqlalchemy import create_engine

    engine = create_engine(config.get_main_option("sqlalchemy.url") or "sqlite://")
    connection = engine.connect()

context.configure(
    connection=connection,
    target_metadata=metadata,
    render_as_batch=connection.dialect.name == "sqlite",
    compare_type=True,
    include_object=include_object,  # the PostGIS layers are not part of the portable schema
)
with context.begin_transaction():
    context.run_migrations()
