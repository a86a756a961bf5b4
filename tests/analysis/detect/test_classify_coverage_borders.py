"""Classification (sfhotspot rules), designation coverage (PAI closed form) and border view
(area and harm shares by construction); plus the grouped permutation path vs exact counts."""

from __future__ import annotations

import numpy as np
import pytest
import shapely
from scipy import sparse

from hotspotwatch.detect import (
    border_view,
    designation_coverage,
    gistar,
    gistar_grid,
    hotspot_classify,
    make_grid,
    pai,
)


def test_hotspot_classify_follows_sfhotspot_rules() -> None:
    # 10 periods, 2 recent; columns: persistent, emerging, former, intermittent, cold, mixed, none
    T = 10
    hot = np.zeros((T, 7), bool)
    cold = np.zeros((T, 7), bool)
    hot[:, 0] = True
    hot[-1, 1] = True
    hot[:3, 2] = True
    hot[[1, 4, 6, 8], 3] = True
    cold[:, 4] = True
    hot[[0, 2], 5] = True
    cold[[4, 6], 5] = True
    z = np.where(hot, 3.0, np.where(cold, -3.0, 0.1))
    p = np.where(hot | cold, 1e-4, 0.7)
    res = hotspot_classify(z, p, p_adjust="none")
    assert res.category.tolist() == [
        "persistent hotspot", "emerging hotspot", "former hotspot", "intermittent hotspot",
        "persistent coldspot", "mixed hot/coldspot", "no pattern"]
    assert res.recent_periods == 2
    assert res.counts()["persistent hotspot"] == 1


def test_hotspot_classify_holm_adjustment_across_periods() -> None:
    z = np.full((5, 1), 2.5)
    p = np.full((5, 1), 0.02)  # Holm: 5 × 0.02 = 0.1 ≥ 0.05 → nothing significant
    assert hotspot_classify(z, p).category.tolist() == ["no pattern"]
    assert hotspot_classify(z, p, p_adjust="none").category.tolist() == ["persistent hotspot"]
    with pytest.raises(ValueError, match="hotspot_prop"):
        hotspot_classify(z, p, hotspot_prop=1.5)


def test_designation_coverage_finds_designated_and_undesignated_clusters() -> None:
    area = shapely.box(0, 0, 2000, 2000)
    g = make_grid(area, cell_size=100)
    rng = np.random.default_rng(0)
    x = np.r_[rng.uniform(0, 2000, 400), rng.normal(500, 40, 150), rng.normal(1500, 40, 150)]
    y = np.r_[rng.uniform(0, 2000, 400), rng.normal(500, 40, 150), rng.normal(1500, 40, 150)]
    gi = gistar_grid(g.count(x, y))
    designated = shapely.Point(500, 500).buffer(100)
    elsewhere = shapely.Point(1500, 300).buffer(100)  # no cluster there
    res = designation_coverage([designated, elsewhere], g, gi.z, gi.bins, x=x, y=y, study_area=area,
                               hotspot_ids=["A", "B"])
    assert res.is_hotspot.tolist() == [True, False]
    assert len(res.undesignated) == 1
    c = res.undesignated[0].geometry.centroid
    assert abs(c.x - 1500) < 150 and abs(c.y - 1500) < 150
    # PAI closed form: (harm inside / all harm) / (area inside / study area)
    union = shapely.union_all([designated, elsewhere])
    inside = shapely.contains_xy(union, x, y).sum()
    assert res.pai == pytest.approx((inside / x.size) / (union.area / area.area))
    assert res.pai == pytest.approx(pai(res.designated_harm_share, res.designated_area_share))


def test_border_view_shares_by_construction() -> None:
    zones = [shapely.box(0, 0, 1000, 1000), shapely.box(1000, 0, 2000, 1000)]
    # internal border x = 1000; a 100 m band covers 200 m × 1000 m = 10 % of the area
    x = np.array([950.0, 1050, 990, 200, 1800, 300, 1500, 700, 120, 1900])
    y = np.full(10, 500.0)
    res = border_view(x, y, zones, distance=100, zone_ids=["Nord", "Sud"],
                      clusters=[shapely.box(900, 400, 1300, 600), shapely.box(100, 100, 200, 200)])
    assert res.area_share == pytest.approx(0.1)
    assert res.harm_share == pytest.approx(0.3)
    assert res.location_quotient == pytest.approx(3.0)
    assert res.border_length == pytest.approx(1000, abs=5)  # 1 m tolerance at the outer edge
    assert len(res.straddling) == 1 and res.straddling[0].zones == ["Sud", "Nord"]
    np.testing.assert_allclose(res.straddling[0].area_shares, [0.75, 0.25])
    with pytest.raises(ValueError, match="distance"):
        border_view(x, y, zones, distance=0)


def test_grouped_permutation_path_matches_exact_null_for_counts() -> None:
    # 300 sites on a ring, values in {0, 1, 2, 3}: sites share (k, v) groups
    rng = np.random.default_rng(0)
    n = 300
    v = rng.integers(0, 4, n).astype(float)
    rows = np.repeat(np.arange(n), 2)
    cols = np.array([[(i - 1) % n, (i + 1) % n] for i in range(n)]).ravel()
    w = sparse.csr_matrix((np.ones(2 * n), (rows, cols)), shape=(n, n))
    res = gistar(v, w, permutations=20_000, seed=4, alternative="greater")
    assert res.p_sim is not None
    for i in (0, 17, 123, 250):
        others = np.delete(v, i)
        obs = v[(i - 1) % n] + v[(i + 1) % n]
        # exact: P(two distinct draws from the others sum to ≥ obs)
        vals, cnt = np.unique(others, return_counts=True)
        total = len(others) * (len(others) - 1)
        good = 0
        for a, ca in zip(vals, cnt, strict=True):
            for b, cb in zip(vals, cnt, strict=True):
                pairs = ca * (cb - (a == b))
                if a + b >= obs - 1e-12:
                    good += pairs
        assert abs(res.p_sim[i] - good / total) < 0.012, i
