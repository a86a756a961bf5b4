"""Space-time workflows on a small workspace with planted near repeats and a new hot spot."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest
import shapely

from hotspotwatch import Workspace
from hotspotwatch.workflows.spacetime import (
    knox_from_dict,
    knox_spec,
    local_days,
    near_repeat_categories,
    run_alert,
    run_emerging,
    run_knox,
    write_alert_outputs,
    write_emerging_outputs,
    write_knox_outputs,
)


@pytest.fixture(scope="module")
def ws(tmp_path_factory):
    rng = np.random.default_rng(5)
    n = 600
    x0, y0 = 150_000.0, 660_000.0
    x = x0 + rng.uniform(0, 4000, n)
    y = y0 + rng.uniform(0, 4000, n)
    day = rng.integers(0, 365, n)
    k = rng.choice(n, 200, replace=False)  # self-exciting: follow-ups within 60 m, 4 days
    x = np.r_[x, x[k] + rng.uniform(-30, 30, 200)]
    y = np.r_[y, y[k] + rng.uniform(-30, 30, 200)]
    day = np.r_[day, day[k] + rng.integers(0, 4, 200)]
    # a place that appears in the last month only
    m = 40
    x = np.r_[x, x0 + 2000 + rng.uniform(-100, 100, m)]
    y = np.r_[y, y0 + 2000 + rng.uniform(-100, 100, m)]
    day = np.r_[day, rng.integers(335, 365, m)]
    when = pd.Timestamp("2024-01-01 12:00", tz="Europe/Brussels") + pd.to_timedelta(day, "D")
    frame = pd.DataFrame({"source_id": [f"e{i}" for i in range(x.size)],
                          "occurred_at": when.tz_convert("UTC"), "x": x, "y": y,
                          "category": "shooting"})
    w = Workspace.create(tmp_path_factory.mktemp("ws") / "st", crs="EPSG:3812")
    # the study area (emerging hot spots need one; Knox and alerts do not)
    w.add_areas(pd.DataFrame({"code": ["R"], "name": ["Region"],
                              "geometry": [shapely.box(x0 - 50, y0 - 50, x0 + 4050, y0 + 4050)]}),
                "region")
    w.add_events(frame, source="test")
    yield w
    w.close()


def test_local_days_use_workspace_time_zone():
    # 23:30 UTC on 31 Dec is already 1 January in Brussels
    s = pd.Series(pd.to_datetime(["2023-12-31 23:30", "2024-01-01 10:00"], utc=True))
    assert local_days(s, "Europe/Brussels").tolist() == [19723.0, 19723.0]
    assert local_days(s, "UTC").tolist() == [19722.0, 19723.0]


def test_run_knox_finds_planted_near_repeats_and_records(ws, tmp_path):
    run = run_knox(ws, categories=["shooting"], permutations=99, seed=7,
                   space_bands=[0, 100, 200, np.inf], time_bands=[0, 7, 14, np.inf])
    res = run["knox"]
    assert res.n_events == 840
    assert res.p_value[0, 0] == pytest.approx(0.01)
    assert res.ratio[0, 0] > 3
    assert run["alert"].radius_m >= 100 and run["alert"].days >= 7
    assert run["summary"][0].startswith("Within 100 m of a shooting, within 7 days")
    stored = ws.find_run("spacetime.knox", run["spec"].parameters)
    assert stored is not None and stored.short_key == run["run_id"]
    assert stored.result.categories == ("shooting",)
    again = knox_from_dict(stored.to_dict()["result"]["knox"])
    np.testing.assert_array_equal(again.observed, res.observed)
    assert np.isinf(again.space_bands[-1])
    files = write_knox_outputs(run, tmp_path)
    assert all(f.exists() and f.stat().st_size > 0 for f in files)


def test_run_alert_reads_the_knox_run_of_its_spec(ws, tmp_path):
    run = run_alert(ws, x=151_000.0, y=661_000.0, when=dt.date(2025, 3, 1))
    assert run["alert"].elevated
    # no category given: the near-repeat categories (every harm category), default bands
    spec = knox_spec(ws, categories=near_repeat_categories(ws))
    stored = ws.find_run("spacetime.knox", spec.parameters)
    assert stored is not None and stored.short_key == run["knox_run"]
    again = run_alert(ws, x=151_000.0, y=661_000.0, when=dt.date(2025, 3, 1))
    assert again["knox_run"] == run["knox_run"]  # reused, not refitted
    assert ws.find_run("spacetime.knox", spec.parameters).created_at == stored.created_at
    until = run["zones"][0][1]
    assert until == dt.date(2025, 3, 1) + dt.timedelta(days=int(run["alert"].zones[0].days))
    (path,) = write_alert_outputs(run, tmp_path, ws.config.crs)
    assert '"until"' in path.read_text()


def test_run_emerging_flags_the_new_place(ws, tmp_path):
    run = run_emerging(ws, categories=["shooting"], cell_size=250, step="month")
    cells = run["cells"]
    assert len(run["steps"]) == 12
    centre = cells.geometry.contains(
        __import__("shapely").Point(152_000.0, 662_000.0))
    assert cells.loc[centre, "category"].iloc[0] in {"new_hot", "consecutive_hot"}
    assert run["result"].category_counts["new_hot"] >= 1
    files = write_emerging_outputs(run, tmp_path)
    assert all(f.exists() for f in files)


def test_run_knox_rejects_empty_selection(ws):
    with pytest.raises(ValueError, match="fewer than 2 events"):
        run_knox(ws, categories=["shooting"], start="2030-01-01", permutations=0)
