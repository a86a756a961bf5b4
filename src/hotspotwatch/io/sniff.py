"""What a file really is, from its first bytes: a clear message before any reader runs.

A PNG renamed ``.csv`` would otherwise be read as a CSV whose only column is ``'\\x89PNG'``;
an Excel workbook saved as ``.csv`` as a column of zip garbage. :func:`check_content` looks at
the first :data:`HEAD_BYTES` bytes: known signatures ("magic numbers"), NUL bytes and control
characters that text never has, and says in one line what the file looks like and how to get
the file the command wants.
"""

from __future__ import annotations

import gzip
import zlib
from pathlib import Path

from hotspotwatch.io.errors import SourceError

HEAD_BYTES = 8192
"""Bytes read from the start of a file to tell what it is."""

# (signature at offset 0, what it is, how to get the wanted file); "{want}" is the format.
_SIGNATURES: tuple[tuple[bytes, str, str], ...] = (
    (b"\x89PNG\r\n\x1a\n", "a PNG image", "give the data file itself"),
    (b"\xff\xd8\xff", "a JPEG image", "give the data file itself"),
    (b"GIF87a", "a GIF image", "give the data file itself"),
    (b"GIF89a", "a GIF image", "give the data file itself"),
    (b"II*\x00", "a TIFF image", "give the data file itself"),
    (b"MM\x00*", "a TIFF image", "give the data file itself"),
    (b"%PDF", "a PDF document", "export the table from its source as {want}"),
    (
        b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1",
        "an old Microsoft Office file (.xls or .doc)",
        "open it and save it as {want}",
    ),
    (
        b"SQLite format 3\x00",
        "a SQLite database (a GeoPackage?)",
        'name it .gpkg, or set format = "gpkg" under [read] in the mapping',
    ),
    (
        b"PAR1",
        "a Parquet file",
        'name it .parquet, or set format = "parquet" under [read] in the mapping',
    ),
    (b"7z\xbc\xaf\x27\x1c", "a 7-Zip archive", "extract it and import the file inside"),
    (b"Rar!\x1a\x07", "a RAR archive", "extract it and import the file inside"),
    (b"BZh", "a bzip2-compressed file", "decompress it and import the file inside"),
    (b"\xfd7zXZ\x00", "an xz-compressed file", "decompress it and import the file inside"),
    (b"\x7fELF", "a program (ELF executable)", "give the data file itself"),
)
_TEXT_FORMATS = {"csv": "CSV", "geojson": "GeoJSON"}
_BINARY_FORMATS = {"parquet": (b"PAR1", "Parquet"), "gpkg": (b"SQLite format 3\x00", "GeoPackage")}


def describe(head: bytes) -> tuple[str, str] | None:
    """``(what it is, how to fix)`` for a known binary signature, else ``None``.

    Examples
    --------
    >>> describe(b"\\x89PNG\\r\\n\\x1a\\n....")[0]
    'a PNG image'
    >>> describe(b"id,date,x,y") is None
    True
    """
    if head.startswith(b"PK\x03\x04"):
        if b"xl/" in head:
            return (
                "an Excel workbook (.xlsx)",
                "in Excel use File > Save As > CSV UTF-8, then import that file",
            )
        if b"word/" in head:
            return ("a Word document (.docx)", "give the data file itself")
        if b"content.xml" in head or b"opendocument" in head:
            return ("an OpenDocument file (.ods/.odt)", "save it as {want} and import that file")
        return ("a ZIP archive", "extract it and import the file inside")
    for magic, what, fix in _SIGNATURES:
        if head.startswith(magic):
            return what, fix
    return None


