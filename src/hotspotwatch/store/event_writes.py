"""The one write path of the events table.

Every writer of events goes through :func:`write_events`: the file importers
(:func:`hotspotwatch.workflows.ingest.import_events`), :meth:`Workspace.add_events`
(scenarios, notebooks) and the prevention-action log of the dashboard. It completes the
frame the same way for all of them (source, lon/lat of the stored point, time precision,
attributes, the content hash of :func:`hotspotwatch.store.hashing.row_hash`), checks it,
and upserts it by ``(source, source_id)``. A row stored by one path is therefore
"unchanged" when another path writes the same content.

:func:`import_events` wraps :func:`write_events` with an import record and the quarantine
in one bulk transaction: one file (or frame), one transaction, and
``read == inserted + updated + unchanged + quarantined``.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pandas as pd
from sqlalchemy import Connection, Engine

from hotspotwatch.geo.crs import to_lonlat
from hotspotwatch.store.access import Database
from hotspotwatch.store.engine import bulk_transaction
from hotspotwatch.store.events import upsert_events
from hotspotwatch.store.hashing import row_hash
from hotspotwatch.store.imports import (
    ImportRecord,
    add_quarantine,
    finish_import,
    quarantined_before,
    record_import,
)

IDENTITY_COLUMNS: tuple[str, ...] = ("source_id", "occurred_at", "x", "y", "category")
"""Columns an event frame must have (``source`` may be given as an argument instead)."""


def complete_events(
    frame: pd.DataFrame, *, crs: str, source: str | None = None
) -> pd.DataFrame:
    """The frame with every stored column, checked (the frame itself is not modified).

    Parameters
    ----------
    frame : DataFrame
        ``source_id, occurred_at`` (tz-aware, or naive UTC), ``x, y`` (workspace CRS),
        ``category``; optional ``source``, ``lon, lat`` (computed from x/y when absent),
        ``time_precision`` (default ``"instant"``), ``attrs`` (JSON text), ``row_hash``
        (computed when absent; a given one must come from
        :func:`~hotspotwatch.store.hashing.row_hash`).
    crs : str
        The workspace CRS of ``x, y``.
    source : str, optional
        Source name of every row (overrides a ``source`` column).

    Raises
    ------
    ValueError
        If a column is missing or a row has no x/y (nothing is written).

    Examples
    --------
    >>> f = pd.DataFrame({"source_id": ["a"], "occurred_at": [pd.Timestamp("2024-01-01", tz="UTC")],
    ...                   "x": [648799.0], "y": [670689.0], "category": ["shooting"]})
    >>> out = complete_events(f, crs="EPSG:3812", source="s")
    >>> out[["source", "time_precision"]].iloc[0].tolist(), round(float(out["lon"].iloc[0]), 3)
    (['s', 'instant'], 4.352)
    """
    missing = set(IDENTITY_COLUMNS) - set(frame.columns)
    if source is None and "source" not in frame.columns:
        missing.add("source")
    if missing:
        raise ValueError(f"frame lacks columns {sorted(missing)}")
    if frame.empty:
        return frame.assign(
            **{c: pd.Series([], dtype=object) for c in _OPTIONAL if c not in frame.columns}
        )
    if frame[["x", "y"]].isna().any().any():
        raise ValueError("some rows have no x/y coordinates")
    # A frame that already has every column in the stored form (the file importer's, a
    # million rows) is passed through without a copy.
    if source is None and set(_OPTIONAL) <= set(frame.columns) and _stored_form(frame):
        return frame
    df = frame.copy()
    if source is not None:
        df["source"] = source
    df["source"] = df["source"].astype(str)
    df["source_id"] = df["source_id"].astype(str)
    df["occurred_at"] = pd.to_datetime(df["occurred_at"], utc=True)
    if "lon" not in df or "lat" not in df:
        df["lon"], df["lat"] = to_lonlat(df["x"].to_numpy(float), df["y"].to_numpy(float), crs)
    if "time_precision" not in df:
        df["time_precision"] = "instant"
    if "attrs" not in df:
        df["attrs"] = None
    if "row_hash" not in df or df["row_hash"].isna().any():
        df["row_hash"] = row_hash(df)
    return df


_OPTIONAL: tuple[str, ...] = ("source", "lon", "lat", "time_precision", "attrs", "row_hash")


def _stored_form(frame: pd.DataFrame) -> bool:
    occurred = frame["occurred_at"]
    return (
        isinstance(occurred.dtype, pd.DatetimeTZDtype)
        and not frame["row_hash"].isna().any()
        and not np.any(frame["lon"].isna())
    )


def write_events(
    conn: Connection,
    frame: pd.DataFrame,
    *,
    crs: str,
    import_id: int | None = None,
    source: str | None = None,
    progress: Callable[[int], None] | None = None,
) -> tuple[int, int, int]:
    """Store events: THE only function that writes the events table.

    Completes and checks the frame (:func:`complete_events`), then inserts new
    ``(source, source_id)`` pairs, updates rows whose content hash changed and leaves
    identical rows alone. Runs inside the caller's transaction (never commits), so a
    writer can store an event together with what it belongs to (a prevention action).

    Parameters
    ----------
    conn : Connection
        An open connection inside the caller's transaction.
    frame : DataFrame
        Events (see :func:`complete_events` for the columns).
    crs : str
        The workspace CRS (``ws.config.crs``).
    import_id : int, optional
        The import record these rows come from (``None`` for rows logged one by one).
    source : str, optional
        Source name of every row, if the frame has no ``source`` column.
    progress : callable, optional
        ``progress(done)``, rows dealt with so far (see
        :func:`~hotspotwatch.store.events.upsert_events`).

    Returns
    -------
    (inserted, updated, unchanged) : tuple of int
    """
    rows = complete_events(frame, crs=crs, source=source)
    counts = upsert_events(conn, rows, import_id=import_id, progress=progress)
    if sum(counts) != len(rows):  # pragma: no cover - store contract
        raise RuntimeError(f"store accounted {sum(counts)} rows for {len(rows)} events")
    return counts


def import_events(
    db: Database,
    frame: pd.DataFrame,
    *,
    crs: str,
    record: ImportRecord,
    quarantine: pd.DataFrame | None = None,
    read: int | None = None,
    progress: Callable[[int], None] | None = None,
) -> tuple[int, dict[str, int]]:
    """Store a batch of events with its import record and quarantine in one transaction.

    Parameters
    ----------
    db : Engine or Connection
        The store (one bulk transaction for this batch), or an open connection: the batch
        joins the caller's transaction (several files in one, see :func:`store_import`).
    frame : DataFrame
        Accepted events (see :func:`complete_events`); rows without ``source`` get
        ``record.source``.
    crs : str
        The workspace CRS.
    record : ImportRecord
        Where the events come from.
    quarantine : DataFrame, optional
        Rejected rows (``row_number, raw_row, field, reason``).
    read : int, optional
        Rows read (default ``len(frame) + len(quarantine)``).
    progress : callable, optional
        ``progress(done)``: accepted rows written so far.

    Returns
    -------
    (import_id, counts)
        ``counts`` has ``read, inserted, updated, unchanged, quarantined`` and
        ``already_quarantined`` (see :func:`store_import`).
    """
    if not isinstance(db, Engine):
        return store_import(db, frame, crs=crs, record=record, quarantine=quarantine, read=read,
                            progress=progress)
    with bulk_transaction(db) as conn:
        return store_import(conn, frame, crs=crs, record=record, quarantine=quarantine, read=read,
                            progress=progress)


def store_import(
    conn: Connection,
    frame: pd.DataFrame,
    *,
    crs: str,
    record: ImportRecord,
    quarantine: pd.DataFrame | None = None,
    read: int | None = None,
    progress: Callable[[int], None] | None = None,
) -> tuple[int, dict[str, int]]:
    """:func:`import_events` inside the caller's transaction (several files in one).

    Quarantined rows the store already holds for the source (an earlier import of the same
    file, see :func:`~hotspotwatch.store.imports.quarantined_before`) are not stored again:
    ``quarantined`` counts every rejected row of the file (so that ``read == inserted +
    updated + unchanged + quarantined``), ``already_quarantined`` those not stored again.
    ``progress(done)`` is given the accepted rows written so far.
    """
    n_quarantined = 0 if quarantine is None else len(quarantine)
    source = None if "source" in frame.columns else record.source
    import_id = record_import(
        conn,
        kind=record.kind,
        file=record.file,
        fingerprint=record.fingerprint,
        fmt=record.fmt,
        source=record.source,
        user=record.user,
    )
    ins, upd, unch = write_events(
        conn, frame, crs=crs, import_id=import_id, source=source, progress=progress
    )
    already = 0
    if quarantine is not None and len(quarantine):
        known = quarantined_before(conn, record.source, quarantine)
        already = int(known.sum())
        add_quarantine(conn, import_id, record.file, quarantine[~known])
    counts = {
        "read": len(frame) + n_quarantined if read is None else int(read),
        "inserted": ins,
        "updated": upd,
        "unchanged": unch,
        "quarantined": n_quarantined,
    }
    finish_import(conn, import_id, counts)
    return import_id, {**counts, "already_quarantined": already}


__all__ = [
    "IDENTITY_COLUMNS",
    "ImportRecord",
    "complete_events",
    "import_events",
    "store_import",
    "write_events",
]
