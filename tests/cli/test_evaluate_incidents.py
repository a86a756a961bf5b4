"""``hotspotwatch evaluate incidents``: binomial against scipy, horizon against the power
module, the stored run, and the foreseeable mistakes (exit 2)."""

from __future__ import annotations

import datetime as dt
import json
import math

import pytest
from scipy import stats
from tests.incidents_fixture import WINDOW, make_workspace
from typer.testing import CliRunner

from hotspotwatch import Workspace
from hotspotwatch.analysis.evaluate.incidents import years_to_detect
from hotspotwatch.analysis.evaluate.power import min_detectable_ratio
from hotspotwatch.cli.main import app
from hotspotwatch.workflows.evaluate import evaluation_spec
from hotspotwatch.workflows.incidents import incidents_spec
from hotspotwatch.workflows.runs import ensure_run

runner = CliRunner()


@pytest.fixture(scope="module")
def ws_path(tmp_path_factory):
    path = tmp_path_factory.mktemp("incidents") / "ws"
    make_workspace(path).close()
    return path


def _run(ws_path, *args):
    return runner.invoke(app, ["evaluate", "incidents", "-w", str(ws_path), *args])


def _json(ws_path, start=WINDOW[0], end=WINDOW[1], category="shooting"):
    res = _run(ws_path, "--category", category, "--start", str(start), "--end", str(end), "--json")
    assert res.exit_code == 0, res.output
    return json.loads(res.stdout)


def test_json_counts_share_p_value_and_horizon(ws_path):
    data = _json(ws_path)
    assert {
        "n",
        "k",
        "expected_share",
        "expected_share_model",
        "p_value",
        "years_to_detect",
        "text",
        "window",
        "category",
        "parameters",
    } <= set(data)
    assert (data["n"], data["k"]) == (4, 3)
    assert data["window"] == {"start": "2025-06-01", "end": "2025-06-30"}
    assert data["category"] == "shooting"
    # unrounded: the sum of the places' own pre-designation shares
    shares = [p["count"] / p["region_count"] for p in data["places"]]
    assert data["expected_share"] == pytest.approx(sum(shares), rel=1e-15)
    assert data["p_value"] == pytest.approx(
        stats.binom.sf(data["k"] - 1, data["n"], data["expected_share"]), rel=1e-12
    )
    # the horizon: the power module's detectable ratio at that many years is the 20 % change
    rate = data["designated_per_year"]
    assert rate == pytest.approx(
        sum(p["count"] / (p["baseline_months"] / 12) for p in data["places"])
    )
    t = data["years_to_detect"]
    assert t == pytest.approx(max(years_to_detect(rate, 0.8), years_to_detect(rate, 1.2)))
    assert min_detectable_ratio(rate * t).increase_ratio == pytest.approx(1.2, rel=1e-8)
    z = stats.norm.isf(0.025) + stats.norm.ppf(0.8)
    assert t == pytest.approx(z**2 * (1 + 1 / 1.2) / (rate * math.log(1.2) ** 2), rel=1e-8)
    assert set(data["text"]) == {"en", "fr", "nl"}
    assert data["text"]["en"].startswith(
        "3 of the 4 shootings of the period happened at the designated places"
    )
    assert "fusillades" in data["text"]["fr"] and "schietpartijen" in data["text"]["nl"]
    pct = round(100 * data["p_value"])
    assert f"{pct}%" in data["text"]["en"] and f"{pct}\u00a0%" in data["text"]["fr"]


