"""Event, import and quarantine queries.

Writes are bulk and dialect-aware so that a million-row import stays fast: SQLite gets a
prepared ``executemany``; PostgreSQL gets ``COPY``. Every function takes an open
``Connection`` and never commits: the caller owns the transaction (one file, one
transaction), so an interruption leaves the store as it was.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd
from sqlalchemy import Connection, and_, func, insert, select, type_coerce, update
from sqlalchemy import String as SAString
from sqlalchemy.sql.elements import ColumnElement

from hotspotwatch.store.schema import events, imports, quarantine

EVENT_COLUMNS: tuple[str, ...] = (
    "source",
    "source_id",
    "category",
    "occurred_at",
    "time_precision",
    "x",
    "y",
    "lon",
    "lat",
    "attrs",
    "row_hash",
)
REQUIRED_FRAME_COLUMNS = frozenset(EVENT_COLUMNS)


def utc_naive(ts: Any) -> dt.datetime:
    """Convert a timestamp (aware or naive-UTC) to a naive UTC ``datetime`` for storage."""
    t = pd.Timestamp(ts)
    if t.tzinfo is not None:
        t = t.tz_convert("UTC").tz_localize(None)
    return t.to_pydatetime()


def _timestamps_as_text(values: pd.Series) -> np.ndarray:
    """Naive-UTC ISO text ``YYYY-MM-DD HH:MM:SS.ffffff`` (the format SQLAlchemy uses on SQLite)."""
    s = pd.to_datetime(values, utc=True).dt.tz_localize(None)
    text = np.datetime_as_string(s.to_numpy(dtype="datetime64[us]"), unit="us")
    return np.char.replace(text.astype(str), "T", " ")


def _check_frame(frame: pd.DataFrame) -> None:
    missing = REQUIRED_FRAME_COLUMNS - set(frame.columns)
    if missing:
        raise ValueError(f"event frame lacks columns {sorted(missing)}")


def existing_keys(conn: Connection, sources: Sequence[str]) -> pd.DataFrame:
    """Return ``event_id, source, source_id, row_hash`` of stored events of these sources."""
    stmt = select(events.c.event_id, events.c.source, events.c.source_id, events.c.row_hash).where(
        events.c.source.in_(list(sources))
    )
    rows = conn.execute(stmt).all()
    return pd.DataFrame(rows, columns=["event_id", "source", "source_id", "row_hash"])


def upsert_events(
    conn: Connection, frame: pd.DataFrame, *, import_id: int | None
) -> tuple[int, int, int]:
    """Insert new events, update changed ones, leave identical ones alone.

    Parameters
    ----------
    conn : Connection
        Open connection inside the caller's transaction.
    frame : DataFrame
        Normalised events (columns :data:`EVENT_COLUMNS`); ``occurred_at`` is UTC.
        ``(source, source_id)`` must be unique within the frame.
    import_id : int or None
        The import these rows come from.

    Returns
    -------
    (inserted, updated, unchanged) : tuple of int
    """
    _check_frame(frame)
    if frame.empty:
        return 0, 0, 0
    if frame.duplicated(["source", "source_id"]).any():
        dup = frame.loc[frame.duplicated(["source", "source_id"]), "source_id"].iloc[0]
        raise ValueError(f"event frame has duplicate source_id {dup!r}")
    known = existing_keys(conn, frame["source"].unique().tolist())
    merged = frame.merge(known, on=["source", "source_id"], how="left", suffixes=("", "_stored"))
    is_new = merged["event_id"].isna().to_numpy()
    is_changed = ~is_new & (merged["row_hash"] != merged["row_hash_stored"]).to_numpy()
    new_rows = merged.loc[is_new]
    changed_rows = merged.loc[is_changed]
    _insert_rows(conn, new_rows, import_id)
    if len(changed_rows):
        _update_rows(conn, changed_rows, import_id)
    n_new, n_changed = int(is_new.sum()), int(is_changed.sum())
    return n_new, n_changed, len(frame) - n_new - n_changed


def _row_tuples(rows: pd.DataFrame, import_id: int | None) -> list[tuple[Any, ...]]:
    cols = {
        "source": rows["source"].astype(str).to_numpy(dtype=object),
        "source_id": rows["source_id"].astype(str).to_numpy(dtype=object),
        "category": rows["category"].astype(str).to_numpy(dtype=object),
        "occurred_at": _timestamps_as_text(rows["occurred_at"]).astype(object),
        "time_precision": rows["time_precision"].astype(str).to_numpy(dtype=object),
        "x": rows["x"].astype(float).to_numpy(dtype=object),
        "y": rows["y"].astype(float).to_numpy(dtype=object),
        "lon": rows["lon"].astype(float).to_numpy(dtype=object),
        "lat": rows["lat"].astype(float).to_numpy(dtype=object),
        "attrs": rows["attrs"].where(rows["attrs"].notna(), None).to_numpy(dtype=object),
        "row_hash": rows["row_hash"].astype(str).to_numpy(dtype=object),
    }
    imp = np.full(len(rows), import_id, dtype=object)
    return list(zip(*(cols[c] for c in EVENT_COLUMNS), imp, strict=True))


def _insert_rows(conn: Connection, rows: pd.DataFrame, import_id: int | None) -> None:
    if rows.empty:
        return
    tuples = _row_tuples(rows, import_id)
    names = (*EVENT_COLUMNS, "import_id")
    if conn.dialect.name == "sqlite":
        sql = f"INSERT INTO events ({', '.join(names)}) VALUES ({', '.join('?' * len(names))})"
        conn.exec_driver_sql(sql, tuples)
    elif conn.dialect.name == "postgresql":
        raw: Any = conn.connection.dbapi_connection
        assert raw is not None
        with raw.cursor() as cur, cur.copy(f"COPY events ({', '.join(names)}) FROM STDIN") as copy:
            for row in tuples:
                copy.write_row(row)
    else:  # pragma: no cover - other dialects through Core
        conn.execute(insert(events), [dict(zip(names, r, strict=True)) for r in tuples])


def _update_rows(conn: Connection, rows: pd.DataFrame, import_id: int | None) -> None:
    tuples = _row_tuples(rows, import_id)
    ids = rows["event_id"].astype(int).tolist()
    params = [
        {
            "b_category": t[2],
            "b_occurred_at": utc_naive(t[3]),
            "b_time_precision": t[4],
            "b_x": t[5],
            "b_y": t[6],
            "b_lon": t[7],
            "b_lat": t[8],
            "b_attrs": t[9],
            "b_row_hash": t[10],
            "b_import_id": import_id,
            "b_event_id": eid,
        }
        for t, eid in zip(tuples, ids, strict=True)
    ]
    from sqlalchemy import bindparam

    stmt = (
        update(events)
        .where(events.c.event_id == bindparam("b_event_id"))
        .values(
            category=bindparam("b_category"),
            occurred_at=bindparam("b_occurred_at"),
            time_precision=bindparam("b_time_precision"),
            x=bindparam("b_x"),
            y=bindparam("b_y"),
            lon=bindparam("b_lon"),
            lat=bindparam("b_lat"),
            attrs=bindparam("b_attrs"),
            row_hash=bindparam("b_row_hash"),
            import_id=bindparam("b_import_id"),
        )
    )
    conn.execute(stmt, params)


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
                if k in ("read", "inserted", "updated", "unchanged", "quarantined")
            },
            finished_at=dt.datetime.now(dt.UTC).replace(tzinfo=None),
        )
    )


def add_quarantine(conn: Connection, import_id: int, file: str, frame: pd.DataFrame) -> int:
    """Store rejected rows (columns ``row_number, raw_row, field, reason``); return how many."""
    if frame.empty:
        return 0
    records = [
        {
            "import_id": import_id,
            "file": file,
            "row_number": None if pd.isna(r.row_number) else int(r.row_number),
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


def _default_user() -> str:
    import getpass

    try:
        return getpass.getuser()
    except Exception:
        return "unknown"


def select_events(
    conn: Connection,
    *,
    categories: Sequence[str] | None = None,
    start: dt.datetime | None = None,
    end: dt.datetime | None = None,
    bbox: tuple[float, float, float, float] | None = None,
    sources: Sequence[str] | None = None,
    event_ids: Sequence[int] | None = None,
) -> pd.DataFrame:
    """Read events as a plain DataFrame (``occurred_at`` as tz-aware UTC).

    ``start`` is inclusive, ``end`` exclusive; both naive UTC.
    """
    conds: list[ColumnElement[bool]] = []
    if categories is not None:
        conds.append(events.c.category.in_(list(categories)))
    if start is not None:
        conds.append(events.c.occurred_at >= start)
    if end is not None:
        conds.append(events.c.occurred_at < end)
    if bbox is not None:
        xmin, ymin, xmax, ymax = bbox
        conds.append(
            and_(events.c.x >= xmin, events.c.x <= xmax, events.c.y >= ymin, events.c.y <= ymax)
        )
    if sources is not None:
        conds.append(events.c.source.in_(list(sources)))
    if event_ids is not None:
        conds.append(events.c.event_id.in_(list(event_ids)))
    occurred = (
        type_coerce(events.c.occurred_at, SAString).label("occurred_at")
        if conn.dialect.name == "sqlite"
        else events.c.occurred_at
    )
    stmt = select(
        events.c.event_id,
        events.c.x,
        events.c.y,
        events.c.lon,
        events.c.lat,
        occurred,
        events.c.time_precision,
        events.c.category,
        events.c.source,
        events.c.source_id,
        events.c.attrs,
    ).order_by(events.c.event_id)
    if conds:
        stmt = stmt.where(and_(*conds))
    result = conn.execute(stmt)
    frame = pd.DataFrame(result.all(), columns=list(result.keys()))
    frame["occurred_at"] = pd.to_datetime(
        frame["occurred_at"], format="ISO8601" if conn.dialect.name == "sqlite" else None, utc=True
    )
    for c in ("x", "y", "lon", "lat"):
        frame[c] = frame[c].astype(float)
    frame["event_id"] = frame["event_id"].astype("int64")
    return frame


def event_stats(conn: Connection) -> dict[str, Any]:
    """Counts per category and the time range, for summaries and fingerprints."""
    rows = conn.execute(
        select(
            events.c.category,
            func.count(),
            func.min(events.c.occurred_at),
            func.max(events.c.occurred_at),
        )
        .group_by(events.c.category)
        .order_by(events.c.category)
    ).all()
    return {r[0]: {"count": int(r[1]), "first": str(r[2]), "last": str(r[3])} for r in rows}
