"""Quarantined rows, every one with its reason in full: ``hotspotwatch quarantine list|export``.

An import keeps each row it cannot use in the quarantine (its raw text, the field and the
reason; see :mod:`hotspotwatch.workflows.ingest`). :func:`rows` gives them back with the file,
the row number, the field, the raw value of that field, the reason and the fix, split out of
the reason's text (``"unknown category 'X' — did you mean 'Y'? ..."`` becomes the reason
``unknown category 'X'`` and the fix ``did you mean 'Y'? ...``); a reason that carries no
fix gets the usual fix for its kind. Nothing is cut.

Quarantined rows are raw rows of the source: event-level data, like ``export events``. They
are read on the command line only (whoever can open the workspace), never over the web.
"""

from __future__ import annotations

import csv
import json
import re
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from typing import TYPE_CHECKING, Any, TextIO

from hotspotwatch.store import imports as store_imports

if TYPE_CHECKING:
    from hotspotwatch.workspace import Workspace

FIELDS: tuple[str, ...] = (
    "import_id",
    "source",
    "file",
    "row_number",
    "line",
    "field",
    "value",
    "reason",
    "fix",
    "raw_row",
)
"""Columns of the CSV export and keys of each JSON object, in this order."""
FORMATS: tuple[str, ...] = ("csv", "json")

# A fix after "; " starts with one of these verbs (else the "; " is part of the reason).
_FIX_VERB = re.compile(
    r"^(check|map|set|add|use|give|remove|correct|are|is|name|save|choose|write|fill)\b", re.I
)
# The usual fix for a reason that carries none, by the reason's head.
_DEFAULT_FIX: tuple[tuple[str, str], ...] = (
    (
        "no coordinates",
        "fill in the location in the file (or leave the row out), then import the file again",
    ),
    ("no date", "fill in the date in the file, then import the file again"),
    ("no category", "fill in the category in the file, or set default_category in the mapping"),
    (
        "unparseable date",
        "write a real date in the expected format in the file, or set "
        "date_format/time_format in the mapping",
    ),
    ("duplicate id", "give each row its own id (the first row with this id was stored)"),
    ("coordinates are 0, 0", "give the real location, or leave the row out"),
    ("coordinates cannot be transformed", "check the crs in the mapping"),
    (
        "longitude",
        "check that the lon/lat columns hold degrees and are not swapped; projected "
        "metres go in x/y with a crs",
    ),
    ("hour", "give the hour as 0-23 (HH or HH:MM), or leave it empty"),
    ("geometry is", "give point features (one location per event)"),
    ("id longer than", "shorten the ids in the file (at most 200 characters)"),
    (
        "outside the workspace extent",
        "check the crs in the mapping, or import the areas that cover these places",
    ),
)
_GENERIC_FIX = "correct the row in the file, then import the file again"


@dataclass(frozen=True)
class QuarantinedRow:
    """One quarantined row (see :data:`FIELDS`).

    Attributes
    ----------
    import_id : int
        The import that stored it.
    source, file : str
        The import's source and file.
    row_number : int or None
        1-based data row in the file (the header and empty rows not counted).
    line : int or None
        1-based file line where the row starts (the header is line 1), as an editor shows it;
        None for formats without lines and for rows stored before lines were kept.
    field : str or None
        The column at fault (``None`` for a row that could not be split into fields).
    value : str or None
        The raw value of ``field`` in the row (the whole raw row when ``field`` is ``None``).
    reason, fix : str
        What is wrong, and how to fix it.
    raw_row : str
        The raw row as read (JSON text).
    """

    import_id: int
    source: str
    file: str
    row_number: int | None
    line: int | None
    field: str | None
    value: str | None
    reason: str
    fix: str
    raw_row: str

    def to_dict(self) -> dict[str, Any]:
        """The row as a dict with the keys :data:`FIELDS`."""
        return asdict(self)


def split_reason(reason: str) -> tuple[str, str]:
    """``(reason, fix)`` out of a quarantine reason's text.

    Examples
    --------
    >>> split_reason("unknown category 'Vol' — did you mean 'Vol simple'? (add it)")
    ("unknown category 'Vol'", "did you mean 'Vol simple'? (add it)")
    >>> split_reason("row has 3 field(s) but the header has 7; check the delimiter (';')")
    ('row has 3 field(s) but the header has 7', "check the delimiter (';')")
    >>> split_reason("no coordinates: 'x' and/or 'y' are empty")[1]
    'fill in the location in the file (or leave the row out), then import the file again'
    """
    text = reason.strip()
    if " — " in text:
        head, fix = text.split(" — ", 1)
        return head.strip(), fix.strip()
    parts = text.split("; ")
    for i in range(len(parts) - 1, 0, -1):
        if _FIX_VERB.match(parts[i]):
            return "; ".join(parts[:i]).strip(), "; ".join(parts[i:]).strip()
    for head, fix in _DEFAULT_FIX:
        if text.startswith(head):
            return text, fix
    return text, _GENERIC_FIX


def _value(raw_row: str | None, field: str | None) -> str | None:
    if raw_row is None:
        return None
    try:
        parsed = json.loads(raw_row)
    except ValueError:
        return raw_row
    if field is None or not isinstance(parsed, dict):
        return raw_row if not isinstance(parsed, dict) else None
    value = parsed.get(field)
    return None if value is None else str(value)


def rows(ws: Workspace, *, source: str | None = None) -> list[QuarantinedRow]:
    """Every quarantined row of the workspace (or of one source), oldest import first.

    Raises
    ------
    ValueError
        If ``source`` names no import of the workspace (the message lists the sources).
    """
    if source is not None:
        known = store_imports.import_sources(ws.engine)
        if source not in known:
            raise ValueError(
                f"--source {source!r}: no import has this source; sources: "
                + (", ".join(repr(s) for s in known) or "none (nothing imported yet)")
            )
    out = []
    for r in store_imports.quarantine_rows(ws.engine, source=source):
        reason, fix = split_reason(str(r["reason"]))
        out.append(
            QuarantinedRow(
                import_id=int(r["import_id"]),
                source=str(r["source"]),
                file=str(r["file"]),
                row_number=None if r["row_number"] is None else int(r["row_number"]),
                line=None if r["line"] is None else int(r["line"]),
                field=None if r["field"] is None else str(r["field"]),
                value=_value(r["raw_row"], r["field"]),
                reason=reason,
                fix=fix,
                raw_row="" if r["raw_row"] is None else str(r["raw_row"]),
            )
        )
    return out


def write(found: Sequence[QuarantinedRow], out: TextIO, *, fmt: str = "csv") -> int:
    """Write rows as ``csv`` (header :data:`FIELDS`) or ``json`` (a list); return how many.

    Raises
    ------
    ValueError
        For another format.
    """
    if fmt not in FORMATS:
        raise ValueError(f"--format must be one of {', '.join(FORMATS)}, got {fmt!r}")
    if fmt == "json":
        out.write(json.dumps([r.to_dict() for r in found], indent=2, ensure_ascii=False) + "\n")
        return len(found)
    writer = csv.DictWriter(out, fieldnames=list(FIELDS), lineterminator="\n")
    writer.writeheader()
    for r in found:
        writer.writerow({k: "" if v is None else v for k, v in r.to_dict().items()})
    return len(found)


__all__ = ["FIELDS", "FORMATS", "QuarantinedRow", "rows", "split_reason", "write"]
