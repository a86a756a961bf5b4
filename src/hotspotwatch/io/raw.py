"""The raw table every reader returns, before mapping."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from hotspotwatch.io.errors import SourceError

# ``row_number`` is the data row (1 = the first row after the header; empty rows are not
# counted); ``line`` is the file line where the row starts (1 = the header), or missing for
# formats without lines (Parquet, GeoJSON, GeoPackage).
QUARANTINE_COLUMNS: tuple[str, ...] = ("row_number", "line", "raw_row", "field", "reason")


def empty_quarantine() -> pd.DataFrame:
    """A quarantine frame with no rows."""
    return pd.DataFrame(
        {
            "row_number": pd.Series([], dtype="int64"),
            "line": pd.Series([], dtype="Int64"),
            "raw_row": pd.Series([], dtype=object),
            "field": pd.Series([], dtype=object),
            "reason": pd.Series([], dtype=object),
        }
    )


def raw_json(values: Any) -> str:
    """JSON text of a raw row (dict or list), never failing on odd values."""
    return json.dumps(values, ensure_ascii=False, default=str)


@dataclass
class RawTable:
    """Rows of a source file as read, before any mapping.

    Attributes
    ----------
    path : Path
        The file.
    fmt : str
        ``csv``, ``parquet``, ``geojson`` or ``gpkg``.
    frame : DataFrame
        One row per well-formed source row, the file's own columns (CSV: all text).
    row_numbers : ndarray of int64
        1-based data row number in the file of each frame row (the header is not counted, nor
        are empty rows: blank lines and lines of only delimiters such as ``;;;;``).
    lines : ndarray of int64 or None
        1-based file line where each frame row starts (the header is line 1 unless blank lines
        precede it; a quoted field spanning lines makes the next row start further down), so
        a user can go to the row in an editor. None for formats without lines.
    empty : int
        Empty rows skipped (blank lines and lines of only delimiters): not data rows, not in
        :attr:`read`, reported so that nothing is skipped silently.
    rejected : DataFrame
        Rows the reader could not split into the header's columns (quarantine columns).
    geometry : ndarray of shapely geometries or None
        The features' geometries (vector formats).
    crs : str or None
        CRS of ``geometry``.
    hint : str
        Extra advice appended to a missing-column message (e.g. a likely delimiter).
    """

    path: Path
    fmt: str
    frame: pd.DataFrame
    row_numbers: np.ndarray
    rejected: pd.DataFrame = field(default_factory=empty_quarantine)
    geometry: np.ndarray | None = None
    crs: str | None = None
    hint: str = ""
    lines: np.ndarray | None = None
    empty: int = 0

    def line_of(self, mask: np.ndarray) -> pd.Series:
        """File lines of the ``mask`` rows as a nullable integer series (missing without lines)."""
        n = int(np.count_nonzero(mask))
        if self.lines is None:
            return pd.Series(pd.array([None] * n, dtype="Int64"))
        return pd.Series(pd.array(self.lines[mask], dtype="Int64"))

    @property
    def read(self) -> int:
        """Number of data rows in the file (well-formed or not)."""
        return len(self.frame) + len(self.rejected)


def file_fingerprint(path: Path) -> str:
    """SHA-256 of the file's bytes (an import's identity: the same file imports once)."""
    h = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def check_file(path: str | Path) -> Path:
    """Return the path if it is a readable file, else raise a one-line :class:`SourceError`."""
    p = Path(path)
    if not p.exists():
        hint = ""
        if p.parent.exists():
            import difflib

            close = difflib.get_close_matches(p.name, [c.name for c in p.parent.iterdir()], n=1)
            if close:
                hint = f" — did you mean {str(p.parent / close[0])!r}?"
        raise SourceError(f"{p}: file not found{hint}")
    if p.is_dir():
        raise SourceError(f"{p}: is a folder; give the file itself")
    return p


def dedupe_names(names: list[str]) -> list[str]:
    """Make column names unique and non-empty (``a, a`` -> ``a, a.1``; ``""`` -> ``column_3``)."""
    seen: dict[str, int] = {}
    out = []
    for i, n in enumerate(names):
        base = n if n.strip() else f"column_{i + 1}"
        name = base
        while name in seen:
            seen[base] += 1
            name = f"{base}.{seen[base]}"
        seen.setdefault(name, 0)
        out.append(name)
    return out
