"""hotspotwatch.testing.make_city: a small non-Brussels city with a planted structure."""

from __future__ import annotations

import datetime as dt
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import shapely

from hotspotwatch import Workspace
from hotspotwatch.analysis.spacetime import knox
from hotspotwatch.periods import Day
from hotspotwatch.testing import HOTSPOT_RADIUS_M, UNDESIGNATED_SITE, CitySource, make_city


@pytest.fixture(scope="module")
def city(tmp_path_factory: pytest.TempPathFactory) -> Workspace:
    ws = make_city(tmp_path_factory.mktemp("city") / "c")
    yield ws
    ws.close()


def _events_key(ws: Workspace) -> pd.DataFrame:
    ev = ws.events()
    return ev[["source_id", "occurred_at", "x", "y", "category"]].sort_values("source_id") \
        .reset_index(drop=True)


def test_shape_crs_zone_layer_and_config(city: Workspace) -> None:
    assert city.config.crs == "EPSG:32631"
    assert city.config.timezone == "Europe/Paris"
    assert city.config.zone_layer == "neighbourhood"
    assert city.config.zone_name("fr") == "quartier"
    reopened = Workspace.open(city.path)
    assert reopened.config.zone_layer == "neighbourhood"  # written in hotspotwatch.toml
    reopened.close()
    assert sorted(city.area_layers()) == ["neighbourhood", "region"]
    region = city.study_area()
    minx, miny, maxx, maxy = region.bounds
    assert (maxx - minx, maxy - miny) == (4000.0, 4000.0)
    zones = city.areas("neighbourhood")
    assert len(zones) == 4
    assert shapely.union_all(zones.geometry.to_numpy()).area == pytest.approx(region.area)
    assert city.count_events() > 3000
    ev = city.events()
    assert region.buffer(1e-6).contains(shapely.MultiPoint(ev[["x", "y"]].to_numpy()))
    assert set(ev["category"]) == {"burglary", "robbery", "assault", "shooting", "police_check",
                                   "prevention_contact"}
    assert ev["occurred_at"].min() >= pd.Timestamp("2020-12-31 23:00", tz="UTC")
    assert ev["occurred_at"].max() < pd.Timestamp("2023-12-31 23:00", tz="UTC")


def test_hotspots_and_designations(city: Workspace) -> None:
    hs = city.hotspots()
    assert list(hs["name"]) == ["Hotspot 1", "Hotspot 2", "Hotspot 3"]
    assert hs.geometry.area.to_numpy() == pytest.approx(np.pi * HOTSPOT_RADIUS_M**2, rel=0.01)
    periods = city.hotspot_periods()
    starts = [periods[n][0].start for n in hs["name"]]
    # designated at 40, 50 and 60 % of 2021-01-01 .. 2024-01-01 (1095 days)
    assert starts == [dt.date(2021, 1, 1) + dt.timedelta(days=round(f * 1095))
                      for f in (0.4, 0.5, 0.6)]
    assert all(periods[n][0].end is None for n in hs["name"])


def test_deterministic_by_seed(tmp_path: Path) -> None:
    a = make_city(tmp_path / "a", seed=3, scale=0.3)
    b = make_city(tmp_path / "b", seed=3, scale=0.3)
    c = make_city(tmp_path / "c", seed=4, scale=0.3)
    try:
        pd.testing.assert_frame_equal(_events_key(a), _events_key(b))
        assert a.data_fingerprint() == b.data_fingerprint()
        assert len(_events_key(a)) != len(_events_key(c)) or not _events_key(a).equals(
            _events_key(c))
    finally:
        for ws in (a, b, c):
            ws.close()


def test_fast(tmp_path: Path) -> None:
    t0 = time.perf_counter()
    make_city(tmp_path / "fast").close()
    assert time.perf_counter() - t0 < 3.0


