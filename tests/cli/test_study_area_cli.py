"""The study area from the command line: `init --study-area`, `import areas --layer region`,
the one-line refusal of every analysis without one (exit 2), and `--study-area hull`."""

from __future__ import annotations

import json
import math

import geopandas as gpd
import pytest
import shapely
from typer.testing import CliRunner

from hotspotwatch import Workspace
from hotspotwatch.cli.main import app
from hotspotwatch.testing import make_city
from hotspotwatch.workflows.detect import gistar_spec

runner = CliRunner()

NO_AREA = (
    "no study area: run `hotspotwatch import areas FILE --layer region` or pass `--study-area hull`"
)


@pytest.fixture(scope="module")
def bare(tmp_path_factory):  # a new user's workspace: events and hotspots, no area layer
    ws = make_city(tmp_path_factory.mktemp("bare") / "city", areas=False, scale=0.15, n_hotspots=2)
    assert ws.area_layers() == [] and not ws.has_study_area()
    ws.close()
    return ws.path


ANALYSES = [
    ["detect", "kde"],
    ["detect", "gistar", "--permutations", "0"],
    ["detect", "lisa", "--permutations", "9"],
    ["detect", "concentration"],
    ["detect", "classify", "--start", "2021-01-01", "--end", "2024-01-01"],
    ["detect", "coverage"],
    ["spacetime", "emerging"],
    ["evaluate"],
    ["report", "renewal", "--format", "html"],
]


@pytest.mark.parametrize("command", ANALYSES, ids=lambda c: " ".join(c[:2]))
def test_every_analysis_without_a_study_area_exits_2_naming_the_command(bare, tmp_path, command):
    out = ["-o", str(tmp_path / "out")] if command[0] in ("detect", "report") and command[1] not in (
        "concentration",) else []
    if command[:2] == ["report", "renewal"]:
        out = ["-o", str(tmp_path / "r.html")]
    res = runner.invoke(app, [*command, "-w", str(bare), *out])
    assert res.exit_code == 2, res.output
    assert res.stderr.strip() == f"error: {NO_AREA}"
    assert "this is a bug" not in res.output and "Traceback" not in res.output


def test_borders_without_the_zone_layer_exits_2_naming_the_import(bare):
    res = runner.invoke(app, ["detect", "borders", "-w", str(bare)])
    assert res.exit_code == 2, res.output
    line = res.stderr.strip()
    assert "\n" not in line and "no area layer 'neighbourhood'" in line
    assert "hotspotwatch import areas FILE --layer neighbourhood" in line
    assert "[workspace] zone_layer" in line


def test_study_area_hull_runs_warns_and_is_recorded(bare, tmp_path):
    res = runner.invoke(app, ["detect", "gistar", "-w", str(bare), "--study-area", "hull",
                              "--permutations", "0", "-o", str(tmp_path), "--json"])
    assert res.exit_code == 0, res.output
    warning = res.stderr.strip()
    assert warning.startswith("warning: study area: the convex hull of every stored event plus 500 m")
    assert "\n" not in warning
    data = json.loads(res.stdout)
    assert data["parameters"]["study_area"] == "hull"
    assert data["parameters"]["hull_buffer_m"] == 500
    ws = Workspace.open(bare)
    try:
        hull_spec = gistar_spec(ws, permutations=0, study_area="hull")
        assert dict(hull_spec.parameters) == data["parameters"]
        stored = ws.find_run(hull_spec.kind, hull_spec.parameters)
        assert stored is not None and stored.short_key == data["run_id"]
        assert stored.parameters["study_area"] == "hull"
        # a run on the workspace's own study area is another question (another key)
        region_spec = gistar_spec(ws, permutations=0)
        assert "study_area" not in region_spec.parameters
        assert ws.find_run(region_spec.kind, region_spec.parameters) is None
        # the hull of every event (all roles) plus 500 m: Steiner's formula on their convex
        # hull, and at most make_city's 4 km square plus 500 m
        from hotspotwatch.workflows.study_area import study_area_of

        ev = ws.events()
        core = shapely.MultiPoint(ev[["x", "y"]].to_numpy()).convex_hull
        hull = study_area_of(ws, hull_spec.parameters)
        assert hull.area == pytest.approx(core.area + core.length * 500 + math.pi * 500**2,
                                          rel=2e-3)
        assert hull.area <= 4000.0**2 + 4 * 4000 * 500 + math.pi * 500**2
    finally:
        ws.close()
    res = runner.invoke(app, ["runs", "list", "-w", str(bare), "--json"])
    assert res.exit_code == 0 and '"study_area": "hull"' in res.stdout


