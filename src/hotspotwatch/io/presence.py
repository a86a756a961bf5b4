"""Presence files: sessions (start, end, unit type, place) or GPS pings, read → map → validate.

A presence mapping is a small TOML file (see README, "Presence sessions")::

    source = "zone-5341-taskforce"   # required; (source, id) identifies a session
    kind = "sessions"                # or "pings"
    timezone = "Europe/Brussels"     # of local times (default: the workspace time zone)
    time_format = "%d/%m/%Y %H:%M"   # default ISO 8601
    crs = "EPSG:31370"               # of x/y (lon/lat are WGS84)

    [columns]                        # kind = "sessions"
    id = "session_no"                # optional (default: a fingerprint of the row)
    start = "begin"
    end = "end"
    unit_type = "unit"               # or unit_type = "police_taskforce" at the top level
    hotspot = "place"                # the place: a hotspot name, or x/y, or lon/lat, or the
                                     # file's point or polygon geometry

    [columns]                        # kind = "pings"
    unit = "vehicle"                 # the unit of each ping (used to build sessions, never stored)
    time = "timestamp"
    lon = "lon"
    lat = "lat"
    unit_type = "type"

    [unit_types]                     # source value = a unit type of [presence] unit_types
    "TF" = "police_taskforce"

    [sessions]                       # kind = "pings": the session rule (defaults shown)
    gap_s = 300
    radius_m = 100
    min_duration_s = 60

**No names or badge numbers.** A column whose header names a person or a personal number
(``name``, ``officer``, ``agent``, ``badge``, ``matricule``, ``employee``, ``staff id``,
``personnel``, ``collar``, ``callsign``, ``nom``, ``naam``...) is dropped when the file is read,
before anything else: it is never stored, not even in the quarantine, and the import report says
which columns were dropped. A mapping that names such a column for a role is refused. The ping
``unit`` column is used to build sessions in memory and is replaced by ``"(not stored)"`` in the
quarantine; a session built from pings is identified by a hash of its unit and start.
"""

from __future__ import annotations

import dataclasses
import difflib
import re
import tomllib
import zoneinfo
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from hotspotwatch.io.coordinates import coordinates
from hotspotwatch.io.errors import MappingError, SourceError
from hotspotwatch.io.mapping import READ_KEYS, EventMapping, _check_source_crs
from hotspotwatch.io.raw import QUARANTINE_COLUMNS, RawTable, empty_quarantine, raw_json
from hotspotwatch.io.validate import Flags, as_text, parse_time_column

KINDS = ("sessions", "pings")
SESSION_ROLES = ("id", "start", "end", "unit_type", "hotspot", "x", "y", "lon", "lat")
PING_ROLES = ("unit", "time", "unit_type", "x", "y", "lon", "lat")
TOP_KEYS = (
    "source",
    "kind",
    "timezone",
    "time_format",
    "crs",
    "unit_type",
    "read",
    "columns",
    "unit_types",
    "sessions",
)
SESSION_RULE_KEYS = ("gap_s", "radius_m", "min_duration_s")
MAX_SESSION_HOURS = 24
PERSONAL = re.compile(
    r"(^|[^a-z])(name|names|nom|naam|officer|officier|agent|agents|badge|matricul\w*|employee"
    r"|staff_?(?:id|no|nr|number)|personnel(?:_?(?:id|no|nr|number))?|collar|callsign|call_sign|surname|firstname|first_name|last_name"
    r"|voornaam|achternaam|prenom|prénom|inspecteur|inspector)([^a-z]|$)",
    re.IGNORECASE,
)
PRESENCE_COLUMNS: tuple[str, ...] = (
    "source",
    "source_id",
    "unit_type",
    "started_at",
    "ended_at",
    "hotspot",
    "x",
    "y",
    "geometry",
    "row_hash",
)


def is_personal(column: str) -> bool:
    """Whether a column header names a person or a personal number (never stored).

    Examples
    --------
    >>> [is_personal(c) for c in ["Officer name", "badge_no", "Matricule", "staff id", "unit",
    ...                           "start", "staff_hours"]]
    [True, True, True, True, False, False, False]
    """
    return bool(PERSONAL.search(column.replace("-", "_").replace(" ", "_")))


