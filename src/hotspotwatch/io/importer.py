"""Read → map → validate → normalised events + quarantine.

:func:`normalise` turns a :class:`~hotspotwatch.io.raw.RawTable` into the frame the store
expects (see ``store.event_writes.write_events``) and a quarantine frame, so that for every file::

    read == len(events) + len(quarantine)

Identity of an event is ``(source, source_id)``. ``source_id`` is the mapped id column, or
for rows without an id a SHA-1 fingerprint of the whole raw row plus ``":"`` and its ordinal
among identical rows in the file: re-importing a file finds the same ids (a no-op) and two
genuinely identical rows both survive. ``row_hash`` is a 64-bit hash (16 hex digits) of the
normalised content (category, instant, precision, x and y to the millimetre, attributes) so a
corrected row is seen as changed.
"""

from __future__ import annotations

import difflib
import hashlib
import json
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from hotspotwatch.domain.taxonomy import Taxonomy
from hotspotwatch.io.coordinates import PARALLEL_FROM, coordinates, transform_points
from hotspotwatch.io.errors import SourceError
from hotspotwatch.io.mapping import FILE_FORMATS, EventMapping
from hotspotwatch.io.raw import (
    QUARANTINE_COLUMNS,
    RawTable,
    check_file,
    empty_quarantine,
    raw_json,
)
from hotspotwatch.io.validate import (
    Flags,
    as_text,
    map_categories,
    parse_date_hour,
    parse_time_column,
)
from hotspotwatch.store.events import EVENT_COLUMNS
from hotspotwatch.store.hashing import hash_columns, hex64, row_hash

# The store's columns plus the file row number (kept for messages, not stored).
EVENT_FRAME_COLUMNS: tuple[str, ...] = (*EVENT_COLUMNS, "row_number")
MAX_ID_LENGTH = 200
Progress = Callable[[str, int, int], None]

_EXTENSIONS = {
    ".csv": "csv",
    ".txt": "csv",
    ".tsv": "csv",
    ".gz": "csv",
    ".parquet": "parquet",
    ".pq": "parquet",
    ".geoparquet": "parquet",
    ".geojson": "geojson",
    ".json": "geojson",
    ".gpkg": "gpkg",
}


@dataclass(frozen=True)
class NormalisedImport:
    """The outcome of reading and normalising one file (nothing written yet).

    Attributes
    ----------
    events : DataFrame
        Accepted rows, columns :data:`EVENT_FRAME_COLUMNS`.
    quarantine : DataFrame
        Rejected rows: ``row_number, raw_row, field, reason``.
    read : int
        Data rows in the file; always ``len(events) + len(quarantine)``.
    fmt : str
        File format that was read.
    empty : int
        Empty rows skipped (blank lines, lines of only delimiters): not in ``read``.
    """

    events: pd.DataFrame
    quarantine: pd.DataFrame
    read: int
    fmt: str
    empty: int = 0


def detect_format(path: str | Path, mapping: EventMapping | None = None) -> str:
    """File format from the mapping's ``[read] format`` or the file extension.

    Raises
    ------
    SourceError
        If the extension is unknown and the mapping does not say.
    """
    if mapping is not None and mapping.read.get("format"):
        return mapping.read["format"]
    p = Path(path)
    fmt = _EXTENSIONS.get(p.suffix.lower())
    if fmt is None:
        raise SourceError(
            f"{p}: cannot tell the format from the extension {p.suffix!r}; use .csv, .parquet, "
            f'.geojson or .gpkg, or set format = "csv" under [read] in the mapping'
        )
    return fmt


def read_source(path: str | Path, mapping: EventMapping, *, fmt: str | None = None) -> RawTable:
    """Read a source file with the reader for its format.

    Raises
    ------
    SourceError
        Missing/unreadable file, or a file that is not of its format (a PNG named ``.csv``,
        see :func:`hotspotwatch.io.sniff.check_content`): one-line message.
    """
    kind = fmt or detect_format(path, mapping)
    if kind not in FILE_FORMATS:
        raise SourceError(f"{path}: unknown format {kind!r}; use one of {', '.join(FILE_FORMATS)}")
    from hotspotwatch.io.sniff import check_content

    check_content(check_file(path), kind)  # a PNG named .csv: say so, not "column '\x89PNG'"
    if kind == "csv":
        from hotspotwatch.io.csv import read_csv

        return read_csv(path, delimiter=mapping.read.get("delimiter"), encoding=mapping.read.get("encoding"))
    if kind == "parquet":
        from hotspotwatch.io.parquet import read_parquet

        return read_parquet(path)
    from hotspotwatch.io.vector import read_vector

    return read_vector(path, layer=mapping.read.get("layer"), fmt=kind)


