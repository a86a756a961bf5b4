"""quarantine.line: the file line where a quarantined row starts (second-city review)

``row_number`` is the data row (the header and empty rows not counted); after blank lines or a
quoted field spanning lines it is not the line an editor shows, so the line is kept beside it.
Rows quarantined before this migration have no line (NULL).

Revision ID: 0010_quarantine_line
Revises: 0009_lines
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0010_quarantine_line"
down_revision = "0009_lines"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("quarantine", schema=None) as batch_op:
        batch_op.add_column(sa.Column("line", sa.Integer(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("quarantine", schema=None) as batch_op:
        batch_op.drop_column("line")
