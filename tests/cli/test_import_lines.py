"""``hotspotwatch import lines FILE --layer streets`` from the command line."""

from __future__ import annotations

import json
from pathlib import Path

import geopandas as gpd
import pytest
from shapely.geometry import LineString, Point, box
from typer.testing import CliRunner

from hotspotwatch import Workspace
from hotspotwatch.cli.main import app
from hotspotwatch.store.lines import lines_of

runner = CliRunner()
AREA = box(648_000, 668_000, 650_000, 670_000)


@pytest.fixture
def ws_dir(tmp_path: Path) -> Path:
    Workspace.create(tmp_path / "ws", crs="EPSG:3812", timezone="Europe/Brussels").close()
    area = tmp_path / "area.gpkg"
    gpd.GeoDataFrame({"code": ["r"]}, geometry=[AREA], crs="EPSG:3812").to_file(area)
    res = runner.invoke(app, ["import", "areas", str(area), "--layer", "region",
                              "-w", str(tmp_path / "ws")])
    assert res.exit_code == 0, res.output
    return tmp_path / "ws"


def _gpkg(tmp_path: Path, geoms: list, name: str = "streets.gpkg") -> Path:  # type: ignore[type-arg]
    path = tmp_path / name
    gpd.GeoDataFrame({"name": [f"s{i}" for i in range(len(geoms))]}, geometry=geoms,
                     crs="EPSG:3812").to_crs("EPSG:4326").to_file(path)
    return path


def test_import_lines_json_and_replace(ws_dir: Path, tmp_path: Path):
    path = _gpkg(tmp_path, [LineString([(648_100, 669_000), (651_000, 669_000)]),
                            LineString([(700_000, 700_000), (700_100, 700_000)])])
    args = ["import", "lines", str(path), "--layer", "streets", "-w", str(ws_dir), "--json"]
    res = runner.invoke(app, args)
    assert res.exit_code == 0, res.output
    assert json.loads(res.stdout) == {"layer": "streets", "read": 2, "written": 1, "outside": 1}
    res = runner.invoke(app, args[:-1])  # again, in words: the layer is replaced
    assert res.exit_code == 0, res.output
    assert "1 lines from streets.gpkg (1 outside the study area left out)" in res.stdout
    ws = Workspace.open(ws_dir)
    try:
        (line,) = lines_of(ws.engine, "streets")
        assert line.length == pytest.approx(1900, abs=0.5)
    finally:
        ws.close()


def test_a_bad_row_is_one_error_line_exit_2(ws_dir: Path, tmp_path: Path):
    path = _gpkg(tmp_path, [Point(648_500, 669_000)], name="points.gpkg")
    res = runner.invoke(app, ["import", "lines", str(path), "-w", str(ws_dir)])
    assert res.exit_code == 2
    assert "Traceback" not in res.output
    text = " ".join(res.output.split())
    assert "points.gpkg: feature 1 has Point; a line layer takes LineString" in text


def test_import_areas_streets_points_to_import_lines(ws_dir: Path, tmp_path: Path):
    path = _gpkg(tmp_path, [LineString([(648_100, 669_000), (649_000, 669_000)])])
    res = runner.invoke(app, ["import", "areas", str(path), "--layer", "streets",
                              "-w", str(ws_dir)])
    assert res.exit_code == 2
    assert "hotspotwatch import lines" in " ".join(res.output.split())


def test_without_a_study_area_the_error_names_the_command(tmp_path: Path):
    Workspace.create(tmp_path / "bare", crs="EPSG:3812").close()
    path = _gpkg(tmp_path, [LineString([(648_100, 669_000), (649_000, 669_000)])])
    res = runner.invoke(app, ["import", "lines", str(path), "-w", str(tmp_path / "bare")])
    assert res.exit_code == 2
    text = " ".join(res.output.split())
    assert "no study area" in text and "import areas" in text
