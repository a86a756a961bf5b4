"""Content hashes of stored event rows: one function for every writer of the events table.

A row's ``row_hash`` tells, per ``(source, source_id)``, whether a re-imported row changed;
every path that writes events (file imports, :meth:`Workspace.add_events`, the prevention
log) hashes with :func:`row_hash`, so a row is "unchanged" whichever path stored it.
"""

from __future__ import annotations

import hashlib

import numpy as np
import pandas as pd


def row_hash(frame: pd.DataFrame) -> np.ndarray:
    """64-bit content hash (16 hex digits) of ``category, occurred_at(ns), precision, x_mm,
    y_mm, attrs`` per row.

    Vectorised (see :func:`hash_columns`): a million rows take a fraction of a second. It
    only has to tell, per ``(source, source_id)``, whether a row changed, so 64 bits leave a
    chance of about 5e-20 that a correction goes unnoticed.
    """
    if frame.empty:
        return np.array([], dtype=object)
    ns = pd.DatetimeIndex(frame["occurred_at"]).as_unit("ns").asi8
    x_mm = np.round(frame["x"].to_numpy(dtype=float) * 1000).astype(np.int64)
    y_mm = np.round(frame["y"].to_numpy(dtype=float) * 1000).astype(np.int64)
    h = hash_columns([
        frame["category"].to_numpy(dtype=object),
        ns,
        frame["time_precision"].to_numpy(dtype=object),
        x_mm,
        y_mm,
        frame["attrs"].to_numpy(dtype=object),
    ])
    return hex64(h)


_M1 = np.uint64(0xBF58476D1CE4E5B9)
_M2 = np.uint64(0x94D049BB133111EB)
_GOLDEN = np.uint64(0x9E3779B97F4A7C15)
_NULL_HASH = np.uint64(0x6A09E667F3BCC908)  # a missing value (no text hashes to it but by chance)


def _mix64(z: np.ndarray) -> np.ndarray:
    """The splitmix64 finaliser (Steele, Lea & Flood 2014), elementwise on ``uint64``."""
    z = (z ^ (z >> np.uint64(30))) * _M1
    z = (z ^ (z >> np.uint64(27))) * _M2
    return z ^ (z >> np.uint64(31))


def _column_words(values: np.ndarray) -> np.ndarray:
    """One ``uint64`` per value: integers as they are, text by BLAKE2b-64 of each distinct value."""
    if values.dtype.kind in "iu":
        return values.astype(np.int64).view(np.uint64)
    codes, uniques = pd.factorize(values, use_na_sentinel=True)
    table = np.fromiter(
        (int.from_bytes(hashlib.blake2b(str(u).encode("utf-8"), digest_size=8).digest(), "little")
         for u in uniques),
        dtype=np.uint64,
        count=len(uniques),
    )
    table = np.append(table, _NULL_HASH)
    return table[codes]  # code -1 (missing) picks the last entry


def hash_columns(columns: list[np.ndarray]) -> np.ndarray:
    """Combine columns into one stable 64-bit hash per row (``uint64`` array).

    Integers enter as their two's-complement bits; text and other objects through a BLAKE2b
    digest of each distinct value (so the cost is per distinct value, not per row); missing
    values as a fixed word. Columns are chained with the splitmix64 finaliser, so the order
    of the columns matters. The result depends on nothing but these rules, not on library
    versions: stored hashes stay valid across upgrades.
    """
    n = len(columns[0]) if columns else 0
    h = np.full(n, _GOLDEN, dtype=np.uint64)
    with np.errstate(over="ignore"):
        for i, col in enumerate(columns, start=1):
            words = _column_words(np.asarray(col))
            h = _mix64(h ^ _mix64(words + np.uint64(i) * _GOLDEN))
    return h


_HEX = np.frombuffer(b"0123456789abcdef", dtype=np.uint8)


def hex64(h: np.ndarray) -> np.ndarray:
    """``uint64`` values as 16 lower-case hex digits (object array of ``str``)."""
    n = len(h)
    octets = np.asarray(h, dtype=np.uint64).astype(">u8").view(np.uint8).reshape(n, 8)
    out = np.empty((n, 16), dtype=np.uint8)
    out[:, 0::2] = _HEX[octets >> 4]
    out[:, 1::2] = _HEX[octets & 15]
    return out.view("S16").ravel().astype("U16").astype(object)


def row_hashes(frame: pd.DataFrame) -> np.ndarray:
    """Content hash of each row, the same one the file importers store.

    ``frame`` has ``category, occurred_at, time_precision, x, y, attrs``; see
    :func:`hotspotwatch.store.hashing.row_hash` (64-bit, 16 hex digits, vectorised). One hash
    function for every writer, so a row is "unchanged" whichever path stored it (and
    :func:`hotspotwatch.store.event_writes.write_events` computes it when a frame has none).
    """
    frame = frame.copy()
    if "time_precision" not in frame:
        frame["time_precision"] = "instant"
    if "attrs" not in frame:
        frame["attrs"] = None
    frame["occurred_at"] = pd.to_datetime(frame["occurred_at"], utc=True)
    return row_hash(frame)


def frame_fingerprint(frame: pd.DataFrame) -> str:
    """SHA-256 of a frame's identities and content hashes (a fingerprint for in-memory imports)."""
    h = hashlib.sha256()
    for sid, rh in zip(frame["source_id"].astype(str), frame["row_hash"], strict=True):
        h.update(f"{sid}\x1f{rh}\x1e".encode())
    return h.hexdigest()

__all__ = ["frame_fingerprint", "hash_columns", "hex64", "row_hash", "row_hashes"]
