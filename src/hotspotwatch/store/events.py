"""Event queries: reads, and the bulk upsert behind the one write path.

Write events with :func:`hotspotwatch.store.event_writes.write_events` (it completes and
hashes the frame, then calls :func:`upsert_events`); never call :func:`upsert_events` from
outside the store. Writes are bulk and dialect-aware so that a million-row import stays
fast: SQLite gets a prepared ``executemany``; PostgreSQL gets ``COPY``. Writes take an open
``Connection`` and never commit: the caller owns the transaction (one file, one
transaction), so an interruption leaves the store as it was. Reads also accept the engine
(:mod:`hotspotwatch.store.access`).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
from sqlalchemy import Connection, and_, insert, select, type_coerce, update
from sqlalchemy import String as SAString
from sqlalchemy.sql.elements import ColumnElement

from hotspotwatch.domain.taxonomy import Taxonomy
from hotspotwatch.store.access import reads
from hotspotwatch.store.counts import count_events as count_events  # re-exported
from hotspotwatch.store.counts import event_stats as event_stats  # re-exported
from hotspotwatch.store.schema import events

if TYPE_CHECKING:  # imported by read_events, so that opening a store does not load geopandas
    import geopandas as gpd

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
    """Naive-UTC ISO text ``YYYY-MM-DD HH:MM:SS.ffffff`` (the format SQLAlchemy uses on SQLite).

    ``numpy.datetime_as_string`` writes ``T`` between date and time; it is replaced in place
    through a ``uint32`` view of the fixed-width text (one vector operation, no per-row work).
    """
    s = pd.to_datetime(values, utc=True)
    stamps = pd.DatetimeIndex(s).tz_localize(None).to_numpy(dtype="datetime64[us]")
    # Events share instants (hours, days): format each distinct one once.
    codes, uniques = pd.factorize(stamps)
    text = np.datetime_as_string(np.asarray(uniques, dtype="datetime64[us]"), unit="us")
    if len(text):
        width = text.dtype.itemsize // 4
        chars = text.view(np.uint32).reshape(len(text), width)
        if width > 10:
            sep = chars[:, 10]
            sep[sep == ord("T")] = ord(" ")
    table = np.empty(len(text) + 1, dtype=object)  # the last entry (None) is for NaT, code -1
    table[:-1] = text
    return table[codes]


def _check_frame(frame: pd.DataFrame) -> None:
    missing = REQUIRED_FRAME_COLUMNS - set(frame.columns)
    if missing:
        raise ValueError(f"event frame lacks columns {sorted(missing)}")


KEY_COLUMNS: tuple[str, ...] = ("event_id", "source", "source_id", "row_hash")
_LOOKUP_CHUNK = 500
"""Ids per ``IN (...)`` query when a small frame is looked up id by id."""
_SMALL_FRAME = 20_000
"""Frames up to this size look up their own ids; larger ones read all keys of their sources."""


def _fetch(conn: Connection, sql: str, params: Sequence[Any]) -> list[tuple[Any, ...]]:
    """Run a read on the raw DBAPI cursor of ``conn`` (plain tuples, no Row objects)."""
    if conn.dialect.paramstyle != "qmark":
        sql = sql.replace("?", "%s")
    raw: Any = conn.connection.dbapi_connection
    assert raw is not None
    cur = raw.cursor()
    try:
        cur.execute(sql, tuple(params))
        return list(cur.fetchall())
    finally:
        cur.close()


def _key_frame(rows: list[tuple[Any, ...]]) -> pd.DataFrame:
    if not rows:
        return pd.DataFrame({
            "event_id": pd.Series([], dtype="int64"),
            "source": pd.Series([], dtype=object),
            "source_id": pd.Series([], dtype=object),
            "row_hash": pd.Series([], dtype=object),
        })
    ids, srcs, sids, hashes = zip(*rows, strict=True)
    return pd.DataFrame({
        "event_id": np.fromiter(ids, dtype=np.int64, count=len(rows)),
        "source": np.array(srcs, dtype=object),
        "source_id": np.array(sids, dtype=object),
        "row_hash": np.array(hashes, dtype=object),
    })


def existing_keys(
    conn: Connection, sources: Sequence[str], source_ids: Sequence[str] | None = None
) -> pd.DataFrame:
    """Return ``event_id, source, source_id, row_hash`` of stored events of these sources.

    Reads plain tuples through the DBAPI cursor. With ``source_ids`` only those ids are
    looked up (in chunks), which is what a small import into a large store wants.
    """
    sources = list(dict.fromkeys(str(s) for s in sources))
    if not sources:
        return _key_frame([])
    head = "SELECT event_id, source, source_id, row_hash FROM events WHERE source IN ("
    head += ", ".join("?" * len(sources)) + ")"
    if source_ids is None:
        return _key_frame(_fetch(conn, head, sources))
    ids = list(dict.fromkeys(str(s) for s in source_ids))
    rows: list[tuple[Any, ...]] = []
    for i in range(0, len(ids), _LOOKUP_CHUNK):
        part = ids[i : i + _LOOKUP_CHUNK]
        sql = f"{head} AND source_id IN ({', '.join('?' * len(part))})"
        rows.extend(_fetch(conn, sql, [*sources, *part]))
    return _key_frame(rows)


def _has_events(conn: Connection, sources: Sequence[str]) -> bool:
    sql = f"SELECT 1 FROM events WHERE source IN ({', '.join('?' * len(sources))}) LIMIT 1"
    return bool(_fetch(conn, sql, list(sources)))


def _keys(source: np.ndarray, source_id: np.ndarray, single: bool) -> np.ndarray:
    if single:
        return source_id
    return source.astype(object) + "\x1f" + source_id.astype(object)


def upsert_events(
    conn: Connection,
    frame: pd.DataFrame,
    *,
    import_id: int | None,
    progress: Callable[[int], None] | None = None,
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
    progress : callable, optional
        ``progress(done)``: rows of ``frame`` dealt with so far (unchanged rows count once
        compared, new rows as they are written, every :data:`PROGRESS_EVERY` rows).

    Returns
    -------
    (inserted, updated, unchanged) : tuple of int

    Notes
    -----
    A source with no stored events skips the comparison (every row is new). Otherwise the
    stored keys are read as plain tuples and matched with a hash index
    (``pandas.Index.get_indexer``); unchanged rows are found by comparing ``row_hash``
    arrays, so re-importing an unchanged file does no per-row Python work beyond that.
    """
    _check_frame(frame)
    if frame.empty:
        return 0, 0, 0
    source = frame["source"].astype(str).to_numpy(dtype=object)
    source_id = frame["source_id"].astype(str).to_numpy(dtype=object)
    sources = list(pd.unique(source))
    single = len(sources) == 1
    keys = _keys(source, source_id, single)
    dup = pd.Index(keys).duplicated()
    if dup.any():
        raise ValueError(f"event frame has duplicate source_id {source_id[dup][0]!r}")
    if not _has_events(conn, sources):
        _insert_rows(conn, frame, import_id, progress=progress)
        if progress is not None:
            progress(len(frame))
        return len(frame), 0, 0
    known = existing_keys(
        conn, sources, source_id.tolist() if len(frame) <= _SMALL_FRAME else None
    )
    known_keys = _keys(
        known["source"].to_numpy(dtype=object), known["source_id"].to_numpy(dtype=object), single
    )
    pos = pd.Index(known_keys).get_indexer(keys)
    is_new = pos < 0
    found = ~is_new
    is_changed = np.zeros(len(frame), dtype=bool)
    if found.any():
        stored_hash = known["row_hash"].to_numpy(dtype=object)[pos[found]]
        new_hash = frame["row_hash"].astype(str).to_numpy(dtype=object)[found]
        is_changed[found] = stored_hash != new_hash
    n_new, n_changed = int(is_new.sum()), int(is_changed.sum())
    n_same = len(frame) - n_new - n_changed
    if progress is not None:
        progress(n_same)
    if is_new.any():
        _insert_rows(conn, frame.loc[is_new], import_id, progress=progress, done=n_same)
    if is_changed.any():
        changed = frame.loc[is_changed].copy()
        changed["event_id"] = known["event_id"].to_numpy()[pos[is_changed]]
        _update_rows(conn, changed, import_id)
    if progress is not None:
        progress(len(frame))
    return n_new, n_changed, len(frame) - n_new - n_changed


