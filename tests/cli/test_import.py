"""``hotspotwatch import`` / ``export`` from the command line."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from hotspotwatch import Workspace
from hotspotwatch.cli.main import app

DATA = Path(__file__).resolve().parents[1] / "data"
runner = CliRunner()


@pytest.fixture
def ws_dir(tmp_path: Path) -> Path:
    Workspace.create(tmp_path / "ws", crs="EPSG:3812", timezone="Europe/Brussels").close()
    return tmp_path / "ws"


def _run(*args: str):
    return runner.invoke(app, list(args))


def test_import_events_json_keeps_the_five_keys_first(ws_dir):
    res = _run("import", "events", str(DATA / "generic_events.csv"), "--mapping",
               str(DATA / "generic_mapping.toml"), "-w", str(ws_dir), "--json")
    assert res.exit_code == 0, res.output
    out = json.loads(res.stdout)
    assert out == {"read": 8, "inserted": 4, "updated": 0, "unchanged": 0, "quarantined": 4,
                   "duplicates": 0, "already_quarantined": 0, "empty": 0,
                   "warnings": []}
    assert list(out)[:5] == ["read", "inserted", "updated", "unchanged", "quarantined"]


def test_per_file_json_is_a_list_of_count_objects(ws_dir):
    res = _run("import", "events", str(DATA / "generic_events.csv"), str(DATA / "generic_events.csv"),
               "-m", str(DATA / "generic_mapping.toml"), "-w", str(ws_dir), "--json", "--per-file")
    assert res.exit_code == 0, res.output
    out = json.loads(res.stdout)
    assert [o["inserted"] for o in out] == [4, 0]
    assert [o["unchanged"] for o in out] == [0, 4]
    assert all(list(o)[:5] == ["read", "inserted", "updated", "unchanged", "quarantined"]
               for o in out)
    assert [o["already_quarantined"] for o in out] == [0, 4]  # the same 4 bad rows, kept once
    assert [Path(o["file"]).name for o in out] == ["generic_events.csv"] * 2


def test_table_output_shows_counts_and_reasons(ws_dir):
    res = _run("import", "events", str(DATA / "police_uk_sample.csv"), "--format", "police-uk",
               "-w", str(ws_dir))
    assert res.exit_code == 0, res.output
    assert "quarantined" in res.stdout and "no coordinates" in res.stdout


@pytest.mark.parametrize(
    ("args", "needle"),
    [
        (["nope.csv", "--format", "police-uk"], "file not found"),
        ([str(DATA / "generic_events.csv")], "--mapping MAP.toml"),
        ([str(DATA / "generic_events.csv"), "--format", "police-uk"], "column 'Crime ID'"),
        ([str(DATA / "generic_events.csv"), "--format", "nypd"], "unknown --format 'nypd'"),
    ],
)
def test_errors_are_one_line_without_traceback(ws_dir, args, needle):
    res = _run("import", "events", *args, "-w", str(ws_dir))
    assert res.exit_code == 2
    assert needle in res.output
    assert "Traceback" not in res.output


def test_bracketed_mapping_sections_survive_in_error_messages(ws_dir, tmp_path):
    mp = tmp_path / "m.toml"
    mp.write_text((DATA / "generic_mapping.toml").read_text(encoding="utf-8") + '[read]\ndelimiter = ","\n',
                  encoding="utf-8")
    res = _run("import", "events", str(DATA / "generic_events.csv"), "-m", str(mp), "-w", str(ws_dir))
    assert res.exit_code == 2
    assert "set delimiter = ';' under [read] in the mapping" in res.output


def test_import_areas_hotspots_and_export(ws_dir, tmp_path):
    res = _run("import", "areas", str(DATA / "brussels_box.geojson"), "--layer", "region",
               "--code-field", "code", "--name-field", "name", "-w", str(ws_dir), "--json")
    assert res.exit_code == 0, res.output
    assert json.loads(res.stdout)["written"] == 1
    res = _run("import", "hotspots", str(DATA / "hotspots_sample.geojson"), "-w", str(ws_dir), "--json")
    assert json.loads(res.stdout)["designations_added"] == 3
    out = tmp_path / "hs.gpkg"
    res = _run("export", "hotspots", "-o", str(out), "-w", str(ws_dir))
    assert res.exit_code == 0, res.output
    import pyogrio

    assert pyogrio.read_info(out)["crs"] == "EPSG:3812"
    res = _run("export", "areas", "-o", str(tmp_path / "a.txt"), "-w", str(ws_dir))
    assert res.exit_code == 2 and "--format" in res.output
