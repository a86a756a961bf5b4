"""``hotspotwatch evaluate`` command."""

from __future__ import annotations

import json

import pytest
from tests.workflows.evaluate_fixture import make_workspace
from typer.testing import CliRunner

from hotspotwatch.cli.main import app

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
    assert "baisse" in res.stdout and "IC 95" in res.stdout


def test_dose_category_as_outcome_is_a_clear_error(ws_path):
    res = runner.invoke(app, ["evaluate", "-w", str(ws_path), "--outcome", "police_check"])
    assert res.exit_code == 2
    assert "dose" in res.output
