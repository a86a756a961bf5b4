"""KDE against scipy's exact gaussian_kde (same isotropic bandwidth), a direct quartic sum,
and the closed form "mass equals the number of events"."""

from __future__ import annotations

import numpy as np
import pytest
import shapely
from scipy import linalg
from scipy.stats import gaussian_kde

from hotspotwatch.detect import bandwidth_rule, dual_kde, kde


class _IsotropicKDE(gaussian_kde):
    """scipy's exact Gaussian KDE with a fixed isotropic bandwidth ``h`` (metres)."""

    h = 1.0

    def _compute_covariance(self) -> None:
        self.factor = 1.0
        self.covariance = np.eye(2) * self.h**2
        self.cho_cov = linalg.cholesky(self.covariance, lower=True)
        self.log_det = 2 * np.log(np.diag(self.cho_cov * np.sqrt(2 * np.pi))).sum()


def _points(n: int, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    x = np.r_[rng.normal(0, 800, n // 2), rng.normal(2000, 400, n - n // 2)]
    y = np.r_[rng.normal(0, 800, n // 2), rng.normal(1200, 400, n - n // 2)]
    return x, y


def test_gaussian_kde_matches_scipy_gaussian_kde_with_same_bandwidth() -> None:
    x, y = _points(5000)
    res = kde(x, y, bandwidth="scott", kernel="gaussian", shape=(150, 150), extent=(-3500, -3500, 4000, 4000))
    assert res.bandwidth / res.cell_size[0] > 4
    cls = type("Iso", (_IsotropicKDE,), {"h": res.bandwidth})
    gx, gy = res.centres()
    exact = cls(np.vstack([x, y]))(np.vstack([gx.ravel(), gy.ravel()])).reshape(gx.shape) * x.size
    big = exact > 0.01 * exact.max()
    rel = np.abs(res.density[big] - exact[big]) / exact[big]
    assert rel.max() < 2e-3


def test_quartic_kde_matches_direct_sum() -> None:
    rng = np.random.default_rng(1)
    x, y = rng.uniform(0, 1000, 300), rng.uniform(0, 1000, 300)
    w = rng.uniform(0.5, 3, 300)
    h = 150.0
    res = kde(x, y, weights=w, bandwidth=h, kernel="quartic", cell_size=5, extent=(0, 0, 1000, 1000))
    gx, gy = res.centres()
    sel = (slice(10, 190, 17), slice(10, 190, 13))
    px, py = gx[sel].ravel(), gy[sel].ravel()
    r2 = ((px[:, None] - x[None, :]) ** 2 + (py[:, None] - y[None, :]) ** 2) / h**2
    direct = (np.where(r2 < 1, (1 - r2) ** 2, 0) * w).sum(axis=1) * 3 / (np.pi * h**2)
    got = res.density[sel].ravel()
    big = direct > 0.05 * direct.max()
    np.testing.assert_allclose(got[big], direct[big], rtol=2e-2)


@pytest.mark.parametrize("kernel", ["quartic", "gaussian"])
def test_kde_mass_equals_event_count(kernel) -> None:  # type: ignore[no-untyped-def]
    x, y = _points(5000, seed=2)
    res = kde(x, y, kernel=kernel)  # default extent pads by the kernel support
    assert res.mass == pytest.approx(5000, rel=1e-3)
    assert res.total_weight == 5000
    weighted = kde(x, y, weights=np.full(5000, 2.5), kernel=kernel, bandwidth=res.bandwidth)
    assert weighted.mass == pytest.approx(12_500, rel=1e-3)


def test_kde_area_mask_sets_outside_cells_to_nan() -> None:
    rng = np.random.default_rng(3)
    area = shapely.Point(0, 0).buffer(3000)
    x, y = rng.normal(0, 300, 2000), rng.normal(0, 300, 2000)
    res = kde(x, y, bandwidth=200, cell_size=50, area=area)
    gx, gy = res.centres()
    outside = ~shapely.contains_xy(area, gx, gy)
    assert outside.sum() > 100
    assert np.isnan(res.density[outside]).all()
    assert np.isfinite(res.density[~outside]).all()
    assert res.mass == pytest.approx(2000, rel=1e-3)  # all points far from the edge


def test_bandwidth_rules_closed_form() -> None:
    rng = np.random.default_rng(4)
    x, y = rng.normal(0, 100, 4000), rng.normal(0, 300, 4000)
    sx, sy = x.std(), y.std()
    assert bandwidth_rule(x, y, "scott") == pytest.approx(np.sqrt((sx**2 + sy**2) / 2) * 4000 ** (-1 / 6))

    def nrd(v: np.ndarray) -> float:
        q75, q25 = np.percentile(v, [75, 25])
        return 1.06 * min(v.std(), (q75 - q25) / 1.34) * 4000 ** (-1 / 5)

    assert bandwidth_rule(x, y, "nrd") == pytest.approx((nrd(x) + nrd(y)) / 2)
    res = kde(x, y, bandwidth="nrd", kernel="quartic")
    assert res.bandwidth == pytest.approx(2 * np.sqrt(2) * (nrd(x) + nrd(y)) / 2)
    assert res.bandwidth_rule == "nrd"


def test_dual_kde_ratio_of_identical_surfaces_is_one() -> None:
    x, y = _points(3000, seed=5)
    ext = (-3000.0, -3000.0, 3500.0, 3500.0)
    a = kde(x, y, bandwidth=300, cell_size=50, extent=ext)
    b = kde(x, y, weights=np.full(3000, 4.0), bandwidth=300, cell_size=50, extent=ext)
    ratio = dual_kde(a, b).surface
    np.testing.assert_allclose(ratio[np.isfinite(ratio)], 1.0, atol=1e-9)
    assert np.isfinite(ratio).sum() > 100
    diff = dual_kde(a, b, method="difference").surface
    np.testing.assert_allclose(diff, 0.0, atol=1e-12)
    c = kde(x, y, bandwidth=300, cell_size=60, extent=ext)
    with pytest.raises(ValueError, match="same grid"):
        dual_kde(a, c)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [({"bandwidth": -3}, "bandwidth"), ({"bandwidth": "silverman"}, "bandwidth"),
     ({"kernel": "epanechnikov"}, "kernel"), ({"weights": [-1, 1, 1]}, "weights")],
)
def test_kde_rejects_bad_input(kwargs, message) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(ValueError, match=message):
        kde([0.0, 10, 20], [0.0, 5, 30], **kwargs)
