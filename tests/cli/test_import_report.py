"""The import report on data that is not the demo (issue 14 items 2, 8 and 9): quarantine kept
once, listed in full, several files (the earlier ones named, ``--atomic``), binary and
header-only files, exact duplicates, progress bars."""

from __future__ import annotations

import csv
import io
import json
import sqlite3
from pathlib import Path

import pytest
from typer.testing import CliRunner

from hotspotwatch import Workspace
from hotspotwatch.cli.main import app
from hotspotwatch.workflows.quarantine import FIELDS
from hotspotwatch.workflows.spacetime_events import duplicate_mask

DATA = Path(__file__).resolve().parents[1] / "data"
GENERIC = DATA / "generic_events.csv"
GENERIC_MAP = DATA / "generic_mapping.toml"
runner = CliRunner()

PLAIN_MAP = """\
source = "city-b"
crs = "EPSG:3812"
timezone = "Europe/Brussels"

[columns]
time = "when"
x = "x"
y = "y"
category = "kind"

[categories]
"Vol" = "theft"
"""
LONG_KIND = "Cambriolage dans une habitation avec effraction nocturne et vol de véhicule " * 2


@pytest.fixture
def ws_dir(tmp_path: Path) -> Path:
    Workspace.create(tmp_path / "ws", crs="EPSG:3812", timezone="Europe/Brussels").close()
    return tmp_path / "ws"


def _run(*args: str):
    return runner.invoke(app, list(args))


def _count(ws_dir: Path, table: str) -> int:
    with sqlite3.connect(ws_dir / "hotspotwatch.sqlite") as con:
        return int(con.execute(f"select count(*) from {table}").fetchone()[0])


def _plain(tmp_path: Path, name: str, rows: list[str], header: str = "when,x,y,kind") -> Path:
    p = tmp_path / name
    p.write_text("\n".join([header, *rows]) + "\n", encoding="utf-8")
    return p


def _mapping(tmp_path: Path, text: str = PLAIN_MAP) -> Path:
    p = tmp_path / "plain.toml"
    p.write_text(text, encoding="utf-8")
    return p


def _import(ws_dir: Path, *files: Path, mapping: Path = GENERIC_MAP, extra: tuple[str, ...] = ()):
    return _run("import", "events", *map(str, files), "-m", str(mapping), "-w", str(ws_dir), *extra)


def _generic_copy(tmp_path: Path, name: str, prefix: str) -> Path:
    p = tmp_path / name
    p.write_text(GENERIC.read_text(encoding="utf-8").replace("PV00", prefix), encoding="utf-8")
    return p


# --------------------------------------------------------------------------- quarantine once


def test_reimport_does_not_store_quarantined_rows_again(ws_dir):
    first = _import(ws_dir, GENERIC, extra=("--json",))
    assert first.exit_code == 0, first.output
    assert json.loads(first.stdout)["quarantined"] == 4
    assert json.loads(first.stdout)["already_quarantined"] == 0
    assert _count(ws_dir, "quarantine") == 4
    again = _import(ws_dir, GENERIC)
    assert again.exit_code == 0, again.output
    text = " ".join(again.stdout.split())
    assert "the 4 quarantined rows were already quarantined by an earlier import" in text
    assert _count(ws_dir, "quarantine") == 4  # not 8
    third = _import(ws_dir, GENERIC, extra=("--json",))
    out = json.loads(third.stdout)
    assert (out["quarantined"], out["already_quarantined"], out["unchanged"]) == (4, 4, 4)
    assert _count(ws_dir, "quarantine") == 4
    assert _count(ws_dir, "imports") == 3  # every import is still recorded


def test_identical_bad_rows_are_kept_as_often_as_a_file_has_them(ws_dir, tmp_path):
    mp = _mapping(tmp_path)
    bad = "2024-03-01T10:00,649000,666000,Inconnu"
    a = _plain(tmp_path, "a.csv", [bad, bad, "2024-03-01T11:00,649000,666000,Vol"])
    r = _import(ws_dir, a, mapping=mp, extra=("--json",))
    assert json.loads(r.stdout)["quarantined"] == 2
    assert _count(ws_dir, "quarantine") == 2  # two identical bad rows are two rows
    # another file with the same bad row once and a new bad row: only the new one is stored
    b = _plain(tmp_path, "b.csv", [bad, "2024-03-02T10:00,abc,666000,Vol"])
    r = _import(ws_dir, b, mapping=mp, extra=("--json",))
    out = json.loads(r.stdout)
    assert (out["quarantined"], out["already_quarantined"]) == (2, 1)
    assert _count(ws_dir, "quarantine") == 3
    # the same bad row three times in one file: the third copy is new
    c = _plain(tmp_path, "c.csv", [bad, bad, bad])
    out = json.loads(_import(ws_dir, c, mapping=mp, extra=("--json",)).stdout)
    assert (out["quarantined"], out["already_quarantined"]) == (3, 2)
    assert _count(ws_dir, "quarantine") == 4


