"""The mapping file: how the columns of a source file become events.

A mapping is a small TOML file (see ``docs/mapping.md``)::

    source = "zone-5341-ISLP"        # required: the name of the source; (source, id) is an event
    crs = "EPSG:31370"               # CRS of x/y (lon/lat are always WGS84)
    timezone = "Europe/Brussels"     # of local times; default: the workspace time zone
    date_format = "%d/%m/%Y"         # strftime codes; default ISO 8601 (2024-03-01)
    keep = ["street", "outcome"]     # extra columns stored as JSON attributes

    [read]                           # all optional: autodetected
    delimiter = ";"
    encoding = "cp1252"

    [columns]
    id = "incident_no"               # optional: without it, rows are identified by a fingerprint
    date = "date"                    # or time = "timestamp" (date and time in one column)
    hour = "hour"                    # optional with date
    x = "x"                          # or lon = ..., lat = ...
    y = "y"
    category = "type"

    [categories]                     # source value = workspace category
    "Vente de stupéfiants" = "drug_dealing"
    "Vol à l'étalage" = "theft"

Validation happens once, when the mapping is loaded, so a wrong key or an unknown target
category stops the import before any row is read.
"""

from __future__ import annotations

import difflib
import tomllib
import zoneinfo
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from hotspotwatch.domain.taxonomy import Taxonomy
from hotspotwatch.io.errors import MappingError

COLUMN_ROLES: tuple[str, ...] = ("id", "time", "date", "hour", "x", "y", "lon", "lat", "category")
FILE_FORMATS: tuple[str, ...] = ("csv", "parquet", "geojson", "gpkg")
PRECISIONS: tuple[str, ...] = ("instant", "hour", "day", "month")
READ_KEYS: tuple[str, ...] = ("format", "delimiter", "encoding", "decimal", "layer")
TOP_KEYS: tuple[str, ...] = (
    "source",
    "crs",
    "timezone",
    "date_format",
    "time_format",
    "precision",
    "keep",
    "category",
    "default_category",
    "read",
    "columns",
    "categories",
)
WGS84 = "EPSG:4326"


