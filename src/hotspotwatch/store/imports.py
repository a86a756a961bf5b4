"""Import records and quarantined rows.

An import record (table ``imports``) says what file was read, by whom, and how many rows
were read, inserted, updated, unchanged and quarantined; quarantined rows keep their raw
text and the reason. Functions take the caller's connection (one file, one transaction).
"""

from __future__ import annotations

import datetime as dt
import json
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from sqlalchemy import Connection, Engine, insert, select, update

from hotspotwatch.store import places
from hotspotwatch.store.access import reads
from hotspotwatch.store.schema import imports, quarantine

COUNT_KEYS: tuple[str, ...] = ("read", "inserted", "updated", "unchanged", "quarantined")


@dataclass(frozen=True)
class ImportRecord:
    """Where a batch of events comes from (a row of the ``imports`` table).

    Attributes
    ----------
    file : str
        The file read (``"<memory>"`` for a frame).
    fingerprint : str
        SHA-256 of the file's bytes (or of the frame's identities and content hashes).
    fmt : str
        Format read (``csv``, ``parquet``, ``police-uk``, ``dataframe``...).
    source : str
        The source name: ``(source, source_id)`` identifies an event across imports.
    user : str, optional
        Who imported (default: the login name).
    kind : str
        ``"events"``, ``"areas"`` or ``"hotspots"``.
    """

    file: str
    fingerprint: str
    fmt: str
    source: str
    user: str | None = None
    kind: str = "events"


def record_import(
    conn: Connection,
    *,
    kind: str = "events",
    file: str,
    fingerprint: str,
    fmt: str,
    source: str,
    counts: dict[str, int] | None = None,
    user: str | None = None,
) -> int:
    """Insert a row in ``imports`` and return its id (counts can be filled in later)."""
    counts = counts or {}
    now = dt.datetime.now(dt.UTC).replace(tzinfo=None)
    result = conn.execute(
        insert(imports).values(
            kind=kind,
            file=file,
            fingerprint=fingerprint,
            format=fmt,
            source=source,
            read=counts.get("read", 0),
            inserted=counts.get("inserted", 0),
            updated=counts.get("updated", 0),
            unchanged=counts.get("unchanged", 0),
            quarantined=counts.get("quarantined", 0),
            started_at=now,
            imported_by=user or _default_user(),
        )
    )
    pk = result.inserted_primary_key
    assert pk is not None
    return int(pk[0])


def finish_import(conn: Connection, import_id: int, counts: dict[str, int]) -> None:
    """Write the final counts of an import."""
    conn.execute(
        update(imports)
        .where(imports.c.import_id == import_id)
        .values(
            **{
                k: int(v)
                for k, v in counts.items()
                if k in COUNT_KEYS
            },
            finished_at=dt.datetime.now(dt.UTC).replace(tzinfo=None),
        )
    )


def _raw_text(value: Any) -> str:
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return ""
    return value if isinstance(value, str) else json.dumps(value, default=str)


def _field_text(value: Any) -> str:
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return ""
    return str(value)


def quarantined_before(conn: Connection, source: str, frame: pd.DataFrame) -> np.ndarray:
    """True for the rejected rows of ``frame`` that the quarantine of ``source`` already holds.

    A quarantined row is identified like an event without an id: by its source, its raw
    text, its field and reason, and its ordinal among identical such rows of the file (two
    identical bad rows in one file are two rows). The ``k``-th copy (from 0) of a row is
    already quarantined when the store holds more than ``k`` rows of the same source with
    the same raw text, field and reason, whichever import stored them. Re-importing a file
    therefore stores none of its quarantined rows again; a row whose reason changed (a new
    mapping, a new extent) is a new finding and is stored.

    Parameters
    ----------
    conn : Connection
        Open connection (inside the import's transaction: rows stored earlier in it count).
    source : str
        The source of the import.
    frame : DataFrame
        Rejected rows (``raw_row, field, reason``) of one file.

    Returns
    -------
    ndarray of bool
        One flag per row of ``frame``.
    """
    out = np.zeros(len(frame), dtype=bool)
    if frame.empty:
        return out
    stored = conn.execute(
        select(quarantine.c.raw_row, quarantine.c.field, quarantine.c.reason)
        .join(imports, imports.c.import_id == quarantine.c.import_id)
        .where(imports.c.source == source)
    ).all()
    if not stored:
        return out
    have = Counter((_raw_text(r), _field_text(f), str(why)) for r, f, why in stored)
    seen: Counter[tuple[str, str, str]] = Counter()
    for i, r in enumerate(frame.itertuples(index=False)):
        key = (_raw_text(r.raw_row), _field_text(r.field), str(r.reason))
        out[i] = seen[key] < have.get(key, 0)
        seen[key] += 1
    return out


def add_quarantine(conn: Connection, import_id: int, file: str, frame: pd.DataFrame) -> int:
    """Store rejected rows (columns ``row_number, [line,] raw_row, field, reason``); return how many.

    Every row given is stored: leave out the rows :func:`quarantined_before` finds first.
    """
    if frame.empty:
        return 0
    records = [
        {
            "import_id": import_id,
            "file": file,
            "row_number": None if pd.isna(r.row_number) else int(r.row_number),
            "line": _line(r),
            "raw_row": r.raw_row
            if isinstance(r.raw_row, str) or r.raw_row is None
            else json.dumps(r.raw_row, default=str),
            "field": None
            if r.field is None or (isinstance(r.field, float) and np.isnan(r.field))
            else str(r.field),
            "reason": str(r.reason),
        }
        for r in frame.itertuples(index=False)
    ]
    conn.execute(insert(quarantine), records)
    return len(records)