def _column_lists(rows: pd.DataFrame, import_id: int | None) -> list[list[Any]]:
    """The insert values column by column (Python objects, as the drivers want them)."""
    n = len(rows)

    def text(col: str) -> list[Any]:
        values = rows[col].to_numpy(dtype=object)
        if pd.api.types.infer_dtype(values, skipna=False) != "string":
            values = rows[col].astype(str).to_numpy(dtype=object)
        return values.tolist()

    def number(col: str) -> list[Any]:
        return rows[col].to_numpy(dtype=float).tolist()

    raw_attrs = rows["attrs"].to_numpy(dtype=object)
    attrs = raw_attrs.copy()
    attrs[np.asarray(pd.isna(raw_attrs), dtype=bool)] = None
    cols: dict[str, list[Any]] = {
        "source": text("source"),
        "source_id": text("source_id"),
        "category": text("category"),
        "occurred_at": _timestamps_as_text(rows["occurred_at"]).tolist(),
        "time_precision": text("time_precision"),
        "x": number("x"),
        "y": number("y"),
        "lon": number("lon"),
        "lat": number("lat"),
        "attrs": attrs.tolist(),
        "row_hash": text("row_hash"),
    }
    return [cols[c] for c in EVENT_COLUMNS] + [[import_id] * n]


