"""Read-only summaries for the renewal report: imports per source, the newest event.

A file imported twice is one file: rows read and rows quarantined are counted once per
distinct file fingerprint (the first import of that file), so re-running an import does not
double what was read. Rows stored are the events of the source in the store now.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import Connection, func, select

from hotspotwatch.domain.reasons import reason_kind
from hotspotwatch.store.access import reads
from hotspotwatch.store.schema import events, imports, quarantine

EVENT_IMPORT_KINDS = ("events", "scenario")


@dataclass(frozen=True)
class SourceSummary:
    """Rows read, stored and quarantined for one source (see the module docstring).

    Attributes
    ----------
    source : str
    files : int
        Distinct files (fingerprints) imported.
    imports : int
        Import operations (a file imported twice counts twice here, and only here).
    read, quarantined : int
        Summed over distinct files.
    stored : int
        Events of this source in the store.
    reasons : tuple of (str, int)
        Quarantine reasons over distinct files, most frequent first (at most three).
    """

    source: str
    files: int
    imports: int
    read: int
    stored: int
    quarantined: int
    reasons: tuple[tuple[str, int], ...]


@reads
def source_summaries(conn: Connection) -> list[SourceSummary]:
    """One :class:`SourceSummary` per event source, in source order."""
    rows = conn.execute(
        select(
            imports.c.import_id,
            imports.c.source,
            imports.c.fingerprint,
            imports.c.read,
            imports.c.quarantined,
        )
        .where(imports.c.kind.in_(EVENT_IMPORT_KINDS))
        .order_by(imports.c.import_id)
    ).all()
    first_of: dict[tuple[str, str], int] = {}
    n_imports: dict[str, int] = {}
    read: dict[str, int] = {}
    quarantined: dict[str, int] = {}
    for import_id, source, fingerprint, n_read, n_quarantined in rows:
        n_imports[source] = n_imports.get(source, 0) + 1
        if (source, fingerprint) in first_of:
            continue  # the same file again: already counted
        first_of[(source, fingerprint)] = int(import_id)
        read[source] = read.get(source, 0) + int(n_read or 0)
        quarantined[source] = quarantined.get(source, 0) + int(n_quarantined or 0)
    counted = set(first_of.values())
    reasons: dict[str, dict[str, int]] = {}
    for import_id, source, reason, n in conn.execute(
        select(imports.c.import_id, imports.c.source, quarantine.c.reason, func.count())
        .join(imports, imports.c.import_id == quarantine.c.import_id)
        .group_by(imports.c.import_id, imports.c.source, quarantine.c.reason)
    ).all():
        if int(import_id) not in counted:
            continue
        short = reason_kind(str(reason))[:80]  # "duplicate id 'B6047', ..." counted together
        by = reasons.setdefault(source, {})
        by[short] = by.get(short, 0) + int(n)
    stored = {
        str(source): int(n)
        for source, n in conn.execute(
            select(events.c.source, func.count()).group_by(events.c.source)
        ).all()
    }
    out = []
    for source in sorted(n_imports):
        top = sorted(reasons.get(source, {}).items(), key=lambda kv: (-kv[1], kv[0]))[:3]
        out.append(
            SourceSummary(
                source=source,
                files=sum(1 for s, _fp in first_of if s == source),
                imports=n_imports[source],
                read=read.get(source, 0),
                stored=stored.get(source, 0),
                quarantined=quarantined.get(source, 0),
                reasons=tuple(top),
            )
        )
    return out


@reads
def newest_event_time(conn: Connection) -> dt.datetime | None:
    """The newest event's instant (naive UTC), or ``None`` when there are no events."""
    value = conn.execute(select(func.max(events.c.occurred_at))).scalar()
    return value if value is None or isinstance(value, dt.datetime) else None


__all__ = ["SourceSummary", "newest_event_time", "source_summaries"]
