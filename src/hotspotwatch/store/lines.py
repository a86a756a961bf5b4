"""Line layers (streets): written and read like area layers, kept in their own table.

A line layer is display only: the report draws it under everything on its maps. Lines are
WKB (Multi)LineStrings in the workspace CRS with a bounding box, like the polygons of
:mod:`hotspotwatch.store.places`. Importing a layer replaces it in one transaction with its
import record (:func:`import_line_layer`).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import pandas as pd
import shapely
from sqlalchemy import Connection, Engine, delete, insert, select

from hotspotwatch.store.access import reads, writes
from hotspotwatch.store.imports import ImportRecord, finish_import, record_import
from hotspotwatch.store.schema import lines

#: Rows written per INSERT (a city's streets are tens of thousands of lines).
CHUNK = 5000


@writes
def replace_line_layer(
    conn: Connection, layer: str, frame: pd.DataFrame, *, import_id: int | None = None
) -> int:
    """Replace every line of ``layer`` with the rows of ``frame`` (``geometry``: shapely
    (Multi)LineStrings in the workspace CRS; optional ``name``, ``kind``). Returns the
    number of lines written."""
    conn.execute(delete(lines).where(lines.c.layer == layer))
    geoms = frame["geometry"].to_numpy()
    if not len(geoms):
        return 0
    wkb = shapely.to_wkb(geoms)
    bounds = shapely.bounds(geoms)
    names = frame["name"].tolist() if "name" in frame else [None] * len(geoms)
    kinds = frame["kind"].tolist() if "kind" in frame else [None] * len(geoms)
    rows: list[dict[str, Any]] = [
        {
            "layer": layer,
            "name": _text(names[i], 300),
            "kind": _text(kinds[i], 64),
            "geometry": bytes(wkb[i]),
            "min_x": float(bounds[i, 0]),
            "min_y": float(bounds[i, 1]),
            "max_x": float(bounds[i, 2]),
            "max_y": float(bounds[i, 3]),
            "import_id": import_id,
        }
        for i in range(len(geoms))
    ]
    for start in range(0, len(rows), CHUNK):
        conn.execute(insert(lines), rows[start:start + CHUNK])
    return len(rows)


def _text(value: Any, width: int) -> str | None:
    if value is None or (isinstance(value, float) and value != value):
        return None
    text = str(value).strip()
    return text[:width] or None


@reads
def select_lines(conn: Connection, layer: str) -> pd.DataFrame:
    """The lines of ``layer``: ``line_id, name, kind, geometry`` (shapely), by id."""
    stmt = (
        select(lines.c.line_id, lines.c.name, lines.c.kind, lines.c.geometry)
        .where(lines.c.layer == layer)
        .order_by(lines.c.line_id)
    )
    frame = pd.DataFrame([dict(r._mapping) for r in conn.execute(stmt)])
    if frame.empty:
        return pd.DataFrame(columns=["line_id", "name", "kind", "geometry"])
    frame["geometry"] = shapely.from_wkb(frame["geometry"].to_numpy())
    return frame


@reads
def line_layers(conn: Connection) -> list[str]:
    """Names of the line layers in the store."""
    return [r[0] for r in conn.execute(select(lines.c.layer).distinct().order_by(lines.c.layer))]


def import_line_layer(
    engine: Engine, layer: str, records: pd.DataFrame, *, record: ImportRecord, read: int
) -> tuple[int, int]:
    """Replace the line layer ``layer`` with ``records`` under an import record, in one
    transaction; return ``(import_id, written)``. A failure leaves the old layer as it was."""
    with engine.begin() as conn:
        import_id = record_import(
            conn, kind=record.kind, file=record.file, fingerprint=record.fingerprint,
            fmt=record.fmt, source=record.source, user=record.user,
        )
        written = replace_line_layer(conn, layer, records, import_id=import_id)
        finish_import(
            conn,
            import_id,
            {"read": read, "inserted": written, "updated": 0, "unchanged": 0,
             "quarantined": 0},
        )
    return import_id, written


def lines_of(engine: Engine, layer: str) -> Sequence[Any]:
    """The geometries of ``layer`` (empty when there is no such layer)."""
    return list(select_lines(engine, layer)["geometry"])


__all__ = [
    "import_line_layer",
    "line_layers",
    "lines_of",
    "replace_line_layer",
    "select_lines",
]
