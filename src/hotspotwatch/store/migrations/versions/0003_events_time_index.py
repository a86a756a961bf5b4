"""events: drop the time-only index (the category-time index serves those queries)

``ix_events_occurred_at`` duplicated the second column of ``ix_events_category_occurred_at``.
Measured on a 1,000,000-event SQLite store (``bench/import_throughput.py``): the index cost
1.0 s of a 10 s import and 35 MB; without it a one-month range over all categories takes the
same 40 ms through a skip-scan of the category-time index (SQLite, once ``ANALYZE`` has run,
which a bulk import does), and ``max(occurred_at)`` 39 ms instead of 0.

Revision ID: 0003_events_time_index
Revises: 0002_web
"""

from __future__ import annotations

from alembic import op

revision = "0003_events_time_index"
down_revision = "0002_web"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("events", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_events_occurred_at"))


def downgrade() -> None:
    with op.batch_alter_table("events", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_events_occurred_at"), ["occurred_at"], unique=False)