def check_columns(raw: RawTable, mapping: EventMapping) -> None:
    """Raise a one-line :class:`SourceError` for a mapped column missing from the file."""
    present = list(raw.frame.columns)
    roles = {col: role for role, col in mapping.columns.items()}
    for col in mapping.used_columns():
        if col in present:
            continue
        role = roles.get(col, "keep")
        close = [c for c in present if c.casefold() == col.casefold()]
        close += [c for c in difflib.get_close_matches(col, present, n=3, cutoff=0.5) if c not in close]
        hint = (
            f"closest: {', '.join(repr(c) for c in close[:3])}"
            if close
            else f"the file has: {', '.join(repr(c) for c in present[:12])}"
            + (" …" if len(present) > 12 else "")
        )
        raise SourceError(
            f"{raw.path}: column {col!r} (mapped to `{role}` in {mapping.name}) is not in the "
            f"file — {hint}{raw.hint}"
        )
    if mapping.coordinate_roles is None and raw.geometry is None:
        raise SourceError(
            f"{raw.path}: the mapping names no x/y or lon/lat columns and the file has no "
            "geometry; add x/y (with crs) or lon/lat under [columns]"
        )


def normalise(
    raw: RawTable,
    mapping: EventMapping,
    *,
    crs: str,
    timezone: str,
    taxonomy: Taxonomy,
    extent: tuple[float, float, float, float] | None = None,
) -> NormalisedImport:
    """Map, validate and normalise the rows of a raw table.

    Parameters
    ----------
    raw : RawTable
        Rows as read.
    mapping : EventMapping
        How columns become events.
    crs : str
        Workspace CRS (projected, metres).
    timezone : str
        Workspace time zone, used when the mapping gives none.
    taxonomy : Taxonomy
        Workspace categories.
    extent : tuple of float, optional
        ``(xmin, ymin, xmax, ymax)`` in the workspace CRS; rows outside are quarantined.

    Returns
    -------
    NormalisedImport

    Raises
    ------
    SourceError
        If a mapped column is missing (rows are never the cause of an exception).
    """
    check_columns(raw, mapping)
    frame = raw.frame
    n = len(frame)
    flags = Flags(n)
    tz = mapping.timezone or timezone

    # Coordinates (number parsing in Arrow, PROJ) run mostly without the GIL: work them out on
    # a second thread while this one parses times, categories and ids. They keep their own
    # flags, which come first, so a row's reason is the same as in sequential order.
    coord_flags = Flags(n)
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="hw-coords") as pool:
        coords = pool.submit(coordinates, raw, mapping, crs=crs, extent=extent, flags=coord_flags)
        occurred, precision, categories, source_ids = _attributes(
            raw, mapping, timezone=tz, taxonomy=taxonomy, flags=flags)
        x, y, lon, lat = coords.result()
    flags = coord_flags.then(flags)

    ok = flags.ok
    rows = raw.row_numbers
    quarantine = _quarantine(raw, flags, ok)
    events = _events(raw, mapping, ok, source_ids, categories, occurred, precision, x, y, lon, lat)
    result = NormalisedImport(events=events, quarantine=quarantine, read=raw.read, fmt=raw.fmt,
                              empty=raw.empty)
    assert len(events) + len(quarantine) == raw.read, "accounting identity broken"
    assert len(rows) == n
    return result


def _attributes(
    raw: RawTable, mapping: EventMapping, *, timezone: str, taxonomy: Taxonomy, flags: Flags
) -> tuple[pd.Series, np.ndarray, np.ndarray, np.ndarray]:
    """Instants (UTC), time precisions, categories and source ids of every row."""
    frame = raw.frame
    n = len(frame)
    tz = timezone
    if "time" in mapping.columns:
        tcol = mapping.columns["time"]
        occurred = parse_time_column(frame[tcol], column=tcol, fmt=mapping.time_format, tz=tz, flags=flags)
        precision = np.full(n, mapping.precision or "instant", dtype=object)
    else:
        dcol = mapping.columns["date"]
        hcol = mapping.columns.get("hour")
        occurred, precision = parse_date_hour(
            frame[dcol],
            frame[hcol] if hcol else None,
            date_column=dcol,
            hour_column=hcol,
            fmt=mapping.date_format,
            tz=tz,
            flags=flags,
            precision=mapping.precision,
        )

    if "category" in mapping.columns:
        ccol = mapping.columns["category"]
        categories = map_categories(
            frame[ccol],
            column=ccol,
            table=mapping.categories,
            taxonomy=taxonomy,
            default=mapping.default_category,
            flags=flags,
        )
    else:
        categories = np.full(n, mapping.category, dtype=object)

    source_ids = _source_ids(raw, mapping, flags=flags)
    return occurred, precision, categories, source_ids


