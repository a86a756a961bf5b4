"""``import_lines``: a street layer from a GeoPackage, in the workspace CRS, clipped to the
study area, stored as WKB; bad rows name the file and the feature; re-import replaces the
layer in one transaction; the data fingerprint (and so every stored run) does not change."""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import pytest
from shapely.geometry import LineString, MultiLineString, Point, box

from hotspotwatch import Workspace
from hotspotwatch.io.errors import SourceError
from hotspotwatch.store.lines import line_layers, lines_of, select_lines
from hotspotwatch.workflows.ingest_lines import import_lines
from hotspotwatch.workflows.ingest_places import import_areas, import_study_area
from hotspotwatch.workflows.report_counts import street_lines
from hotspotwatch.workspace import StudyAreaError

#: The study area, in Belgian Lambert 2008 (EPSG:3812) metres: 2 km × 2 km.
AREA_3812 = box(648_000, 668_000, 650_000, 670_000)


def _area_file(tmp_path: Path) -> Path:
    path = tmp_path / "area.gpkg"
    gpd.GeoDataFrame({"code": ["r"]}, geometry=[AREA_3812], crs="EPSG:3812").to_file(path)
    return path


def _streets(tmp_path: Path, name: str = "streets.gpkg", **extra) -> Path:  # type: ignore[no-untyped-def]
    """A small street grid in WGS84 (the CRS of an OpenStreetMap extract), built here."""
    lines = [
        LineString([(648_500, 667_000), (648_500, 671_000)]),  # crosses the area: clipped
        LineString([(648_200, 669_000), (649_800, 669_000)]),  # wholly inside
        MultiLineString([[(649_000, 668_500), (649_500, 668_500)],
                         [(649_500, 668_500), (649_500, 669_500)]]),  # inside
        LineString([(660_000, 680_000), (661_000, 680_000)]),  # wholly outside
    ]
    frame = gpd.GeoDataFrame(
        {"name": ["Rue Haute", "Boulevard du Midi", "Rue Blaes", "Far away"],
         "highway": ["primary", "secondary", "residential", "track"], **extra},
        geometry=lines, crs="EPSG:3812",
    ).to_crs("EPSG:4326")
    path = tmp_path / name
    frame.to_file(path, layer="lines")
    return path


@pytest.fixture
def area_ws(workspace: Workspace, tmp_path: Path) -> Workspace:
    import_study_area(workspace, _area_file(tmp_path))
    return workspace


def test_lines_are_transformed_clipped_and_stored(area_ws: Workspace, tmp_path: Path):
    rep = import_lines(area_ws, _streets(tmp_path))
    assert (rep.layer, rep.read, rep.written, rep.outside) == ("streets", 4, 3, 1)
    frame = select_lines(area_ws.engine, "streets")
    assert list(frame["name"]) == ["Rue Haute", "Boulevard du Midi", "Rue Blaes"]
    assert list(frame["kind"]) == ["primary", "secondary", "residential"]
    lengths = [g.length for g in frame["geometry"]]
    # Back in EPSG:3812 from WGS84, clipped to the 2 km square: 2000 m, 1600 m, 500 + 1000 m.
    assert lengths == pytest.approx([2000, 1600, 1500], abs=0.5)
    assert all(AREA_3812.buffer(0.01).covers(g) for g in frame["geometry"])
    assert frame["geometry"].iloc[2].geom_type == "MultiLineString"
    assert line_layers(area_ws.engine) == ["streets"]
    # The report's layer: one MultiLineString of every part, simplified for drawing.
    drawn = street_lines(area_ws)
    assert drawn is not None and drawn.geom_type == "MultiLineString"
    assert drawn.length == pytest.approx(5100, abs=1)


def test_reimport_replaces_the_layer_and_keeps_the_data_fingerprint(
    area_ws: Workspace, tmp_path: Path
):
    before = area_ws.data_fingerprint()
    path = _streets(tmp_path)
    first = import_lines(area_ws, path)
    second = import_lines(area_ws, path)
    assert second.written == first.written == 3
    assert len(lines_of(area_ws.engine, "streets")) == 3  # replaced, not appended
    assert area_ws.data_fingerprint() == before  # display only: no stored run goes stale
    # Another file replaces the layer wholly.
    one = tmp_path / "one.geojson"
    gpd.GeoDataFrame(geometry=[LineString([(648_100, 668_100), (648_900, 668_100)])],
                     crs="EPSG:3812").to_file(one)
    assert import_lines(area_ws, one).written == 1
    assert [round(g.length) for g in lines_of(area_ws.engine, "streets")] == [800]


def test_a_bad_feature_names_the_file_and_the_row_and_keeps_the_old_layer(
    area_ws: Workspace, tmp_path: Path
):
    import_lines(area_ws, _streets(tmp_path))
    bad = tmp_path / "bad.gpkg"
    gpd.GeoDataFrame(
        {"name": ["ok", "a point"]},
        geometry=[LineString([(648_100, 668_100), (648_900, 668_100)]), Point(648_500, 669_000)],
        crs="EPSG:3812",
    ).to_file(bad)
    with pytest.raises(SourceError) as err:
        import_lines(area_ws, bad)
    message = str(err.value)
    assert str(bad) in message and "feature 2 has Point" in message
    assert "LineString" in message and "\n" not in message
    assert len(lines_of(area_ws.engine, "streets")) == 3  # the old layer is untouched


def test_polygons_point_to_import_areas(area_ws: Workspace, tmp_path: Path):
    poly = tmp_path / "poly.gpkg"
    gpd.GeoDataFrame(geometry=[AREA_3812], crs="EPSG:3812").to_file(poly)
    with pytest.raises(SourceError, match=r"feature 1 has Polygon.*import areas"):
        import_lines(area_ws, poly)


def test_a_missing_field_says_which_fields_there_are(area_ws: Workspace, tmp_path: Path):
    with pytest.raises(SourceError, match="no field 'nom' for --name-field — closest: 'name'"):
        import_lines(area_ws, _streets(tmp_path), name_field="nom")


def test_lines_need_a_study_area(workspace: Workspace, tmp_path: Path):
    with pytest.raises(StudyAreaError, match="no study area"):
        import_lines(workspace, _streets(tmp_path))


def test_import_areas_with_lines_points_to_import_lines(area_ws: Workspace, tmp_path: Path):
    path = _streets(tmp_path)
    with pytest.raises(SourceError, match=r"is a line layer.*hotspotwatch import lines"):
        import_areas(area_ws, path, layer="streets", code_field="name", name_field="name")
    with pytest.raises(SourceError, match=r"has MultiLineString; areas must be polygons.*import lines"):
        import_areas(area_ws, path, layer="roads", code_field="name", name_field="name")
    assert "roads" not in area_ws.area_layers() and "streets" not in area_ws.area_layers()


def test_no_street_layer_draws_nothing(area_ws: Workspace):
    assert street_lines(area_ws) is None
