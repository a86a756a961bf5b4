"""FDR (BH, BY) and Holm adjustments: statsmodels' multipletests and hand-computed values."""

from __future__ import annotations

import numpy as np
import pytest
from statsmodels.stats.multitest import multipletests

from hotspotwatch.analysis.multitest import adjust_pvalues


@pytest.mark.parametrize("method", ["fdr_bh", "fdr_by", "holm"])
def test_adjust_pvalues_matches_statsmodels(method: str) -> None:
    rng = np.random.default_rng(42)
    p = np.concatenate([rng.uniform(0, 1, 200), rng.uniform(0, 0.01, 20)])
    ours = adjust_pvalues(p, method=method, alpha=0.05)  # type: ignore[arg-type]
    reject, p_adj, _, _ = multipletests(p, alpha=0.05, method=method)
    np.testing.assert_allclose(ours.p_adjusted, p_adj, rtol=0, atol=1e-12)
    np.testing.assert_array_equal(ours.reject, reject)


def test_nan_are_ignored_and_kept() -> None:
    out = adjust_pvalues([0.01, np.nan, 0.04], method="fdr_bh")
    assert np.isnan(out.p_adjusted[1])
    np.testing.assert_allclose(out.p_adjusted[[0, 2]], [0.02, 0.04])
    assert not out.reject[1]


def test_unknown_method_is_refused() -> None:
    with pytest.raises(ValueError, match="fdr_bh"):
        adjust_pvalues([0.1], method="bonferroni")  # type: ignore[arg-type]


def test_hand_computed_example() -> None:
    # sorted 0.005, 0.01, 0.03, 0.04 (m = 4)
    # BH: m p / rank = 0.02, 0.02, 0.04, 0.04, then the running minimum from the top
    # Holm: (m - rank + 1) p = 0.02, 0.03, 0.06, 0.04, then the running maximum
    p = [0.01, 0.04, 0.03, 0.005]
    bh = adjust_pvalues(p, method="fdr_bh", alpha=0.03)
    np.testing.assert_allclose(bh.p_adjusted, [0.02, 0.04, 0.04, 0.02], rtol=1e-12)
    assert bh.reject.tolist() == [True, False, False, True]
    holm = adjust_pvalues(p, method="holm")
    np.testing.assert_allclose(holm.p_adjusted, [0.03, 0.06, 0.06, 0.02], rtol=1e-12)
    by = adjust_pvalues(p, method="fdr_by")
    c_m = 1 + 1 / 2 + 1 / 3 + 1 / 4
    np.testing.assert_allclose(by.p_adjusted, np.array([0.02, 0.04, 0.04, 0.02]) * c_m)
    assert adjust_pvalues(p, method="none").p_adjusted.tolist() == p
    assert adjust_pvalues([0.9, 0.95], method="fdr_bh").p_adjusted.max() <= 1.0
    empty = adjust_pvalues([np.nan], method="holm")
    assert np.isnan(empty.p_adjusted[0]) and not empty.reject[0]


def test_holm_with_ties_and_caps_matches_statsmodels() -> None:
    p = np.array([0.2, 0.01, 0.2, 0.5, 0.01, 0.9, 0.03, 0.5])
    _, ref, _, _ = multipletests(p, method="holm")
    np.testing.assert_allclose(adjust_pvalues(p, method="holm").p_adjusted, ref, atol=1e-15)
    assert adjust_pvalues([0.6, 0.7], method="holm").p_adjusted.tolist() == [1.0, 1.0]


def test_holm_runs_no_garbage_collection(monkeypatch: pytest.MonkeyPatch) -> None:
    # statsmodels' Holm calls gc.collect() each time (0.25 s in a process holding a
    # workspace); detect classify adjusts once per cell, so it must not
    import gc

    def refuse() -> int:
        raise AssertionError("gc.collect() called")

    monkeypatch.setattr(gc, "collect", refuse)
    out = adjust_pvalues(np.linspace(0.001, 0.5, 8), method="holm")
    assert out.p_adjusted[0] == pytest.approx(0.008)
