"""The QGIS Processing provider (qgis/hotspotwatch), run headless with Debian's ``qgis_process``.

The plugin of this checkout is installed into a throw-away QGIS profile
(``QGIS_CUSTOM_CONFIG_PATH``); ``HOTSPOTWATCH_CLI`` points it at this checkout's CLI. Each
algorithm runs on GeoPackage layers exported from a synthetic city, and its output is compared
with what ``hotspotwatch`` writes on the city's own workspace (the same data): the Gi* bins per
cell, the KDE GeoTIFF (array, transform, CRS), the evaluation's estimates per hotspot.

Without ``qgis_process`` (Debian package ``qgis``) the tests skip on a laptop and FAIL under
``CI=true`` (.ci/run installs it).
"""

from __future__ import annotations

import importlib.util
import json
import os
import stat
import subprocess
import sys
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from tests.helpers import IN_CI, require_program
from typer.testing import CliRunner

from hotspotwatch.cli.main import app
from hotspotwatch.testing import make_city

ROOT = Path(__file__).resolve().parents[2]
PLUGIN = ROOT / "qgis"
ALGORITHMS = ("kde", "gistar", "lisa", "concentration", "knox", "emerging", "evaluate", "report")
EVENT_FIELDS = ["TIME_FIELD=occurred_at", "CATEGORY_FIELD=category", "ID_FIELD=source_id"]

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("qgis")]
cli = CliRunner()


