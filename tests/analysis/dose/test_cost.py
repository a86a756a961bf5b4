"""Cost per harm prevented: a hand-computed example, the refusals, and the stored run."""

from __future__ import annotations

import math
from pathlib import Path

import pytest

from hotspotwatch.analysis.dose.cost import (
    INCREASE,
    NO_COST,
    NO_EFFECT,
    cost_per_harm_prevented,
)


def test_hand_computed_example() -> None:
    # 80 harm events observed after designation, IRR 0.8 [0.64, 0.95], 100,000 EUR:
    # without the strategy 80 / 0.8 = 100 expected, 20 prevented; interval
    # 80/0.95 - 80 = 4.2105 .. 80/0.64 - 80 = 45; cost per harm 100000/45 = 2222.2 .. 23750.
    c = cost_per_harm_prevented(
        name="A", observed=80, irr=0.8, irr_low=0.64, irr_high=0.95, cost_eur=100_000
    )
    assert c.status == "computed"
    assert c.prevented == pytest.approx(20.0)
    assert (c.prevented_low, c.prevented_high) == pytest.approx((80 / 0.95 - 80, 45.0))
    assert (c.cost_per_prevented_low, c.cost_per_prevented_high) == pytest.approx(
        (100_000 / 45, 23_750.0)
    )
    assert "cost_per_prevented" not in c.to_dict()  # a range, never a single number


@pytest.mark.parametrize(
    ("lo", "hi", "cost", "status"),
    [
        (0.7, 1.1, 1e5, NO_EFFECT),
        (0.7, 1.0, 1e5, NO_EFFECT),
        (1.05, 1.4, 1e5, INCREASE),
        (0.6, 0.9, math.nan, NO_COST),
    ],
)
def test_refusals(lo: float, hi: float, cost: float, status: str) -> None:
    c = cost_per_harm_prevented(
        name="B", observed=50, irr=(lo + hi) / 2, irr_low=lo, irr_high=hi, cost_eur=cost
    )
    assert c.status == status
    assert math.isnan(c.cost_per_prevented_low) and math.isnan(c.cost_per_prevented_high)
    assert NO_EFFECT == "cannot be computed: no detectable effect"


def test_cost_run_uses_the_stored_evaluation_and_prorated_costs(tmp_path: Path) -> None:
    from hotspotwatch.testing import make_city
    from hotspotwatch.workflows.evaluate import evaluation_spec
    from hotspotwatch.workflows.resources import cost_spec, import_resources
    from hotspotwatch.workflows.runs import ensure_run

    ws = make_city(tmp_path / "ws", n_hotspots=2, scale=1.0)
    f = tmp_path / "r.csv"
    # a year of 365 days at 36,500 EUR: 100 EUR a day
    f.write_text(
        "hotspot,start,end,kind,staff_hours,cost,source\n"
        "Hotspot 1,2022-01-01,2022-12-31,police,1000,36500,budget\n"
        "Hotspot 1,2023-01-01,2023-12-31,police,1000,36500,budget\n",
        encoding="utf-8",
    )
    import_resources(ws, [f])
    spec = cost_spec(ws)
    summary = ensure_run(ws, spec).result
    until = __import__("datetime").date.fromisoformat(spec.parameters["until"])
    ev = ensure_run(ws, evaluation_spec(ws, until=until)).result
    h1 = next(h for h in ev.hotspots if h.name == "Hotspot 1")
    c1 = next(c for c in summary.places if c.name == "Hotspot 1")
    first = max(h1.designated, __import__("datetime").date(2022, 1, 1))
    days = (min(h1.last_day, __import__("datetime").date(2023, 12, 31)) - first).days + 1
    assert c1.cost_eur == pytest.approx(100.0 * days)
    assert c1.observed == pytest.approx(h1.treated_post)
    refused = h1.did.ci_low <= 1 <= h1.did.ci_high
    assert (c1.status == NO_EFFECT) == refused
    c2 = next(c for c in summary.places if c.name == "Hotspot 2")
    assert c2.status in (NO_EFFECT, NO_COST, INCREASE)
    assert len(summary.places_weighted) == len(summary.places)
    ws.close()
