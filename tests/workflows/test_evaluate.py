"""Evaluation workflow on a synthetic workspace with planted effects."""

from __future__ import annotations

import json
import math

import pytest
from tests.workflows.evaluate_fixture import EFFECT, make_workspace

from hotspotwatch.evaluate import evaluate_strategy


@pytest.fixture(scope="module")
def ws(tmp_path_factory):
    w = make_workspace(tmp_path_factory.mktemp("ev") / "ws")
    yield w
    w.close()


@pytest.fixture(scope="module")
def result(ws):
    return evaluate_strategy(ws)


def test_json_shape_of_the_issue(result):
    d = json.loads(json.dumps(result.to_dict()))
    assert {h["name"] for h in d["hotspots"]} == set(EFFECT)
    for h in d["hotspots"]:
        for key in (
            "name",
            "outcome",
            "irr",
            "ci_low",
            "ci_high",
            "p_value",
            "wdq",
            "wdd",
            "min_detectable_ratio",
            "verdict",
        ):
            assert key in h
        assert h["outcome"] == "harm"
        assert {"estimate", "se", "z", "ci_low", "ci_high", "local", "displacement"} <= set(
            h["wdd"]
        )
        assert h["verdict"] in ("reduction", "no_detectable_change", "increase")
    assert {"irr", "ci_low", "ci_high", "i2"} <= set(d["pooled"])


def test_planted_reduction_found_and_nulls_covered(result):
    by = {h.name: h for h in result.hotspots}
    north = by["North"]
    assert north.did.ci_low < 0.47 < north.did.ci_high  # 0.4 on the bump, diluted by background
    assert north.verdict.label == "reduction"
    for name in ("East", "South"):
        assert by[name].did.ci_low < 1.0 < by[name].did.ci_high
        assert by[name].verdict.label == "no_detectable_change"
        assert math.isfinite(by[name].min_detectable_ratio)
    # DiD on the 2x2 totals vs the month-effects GLM: same direction, close values
    t = north
    ratio = (t.treated_post / t.treated_pre) / (t.control_post / t.control_pre)
    assert t.did.irr == pytest.approx(ratio, rel=0.1)


def test_enforcement_is_dose_not_outcome(ws, result):
    north = next(h for h in result.hotspots if h.name == "North")
    assert north.dose["enforcement_ratio"] > 2.5
    with pytest.raises(ValueError, match="dose, never outcomes"):
        evaluate_strategy(ws, outcome=["police_check"], record=False)


def test_run_is_recorded(ws, result):
    from hotspotwatch.workflows.evaluate import evaluation_spec

    run = ws.find_run("evaluate", evaluation_spec(ws, until=result.parameters["until"]).parameters)
    assert run is not None
    assert run.result.hotspots[0].name in EFFECT
    assert run.parameters["n_controls"] == 0
    assert run.result.to_dict() == result.to_dict()


def test_single_hotspot_and_unknown_name(ws):
    res = evaluate_strategy(ws, hotspots=["East"], record=False)
    assert [h.name for h in res.hotspots] == ["East"]
    with pytest.raises(ValueError, match="unknown hotspot"):
        evaluate_strategy(ws, hotspots=["Nowhere"], record=False)


def test_matching_is_reproducible(ws):
    a = evaluate_strategy(ws, hotspots=["South"], record=False, seed=3, n_controls=30)
    b = evaluate_strategy(ws, hotspots=["South"], record=False, seed=3, n_controls=30)
    assert a.hotspots[0].did.irr == b.hotspots[0].did.irr
    assert a.hotspots[0].control_pre == b.hotspots[0].control_pre


def test_control_cells_are_stored_and_lie_outside_every_hotspot_and_buffer(ws, result):
    import shapely

    d = result.to_dict()
    perimeters = shapely.union_all(list(ws.hotspots().geometry))
    reach = sum(result.parameters.get("buffer_widths", [250.0]))
    exclusion = perimeters.buffer(reach)
    for h in d["hotspots"]:
        boxes = h["controls"]
        assert len(boxes) == h["design"]["n_controls"] > 0
        cells = [shapely.box(*b) for b in boxes]
        sides = {round(c.bounds[2] - c.bounds[0], 6) for c in cells}
        assert len(sides) == 1  # one square grid
        assert not any(c.intersects(exclusion) for c in cells)
