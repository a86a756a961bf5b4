"""Queries the web dashboard needs that no other store module answers.

The dashboard caches what it shows and must notice at once when data are added. :func:`
data_stamp` is that cheap check: one statement reading the largest id of every table that
can change a page, and the number of events (a deletion lowers it). Every function takes an
open ``Connection`` (the caller owns the transaction) or the engine (one call, one
connection: pass ``ws.engine``; see :mod:`hotspotwatch.store.access`).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from sqlalchemy import Connection, func, select

from hotspotwatch.store.access import reads
from hotspotwatch.store.schema import (
    analysis_runs,
    areas,
    designations,
    events,
    hotspots,
    imports,
    prevention_actions,
)


@reads
def data_stamp(conn: Connection, *, runs: bool = True) -> tuple[Any, ...]:
    """Largest ids of events, imports, hotspots, decisions, areas and prevention actions
    (and stored runs unless ``runs=False``), plus the number of events.

    It changes whenever a row is added to (or an event removed from) any of them; rows
    corrected in place do not change it (callers refresh on a timer for those).
    """
    tables = [
        (events, "event_id"),
        (imports, "import_id"),
        (hotspots, "hotspot_id"),
        (designations, "designation_id"),
        (areas, "area_id"),
        (prevention_actions, "action_id"),
    ]
    if runs:
        tables.append((analysis_runs, "run_id"))
    cols = [select(func.max(t.c[pk])).scalar_subquery() for t, pk in tables]
    cols.append(select(func.count()).select_from(events).scalar_subquery())
    return tuple(conn.execute(select(*cols)).one())


@reads
def event_time_range(
    conn: Connection,
    categories: Sequence[str] | None = None,
    *,
    exclude_source: str | None = None,
) -> tuple[dt.datetime, dt.datetime] | None:
    """First and last ``occurred_at`` (naive UTC) of the events, optionally of some
    categories or leaving out one source; ``None`` when there is none."""
    stmt = select(func.min(events.c.occurred_at), func.max(events.c.occurred_at))
    if categories is not None:
        stmt = stmt.where(events.c.category.in_(list(categories)))
    if exclude_source is not None:
        stmt = stmt.where(events.c.source != exclude_source)
    lo, hi = conn.execute(stmt).one()
    if lo is None or hi is None:
        return None
    return lo, hi


__all__ = ["data_stamp", "event_time_range"]