# --------------------------------------------------------------------------- quarantine list


def _many_bad(tmp_path: Path) -> Path:
    rows = [f"2024-03-{d:02d}T10:00,649000,666000,{LONG_KIND}{d}" for d in range(1, 13)]
    rows.append("2024-03-20T10:00,649000,666000,Vol")
    return _plain(tmp_path, "many.csv", rows)


def test_import_prints_the_first_rows_and_names_quarantine_list(ws_dir, tmp_path):
    r = _import(ws_dir, _many_bad(tmp_path), mapping=_mapping(tmp_path))
    assert r.exit_code == 0, r.output
    shown = [ln for ln in r.stdout.splitlines() if ln.strip().startswith("row ")]
    assert [ln.split()[1] for ln in shown] == ["1", "2", "3", "4", "5"]
    assert "7 more: hotspotwatch quarantine list --source city-b" in r.stdout


def test_quarantine_list_shows_every_row_in_full(ws_dir, tmp_path):
    _import(ws_dir, _many_bad(tmp_path), mapping=_mapping(tmp_path))
    r = _run("quarantine", "list", "-w", str(ws_dir), "--format", "json")
    assert r.exit_code == 0, r.output
    rows = json.loads(r.stdout)
    assert len(rows) == 12
    assert [row["row_number"] for row in rows] == list(range(1, 13))
    assert list(rows[0]) == list(FIELDS)
    first = rows[0]
    assert first["field"] == "kind" and first["value"] == f"{LONG_KIND}1"
    assert first["reason"] == f"unknown category {LONG_KIND + '1'!r}"  # whole, 150+ characters
    assert "[categories]" in first["fix"]
    assert Path(first["file"]).name == "many.csv" and first["source"] == "city-b"
    assert json.loads(first["raw_row"])["kind"] == f"{LONG_KIND}1"
    # the table prints every row and every reason whole (stdout is a pipe: nothing is cut)
    table = _run("quarantine", "list", "-w", str(ws_dir))
    assert table.exit_code == 0, table.output
    assert table.stdout.count("many.csv") == 12
    for d in range(1, 13):
        assert f"unknown category '{LONG_KIND}{d}'" in table.stdout


def test_quarantine_export_csv_to_a_file_and_by_source(ws_dir, tmp_path):
    _import(ws_dir, _many_bad(tmp_path), mapping=_mapping(tmp_path))
    _import(ws_dir, GENERIC)
    out = tmp_path / "q.csv"
    r = _run("quarantine", "export", "-w", str(ws_dir), "--output", str(out))
    assert r.exit_code == 0, r.output
    assert "16 quarantined rows written to" in " ".join(r.stderr.split())
    with out.open(encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh))
    assert len(rows) == 16 and list(rows[0]) == list(FIELDS)
    r = _run("quarantine", "export", "-w", str(ws_dir), "--source", "zone-5341-ISLP")
    assert r.exit_code == 0, r.output
    generic = list(csv.DictReader(io.StringIO(r.stdout)))
    assert [g["row_number"] for g in generic] == ["3", "4", "5", "6"]
    by_row = {g["row_number"]: g for g in generic}
    assert by_row["4"]["value"] == "31/02/2024" and by_row["4"]["field"] == "date"
    assert by_row["6"]["reason"] == "duplicate id 'PV001', first at row 1"
    assert by_row["5"]["fix"].startswith("did you mean 'Vente de stupéfiants'?")
    js = _run("quarantine", "export", "-w", str(ws_dir), "-s", "city-b", "--format", "json")
    assert len(json.loads(js.stdout)) == 12


@pytest.mark.parametrize(
    ("args", "needle"),
    [
        (["list", "--source", "nope"], "no import has this source"),
        (["export", "--format", "xml"], "--format must be csv or json"),
        (["list", "--format", "xml"], "--format must be table, csv or json"),
    ],
)
def test_quarantine_errors_are_one_line_exit_2(ws_dir, args, needle):
    _import(ws_dir, GENERIC)
    r = _run("quarantine", *args, "-w", str(ws_dir))
    assert r.exit_code == 2
    assert needle in r.output and "Traceback" not in r.output


