"""The evaluation as a stored run: complete specs, reuse on a match, recompute when stale."""

from __future__ import annotations

import datetime as dt
import inspect

import pytest
from tests.workflows.evaluate_fixture import populate

from hotspotwatch import Workspace
from hotspotwatch.analysis.evaluate.strategy import StrategyEvaluation, evaluate_frames
from hotspotwatch.store.runs import RUN_KINDS
from hotspotwatch.workflows import evaluate as wf_eval
from hotspotwatch.workflows import runs as wf_runs
from hotspotwatch.workflows.evaluate import evaluate_strategy, evaluation_spec

UNTIL = dt.date(2024, 10, 31)
CALLS: list[dict[str, object]] = []


def _counting_compute(ws: Workspace, params: dict[str, object]) -> StrategyEvaluation:
    CALLS.append(params)
    return wf_eval.compute_evaluation(ws, params)


@pytest.fixture
def small(workspace: Workspace) -> Workspace:
    return populate(workspace, background_per_day=6)


def test_registries_name_the_evaluation():
    assert RUN_KINDS["evaluate"] == "hotspotwatch.analysis.evaluate.strategy:StrategyEvaluation"
    assert wf_runs.COMPUTERS["evaluate"] == "hotspotwatch.workflows.evaluate:compute_evaluation"
    assert wf_runs.compute_function("evaluate") is wf_eval.compute_evaluation


def test_spec_fills_every_option(tmp_path):
    ws = Workspace.create(tmp_path / "ws", crs="EPSG:3812")
    try:
        spec = evaluation_spec(ws, until=UNTIL, hotspots=["South", "North"], seed=4)
        sig = inspect.signature(evaluate_frames)
        options = {
            n for n, p in sig.parameters.items()
            if p.kind is p.KEYWORD_ONLY
            and n not in ("timezone", "names", "outcome", "until", "progress")  # not the question
        }
        assert set(spec.parameters) == options | {"outcome", "hotspots", "until"}
        assert spec.kind == "evaluate"
        assert spec.parameters["until"] == "2024-10-31"
        assert spec.parameters["hotspots"] == ["North", "South"]
        assert spec.parameters["outcome"] == "harm"
        assert spec.parameters["seed"] == 4
        for name in options - {"seed"}:
            assert spec.parameters[name] == _canonical(sig.parameters[name].default), name
        again = evaluation_spec(ws, until=UNTIL, hotspots=["North", "South"], seed=4.0)
        assert again == spec
        cats = evaluation_spec(ws, until=UNTIL, outcome=["stabbing", "shooting"])
        assert cats.parameters["outcome"] == ["shooting", "stabbing"]
        with pytest.raises(TypeError, match="unknown option"):
            evaluation_spec(ws, until=UNTIL, bandwidth=3)
    finally:
        ws.close()


def _canonical(value: object) -> object:
    return wf_runs.RunSpec("evaluate", {"v": value}).parameters["v"]


def test_spec_defaults_come_from_the_workspace_config(tmp_path):
    ws = Workspace.create(tmp_path / "ws", crs="EPSG:3812")
    ws.close()
    toml = tmp_path / "ws" / "hotspotwatch.toml"
    toml.write_text(
        toml.read_text() + "\n[evaluation]\npre_months = 6\nbuffer_widths = [200, 300]\n"
    )
    with Workspace.open(tmp_path / "ws") as ws:
        spec = evaluation_spec(ws, until=UNTIL)
        assert spec.parameters["pre_months"] == 6
        assert spec.parameters["buffer_widths"] == [200, 300]
        assert spec.parameters["cell_size"] == 500  # not configured: the function's default
        assert evaluation_spec(ws, until=UNTIL, pre_months=9).parameters["pre_months"] == 9


def test_ensure_run_reuses_then_recomputes_after_a_harm_weight_change(
    small: Workspace, monkeypatch: pytest.MonkeyPatch
):
    monkeypatch.setitem(wf_runs.COMPUTERS, "evaluate", f"{__name__}:_counting_compute")
    CALLS.clear()
    spec = evaluation_spec(small, until=UNTIL, weighted=True)
    first = wf_runs.ensure_run(small, spec)
    again = wf_runs.ensure_run(small, spec)
    assert len(CALLS) == 1 and again.key == first.key
    assert isinstance(again.result, StrategyEvaluation)
    assert again.result.to_dict() == first.result.to_dict()
    assert again.result.parameters["until"] == UNTIL
    north = again.result.hotspot("North")
    assert north is not None and north.last_day == UNTIL
    # compute(ws, spec.parameters) reproduces the run
    fresh = wf_eval.compute_evaluation(small, dict(spec.parameters))
    assert fresh.to_dict() == first.result.to_dict()

    toml = small.path / "hotspotwatch.toml"
    toml.write_text(toml.read_text() + "\n[harm_weights]\nassault = 3.0\n")
    url = small.config.database_url
    with Workspace.open(small.path, database_url=url) as changed:
        rerun = wf_runs.ensure_run(changed, spec)
        assert len(CALLS) == 2 and rerun.key != first.key
        a, b = first.result.hotspot("North"), rerun.result.hotspot("North")
        assert b.treated_pre == pytest.approx(a.treated_pre * 3.0 / 20.0)
        assert wf_runs.ensure_run(changed, spec).key == rerun.key and len(CALLS) == 2


def test_evaluate_strategy_records_its_spec_with_the_last_event_day(small: Workspace):
    res = evaluate_strategy(small, hotspots=["North"])
    last = small.events()["occurred_at"].max().tz_convert("Europe/Brussels").date()
    assert res.parameters["until"] == last
    spec = evaluation_spec(small, until=last, hotspots=["North"])
    run = small.find_run("evaluate", spec.parameters)
    assert run is not None and run.result.to_dict() == res.to_dict()
    early = evaluate_strategy(small, until=UNTIL, record=False)
    assert early.parameters["until"] == UNTIL
    assert small.find_run("evaluate", evaluation_spec(small, until=UNTIL).parameters) is None
