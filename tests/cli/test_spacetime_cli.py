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


@pytest.fixture(scope="module")
def two_source_path(tmp_path_factory):
    """A city with day-precision events from two sources, no near repeat, and 10 % of the
    incidents recorded by both sources at the same place on the same day (the second-city
    review's case)."""
    rng = np.random.default_rng(21)
    n = 1500
    x = np.round(150_000 + rng.uniform(0, 4000, n))
    y = np.round(660_000 + rng.uniform(0, 4000, n))
    day = rng.integers(0, 365, n)
    k = rng.choice(n, n // 10, replace=False)
    when = pd.Timestamp("2024-01-01", tz="Europe/Paris") + pd.to_timedelta(day, "D")
    path = tmp_path_factory.mktemp("cli2") / "ws"
    ws = Workspace.create(path, crs="EPSG:3812")
    ws.add_events(pd.DataFrame({"source_id": [str(i) for i in range(n)], "occurred_at": when,
                                "x": x, "y": y, "category": "burglary",
                                "time_precision": "day"}), source="police")
    ws.add_events(pd.DataFrame({"source_id": [f"b{i}" for i in k], "occurred_at": when[k],
                                "x": x[k], "y": y[k], "category": "burglary",
                                "time_precision": "day"}), source="city")
    ws.close()
    return path


def test_cli_knox_no_alert_on_co_recorded_incidents_and_json_says_why(two_source_path):
    res = runner.invoke(app, ["spacetime", "knox", "-w", str(two_source_path), "--role", "harm",
                              "--seed", "1", "--json"])
    assert res.exit_code == 0, res.output
    data = json.loads(res.stdout)
    assert data["same_place_same_day"] == 150
    k, alert = data["knox"], data["alert"]
    assert k["co_recorded"] == 150 and k["ratio"][0][0] > 2  # the cell the old alert read
    assert alert["elevated"] is False and alert["radius_m"] == 0
    assert alert["reason"] in ("not_significant", "below_min_ratio")
    assert alert["min_ratio"] == 1.2 and alert["correction"] == "holm"
    assert alert["co_recorded"] == 150
    corrected = np.array(alert["p_value_corrected"], dtype=float)  # None: cells not examined
    assert np.isnan(corrected[-1]).all() and np.isnan(corrected[:, -1]).all()
    assert data["alert_summary"] == [
        "No raised near-repeat risk was found, so the table gives no area or period to cover."]
    assert any("left out of the alert" in s for s in data["summary"])
    for lang, start in (("fr", "Aucun risque accru de répétition proche"),
                        ("nl", "Er werd geen verhoogd risico")):
        text = runner.invoke(app, ["spacetime", "knox", "-w", str(two_source_path), "--role",
                                   "harm", "--seed", "1", "--lang", lang])
        assert text.exit_code == 0, text.output
        assert start in text.stdout


def test_cli_knox_min_ratio_is_a_stored_parameter(two_source_path):
    from hotspotwatch.workflows.spacetime import knox_spec

    ws = Workspace.open(two_source_path)
    try:
        spec = knox_spec(ws, categories=["burglary"], min_ratio=1.5)
        assert spec.parameters["min_ratio"] == 1.5
        assert spec != knox_spec(ws, categories=["burglary"])  # another run, not a reuse
        assert knox_spec(ws, categories=["burglary"]).parameters["min_ratio"] == 1.2
    finally:
        ws.close()
    from hotspotwatch.analysis.spacetime import MIN_RATIO
    from hotspotwatch.analysis.spacetime.results import KnoxRun, RecentAlerts

    assert MIN_RATIO == 1.2  # the CLI's --min-ratio default
    assert KnoxRun.schema_version == 4 and RecentAlerts.schema_version == 4


def test_cli_knox_refusal_plural_and_no_event_with_that_precision(two_source_path):
    res = runner.invoke(app, ["spacetime", "knox", "-w", str(two_source_path), "--role", "harm",
                              "--time-bands", "0,0.5,1,inf", "--permutations", "9"])
    assert res.exit_code != 0
    msg = " ".join(res.output.split())
    assert "time bands of 0.5 days are finer" in msg
    assert "1,650 of 1,650 events are known only to the day" in msg
    assert "use time bands at least 1 day wide (e.g. --time-bands 0,1,2,3,inf)" in msg
    assert "1 days" not in msg
    assert ('no event has a time precision of "hour" or finer, so --min-precision hour would '
            "drop every event") in msg
    assert "to drop those events" not in msg


def test_refusal_names_the_min_precision_that_keeps_events_with_plural_forms(tmp_path):
    # month-only and day events: bands of 1 day are refused, --min-precision day keeps the
    # day events (the message offers it), in the language's plural forms
    from hotspotwatch.workflows.spacetime import run_knox
    from hotspotwatch.workflows.spacetime_events import PrecisionError

    ws = Workspace.create(tmp_path / "ws", crs="EPSG:3812")
    try:
        when = pd.Timestamp("2024-03-01", tz="UTC") + pd.to_timedelta(np.arange(6), "D")
        ws.add_events(pd.DataFrame({"source_id": [str(i) for i in range(6)], "occurred_at": when,
                                    "x": 150_000.0 + np.arange(6), "y": 660_000.0,
                                    "category": "burglary",
                                    "time_precision": ["month"] + ["day"] * 5}), source="t")
        with pytest.raises(PrecisionError) as err:
            run_knox(ws, categories=["burglary"], time_bands=[0, 1, 2, np.inf], permutations=9,
                     record=False)
        msg = str(err.value)
        assert msg.startswith("Knox: time bands of 1 day are finer than the events' time "
                              "precision (1 of 6 events is known only to the month)")
        assert "at least 31 days wide" in msg
        assert "or --min-precision day (min_precision=) to drop those events" in msg
    finally:
        ws.close()
