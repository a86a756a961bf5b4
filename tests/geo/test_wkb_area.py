"""polygon_area (WKB read with struct) against shapely's area, on every WKB flavour."""

from __future__ import annotations

import pytest
import shapely
from shapely.geometry import MultiPolygon, Point, Polygon

from hotspotwatch.geo.wkb_area import polygon_area

X0, Y0 = 149_000.0, 170_000.0  # Lambert 2008 magnitudes: precision at 1e5 m coordinates

SHAPES = {
    "disc": Point(X0, Y0).buffer(250.0, quad_segs=64),
    "with hole": Polygon(
        [(X0, Y0), (X0 + 1000, Y0), (X0 + 1000, Y0 + 800), (X0, Y0 + 800)],
        [[(X0 + 100, Y0 + 100), (X0 + 300, Y0 + 100), (X0 + 300, Y0 + 300), (X0 + 100, Y0 + 300)]],
    ),
    "multi": MultiPolygon(
        [
            Point(X0, Y0).buffer(100.0),
            Point(X0 + 1000, Y0).buffer(300.0).difference(Point(X0 + 1000, Y0).buffer(50.0)),
        ]
    ),
    "clockwise": Polygon([(X0, Y0), (X0, Y0 + 10), (X0 + 10, Y0 + 10), (X0 + 10, Y0)]),
}


@pytest.mark.parametrize("name", list(SHAPES))
@pytest.mark.parametrize(
    "flavour",
    [
        {},
        {"byte_order": 0},
        {"include_srid": True},
        {"output_dimension": 3, "flavor": "iso"},
        {"output_dimension": 3, "flavor": "extended"},
    ],
)
def test_area_equals_shapely(name: str, flavour: dict[str, object]) -> None:
    geom = SHAPES[name]
    if flavour.get("output_dimension") == 3:
        geom = shapely.force_3d(geom, 12.5)
    if flavour.get("include_srid"):
        geom = shapely.set_srid(geom, 3812)
    wkb = shapely.to_wkb(geom, **flavour)  # type: ignore[arg-type]
    assert polygon_area(wkb) == pytest.approx(SHAPES[name].area, rel=1e-12)


def test_not_a_polygon_or_truncated_is_a_value_error() -> None:
    with pytest.raises(ValueError, match="not a polygon"):
        polygon_area(shapely.to_wkb(Point(1, 2)))
    with pytest.raises(ValueError, match="truncated"):
        polygon_area(shapely.to_wkb(SHAPES["disc"])[:-8])