def _looks_binary(head: bytes) -> str | None:
    """Why ``head`` is not text (NUL bytes, control characters), or ``None``."""
    if not head:
        return None
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):
        return None  # UTF-16 with a byte-order mark: the CSV reader decodes it
    if b"\x00" in head:
        even, odd = head[0::2], head[1::2]
        if odd and odd.count(0) > 0.9 * len(odd) and even.count(0) < 0.1 * len(even):
            return "UTF-16 text without a byte-order mark"
        return "binary data (it has NUL bytes, which text never has)"
    controls = sum(1 for b in head if b < 0x20 and b not in (0x09, 0x0A, 0x0C, 0x0D, 0x1A))
    if controls > max(2, 0.01 * len(head)):
        return f"binary data ({controls} control bytes in its first {len(head):,} bytes)"
    return None


def _gzip_head(path: Path) -> bytes | None:
    try:
        with gzip.open(path, "rb") as fh:
            return fh.read(HEAD_BYTES)
    except (OSError, EOFError, zlib.error):
        return None


def check_content(path: str | Path, fmt: str) -> None:
    """Raise a one-line :class:`SourceError` if the file is empty or is not a ``fmt`` file.

    Parameters
    ----------
    path : str or Path
        An existing file.
    fmt : str
        The format the command will read it as (``csv``, ``geojson``, ``parquet``, ``gpkg``).

    Raises
    ------
    SourceError
        ``"<file>: this is a PNG image, not a CSV file; give the data file itself"``, an
        empty file (0 bytes), UTF-16 text without a byte-order mark, NUL bytes in a text
        format, a ``.gz`` that is not gzip.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> p = pathlib.Path(tempfile.mkdtemp()) / "events.csv"
    >>> _ = p.write_bytes(b"\\x89PNG\\r\\n\\x1a\\n" + bytes(64))
    >>> try:
    ...     check_content(p, "csv")
    ... except SourceError as exc:
    ...     print(str(exc).split(": ", 1)[1])
    this is a PNG image, not a CSV file; give the data file itself
    """
    p = Path(path)
    with p.open("rb") as fh:
        head = fh.read(HEAD_BYTES)
    if not head:
        raise SourceError(f"{p}: the file is empty (0 bytes); expected a header line and data rows")
    if fmt in _BINARY_FORMATS:
        magic, label = _BINARY_FORMATS[fmt]
        if head.startswith(magic):
            return
        found = describe(head)
        if found is None and _looks_binary(head) is None:
            found = ("a text file", 'set format = "csv" under [read] in the mapping if it is a CSV')
        if found is not None:
            what, fix = found
            raise SourceError(f"{p}: this is {what}, not a {label} file; {fix.format(want=label)}")
        return  # unknown binary: the reader says what is wrong
    want = _TEXT_FORMATS.get(fmt)
    if want is None:
        return
    if p.suffix.lower() == ".gz" or head.startswith(b"\x1f\x8b"):
        if p.suffix.lower() != ".gz":
            raise SourceError(
                f"{p}: this is a gzip-compressed file, not a {want} file; name it "
                f"{p.name}.gz (it is then decompressed on import) or decompress it"
            )
        inner = _gzip_head(p) if head.startswith(b"\x1f\x8b") else None
        if inner is None:
            raise SourceError(
                f"{p}: not a valid gzip file; give the {want} file or compress it again with gzip"
            )
        if not inner:
            raise SourceError(
                f"{p}: the file is empty once decompressed; expected a header line and data rows"
            )
        head = inner
    found = describe(head)
    if found is not None:
        what, fix = found
        raise SourceError(f"{p}: this is {what}, not a {want} file; {fix.format(want=want)}")
    why = _looks_binary(head)
    if why == "UTF-16 text without a byte-order mark":
        raise SourceError(
            f'{p}: this looks like {why}; set encoding = "utf-16-le" under [read] in '
            "the mapping, or save it as UTF-8"
        )
    if why is not None:
        raise SourceError(
            f"{p}: this is {why}, not a {want} file; give the {want} file itself "
            f"(export the data as {want})"
        )


__all__ = ["HEAD_BYTES", "check_content", "describe"]
