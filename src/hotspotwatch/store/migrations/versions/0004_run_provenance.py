"""analysis_runs: run key, config fingerprint and result schema version

A stored run is reused only when its kind, canonical parameters, data fingerprint and config
fingerprint all match the question asked; ``run_key`` is the SHA-256 of those four, unique.
Runs stored before this revision have no key (NULL) and are never reused.

Revision ID: 0004_run_provenance
Revises: 0003_events_time_index
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004_run_provenance"
down_revision = "0003_events_time_index"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("analysis_runs", schema=None) as batch_op:
        batch_op.add_column(sa.Column("run_key", sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column("config_fingerprint", sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column("schema_version", sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f("ix_analysis_runs_run_key"), ["run_key"], unique=True)


def downgrade() -> None:
    with op.batch_alter_table("analysis_runs", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_analysis_runs_run_key"))
        batch_op.drop_column("schema_version")
        batch_op.drop_column("config_fingerprint")
        batch_op.drop_column("run_key")
