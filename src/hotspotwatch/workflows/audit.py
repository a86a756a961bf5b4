"""The append-only audit log: who saw event-level data or wrote anything, when, how many rows.

Entries are only ever inserted (no update or delete path exists in the code). The web layer
appends one entry per access to event-level data and per write; ``hotspotwatch audit export``
writes them as CSV or JSON lines for the data-protection officer.
"""

from __future__ import annotations

import csv
import datetime as dt
import json
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TextIO

from hotspotwatch.analysis._result import to_jsonable
from hotspotwatch.store import audit as store_audit

if TYPE_CHECKING:
    from hotspotwatch.workspace import Workspace

FIELDS = ("audit_id", "at", "username", "role", "action", "target", "rows", "detail", "client")


def append(
    ws: Workspace,
    *,
    action: str,
    username: str | None,
    role: str | None,
    target: str | None = None,
    rows: int = 0,
    detail: Mapping[str, Any] | None = None,
    client: str | None = None,
) -> None:
    """Append one audit entry (its own transaction, committed before the response leaves)."""
    store_audit.insert_entry(
        ws.engine,
        at=dt.datetime.now(dt.UTC).replace(tzinfo=None),
        username=username,
        role=role,
        action=action[:64],
        target=target,
        rows=int(rows),
        detail=json.dumps(to_jsonable(dict(detail)), sort_keys=True) if detail else None,
        client=client[:100] if client else None,
    )


def entries(
    ws: Workspace,
    *,
    since: dt.datetime | None = None,
    until: dt.datetime | None = None,
    username: str | None = None,
    action: str | None = None,
    limit: int | None = None,
) -> list[dict[str, Any]]:
    """Audit entries, oldest first (``at`` in UTC ISO 8601, ``detail`` parsed).

    Parameters
    ----------
    since, until : datetime, optional
        ``[since, until)`` in naive UTC.
    username, action : str, optional
        Only these.
    limit : int, optional
        Only the newest ``limit`` entries (still returned oldest first).
    """
    rows = store_audit.select_entries(
        ws.engine, since=since, until=until, username=username, action=action, limit=limit
    )
    for r in rows:
        r["at"] = r["at"].isoformat() + "Z"
        r["detail"] = json.loads(r["detail"]) if r["detail"] else None
    return rows


def export(ws: Workspace, out: TextIO, *, fmt: str = "csv", **filters: Any) -> int:
    """Write the audit log to ``out`` as ``csv`` or ``jsonl``; return the number of entries."""
    if fmt not in ("csv", "jsonl"):
        raise ValueError(f"format must be 'csv' or 'jsonl', got {fmt!r}")
    rows = entries(ws, **filters)
    if fmt == "jsonl":
        for r in rows:
            out.write(json.dumps(r, ensure_ascii=False, sort_keys=True) + "\n")
    else:
        writer = csv.DictWriter(out, fieldnames=list(FIELDS))
        writer.writeheader()
        for r in rows:
            writer.writerow(
                {**r, "detail": json.dumps(r["detail"], sort_keys=True) if r["detail"] else ""}
            )
    return len(rows)


__all__ = ["FIELDS", "append", "entries", "export"]