def test_quarantine_names_the_file_line_after_blank_lines(ws_dir, tmp_path):
    # second-city review: the bad row is on line 6 of the file; blank lines before it made
    # "row 3" the only clue, and an editor's line 3 is blank
    p = tmp_path / "blank.csv"
    p.write_text("when,x,y,kind\n2024-03-01T10:00,649000,666000,Vol\n\n\n"
                 "2024-03-02T10:00,649000,666000,Vol\n2024-03-03T10:00,649000,666000,Volz\n",
                 encoding="utf-8")
    r = _import(ws_dir, p, mapping=_mapping(tmp_path))
    assert r.exit_code == 0, r.output
    assert "row 3 (line 6) (kind): unknown category 'Volz'" in r.stdout
    rows = json.loads(_run("quarantine", "list", "-w", str(ws_dir), "--format", "json").stdout)
    assert [(row["row_number"], row["line"]) for row in rows] == [(3, 6)]
    table = _run("quarantine", "list", "-w", str(ws_dir)).stdout
    assert "line" in table and " 6 " in table


def test_rows_of_only_delimiters_are_counted_as_empty_not_quarantined(ws_dir, tmp_path):
    p = tmp_path / "semi.csv"
    p.write_text("when,x,y,kind\n2024-03-01T10:00,649000,666000,Vol\n,,,\n\n"
                 "2024-03-02T10:00,649000,666000,Vol\n,,,\n", encoding="utf-8")
    r = _import(ws_dir, p, mapping=_mapping(tmp_path), extra=("--json",))
    assert r.exit_code == 0, r.output
    out = json.loads(r.stdout)
    assert (out["read"], out["inserted"], out["quarantined"], out["empty"]) == (2, 2, 0, 3)
    assert out["read"] == out["inserted"] + out["updated"] + out["unchanged"] + out["quarantined"]
    table = _import(ws_dir, p, mapping=_mapping(tmp_path))
    assert "semi.csv: 3 empty rows skipped (blank lines or only delimiters" in table.stdout


# --------------------------------------------------------------------------- several files


def test_a_later_file_failing_names_what_the_earlier_files_did(ws_dir, tmp_path):
    assert _import(ws_dir, GENERIC).exit_code == 0
    new = _generic_copy(tmp_path, "new.csv", "QV00")
    bad = tmp_path / "bad.csv"
    bad.write_text("foo;bar\n1;2\n", encoding="utf-8")
    later = _generic_copy(tmp_path, "later.csv", "RV00")
    r = _import(ws_dir, GENERIC, new, bad, later)
    assert r.exit_code == 2
    msg = " ".join(r.stderr.split())
    assert len(r.stderr.strip().splitlines()) >= 1 and "Traceback" not in r.output
    assert "bad.csv: column 'incident_no'" in msg
    assert ("generic_events.csv: skipped as unchanged (4 rows already stored), 4 quarantined "
            "(already before)") in msg
    assert "new.csv: 4 stored (4 new, 0 updated), 4 quarantined" in msg
    assert "not imported: later.csv" in msg and "fix bad.csv and run the same command again" in msg
    assert _count(ws_dir, "events") == 8  # the earlier files stay stored


def _snapshot(ws_dir: Path) -> tuple:
    with sqlite3.connect(ws_dir / "hotspotwatch.sqlite") as con:
        return tuple(
            tuple(con.execute(q).fetchall())
            for q in (
                "select source, source_id, row_hash, import_id from events order by event_id",
                "select import_id, file, fingerprint, read, quarantined from imports",
                "select quarantine_id, import_id, row_number, reason from quarantine",
            )
        )


def test_atomic_stores_nothing_when_a_file_fails_and_keeps_the_earlier_state(ws_dir, tmp_path):
    assert _import(ws_dir, GENERIC).exit_code == 0
    before = _snapshot(ws_dir)
    changed = tmp_path / "changed.csv"  # an update of a stored row, a new row, new bad rows
    changed.write_text(GENERIC.read_text(encoding="utf-8").replace("Rue Neuve", "Rue Haute")
                       + "PV100;06/03/2024;11;149650;170150;Vol simple;Rue Haute\n",
                       encoding="utf-8")
    new = _generic_copy(tmp_path, "new.csv", "QV00")
    bad = tmp_path / "bad.csv"
    bad.write_text("foo;bar\n1;2\n", encoding="utf-8")
    r = _import(ws_dir, changed, new, bad, extra=("--atomic",))
    assert r.exit_code == 2
    msg = " ".join(r.stderr.split())
    assert "nothing was stored from any file (--atomic); changed.csv, new.csv rolled back" in msg
    assert _snapshot(ws_dir) == before
    # without --atomic the same command keeps the first two files
    r = _import(ws_dir, changed, new, bad)
    assert r.exit_code == 2
    assert _count(ws_dir, "events") == 4 + 1 + 4
    # --atomic with good files stores them all, in one go
    more = _generic_copy(tmp_path, "more.csv", "SV00")
    again = _generic_copy(tmp_path, "again.csv", "TV00")
    r = _import(ws_dir, more, again, extra=("--atomic", "--json", "--per-file"))
    assert r.exit_code == 0, r.output
    assert [o["inserted"] for o in json.loads(r.stdout)] == [4, 4]
    assert _count(ws_dir, "events") == 17


