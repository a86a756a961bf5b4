"""Knox near-repeat table: brute force, NearRepeat (R) published tables, NRC, pointpats."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy.spatial.distance import pdist
from tests.helpers import require_module

from hotspotwatch.analysis.spacetime.knox import SAME_EDGE, band_labels, knox

REF = Path(__file__).resolve().parents[2] / "data" / "near-repeat"  # see its README.md
INF = np.inf


def _chicago(name: str) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    df = pd.read_csv(REF / name, header=None, names=["x", "y", "date"])
    days = (pd.to_datetime(df["date"]) - pd.Timestamp("2016-01-01")).dt.days.to_numpy()
    return df["x"].to_numpy(), df["y"].to_numpy(), days


def _brute(x, y, t, sb, tb, metric):
    d = pdist(np.column_stack([x, y]), "cityblock" if metric == "manhattan" else "euclidean")
    g = pdist(np.asarray(t, float)[:, None], "cityblock")
    h, _, _ = np.histogram2d(d, g, bins=[np.asarray(sb, float), np.asarray(tb, float)])
    return h.astype(int)


@pytest.mark.parametrize("metric", ["manhattan", "euclidean"])
@pytest.mark.parametrize(
    ("sb", "tb"),
    [
        ([0, 50, 100, INF], [0, 3, 10, INF]),  # unbounded last bands
        ([10, 50, 100], [1, 3, 10]),  # pairs below the first and beyond the last edge dropped
        ([0, INF], [0, 5]),
        ([0, 30, 75], [0, 2, 7, INF]),
    ],
)
def test_knox_observed_matches_brute_force_pair_count(metric, sb, tb):
    rng = np.random.default_rng(3)
    n = 400
    x, y = rng.uniform(0, 1000, n), rng.uniform(0, 1000, n)
    t = rng.uniform(0, 100, n)
    res = knox(x, y, t, sb, tb, metric=metric, permutations=0)
    np.testing.assert_array_equal(res.observed, _brute(x, y, t, sb, tb, metric))


def test_knox_observed_matches_brute_force_on_whole_days_with_ties():
    # whole days and repeated locations exercise the look-up-table path and the 0 bands
    rng = np.random.default_rng(5)
    n = 300
    x = rng.integers(0, 40, n) * 25.0
    y = rng.integers(0, 40, n) * 25.0
    t = rng.integers(0, 60, n)
    sb, tb = [0, SAME_EDGE, 50, 100, INF], [0, SAME_EDGE, 7, 14, INF]
    res = knox(x, y, t, [0, 50, 100, INF], [0, 7, 14, INF], same_location=True,
               same_day=True, permutations=0)
    np.testing.assert_array_equal(res.observed, _brute(x, y, t, sb, tb, "manhattan"))
    assert res.space_labels == ("0", "(0, 50)", "[50, 100)", "[100, inf)")


def test_knox_matches_nearrepeat_published_table_chicago_burglary():
    # Steenbeek, NearRepeat vignette "NRC": NearRepeat(sds = c(0,1,101,201,301,Inf),
    # tds = c(0,8,15,22,Inf), method = "manhattan") on chicago_be month 1 (970 burglaries)
    x, y, t = _chicago("chicago_be_month1.csv")
    res = knox(x, y, t, [0, 1, 101, 201, 301, INF], [0, 8, 15, 22, INF], permutations=0)
    published = [
        [29, 4, 5, 2],
        [45, 15, 7, 2],
        [106, 48, 21, 13],
        [88, 64, 46, 15],
        [206611, 138108, 88321, 36415],
    ]
    np.testing.assert_array_equal(res.observed, published)
    assert res.n_pairs == 970 * 969 // 2


def test_knox_matches_nearrepeat_published_table_chicago_burglary_nrc_bands():
    # same vignette, sds = c(0,1,100,200,300,Inf), tds = c(0,7,14,21,Inf): equals the
    # table the Near Repeat Calculator prints (under its shifted labels)
    x, y, t = _chicago("chicago_be_month1.csv")
    res = knox(x, y, t, [0, 1, 100, 200, 300, INF], [0, 7, 14, 21, INF], permutations=0)
    published = [
        [28, 5, 5, 2],
        [44, 13, 8, 4],
        [97, 56, 19, 16],
        [77, 67, 45, 20],
        [182194, 146149, 95237, 45879],
    ]
    np.testing.assert_array_equal(res.observed, published)


def test_knox_matches_near_repeat_calculator_on_chicago_arson():
    # NearRepeat inst/extdata chicago_arson_NRverbose_2019-09-23_145637.csv: NRC 1.3,
    # 200 m x 3 bands, 1 day x 3 bands, Manhattan. The NRC reads coordinates rounded to
    # 0.1 m (its verbose file echoes them so); one pair is 399.96 m apart unrounded.
    x, y, t = _chicago("chicago_arson.csv")
    res = knox(np.round(x, 1), np.round(y, 1), t, [0, 200, 400, 600, INF], [0, 1, 2, 3, INF],
               same_location=True, permutations=0)
    nrc = [
        [0, 2, 0, 8],
        [9, 1, 1, 45],
        [4, 0, 0, 140],
        [6, 0, 0, 234],
        [393, 710, 770, 133658],
    ]
    np.testing.assert_array_equal(res.observed, nrc)


def test_knox_matches_pointpats_knox_two_by_two():
    pointpats_spacetime = require_module("pointpats.spacetime")
    rng = np.random.default_rng(11)
    n = 250
    xy = rng.uniform(0, 1000, (n, 2))
    t = rng.uniform(0, 200, n)
    delta, tau = 80.0, 6.0
    pp = pointpats_spacetime.Knox(xy, t[:, None], delta=delta, tau=tau, permutations=0)
    # pointpats counts closed neighbourhoods (d <= delta, gap <= tau)
    res = knox(xy[:, 0], xy[:, 1], t, [0, np.nextafter(delta, INF), INF],
               [0, np.nextafter(tau, INF), INF], metric="euclidean", permutations=0)
    np.testing.assert_array_equal(res.observed, pp.observed)
    np.testing.assert_allclose(res.expected, pp.expected, rtol=1e-12)


def test_knox_simulation_mean_converges_to_exact_expected():
    rng = np.random.default_rng(2)
    n = 500
    x, y = rng.uniform(0, 3000, n), rng.uniform(0, 3000, n)
    t = rng.integers(0, 120, n)
    res = knox(x, y, t, [0, 100, 300, INF], [0, 7, 21, INF], permutations=400, seed=4)
    # sim mean of a permutation count has sd <= sqrt(E) / sqrt(R) roughly; 5 sd tolerance
    tol = 5 * np.sqrt(np.maximum(res.expected, 1.0) / 400) + 1e-9
    assert np.all(np.abs(res.sim_mean - res.expected) <= tol)
    # the all-pairs table sums to N under every permutation
    assert res.sim_mean.sum() == pytest.approx(res.n_pairs)


def test_knox_p_values_formula_and_reproducible_seed_independent_of_workers():
    rng = np.random.default_rng(8)
    n = 300
    x, y = rng.uniform(0, 2000, n), rng.uniform(0, 2000, n)
    t = rng.integers(0, 90, n)
    kw = dict(permutations=99, seed=123)
    a = knox(x, y, t, [0, 100, 200, INF], [0, 7, 14, INF], workers=1, **kw)
    b = knox(x, y, t, [0, 100, 200, INF], [0, 7, 14, INF], workers=2, **kw)
    np.testing.assert_array_equal(a.sim_mean, b.sim_mean)
    np.testing.assert_array_equal(a.p_value, b.p_value)
    assert a.seed == 123
    # p in {1/100, ..., 1}
    np.testing.assert_allclose((a.p_value * 100) % 1, 0, atol=1e-9)
    assert a.p_value.min() >= 0.01 and a.p_value.max() <= 1
    np.testing.assert_allclose(a.ratio, a.observed / a.sim_mean)


def test_knox_detects_planted_near_repeats():
    rng = np.random.default_rng(21)
    base = 600
    x, y = rng.uniform(0, 5000, base), rng.uniform(0, 5000, base)
    t = rng.integers(0, 365, base)
    # each of 150 events triggers a follow-up within 50 m and 3 days
    k = rng.choice(base, 150, replace=False)
    x = np.concatenate([x, x[k] + rng.uniform(-25, 25, 150)])
    y = np.concatenate([y, y[k] + rng.uniform(-25, 25, 150)])
    t = np.concatenate([t, t[k] + rng.integers(0, 4, 150)])
    res = knox(x, y, t, [0, 100, 400, INF], [0, 7, 30, INF], permutations=199, seed=1)
    assert res.p_value[0, 0] == pytest.approx(1 / 200)
    assert res.ratio[0, 0] > 5
    # close in space but far apart in time: no excess
    assert res.p_value[0, 2] > 0.5


def test_band_labels_half_open():
    assert band_labels([0, 100, 200, INF]) == ("[0, 100)", "[100, 200)", "[200, inf)")


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        (dict(space_bands=[0]), "space_bands needs at least two edges"),
        (dict(space_bands=[0, 200, 100]), "strictly increasing"),
        (dict(time_bands=[0, INF, 7]), "only the last may be inf"),
        (dict(metric="chebyshev"), "metric"),
        (dict(permutations=-1), "permutations"),
    ],
)
def test_knox_rejects_bad_input(kwargs, match):
    args = dict(space_bands=[0, 100, INF], time_bands=[0, 7, INF])
    args.update(kwargs)
    with pytest.raises(ValueError, match=match):
        knox([0, 1, 2], [0, 1, 2], [0, 1, 2], **args)


def test_knox_rejects_mismatched_lengths_and_nan():
    with pytest.raises(ValueError, match="same length"):
        knox([0, 1], [0, 1, 2], [0, 1, 2], [0, 10], [0, 1])
    with pytest.raises(ValueError, match="t_days has missing"):
        knox([0, 1], [0, 1], [0, np.nan], [0, 10], [0, 1])


def test_knox_matches_pointpats_on_whole_days_with_gaps_on_the_edge():
    # whole days: many pairs are exactly tau apart; pointpats counts them (gap <= tau)
    pointpats_spacetime = require_module("pointpats.spacetime")
    rng = np.random.default_rng(12)
    n = 400
    xy = rng.uniform(0, 3000, (n, 2))
    t = rng.integers(0, 100, n).astype(float)
    delta, tau = 150.0, 7.0
    pp = pointpats_spacetime.Knox(xy, t[:, None], delta=delta, tau=tau, permutations=0)
    res = knox(xy[:, 0], xy[:, 1], t, [0, np.nextafter(delta, INF), INF],
               [0, np.nextafter(tau, INF), INF], metric="euclidean", permutations=0)
    np.testing.assert_array_equal(res.observed, pp.observed)
    np.testing.assert_allclose(res.expected, pp.expected, rtol=1e-12)
