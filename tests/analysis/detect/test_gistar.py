"""Gi* against esda's G_Local (analytic to 1e-9, permutation within Monte Carlo error),
against exact enumeration of the conditional permutation distribution, and closed forms."""

from __future__ import annotations

import itertools
import warnings

import numpy as np
import pytest
from scipy import sparse
from tests.helpers import require_module

from hotspotwatch.detect import gistar, gistar_bins, gistar_grid, make_grid

esda = require_module("esda")
libpysal = require_module("libpysal")


def _esda_glocal(y, w, **kw):  # type: ignore[no-untyped-def]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return esda.G_Local(y, w, transform="B", star=True, **kw)


def test_gistar_matches_esda_on_columbus_queen(columbus) -> None:  # type: ignore[no-untyped-def]
    _, y, w = columbus
    ref = _esda_glocal(y, w, permutations=0)
    res = gistar(y, w.sparse)
    np.testing.assert_allclose(res.z, ref.Zs, atol=1e-9, rtol=0)
    np.testing.assert_allclose(res.G, ref.Gs, atol=1e-12, rtol=0)
    np.testing.assert_allclose(res.expected_G, ref.EGs, atol=1e-12, rtol=0)
    np.testing.assert_allclose(res.variance_G, ref.VGs, atol=1e-12, rtol=1e-9)
    # two-sided p is twice esda's one-tailed p_norm; "folded" reproduces esda
    np.testing.assert_allclose(res.p_norm, np.minimum(1, 2 * ref.p_norm), atol=1e-12)
    np.testing.assert_allclose(gistar(y, w.sparse, alternative="folded").p_norm, ref.p_norm, atol=1e-12)


def test_gistar_matches_esda_on_columbus_knn_and_distance_band(columbus) -> None:  # type: ignore[no-untyped-def]
    df, y, _ = columbus
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        wk = libpysal.weights.KNN.from_dataframe(df, k=4)
        pts = np.column_stack([df.geometry.centroid.x, df.geometry.centroid.y])
        wd = libpysal.weights.DistanceBand(pts, threshold=1.2, binary=True, silence_warnings=True)
    for w in (wk, wd):
        np.testing.assert_allclose(gistar(y, w.sparse).z, _esda_glocal(y, w, permutations=0).Zs,
                                   atol=1e-9, rtol=0)


def test_gistar_matches_esda_on_random_grid_and_grid_fast_path() -> None:
    rng = np.random.default_rng(42)
    counts = rng.poisson(1.5, size=(25, 30)).astype(float)
    w = libpysal.weights.lat2W(25, 30, rook=False)
    ref = _esda_glocal(counts.ravel(), w, permutations=0)
    fast = gistar_grid(counts)
    np.testing.assert_allclose(fast.z.ravel(), ref.Zs, atol=1e-9, rtol=0)
    grid = make_grid(points=([0, 30], [0, 25]), cell_size=1.0)
    sparse_res = gistar(counts[grid.mask], grid.weights("queen"))
    np.testing.assert_allclose(sparse_res.z, ref.Zs, atol=1e-9, rtol=0)


def test_gistar_grid_with_mask_equals_sparse_gistar_on_masked_cells() -> None:
    rng = np.random.default_rng(3)
    counts = rng.poisson(2.0, size=(20, 20)).astype(float)
    yy, xx = np.mgrid[0:20, 0:20]
    mask = (xx - 9.5) ** 2 + (yy - 9.5) ** 2 < 81
    fast = gistar_grid(counts, mask=mask, neighbourhood="disk", radius=2)
    from hotspotwatch.geo.grid import Grid

    g = Grid(kind="square", cell_size=1.0, x0=0, y0=0, shape=(20, 20), mask=mask)
    slow = gistar(counts[mask], g.weights("disk", radius=2))
    np.testing.assert_allclose(fast.z[mask], slow.z, atol=1e-10)
    assert np.isnan(fast.z[~mask]).all()
    assert (fast.bins[~mask] == 0).all()


def test_gistar_z_is_invariant_to_row_standardisation(columbus) -> None:  # type: ignore[no-untyped-def]
    _, y, w = columbus
    binary = sparse.csr_matrix(w.sparse) + sparse.eye(y.size)
    rs = sparse.diags(1 / np.asarray(binary.sum(axis=1)).ravel()) @ binary
    np.testing.assert_allclose(gistar(y, rs).z, gistar(y, binary).z, atol=1e-10)


def test_gistar_closed_form_on_a_path() -> None:
    # n = 5 path, binary + self: z_i = (Σ_{j∈N_i∪i} x_j − x̄ W_i) / (s √((n W_i − W_i²)/(n−1)))
    x = np.array([0.0, 1, 8, 9, 1])
    w = sparse.diags([np.ones(4), np.ones(4)], [-1, 1], shape=(5, 5))
    n, mean, s = 5, x.mean(), x.std()
    wi = np.array([2, 3, 3, 3, 2.0])
    sums = np.array([1, 9, 18, 18, 10.0])
    expected = (sums - mean * wi) / (s * np.sqrt((n * wi - wi**2) / (n - 1)))
    np.testing.assert_allclose(gistar(x, w).z, expected, atol=1e-12)