def test_evaluate_with_a_hull_records_it_in_the_evaluation_run(bare):
    res = runner.invoke(app, ["evaluate", "-w", str(bare), "--study-area", "hull", "--json"])
    assert res.exit_code == 0, res.output
    assert "convex hull" in res.stderr
    data = json.loads(res.stdout)
    assert len(data["hotspots"]) == 2
    ws = Workspace.open(bare)
    try:
        (info,) = ws.run_infos("evaluate")
        assert info.parameters["study_area"] == "hull"
        assert info.parameters["hull_buffer_m"] == 500
    finally:
        ws.close()


def test_a_bad_study_area_value_exits_2(bare):
    res = runner.invoke(app, ["detect", "kde", "-w", str(bare), "--study-area", "box"])
    assert res.exit_code == 2
    assert "--study-area: 'box' is not known; use region" in res.stderr


# ----------------------------------------------------------------- init and import areas
def _write(path, geoms, crs="EPSG:4326"):
    gpd.GeoDataFrame({"n": list(range(len(geoms)))}, geometry=geoms, crs=crs).to_file(path)
    return path


WEST = shapely.box(2.30, 48.84, 2.34, 48.87)
EAST = shapely.box(2.34, 48.84, 2.38, 48.87)


@pytest.mark.parametrize("suffix", ["gpkg", "geojson", "shp"])
def test_init_with_a_study_area_reprojects_and_dissolves(tmp_path, suffix):
    src = _write(tmp_path / f"two.{suffix}", [WEST, EAST])
    res = runner.invoke(app, ["init", str(tmp_path / "ws"), "--crs", "EPSG:32631", "--timezone",
                              "Europe/Paris", "--study-area", str(src), "--json"])
    assert res.exit_code == 0, res.output
    info = json.loads(res.stdout)
    # reference: geopandas' own reprojection of the two squares, unioned
    expected = gpd.GeoSeries([WEST, EAST], crs="EPSG:4326").to_crs("EPSG:32631").union_all()
    assert info["study_area"]["features"] == 2
    assert info["study_area"]["area_km2"] == pytest.approx(expected.area / 1e6, abs=1e-3)
    ws = Workspace.open(tmp_path / "ws")
    try:
        regions = ws.areas("region")
        assert len(regions) == 1 and regions.geometry.iloc[0].geom_type == "Polygon"
        assert ws.study_area().symmetric_difference(expected).area < 1.0  # m²
    finally:
        ws.close()


@pytest.mark.parametrize(
    ("geoms", "crs", "message"),
    [
        ([], "EPSG:4326", "has no features; the study area needs at least one polygon"),
        ([shapely.Point(2.3, 48.8)], "EPSG:4326", "feature 1 is a Point, not a polygon"),
        ([shapely.Polygon([(2.3, 48.8), (2.4, 48.9), (2.4, 48.8), (2.3, 48.9)])], "EPSG:4326",
         "feature 1 is not a valid polygon (Self-intersection"),
        ([shapely.box(151.1, -33.9, 151.2, -33.8)], "EPSG:4326",
         "lie outside the area of use of the workspace CRS EPSG:32631 (lon 0 to 6, lat 0 to 84)"),
        ([shapely.box(450000, 5400000, 452000, 5402000)], "EPSG:4326",
         "are not degrees though the file's CRS is EPSG:4326"),
    ],
    ids=["empty", "point", "invalid", "outside", "metres-as-degrees"],
)
def test_init_refuses_a_bad_study_area_before_creating_anything(tmp_path, geoms, crs, message):
    src = _write(tmp_path / "area.gpkg", geoms, crs)
    target = tmp_path / "ws"
    res = runner.invoke(app, ["init", str(target), "--crs", "EPSG:32631", "--study-area", str(src)])
    assert res.exit_code == 2, res.output
    line = res.stderr.strip()
    assert "\n" not in line and str(src) in line and message in line
    assert not target.exists()


