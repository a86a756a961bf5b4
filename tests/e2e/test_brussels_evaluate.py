"""The evaluation recovers the planted truth on the Brussels demo (default seed, one run).

A fast, weaker companion of the simulation study in ``bench/evaluation_recovery.py``
(issue 5). Reference: ``truth.json``. ``harm_irr`` is the realised multiplicative effect on
all harm events inside each circle; ``strategy_harm_irr`` their weighted geometric mean.

Tolerances and why:

- per hotspot, a 95 % CI covers the truth with probability 0.95 if the estimator is right,
  so among the 17 hotspots about 16 should cover it; 17 independent draws give at least 14
  with probability 0.99, so we require >= 14 (a biased estimator would miss many more);
- the pooled random-effects CI must contain ``strategy_harm_irr`` (one 95 % event, seeded);
- no hotspot with a planted reduction (harm_irr < 1) may get the verdict "increase": that
  would be a false finding of the kind the verdicts exist to avoid (FDR-adjusted).
"""

from __future__ import annotations

from typing import Any

import pytest

from hotspotwatch.workflows.evaluate import evaluate_strategy

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("brussels")]


@pytest.fixture(scope="module")
def evaluation(brussels: Any) -> dict[str, Any]:
    return evaluate_strategy(brussels.ws, outcome="harm").to_dict()


def test_hotspot_confidence_intervals_cover_the_planted_irr(brussels: Any, evaluation: dict[str, Any]) -> None:
    truth = brussels.truth["hotspots"]
    rows = evaluation["hotspots"]
    assert {h["name"] for h in rows} == set(truth)
    covered = []
    for h in rows:
        planted = truth[h["name"]]["harm_irr"]
        ok = h["ci_low"] <= planted <= h["ci_high"]
        covered.append(ok)
        print(f"{h['name']:34s} planted {planted:.3f}  IRR {h['irr']:.3f} "
              f"[{h['ci_low']:.3f}, {h['ci_high']:.3f}] {'ok' if ok else 'MISS'}  {h['verdict']}")
    assert sum(covered) >= 14, f"{sum(covered)} of {len(covered)} CIs cover the planted IRR"


def test_pooled_interval_covers_the_strategy_irr(brussels: Any, evaluation: dict[str, Any]) -> None:
    pooled = evaluation["pooled"]
    planted = brussels.truth["strategy_harm_irr"]
    print(f"pooled IRR {pooled['irr']:.3f} [{pooled['ci_low']:.3f}, {pooled['ci_high']:.3f}], planted {planted:.3f}")
    assert pooled["ci_low"] <= planted <= pooled["ci_high"]
    assert pooled["k"] >= 15
    # the planted strategy reduces harm by about 15 %: the pooled estimate must say so
    assert pooled["ci_high"] < 1.0
    assert pooled["verdict"] == "reduction"


def test_no_increase_verdict_where_a_reduction_was_planted(brussels: Any, evaluation: dict[str, Any]) -> None:
    truth = brussels.truth["hotspots"]
    wrong = [h["name"] for h in evaluation["hotspots"]
             if truth[h["name"]]["harm_irr"] < 1.0 and h["verdict"] == "increase"]
    assert wrong == []
    # and no "reduction" verdict where the truth is an increase or exactly null
    false_reductions = [h["name"] for h in evaluation["hotspots"]
                        if truth[h["name"]]["harm_irr"] >= 1.0 and h["verdict"] == "reduction"]
    assert false_reductions == []


def test_local_wdd_never_points_against_the_verdict(evaluation: dict[str, Any]) -> None:
    # issue 14 item 3: the controls are scaled to each place's pre-period level, so the
    # local WDD has the sign of the rate ratio; an "increase" never has local_ci_high < 0
    # and a "reduction" never local_ci_low > 0
    for h in evaluation["hotspots"]:
        w = h["wdd"]
        print(f"{h['name']:34s} {h['verdict']:22s} IRR {h['irr']:.3f}  WDD local {w['local']:.2f} "
              f"[{w['local_ci_low']:.2f}, {w['local_ci_high']:.2f}]  total {w['estimate']:.2f}")
        if h["verdict"] == "increase":
            assert w["local"] > 0 and not w["local_ci_high"] < 0, h["name"]
        if h["verdict"] == "reduction":
            assert w["local"] < 0 and not w["local_ci_low"] > 0, h["name"]
        assert (w["local"] > 0) == (h["irr"] > 1), h["name"]


def test_demo_states_its_months_rule_and_has_no_missing_month(evaluation: dict[str, Any]) -> None:
    # issue 14 item 1: the demo's events are instants and every source covers every month
    assert evaluation["period_rule"] == "anchored_months"
    assert evaluation["time_precision"] in ("instant", "hour", "day")
    assert evaluation["missing_months"] == []
    assert all(h["missing_months"] == [] and h["transition_month"] is None
               for h in evaluation["hotspots"])
