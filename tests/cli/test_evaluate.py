"""``hotspotwatch evaluate`` command."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from tests.workflows.evaluate_fixture import make_workspace
from typer.testing import CliRunner

from hotspotwatch import Workspace
from hotspotwatch.cli.main import app
from hotspotwatch.workflows.evaluate import evaluation_spec

runner = CliRunner()


@pytest.fixture(scope="module")
def ws_path(tmp_path_factory):
    path = tmp_path_factory.mktemp("cli") / "ws"
    make_workspace(path).close()
    return path


def test_json_output(ws_path):
    res = runner.invoke(app, ["evaluate", "-w", str(ws_path), "--json", "--hotspot", "North"])
    assert res.exit_code == 0, res.output
    data = json.loads(res.stdout)
    assert [h["name"] for h in data["hotspots"]] == ["North"]
    assert data["hotspots"][0]["verdict"] == "reduction"
    assert "i2" in data["pooled"]


def test_table_output_in_french(ws_path):
    res = runner.invoke(app, ["evaluate", "-w", str(ws_path), "--lang", "fr"])
    assert res.exit_code == 0, res.output
    assert "baisse" in res.stdout and "IC à 95" in res.stdout


def test_dose_category_as_outcome_is_a_clear_error(ws_path):
    res = runner.invoke(app, ["evaluate", "-w", str(ws_path), "--outcome", "police_check"])
    assert res.exit_code == 2
    assert "dose" in res.output


def test_json_adds_sentences_the_stored_run_does_not_hold(ws_path):
    res = runner.invoke(app, ["evaluate", "-w", str(ws_path), "--json", "--buffer", "250",
                              "--buffer", "250"])
    assert res.exit_code == 0, res.output
    data = json.loads(res.stdout)
    north = next(h for h in data["hotspots"] if h["name"] == "North")
    assert set(north["verdict_text"]) == {"en", "fr", "nl"}
    assert north["verdict_text"]["en"].startswith("North: reduction in reported harm")
    assert "surroundings" in north["buffer"]["verdict_text"]["en"]
    assert data["pooled"]["verdict_text"]["fr"].startswith("La stratégie (ensemble des lieux désignés)")
    assert [r["outer_m"] for r in north["rings"]] == [250, 500]
    # null: months left out (the selection window before the decision)
    assert all(sum(c for c in r["counts"] if c is not None) > 0 for r in north["rings"])
    with Workspace.open(ws_path) as ws:
        until = dt.date.fromisoformat(data["parameters"]["until"])
        spec = evaluation_spec(ws, until=until, buffer_widths=[250, 250])
        run = ws.find_run("evaluate", spec.parameters)
        assert run is not None
        assert "verdict_text" not in json.dumps(run.result.to_dict())


def test_json_wdd_gives_the_place_and_the_place_with_its_surroundings(ws_path):
    # issue 14 item 3: hotspots[].wdd has local/local_ci_* (the place) and estimate/ci_*
    # (place plus surroundings), the controls scaled to the place's pre-period level
    res = runner.invoke(app, ["evaluate", "-w", str(ws_path), "--json"])
    assert res.exit_code == 0, res.output
    data = json.loads(res.stdout)
    for h in data["hotspots"]:
        w = h["wdd"]
        assert {"local", "local_ci_low", "local_ci_high", "estimate", "ci_low", "ci_high",
                "se", "z", "displacement"} <= set(w)
        assert w["scaling"] == "pre_level"
        assert w["local_ci_low"] < w["local"] < w["local_ci_high"]
        if h["verdict"] == "reduction":
            assert w["local"] < 0 and w["local_ci_low"] < 0
        if h["verdict"] == "increase":
            assert w["local"] > 0 and w["local_ci_high"] > 0
    assert data["time_precision"] == "instant" and data["period_rule"] == "anchored_months"
    assert data["missing_months"] == []


def test_table_states_the_months_rule(ws_path):
    res = runner.invoke(app, ["evaluate", "-w", str(ws_path)])
    assert res.exit_code == 0, res.output
    assert "Months start on each designation day" in res.stdout


def test_selection_window_option_enters_the_run_and_the_json(ws_path):
    # issue 16: --selection-window N is a run parameter; the JSON keeps ci_low/ci_high (the
    # unadjusted 95 % interval of irr) and adds the adjusted interval the verdict is read from
    res = runner.invoke(app, ["evaluate", "-w", str(ws_path), "--json", "--selection-window",
                              "3"])
    assert res.exit_code == 0, res.output
    data = json.loads(res.stdout)
    assert data["parameters"]["selection_window_months"] == 3
    for h in data["hotspots"]:
        assert h["design"]["selection_window_months"] == 3
        assert h["ci_low"] == h["did"]["ci_low"] and h["ci_high"] == h["did"]["ci_high"]
        assert h["ci_low_adjusted"] <= h["ci_low"] <= h["ci_high"] <= h["ci_high_adjusted"]
        assert h["verdict"] in ("reduction", "no_detectable_change", "increase", "too_early",
                                "uncertain")
        assert isinstance(h["near_threshold"], bool)
    with Workspace.open(ws_path) as ws:
        until = dt.date.fromisoformat(data["parameters"]["until"])
        spec = evaluation_spec(ws, until=until, selection_window_months=3)
        assert ws.find_run("evaluate", spec.parameters) is not None
        default = evaluation_spec(ws, until=until)
        assert default.parameters["selection_window_months"] == 6
        assert default.parameters["pre_months"] == 24
        assert default.parameters["min_post_months"] == 6
        assert default.parameters["max_mdr"] == 0.5
        assert default != spec


@pytest.mark.parametrize(("args", "needle"), [
    (["--selection-window", "-1"], "--selection-window"),
    (["--max-mdr", "1.5"], "--max-mdr"),
    (["--min-post-months", "-2"], "--min-post-months"),
    (["--pre-months", "2"], "--pre-months"),
])
def test_bad_window_options_are_one_line_errors(ws_path, args, needle):
    res = runner.invoke(app, ["evaluate", "-w", str(ws_path), *args])
    assert res.exit_code == 2 and needle in res.output
    assert "Traceback" not in res.output
