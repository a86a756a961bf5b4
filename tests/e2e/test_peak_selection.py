"""Issue 16: on the demo city with designations that follow a transient peak (``--selection
peak``: harm +40 % in the 6 months before each decision, then back), the default evaluation
(selection window left out, 24-month baseline) recovers the planted effects.

Python API (no database): the demo's simulation (seed 20240328, 2021-2025) and
``evaluate_frames`` with its defaults, as the demo's evaluate step runs it. Reference: the
planted ``harm_irr`` of ``truth.json`` (the causal effect against the no-spike counterfactual).
"""

from __future__ import annotations

import math

import pytest

from hotspotwatch.analysis.evaluate.strategy import evaluate_frames
from hotspotwatch.scenarios.brussels import (
    designation_frame,
    hotspot_frame,
    load_geography,
    simulate,
)

SEED = 20240328  # the demo's


@pytest.fixture(scope="module")
def peak():
    sim = simulate(seed=SEED, start="2021-01-01", end="2025-12-31", selection="peak")
    res = evaluate_frames(sim.events, hotspot_frame(), designation_frame(),
                          load_geography().outline, seed=SEED)
    return sim.truth, res


def test_intervals_cover_the_planted_effect_despite_the_peak(peak):
    truth, res = peak
    assert truth["selection"] == "peak" and len(res.hotspots) == 17
    judged = [h for h in res.hotspots if h.verdict.label not in ("too_early", "uncertain")]
    missed = [h.name for h in judged
              if not h.did.ci_low <= truth["hotspots"][h.name]["harm_irr"] <= h.did.ci_high]
    # 95 % intervals: at most 2 of 17 may miss (measured on this seed: 0 of 16)
    assert len(missed) <= 2, missed
    assert sum(h.verdict.label == "uncertain" for h in res.hotspots) <= 3
    for h in res.hotspots:
        assert h.selection_window_months == 6 and h.pre_months == 24
        v = h.verdict
        if v.label == "too_early":
            assert v.reason in ("post_months", "mdr")
        else:
            assert v.label != "reduction" or v.ci_high_adjusted < 1
            assert v.label != "increase" or v.ci_low_adjusted > 1
    # Marbotin, designated a month before the end of the data, is too early to judge
    assert res.hotspot("Marbotin").verdict.label == "too_early"


def test_pooled_interval_covers_the_planted_strategy_effect(peak):
    truth, res = peak
    p = res.pooled
    assert math.exp(p.ci_low) <= truth["strategy_harm_irr"] <= math.exp(p.ci_high)
