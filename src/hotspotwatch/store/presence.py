"""The presence-sessions table: the one write path and its reads.

:func:`import_presence` stores a normalised presence file the way
:func:`hotspotwatch.store.event_writes.import_events` stores events: the import record
(kind ``"presence"``), the sessions (upserted by ``(source, source_id)``: new ones inserted,
those whose content hash changed updated, identical ones left alone) and the quarantine (rows
already quarantined for the source are not stored again, :func:`~hotspotwatch.store.imports.
quarantined_before`), in one transaction (or in the caller's, for ``--atomic``).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
from sqlalchemy import Connection, Engine, bindparam, insert, select, update

from hotspotwatch.store.access import Database, reads
from hotspotwatch.store.engine import bulk_transaction
from hotspotwatch.store.imports import (
    ImportRecord,
    add_quarantine,
    finish_import,
    quarantined_before,
    record_import,
)
from hotspotwatch.store.schema import presence_sessions

SESSION_COLUMNS: tuple[str, ...] = (
    "source",
    "source_id",
    "unit_type",
    "started_at",
    "ended_at",
    "hotspot",
    "x",
    "y",
    "geometry",
    "row_hash",
)


def _naive(values: pd.Series) -> list[Any]:
    idx = pd.DatetimeIndex(values).tz_convert("UTC").tz_localize(None)
    return [ts.to_pydatetime() for ts in idx]


def _records(frame: pd.DataFrame, import_id: int | None) -> list[dict[str, Any]]:
    starts, ends = _naive(frame["started_at"]), _naive(frame["ended_at"])
    out = []
    for i, r in enumerate(frame.itertuples(index=False)):
        out.append(
            {
                "source": str(r.source),
                "source_id": str(r.source_id),
                "unit_type": str(r.unit_type),
                "started_at": starts[i],
                "ended_at": ends[i],
                "hotspot": None if r.hotspot is None or pd.isna(r.hotspot) else str(r.hotspot),
                "x": None if pd.isna(r.x) else float(r.x),
                "y": None if pd.isna(r.y) else float(r.y),
                "geometry": r.geometry,
                "row_hash": str(r.row_hash),
                "import_id": import_id,
            }
        )
    return out


def upsert_sessions(
    conn: Connection, frame: pd.DataFrame, *, import_id: int | None
) -> tuple[int, int, int]:
    """Insert new sessions, update changed ones, leave identical ones; ``(ins, upd, unch)``."""
    if frame.empty:
        return 0, 0, 0
    sources = sorted({str(s) for s in frame["source"]})
    stored = conn.execute(
        select(
            presence_sessions.c.session_id,
            presence_sessions.c.source,
            presence_sessions.c.source_id,
            presence_sessions.c.row_hash,
        ).where(presence_sessions.c.source.in_(sources))
    ).all()
    known = {(s, i): (pk, h) for pk, s, i, h in stored}
    keys = list(zip(frame["source"].astype(str), frame["source_id"].astype(str), strict=True))
    if len(set(keys)) != len(keys):
        raise ValueError("presence frame has duplicate (source, source_id)")
    hit = [known.get(k) for k in keys]
    is_new = np.array([h is None for h in hit])
    changed = np.array(
        [
            h is not None and h[1] != rh
            for h, rh in zip(hit, frame["row_hash"].astype(str), strict=True)
        ]
    )
    if is_new.any():
        conn.execute(insert(presence_sessions), _records(frame[is_new], import_id))
    if changed.any():
        recs = _records(frame[changed], import_id)
        for rec, h in zip(recs, [h for h, c in zip(hit, changed, strict=True) if c], strict=True):
            assert h is not None
            rec["pk"] = h[0]
        stmt = (
            update(presence_sessions)
            .where(presence_sessions.c.session_id == bindparam("pk"))
            .values({c: bindparam(c) for c in (*SESSION_COLUMNS[2:], "import_id")})
        )
        conn.execute(stmt, recs)
    n_new, n_changed = int(is_new.sum()), int(changed.sum())
    return n_new, n_changed, len(frame) - n_new - n_changed


def store_presence(
    conn: Connection,
    frame: pd.DataFrame,
    *,
    record: ImportRecord,
    quarantine: pd.DataFrame,
    read: int,
) -> tuple[int, dict[str, int]]:
    """:func:`import_presence` inside the caller's transaction."""
    import_id = record_import(
        conn,
        kind=record.kind,
        file=record.file,
        fingerprint=record.fingerprint,
        fmt=record.fmt,
        source=record.source,
        user=record.user,
    )
    ins, upd, unch = upsert_sessions(conn, frame, import_id=import_id)
    already = 0
    if len(quarantine):
        known = quarantined_before(conn, record.source, quarantine)
        already = int(known.sum())
        add_quarantine(conn, import_id, record.file, quarantine[~known])
    counts = {
        "read": int(read),
        "inserted": ins,
        "updated": upd,
        "unchanged": unch,
        "quarantined": len(quarantine),
    }
    finish_import(conn, import_id, counts)
    return import_id, {**counts, "already_quarantined": already}


def import_presence(
    db: Database,
    frame: pd.DataFrame,
    *,
    record: ImportRecord,
    quarantine: pd.DataFrame,
    read: int,
) -> tuple[int, dict[str, int]]:
    """Store a normalised presence file with its import record and quarantine, atomically.

    ``db`` is the engine (one transaction for this file) or an open connection (the file joins
    the caller's transaction). Returns ``(import_id, counts)`` with ``read, inserted, updated,
    unchanged, quarantined, already_quarantined`` (sessions; ``read`` is the file's rows).
    """
    if not isinstance(db, Engine):
        return store_presence(db, frame, record=record, quarantine=quarantine, read=read)
    with bulk_transaction(db) as conn:
        return store_presence(conn, frame, record=record, quarantine=quarantine, read=read)


@reads
def count_sessions(conn: Connection) -> int:
    """How many sessions are stored."""
    from sqlalchemy import func

    return int(conn.execute(select(func.count()).select_from(presence_sessions)).scalar() or 0)


@reads
def read_sessions(conn: Connection) -> pd.DataFrame:
    """Every stored session: ``source, source_id, unit_type, started_at, ended_at`` (UTC),
    ``hotspot, x, y, geometry``; ordered by start."""
    t = presence_sessions.c
    rows = conn.execute(
        select(
            t.source,
            t.source_id,
            t.unit_type,
            t.started_at,
            t.ended_at,
            t.hotspot,
            t.x,
            t.y,
            t.geometry,
        ).order_by(t.started_at, t.session_id)
    ).all()
    cols = [
        "source",
        "source_id",
        "unit_type",
        "started_at",
        "ended_at",
        "hotspot",
        "x",
        "y",
        "geometry",
    ]
    columns: list[tuple[Any, ...]] = list(zip(*rows, strict=True)) if rows else [() for _ in cols]
    frame = pd.DataFrame({c: list(v) for c, v in zip(cols, columns, strict=True)})
    for c in ("started_at", "ended_at"):
        frame[c] = pd.to_datetime(frame[c]).dt.tz_localize("UTC")
    frame["x"] = frame["x"].astype(float)
    frame["y"] = frame["y"].astype(float)
    return frame


__all__ = [
    "SESSION_COLUMNS",
    "count_sessions",
    "import_presence",
    "read_sessions",
    "store_presence",
    "upsert_sessions",
]