def prepare(
    path: str | Path,
    mapping: EventMapping,
    *,
    crs: str,
    timezone: str,
    taxonomy: Taxonomy,
    extent: tuple[float, float, float, float] | None = None,
    fmt: str | None = None,
) -> NormalisedImport:
    """Read and normalise one file (see :func:`read_source` and :func:`normalise`)."""
    raw = read_source(path, mapping, fmt=fmt)
    return normalise(raw, mapping, crs=crs, timezone=timezone, taxonomy=taxonomy, extent=extent)


# --------------------------------------------------------------------------- identity


def _sha1_hex(values: pa.Array | pa.ChunkedArray) -> np.ndarray:
    sha1 = hashlib.sha1
    # UTF-8 bytes straight from Arrow (a cast, no per-row str.encode)
    return np.array([sha1(v).hexdigest() for v in values.cast(pa.binary()).to_pylist()],
                    dtype=object)


def _ordinals(values: np.ndarray) -> np.ndarray:
    """0 for the first row of each distinct value, 1 for the second, ... (in row order).

    The same as ``groupby(values).cumcount()``, on hashed integer codes instead of sorting
    the strings (a sort of 240k fingerprints took most of an id-less import's identity step).
    """
    codes, _ = pd.factorize(values)
    return pd.Series(codes).groupby(codes, sort=False).cumcount().to_numpy()


def _raw_row_text(raw: RawTable, mask: np.ndarray) -> pa.ChunkedArray | pa.Array:
    """The raw row as one text (fields joined by the unit separator) for ``mask`` rows."""
    sub = raw.frame.loc[mask]
    arrays: list[pa.Array | pa.ChunkedArray] = []
    for col in sub.columns:
        s = sub[col]
        if not isinstance(s.dtype, pd.StringDtype):
            s = s.astype(object).where(s.notna(), "").astype(str)
        arrays.append(pa.array(s.to_numpy(dtype=object), type=pa.string()) if not isinstance(
            s.dtype, pd.StringDtype) else pa.array(s, type=pa.string()))
    if raw.geometry is not None:
        import shapely

        wkb = shapely.to_wkb(raw.geometry[mask], hex=True)
        arrays.append(pa.array([w or "" for w in wkb], type=pa.string()))
    if not arrays:
        return pa.array([""] * int(mask.sum()), type=pa.string())
    arrays = [pc.fill_null(a, "") for a in arrays]
    return pc.binary_join_element_wise(*arrays, "\x1f")


def _source_ids(raw: RawTable, mapping: EventMapping, *, flags: Flags) -> np.ndarray:
    n = len(raw.frame)
    ids = np.full(n, "", dtype=object)
    has_id = np.zeros(n, dtype=bool)
    icol = mapping.columns.get("id")
    if icol is not None:
        text = as_text(raw.frame[icol])
        ids = text.to_numpy(dtype=object)
        has_id = (text != "").to_numpy(dtype=bool)
        too_long = has_id & (text.str.len() > MAX_ID_LENGTH).to_numpy(dtype=bool, na_value=False)
        flags.add(too_long, icol, f"id longer than {MAX_ID_LENGTH} characters")
        dup = has_id & text.duplicated(keep="first").to_numpy(dtype=bool)
        if dup.any():
            first_row = pd.Series(raw.row_numbers).groupby(text.to_numpy(dtype=object)).transform("first")
            firsts = first_row.to_numpy()[dup]
            flags.add(dup, icol, [f"duplicate id {v!r}, first at row {r}" for v, r in
                                  zip(ids[dup], firsts, strict=True)])
    need = ~has_id
    if need.any():
        fps = _sha1_hex(_raw_row_text(raw, need))
        ordinal = pa.array(_ordinals(fps)).cast(pa.string())
        joined = pc.binary_join_element_wise(pa.array(fps, type=pa.string()), ordinal, ":")
        ids = ids.copy()
        ids[need] = joined.to_numpy(zero_copy_only=False)  # "<sha1 of the raw row>:<ordinal>"
    return ids


