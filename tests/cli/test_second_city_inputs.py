"""Mistakes a new city's analyst makes on the command line, each a one-line error (exit 2).

The city is generated here and shaped like none of the other fixtures: Lambert-93
(EPSG:2154) around Lyon, Europe/Paris, day-precision events of two sources, one of which
(a log begun last month) holds a single month. Found by trying the CLI as a new user.
"""

from __future__ import annotations

import datetime as dt
import json

import numpy as np
import pandas as pd
import pytest
import shapely
from typer.testing import CliRunner

from hotspotwatch import Workspace
from hotspotwatch.cli.main import app

runner = CliRunner()
X0, Y0 = 838_000.0, 6_516_000.0  # Lambert-93, south-west corner of an 8 x 6 km study area
CENTRE = (4.834387, 45.750291)  # lon, lat of the hotspot (842600, 6518400)


def _events(rng: np.random.Generator, n: int, first: str, days: int, source: str,
            hot: float = 0.0) -> pd.DataFrame:
    x = X0 + rng.uniform(0, 8000, n)
    y = Y0 + rng.uniform(0, 6000, n)
    k = int(hot * n)
    x[:k] = 842_600 + rng.normal(0, 100, k)
    y[:k] = 6_518_400 + rng.normal(0, 100, k)
    when = pd.Timestamp(first, tz="Europe/Paris") + pd.to_timedelta(rng.integers(0, days, n), "D")
    return pd.DataFrame({"source_id": [f"{source}-{i}" for i in range(n)],
                         "occurred_at": when.tz_convert("UTC"), "x": x, "y": y,
                         "category": rng.choice(["assault", "burglary", "robbery"], n),
                         "time_precision": "day"})


def _city(path, *, late_source: bool) -> None:
    rng = np.random.default_rng(5)
    ws = Workspace.create(path, crs="EPSG:2154", timezone="Europe/Paris")
    ws.add_areas(pd.DataFrame({"code": ["region"], "name": ["Ville"],
                               "geometry": [shapely.box(X0, Y0, X0 + 8000, Y0 + 6000)]}), "region")
    ws.add_events(_events(rng, 3000, "2022-01-01", 1400, "police-municipale", hot=0.1),
                  source="police-municipale")
    if late_source:  # a new log, begun in the last month of the data
        ws.add_events(_events(rng, 40, "2025-10-01", 31, "main-courante"), source="main-courante")
    ws.add_hotspot("Place Gabriel-Péri", shapely.Point(842_600, 6_518_400).buffer(300))
    ws.add_designation("Place Gabriel-Péri", action="designate", start=dt.date(2024, 3, 1),
                       body="Conseil local de sécurité")
    ws.close()


@pytest.fixture(scope="module")
def city(tmp_path_factory):
    path = tmp_path_factory.mktemp("lyon") / "ws"
    _city(path, late_source=False)
    return path


def _run(*args: str):
    res = runner.invoke(app, list(args))
    return res, (res.stdout + res.stderr)


def test_designate_with_lon_and_lat_swapped_is_refused_naming_the_fix(city) -> None:
    lon, lat = CENTRE
    res, out = _run("hotspot", "designate", "Swapped", "--start", "2025-01-01", "--body", "x",
                    "--lon", str(lat), "--lat", str(lon), "-w", str(city))
    assert res.exit_code == 2, out
    assert "are --lon and --lat swapped?" in out and f"try --lon {lon} --lat {lat}" in out
    assert "Traceback" not in out and "this is a bug" not in out
    with Workspace.open(city) as ws:  # nothing stored
        assert "Swapped" not in set(ws.hotspots()["name"])
    res, out = _run("hotspot", "designate", "Paris", "--start", "2025-01-01", "--body", "x",
                    "--lon", "2.35", "--lat", "48.85", "-w", str(city))
    assert res.exit_code == 2 and "385 km outside the workspace extent" in out, out
    res, out = _run("hotspot", "designate", "Right", "--start", "2025-01-01", "--body", "x",
                    "--lon", str(lon), "--lat", str(lat), "-w", str(city))
    assert res.exit_code == 0, out


