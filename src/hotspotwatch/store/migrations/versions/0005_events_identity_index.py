"""events: the (source, source_id) identity as a unique index, not a table constraint

SQLite keeps a UNIQUE table constraint in an automatic index that cannot be dropped, so a bulk
import had to fill it row by row. Rows without an id get SHA-1 fingerprints as ids, in random
order, and that filling cost a real-shaped 241k-row import about 0.9 s more than sequential
ids (``bench/import_real_shapes.py``). As a named unique index it is dropped and built again
with the other indexes around a large insert (``store.events._insert_rows``): building sorts
once, and the rebuilt index still refuses a duplicate identity, inside the same transaction.
The same unique index on PostgreSQL.

Revision ID: 0005_events_identity_index
Revises: 0004_run_provenance
"""

from __future__ import annotations

from alembic import op

revision = "0005_events_identity_index"
down_revision = "0004_run_provenance"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("events", schema=None) as batch_op:
        batch_op.drop_constraint("uq_events_source_source_id", type_="unique")
        batch_op.create_index(
            batch_op.f("ix_events_source_source_id"), ["source", "source_id"], unique=True
        )


def downgrade() -> None:
    with op.batch_alter_table("events", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_events_source_source_id"))
        batch_op.create_unique_constraint("uq_events_source_source_id", ["source", "source_id"])