def test_import_areas_layer_region_sets_and_replaces_the_study_area(tmp_path):
    target = tmp_path / "ws"
    assert runner.invoke(app, ["init", str(target), "--crs", "EPSG:32631"]).exit_code == 0
    src = _write(tmp_path / "two.geojson", [WEST, EAST])
    res = runner.invoke(app, ["import", "areas", str(src), "--layer", "region", "-w", str(target),
                              "--json"])
    assert res.exit_code == 0, res.output
    assert json.loads(res.stdout) == {"layer": "region", "read": 2, "written": 1, "repaired": 0,
                                      "events_outside": 0}
    small = _write(tmp_path / "west.geojson", [WEST])
    res = runner.invoke(app, ["import", "areas", str(small), "--layer", "region", "-w", str(target)])
    assert res.exit_code == 0, res.output
    ws = Workspace.open(target)
    try:
        west = gpd.GeoSeries([WEST], crs="EPSG:4326").to_crs("EPSG:32631").iloc[0]
        assert ws.study_area().area == pytest.approx(west.area, rel=1e-9)
    finally:
        ws.close()
    # init on an existing workspace names the import that sets its study area
    res = runner.invoke(app, ["init", str(target), "--study-area", str(src)])
    assert res.exit_code == 2
    assert f"hotspotwatch import areas {src} --layer region -w {target}" in res.stderr
    # other layers still need their code and name fields
    res = runner.invoke(app, ["import", "areas", str(src), "--layer", "police_zone", "-w",
                              str(target)])
    assert res.exit_code == 2
    assert "--layer police_zone: give --code-field and --name-field" in res.stderr


def test_refusals_keep_their_brackets_and_quotes(bare):
    # rich markup must not eat "[categories]", nor the quote strip the closing quote
    res = runner.invoke(app, ["spacetime", "knox", "-w", str(bare), "-c", "nosuch"])
    assert res.exit_code == 2
    assert "in the mapping's [categories] table" in res.stderr
    res = runner.invoke(app, ["spacetime", "emerging", "-w", str(bare), "--step", "day",
                              "--study-area", "hull"])
    assert res.exit_code == 2
    assert "got 'day'" in res.stderr


def test_incidents_in_context_without_a_study_area_says_its_model_needs_one(bare):
    # the incidents' count needs no study area; the evaluation model beside it does
    res = runner.invoke(app, ["evaluate", "incidents", "-w", str(bare), "--category", "shooting",
                              "--start", "2023-01-01", "--end", "2023-12-31", "--json"])
    assert res.exit_code == 0, res.output
    assert "no study area: run `hotspotwatch import areas FILE --layer region`" in res.stdout


def test_info_says_whether_there_is_a_study_area(bare, tmp_path):
    res = runner.invoke(app, ["info", "-w", str(bare), "--json"])
    assert res.exit_code == 0 and json.loads(res.stdout)["study_area"] is None
    res = runner.invoke(app, ["info", "-w", str(bare)])
    assert "Study area: none" in res.stdout and "import areas FILE --layer region" in res.stdout
    src = _write(tmp_path / "two.gpkg", [WEST, EAST])
    assert runner.invoke(app, ["init", str(tmp_path / "ws"), "--crs", "EPSG:32631",
                               "--study-area", str(src)]).exit_code == 0
    res = runner.invoke(app, ["info", "-w", str(tmp_path / "ws"), "--json"])
    expected = gpd.GeoSeries([WEST, EAST], crs="EPSG:4326").to_crs("EPSG:32631").union_all()
    info = json.loads(res.stdout)["study_area"]
    assert info["from"] == "layer region"
    assert info["area_km2"] == pytest.approx(expected.area / 1e6, abs=1e-3)


def test_a_study_area_that_leaves_events_out_says_how_many(tmp_path):
    ws = make_city(tmp_path / "c", areas=False, scale=0.05, n_hotspots=1)
    ev = ws.events()
    x, y = ev["x"].to_numpy(float), ev["y"].to_numpy(float)
    mid = float(x.min() + x.max()) / 2
    west = shapely.box(x.min() - 10, y.min() - 10, mid, y.max() + 10)
    ws.close()
    src = _write(tmp_path / "west.gpkg", [west], crs="EPSG:32631")
    res = runner.invoke(app, ["import", "areas", str(src), "--layer", "region", "-w",
                              str(tmp_path / "c"), "--json"])
    assert res.exit_code == 0, res.output
    expected = int((x > mid).sum())
    assert 0 < expected < len(x)
    assert json.loads(res.stdout)["events_outside"] == expected
    assert f"warning: {expected:,} of {len(x):,} stored events lie outside the study area" in res.stderr
