"""Buffer rings are adjacent and cumulative: two widths never give an empty second ring."""

from __future__ import annotations

import math

from shapely.geometry import Point

from hotspotwatch.geo.rings import buffer_rings


def test_two_widths_give_two_adjacent_annuli() -> None:
    site = Point(0, 0).buffer(100, quad_segs=64)
    r1, r2 = buffer_rings(site, widths=(250, 250))
    # closed forms of the annuli 100-350 m and 350-600 m (polygonal approximation < 0.1 %)
    assert math.isclose(r1.area, math.pi * (350**2 - 100**2), rel_tol=1e-3)
    assert math.isclose(r2.area, math.pi * (600**2 - 350**2), rel_tol=1e-3)
    assert r1.intersection(r2).area < 1e-6 * r1.area


def test_exclusion_is_removed_from_every_ring() -> None:
    site = Point(0, 0).buffer(100)
    other = Point(400, 0).buffer(100)
    r1, r2 = buffer_rings(site, widths=(250, 250), exclude=other)
    assert r1.intersection(other).area < 1e-6 and r2.intersection(other).area < 1e-6
