"""The prevention log: actions partners record at a hotspot (outreach, patrols, lighting...).

Each action is also written as a prevention *event* (through
:func:`hotspotwatch.store.event_writes.write_events`, in the same transaction) so that the
evaluation counts it as preventive dose: :func:`record_action` does both in one transaction.
Functions take an open ``Connection`` (the caller's transaction, never committed) or the
engine (one call, one transaction: pass ``ws.engine``; see :mod:`hotspotwatch.store.access`).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import pandas as pd
import shapely
from shapely.geometry.base import BaseGeometry
from sqlalchemy import Connection, insert, select

from hotspotwatch.store.access import reads, writes
from hotspotwatch.store.event_writes import write_events
from hotspotwatch.store.schema import hotspots, prevention_actions


@reads
def hotspot_perimeter_wkb(conn: Connection, hotspot_id: int) -> bytes | None:
    """The hotspot's polygon (WKB, workspace CRS), or ``None`` if there is no such hotspot."""
    value = conn.execute(
        select(hotspots.c.geometry).where(hotspots.c.hotspot_id == hotspot_id)
    ).scalar()
    return bytes(value) if value is not None else None


@writes
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


@reads
def select_actions(conn: Connection, hotspot_id: int) -> list[dict[str, Any]]:
    """Actions logged at a hotspot, newest first (``occurred_on`` date, ``recorded_at``
    naive UTC datetime)."""
    stmt = (
        select(prevention_actions)
        .where(prevention_actions.c.hotspot_id == hotspot_id)
        .order_by(prevention_actions.c.occurred_on.desc(), prevention_actions.c.action_id.desc())
    )
    return [dict(r._mapping) for r in conn.execute(stmt)]


@writes
def record_action(
    conn: Connection,
    *,
    hotspot_id: int,
    occurred_on: dt.date,
    kind: str,
    recorded_by: str,
    event: Callable[[BaseGeometry, int], pd.DataFrame],
    crs: str,
    description: str | None = None,
    hours: float | None = None,
    contacts: int | None = None,
) -> int:
    """Store an action and its prevention event in one transaction; return its ``action_id``.

    Parameters
    ----------
    conn : Connection or Engine
        With the engine (``ws.engine``) the call is its own transaction.
    event : callable
        ``event(perimeter, action_id)`` -> the action's event frame (the workflow decides
        where and when the event is, e.g. a point inside the perimeter at noon local time);
        it is stored through :func:`~hotspotwatch.store.event_writes.write_events`.
    crs : str
        The workspace CRS.

    Raises
    ------
    KeyError
        If there is no hotspot ``hotspot_id`` (nothing is written).
    """
    wkb = hotspot_perimeter_wkb(conn, hotspot_id)
    if wkb is None:
        raise KeyError(f"no hotspot with id {hotspot_id}")
    action_id = insert_action(
        conn,
        hotspot_id=hotspot_id,
        occurred_on=occurred_on,
        kind=kind,
        recorded_by=recorded_by,
        description=description,
        hours=hours,
        contacts=contacts,
    )
    write_events(conn, event(shapely.from_wkb(wkb), action_id), crs=crs)
    return action_id


__all__ = [
    "hotspot_perimeter_wkb",
    "insert_action",
    "record_action",
    "select_actions",
]