# --------------------------------------------------------------------------- odd files


def test_a_png_named_csv_is_named_as_such_and_nothing_is_stored(ws_dir, tmp_path):
    png = tmp_path / "events.csv"
    png.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(200))
    r = _import(ws_dir, GENERIC, png)
    assert r.exit_code == 2
    line = " ".join(r.stderr.split())
    assert f"{png}: this is a PNG image, not a CSV file" in line
    assert "\\x89PNG" not in r.output and "Traceback" not in r.output
    assert _count(ws_dir, "events") == 0  # checked before the first file was stored


def test_binary_with_nul_bytes_and_an_excel_workbook(ws_dir, tmp_path):
    blob = tmp_path / "dump.csv"
    blob.write_bytes(b"incident_no;date\x00\x01\x02\x00\xff" * 50)
    r = _import(ws_dir, blob)
    assert r.exit_code == 2 and "binary data (it has NUL bytes" in " ".join(r.stderr.split())
    xlsx = tmp_path / "export.csv"
    xlsx.write_bytes(b"PK\x03\x04\x14\x00\x06\x00" + b"[Content_Types].xml" + b"xl/workbook.xml")
    r = _import(ws_dir, xlsx)
    assert r.exit_code == 2
    assert "this is an Excel workbook (.xlsx), not a CSV file" in " ".join(r.stderr.split())


def test_a_header_only_file_warns_and_stores_nothing(ws_dir, tmp_path):
    header = tmp_path / "header.csv"
    header.write_text(GENERIC.read_text(encoding="utf-8").splitlines()[0] + "\n", encoding="utf-8")
    r = _import(ws_dir, header)
    assert r.exit_code == 0, r.output
    assert "warning:" in r.stderr and "only a header, no data rows; nothing stored" in " ".join(
        r.stderr.split())
    assert _count(ws_dir, "imports") == 0 and _count(ws_dir, "events") == 0
    r = _import(ws_dir, GENERIC, header, extra=("--json",))
    out = json.loads(r.stdout)
    assert out["read"] == 8 and out["inserted"] == 4
    assert len(out["warnings"]) == 1 and "header.csv: only a header" in out["warnings"][0]
    assert _count(ws_dir, "imports") == 1


def test_a_header_only_file_with_the_wrong_columns_is_an_error(ws_dir, tmp_path):
    header = tmp_path / "header.csv"
    header.write_text("a;b;c\n", encoding="utf-8")
    r = _import(ws_dir, header)
    assert r.exit_code == 2 and "column 'incident_no'" in r.output


def test_an_empty_file_is_an_error(ws_dir, tmp_path):
    empty = tmp_path / "empty.csv"
    empty.write_bytes(b"")
    r = _import(ws_dir, GENERIC, empty)
    assert r.exit_code == 2
    assert f"{empty}: the file is empty (0 bytes)" in " ".join(r.stderr.split())
    blank = tmp_path / "blank.csv"
    blank.write_text("\n\n  \n", encoding="utf-8")
    r = _import(ws_dir, blank)
    assert r.exit_code == 2 and "the file is empty" in r.output
    assert _count(ws_dir, "events") == 0


# --------------------------------------------------------------------------- duplicates


def test_exact_duplicates_are_counted_kept_and_match_knox(ws_dir, tmp_path):
    mp = _mapping(tmp_path)
    same = "2024-03-01T10:00,649000,666000,Vol"
    rows = [same, same, same,
            "2024-03-02T10:00,649000,666000,Vol",  # another day
            "2024-03-01T10:00,649010,666000,Vol",  # another place
            "2024-03-05T10:00,649500,666500,Vol", "2024-03-05T10:00,649500,666500,Vol",
            "2024-03-06T10:00,nope,666500,Vol"]  # quarantined: not a stored duplicate
    a = _plain(tmp_path, "dups.csv", rows)
    r = _import(ws_dir, a, mapping=mp, extra=("--json",))
    assert r.exit_code == 0, r.output
    out = json.loads(r.stdout)
    assert out["duplicates"] == 3  # 2 extra copies of the first, 1 of the sixth
    assert (out["inserted"], out["quarantined"]) == (7, 1)  # kept, not quarantined
    ws = Workspace.open(ws_dir)
    try:
        assert int(duplicate_mask(ws.events()).sum()) == 3  # the definition Knox uses
    finally:
        ws.close()
    table = _import(ws_dir, a, mapping=mp)
    assert "duplicates" in table.stdout
    row = next(ln for ln in table.stdout.splitlines() if "dups.csv" in ln)
    assert [c.strip() for c in row.split("│") if c.strip()] == ["dups.csv", "8", "0", "0", "7",
                                                                "1", "3"]