def test_gistar_permutation_p_matches_esda_within_monte_carlo_error(columbus) -> None:  # type: ignore[no-untyped-def]
    _, y, w = columbus
    ref = _esda_glocal(y, w, permutations=9999, seed=1)
    res = gistar(y, w.sparse, permutations=9999, seed=7, alternative="folded")
    # sd of a pseudo p-value at 9999 draws is at most 0.005; 49 sites → allow 6 sd
    np.testing.assert_allclose(res.p_sim, ref.p_sim, atol=0.03)


def test_gistar_permutation_p_matches_exact_enumeration() -> None:
    # 7 sites on a ring (2 neighbours each): enumerate all ordered draws of 2 of the 6 others
    x = np.array([0.0, 5, 1, 9, 2, 7, 3])
    n = x.size
    cols = np.array([[(i - 1) % n, (i + 1) % n] for i in range(n)]).ravel()
    w = sparse.csr_matrix((np.ones(2 * n), (np.repeat(np.arange(n), 2), cols)), shape=(n, n))
    res = gistar(x, w, permutations=40_000, seed=11, alternative="greater")
    for i in range(n):
        others = np.delete(x, i)
        obs = x[i] + x[(i - 1) % n] + x[(i + 1) % n]
        sims = [x[i] + a + b for a, b in itertools.permutations(others, 2)]
        exact = np.mean(np.array(sims) >= obs - 1e-12)
        assert res.p_sim is not None
        assert abs(res.p_sim[i] - exact) < 0.01, (i, res.p_sim[i], exact)


def test_gistar_weighted_rows_use_the_general_permutation_path() -> None:
    rng = np.random.default_rng(5)
    pts = rng.uniform(0, 10, size=(60, 2))
    d = np.hypot(*(pts[:, None, :] - pts[None, :, :]).transpose(2, 0, 1))
    wd = np.where((d > 0) & (d < 2.5), 1 / np.maximum(d, 1e-9), 0.0)
    y = rng.poisson(3, 60).astype(float)
    a = gistar(y, sparse.csr_matrix(wd), permutations=4000, seed=1)
    b = gistar(y, sparse.csr_matrix(wd), permutations=4000, seed=2)
    assert a.p_sim is not None and b.p_sim is not None
    np.testing.assert_allclose(a.p_sim, b.p_sim, atol=0.06)
    # reproducible with a seed
    c = gistar(y, sparse.csr_matrix(wd), permutations=4000, seed=1)
    np.testing.assert_array_equal(a.p_sim, c.p_sim)


def test_gistar_bins_follow_arcgis_confidence_levels() -> None:
    z = np.array([3.0, 2.0, 1.7, 0.2, -1.7, -2.0, -3.0])
    p = np.array([0.005, 0.04, 0.08, 0.8, 0.08, 0.04, 0.005])
    assert gistar_bins(z, p).tolist() == [3, 2, 1, 0, -1, -2, -3]


def test_gistar_finds_a_planted_cluster_and_fdr_is_more_conservative() -> None:
    rng = np.random.default_rng(0)
    counts = rng.poisson(1.0, size=(40, 40)).astype(float)
    counts[18:22, 18:22] += 6
    plain = gistar_grid(counts)
    fdr = gistar_grid(counts, correction="fdr_bh")
    assert (plain.bins[19:21, 19:21] == 3).all()
    assert (fdr.bins[19:21, 19:21] == 3).all()
    assert (np.abs(fdr.bins) > 0).sum() <= (np.abs(plain.bins) > 0).sum()
    holm = gistar_grid(counts, correction="holm")
    assert (np.abs(holm.bins) > 0).sum() <= (np.abs(fdr.bins) > 0).sum()


def test_gistar_grid_permutations_are_reproducible_and_close_to_analytic() -> None:
    rng = np.random.default_rng(9)
    counts = rng.poisson(4.0, size=(15, 15)).astype(float)
    counts[5:8, 5:8] += 10
    a = gistar_grid(counts, permutations=999, seed=3)
    b = gistar_grid(counts, permutations=999, seed=3)
    assert a.p_sim is not None and b.p_sim is not None
    np.testing.assert_array_equal(a.p_sim, b.p_sim)
    assert a.p_sim[6, 6] <= 0.002
    # for moderate counts the permutation and normal p-values agree roughly
    assert np.nanmedian(np.abs(a.p_sim - a.p_norm)) < 0.1


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [({"alternative": "both"}, "alternative"), ({"permutations": -1}, "permutations"),
     ({"correction": "bonferroni"}, "correction")],
)
def test_gistar_rejects_bad_parameters(kwargs, message) -> None:  # type: ignore[no-untyped-def]
    w = sparse.diags([np.ones(4), np.ones(4)], [-1, 1], shape=(5, 5))
    with pytest.raises(ValueError, match=message):
        gistar(np.arange(5.0), w, **kwargs)


def test_gistar_rejects_constant_values_and_wrong_shapes() -> None:
    w = sparse.diags([np.ones(4), np.ones(4)], [-1, 1], shape=(5, 5))
    with pytest.raises(ValueError, match="constant"):
        gistar(np.ones(5), w)
    with pytest.raises(ValueError, match="6×6"):
        gistar(np.arange(6.0), w)
    with pytest.raises(ValueError, match="2-D"):
        gistar_grid(np.arange(6.0))


def test_gistar_result_serialises() -> None:
    res = gistar_grid(np.random.default_rng(0).poisson(1, (5, 5)).astype(float))
    d = res.to_dict()
    assert d["permutations"] == 0 and d["p_sim"] is None and len(d["z"]) == 5