@dataclass(frozen=True)
class EventMapping:
    """A validated mapping from a source file's columns to events.

    Attributes
    ----------
    source : str
        Name of the source; together with the id it identifies an event across imports.
    columns : dict
        Role (``id``, ``time``, ``date``, ``hour``, ``x``, ``y``, ``lon``, ``lat``,
        ``category``) to source column name.
    crs : str or None
        CRS of ``x``/``y`` (or of the file's geometry, overriding the file's own CRS).
    timezone : str or None
        Time zone of local (offset-less) times; ``None`` means the workspace time zone.
    date_format, time_format : str or None
        ``strftime`` formats; ``None`` means ISO 8601.
    precision : str or None
        Force ``instant|hour|day|month``; ``None`` infers it from the columns.
    categories : dict
        Source value to workspace category.
    category : str or None
        Constant category for files of a single kind (instead of a category column).
    default_category : str or None
        Category for source values missing from ``categories`` (default: quarantine them).
    keep : tuple of str
        Extra columns stored in the event's JSON attributes.
    read : dict
        Reader options: ``format``, ``delimiter``, ``encoding``, ``decimal``, ``layer``.
    """

    source: str
    columns: Mapping[str, str] = field(default_factory=dict)
    crs: str | None = None
    timezone: str | None = None
    date_format: str | None = None
    time_format: str | None = None
    precision: str | None = None
    categories: Mapping[str, str] = field(default_factory=dict)
    category: str | None = None
    default_category: str | None = None
    keep: tuple[str, ...] = ()
    read: Mapping[str, str] = field(default_factory=dict)
    name: str = "mapping"

    def column(self, role: str) -> str | None:
        """Source column mapped to ``role`` (``None`` when not mapped)."""
        return self.columns.get(role)

    @property
    def coordinate_roles(self) -> tuple[str, str] | None:
        """``("x", "y")``, ``("lon", "lat")`` or ``None`` (use the file's geometry)."""
        if "x" in self.columns:
            return ("x", "y")
        if "lon" in self.columns:
            return ("lon", "lat")
        return None

    @property
    def source_crs(self) -> str | None:
        """CRS of the mapped coordinates (WGS84 for lon/lat)."""
        if self.coordinate_roles == ("lon", "lat"):
            return WGS84
        return self.crs

    def used_columns(self) -> list[str]:
        """Every source column the mapping reads (for the missing-column check)."""
        cols = list(self.columns.values()) + list(self.keep)
        return list(dict.fromkeys(cols))

    @classmethod
    def from_dict(
        cls, data: Mapping[str, Any], *, taxonomy: Taxonomy | None = None, name: str = "mapping"
    ) -> EventMapping:
        """Validate parsed TOML and build a mapping.

        Parameters
        ----------
        data : mapping
            Parsed TOML (see the module docstring).
        taxonomy : Taxonomy, optional
            Workspace categories the ``[categories]`` targets must belong to (default taxonomy
            when omitted).
        name : str
            Where the mapping came from, for messages (usually its file name).

        Raises
        ------
        MappingError
            Naming the key at fault and the fix.
        """
        tax = taxonomy or Taxonomy.default()
        unknown = [k for k in data if k not in TOP_KEYS]
        if unknown:
            raise MappingError(f"{name}: unknown key {_did_you_mean(unknown[0], TOP_KEYS)}")
        source = data.get("source")
        if not isinstance(source, str) or not source.strip():
            raise MappingError(
                f'{name}: `source` is required, e.g. source = "zone-5341-ISLP" '
                "(it names where the events come from; with the id it identifies an event)"
            )
        if len(source) > 200:
            raise MappingError(f"{name}: `source` is longer than 200 characters")
        columns = _str_table(data.get("columns", {}), f"{name}: [columns]")
        for role in columns:
            if role not in COLUMN_ROLES:
                raise MappingError(
                    f"{name}: [columns] has unknown role {_did_you_mean(role, COLUMN_ROLES)}"
                )
        _check_columns(columns, name)
        read = _str_table(data.get("read", {}), f"{name}: [read]")
        for key in read:
            if key not in READ_KEYS:
                raise MappingError(f"{name}: [read] has unknown key {_did_you_mean(key, READ_KEYS)}")
        if "format" in read and read["format"] not in FILE_FORMATS:
            raise MappingError(
                f"{name}: [read] format {read['format']!r} is not one of {', '.join(FILE_FORMATS)}"
            )
        if "delimiter" in read and len(read["delimiter"].replace("\\t", "\t")) != 1:
            raise MappingError(
                f"{name}: [read] delimiter must be one character, got {read['delimiter']!r}"
            )
        if "decimal" in read and read["decimal"] not in (".", ","):
            raise MappingError(f'{name}: [read] decimal must be "." or ",", got {read["decimal"]!r}')
        if "encoding" in read:
            import codecs

            try:
                codecs.lookup(read["encoding"])
            except LookupError:
                raise MappingError(
                    f"{name}: [read] encoding {read['encoding']!r} is unknown; "
                    "use e.g. utf-8, cp1252 or latin-1"
                ) from None
        crs = data.get("crs")
        if crs is not None:
            crs = _check_source_crs(str(crs), name)
        if columns.get("x") and crs is None:
            raise MappingError(
                f'{name}: x/y columns need the source `crs`, e.g. crs = "EPSG:31370" (Belgian '
                'Lambert 72) or crs = "EPSG:3812" (Lambert 2008); use lon/lat for WGS84 degrees'
            )
        tz = data.get("timezone")
        if tz is not None:
            try:
                zoneinfo.ZoneInfo(str(tz))
            except (zoneinfo.ZoneInfoNotFoundError, ValueError):
                from hotspotwatch.config import timezone_fix

                raise MappingError(
                    f"{name}: timezone {tz!r} is not an IANA time zone; {timezone_fix(str(tz))}"
                ) from None
        for key in ("date_format", "time_format"):
            value = data.get(key)
            if value is not None and (not isinstance(value, str) or "%" not in value):
                raise MappingError(
                    f'{name}: {key} must be a strftime format such as "%d/%m/%Y", got {value!r}'
                )
        precision = data.get("precision")
        if precision is not None and precision not in PRECISIONS:
            raise MappingError(
                f"{name}: precision {precision!r} is not one of {', '.join(PRECISIONS)}"
            )
        categories = _str_table(data.get("categories", {}), f"{name}: [categories]")
        for value, target in categories.items():
            if target not in tax:
                raise MappingError(
                    f"{name}: [categories] maps {value!r} to {target!r}: {tax.unknown_message(target)}"
                )
        constant = data.get("category")
        default = data.get("default_category")
        for key, val in (("category", constant), ("default_category", default)):
            if val is not None and str(val) not in tax:
                raise MappingError(f"{name}: {key} = {val!r}: {tax.unknown_message(str(val))}")
        if constant is None and "category" not in columns:
            raise MappingError(
                f'{name}: name the category column in [columns] (category = "type") or give a '
                'constant category for the whole file (category = "police_check")'
            )
        keep = data.get("keep", [])
        if not isinstance(keep, list) or not all(isinstance(k, str) for k in keep):
            raise MappingError(f'{name}: keep must be a list of column names, e.g. keep = ["street"]')
        return cls(
            source=source.strip(),
            columns=columns,
            crs=crs,
            timezone=str(tz) if tz is not None else None,
            date_format=data.get("date_format"),
            time_format=data.get("time_format"),
            precision=precision,
            categories=categories,
            category=str(constant) if constant is not None else None,
            default_category=str(default) if default is not None else None,
            keep=tuple(keep),
            read={k: (v.replace("\\t", "\t") if k == "delimiter" else v) for k, v in read.items()},
            name=name,
        )


