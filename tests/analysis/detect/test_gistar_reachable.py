"""Gi* significance that permutations can reach (issue 14 item 5).

With P permutations the smallest two-sided pseudo p is 2/(P+1); after an FDR correction over
m cells a level may be out of reach whatever the data. Then the bins use the analytic p (as
ArcGIS Pro's Hot Spot Analysis) and the result says so, with the permutations needed.
"""

from __future__ import annotations

import numpy as np
import pytest

from hotspotwatch.analysis.detect import gistar_grid
from hotspotwatch.analysis.multitest import adjust_pvalues


def _city(shape: tuple[int, int], seed: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    counts = rng.poisson(0.3, shape).astype(float)
    cy, cx = shape[0] // 2, shape[1] // 2
    counts[cy - 2:cy + 3, cx - 2:cx + 3] += 40  # one strong hot spot (z far above 3)
    return counts


def test_fdr_over_10k_cells_cannot_reach_99_with_999_permutations() -> None:
    counts = _city((110, 110), 1)  # 12,100 cells
    res = gistar_grid(counts, permutations=999, seed=3, correction="fdr_bh")
    cy, cx = 55, 55
    assert res.z[cy, cx] > 10  # as extreme as can be
    assert res.p_floor == pytest.approx(2 / 1000)
    assert res.p_sim is not None and res.p_sim[cy, cx] == pytest.approx(res.p_floor)
    assert 0.01 in res.unreachable
    # BH closed form: k cells at the floor get at best m * floor / k
    m = 12_100
    at_floor = int(np.sum(res.p_sim <= res.p_floor))
    sim_adj = adjust_pvalues(res.p_sim.ravel(), method="fdr_bh").p_adjusted
    assert sim_adj.min() == pytest.approx(min(1.0, m * res.p_floor / at_floor))
    assert sim_adj.min() >= 0.01
    # auto: analytic p for the bins, said in the result
    assert res.bins_from == "analytic" and res.bins[cy, cx] == 3
    np.testing.assert_allclose(
        res.p_adjusted.ravel(), adjust_pvalues(res.p_norm.ravel(), method="fdr_bh").p_adjusted)
    # the BH rank the floor can give: the analytically significant cells already at the floor
    n_floor = int(np.sum((res.p_sim <= res.p_floor) & (res.p_adjusted < 0.01)))
    assert res.permutations_needed == int(np.ceil(2 * m / (0.01 * n_floor)))
    # forcing the permutation p shows what was lost, and still says so
    perm = gistar_grid(counts, permutations=999, seed=3, correction="fdr_bh",
                       bins_p="permutation")
    assert perm.bins_from == "permutation" and perm.bins[cy, cx] < 3
    assert perm.unreachable == res.unreachable
    d = res.to_dict()
    assert d["bins_from"] == "analytic" and 0.01 in d["unreachable"]


def test_the_permutations_needed_do_reach_the_level() -> None:
    counts = _city((20, 20), 2)
    few = gistar_grid(counts, permutations=99, seed=1, correction="none")
    assert few.unreachable == (0.01,) and few.bins_from == "analytic"
    assert few.permutations_needed == 200  # 2/(P+1) < 0.01 needs P+1 > 200
    more = gistar_grid(counts, permutations=few.permutations_needed, seed=1, correction="none")
    assert more.unreachable == () and more.bins_from == "permutation"
    assert more.bins[10, 10] == 3


def test_the_permutations_needed_exceed_those_that_fell_short() -> None:
    # Skewed counts (a new city's three blobs on a sparse background): the normal
    # approximation flags more cells than the permutations put at their floor. Counting
    # all of them as the BH rank asked for 7,660 permutations after 9,999 had fallen short.
    rng = np.random.default_rng(0)
    yy, xx = np.mgrid[0:60, 0:60]
    lam = np.full((60, 60), 0.5)
    for cy, cx in [(15, 15), (40, 20), (30, 45)]:
        lam += 4 * np.exp(-((yy - cy) ** 2 + (xx - cx) ** 2) / 8)
    counts = rng.poisson(lam).astype(float)
    res = gistar_grid(counts, permutations=9999, seed=1, correction="fdr_bh")
    assert res.unreachable == (0.01,) and res.bins_from == "analytic"
    assert res.p_sim is not None
    at_floor = res.p_sim <= res.p_floor
    assert int(np.sum(res.p_adjusted < 0.01)) > int(np.sum(at_floor & (res.p_adjusted < 0.01)))
    assert res.permutations_needed is not None and res.permutations_needed > 9999


def test_reachable_levels_keep_the_permutation_bins() -> None:
    counts = _city((20, 20), 3)
    res = gistar_grid(counts, permutations=999, seed=1, correction="none")
    assert res.unreachable == () and res.bins_from == "permutation"
    assert res.permutations_needed is None
    assert gistar_grid(counts).bins_from == "analytic"  # no permutations
    assert gistar_grid(counts).p_floor is None
    with pytest.raises(ValueError, match="bins_p"):
        gistar_grid(counts, bins_p="maybe")
