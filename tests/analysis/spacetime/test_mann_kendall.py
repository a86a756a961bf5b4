"""Mann–Kendall: closed-form hand computation with ties, scipy.stats.kendalltau."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy.stats import kendalltau, norm

from hotspotwatch.analysis.spacetime.mann_kendall import mann_kendall


def test_mann_kendall_matches_hand_computed_case_with_ties():
    # x = 1, 2, 2, 3, 5: nine concordant pairs, one tie, no discordant -> S = 9.
    # Var(S) = [5*4*15 - 2*1*9] / 18 = 282/18; Z = (9 - 1) / sqrt(282/18).
    r = mann_kendall([1, 2, 2, 3, 5])
    assert r.s == 9
    assert r.var_s == pytest.approx(282 / 18, rel=1e-12)
    z = 8 / math.sqrt(282 / 18)
    assert r.z == pytest.approx(z, rel=1e-12)
    assert r.p_value == pytest.approx(2 * norm.sf(z), rel=1e-12)
    assert r.tau == pytest.approx(9 / math.sqrt(10 * 9), rel=1e-12)


def test_mann_kendall_hand_case_decreasing_with_two_tie_groups():
    # x = 4, 4, 3, 1, 1: pairs: (4,4) 0, then 8 discordant, (1,1) 0 -> S = -8.
    # ties: two groups of 2 -> Var = (300 - 2*18) / 18 = 264/18
    r = mann_kendall([4, 4, 3, 1, 1])
    assert r.s == -8
    assert r.var_s == pytest.approx(264 / 18, rel=1e-12)
    assert r.z == pytest.approx(-7 / math.sqrt(264 / 18), rel=1e-12)
    assert r.tau == pytest.approx(-8 / math.sqrt(10 * 8), rel=1e-12)


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_mann_kendall_tau_and_uncorrected_p_match_scipy_kendalltau(seed):
    rng = np.random.default_rng(seed)
    x = rng.poisson(3, 40).astype(float)  # many ties
    r = mann_kendall(x, continuity=False)
    ref = kendalltau(np.arange(x.size), x)
    assert r.tau == pytest.approx(ref.statistic, rel=1e-10)
    assert r.p_value == pytest.approx(ref.pvalue, rel=1e-8)


def test_mann_kendall_rows_equal_one_by_one():
    rng = np.random.default_rng(4)
    x = rng.poisson(2, (25, 12)).astype(float)
    x[3] = 1.0  # constant row: S = 0, Var from ties only -> 0
    many = mann_kendall(x)
    for k in range(x.shape[0]):
        one = mann_kendall(x[k])
        assert many.s[k] == one.s
        assert many.var_s[k] == pytest.approx(one.var_s)
        assert many.z[k] == pytest.approx(one.z)
    assert many.z[3] == 0 and many.p_value[3] == 1


def test_mann_kendall_one_sided():
    r = mann_kendall(np.arange(10.0), alternative="increasing")
    assert r.p_value < 1e-4
    assert mann_kendall(np.arange(10.0), alternative="decreasing").p_value > 0.99


def test_mann_kendall_rejects_short_or_missing():
    with pytest.raises(ValueError, match="at least 3"):
        mann_kendall([1, 2])
    with pytest.raises(ValueError, match="NaN"):
        mann_kendall([1, np.nan, 2])
    with pytest.raises(ValueError, match="alternative"):
        mann_kendall([1, 2, 3], alternative="up")
