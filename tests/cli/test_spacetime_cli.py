"""`hotspotwatch spacetime knox|alert|emerging` through the real CLI."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
import shapely
from typer.testing import CliRunner

from hotspotwatch import Workspace
from hotspotwatch.cli.main import app

runner = CliRunner()


@pytest.fixture(scope="module")
def ws_path(tmp_path_factory):
    rng = np.random.default_rng(9)
    n = 300
    x = 150_000 + rng.uniform(0, 3000, n)
    y = 660_000 + rng.uniform(0, 3000, n)
    day = rng.integers(0, 200, n)
    k = rng.choice(n, 100, replace=False)
    x = np.r_[x, x[k] + 20]
    y = np.r_[y, y[k] - 20]
    day = np.r_[day, day[k] + 1]
    when = pd.Timestamp("2024-01-01 12:00", tz="UTC") + pd.to_timedelta(day, "D")
    path = tmp_path_factory.mktemp("cli") / "ws"
    ws = Workspace.create(path, crs="EPSG:3812")
    # the study area (emerging hot spots need one; Knox and alerts do not)
    ws.add_areas(pd.DataFrame({"code": ["R"], "name": ["Region"],
                               "geometry": [shapely.box(149_950, 659_950, 153_050, 663_050)]}),
                 "region")
    ws.add_events(pd.DataFrame({"source_id": [str(i) for i in range(x.size)],
                                "occurred_at": when, "x": x, "y": y,
                                "category": "shooting"}), source="t")
    ws.close()
    return path


def test_cli_knox_json_and_outputs(ws_path, tmp_path):
    res = runner.invoke(app, ["spacetime", "knox", "-w", str(ws_path), "-c", "shooting",
                              "--space-bands", "0,100,200,inf", "--time-bands", "0,7,inf",
                              "--permutations", "49", "--seed", "1", "-o", str(tmp_path),
                              "--lang", "fr", "--json"])
    assert res.exit_code == 0, res.output
    data = json.loads(res.stdout)
    assert data["knox"]["observed"][0][0] >= 100
    assert data["knox"]["space_bands"][-1] is None  # inf in JSON
    assert data["summary"][0].startswith("À moins de 100 m")
    assert (tmp_path / "knox_ratios.png").exists()


def test_cli_alert_and_emerging(ws_path, tmp_path):
    res = runner.invoke(app, ["spacetime", "alert", "-w", str(ws_path), "--x", "151000",
                              "--y", "661000", "--date", "2025-02-01", "-o", str(tmp_path),
                              "--json"])
    assert res.exit_code == 0, res.output
    data = json.loads(res.stdout)
    assert data["alert"]["elevated"] is True
    assert (tmp_path / "alert.geojson").exists()
    res = runner.invoke(app, ["spacetime", "emerging", "-w", str(ws_path), "--step", "week",
                              "-o", str(tmp_path), "--json"])
    assert res.exit_code == 0, res.output
    data = json.loads(res.stdout)
    assert sum(data["result"]["category_counts"].values()) == len(data["result"]["category"])
    assert (tmp_path / "emerging.geojson").exists()


def test_cli_bad_bands_fail_cleanly(ws_path):
    res = runner.invoke(app, ["spacetime", "knox", "-w", str(ws_path), "--space-bands",
                              "0,abc", "--permutations", "0"])
    assert res.exit_code == 2
    assert "--space-bands" in res.stderr
    res = runner.invoke(app, ["spacetime", "knox", "-w", str(ws_path), "--space-bands",
                              "0,200,100", "--permutations", "0"])
    assert res.exit_code == 2
    assert "strictly increasing" in res.stderr


@pytest.fixture()
def terminal_stderr(monkeypatch):
    """Standard error seen as a terminal (Rich console on a buffer), bars without delay."""
    import io

    from rich.console import Console

    from hotspotwatch.cli import _common, _progress

    buf = io.StringIO()
    monkeypatch.setattr(_common, "err_console", Console(file=buf, force_terminal=True, width=100))
    monkeypatch.setattr(_progress, "DELAY", 0.0)
    return buf


_KNOX = ["spacetime", "knox", "-c", "shooting", "--space-bands", "0,100,200,inf",
         "--time-bands", "0,7,inf", "--permutations", "29", "--seed", "1"]


def test_cli_knox_progress_bar_only_on_a_terminal_without_json(ws_path, terminal_stderr):
    from hotspotwatch.cli._progress import progress_enabled

    res = runner.invoke(app, [*_KNOX, "-w", str(ws_path)])
    assert res.exit_code == 0, res.output
    drawn = terminal_stderr.getvalue()
    assert "Knox permutations" in drawn and "29/29" in drawn
    assert "Knox permutations" not in res.stdout
    assert progress_enabled(False) and not progress_enabled(True)
    terminal_stderr.truncate(0)
    terminal_stderr.seek(0)
    res = runner.invoke(app, [*_KNOX, "-w", str(ws_path), "--json"])
    assert res.exit_code == 0, res.output
    json.loads(res.stdout)
    assert terminal_stderr.getvalue() == ""
    res = runner.invoke(app, ["spacetime", "emerging", "-w", str(ws_path), "--step", "month"])
    assert res.exit_code == 0, res.output
    assert "emerging hot spots: space-time cube" in terminal_stderr.getvalue()
    # alert: the Knox run is computed once (bar), then reused from the store (no bar)
    alert = ["spacetime", "alert", "-w", str(ws_path), "--x", "151000", "--y", "661000",
             "--date", "2025-02-01", "--space-bands", "0,150,inf", "--time-bands", "0,10,inf"]
    terminal_stderr.truncate(0)
    terminal_stderr.seek(0)
    first = runner.invoke(app, alert)
    assert first.exit_code == 0, first.output
    assert "Knox permutations" in terminal_stderr.getvalue() and "999/999" in terminal_stderr.getvalue()
    terminal_stderr.truncate(0)
    terminal_stderr.seek(0)
    again = runner.invoke(app, alert)
    assert again.exit_code == 0 and again.stdout == first.stdout
    assert terminal_stderr.getvalue() == ""


def test_cli_no_progress_when_stderr_is_not_a_terminal(ws_path):
    from hotspotwatch.cli import _progress

    assert not _progress.progress_enabled(False)  # CliRunner: no terminal
    for args in ([*_KNOX, "-w", str(ws_path)], [*_KNOX, "-w", str(ws_path), "--json"],
                 ["spacetime", "emerging", "-w", str(ws_path), "--step", "month"]):
        res = runner.invoke(app, args)
        assert res.exit_code == 0, res.output
        assert res.stderr == ""
        assert "Knox permutations" not in res.stdout and "space-time cube" not in res.stdout


def test_cli_table_to_a_pipe_is_not_cut_at_80_columns(ws_path):
    bands = "0,7,14,21,28,35,42,49,56,inf"
    res = runner.invoke(app, ["spacetime", "knox", "-w", str(ws_path), "-c", "shooting",
                              "--time-bands", bands, "--permutations", "9", "--seed", "1"])
    assert res.exit_code == 0, res.output
    lines = res.stdout.splitlines()
    header = next(line for line in lines if "metres" in line)
    assert len(header) > 80
    for label in ("[0, 7)", "[49, 56)", "[56, inf)"):
        assert label in header
    assert all("…" not in line for line in lines)
