"""Presence rows: session ids, row hashes, and sessions built from GPS pings (split from
:mod:`hotspotwatch.io.presence`, which imports this module last)."""

from __future__ import annotations

import hashlib

import numpy as np
import pandas as pd

from hotspotwatch.io.presence import (
    NormalisedPresence,
    PresenceMapping,
    _parse_time,
    _quarantine,
)
from hotspotwatch.io.raw import RawTable
from hotspotwatch.io.validate import Flags, as_text


def _ids(raw: RawTable, m: PresenceMapping, flags: Flags) -> np.ndarray:
    n = len(raw.frame)
    icol = m.columns.get("id")
    if icol is not None:
        text = as_text(raw.frame[icol])
        ids = text.to_numpy(dtype=object)
        has = (text != "").to_numpy(dtype=bool)
        dup = has & text.duplicated(keep="first").to_numpy(dtype=bool)
        flags.add(dup, icol, [f"duplicate id {v!r}" for v in ids[dup]])
        if has.all():
            return ids
    else:
        ids = np.full(n, "", dtype=object)
        has = np.zeros(n, dtype=bool)
    sub = raw.frame.astype(str).agg("\x1f".join, axis=1).to_numpy(dtype=object)
    fps = np.array([hashlib.sha1(v.encode("utf-8")).hexdigest() for v in sub], dtype=object)
    ordinal = pd.Series(fps).groupby(fps).cumcount().to_numpy()
    out = ids.copy()
    out[~has] = [f"{f}:{o}" for f, o in zip(fps[~has], ordinal[~has], strict=True)]
    return out


def presence_hash(frame: pd.DataFrame) -> np.ndarray:
    """64-bit content hash of a session row (unit type, instants, place) as 16 hex digits."""
    from hotspotwatch.store.hashing import hash_columns, hex64

    if frame.empty:
        return np.array([], dtype=object)

    def mm(c: str) -> np.ndarray:
        return np.round(np.nan_to_num(frame[c].to_numpy(float), nan=-1e12) * 1000).astype(np.int64)

    return hex64(
        hash_columns(
            [
                frame["unit_type"].to_numpy(dtype=object),
                pd.DatetimeIndex(frame["started_at"]).as_unit("ns").asi8,
                pd.DatetimeIndex(frame["ended_at"]).as_unit("ns").asi8,
                frame["hotspot"]
                .astype(object)
                .where(frame["hotspot"].notna(), "")
                .to_numpy(dtype=object),
                mm("x"),
                mm("y"),
                np.array(
                    [
                        hashlib.sha1(g).hexdigest() if g is not None else ""
                        for g in frame["geometry"]
                    ],
                    dtype=object,
                ),
            ]
        )
    )


def _pings(
    raw: RawTable,
    m: PresenceMapping,
    flags: Flags,
    tz: str,
    unit_types: np.ndarray,
    x: np.ndarray,
    y: np.ndarray,
    dropped: tuple[str, ...],
) -> NormalisedPresence:
    from hotspotwatch.analysis.dose.sessions import build_sessions

    frame = raw.frame
    ucol, tcol = m.columns["unit"], m.columns["time"]
    unit_text = as_text(frame[ucol]).to_numpy(dtype=object)
    flags.add(unit_text == "", ucol, f"no unit: {ucol!r} is empty")
    t = _parse_time(frame, tcol, m, tz, flags)
    ok = flags.ok
    codes, uniques = pd.factorize(unit_text[ok])
    secs = pd.DatetimeIndex(t[ok]).as_unit("s").asi8
    built = build_sessions(
        codes,
        secs,
        x[ok],
        y[ok],
        gap_s=m.gap_s,
        radius_m=m.radius_m,
        min_duration_s=m.min_duration_s,
    )
    first = np.flatnonzero(ok)[built.first_ping]
    unit_of = np.asarray(uniques, dtype=object)[built.unit]
    start = pd.DatetimeIndex(pd.to_datetime(built.start_s, unit="s")).tz_localize("UTC")
    end = pd.DatetimeIndex(pd.to_datetime(built.end_s, unit="s")).tz_localize("UTC")
    ids = np.array(
        [
            hashlib.sha1(f"{u}\x1f{s}".encode()).hexdigest()[:32]
            for u, s in zip(unit_of, built.start_s, strict=True)
        ],
        dtype=object,
    )
    out = pd.DataFrame(
        {
            "source": m.source,
            "source_id": ids,
            "unit_type": unit_types[first],
            "started_at": start,
            "ended_at": end,
            "hotspot": np.full(len(built), None, dtype=object),
            "x": built.x,
            "y": built.y,
            "geometry": np.full(len(built), None, dtype=object),
        }
    )
    out["row_hash"] = presence_hash(out)
    q = _quarantine(raw, flags, hide=ucol)
    in_sessions = int(built.pings.sum())
    assert in_sessions + built.dropped_pings + len(q) == raw.read
    return NormalisedPresence(
        sessions=out,
        quarantine=q,
        read=raw.read,
        fmt=raw.fmt,
        kind="pings",
        dropped_columns=dropped,
        pings_in_sessions=in_sessions,
        dropped_pings=built.dropped_pings,
    )


__all__ = ["presence_hash"]
