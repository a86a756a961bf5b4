"""The data fingerprint (what a stored run was computed on) and workspace-wide counts."""

from __future__ import annotations

import hashlib

from sqlalchemy import Connection, func, select

from hotspotwatch.store.access import reads
from hotspotwatch.store.schema import (
    analysis_runs,
    areas,
    designations,
    events,
    hotspots,
    imports,
    presence_sessions,
    resources,
)

#: The ``imports.kind`` of a line layer (:mod:`hotspotwatch.store.lines`).
LINE_IMPORT_KIND = "lines"


@reads
def data_fingerprint(conn: Connection) -> str:
    """SHA-256 that changes whenever stored data change (events, areas, hotspots, decisions,
    presence sessions).

    Built from every import's file fingerprint and counts, row counts and maximum ids per
    table, and the designations; cheap enough to compute on every analysis run.
    """
    h = hashlib.sha256()
    for table, pk in (
        (events, "event_id"),
        (areas, "area_id"),
        (hotspots, "hotspot_id"),
        (designations, "designation_id"),
        (presence_sessions, "session_id"),
        (resources, "resource_id"),
    ):
        row = conn.execute(select(func.count(), func.max(table.c[pk]))).first()
        h.update(f"{table.name}:{row}".encode())
    for row in conn.execute(
        select(
            imports.c.import_id,
            imports.c.fingerprint,
            imports.c.inserted,
            imports.c.updated,
        )
        # Line layers (streets) are drawn, never analysed: importing one changes no result.
        .where(imports.c.kind != LINE_IMPORT_KIND)
        .order_by(imports.c.import_id)
    ):
        h.update(repr(tuple(row)).encode())
    for row in conn.execute(
        select(hotspots.c.name, hotspots.c.geometry).order_by(hotspots.c.hotspot_id)
    ):
        h.update(row[0].encode())
        h.update(hashlib.sha256(row[1]).digest())
    for row in conn.execute(
        select(
            designations.c.hotspot_id,
            designations.c.action,
            designations.c.start,
            designations.c.end,
        ).order_by(designations.c.designation_id)
    ):
        h.update(repr(tuple(row)).encode())
    return h.hexdigest()


@reads
def count_runs(conn: Connection) -> int:
    """Number of stored analysis runs (typed and legacy)."""
    return int(conn.execute(select(func.count()).select_from(analysis_runs)).scalar() or 0)


__all__ = ["LINE_IMPORT_KIND", "count_runs", "data_fingerprint"]
