"""`hotspotwatch init`, `info` and `hotspot designate|extend|end` through the real CLI."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from hotspotwatch import Workspace
from hotspotwatch.cli.main import app

runner = CliRunner()


def _run(*args: str) -> tuple[int, str, str]:
    res = runner.invoke(app, list(args))
    return res.exit_code, res.stdout, res.stderr


def test_init_creates_config_and_store(tmp_path: Path) -> None:
    code, out, _ = _run(
        "init",
        str(tmp_path / "ws"),
        "--crs",
        "EPSG:3812",
        "--timezone",
        "Europe/Brussels",
        "--json",
    )
    assert code == 0, out
    info = json.loads(out)
    assert info["crs"] == "EPSG:3812" and info["timezone"] == "Europe/Brussels"
    assert (tmp_path / "ws" / "hotspotwatch.toml").exists()
    assert (tmp_path / "ws" / "hotspotwatch.sqlite").exists()
    # A second init refuses to overwrite.
    code, _, err = _run("init", str(tmp_path / "ws"))
    assert code == 2 and "already a workspace" in err


def test_init_with_geographic_crs_is_a_clear_error(tmp_path: Path) -> None:
    code, _, err = _run("init", str(tmp_path / "ws"), "--crs", "EPSG:4326")
    assert code == 2
    assert "geographic" in err and "Traceback" not in err
    assert not (tmp_path / "ws" / "hotspotwatch.toml").exists()


def test_missing_workspace_is_one_line_error(tmp_path: Path) -> None:
    code, _, err = _run("info", "-w", str(tmp_path / "none"))
    assert code == 2 and "hotspotwatch init" in err and "Traceback" not in err


def test_workspace_from_environment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    Workspace.create(tmp_path / "ws").close()
    monkeypatch.setenv("HOTSPOTWATCH_WORKSPACE", str(tmp_path / "ws"))
    code, out, _ = _run("info", "--json")
    assert code == 0 and json.loads(out)["events"] == {}


def test_designate_extend_end_records_decisions(tmp_path: Path) -> None:
    ws_dir = str(tmp_path / "ws")
    Workspace.create(ws_dir).close()
    code, out, err = _run(
        "hotspot",
        "designate",
        "Peterbos",
        "--lon",
        "4.2997",
        "--lat",
        "50.8414",
        "--radius",
        "250",
        "--start",
        "2024-03-28",
        "--end",
        "2024-10-03",
        "--body",
        "Regional Security Council",
        "--decision-ref",
        "MP order 2024-04-02",
        "--zone",
        "5341",
        "-w",
        ws_dir,
        "--json",
    )
    assert code == 0, err
    assert json.loads(out)["active_periods"] == [{"start": "2024-03-28", "end": "2024-10-04", "last_day": "2024-10-03"}]
    code, out, _ = _run(
        "hotspot",
        "extend",
        "Peterbos",
        "--end",
        "2025-03-03",
        "--body",
        "CORES",
        "-w",
        ws_dir,
        "--json",
    )
    assert code == 0
    assert json.loads(out)["active_periods"] == [{"start": "2024-03-28", "end": "2025-03-04", "last_day": "2025-03-03"}]
    code, out, _ = _run(
        "hotspot",
        "end",
        "Peterbos",
        "--on",
        "2025-01-01",
        "--body",
        "CORES",
        "-w",
        ws_dir,
        "--json",
    )
    assert json.loads(out)["active_periods"] == [{"start": "2024-03-28", "end": "2025-01-01", "last_day": "2024-12-31"}]
    with Workspace.open(ws_dir) as ws:
        dec = ws.designations()
        assert list(dec["action"]) == ["designate", "extend", "end"]
        assert dec["decision_ref"].iloc[0] == "MP order 2024-04-02"
        hs = ws.hotspots()
        assert bool(hs["approximate"].iloc[0]) and hs["zone"].iloc[0] == "5341"
    code, out, _ = _run("hotspot", "list", "-w", ws_dir, "--json")
    assert json.loads(out)[0]["name"] == "Peterbos"


def test_hotspot_errors_are_clear(tmp_path: Path) -> None:
    ws_dir = str(tmp_path / "ws")
    Workspace.create(ws_dir).close()
    code, _, err = _run(
        "hotspot", "extend", "Nowhere", "--end", "2025-01-01", "--body", "x", "-w", ws_dir
    )
    assert code == 2 and "no designation to extend" in err
    code, _, err = _run(
        "hotspot",
        "designate",
        "X",
        "--start",
        "28/03/2024",
        "--body",
        "x",
        "--lon",
        "4.3",
        "--lat",
        "50.8",
        "-w",
        ws_dir,
    )
    assert code == 2 and "YYYY-MM-DD" in err
    code, _, err = _run(
        "hotspot", "designate", "X", "--start", "2024-03-28", "--body", "x", "-w", ws_dir
    )
    assert code == 2 and "--geometry" in err
