"""The append-only audit log's SQL (see :mod:`hotspotwatch.workflows.audit`).

Only :func:`insert_entry` writes, and it only inserts: no update or delete path exists.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import Engine, insert, select

from hotspotwatch.store.schema import audit_log


def insert_entry(
    engine: Engine,
    *,
    at: dt.datetime,
    username: str | None,
    role: str | None,
    action: str,
    target: str | None,
    rows: int,
    detail: str | None,
    client: str | None,
) -> None:
    """Append one entry in its own transaction (``detail`` is JSON text)."""
    with engine.begin() as conn:
        conn.execute(
            insert(audit_log).values(
                at=at,
                username=username,
                role=role,
                action=action,
                target=target,
                rows=rows,
                detail=detail,
                client=client,
            )
        )


def select_entries(
    engine: Engine,
    *,
    since: dt.datetime | None = None,
    until: dt.datetime | None = None,
    username: str | None = None,
    action: str | None = None,
    limit: int | None = None,
) -> list[dict[str, Any]]:
    """Entries as column dicts, oldest first (the newest ``limit`` when given)."""
    stmt = select(audit_log)
    if since is not None:
        stmt = stmt.where(audit_log.c.at >= since)
    if until is not None:
        stmt = stmt.where(audit_log.c.at < until)
    if username is not None:
        stmt = stmt.where(audit_log.c.username == username)
    if action is not None:
        stmt = stmt.where(audit_log.c.action == action)
    if limit is not None:
        stmt = stmt.order_by(audit_log.c.audit_id.desc()).limit(limit)
    else:
        stmt = stmt.order_by(audit_log.c.audit_id)
    with engine.connect() as conn:
        rows = [dict(r._mapping) for r in conn.execute(stmt)]
    if limit is not None:
        rows.reverse()
    return rows