def load_mapping(path: str | Path, *, taxonomy: Taxonomy | None = None) -> EventMapping:
    """Read and validate a mapping TOML file.

    Raises
    ------
    MappingError
        If the file is missing, not TOML, or invalid (the message names the key).

    Examples
    --------
    >>> import tempfile, pathlib
    >>> p = pathlib.Path(tempfile.mkdtemp()) / "m.toml"
    >>> _ = p.write_text('source = "demo"\\n[columns]\\ntime = "t"\\nlon = "lon"\\nlat = "lat"\\n'
    ...                  'category = "type"\\n[categories]\\nVol = "theft"\\n')
    >>> load_mapping(p).categories["Vol"]
    'theft'
    """
    p = Path(path)
    try:
        text = p.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise MappingError(f"{p}: mapping file not found") from None
    except UnicodeDecodeError:
        raise MappingError(f"{p}: mapping file is not UTF-8 text; save it as UTF-8") from None
    except IsADirectoryError:
        raise MappingError(f"{p}: is a folder, not a mapping file") from None
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise MappingError(f"{p}: not valid TOML ({exc})") from None
    return EventMapping.from_dict(data, taxonomy=taxonomy, name=p.name)


def _did_you_mean(key: str, known: tuple[str, ...]) -> str:
    close = difflib.get_close_matches(key, known, n=1, cutoff=0.6)
    hint = f" — did you mean {close[0]!r}?" if close else f"; known: {', '.join(known)}"
    return f"{key!r}{hint}"


def _str_table(value: Any, where: str) -> dict[str, str]:
    if not isinstance(value, dict):
        raise MappingError(f"{where} must be a table of names")
    out: dict[str, str] = {}
    for k, v in value.items():
        if not isinstance(v, str) or not v:
            raise MappingError(f"{where}: {k!r} must be a non-empty string, got {v!r}")
        out[str(k)] = v
    return out


def _check_columns(columns: Mapping[str, str], name: str) -> None:
    if "time" in columns and "date" in columns:
        raise MappingError(
            f"{name}: [columns] names both `time` and `date`; use `time` for one column with date "
            "and time, or `date` (+ optional `hour`)"
        )
    if "time" not in columns and "date" not in columns:
        raise MappingError(
            f'{name}: [columns] needs `time` (date and time) or `date` (+ optional `hour`), e.g. date = "Date"'
        )
    if "hour" in columns and "date" not in columns:
        raise MappingError(f"{name}: [columns] `hour` goes with `date`, not `time`")
    for a, b in (("x", "y"), ("lon", "lat")):
        if (a in columns) != (b in columns):
            raise MappingError(f"{name}: [columns] names `{a}` or `{b}` alone; give both")
    if "x" in columns and "lon" in columns:
        raise MappingError(f"{name}: [columns] names both x/y and lon/lat; give one pair")


def _check_source_crs(crs: str, name: str) -> str:
    from pyproj import CRS
    from pyproj.exceptions import CRSError

    try:
        parsed = CRS.from_user_input(crs)
    except CRSError:
        raise MappingError(
            f"{name}: crs {crs!r} is not a known CRS; use e.g. EPSG:31370, EPSG:3812 or EPSG:4326"
        ) from None
    epsg = parsed.to_epsg()
    return f"EPSG:{epsg}" if epsg else parsed.to_string()
