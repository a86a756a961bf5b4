"""presence_sessions: presence of units at places (issue 18)

One row per session: source and source id (its identity across imports), unit type, start
and end (naive UTC), the place (hotspot name, point x/y, or WKB polygon), the content hash and
the import it came from. No names or badge numbers.

Revision ID: 0006_presence_sessions
Revises: 0005_events_identity_index
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006_presence_sessions"
down_revision = "0005_events_identity_index"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "presence_sessions",
        sa.Column("session_id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("source", sa.String(length=200), nullable=False),
        sa.Column("source_id", sa.String(length=200), nullable=False),
        sa.Column("unit_type", sa.String(length=64), nullable=False),
        sa.Column("started_at", sa.DateTime(), nullable=False),
        sa.Column("ended_at", sa.DateTime(), nullable=False),
        sa.Column("hotspot", sa.String(length=200), nullable=True),
        sa.Column("x", sa.Float(), nullable=True),
        sa.Column("y", sa.Float(), nullable=True),
        sa.Column("geometry", sa.LargeBinary(), nullable=True),
        sa.Column("row_hash", sa.String(length=40), nullable=False),
        sa.Column("import_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["import_id"],
            ["imports.import_id"],
            name=op.f("fk_presence_sessions_import_id_imports"),
        ),
        sa.PrimaryKeyConstraint("session_id", name=op.f("pk_presence_sessions")),
        sa.UniqueConstraint(
            "source", "source_id", name=op.f("uq_presence_sessions_source_source_id")
        ),
    )
    op.create_index(
        op.f("ix_presence_sessions_started_at"), "presence_sessions", ["started_at"], unique=False
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_presence_sessions_started_at"), table_name="presence_sessions")
    op.drop_table("presence_sessions")