# --------------------------------------------------------------------------- frames


def _quarantine(raw: RawTable, flags: Flags, ok: np.ndarray) -> pd.DataFrame:
    bad = ~ok
    parts = []
    if bad.any():
        sub = raw.frame.loc[bad]
        records = sub.astype(object).where(sub.notna(), None).to_dict("records")
        if raw.geometry is not None:
            import shapely

            wkts = shapely.to_wkt(raw.geometry[bad])
            for r, w in zip(records, wkts, strict=True):
                r["geometry"] = w
        parts.append(pd.DataFrame({
            "row_number": raw.row_numbers[bad],
            "line": raw.line_of(bad).array,
            "raw_row": [raw_json(r) for r in records],
            "field": flags.field[bad],
            "reason": flags.reason[bad],
        }))
    if len(raw.rejected):
        parts.append(raw.rejected[list(QUARANTINE_COLUMNS)])
    if not parts:
        return empty_quarantine()
    q = pd.concat(parts, ignore_index=True)
    q["row_number"] = q["row_number"].astype("int64")
    q["line"] = q["line"].astype("Int64")
    return q.sort_values("row_number", kind="stable").reset_index(drop=True)


def _attrs(raw: RawTable, mapping: EventMapping, ok: np.ndarray) -> np.ndarray:
    if not mapping.keep or not ok.any():
        return np.full(int(ok.sum()), None, dtype=object)
    sub = raw.frame.loc[ok, list(mapping.keep)]
    # JSON object per row, built per distinct value of each kept column:
    # '{"street": "Rue Neuve", "zone": null}'.
    parts: list[pa.Array] = []
    for i, c in enumerate(sub.columns):
        codes, uniques = pd.factorize(as_text(sub[c]).to_numpy(dtype=object))
        key = ("{" if i == 0 else ", ") + json.dumps(str(c), ensure_ascii=False) + ": "
        pieces = np.array(
            [key + json.dumps(str(u) if str(u) else None, ensure_ascii=False) for u in uniques],
            dtype=object,
        )
        parts.append(pa.array(pieces[codes], type=pa.string()))
    parts.append(pa.array(np.full(len(sub), "}", dtype=object), type=pa.string()))
    joined = pc.binary_join_element_wise(*parts, "")
    return np.asarray(joined.to_numpy(zero_copy_only=False), dtype=object)


def _events(
    raw: RawTable,
    mapping: EventMapping,
    ok: np.ndarray,
    source_ids: np.ndarray,
    categories: np.ndarray,
    occurred: pd.Series,
    precision: np.ndarray,
    x: np.ndarray,
    y: np.ndarray,
    lon: np.ndarray,
    lat: np.ndarray,
) -> pd.DataFrame:
    attrs = _attrs(raw, mapping, ok)
    occ = pd.DatetimeIndex(occurred[ok]).tz_convert("UTC")
    n = int(ok.sum())

    def text(values: np.ndarray) -> pd.Series:
        # Object dtype on purpose: pandas would otherwise convert each column to Arrow strings
        # and the store back to Python strings (two copies of a million strings per column).
        return pd.Series(np.asarray(values, dtype=object), dtype=object, copy=False)

    frame = pd.DataFrame({
        "source": text(np.full(n, mapping.source, dtype=object)),
        "source_id": text(source_ids[ok]),
        "category": text(categories[ok]),
        "occurred_at": occ,
        "time_precision": text(precision[ok]),
        "x": x[ok],
        "y": y[ok],
        "lon": lon[ok],
        "lat": lat[ok],
        "attrs": text(attrs),
        "row_number": raw.row_numbers[ok],
    })
    frame["row_hash"] = text(row_hash(frame))
    return frame[list(EVENT_FRAME_COLUMNS)]



__all__ = [
    "EVENT_FRAME_COLUMNS",
    "MAX_ID_LENGTH",
    "PARALLEL_FROM",
    "NormalisedImport",
    "check_columns",
    "detect_format",
    "hash_columns",
    "hex64",
    "normalise",
    "prepare",
    "read_source",
    "row_hash",
    "transform_points",
]
