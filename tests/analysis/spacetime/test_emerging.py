"""Emerging hot spots: space-time Gi* vs esda, the ArcGIS category rules, planted patterns."""

from __future__ import annotations

import numpy as np
import pytest
from tests.helpers import require_module

from hotspotwatch.analysis.spacetime.cube import (
    space_time_cube,
    space_time_weights,
    time_step_index,
)
from hotspotwatch.analysis.spacetime.emerging import (
    CATEGORIES,
    classify_emerging,
    emerging_hotspots,
    spacetime_gistar,
)

T = 10  # time steps in the hand-built series


def _grid(n: int, size: float = 100.0) -> tuple[np.ndarray, np.ndarray]:
    xs, ys = np.meshgrid(np.arange(n) * size, np.arange(n) * size)
    return xs.ravel(), ys.ravel()


def test_space_time_weights_neighbourhood_brute_force():
    cx, cy = _grid(4)
    steps, dist, window = 5, 150.0, 2
    w = space_time_weights(cx, cy, steps, distance=dist, time_window=window).toarray()
    n = cx.size
    for a in range(n * steps):
        for b in range(n * steps):
            sa, ca, sb, cb = a // n, a % n, b // n, b % n
            near = np.hypot(cx[ca] - cx[cb], cy[ca] - cy[cb]) <= dist
            assert w[a, b] == float(near and 0 <= sa - sb <= window)


def test_spacetime_gistar_matches_esda_g_local_on_flattened_cube():
    esda = require_module("esda")
    from libpysal.weights import WSP

    rng = np.random.default_rng(7)
    cx, cy = _grid(5)
    cube = rng.poisson(2.0, (cx.size, 6)).astype(float)
    cube[12, 3:] += 6
    w = space_time_weights(cx, cy, 6, distance=150, time_window=1)
    ours = spacetime_gistar(cube, w, correction="none")
    flat = cube.T.ravel()
    # esda adds the self-weight itself when star=True: give it the neighbourhood without it
    w_off = w.tolil()
    w_off.setdiag(0)
    w_off = w_off.tocsr()
    w_off.eliminate_zeros()
    ref = esda.G_Local(flat, WSP(w_off).to_W(silence_warnings=True), transform="B",
                       star=True, permutations=0)
    np.testing.assert_allclose(ours.z.T.ravel(), ref.Zs, rtol=1e-9, atol=1e-12)


def _series(pattern: str) -> list[bool]:
    return [c == "H" for c in pattern]


def _cold(pattern: str) -> list[bool]:
    return [c == "C" for c in pattern]


# one hand-built series (T = 10 steps; H hot, C cold, . neither) per category;
# trend: +1 significant increase of the z-scores, -1 significant decrease, 0 none
HAND_BUILT = [
    (".........H", 0, "new_hot"),
    (".......HHH", 0, "consecutive_hot"),
    ("HHHHHHHHHH", +1, "intensifying_hot"),
    ("HHHH.HHHHH", 0, "persistent_hot"),
    ("HHHHHHHHHH", -1, "diminishing_hot"),
    ("..H.H...HH", 0, "sporadic_hot"),
    ("CC...H...H", 0, "oscillating_hot"),
    ("HHHHHHHHH.", 0, "historical_hot"),
    (".........C", 0, "new_cold"),
    ("......CCCC", 0, "consecutive_cold"),
    ("CCCCCCCCCC", -1, "intensifying_cold"),
    ("CCCCCC.CCC", 0, "persistent_cold"),
    ("CCCCCCCCCC", +1, "diminishing_cold"),
    ("C..C..C..C", 0, "sporadic_cold"),
    ("..HH..C..C", 0, "oscillating_cold"),
    ("CCCCCCCCC.", 0, "historical_cold"),
    ("..HH..H...", 0, "no_pattern"),
    ("..........", 0, "no_pattern"),
]


@pytest.mark.parametrize(("pattern", "trend", "expected"), HAND_BUILT)
def test_classify_emerging_hand_built_series(pattern, trend, expected):
    tz = 3.0 * trend
    tp = 0.001 if trend else 0.6
    got = classify_emerging([_series(pattern)], [_cold(pattern)], [tz], [tp])
    assert got == (expected,)


def test_hand_built_series_cover_every_category():
    assert {e for _, _, e in HAND_BUILT} == set(CATEGORIES)


def test_classify_emerging_boundaries():
    # 9 of 10 hot steps is "mostly" (>= 90 %); 8 of 10 with the last two a run is not
    assert classify_emerging([_series("H.HHHHHHHH")], [[False] * T], [0], [1]) == (
        "persistent_hot",)
    assert classify_emerging([_series("HH..HHHHHH")], [[False] * T], [0], [1]) == (
        "sporadic_hot",)
    # a trend that is not significant at alpha does not make a spot intensifying
    assert classify_emerging([[True] * T], [[False] * T], [1.5], [0.13]) == (
        "persistent_hot",)
    with pytest.raises(ValueError, match="both hot and cold"):
        classify_emerging([[True] * T], [[True] * T], [0], [1])


def test_emerging_hotspots_finds_planted_new_and_intensifying_places():
    rng = np.random.default_rng(3)
    cx, cy = _grid(10)
    steps = 16
    cube = rng.poisson(1.0, (cx.size, steps)).astype(float)
    new_cell, rising_cell = 33, 76
    for c in (new_cell, new_cell - 1, new_cell + 1, new_cell - 10, new_cell + 10):
        cube[c, -1] += 8  # a small area that appears in the final step only
    for c in (rising_cell, rising_cell - 1, rising_cell + 1, rising_cell - 10, rising_cell + 10):
        cube[c] += np.linspace(4, 12, steps).round()  # hot throughout, growing
    res = emerging_hotspots(cube, cx, cy, distance=150, time_window=1)
    assert res.category[new_cell] == "new_hot"
    assert res.category[rising_cell] == "intensifying_hot"
    assert res.count_trend_p[rising_cell] < 0.001
    assert sum(res.category_counts.values()) == cx.size
    assert res.hot[rising_cell].sum() >= 15  # mostly hot: at least 90 % of the steps
    # background cells far from both places show no pattern
    assert res.category[0] == "no_pattern"


def test_cube_counts_and_time_steps():
    steps = time_step_index([0, 1, 7, 13.9, 14, -1], [0, 7, 14])
    assert steps.tolist() == [0, 0, 1, 1, -1, -1]
    cube = space_time_cube([0, 1, 1, 2, 5], [0, 1, 1, 0, 0], cell_x=[0, 1, 2],
                           cell_y=[0, 0, 0], n_steps=2, weights=[1, 2, 3, 1, 1])
    assert cube.counts.tolist() == [[1, 0], [0, 5], [1, 0]]
    assert cube.n_outside == 1


def test_emerging_rejects_bad_input():
    cx, cy = _grid(3)
    with pytest.raises(ValueError, match="at least 3 time steps"):
        emerging_hotspots(np.ones((9, 2)), cx, cy, distance=150)
    with pytest.raises(ValueError, match="constant"):
        emerging_hotspots(np.ones((9, 5)), cx, cy, distance=150)
    with pytest.raises(ValueError, match="distance"):
        emerging_hotspots(np.eye(9, 5), cx, cy, distance=0)
