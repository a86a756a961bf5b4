"""The prevention log: actions partners record at a hotspot (outreach, patrols, lighting...).

Each action is also written as a prevention *event* (by the workflow, through
:func:`hotspotwatch.store.event_writes.write_events`, in the same transaction) so that the
evaluation counts it as preventive dose. Functions take an open ``Connection`` and never
commit.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import Connection, insert, select

from hotspotwatch.store.schema import hotspots, prevention_actions


def hotspot_perimeter_wkb(conn: Connection, hotspot_id: int) -> bytes | None:
    """The hotspot's polygon (WKB, workspace CRS), or ``None`` if there is no such hotspot."""
    value = conn.execute(
        select(hotspots.c.geometry).where(hotspots.c.hotspot_id == hotspot_id)
    ).scalar()
    return bytes(value) if value is not None else None


def insert_action(
    conn: Connection,
    *,
    hotspot_id: int,
    occurred_on: dt.date,
    kind: str,
    recorded_by: str,
    description: str | None = None,
    hours: float | None = None,
    contacts: int | None = None,
) -> int:
    """Store one action (recorded now, naive UTC); return its ``action_id``."""
    res = conn.execute(
        insert(prevention_actions).values(
            hotspot_id=hotspot_id,
            occurred_on=occurred_on,
            kind=kind,
            description=description,
            hours=hours,
            contacts=contacts,
            recorded_by=recorded_by,
            recorded_at=dt.datetime.now(dt.UTC).replace(tzinfo=None),
        )
    )
    pk = res.inserted_primary_key
    assert pk is not None
    return int(pk[0])


def select_actions(conn: Connection, hotspot_id: int) -> list[dict[str, Any]]:
    """Actions logged at a hotspot, newest first (``occurred_on`` date, ``recorded_at``
    naive UTC datetime)."""
    stmt = (
        select(prevention_actions)
        .where(prevention_actions.c.hotspot_id == hotspot_id)
        .order_by(prevention_actions.c.occurred_on.desc(), prevention_actions.c.action_id.desc())
    )
    return [dict(r._mapping) for r in conn.execute(stmt)]


__all__ = ["hotspot_perimeter_wkb", "insert_action", "select_actions"]