def _line(r: Any) -> int | None:
    line = getattr(r, "line", None)
    return None if line is None or pd.isna(line) else int(line)


QUARANTINE_LIST_COLUMNS: tuple[str, ...] = (
    "quarantine_id", "import_id", "source", "file", "row_number", "line", "field", "raw_row",
    "reason",
)


@reads
def quarantine_rows(conn: Connection, *, source: str | None = None) -> list[dict[str, Any]]:
    """Every stored quarantined row, oldest import first, in file row order.

    Parameters
    ----------
    conn : Connection
        Open connection (or the engine).
    source : str, optional
        Only the rows of this source.

    Returns
    -------
    list of dict
        Keys :data:`QUARANTINE_LIST_COLUMNS` (``raw_row`` is the JSON text as stored).
    """
    q = (
        select(
            quarantine.c.quarantine_id,
            quarantine.c.import_id,
            imports.c.source,
            quarantine.c.file,
            quarantine.c.row_number,
            quarantine.c.line,
            quarantine.c.field,
            quarantine.c.raw_row,
            quarantine.c.reason,
        )
        .join(imports, imports.c.import_id == quarantine.c.import_id)
        .order_by(quarantine.c.import_id, quarantine.c.row_number, quarantine.c.quarantine_id)
    )
    if source is not None:
        q = q.where(imports.c.source == source)
    return [dict(zip(QUARANTINE_LIST_COLUMNS, row, strict=True)) for row in conn.execute(q).all()]


@reads
def import_sources(conn: Connection) -> list[str]:
    """The sources of every recorded import, sorted."""
    return sorted({str(s) for (s,) in conn.execute(select(imports.c.source).distinct()).all()})


def _default_user() -> str:
    import getpass

    try:
        return getpass.getuser()
    except Exception:
        return "unknown"


def import_area_layer(
    engine: Engine, layer: str, records: pd.DataFrame, *, record: ImportRecord, read: int
) -> tuple[int, int]:
    """Replace the area layer ``layer`` with ``records`` under an import record, in one
    transaction; return ``(import_id, written)``."""
    with engine.begin() as conn:
        import_id = _record(conn, record)
        written = places.replace_area_layer(conn, layer, records)
        finish_import(
            conn,
            import_id,
            {"read": read, "inserted": written, "updated": 0, "unchanged": 0, "quarantined": 0},
        )
    return import_id, written


def import_hotspots(
    engine: Engine,
    hotspots: Sequence[dict[str, Any]],
    *,
    record: ImportRecord,
    known: set[tuple[Any, ...]],
) -> tuple[int, int, int]:
    """Upsert hotspots (by name) and add their decisions not in ``known``, in one transaction.

    ``hotspots`` are records with ``name, geometry, code, zone, commune, approximate, note``
    and ``designations`` (dicts with ``action, start, end, body, decision_ref, note``);
    ``known`` holds ``(hotspot, action, start, end, body, decision_ref)`` of the decisions
    already recorded (it is updated). Returns ``(import_id, added, unchanged)``.
    """
    added = unchanged = 0
    with engine.begin() as conn:
        import_id = _record(conn, record)
        for rec in hotspots:
            hid = places.upsert_hotspot(
                conn,
                name=rec["name"],
                geometry=rec["geometry"],
                code=rec["code"],
                zone=rec["zone"],
                commune=rec["commune"],
                approximate=rec["approximate"],
                note=rec["note"],
            )
            for d in rec["designations"]:
                ref = d["decision_ref"] if d["decision_ref"] else None
                key = (rec["name"], d["action"], d["start"], d["end"], d["body"], ref)
                if key in known:
                    unchanged += 1
                    continue
                known.add(key)
                places.add_designation(
                    conn,
                    hotspot_id=hid,
                    action=d["action"],
                    start=d["start"],
                    end=d["end"],
                    body=d["body"],
                    decision_ref=ref,
                    note=d["note"],
                    recorded_by=record.user,
                )
                added += 1
        finish_import(
            conn,
            import_id,
            {
                "read": len(hotspots),
                "inserted": added,
                "updated": 0,
                "unchanged": unchanged,
                "quarantined": 0,
            },
        )
    return import_id, added, unchanged


def _record(conn: Connection, record: ImportRecord) -> int:
    return record_import(
        conn,
        kind=record.kind,
        file=record.file,
        fingerprint=record.fingerprint,
        fmt=record.fmt,
        source=record.source,
        user=record.user,
    )


__all__ = [
    "COUNT_KEYS",
    "QUARANTINE_LIST_COLUMNS",
    "ImportRecord",
    "add_quarantine",
    "finish_import",
    "import_area_layer",
    "import_hotspots",
    "import_sources",
    "quarantine_rows",
    "quarantined_before",
    "record_import",
]
