"""The resources table: staff-hours and cost per hotspot, period and kind (one write path)."""

from __future__ import annotations

from typing import Any

import pandas as pd
from sqlalchemy import Connection, bindparam, insert, select, update

from hotspotwatch.store.access import Database, reads
from hotspotwatch.store.engine import bulk_transaction
from hotspotwatch.store.imports import (
    ImportRecord,
    add_quarantine,
    finish_import,
    quarantined_before,
    record_import,
)
from hotspotwatch.store.schema import resources

KEY = ("hotspot", "period_start", "period_end", "kind", "source")
VALUES = ("staff_hours", "cost_eur", "simulated", "row_hash")


def _clean(v: Any) -> Any:
    return None if isinstance(v, float) and v != v else v


def _store(
    conn: Connection,
    frame: pd.DataFrame,
    *,
    record: ImportRecord,
    quarantine: pd.DataFrame,
    read: int,
) -> tuple[int, dict[str, int]]:
    import_id = record_import(
        conn,
        kind="resources",
        file=record.file,
        fingerprint=record.fingerprint,
        fmt=record.fmt,
        source=record.source,
        user=record.user,
    )
    t = resources.c
    stored = {
        tuple(r[:5]): (r[5], r[6])
        for r in conn.execute(
            select(
                t.hotspot, t.period_start, t.period_end, t.kind, t.source, t.resource_id, t.row_hash
            )
        ).all()
    }
    new, changed = [], []
    for r in frame.to_dict("records"):
        rec = {k: _clean(r[k]) for k in (*KEY, *VALUES)}
        rec["simulated"] = bool(rec["simulated"])
        rec["import_id"] = import_id
        hit = stored.get(tuple(rec[k] for k in KEY))
        if hit is None:
            new.append(rec)
        elif hit[1] != rec["row_hash"]:
            changed.append({**rec, "pk": hit[0]})
    if new:
        conn.execute(insert(resources), new)
    if changed:
        conn.execute(
            update(resources)
            .where(t.resource_id == bindparam("pk"))
            .values({c: bindparam(c) for c in (*VALUES, "import_id")}),
            changed,
        )
    already = 0
    if len(quarantine):
        known = quarantined_before(conn, record.source, quarantine)
        already = int(known.sum())
        add_quarantine(conn, import_id, record.file, quarantine[~known])
    counts = {
        "read": int(read),
        "inserted": len(new),
        "updated": len(changed),
        "unchanged": len(frame) - len(new) - len(changed),
        "quarantined": len(quarantine),
    }
    finish_import(conn, import_id, counts)
    return import_id, {**counts, "already_quarantined": already}


def import_resources(
    db: Database, frame: pd.DataFrame, *, record: ImportRecord, quarantine: pd.DataFrame, read: int
) -> tuple[int, dict[str, int]]:
    """Store resource records with their import record and quarantine in one transaction
    (``db`` the engine) or in the caller's (``db`` a connection)."""
    if isinstance(db, Connection):
        return _store(db, frame, record=record, quarantine=quarantine, read=read)
    with bulk_transaction(db) as conn:
        return _store(conn, frame, record=record, quarantine=quarantine, read=read)


@reads
def read_resources(conn: Connection) -> pd.DataFrame:
    """Every stored resource record (``hotspot, period_start, period_end, kind, staff_hours,
    cost_eur, source, simulated``), by hotspot and period."""
    t = resources.c
    rows = conn.execute(
        select(
            t.hotspot,
            t.period_start,
            t.period_end,
            t.kind,
            t.staff_hours,
            t.cost_eur,
            t.source,
            t.simulated,
        ).order_by(t.hotspot, t.period_start, t.kind)
    ).all()
    return pd.DataFrame(
        [tuple(r) for r in rows],
        columns=[
            "hotspot",
            "period_start",
            "period_end",
            "kind",
            "staff_hours",
            "cost_eur",
            "source",
            "simulated",
        ],
    )


__all__ = ["import_resources", "read_resources"]