def test_duplicates_with_distinct_ids_are_still_one_incident(ws_dir, tmp_path):
    mp = _mapping(tmp_path, PLAIN_MAP.replace('[columns]\n', '[columns]\nid = "no"\n'))
    rows = ["A1,2024-03-01T10:00,649000,666000,Vol", "A2,2024-03-01T10:00,649000,666000,Vol",
            "A3,2024-03-01T10:00,649000,666000,Vol", "A4,2024-03-01T12:00,649000,666000,Vol"]
    a = _plain(tmp_path, "ids.csv", rows, header="no,when,x,y,kind")
    out = json.loads(_import(ws_dir, a, mapping=mp, extra=("--json",)).stdout)
    assert (out["inserted"], out["duplicates"]) == (4, 2)


# --------------------------------------------------------------------------- progress


def test_import_progress_bars_only_for_a_terminal_without_json(ws_dir, tmp_path, monkeypatch):
    from rich.console import Console

    from hotspotwatch.cli import _common, _progress

    new = _generic_copy(tmp_path, "new.csv", "QV00")
    # CliRunner: neither stream is a terminal -> no bar
    r = _import(ws_dir, GENERIC)
    assert r.exit_code == 0 and "checking rows" not in r.output
    buf = io.StringIO()
    monkeypatch.setattr(_common, "err_console", Console(file=buf, force_terminal=True, width=120))
    monkeypatch.setattr(_common, "console", Console(file=io.StringIO(), force_terminal=True))
    monkeypatch.setattr(_progress, "DELAY", 0.0)
    r = _import(ws_dir, GENERIC, new)
    assert r.exit_code == 0, r.output
    drawn = buf.getvalue()
    assert "new.csv: writing to the store 8 rows" in drawn and "8/8" in drawn
    assert "files" in drawn and "2/2" in drawn
    buf.truncate(0)
    buf.seek(0)
    assert _import(ws_dir, GENERIC, extra=("--json",)).exit_code == 0
    assert buf.getvalue() == ""
    # stdout not a terminal (a pipe, a file): no bar either
    monkeypatch.setattr(_common, "console", Console(file=io.StringIO(), force_terminal=False))
    assert _import(ws_dir, GENERIC).exit_code == 0
    assert buf.getvalue() == ""


def test_progress_counts_rows_per_stage_and_while_writing(ws_dir, tmp_path):
    from hotspotwatch.store.events import PROGRESS_EVERY
    from hotspotwatch.workflows.ingest import import_events

    n = 2 * PROGRESS_EVERY + 5_000
    rows = [f"2024-03-{1 + i % 28:02d}T{i % 24:02d}:00,{649000 + i % 997},{666000 + i // 997},Vol"
            for i in range(n)]
    rows.append("2024-03-01T10:00,nope,666000,Vol")
    big = _plain(tmp_path, "big.csv", rows)
    calls: list[tuple[str, int, int]] = []
    ws = Workspace.open(ws_dir)
    try:
        (rep,) = import_events(ws, [big], mapping=_mapping(tmp_path),
                               progress=lambda f, stage, done, total: calls.append((stage, done, total)))
        assert (rep.inserted, rep.quarantined) == (n, 1)
        assert [c for c in calls if c[0] != "store"] == [
            ("read", 0, 0), ("read", n + 1, n + 1), ("check", 0, n + 1), ("check", n + 1, n + 1)]
        store = [(d, t) for s, d, t in calls if s == "store"]
        assert store[0] == (0, n + 1) and store[-1] == (n + 1, n + 1)
        assert [d for d, _ in store[1:-1]] == [PROGRESS_EVERY, 2 * PROGRESS_EVERY, n]
        calls.clear()  # a re-import: every row unchanged, known once compared
        import_events(ws, [big], mapping=_mapping(tmp_path),
                      progress=lambda f, stage, done, total: calls.append((stage, done, total)))
        assert [d for s, d, _ in calls if s == "store"] == [0, n, n, n + 1]
    finally:
        ws.close()
