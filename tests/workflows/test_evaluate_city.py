"""The evaluation on a city that is not the demo (:func:`hotspotwatch.testing.make_city`).

Issue 14: the WDD of each place must never point against its verdict. The city plants a
reduction in every perimeter; a rise is planted on top in one of them and in its ring (extra
robberies after designation), so that the three verdicts can occur and a rise in a place and
around it is not called displacement.
"""

from __future__ import annotations

import datetime as dt
import json

import numpy as np
import pandas as pd
import pytest
import shapely

from hotspotwatch.testing import HOTSPOT_RADIUS_M, make_city
from hotspotwatch.workflows.evaluate import evaluate_strategy


def _plant_rise(ws, name: str, per_day: float, seed: int = 1, *, ring: bool = False) -> None:
    """Extra robberies inside hotspot ``name`` (or in its 250 m ring) after designation."""
    rng = np.random.default_rng(seed)
    hs = ws.hotspots()
    geom = hs.loc[hs["name"] == name, "geometry"].iloc[0]
    des = ws.designations()
    start = pd.Timestamp(des.loc[des["hotspot"] == name, "start"].iloc[0])
    end = pd.Timestamp(ws.events()["occurred_at"].max()).tz_localize(None)
    days = (end - start).days
    n = int(per_day * days)
    c = geom.centroid
    if ring:  # 10-240 m outside the perimeter: ring 0 of the default 250 m buffer
        lo, hi = HOTSPOT_RADIUS_M + 10, HOTSPOT_RADIUS_M + 240
        r = np.sqrt(rng.uniform(lo**2, hi**2, n))
    else:
        r = HOTSPOT_RADIUS_M * 0.9 * np.sqrt(rng.uniform(0, 1, n))
    a = rng.uniform(0, 2 * np.pi, n)
    when = start + pd.to_timedelta(rng.integers(0, days, n), "D") + pd.Timedelta(hours=13)
    ws.add_events(
        pd.DataFrame(
            {
                "source_id": [f"rise{name}{ring}{i}" for i in range(n)],
                "occurred_at": when.tz_localize("UTC"),
                "x": c.x + r * np.cos(a),
                "y": c.y + r * np.sin(a),
                "category": "robbery",
            }
        ),
        source="synthetic",  # the same source: a new one would have no pre-period months
    )
    xs, ys = c.x + r * np.cos(a), c.y + r * np.sin(a)
    assert all(shapely.Point(x, y).within(geom) != ring for x, y in zip(xs, ys, strict=True))


@pytest.fixture(scope="module")
def city(tmp_path_factory):
    ws = make_city(tmp_path_factory.mktemp("city") / "c", n_hotspots=5, seed=2)
    _plant_rise(ws, "Hotspot 2", per_day=0.6)
    _plant_rise(ws, "Hotspot 2", per_day=0.6, seed=2, ring=True)
    yield ws
    ws.close()


@pytest.fixture(scope="module")
def evaluation(city):
    return evaluate_strategy(city, record=False)


def assert_wdd_agrees_with_verdicts(data: dict) -> list[str]:
    """The local WDD interval never points against the place's verdict; labels seen."""
    seen = []
    for h in data["hotspots"]:
        w = h["wdd"]
        assert {"local", "local_ci_low", "local_ci_high", "estimate", "ci_low", "ci_high"} <= set(w)
        assert w["local_ci_low"] <= w["local"] <= w["local_ci_high"]
        assert w["ci_low"] <= w["estimate"] <= w["ci_high"]
        if h["verdict"] == "increase":
            assert w["local_ci_high"] >= 0, h["name"]
            assert w["local"] > 0, h["name"]
        if h["verdict"] == "reduction":
            assert w["local_ci_low"] <= 0, h["name"]
            assert w["local"] < 0, h["name"]
        seen.append(h["verdict"])
    return seen


def test_wdd_never_points_against_the_verdict(evaluation):
    data = json.loads(json.dumps(evaluation.to_dict()))
    seen = assert_wdd_agrees_with_verdicts(data)
    assert "increase" in seen and "reduction" in seen, seen
    # and the sign of the local WDD is the sign of log IRR on every place
    for h in evaluation.hotspots:
        assert np.sign(h.wdd.local) == np.sign(h.did.log_irr), h.name
        assert h.wdd.scaling == "pre_level"


def test_local_wdd_is_the_scaled_closed_form(evaluation):
    for h in evaluation.hotspots:
        s = h.series
        pre = s.pre_mask
        # NaN: months left out (the selection window before the decision)
        t0, t1 = np.nansum(s.treated[pre]), np.nansum(s.treated[~pre])
        c0, c1 = np.nansum(s.control[pre]), np.nansum(s.control[~pre])
        tau = s.exposure[~pre].sum()
        assert h.wdd.local == pytest.approx((t1 - t0 * c1 / c0) / tau)
        b0, b1 = h.rings[0].pre, h.rings[0].post
        assert h.wdd.displacement == pytest.approx((b1 - b0 * c1 / c0) / tau)
        # the control is many cells: unscaled, its change would swamp the place's
        assert c0 > 5 * t0


def test_until_earlier_keeps_the_rule(city):
    res = evaluate_strategy(city, record=False, until=dt.date(2023, 6, 30))
    assert_wdd_agrees_with_verdicts(res.to_dict())


def test_a_rise_in_the_place_and_around_is_not_displacement(evaluation):
    from hotspotwatch.i18n.verdicts import with_verdict_texts

    h = evaluation.hotspot("Hotspot 2")
    assert h.verdict.label == "increase"
    assert h.buffer_did.ci_low > 1
    assert h.buffer_verdict.label == "rise_in_place_and_around"
    data = with_verdict_texts(evaluation)
    out = next(d for d in data["hotspots"] if d["name"] == "Hotspot 2")
    assert out["buffer"]["verdict"] == "rise_in_place_and_around"
    assert "this is not displacement" in out["buffer"]["verdict_text"]["en"]
    assert "il ne s'agit pas d'un déplacement" in out["buffer"]["verdict_text"]["fr"]
    assert "dit is geen verplaatsing" in out["buffer"]["verdict_text"]["nl"]
    # whatever the data, a buffer label speaks of displacement or diffusion only after a
    # reduction in the place
    for e in evaluation.hotspots:
        if e.buffer_verdict.label in ("displacement", "diffusion"):
            assert e.verdict.label == "reduction", e.name