@dataclass(frozen=True)
class PresenceMapping:
    """A validated presence mapping (see the module docstring)."""

    source: str
    kind: str
    columns: Mapping[str, str]
    unit_types: Mapping[str, str] = field(default_factory=dict)
    unit_type: str | None = None
    timezone: str | None = None
    time_format: str | None = None
    crs: str | None = None
    read: Mapping[str, str] = field(default_factory=dict)
    gap_s: float = 300.0
    radius_m: float = 100.0
    min_duration_s: float = 60.0
    name: str = "mapping"
    known_unit_types: tuple[str, ...] = ()
    """The workspace's ``[presence] unit_types`` (a value naming one maps to it)."""

    def reader(self) -> EventMapping:
        """The event mapping whose reader and coordinate parser this file uses."""
        cols = {k: v for k, v in self.columns.items() if k in ("x", "y", "lon", "lat")}
        return EventMapping(
            source=self.source,
            columns=cols,
            crs=self.crs,
            read=self.read,
            category="other",
            name=self.name,
        )

    @classmethod
    def from_dict(
        cls, data: Mapping[str, Any], *, unit_types: tuple[str, ...], name: str = "mapping"
    ) -> PresenceMapping:
        """Validate parsed TOML against the workspace's ``[presence] unit_types``.

        Raises
        ------
        MappingError
            Naming the key at fault and the fix.
        """
        for k in data:
            if k not in TOP_KEYS:
                raise MappingError(f"{name}: unknown key {_did(k, TOP_KEYS)}")
        source = data.get("source")
        if not isinstance(source, str) or not source.strip():
            raise MappingError(f'{name}: `source` is required, e.g. source = "zone-5341-taskforce"')
        kind = str(data.get("kind", "sessions"))
        if kind not in KINDS:
            raise MappingError(f"{name}: kind {kind!r} is not one of {', '.join(KINDS)}")
        columns = data.get("columns", {})
        if not isinstance(columns, dict) or not all(
            isinstance(v, str) and v for v in columns.values()
        ):
            raise MappingError(f"{name}: [columns] must map roles to column names")
        roles = SESSION_ROLES if kind == "sessions" else PING_ROLES
        for role, col in columns.items():
            if role not in roles:
                raise MappingError(
                    f"{name}: [columns] has unknown role {_did(role, roles)} for kind = {kind!r}"
                )
            if is_personal(col) and role != "unit":
                raise MappingError(
                    f"{name}: [columns] {role} = {col!r} names a person or a personal number; "
                    "names and badge numbers are never stored: map a unit type or a place instead"
                )
        need = ("start", "end") if kind == "sessions" else ("unit", "time")
        for role in need:
            if role not in columns:
                raise MappingError(f'{name}: [columns] needs `{role}` for kind = "{kind}"')
        for a, b in (("x", "y"), ("lon", "lat")):
            if (a in columns) != (b in columns):
                raise MappingError(f"{name}: [columns] names `{a}` or `{b}` alone; give both")
        if kind == "pings" and "x" not in columns and "lon" not in columns:
            raise MappingError(f"{name}: pings need lon/lat (or x/y with crs) under [columns]")
        if kind == "sessions" and "hotspot" in columns and ("x" in columns or "lon" in columns):
            raise MappingError(f"{name}: give the place as `hotspot` or as coordinates, not both")
        crs = data.get("crs")
        if crs is not None:
            crs = _check_source_crs(str(crs), name)
        if "x" in columns and crs is None:
            raise MappingError(
                f'{name}: x/y columns need the source `crs`, e.g. crs = "EPSG:31370"'
            )
        tz = data.get("timezone")
        if tz is not None:
            try:
                zoneinfo.ZoneInfo(str(tz))
            except (zoneinfo.ZoneInfoNotFoundError, ValueError):
                raise MappingError(f"{name}: timezone {tz!r} is not an IANA time zone") from None
        fmt = data.get("time_format")
        if fmt is not None and (not isinstance(fmt, str) or "%" not in fmt):
            raise MappingError(
                f'{name}: time_format must be a strftime format such as "%d/%m/%Y %H:%M"'
            )
        table = data.get("unit_types", {})
        if not isinstance(table, dict):
            raise MappingError(f"{name}: [unit_types] must map source values to unit types")
        known = tuple(unit_types)
        for value, target in table.items():
            if target not in known:
                raise MappingError(
                    f"{name}: [unit_types] maps {value!r} to {target!r}, which is not in the "
                    f"workspace's [presence] unit_types ({', '.join(known) or 'none configured'})"
                )
        constant = data.get("unit_type")
        if constant is not None and constant not in known:
            raise MappingError(
                f"{name}: unit_type = {constant!r} is not in [presence] unit_types "
                f"({', '.join(known) or 'none configured'})"
            )
        if constant is None and "unit_type" not in columns:
            raise MappingError(
                f'{name}: name the unit type column (unit_type = "unit" under '
                '[columns]) or give one for the file (unit_type = "peacekeepers")'
            )
        read = data.get("read", {})
        for key in read:
            if key not in READ_KEYS:
                raise MappingError(f"{name}: [read] has unknown key {_did(key, READ_KEYS)}")
        rule = dict(data.get("sessions", {}))
        for key, value in rule.items():
            if key not in SESSION_RULE_KEYS:
                raise MappingError(
                    f"{name}: [sessions] has unknown key {_did(key, SESSION_RULE_KEYS)}"
                )
            if (
                not isinstance(value, (int, float))
                or value < 0
                or (key != "min_duration_s" and value == 0)
            ):
                raise MappingError(
                    f"{name}: [sessions] {key} must be a positive number, got {value!r}"
                )
        return cls(
            source=source.strip(),
            kind=kind,
            columns=dict(columns),
            unit_types={str(k): str(v) for k, v in table.items()},
            unit_type=str(constant) if constant is not None else None,
            timezone=str(tz) if tz is not None else None,
            time_format=fmt,
            crs=crs,
            read={str(k): str(v) for k, v in read.items()},
            gap_s=float(rule.get("gap_s", 300)),
            radius_m=float(rule.get("radius_m", 100)),
            min_duration_s=float(rule.get("min_duration_s", 60)),
            name=name,
            known_unit_types=known,
        )