def test_month_and_day_precision(tmp_path: Path) -> None:
    month = make_city(tmp_path / "m", precision="month", scale=0.3)
    day = make_city(tmp_path / "d", precision="day", scale=0.3)
    try:
        for ws, prec in ((month, "month"), (day, "day")):
            ev = ws.events()
            assert set(ev["time_precision"]) == {prec}
            local = ev["occurred_at"].dt.tz_convert("Europe/Paris")
            assert (local.dt.hour == 0).all() and (local.dt.minute == 0).all()
            if prec == "month":
                assert (local.dt.day == 1).all()
                assert local.dt.month.nunique() == 12
            else:
                assert local.dt.day.nunique() == 31
    finally:
        month.close()
        day.close()


def test_duplicates_are_exact_rows_with_distinct_source_ids(tmp_path: Path) -> None:
    base = make_city(tmp_path / "a", scale=0.2)
    dup = make_city(tmp_path / "b", scale=0.2, duplicates=5)
    try:
        ev = dup.events()
        assert len(ev) == len(base.events()) + 5
        assert ev["source_id"].is_unique
        same = ev.duplicated(["source", "occurred_at", "x", "y", "category"], keep=False)
        extra = ev[ev["source_id"].str.startswith("dup")]
        assert len(extra) == 5 and same[extra.index].all()
    finally:
        base.close()
        dup.close()


def test_other_crs_zone_layer_and_categories(tmp_path: Path) -> None:
    ws = make_city(tmp_path / "w", crs="EPSG:32618", timezone="America/New_York",
                   centre=(-74.0, 40.7), zone_layer="ward", n_zones=5,
                   categories=("theft", "burglary", "arrest"), n_hotspots=2,
                   config={"report": {"near_repeat_categories": ["burglary"]}})
    try:
        assert ws.config.crs == "EPSG:32618" and ws.config.zone_layer == "ward"
        assert ws.config.zone_name("en") is None  # neutral wording
        assert ws.config.report.near_repeat_categories == ("burglary",)
        assert len(ws.areas("ward")) == 5
        ev = ws.events()
        assert set(ev["category"]) == {"theft", "burglary", "arrest"}
        assert ev["lon"].mean() == pytest.approx(-74.0, abs=0.05)
        assert len(ws.hotspots()) == 2
    finally:
        ws.close()


def test_bad_arguments(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="precision"):
        make_city(tmp_path / "a", precision="minute")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="unicorn"):
        make_city(tmp_path / "b", categories=("unicorn",))


def test_sources_with_their_precision_duplicates_gaps_and_own_categories(tmp_path: Path) -> None:
    gap = (dt.date(2022, 9, 1), dt.date(2022, 11, 1))
    ws = make_city(
        tmp_path / "s", crs="EPSG:32630", timezone="Europe/London", centre=(-2.24, 53.48),
        scale=0.3, config={"categories": {"stop_and_search": {"role": "enforcement"}}},
        sources=[CitySource("police-uk", ("robbery", "vehicle_theft"), precision="month",
                            gaps=[gap]),
                 CitySource("log", ("burglary", "assault", "stop_and_search"), precision="hour",
                            duplicates=7)])
    try:
        ev = ws.events()
        by = ev.groupby("source")
        assert dict(by["time_precision"].agg(lambda s: set(s))) == {
            "police-uk": {"month"}, "log": {"hour"}}
        assert dict(by["category"].agg(lambda s: set(s))) == {
            "police-uk": {"robbery", "vehicle_theft"},
            "log": {"burglary", "assault", "stop_and_search"}}
        local = ev["occurred_at"].dt.tz_convert("Europe/London")
        hour = ev["source"] == "log"
        assert (local[hour].dt.minute == 0).all() and local[hour].dt.hour.nunique() == 24
        month = ev["source"] == "police-uk"
        assert (local[month].dt.day == 1).all() and (local[month].dt.hour == 0).all()
        months = set(local[month].dt.strftime("%Y-%m"))
        assert {"2022-08", "2022-11"} <= months and not {"2022-09", "2022-10"} & months
        assert {"2022-09", "2022-10"} <= set(local[hour].dt.strftime("%Y-%m"))
        same = ev.duplicated(["source", "occurred_at", "x", "y", "category"], keep=False)
        assert ev.loc[same, "source"].eq("log").all()
        assert (ev["source_id"].str.startswith("dup") & hour).sum() == 7
    finally:
        ws.close()
    with pytest.raises(ValueError, match="one source"):
        make_city(tmp_path / "x", sources=[CitySource("a", ("robbery",)),
                                           CitySource("b", ("robbery",))])
    with pytest.raises(ValueError, match="per CitySource"):
        make_city(tmp_path / "y", precision="day", sources=[CitySource("a", ("robbery",))])


