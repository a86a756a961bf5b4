"""Knox on snapped points (many events per location): the grouped count (pairs at one
location counted per location, never listed) gives the same numbers as the pair-by-pair
count and as brute force (issue 14 item 11). No test here asserts a time."""

from __future__ import annotations

import importlib

import numpy as np
import pytest
from scipy.spatial.distance import pdist

from hotspotwatch.spacetime import knox

knox_module = importlib.import_module("hotspotwatch.analysis.spacetime.knox")
INF = np.inf


def _snapped(n: int, seed: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Events on a 20 x 20 lattice with heavy-tailed busyness and exact duplicates."""
    rng = np.random.default_rng(seed)
    g = np.arange(20) * 60.0
    gx, gy = np.meshgrid(g, g)
    w = rng.lognormal(0, 2.0, gx.size)
    k = rng.choice(gx.size, n, p=w / w.sum())
    t = rng.integers(0, 200, n).astype(float)
    dup = rng.integers(0, n, n // 30)
    return (np.concatenate([gx.ravel()[k], gx.ravel()[k][dup]]),
            np.concatenate([gy.ravel()[k], gy.ravel()[k][dup]]), np.concatenate([t, t[dup]]))


def _pair_by_pair(monkeypatch: pytest.MonkeyPatch, *args, **kwargs):  # type: ignore[no-untyped-def]
    with monkeypatch.context() as m:
        m.setattr(knox_module, "_GROUP_LOCATIONS", False)
        return knox(*args, **kwargs)


@pytest.mark.parametrize(
    ("sb", "tb", "kw"),
    [
        ([0, 1, 200, 400, 600, INF], [0, 7, 14, 21, INF], {}),  # the bench's bands
        ([0, 100, 300], [0, 7, 14], {}),  # bounded: gaps beyond the table dropped
        ([50, 300, INF], [3, 7, INF], {}),  # distance 0 below the first edge
        ([0, INF], [0, 7, INF], {}),  # no finite radius: nothing listed
        ([0, 100, INF], [0, 7, INF], {"same_location": True, "same_day": True}),
        ([0, 100.5, INF], [0, 6.5, INF], {"metric": "euclidean"}),  # fractional edges
    ],
)
def test_grouped_count_equals_pair_by_pair_on_snapped_points(monkeypatch, sb, tb, kw) -> None:  # type: ignore[no-untyped-def]
    x, y, t = _snapped(1500, 1)
    assert np.unique(np.column_stack([x, y]), axis=0).shape[0] < 400  # many per location
    grouped = knox(x, y, t, sb, tb, permutations=39, seed=7, **kw)
    listed = _pair_by_pair(monkeypatch, x, y, t, sb, tb, permutations=39, seed=7, **kw)
    assert grouped.to_dict() == listed.to_dict()  # every table, ratio and p-value identical
    np.testing.assert_array_equal(grouped.ratio, listed.ratio)


def test_grouped_count_matches_brute_force_with_the_zero_bands() -> None:
    x, y, t = _snapped(600, 2)
    res = knox(x, y, t, [0, 100, 200, INF], [0, 7, 14, INF], same_location=True, same_day=True,
               permutations=0)
    d = pdist(np.column_stack([x, y]), "cityblock")
    g = pdist(t[:, None], "cityblock")
    sb = [0, knox_module.SAME_EDGE, 100, 200, INF]
    tb = [0, knox_module.SAME_EDGE, 7, 14, INF]
    h, _, _ = np.histogram2d(d, g, bins=[np.asarray(sb), np.asarray(tb)])
    np.testing.assert_array_equal(res.observed, h.astype(int))
    assert res.observed[0].sum() > 1000  # the same-location row is the busy one here
    # exact expectation still uses the true band totals
    n_pairs = x.size * (x.size - 1) // 2
    np.testing.assert_allclose(res.expected.sum(), n_pairs)


def test_fractional_times_fall_back_to_listing_pairs() -> None:
    x, y, t = _snapped(400, 3)
    t = t + 0.25 * (np.arange(t.size) % 3)
    res = knox(x, y, t, [0, 100, INF], [0, 7, INF], permutations=0)
    d = pdist(np.column_stack([x, y]), "cityblock")
    g = pdist(t[:, None], "cityblock")
    h, _, _ = np.histogram2d(d, g, bins=[np.array([0, 100, INF]), np.array([0, 7, INF])])
    np.testing.assert_array_equal(res.observed, h.astype(int))


def test_chunked_expansion_gives_the_same_table(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    pairs = importlib.import_module("hotspotwatch.analysis.spacetime._knox_pairs")
    x, y, t = _snapped(800, 4)
    bands = ([0, 1, 100, 200, INF], [0, 7, 14, INF])
    ref = _pair_by_pair(monkeypatch, x, y, t, *bands, permutations=19, seed=2)
    for chunk in (1, 13):
        monkeypatch.setattr(pairs, "_CHUNK", chunk)
        assert knox(x, y, t, *bands, permutations=19, seed=2).to_dict() == ref.to_dict()
