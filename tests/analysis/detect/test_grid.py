"""Grids over the study polygon: cell assignment against brute-force nearest centre, masks,
neighbour counts, automatic cell size and the refusal of oversize grids."""

from __future__ import annotations

import numpy as np
import pytest
import shapely
from scipy.spatial import cKDTree

from hotspotwatch.geo.grid import auto_cell_size, make_grid


def test_square_grid_counts_points_and_masks_outside_cells() -> None:
    area = shapely.Polygon([(0, 0), (1000, 0), (0, 1000)])  # triangle
    g = make_grid(area, cell_size=100)
    assert g.shape == (10, 10)
    assert 45 <= g.n_cells <= 65 and not g.mask[9, 9]
    counts = g.count([50, 50, 150, 950], [50, 60, 50, 950])
    assert counts[0, 0] == 2 and counts[0, 1] == 1
    assert np.isnan(counts[9, 9])  # outside the triangle
    assert np.nansum(counts) == 3


def test_hex_cells_are_voronoi_cells_of_their_centres() -> None:
    g = make_grid(shapely.box(0, 0, 2000, 1500), cell_size=100, kind="hex")
    rng = np.random.default_rng(0)
    x, y = rng.uniform(0, 2000, 20_000), rng.uniform(0, 1500, 20_000)
    r, c = g.cell_index(x, y)
    assert (r >= 0).all()
    xc, yc = g.centres()
    _, nearest = cKDTree(np.column_stack([xc.ravel(), yc.ravel()])).query(np.column_stack([x, y]))
    np.testing.assert_array_equal(nearest, r * g.shape[1] + c)
    assert g.polygons()[0].area == pytest.approx(g.cell_area)


def test_neighbour_counts() -> None:
    g = make_grid(shapely.box(0, 0, 500, 500), cell_size=100)
    assert sorted(set(np.asarray(g.weights("queen").sum(axis=1)).ravel())) == [3, 5, 8]
    assert sorted(set(np.asarray(g.weights("rook").sum(axis=1)).ravel())) == [2, 3, 4]
    h = make_grid(shapely.box(0, 0, 1000, 1000), cell_size=100, kind="hex")
    assert np.asarray(h.weights().sum(axis=1)).max() == 6


def test_auto_cell_size_rule_is_stated() -> None:
    size, rule = auto_cell_size(19_000, 16_180)
    assert size == 320.0  # 16 180 / 50 = 323.6, rounded down to 10 m
    assert "50" in rule
    g = make_grid(shapely.box(0, 0, 19_000, 16_180))
    assert g.cell_size == 320.0 and g.cell_size_rule == rule


def test_oversize_grid_is_refused_naming_stray_points() -> None:
    rng = np.random.default_rng(1)
    x, y = rng.uniform(0, 5000, 500), rng.uniform(0, 5000, 500)
    x[123], y[123] = 4.5e6, 5.6e6  # a point left in WGS84-ish / wrong CRS coordinates
    with pytest.raises(ValueError, match=r"#123 \(4500000, 5600000\)"):
        make_grid(points=(x, y), cell_size=10)
    with pytest.raises(ValueError, match="max_cells"):
        make_grid(shapely.box(0, 0, 1e6, 1e6), cell_size=1)
