"""Gini and Lorenz against closed forms and the lorenzgini R package's documented examples
(Bernasco & Steenbeek 2017)."""

from __future__ import annotations

import numpy as np
import pytest

from hotspotwatch.detect import concentration_table, gini, lorenz


@pytest.mark.parametrize(
    ("counts", "kwargs", "expected"),
    [
        # values from lorenzgini's ?gini examples
        ([10, 8, 2] + [0] * 7, {}, 0.78),
        ([10, 8, 2] + [0] * 7, {"generalized": True}, 0.78),
        ([5, 2, 1] + [0] * 7, {}, 0.80),
        ([5, 2, 1] + [0] * 7, {"generalized": True}, 0.75),
        ([10] + [0] * 9, {}, 0.90),
        ([10] + [0] * 99, {}, 0.99),
        ([10] + [0] * 9, {"unbiased": True}, 1.0),
        ([10] + [0] * 99, {"unbiased": True}, 1.0),
    ],
)
def test_gini_matches_lorenzgini_examples(counts, kwargs, expected) -> None:  # type: ignore[no-untyped-def]
    assert gini(counts, **kwargs) == pytest.approx(expected, abs=1e-12)


def test_gini_closed_forms() -> None:
    assert gini([3, 3, 3, 3]) == pytest.approx(0.0)
    # two places, one with everything: G = 1 - 1/N = 0.5
    assert gini([0, 7]) == pytest.approx(0.5)
    # mean absolute difference definition: G = Σ_i Σ_j |x_i - x_j| / (2 N² mean)
    x = np.random.default_rng(0).poisson(2, 50).astype(float)
    mad = np.abs(x[:, None] - x[None, :]).sum() / (2 * x.size**2 * x.mean())
    assert gini(x) == pytest.approx(mad, abs=1e-12)


def test_generalized_gini_is_zero_at_maximal_equality() -> None:
    # 5 events over 20 places, one each: as even as sparse counts can be
    assert gini([1] * 5 + [0] * 15, generalized=True) == pytest.approx(0.0, abs=1e-12)
    assert gini([1] * 5 + [0] * 15) == pytest.approx(0.75)


def test_lorenz_curve_reads_most_affected_places_first() -> None:
    res = lorenz([6, 2, 1, 1, 0, 0, 0, 0, 0, 0])
    assert res.event_share[0] == 0 and res.event_share[-1] == pytest.approx(1)
    assert res.events_at(0.1) == pytest.approx(0.6)
    assert res.events_at(0.2) == pytest.approx(0.8)
    assert res.places_for(0.8) == pytest.approx(0.2)
    assert res.maximal_equality[1] == pytest.approx(0.1)  # 10 events, 10 places → line y = x
    sparse_res = lorenz([3, 1] + [0] * 18)  # 4 events, 20 places: one each fills 20 % of places
    assert sparse_res.maximal_equality[4] == pytest.approx(1.0)
    assert sparse_res.maximal_equality[2] == pytest.approx(0.5)
    assert res.gini == pytest.approx(gini([6, 2, 1, 1, 0, 0, 0, 0, 0, 0]))


def test_concentration_table() -> None:
    tab = concentration_table([6, 2, 1, 1, 0, 0, 0, 0, 0, 0], event_shares=[0.6, 0.8, 1.0])
    np.testing.assert_allclose(tab.place_shares, [0.1, 0.2, 0.4])
    assert tab.places_with_events == pytest.approx(0.4)


@pytest.mark.parametrize("bad", [[], [1, -1], [0, 0], [1, np.inf]])
def test_concentration_rejects_bad_counts(bad) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(ValueError, match="counts"):
        gini(bad)
