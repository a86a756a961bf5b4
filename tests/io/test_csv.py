"""CSV reader: encoding and delimiter detection, malformed rows quarantined with row numbers."""

from __future__ import annotations

import pytest

from hotspotwatch.io.csv import read_csv, sniff_delimiter
from hotspotwatch.io.errors import SourceError


@pytest.mark.parametrize("delim", [",", ";", "\t", "|"])
def test_delimiter_is_detected(tmp_path, delim):
    p = tmp_path / "f.csv"
    p.write_text(delim.join(["a", "b", "c"]) + "\n" + delim.join(["1", "2,5", "x"]) + "\n", encoding="utf-8")
    if delim == ",":
        p.write_text("a,b,c\n1,\"2,5\",x\n", encoding="utf-8")
    raw = read_csv(p)
    assert list(raw.frame.columns) == ["a", "b", "c"]
    assert raw.frame.iloc[0].tolist() == ["1", "2,5", "x"]


def test_sniff_prefers_consistent_split():
    assert sniff_delimiter(["a;b;c", "1,5;2,5;x", "3;4;y"]) == ";"


def test_cp1252_is_detected_and_decoded(tmp_path):
    p = tmp_path / "f.csv"
    p.write_bytes("type;n\nVente de stupéfiants;1\n".encode("cp1252"))
    assert read_csv(p).frame["type"].iloc[0] == "Vente de stupéfiants"


def test_utf8_bom_is_stripped(tmp_path):
    p = tmp_path / "f.csv"
    p.write_bytes(b"\xef\xbb\xbfid,x\n1,2\n")
    assert list(read_csv(p).frame.columns) == ["id", "x"]


def test_wrong_encoding_is_a_one_line_error_naming_the_likely_one(tmp_path):
    p = tmp_path / "f.csv"
    p.write_bytes("type;n\nVente de stupéfiants;1\n".encode("cp1252"))
    with pytest.raises(SourceError, match=r'not valid utf-8.*encoding = "cp1252"') as err:
        read_csv(p, encoding="utf-8")
    assert "\n" not in str(err.value)


def test_rows_with_wrong_field_count_are_rejected_with_row_numbers(tmp_path):
    p = tmp_path / "f.csv"
    p.write_text("a,b,c\n1,2,3\n4,5\n\n6,7,8,9\n10,11,12\n", encoding="utf-8")
    raw = read_csv(p)
    assert raw.frame["a"].tolist() == ["1", "10"]
    assert raw.row_numbers.tolist() == [1, 4]
    assert raw.rejected["row_number"].tolist() == [2, 3]
    assert "2 field(s) but the header has 3" in raw.rejected["reason"].iloc[0]
    assert raw.read == 4


def test_quoted_newline_and_leading_zeros_are_kept(tmp_path):
    p = tmp_path / "f.csv"
    p.write_text('id,note\n007,"two\nlines"\n008,plain\n', encoding="utf-8")
    raw = read_csv(p)
    assert raw.frame["id"].tolist() == ["007", "008"]
    assert raw.frame["note"].iloc[0] == "two\nlines"
    assert raw.row_numbers.tolist() == [1, 2]


def test_missing_and_empty_files_are_clear(tmp_path):
    with pytest.raises(SourceError, match="file not found"):
        read_csv(tmp_path / "nope.csv")
    (tmp_path / "empty.csv").write_text("", encoding="utf-8")
    with pytest.raises(SourceError, match="empty"):
        read_csv(tmp_path / "empty.csv")


def test_duplicate_and_blank_header_names_are_made_unique(tmp_path):
    p = tmp_path / "f.csv"
    p.write_text("a,a,\n1,2,3\n", encoding="utf-8")
    assert list(read_csv(p).frame.columns) == ["a", "a.1", "column_3"]


# ------------------------------------------------------------------ file lines (second-city review)


@pytest.mark.parametrize("quoted_header", [False, True], ids=["fast", "tolerant"])
@pytest.mark.parametrize("newline", ["\n", "\r\n"], ids=["lf", "crlf"])
def test_file_lines_survive_blank_lines_and_quoted_newlines(tmp_path, quoted_header, newline):
    # a bad row at file line 8 used to be known only as data row 5, after two blank lines
    header = '"id","note"' if quoted_header else "id,note"
    text = newline.join(
        [header, "1,a", "", "2,b", "", '3,"two', 'lines"', "4,c", "5,d"]
    ) + newline
    p = tmp_path / "f.csv"
    p.write_bytes(("\n\n" + text).encode("utf-8"))  # blank lines before the header count too
    raw = read_csv(p)
    assert raw.frame["id"].tolist() == ["1", "2", "3", "4", "5"]
    assert raw.row_numbers.tolist() == [1, 2, 3, 4, 5]  # data rows: the documented meaning
    assert raw.lines is not None
    assert raw.lines.tolist() == [4, 6, 8, 10, 11]  # lines an editor shows (header: line 3)
    assert raw.frame["note"].iloc[2].replace("\r", "") == "two\nlines"


def test_file_lines_fast_path_without_blank_lines(tmp_path):
    p = tmp_path / "f.csv"
    p.write_text("id;x\n1;2\n3;4\n5;6", encoding="utf-8")  # no final newline
    raw = read_csv(p)
    assert raw.lines.tolist() == [2, 3, 4]


def test_rejected_rows_name_their_file_line(tmp_path):
    p = tmp_path / "f.csv"
    p.write_text("a,b,c\n1,2,3\n\n\n4,5\n6,7,8\n", encoding="utf-8")
    raw = read_csv(p)
    assert raw.rejected["row_number"].tolist() == [2]
    assert raw.rejected["line"].tolist() == [5]
    assert "on line 5" in raw.rejected["reason"].iloc[0]
    assert raw.lines.tolist() == [2, 6]


@pytest.mark.parametrize("quoted_header", [False, True], ids=["fast", "tolerant"])
def test_rows_of_only_delimiters_are_empty_rows_like_blank_lines(tmp_path, quoted_header):
    # second-city review: ';;;;' rows were quarantined as "no coordinates"
    header = '"id";"x";"y"' if quoted_header else "id;x;y"
    p = tmp_path / "f.csv"
    p.write_text(f"{header}\n1;2;3\n;;\n\n ; ;\n4;5;6\n;;\n", encoding="utf-8")
    raw = read_csv(p)
    assert raw.frame["id"].tolist() == ["1", "4"]
    assert raw.row_numbers.tolist() == [1, 2]
    assert raw.lines.tolist() == [2, 6]
    assert raw.empty == 4 and raw.read == 2
    assert raw.rejected.empty


def test_a_row_of_too_few_delimiters_is_empty_not_malformed(tmp_path):
    p = tmp_path / "f.csv"
    p.write_text("a;b;c;d\n1;2;3;4\n;;\n5;6;7;8\n", encoding="utf-8")
    raw = read_csv(p)
    assert raw.rejected.empty and raw.empty == 1
    assert raw.lines.tolist() == [2, 4]
