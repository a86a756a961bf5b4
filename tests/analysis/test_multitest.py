"""FDR and Holm adjustments against statsmodels' multipletests."""

from __future__ import annotations

import numpy as np
import pytest
from statsmodels.stats.multitest import multipletests

from hotspotwatch.analysis.multitest import adjust_pvalues


@pytest.mark.parametrize("method", ["fdr_bh", "holm"])
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