@pytest.mark.parametrize("model_outcome", ["harm", "category"])
def test_model_share_uses_the_stored_evaluation(ws_path, model_outcome):
    res = _run(
        ws_path,
        "--category",
        "shooting",
        "--start",
        "2025-06-01",
        "--end",
        "2025-06-30",
        "--model-outcome",
        model_outcome,
        "--json",
    )
    assert res.exit_code == 0, res.output
    data = json.loads(res.stdout)
    outcome = "harm" if model_outcome == "harm" else ["shooting"]
    with Workspace.open(ws_path) as ws:
        spec = evaluation_spec(ws, until=WINDOW[1], outcome=outcome)
        run = ws.find_run(spec.kind, spec.parameters)
        assert run is not None, "the evaluation run was not stored"
        assert data["parameters"]["model"]["run"] == run.short_key
        irr = {h.name: h.did.irr for h in run.result.hotspots}
    assert data["parameters"]["model"]["parameters"]["outcome"] == outcome
    s = {p["name"]: p["share"] for p in data["places"]}
    assert {p["name"]: p["irr"] for p in data["places"]} == pytest.approx(irr)
    num = sum(s[n] * irr[n] for n in s)
    expected = num / (1 - sum(s.values()) + num)
    assert data["expected_share_model"] == pytest.approx(expected, rel=1e-12)
    assert data["p_value_model"] == pytest.approx(stats.binom.sf(2, 4, expected), rel=1e-12)


def test_stored_run_is_typed_reused_and_holds_no_sentences(ws_path):
    first = _json(ws_path)
    second = _json(ws_path)
    assert first["run"] == second["run"]
    with Workspace.open(ws_path) as ws:
        spec = incidents_spec(ws, category="shooting", start=WINDOW[0], end=WINDOW[1])
        run = ws.find_run("evaluate.incidents", spec.parameters)
        assert run is not None and run.short_key == first["run"]
        assert "text" not in run.result.to_dict()
        assert type(run.result).__name__ == "IncidentsInContext"
        assert ensure_run(ws, spec).key == run.key


def test_no_incidents_says_so_without_a_p_value(ws_path):
    data = _json(ws_path, dt.date(2025, 7, 1), dt.date(2025, 7, 31))
    assert data["n"] == 0 and data["p_value"] is None and data["status"] == "no_incidents"
    assert data["expected_share"] is not None
    assert data["text"]["en"].startswith("No shootings were recorded from 1 July 2025")
    assert "nothing to compare with chance" in data["text"]["en"]


def test_before_any_designation(ws_path):
    data = _json(ws_path, dt.date(2023, 6, 1), dt.date(2023, 6, 30))
    assert data["status"] == "no_designations"
    assert data["k"] == 0 and data["p_value"] is None and data["expected_share"] is None
    assert data["text"]["fr"].startswith("Aucun lieu n'était désigné du 1er juin 2023")


def test_category_without_data_before_designation(ws_path):
    data = _json(ws_path, category="robbery")
    assert data["n"] == 0 and data["status"] == "no_baseline"
    assert data["expected_share"] is None and data["years_to_detect"] is None
    assert "cannot be estimated" in data["text"]["en"]


def test_plain_output_prints_the_sentence(ws_path):
    res = _run(
        ws_path,
        "--category",
        "shooting",
        "--start",
        "2025-06-01",
        "--end",
        "2025-06-30",
        "--lang",
        "nl",
    )
    assert res.exit_code == 0, res.output
    assert "3 van de 4 schietpartijen" in res.stdout and "k = 3" in res.stdout


@pytest.mark.parametrize(
    "args,needle",
    [
        (["--category", "shootings"], "known harm categories: shooting"),
        (["--category", "police_check"], "dose"),
        (["--category", "shooting", "--start", "2025-13-01"], "--start"),
        (
            ["--category", "shooting", "--start", "2025-06-30", "--end", "2025-06-01"],
            "before --start",
        ),
        (["--category", "shooting", "--lang", "de"], "--lang"),
        (["--category", "shooting", "--model-outcome", "all"], "--model-outcome"),
    ],
)
def test_mistakes_exit_2_with_one_line(ws_path, args, needle):
    base = {"--start": "2025-06-01", "--end": "2025-06-30"}
    given = dict(zip(args[::2], args[1::2], strict=True))
    full = [*args] + [x for k, v in base.items() if k not in given for x in (k, v)]
    res = _run(ws_path, *full)
    assert res.exit_code == 2, res.output
    assert needle in res.output
    assert "Traceback" not in res.output


def test_evaluate_alone_still_runs_the_evaluation(ws_path):
    res = runner.invoke(app, ["evaluate", "-w", str(ws_path), "--json"])
    assert res.exit_code == 0, res.output
    assert {h["name"] for h in json.loads(res.stdout)["hotspots"]} == {"A", "B"}