def _knox(ws: Workspace, category: str):  # type: ignore[no-untyped-def]
    ev = ws.events(categories=[category])
    days = Day(ws.config.timezone).codes(ev["occurred_at"]).astype(float)
    return knox(ev["x"].to_numpy(), ev["y"].to_numpy(), days, [0, 100, 200, np.inf],
                [0, 8, 15, np.inf], permutations=99, seed=0)


def test_planted_burglary_near_repeats(city: Workspace) -> None:
    burglary = _knox(city, "burglary")
    assert burglary.ratio[0, 0] > 3 and burglary.p_value[0, 0] == pytest.approx(0.01)
    shooting = _knox(city, "shooting")
    assert shooting.observed[0, 0] <= 3  # no near-repeat structure: a handful of pairs at most


def test_more_harm_in_hotspots_before_designation(city: Workspace) -> None:
    hs = city.hotspots()
    periods = city.hotspot_periods()
    ev = city.events(roles="harm")
    day = Day(city.config.timezone).codes(ev["occurred_at"])
    pts = shapely.points(ev["x"].to_numpy(), ev["y"].to_numpy())
    first, last = Day("UTC").code_of(dt.date(2021, 1, 1)), Day("UTC").code_of(dt.date(2024, 1, 1))
    for name, geom in zip(hs["name"], hs.geometry, strict=True):
        cut = Day("UTC").code_of(periods[name][0].start)
        inside = shapely.contains(geom, pts)
        w = ev["harm_weight"].to_numpy()
        pre = w[inside & (day < cut)].sum() / (cut - first)
        post = w[inside & (day >= cut)].sum() / (last - cut)
        assert pre > 1.3 * post, name
        police = city.events(categories=["police_check"])
        pin = shapely.contains(geom, shapely.points(police["x"].to_numpy(), police["y"].to_numpy()))
        pday = Day(city.config.timezone).codes(police["occurred_at"])
        assert (pin & (pday >= cut)).sum() / (last - cut) > 5 * (pin & (pday < cut)).sum() / (
            cut - first)


def test_undesignated_assault_cluster(city: Workspace) -> None:
    x0, y0, _, _ = city.study_area().bounds
    cx, cy = x0 + UNDESIGNATED_SITE[0] * 4000, y0 + UNDESIGNATED_SITE[1] * 4000
    ev = city.events(categories=["assault"])
    near = np.hypot(ev["x"] - cx, ev["y"] - cy) < 150
    density = near.sum() / (np.pi * 150**2)
    background = len(ev) / 4000**2
    assert density > 10 * background
    assert not any(g.distance(shapely.Point(cx, cy)) < 300 for g in city.hotspots().geometry)


@pytest.mark.postgres
def test_postgres_backend(tmp_path: Path, pg_url: str) -> None:
    ws = make_city(tmp_path / "pg", scale=0.1, database_url=pg_url)
    try:
        assert ws.engine.url.get_backend_name() == "postgresql"
        assert ws.count_events() > 100 and ws.config.zone_layer == "neighbourhood"
    finally:
        ws.close()
