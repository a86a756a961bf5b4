"""resources: staff-hours and cost per hotspot, period and kind (issue 18 item 2)

Revision ID: 0007_resources
Revises: 0006_presence_sessions
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007_resources"
down_revision = "0006_presence_sessions"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "resources",
        sa.Column("resource_id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("hotspot", sa.String(length=200), nullable=False),
        sa.Column("period_start", sa.Date(), nullable=False),
        sa.Column("period_end", sa.Date(), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("staff_hours", sa.Float(), nullable=True),
        sa.Column("cost_eur", sa.Float(), nullable=True),
        sa.Column("source", sa.String(length=200), nullable=False),
        sa.Column("simulated", sa.Boolean(), nullable=False),
        sa.Column("row_hash", sa.String(length=40), nullable=False),
        sa.Column("import_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["import_id"], ["imports.import_id"], name=op.f("fk_resources_import_id_imports")
        ),
        sa.PrimaryKeyConstraint("resource_id", name=op.f("pk_resources")),
        sa.UniqueConstraint(
            "hotspot",
            "period_start",
            "period_end",
            "kind",
            "source",
            name=op.f("uq_resources_hotspot_period_start_period_end_kind_source"),
        ),
    )


def downgrade() -> None:
    op.drop_table("resources")
