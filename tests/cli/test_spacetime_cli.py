"""`hotspotwatch spacetime knox|alert|emerging` through the real CLI."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
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
