"""CSV reader: encoding and delimiter detection, a fast path and a tolerant path.

The fast path parses with pyarrow (multi-threaded, every column as text). If pyarrow rejects
the file (a row with too many or too few fields, a quoted newline), the tolerant path reads it
again with the standard library and sends each malformed row to quarantine with its row
number, so one bad line never stops an import and nothing is silently skipped.
"""

from __future__ import annotations

import codecs
import csv as _csv
import gzip
import io
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv

from hotspotwatch.io.errors import SourceError
from hotspotwatch.io.raw import RawTable, check_file, dedupe_names, empty_quarantine, raw_json

DELIMITERS: tuple[str, ...] = (",", ";", "\t", "|")
_STRING = pd.StringDtype("pyarrow")


def decode(data: bytes, *, encoding: str | None, path: Path) -> tuple[str, str]:
    """Decode file bytes, detecting the encoding when not given; return ``(text, encoding)``.

    Detection: a BOM (UTF-8 or UTF-16), else UTF-8 if the bytes are valid UTF-8, else
    Windows-1252 (the usual export of Excel on Western European systems), else Latin-1.

    Raises
    ------
    SourceError
        If a given encoding does not decode the file (the message names a likely encoding).
    """
    if encoding is None:
        if data.startswith(codecs.BOM_UTF8):
            return data[3:].decode("utf-8", errors="replace"), "utf-8-sig"
        if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
            return data.decode("utf-16", errors="replace"), "utf-16"
        for enc in ("utf-8", "cp1252", "latin-1"):
            try:
                return data.decode(enc), enc
            except UnicodeDecodeError:
                continue
    enc = str(encoding)
    try:
        text = data.decode(enc)
    except UnicodeDecodeError as exc:
        _, guess = decode(data, encoding=None, path=path)
        snippet = data[max(0, exc.start - 10) : exc.end + 10]
        raise SourceError(
            f"{path}: not valid {enc} text (byte {exc.start}: {snippet!r}); it looks like "
            f'{guess} — set encoding = "{guess}" under [read] in the mapping'
        ) from None
    if text.startswith("\ufeff"):
        text = text[1:]
    return text, enc


def sniff_delimiter(sample_lines: list[str]) -> str:
    """Pick the delimiter among ``, ; TAB |`` that splits the sample most consistently."""
    lines = [ln for ln in sample_lines if ln.strip()]
    if not lines:
        return ","
    best, best_score = ",", (0, 0.0, 0)
    for d in DELIMITERS:
        try:
            counts = [len(r) for r in _csv.reader(lines, delimiter=d)]
        except _csv.Error:
            continue
        header = counts[0]
        if header < 2:
            continue
        body = counts[1:]
        consistent = sum(c == header for c in body) / len(body) if body else 1.0
        score = (1, consistent, header)
        if score > best_score:
            best, best_score = d, score
    return best