def _row_tuples(rows: pd.DataFrame, import_id: int | None) -> Iterator[tuple[Any, ...]]:
    """Row tuples for ``executemany``/``COPY``, made one at a time as the driver asks."""
    return zip(*_column_lists(rows, import_id), strict=True)


REBUILD_INDEXES_FROM = 50_000
"""SQLite inserts at least this large (and larger than the table) rebuild the indexes."""


def _sqlite_index_sql(conn: Connection) -> list[tuple[str, str]]:
    rows = _fetch(
        conn,
        "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = 'events' "
        "AND sql IS NOT NULL ORDER BY name",
        [],
    )
    return [(str(r[0]), str(r[1])) for r in rows]


PROGRESS_EVERY = 20_000
"""Rows written between two calls of an insert's ``progress``."""


def _counted(
    tuples: Iterator[tuple[Any, ...]], progress: Callable[[int], None], done: int
) -> Iterator[tuple[Any, ...]]:
    """The rows as they are, calling ``progress(done + written)`` every PROGRESS_EVERY rows."""
    for i, row in enumerate(tuples, 1):
        if i % PROGRESS_EVERY == 0:
            progress(done + i)
        yield row


def _insert_rows(
    conn: Connection,
    rows: pd.DataFrame,
    import_id: int | None,
    *,
    progress: Callable[[int], None] | None = None,
    done: int = 0,
) -> None:
    if rows.empty:
        return
    tuples = _row_tuples(rows, import_id)
    if progress is not None:
        tuples = _counted(tuples, progress, done)
    names = (*EVENT_COLUMNS, "import_id")
    raw: Any = conn.connection.dbapi_connection
    if conn.dialect.name == "sqlite":
        sql = f"INSERT INTO events ({', '.join(names)}) VALUES ({', '.join('?' * len(names))})"
        rebuild: list[tuple[str, str]] = []
        if len(rows) >= REBUILD_INDEXES_FROM:
            top = _fetch(conn, "SELECT max(event_id) FROM events", [])[0][0] or 0
            if len(rows) >= top:
                # Filling a B-tree in random key order costs far more than sorting once: drop
                # the secondary indexes and build them again after the insert. DDL is part of
                # the transaction, so an interruption restores them with the old rows.
                rebuild = _sqlite_index_sql(conn)
                if rebuild and not raw.in_transaction:
                    # pysqlite opens its transaction lazily at the first INSERT; DDL before
                    # that would be autocommitted and survive a rollback.
                    conn.exec_driver_sql("BEGIN")
        for name, _ in rebuild:
            conn.exec_driver_sql(f'DROP INDEX "{name}"')
        cursor = raw.cursor()
        try:
            # The raw cursor takes the row iterator as it is (SQLAlchemy wants a list): no
            # million-tuple list in memory, and each row is built as SQLite asks for it.
            cursor.executemany(sql, tuples)
        finally:
            cursor.close()
        for _, create in rebuild:
            conn.exec_driver_sql(create)
        if rebuild:
            # Statistics let the planner skip-scan the category-time index for a time range
            # over all categories (40 ms instead of a 90 ms scan at 1M rows; ANALYZE 0.14 s).
            conn.exec_driver_sql("ANALYZE events")
    elif conn.dialect.name == "postgresql":
        with raw.cursor() as cur, cur.copy(f"COPY events ({', '.join(names)}) FROM STDIN") as copy:
            for row in tuples:
                copy.write_row(row)
    else:  # pragma: no cover - other dialects through Core
        conn.execute(insert(events), [dict(zip(names, r, strict=True)) for r in tuples])


