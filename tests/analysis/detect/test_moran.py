"""Moran's I and local Moran against esda on libpysal's bundled columbus and desmith data."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from scipy import sparse
from tests.helpers import require_module

from hotspotwatch.detect import local_moran, moran

esda = require_module("esda")


@pytest.mark.parametrize("transform", ["r", "b"])
def test_moran_matches_esda_on_columbus(columbus, transform) -> None:  # type: ignore[no-untyped-def]
    _, y, w = columbus
    w.transform = transform
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ref = esda.Moran(y, w, transformation=transform, permutations=0)
    w.transform = "o"
    res = moran(y, w.sparse, transform=transform)
    assert abs(res.I - ref.I) < 1e-12
    assert res.expected_I == pytest.approx(ref.EI, abs=1e-15)
    assert res.variance_I_norm == pytest.approx(ref.VI_norm, rel=1e-10)
    assert res.variance_I_rand == pytest.approx(ref.VI_rand, rel=1e-10)
    assert res.z_norm == pytest.approx(ref.z_norm, abs=1e-9)
    assert res.z_rand == pytest.approx(ref.z_rand, abs=1e-9)
    assert res.p_norm == pytest.approx(ref.p_norm, rel=1e-8)  # both two-sided


def test_moran_permutation_p_is_consistent_with_esda(desmith) -> None:  # type: ignore[no-untyped-def]
    y, w = desmith
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        np.random.seed(0)  # noqa: NPY002 - esda.Moran draws from numpy's global generator
        ref = esda.Moran(y, w, transformation="r", permutations=9999)
    res = moran(y, w.sparse, transform="r", permutations=9999, seed=0, alternative="folded")
    assert abs(res.I - ref.I) < 1e-12
    assert res.p_sim == pytest.approx(ref.p_sim, abs=0.02)


def test_moran_closed_form_on_a_path() -> None:
    # x = 1..6 on a path, row-standardised; I = n/S0 · Σ w_ij z_i z_j / Σ z²
    x = np.arange(1.0, 7.0)
    w = sparse.diags([np.ones(5), np.ones(5)], [-1, 1], shape=(6, 6)).toarray()
    w = w / w.sum(axis=1, keepdims=True)
    z = x - x.mean()
    expected = 6 / w.sum() * (z @ w @ z) / (z @ z)
    assert abs(moran(x, sparse.csr_matrix(w), transform="o").I - expected) < 1e-12


@pytest.mark.parametrize("transform", ["r", "b"])
def test_local_moran_matches_esda_on_columbus(columbus, transform) -> None:  # type: ignore[no-untyped-def]
    _, y, w = columbus
    w.transform = transform
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ref = esda.Moran_Local(y, w, transformation=transform, permutations=9999, seed=1)
    w.transform = "o"
    res = local_moran(y, w.sparse, transform=transform, permutations=9999, seed=5, alternative="folded")
    np.testing.assert_allclose(res.Is, ref.Is, atol=1e-12)
    np.testing.assert_array_equal(res.quadrant, ref.q)
    np.testing.assert_allclose(res.expected_Is, ref.EI, atol=1e-12)
    np.testing.assert_allclose(res.variance_Is, ref.VI, atol=1e-12)
    assert res.p_sim is not None
    np.testing.assert_allclose(res.p_sim, ref.p_sim, atol=0.03)


def test_local_moran_quadrants_and_clusters_on_a_planted_pattern() -> None:
    # 10×10 rook grid: high block in one corner, low elsewhere
    from hotspotwatch.detect import make_grid

    g = make_grid(points=([0, 10], [0, 10]), cell_size=1.0)
    vals = np.zeros((10, 10))
    vals[:4, :4] = 10
    vals += np.random.default_rng(0).normal(0, 0.5, (10, 10))
    res = local_moran(vals.ravel(), g.weights("rook"), permutations=999, seed=0)
    quad = res.quadrant.reshape(10, 10)
    assert (quad[:3, :3] == 1).all()  # HH
    assert (res.cluster.reshape(10, 10)[:3, :3] == 1).all()
    assert (quad[6:, 6:] == 3).all()  # LL


def test_moran_rejects_bad_transform_and_constant_values() -> None:
    w = sparse.diags([np.ones(5), np.ones(5)], [-1, 1], shape=(6, 6))
    with pytest.raises(ValueError, match="transform"):
        moran(np.arange(6.0), w, transform="x")
    with pytest.raises(ValueError, match="constant"):
        local_moran(np.ones(6), w)