def read_csv(
    path: str | Path, *, delimiter: str | None = None, encoding: str | None = None
) -> RawTable:
    """Read a CSV file (optionally ``.gz``) with every column as text.

    Parameters
    ----------
    path : str or Path
        The file.
    delimiter : str, optional
        Field separator; detected among ``, ; TAB |`` when omitted.
    encoding : str, optional
        Text encoding; detected when omitted (see :func:`decode`).

    Returns
    -------
    RawTable
        Well-formed rows in ``frame``; rows with the wrong number of fields in ``rejected``.

    Raises
    ------
    SourceError
        Missing or empty file, or an encoding that does not decode it.
    """
    p = check_file(path)
    data = p.read_bytes()
    if p.suffix == ".gz":
        try:
            data = gzip.decompress(data)
        except (OSError, EOFError) as exc:
            raise SourceError(f"{p}: not a valid gzip file ({exc})") from None
    text, _enc = decode(data, encoding=encoding, path=p)
    if not text.strip():
        raise SourceError(f"{p}: the file is empty; expected a header line and data rows")
    body = text.lstrip("\r\n")
    prefix = text[: len(text) - len(body)]
    # blank lines before the header still count as file lines
    lead = prefix.count("\n") if "\n" in prefix else prefix.count("\r")
    text = body
    head = text[:200_000]
    newline = "\n" if "\n" in head or "\r" not in head else "\r"
    sample = [ln.rstrip("\r") for ln in head.split(newline)[:50]]
    sniffed = sniff_delimiter(sample)
    delim = delimiter or sniffed
    header_rows = list(_csv.reader(io.StringIO(sample[0]), delimiter=delim)) if sample else [[]]
    raw_header = header_rows[0] if header_rows else []
    names = dedupe_names([h.strip() for h in raw_header])
    hint = ""
    if delimiter and len(names) == 1 and sniffed != delimiter:
        hint = (
            f"; the header is a single column {raw_header[0][:60]!r}: the delimiter looks like "
            f"{sniffed!r}, not {delimiter!r} — set delimiter = {sniffed!r} under [read] in the mapping"
        )
    quote_in_header = '"' in sample[0]
    if not quote_in_header:
        fast = _fast(text, delim, len(names), newline)
        if fast is not None:
            table, lines, blank = fast
            empty = _empty_rows(table)
            n_empty = int(np.count_nonzero(empty))
            if n_empty:
                table = table.filter(pa.array(~empty))
                lines = lines[~empty]
            frame = table.to_pandas(types_mapper={pa.string(): _STRING}.get)
            frame.columns = names
            return RawTable(
                path=p,
                fmt="csv",
                frame=frame,
                row_numbers=np.arange(1, len(frame) + 1, dtype=np.int64),
                hint=hint,
                lines=lines + lead,
                empty=blank + n_empty,
            )
    return _tolerant(p, text, delim, hint, lead=lead)


def _fast(text: str, delim: str, ncols: int, newline: str) -> tuple[pa.Table, np.ndarray, int] | None:
    """Parse with pyarrow; return the table, the file line of each row and the blank lines.

    None when pyarrow rejects the file or the rows cannot be matched to lines (the tolerant
    path then reads it).
    """
    cols = [f"c{i}" for i in range(ncols)]
    data = text.encode("utf-8")
    try:
        table = pacsv.read_csv(
            io.BytesIO(data),
            read_options=pacsv.ReadOptions(column_names=cols, skip_rows=1, block_size=1 << 24),
            parse_options=pacsv.ParseOptions(delimiter=delim),
            convert_options=pacsv.ConvertOptions(
                column_types={c: pa.string() for c in cols},
                strings_can_be_null=False,
                quoted_strings_can_be_null=False,
            ),
        )
    except (pa.ArrowInvalid, pa.ArrowTypeError):
        return None
    found = _row_lines(data, newline, table.num_rows)
    if found is None:
        return None
    return table, found[0], found[1]


def _row_lines(data: bytes, newline: str, nrows: int) -> tuple[np.ndarray, int] | None:
    """File line (1 = header) where each of the ``nrows`` data rows starts, and the blank lines.

    pyarrow skips blank lines and gives no line numbers. The usual file has one row per line
    and no blank line: one count of the newlines shows it, and the lines are 2, 3, ... Else a
    vectorised scan finds the row ends (newlines outside quotes: an even number of quote
    characters before them, as a doubled quote inside a quoted field counts twice) and
    drops the empty rows as pyarrow does. None if the rows found do not match pyarrow's.
    """
    nl = ord(newline)
    physical = data.count(bytes([nl])) + (0 if data.endswith(newline.encode()) else 1)
    if physical - 1 == nrows:
        return np.arange(2, nrows + 2, dtype=np.int64), 0
    arr = np.frombuffer(data, dtype=np.uint8)
    nl_pos = np.flatnonzero(arr == nl)
    ends = nl_pos
    if b'"' in data:
        quotes = np.flatnonzero(arr == ord('"'))
        ends = nl_pos[np.searchsorted(quotes, nl_pos) % 2 == 0]
    starts = np.concatenate(([0], ends + 1))
    stops = np.concatenate((ends, [len(arr)]))
    keep = starts < len(arr)
    starts, stops = starts[keep], stops[keep]
    length = stops - starts
    last = arr[np.maximum(stops - 1, 0)]
    blank = (length == 0) | ((length == 1) & (last == ord("\r")))
    lines = np.searchsorted(nl_pos, starts) + 1  # newlines before the start, plus one
    lines, blank = lines[1:], blank[1:]  # the header
    rows = lines[~blank]
    if len(rows) != nrows:
        return None
    return rows.astype(np.int64), int(np.count_nonzero(blank))


