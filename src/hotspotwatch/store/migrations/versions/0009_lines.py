"""lines: line layers drawn on the report's maps, e.g. streets (issue 17)

A separate table from ``areas``: areas are polygons (PostGIS keeps them as MultiPolygon and
every area-layer reader expects polygons), lines are display only.

Revision ID: 0009_lines
Revises: 0008_postgis_layers
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0009_lines"
down_revision = "0008_postgis_layers"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "lines",
        sa.Column("line_id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("layer", sa.String(length=64), nullable=False),
        sa.Column("name", sa.String(length=300), nullable=True),
        sa.Column("kind", sa.String(length=64), nullable=True),
        sa.Column("geometry", sa.LargeBinary(), nullable=False),
        sa.Column("min_x", sa.Float(), nullable=False),
        sa.Column("min_y", sa.Float(), nullable=False),
        sa.Column("max_x", sa.Float(), nullable=False),
        sa.Column("max_y", sa.Float(), nullable=False),
        sa.Column("import_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["import_id"], ["imports.import_id"], name=op.f("fk_lines_import_id_imports")
        ),
        sa.PrimaryKeyConstraint("line_id", name=op.f("pk_lines")),
    )
    with op.batch_alter_table("lines", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_lines_layer"), ["layer"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("lines", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_lines_layer"))
    op.drop_table("lines")