def test_a_hotspots_file_written_latitude_first_is_refused(city, tmp_path) -> None:
    lon, lat = CENTRE
    ring = [[lat + dy, lon + dx] for dx, dy in ((0, 0), (0.002, 0), (0.002, 0.002), (0, 0))]
    feature = {"type": "Feature", "geometry": {"type": "Polygon", "coordinates": [ring]},
               "properties": {"name": "Latitude first", "designations": [
                   {"action": "designate", "start": "2025-01-01", "body": "x"}]}}
    path = tmp_path / "lieux.geojson"
    path.write_text(json.dumps({"type": "FeatureCollection", "features": [feature]}))
    res, out = _run("import", "hotspots", str(path), "-w", str(city))
    assert res.exit_code == 2, out
    assert "feature 1 ('Latitude first'): the perimeter lies outside the workspace extent" in out
    assert "they look swapped" in out
    with Workspace.open(city) as ws:
        assert "Latitude first" not in set(ws.hotspots()["name"])


def test_alert_with_lon_and_lat_swapped_is_refused(city) -> None:
    lon, lat = CENTRE
    res, out = _run("spacetime", "alert", "--lon", str(lat), "--lat", str(lon), "--date",
                    "2025-10-30", "-w", str(city))
    assert res.exit_code == 2 and "are --lon and --lat swapped?" in out, out
    res, out = _run("spacetime", "alert", "--x", "4.83", "--y", "45.75", "--date", "2025-10-30",
                    "-w", str(city))
    assert res.exit_code == 2 and "give --x/--y in metres in EPSG:2154" in out, out


def test_coverage_names_the_day_each_undesignated_cluster_belongs_to(city, tmp_path) -> None:
    res, out = _run("detect", "coverage", "-w", str(city), "-o", str(tmp_path))
    assert res.exit_code == 0, out
    assert "Gi* 2023-03-01 to 2024-02-29 (before the designations of 2024-03-01); in force: " \
           "Place Gabriel-Péri" in out


def test_evaluate_with_a_source_of_one_month_says_why_nothing_is_evaluated(tmp_path) -> None:
    # Every month the late log has no event counts as missing for every source: before,
    # the table came out empty with exit 0 and no word on why.
    path = tmp_path / "ws"
    _city(path, late_source=True)
    for extra in ((), ("--json",)):
        res, out = _run("evaluate", "-w", str(path), *extra)
        assert res.exit_code == 2, out
        assert "no hotspot could be evaluated (Place Gabriel-Péri): source 'main-courante' " \
               "has events only in 2025-10" in out
        assert "import that source's other months" in out
    res, out = _run("evaluate", "-w", str(tmp_path / "none"))  # not a workspace: still one line
    assert res.exit_code == 2


def test_evaluate_of_the_city_without_the_late_source_gives_a_verdict(city) -> None:
    res, out = _run("evaluate", "-w", str(city), "--json")
    assert res.exit_code == 0, out
    data = json.loads(res.stdout)
    assert "Place Gabriel-Péri" in [h["name"] for h in data["hotspots"]]
    assert data["time_precision"] == "day" and data["parameters"]["not_evaluated"] == []


def test_init_names_the_time_zone_meant_and_refuses_feet_and_web_mercator(tmp_path) -> None:
    res, out = _run("init", str(tmp_path / "a"), "--crs", "EPSG:2154", "--timezone",
                    "Europe/Pariss")
    assert res.exit_code == 2 and "did you mean 'Europe/Paris'?" in out, out
    res, out = _run("init", str(tmp_path / "b"), "--crs", "EPSG:2263", "--timezone",
                    "America/New_York")
    assert res.exit_code == 2 and "'US survey foot'; use a CRS in metres" in out, out
    res, out = _run("init", str(tmp_path / "c"), "--crs", "EPSG:3857", "--timezone",
                    "Europe/Paris")
    assert res.exit_code == 2 and "world Mercator" in out, out
    assert not any((tmp_path / d).exists() for d in "abc")