def _load(name: str, path: Path) -> Any:
    spec = importlib.util.spec_from_file_location(name, path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _qgis_process() -> str:
    # Debian's /usr/bin/qgis_process wrapper passes --noversioncheck (from /etc/default/qgis),
    # which qgis_process 3.22 refuses; the binary behind it works.
    return require_program("qgis_process.bin", "qgis_process", why="apt-get install qgis")


QP = Callable[..., subprocess.CompletedProcess[str]]


@pytest.fixture(scope="module")
def qp(tmp_path_factory: pytest.TempPathFactory) -> QP:
    """Run ``qgis_process`` with this checkout's plugin in a fresh profile."""
    exe = _qgis_process()
    base = tmp_path_factory.mktemp("qgis")
    # The zip `make qgis-plugin` builds, installed as `make install-qgis-plugin` does.
    zipped = base / "hotspotwatch-qgis.zip"
    make = subprocess.run(["make", "-s", "-C", str(ROOT), "qgis-plugin", f"QGIS_PLUGIN_ZIP={zipped}"],
                          capture_output=True, text=True)
    assert make.returncode == 0, make.stderr
    with zipfile.ZipFile(zipped) as zf:
        names = set(zf.namelist())
    assert {"hotspotwatch/metadata.txt", "hotspotwatch/__init__.py", "hotspotwatch/provider.py"} <= names
    assert not any("__pycache__" in n for n in names)
    installer = _load("hw_install_plugin", PLUGIN / "install_plugin.py")
    installer.main(["--profile-dir", str(base / "config" / "profiles" / "default"), "--zip", str(zipped)])
    wrapper = base / "hotspotwatch"
    wrapper.write_text(
        "#!/bin/sh\n"
        f"PYTHONPATH={ROOT / 'src'} exec {sys.executable} -c "
        "'import sys; sys.argv[0] = \"hotspotwatch\"; from hotspotwatch.cli.main import main; main()'"
        ' "$@"\n'
    )
    wrapper.chmod(wrapper.stat().st_mode | stat.S_IXUSR)
    runtime = base / "runtime"
    runtime.mkdir(mode=0o700)
    env = {
        **os.environ,
        "QT_QPA_PLATFORM": "offscreen",
        "QGIS_CUSTOM_CONFIG_PATH": str(base / "config"),
        "XDG_RUNTIME_DIR": str(runtime),
        "HOTSPOTWATCH_CLI": str(wrapper),
    }

    def run(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([exe, *args], capture_output=True, text=True, env=env,
                              stdin=subprocess.DEVNULL, timeout=300)

    return run


def _run_alg(qp: QP, alg: str, *params: str) -> dict[str, Any]:
    r = qp("--json", "run", f"hotspotwatch:{alg}", "--", *params)
    assert r.returncode == 0, f"qgis_process {alg} failed:\n{r.stdout[-2000:]}\n{r.stderr[-2000:]}"
    return json.loads(r.stdout)["results"]


def _invoke(args: list[str]) -> str:
    r = cli.invoke(app, args)
    assert r.exit_code == 0, r.output
    return r.stdout


@pytest.fixture(scope="module")
def city(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """A synthetic city workspace, its events and its study area as GeoPackage files."""
    base = tmp_path_factory.mktemp("qgis-city")
    ws = make_city(base / "city", scale=0.3)
    events, region, hotspots = base / "events.gpkg", base / "region.gpkg", base / "hotspots.gpkg"
    _invoke(["export", "events", "--format", "gpkg", "-o", str(events), "-w", str(ws.path)])
    _invoke(["export", "areas", "--layer", "region", "-o", str(region), "-w", str(ws.path)])
    _invoke(["export", "hotspots", "-o", str(hotspots), "-w", str(ws.path)])
    return {"ws": ws.path, "events": events, "region": region, "hotspots": hotspots, "base": base}


def _inputs(city: dict[str, Path]) -> list[str]:
    return [f"INPUT={city['events']}", *EVENT_FIELDS, f"STUDY_AREA={city['region']}",
            "TIMEZONE=Europe/Paris"]


def test_qgis_process_lists_every_algorithm(qp: QP) -> None:
    r = qp("list")
    assert r.returncode == 0, r.stderr
    listed = {line.split()[0] for line in r.stdout.splitlines() if line.strip().startswith("hotspotwatch:")}
    assert listed == {f"hotspotwatch:{a}" for a in ALGORITHMS}


def test_gistar_gives_the_cli_bins(qp: QP, city: dict[str, Path]) -> None:
    import geopandas as gpd

    out = city["base"] / "qgis-gistar.gpkg"
    res = _run_alg(qp, "gistar", *_inputs(city), "PERMUTATIONS=99", f"OUTPUT={out}")
    ref_dir = city["base"] / "cli-gistar"
    ref = json.loads(_invoke(["detect", "gistar", "-w", str(city["ws"]), "--permutations", "99",
                              "-o", str(ref_dir), "--json"]))
    got = json.loads(res["JSON"])
    assert got["bins"] == ref["bins"]
    assert got["parameters"] == ref["parameters"]
    assert sum(ref["bins"][k] for k in ("1", "2", "3")) > 0  # the city has planted hot spots
    a = gpd.read_file(out).sort_values("cell").reset_index(drop=True)
    b = gpd.read_file(ref_dir / "detect.gpkg", layer="gistar").sort_values("cell").reset_index(drop=True)
    assert len(a) == len(b) == sum(ref["bins"].values())
    assert (a["bin"].to_numpy() == b["bin"].to_numpy()).all()
    np.testing.assert_allclose(a["z"], b["z"], rtol=0, atol=1e-12)
    np.testing.assert_allclose(a["value"], b["value"], rtol=0, atol=1e-12)
    assert a.geometry.geom_equals_exact(b.geometry, tolerance=1e-6).all()
    assert a.crs == b.crs


def test_kde_raster_equals_the_cli_geotiff(qp: QP, city: dict[str, Path]) -> None:
    import rasterio

    out = city["base"] / "qgis-kde.tif"
    _run_alg(qp, "kde", *_inputs(city), f"OUTPUT={out}")
    ref_dir = city["base"] / "cli-kde"
    ref = json.loads(_invoke(["detect", "kde", "-w", str(city["ws"]), "-o", str(ref_dir), "--json"]))
    with rasterio.open(out) as a, rasterio.open(ref_dir / "kde.tif") as b:
        assert a.crs == b.crs and a.crs.to_epsg() == 32631
        assert a.transform == b.transform
        assert a.nodata == b.nodata
        arr, ref_arr = a.read(), b.read()
    assert arr.shape == ref_arr.shape and arr.dtype == ref_arr.dtype
    assert np.array_equal(arr, ref_arr, equal_nan=True)
    assert np.nansum(arr) > 0 and ref["crs"] == "EPSG:32631"
    # QGIS reads it as a raster layer with the same numbers.
    stats = _run_alg_native(qp, "native:rasterlayerstatistics", f"INPUT={out}", "BAND=1")
    valid = arr[0][~np.isnan(arr[0])] if np.isnan(arr).any() else arr[0].ravel()
    if a.nodata is not None and not np.isnan(a.nodata):
        valid = valid[valid != a.nodata]
    assert stats["SUM"] == pytest.approx(float(valid.sum()), rel=1e-9)
    assert stats["MAX"] == pytest.approx(float(valid.max()), rel=1e-12)


def _run_alg_native(qp: QP, alg: str, *params: str) -> dict[str, Any]:
    r = qp("--json", "run", alg, "--", *params)
    assert r.returncode == 0, r.stderr[-2000:]
    return json.loads(r.stdout)["results"]


def test_lisa_and_emerging_give_the_cli_grids(qp: QP, city: dict[str, Path]) -> None:
    import geopandas as gpd

    lisa_out, em_out = city["base"] / "qgis-lisa.gpkg", city["base"] / "qgis-emerging.gpkg"
    lisa = json.loads(_run_alg(qp, "lisa", *_inputs(city), "PERMUTATIONS=99", f"OUTPUT={lisa_out}")["JSON"])
    em = json.loads(_run_alg(qp, "emerging", *_inputs(city), f"OUTPUT={em_out}")["JSON"])
    ref_lisa_dir, ref_em_dir = city["base"] / "cli-lisa", city["base"] / "cli-emerging"
    ref_lisa = json.loads(_invoke(["detect", "lisa", "-w", str(city["ws"]), "--permutations", "99",
                                   "-o", str(ref_lisa_dir), "--json"]))
    ref_em = json.loads(_invoke(["spacetime", "emerging", "-w", str(city["ws"]), "-o", str(ref_em_dir),
                                 "--json"]))
    assert lisa["clusters"] == ref_lisa["clusters"]
    a = gpd.read_file(lisa_out).sort_values("cell").reset_index(drop=True)
    b = gpd.read_file(ref_lisa_dir / "detect.gpkg", layer="lisa").sort_values("cell").reset_index(drop=True)
    assert (a["cluster"].to_numpy() == b["cluster"].to_numpy()).all()
    np.testing.assert_allclose(a["Is"], b["Is"], rtol=0, atol=1e-12)
    assert em["result"]["category_counts"] == ref_em["result"]["category_counts"]
    assert em["result"]["category"] == ref_em["result"]["category"]
    grid = gpd.read_file(em_out).sort_values("cell").reset_index(drop=True)
    assert len(grid) == sum(ref_em["result"]["category_counts"].values())
    ref_grid = gpd.read_file(ref_em_dir / "emerging.geojson").sort_values("cell").reset_index(drop=True)
    assert grid["category"].tolist() == ref_grid["category"].tolist()
    assert sum(v for k, v in ref_em["result"]["category_counts"].items() if k.endswith("_hot")) > 0


def test_evaluate_gives_the_cli_estimates(qp: QP, city: dict[str, Path]) -> None:
    res = _run_alg(qp, "evaluate", *_inputs(city), f"HOTSPOTS={city['hotspots']}",
                   "HOTSPOT_NAME=name", "DESIGNATIONS=designations")
    ref = json.loads(_invoke(["evaluate", "-w", str(city["ws"]), "--json"]))
    got = json.loads(res["JSON"])
    assert [h["name"] for h in got["hotspots"]] == [h["name"] for h in ref["hotspots"]]
    assert len(ref["hotspots"]) == 3
    for g, r in zip(got["hotspots"], ref["hotspots"], strict=True):
        for key in ("irr", "ci_low", "ci_high", "p_value"):
            assert g[key] == pytest.approx(r[key], rel=1e-9), (g["name"], key)
        assert g["verdict"] == r["verdict"]


def test_a_cli_error_is_the_processing_error(qp: QP, city: dict[str, Path]) -> None:
    r = qp("run", "hotspotwatch:gistar", "--", f"INPUT={city['events']}", *EVENT_FIELDS,
           "TIMEZONE=Mars/Olympus", f"OUTPUT={city['base'] / 'never.gpkg'}")
    assert r.returncode != 0
    text = r.stdout + r.stderr
    assert "--timezone: 'Mars/Olympus' is not an IANA time zone" in text
    assert "Traceback" not in text


def test_the_ci_install_step_enabled_the_plugin_in_the_default_profile() -> None:
    """`make install-qgis-plugin` (run by .ci/run before `make test`)."""
    exe = _qgis_process()
    env = {k: v for k, v in os.environ.items() if k != "QGIS_CUSTOM_CONFIG_PATH"}
    env["QT_QPA_PLATFORM"] = "offscreen"
    r = subprocess.run([exe, "list"], capture_output=True, text=True, env=env, timeout=300,
                       stdin=subprocess.DEVNULL)
    if "hotspotwatch:gistar" not in r.stdout:
        msg = "the default QGIS profile has no hotspotwatch plugin: run `make install-qgis-plugin`"
        if IN_CI:
            pytest.fail(msg)
        pytest.skip(msg)


def test_enable_keeps_the_other_settings(tmp_path: Path) -> None:
    installer = _load("hw_install_plugin", PLUGIN / "install_plugin.py")
    ini = tmp_path / "QGIS3.ini"
    ini.write_text("[qgis]\na=1\n\n[PythonPlugins]\nother=true\nhotspotwatch=false\n\n[z]\nb=2\n")
    installer.enable(ini)
    assert ini.read_text() == "[qgis]\na=1\n\n[PythonPlugins]\nother=true\nhotspotwatch=true\n\n[z]\nb=2\n"
    fresh = tmp_path / "new" / "QGIS3.ini"
    installer.enable(fresh)
    assert fresh.read_text() == "[PythonPlugins]\nhotspotwatch=true\n"


def test_the_cli_is_found_and_its_error_line_kept(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    runner = _load("hw_qgis_runner", PLUGIN / "hotspotwatch" / "runner.py")
    fake = tmp_path / "hw"
    fake.write_text("#!/bin/sh\necho 'Usage: hotspotwatch ...' >&2\necho \"error: no such file 'x.gpkg'\" >&2\nexit 2\n")
    fake.chmod(0o755)
    monkeypatch.setenv("HOTSPOTWATCH_CLI", str(fake))
    assert runner.find_cli("/elsewhere") == str(fake)
    with pytest.raises(runner.CliError, match=r"^no such file 'x.gpkg'$"):
        runner.run_cli(runner.find_cli(), ["detect", "gistar"])
    monkeypatch.setenv("HOTSPOTWATCH_CLI", str(tmp_path / "missing"))
    with pytest.raises(runner.CliError, match=r"HOTSPOTWATCH_CLI is .* not an executable"):
        runner.find_cli()
    monkeypatch.delenv("HOTSPOTWATCH_CLI")
    monkeypatch.setenv("PATH", str(tmp_path / "empty"))
    with pytest.raises(runner.CliError, match="not found on PATH"):
        runner.find_cli()
    assert runner.find_cli(str(fake)) == str(fake)