def _empty_rows(table: pa.Table) -> np.ndarray:
    """Rows whose every field is empty or blank (a line of only delimiters, ``;;;;``)."""
    n = table.num_rows
    if n == 0 or table.num_columns == 0:
        return np.zeros(n, dtype=bool)

    def blank(col: pa.ChunkedArray | pa.Array) -> np.ndarray:
        m = pc.or_(pc.equal(col, ""), pc.utf8_is_space(col))
        return np.asarray(pc.fill_null(m, True).to_numpy(zero_copy_only=False), dtype=bool)

    # the first column (an id, a date) is seldom empty: test the others on its empty rows only
    mask = blank(table.column(0))
    idx = np.flatnonzero(mask)
    for j in range(1, table.num_columns):
        if not len(idx):
            break
        sub = table.column(j).take(pa.array(idx))
        idx = idx[blank(sub)]
    out = np.zeros(n, dtype=bool)
    out[idx] = True
    return out


def _tolerant(p: Path, text: str, delim: str, hint: str, *, lead: int = 0) -> RawTable:
    reader = _csv.reader(io.StringIO(text, newline=""), delimiter=delim)
    try:
        header = next(reader)
    except (StopIteration, _csv.Error) as exc:
        raise SourceError(f"{p}: cannot read the header line ({exc})") from None
    names = dedupe_names([h.strip() for h in header])
    n = len(names)
    good: list[list[str]] = []
    good_rows: list[int] = []
    good_lines: list[int] = []
    bad: list[dict[str, object]] = []
    row = 0
    empty = 0
    while True:
        # a row starts on the line after the last one read (a quoted newline spans lines)
        line = reader.line_num + 1 + lead
        try:
            rec = next(reader)
        except StopIteration:
            break
        except _csv.Error as exc:
            raise SourceError(
                f"{p}: cannot parse as CSV at line {line} (after data row {row}): {exc}"
            ) from None
        if not rec or all(not f.strip() for f in rec):
            empty += 1  # a blank line or a line of only delimiters: an empty row
            continue
        row += 1
        if len(rec) == n:
            good.append(rec)
            good_rows.append(row)
            good_lines.append(line)
        else:
            bad.append(
                {
                    "row_number": row,
                    "line": line,
                    "raw_row": raw_json(rec),
                    "field": None,
                    "reason": (
                        f"row has {len(rec)} field(s) but the header has {n}; check the "
                        f"delimiter ({delim!r}) and quotes on line {line}"
                    ),
                }
            )
    frame = pd.DataFrame(good, columns=names, dtype=object).astype(_STRING) if good else (
        pd.DataFrame({c: pd.Series([], dtype=_STRING) for c in names})
    )
    frame.columns = names
    rejected = pd.DataFrame(bad) if bad else empty_quarantine()
    if bad:
        rejected["line"] = rejected["line"].astype("Int64")
    return RawTable(
        path=p,
        fmt="csv",
        frame=frame,
        row_numbers=np.asarray(good_rows, dtype=np.int64),
        rejected=rejected,
        hint=hint,
        lines=np.asarray(good_lines, dtype=np.int64),
        empty=empty,
    )