_UPDATED = ("category", "occurred_at", "time_precision", "x", "y", "lon", "lat", "attrs", "row_hash")


def _update_rows(conn: Connection, rows: pd.DataFrame, import_id: int | None) -> None:
    cols = dict(zip((*EVENT_COLUMNS, "import_id"), _column_lists(rows, import_id), strict=True))
    ids = rows["event_id"].astype(int).tolist()
    if conn.dialect.name == "sqlite":
        sets = ", ".join(f"{c} = ?" for c in (*_UPDATED, "import_id"))
        params = list(zip(*(cols[c] for c in (*_UPDATED, "import_id")), ids, strict=True))
        conn.exec_driver_sql(f"UPDATE events SET {sets} WHERE event_id = ?", params)
        return
    from sqlalchemy import bindparam

    occurred = pd.DatetimeIndex(pd.to_datetime(rows["occurred_at"], utc=True)).tz_localize(None)
    cols["occurred_at"] = list(occurred.to_pydatetime())
    records = [
        {**{f"b_{c}": v for c, v in zip(_UPDATED, vals, strict=True)},
         "b_import_id": import_id, "b_event_id": eid}
        for *vals, eid in zip(*(cols[c] for c in _UPDATED), ids, strict=True)
    ]
    stmt = (
        update(events)
        .where(events.c.event_id == bindparam("b_event_id"))
        .values(**{c: bindparam(f"b_{c}") for c in (*_UPDATED, "import_id")})
    )
    conn.execute(stmt, records)


@reads
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


FRAME_COLUMNS: tuple[str, ...] = (
    "event_id",
    "x",
    "y",
    "lon",
    "lat",
    "occurred_at",
    "time_precision",
    "category",
    "role",
    "source",
    "source_id",
    "harm_weight",
    "attrs",
)
"""Columns of :func:`read_events` (before the geometry)."""


@reads
def read_events(
    conn: Connection,
    *,
    crs: str,
    taxonomy: Taxonomy,
    categories: Sequence[str] | None = None,
    start: dt.datetime | None = None,
    end: dt.datetime | None = None,
    bbox: tuple[float, float, float, float] | None = None,
) -> gpd.GeoDataFrame:
    """Events as a GeoDataFrame in ``crs`` with each category's role and harm weight.

    ``start`` inclusive, ``end`` exclusive, both naive UTC; see :meth:`Workspace.events`.
    """
    import geopandas as gpd

    frame = select_events(conn, categories=categories, start=start, end=end, bbox=bbox)
    role_of = {c.name: c.role for c in taxonomy}
    weight_of = {c.name: c.harm_weight for c in taxonomy}
    frame["role"] = frame["category"].map(role_of).astype(object)
    frame["harm_weight"] = frame["category"].map(weight_of).fillna(0.0).astype(float)
    frame = frame[list(FRAME_COLUMNS)]
    geometry = gpd.points_from_xy(frame["x"].to_numpy(), frame["y"].to_numpy())
    return gpd.GeoDataFrame(frame, geometry=geometry, crs=crs)
