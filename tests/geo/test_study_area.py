"""The study-area rules: the events' hull and the dissolved polygon layer."""

from __future__ import annotations

import math

import numpy as np
import pytest
import shapely

from hotspotwatch.geo.study_area import (
    HULL_MIN_BUFFER_M,
    dissolve,
    events_hull,
    hull_buffer,
    polygon_problems,
)


def test_hull_area_matches_steiners_formula_for_a_buffered_convex_set() -> None:
    # Steiner: area(K + disk r) = area(K) + perimeter(K) r + pi r^2 for a convex K.
    rng = np.random.default_rng(1)
    x, y = rng.uniform(0, 3000, 400), rng.uniform(0, 2000, 400)
    hull = shapely.MultiPoint(np.column_stack([x, y])).convex_hull
    r = 500.0
    expected = hull.area + hull.length * r + math.pi * r**2
    got = events_hull(x, y, buffer_m=r)
    assert got.area == pytest.approx(expected, rel=2e-3)  # 16 segments per quarter circle
    assert got.contains(shapely.MultiPoint(np.column_stack([x, y])))
    assert got.equals(got.convex_hull)  # still convex


def test_hull_of_one_point_is_a_disk_and_non_finite_points_are_left_out() -> None:
    disk = events_hull([10.0, np.nan], [20.0, 5.0], buffer_m=500)
    assert disk.area == pytest.approx(math.pi * 500**2, rel=2e-3)
    assert disk.centroid.distance(shapely.Point(10, 20)) < 1e-6
    with pytest.raises(ValueError, match="no events with coordinates"):
        events_hull([np.nan], [np.inf], buffer_m=500)
    with pytest.raises(ValueError, match="positive"):
        events_hull([0.0], [0.0], buffer_m=0)


def test_hull_buffer_is_the_larger_of_500_m_and_the_cell_size() -> None:
    assert HULL_MIN_BUFFER_M == 500
    assert [hull_buffer(None), hull_buffer(250), hull_buffer(800)] == [500, 500, 800]


def test_dissolve_removes_shared_borders_and_keeps_separate_parts() -> None:
    one = dissolve([shapely.box(0, 0, 1, 1), shapely.box(1, 0, 2, 1)])
    assert one.geom_type == "Polygon" and one.area == pytest.approx(2)
    two = dissolve([shapely.box(0, 0, 1, 1), shapely.box(5, 0, 6, 1)])
    assert two.geom_type == "MultiPolygon" and two.area == pytest.approx(2)


def test_polygon_problems_name_the_feature_and_what_is_wrong() -> None:
    bowtie = shapely.Polygon([(0, 0), (1, 1), (1, 0), (0, 1)])
    found = polygon_problems(
        [shapely.box(0, 0, 1, 1), shapely.LineString([(0, 0), (1, 1)]), shapely.Polygon(), bowtie]
    )
    assert [i for i, _ in found] == [1, 2, 3]
    assert found[0][1] == "LineString" and found[1][1] == "no geometry"
    assert found[2][1].startswith("invalid: Self-intersection")
