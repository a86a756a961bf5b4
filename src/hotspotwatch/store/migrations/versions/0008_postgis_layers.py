"""PostGIS layers for QGIS: geometry columns, views, result layers, row-level security

Runs only where the PostGIS extension is available (``CREATE EXTENSION IF NOT EXISTS
postgis`` when the server has it). On SQLite, and on PostgreSQL without PostGIS, it changes
nothing (PostgreSQL prints a one-line notice). The objects and why they are built so are
described in :mod:`hotspotwatch.store.postgis`; the SRID is the workspace CRS's, handed
over by :func:`hotspotwatch.store.engine.migrate`.

Revision ID: 0008_postgis_layers
Revises: 0007_resources
"""

from __future__ import annotations

from alembic import op

from hotspotwatch.store import postgis

revision = "0008_postgis_layers"
down_revision = "0007_resources"
branch_labels = None
depends_on = None


def upgrade() -> None:
    config = op.get_context().config
    srid = None if config is None else config.attributes.get("srid")
    postgis.upgrade(op.get_bind(), srid=srid)


def downgrade() -> None:
    conn = op.get_bind()
    if postgis.has_layers(conn):
        postgis.drop_layers(conn)