def load_presence_mapping(path: str | Path, *, unit_types: tuple[str, ...]) -> PresenceMapping:
    """Read and validate a presence mapping file (one-line :class:`MappingError` otherwise)."""
    p = Path(path)
    try:
        data = tomllib.loads(p.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise MappingError(f"{p}: mapping file not found") from None
    except (UnicodeDecodeError, IsADirectoryError):
        raise MappingError(f"{p}: not a UTF-8 mapping file") from None
    except tomllib.TOMLDecodeError as exc:
        raise MappingError(f"{p}: not valid TOML ({exc})") from None
    return PresenceMapping.from_dict(data, unit_types=unit_types, name=p.name)


def _did(key: str, known: tuple[str, ...]) -> str:
    close = difflib.get_close_matches(key, known, n=1, cutoff=0.6)
    return f"{key!r}" + (
        f" — did you mean {close[0]!r}?" if close else f"; known: {', '.join(known)}"
    )


@dataclass(frozen=True)
class NormalisedPresence:
    """A presence file, normalised (nothing written yet).

    Attributes
    ----------
    sessions : DataFrame
        Columns :data:`PRESENCE_COLUMNS` (UTC instants, workspace CRS, WKB polygons or None).
    quarantine : DataFrame
        Rejected rows (``row_number, raw_row, field, reason``).
    read : int
        Rows in the file: sessions + quarantined (kind ``sessions``), or pings in sessions +
        dropped pings + quarantined (kind ``pings``).
    dropped_columns : tuple of str
        Columns dropped as names or personal numbers (never stored).
    pings_in_sessions, dropped_pings : int
        Kind ``pings`` only: pings that made sessions, and pings in runs too short to be one.
    """

    sessions: pd.DataFrame
    quarantine: pd.DataFrame
    read: int
    fmt: str
    kind: str
    dropped_columns: tuple[str, ...] = ()
    pings_in_sessions: int = 0
    dropped_pings: int = 0


def drop_personal(raw: RawTable) -> tuple[RawTable, tuple[str, ...]]:
    """The table without name and badge-number columns, and their headers."""
    dropped = tuple(c for c in raw.frame.columns if is_personal(str(c)))
    if not dropped:
        return raw, ()
    return dataclasses.replace(raw, frame=raw.frame.drop(columns=list(dropped))), dropped


def normalise_presence(
    raw: RawTable,
    m: PresenceMapping,
    *,
    crs: str,
    timezone: str,
    hotspots: Mapping[str, Any],
    extent: tuple[float, float, float, float] | None = None,
) -> NormalisedPresence:
    """Map, validate and normalise a presence file (sessions or pings).

    Parameters
    ----------
    raw : RawTable
        As read (see :func:`hotspotwatch.io.importer.read_source`).
    m : PresenceMapping
    crs, timezone : str
        Workspace CRS and time zone.
    hotspots : mapping
        Hotspot name -> anything (the known names; a session's ``hotspot`` must be one).
    extent : tuple, optional
        Rows placed outside are quarantined.

    Raises
    ------
    SourceError
        A mapped column missing from the file (rows never raise).
    """
    raw, dropped = drop_personal(raw)
    present = list(raw.frame.columns)
    for role, col in m.columns.items():
        if col not in present:
            close = difflib.get_close_matches(col, present, n=3, cutoff=0.5)
            hint = (
                f"closest: {', '.join(map(repr, close))}"
                if close
                else f"the file has: {', '.join(map(repr, present[:12]))}"
            )
            raise SourceError(
                f"{raw.path}: column {col!r} (mapped to `{role}` in {m.name}) is not "
                f"in the file — {hint}"
            )
    frame = raw.frame
    n = len(frame)
    tz = m.timezone or timezone
    flags = Flags(n)
    unit_types = _unit_types(frame, m, flags)
    geometry_wkb = np.full(n, None, dtype=object)
    if m.kind == "sessions" and "hotspot" in m.columns:
        col = m.columns["hotspot"]
        names = as_text(frame[col]).to_numpy(dtype=object)
        known = {str(k) for k in hotspots}
        folded = {k.casefold(): k for k in known}
        canon = np.array(
            [v if v in known else folded.get(str(v).casefold()) for v in names], dtype=object
        )
        bad = pd.isna(canon)
        if bad.any():
            flags.add(
                bad,
                col,
                [
                    f"no place: {col!r} is empty"
                    if not v
                    else f"unknown hotspot {v!r}" + _suggest(str(v), known) + "; import it first "
                    "(hotspotwatch import hotspots) or fix the name"
                    for v in names[bad]
                ],
            )
        x = np.full(n, np.nan)
        y = np.full(n, np.nan)
        hotspot = canon
    else:
        r = raw
        if raw.geometry is not None and not m.reader().coordinate_roles:
            import shapely

            poly = np.isin(shapely.get_type_id(raw.geometry), (3, 6))
            if poly.any():
                geometry_wkb[poly] = list(shapely.to_wkb(raw.geometry[poly]))
                geom = raw.geometry.copy()
                geom[poly] = shapely.point_on_surface(geom[poly])
                r = dataclasses.replace(raw, geometry=geom)
        x, y, _, _ = coordinates(r, m.reader(), crs=crs, extent=extent, flags=flags)
        hotspot = np.full(n, None, dtype=object)
        if raw.geometry is not None and geometry_wkb.any():
            # polygons are stored in the workspace CRS
            import shapely

            from hotspotwatch.geo.crs import transformer

            src = m.crs or raw.crs or "EPSG:4326"
            t = transformer(src, crs)
            for i in np.flatnonzero(geometry_wkb != None):  # noqa: E711
                g = shapely.transform(
                    raw.geometry[i], lambda c: np.column_stack(t.transform(c[:, 0], c[:, 1]))
                )
                geometry_wkb[i] = shapely.to_wkb(g)
    if m.kind == "sessions":
        return _sessions(raw, m, flags, tz, unit_types, hotspot, x, y, geometry_wkb, dropped)
    return _pings(raw, m, flags, tz, unit_types, x, y, dropped)


def _suggest(value: str, known: set[str]) -> str:
    close = difflib.get_close_matches(value, sorted(known), n=1, cutoff=0.6)
    return f" — did you mean {close[0]!r}?" if close else ""


def _unit_types(frame: pd.DataFrame, m: PresenceMapping, flags: Flags) -> np.ndarray:
    n = len(frame)
    if "unit_type" not in m.columns:
        return np.full(n, m.unit_type, dtype=object)
    col = m.columns["unit_type"]
    text = as_text(frame[col]).to_numpy(dtype=object)
    targets = set(m.unit_types.values()) | set(m.known_unit_types)
    folded = {k.casefold(): v for k, v in m.unit_types.items()}
    out = np.array(
        [
            m.unit_types.get(v) or folded.get(str(v).casefold()) or (v if v in targets else None)
            for v in text
        ],
        dtype=object,
    )
    bad = pd.isna(out)
    if bad.any():
        flags.add(
            bad,
            col,
            [
                f"no unit type: {col!r} is empty"
                if not v
                else f"unknown unit type {v!r}"
                + _suggest(str(v), set(m.unit_types))
                + f'; map it under [unit_types] in the mapping ("{v}" = "police_taskforce")'
                for v in text[bad]
            ],
        )
    return out


def _parse_time(
    frame: pd.DataFrame, col: str, m: PresenceMapping, tz: str, flags: Flags
) -> pd.Series:
    return parse_time_column(frame[col], column=col, fmt=m.time_format, tz=tz, flags=flags)


def _quarantine(raw: RawTable, flags: Flags, hide: str | None = None) -> pd.DataFrame:
    bad = ~flags.ok
    parts = []
    if bad.any():
        sub = raw.frame.loc[bad]
        records = sub.astype(object).where(sub.notna(), None).to_dict("records")
        if hide is not None:
            for r in records:
                r[hide] = "(not stored)"
        parts.append(
            pd.DataFrame(
                {
                    "row_number": raw.row_numbers[bad],
                    "line": raw.line_of(bad).array,
                    "raw_row": [raw_json(r) for r in records],
                    "field": flags.field[bad],
                    "reason": flags.reason[bad],
                }
            )
        )
    if len(raw.rejected):
        parts.append(raw.rejected[list(QUARANTINE_COLUMNS)])
    if not parts:
        return empty_quarantine()
    q = pd.concat(parts, ignore_index=True)
    q["row_number"] = q["row_number"].astype("int64")
    q["line"] = q["line"].astype("Int64")
    return q.sort_values("row_number", kind="stable").reset_index(drop=True)


def _sessions(
    raw: RawTable,
    m: PresenceMapping,
    flags: Flags,
    tz: str,
    unit_types: np.ndarray,
    hotspot: np.ndarray,
    x: np.ndarray,
    y: np.ndarray,
    wkb: np.ndarray,
    dropped: tuple[str, ...],
) -> NormalisedPresence:
    frame = raw.frame
    scol, ecol = m.columns["start"], m.columns["end"]
    start = _parse_time(frame, scol, m, tz, flags)
    end = _parse_time(frame, ecol, m, tz, flags)
    length = (end - start).dt.total_seconds().to_numpy()
    flags.add(
        np.nan_to_num(length, nan=0) < 0,
        ecol,
        f"the session ends before it starts ({ecol!r} before {scol!r}); check the two times",
    )
    flags.add(
        np.nan_to_num(length, nan=0) > MAX_SESSION_HOURS * 3600,
        ecol,
        f"the session lasts more than {MAX_SESSION_HOURS} hours; check {ecol!r} (a shift is "
        "not a presence session)",
    )
    ids = _ids(raw, m, flags)
    ok = flags.ok
    out = pd.DataFrame(
        {
            "source": m.source,
            "source_id": ids[ok],
            "unit_type": unit_types[ok],
            "started_at": pd.DatetimeIndex(start[ok]).tz_convert("UTC"),
            "ended_at": pd.DatetimeIndex(end[ok]).tz_convert("UTC"),
            "hotspot": hotspot[ok],
            "x": x[ok],
            "y": y[ok],
            "geometry": wkb[ok],
        }
    )
    out["row_hash"] = presence_hash(out)
    q = _quarantine(raw, flags)
    assert len(out) + len(q) == raw.read
    return NormalisedPresence(
        sessions=out,
        quarantine=q,
        read=raw.read,
        fmt=raw.fmt,
        kind="sessions",
        dropped_columns=dropped,
    )


# ids, row hashes and ping sessions live in presence_rows (imported last: it reads this
# module's names)
from hotspotwatch.io.presence_rows import _ids, _pings, presence_hash  # noqa: E402

__all__ = [
    "KINDS",
    "PRESENCE_COLUMNS",
    "NormalisedPresence",
    "PresenceMapping",
    "drop_personal",
    "is_personal",
    "load_presence_mapping",
    "normalise_presence",
    "presence_hash",
]
