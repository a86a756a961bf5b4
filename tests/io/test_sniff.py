"""``io.sniff.check_content``: a file that is not of its format is named for what it is."""

from __future__ import annotations

import gzip
from pathlib import Path

import pytest

from hotspotwatch.io.errors import SourceError
from hotspotwatch.io.importer import read_source
from hotspotwatch.io.mapping import load_mapping
from hotspotwatch.io.sniff import check_content, describe

DATA = Path(__file__).resolve().parents[1] / "data"

PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(100)


def _file(tmp_path: Path, name: str, data: bytes) -> Path:
    p = tmp_path / name
    p.write_bytes(data)
    return p


@pytest.mark.parametrize(
    ("data", "what"),
    [
        (PNG, "a PNG image"),
        (b"\xff\xd8\xff\xe0\x00\x10JFIF", "a JPEG image"),
        (b"GIF89a\x01\x00", "a GIF image"),
        (b"%PDF-1.7\n%\xe2\xe3", "a PDF document"),
        (b"PK\x03\x04\x14\x00[Content_Types].xml xl/workbook.xml", "an Excel workbook (.xlsx)"),
        (b"PK\x03\x04\x14\x00word/document.xml", "a Word document (.docx)"),
        (b"PK\x03\x04\x14\x00data.csv", "a ZIP archive"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(20), "an old Microsoft Office file (.xls or .doc)"),
        (b"SQLite format 3\x00" + bytes(20), "a SQLite database (a GeoPackage?)"),
        (b"PAR1\x15\x04", "a Parquet file"),
    ],
)
def test_known_signatures_are_named_for_a_csv(tmp_path, data, what):
    p = _file(tmp_path, "events.csv", data)
    with pytest.raises(SourceError) as err:
        check_content(p, "csv")
    assert str(err.value).startswith(f"{p}: this is {what}, not a CSV file; ")
    assert "\n" not in str(err.value)
    assert describe(data)[0] == what


def test_text_files_pass(tmp_path):
    for name, data in [
        ("utf8.csv", "id;date;rue\n1;2024-03-01;Rue de l'Étuve\n".encode()),
        ("cp1252.csv", "id;date;rue\n1;2024-03-01;Rue de l'Étuve\n".encode("cp1252")),
        ("bom16.csv", "id;date\n1;2024-03-01\n".encode("utf-16")),
        ("excel_eof.csv", b"id;date\r\n1;2024-03-01\r\n\x1a"),
    ]:
        check_content(_file(tmp_path, name, data), "csv")  # no exception
    check_content(DATA / "generic_events.csv", "csv")
    check_content(DATA / "brussels_box.geojson", "geojson")


def test_nul_bytes_control_bytes_and_utf16_without_bom(tmp_path):
    with pytest.raises(SourceError, match=r"this is binary data \(it has NUL bytes"):
        check_content(_file(tmp_path, "a.csv", b"id,date\x00\x17\x80\x00" * 20), "csv")
    with pytest.raises(SourceError, match=r"this is binary data \(\d+ control bytes in its first"):
        check_content(_file(tmp_path, "b.csv", bytes(range(1, 32)) * 20), "csv")
    with pytest.raises(SourceError, match='UTF-16 text without a byte-order mark; set encoding = "utf-16-le"'):
        check_content(_file(tmp_path, "c.csv", "id;date\n1;2024\n".encode("utf-16-le")), "csv")
    with pytest.raises(SourceError, match="not a GeoJSON file"):
        check_content(_file(tmp_path, "d.geojson", PNG), "geojson")


def test_empty_file(tmp_path):
    p = _file(tmp_path, "e.csv", b"")
    with pytest.raises(SourceError, match=r"e\.csv: the file is empty \(0 bytes\); expected a header"):
        check_content(p, "csv")


def test_binary_formats_check_their_own_signature(tmp_path):
    text = _file(tmp_path, "events.parquet", b"id,date,x,y\n1,2024-01-01,1,2\n")
    with pytest.raises(SourceError, match=r"this is a text file, not a Parquet file; set format = \"csv\""):
        check_content(text, "parquet")
    png = _file(tmp_path, "zones.gpkg", PNG)
    with pytest.raises(SourceError, match="this is a PNG image, not a GeoPackage file"):
        check_content(png, "gpkg")
    check_content(_file(tmp_path, "ok.parquet", b"PAR1" + bytes(10)), "parquet")


def test_gzip(tmp_path):
    good = _file(tmp_path, "e.csv.gz", gzip.compress(b"id;date\n1;2024-03-01\n"))
    check_content(good, "csv")
    inner_png = _file(tmp_path, "p.csv.gz", gzip.compress(PNG))
    with pytest.raises(SourceError, match="this is a PNG image, not a CSV file"):
        check_content(inner_png, "csv")
    fake = _file(tmp_path, "f.csv.gz", b"id;date\n1;2024\n")
    with pytest.raises(SourceError, match="not a valid gzip file"):
        check_content(fake, "csv")
    unnamed = _file(tmp_path, "g.csv", gzip.compress(b"id;date\n"))
    with pytest.raises(SourceError, match=r"gzip-compressed file, not a CSV file; name it g\.csv\.gz"):
        check_content(unnamed, "csv")


def test_read_source_names_a_png_instead_of_a_column(tmp_path):
    mapping = load_mapping(DATA / "generic_mapping.toml")
    p = _file(tmp_path, "events.csv", PNG)
    with pytest.raises(SourceError) as err:
        read_source(p, mapping)
    assert "this is a PNG image, not a CSV file" in str(err.value)
    assert "\\x89PNG" not in str(err.value)


def test_a_header_only_csv_reads_as_no_rows(tmp_path):
    mapping = load_mapping(DATA / "generic_mapping.toml")
    p = _file(tmp_path, "h.csv", b"incident_no;date;hour;x;y;type;street\n")
    raw = read_source(p, mapping)
    assert raw.read == 0 and list(raw.frame.columns)[:2] == ["incident_no", "date"]
