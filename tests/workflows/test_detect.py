"""Detection workflows on a tiny synthetic workspace: a planted undesignated cluster is found,
the designated hotspot is covered, runs are recorded and layers/figures are written."""

from __future__ import annotations

import datetime as dt

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely

from hotspotwatch import Workspace
from hotspotwatch.workflows import detect as wf


@pytest.fixture(scope="module")
def ws(tmp_path_factory):  # type: ignore[no-untyped-def]
    w = Workspace.create(tmp_path_factory.mktemp("ws") / "w")
    zones = gpd.GeoDataFrame(
        {"code": ["N", "S"], "name": ["Nord", "Sud"]},
        geometry=[shapely.box(0, 0, 2000, 1000), shapely.box(0, 1000, 2000, 2000)], crs=w.config.crs)
    w.add_areas(gpd.GeoDataFrame({"code": ["R"], "name": ["Region"]},
                                 geometry=[shapely.box(0, 0, 2000, 2000)], crs=w.config.crs), "region")
    w.add_areas(zones, "police_zone")
    rng = np.random.default_rng(0)
    n_bg, n_c = 600, 120
    x = np.r_[rng.uniform(0, 2000, n_bg), rng.normal(500, 40, n_c), rng.normal(1500, 40, n_c)]
    y = np.r_[rng.uniform(0, 2000, n_bg), rng.normal(500, 40, n_c), rng.normal(1000, 40, n_c)]
    x, y = np.clip(x, 1, 1999), np.clip(y, 1, 1999)
    days = rng.integers(0, 700, x.size)
    when = pd.Timestamp("2022-06-01", tz="UTC") + pd.to_timedelta(days, unit="D")
    frame = pd.DataFrame({"source_id": [f"e{i}" for i in range(x.size)], "occurred_at": when, "x": x, "y": y,
                          "category": "assault"})
    w.add_events(frame, source="test")
    w.add_hotspot("Place A", shapely.Point(500, 500).buffer(120))
    w.add_designation("Place A", action="designate", start=dt.date(2024, 3, 1), body="RSC")
    return w


def test_gistar_workflow_records_a_run(ws) -> None:  # type: ignore[no-untyped-def]
    run = wf.gistar_grid(ws, cell_size=100, seed=1)  # 9 999 permutations: FDR over 400 cells needs them
    assert run.grid.shape == (20, 20)
    assert run.result.bins[5, 5] >= 2
    stored = ws.find_run("detect.gistar", run.parameters)
    assert stored is not None and stored.short_key == run.run_id
    np.testing.assert_array_equal(stored.result.gistar.bins, run.result.bins)
    np.testing.assert_array_equal(stored.result.grid.mask, run.grid.mask)


def test_coverage_finds_designated_and_unofficial_focal_point(ws) -> None:  # type: ignore[no-untyped-def]
    cov = wf.coverage(ws, cell_size=100)
    row = cov.table.set_index("hotspot").loc["Place A"]
    assert bool(row["statistical_hotspot"])
    assert len(cov.undesignated) >= 1
    best = cov.undesignated.sort_values("harm").iloc[-1]
    assert abs(best["x"] - 1500) < 200 and abs(best["y"] - 1000) < 200


def test_borders_workflow_flags_the_straddling_cluster(ws) -> None:  # type: ignore[no-untyped-def]
    view, _ = wf.borders(ws, distance=150, cell_size=100)
    assert view.location_quotient > 1.5
    assert any(set(s.zones) == {"Nord", "Sud"} for s in view.straddling)


def test_kde_concentration_classify_and_outputs(ws, tmp_path) -> None:  # type: ignore[no-untyped-def]
    k = wf.kde_surface(ws, bandwidth=150, cell_size=25)
    assert k.result.mass == pytest.approx(k.result.total_weight, rel=0.05)
    c = wf.concentration(ws, cell_size=100)
    assert c.harm_lorenz.gini == pytest.approx(c.count_lorenz.gini)  # one category → same weights
    cl = wf.classify(ws, wf.EventFilter(start=dt.date(2022, 6, 1), end=dt.date(2024, 5, 1)), n_periods=5,
                     cell_size=100)
    assert cl.result.n_periods == 5
    gi = wf.gistar_grid(ws, cell_size=100, permutations=0)
    frame = wf.grid_frame(gi, ws.config.crs, {"z": gi.result.z, "bin": gi.result.bins})
    paths = wf.write_layer(frame, tmp_path, "gistar")
    png = wf.write_figure(gi.result.z, gi.grid.extent, tmp_path, "gistar", title="Gi*", diverging=True)
    assert all(p.exists() for p in [*paths, png])
    assert len(gpd.read_file(paths[0])) == gi.grid.n_cells
