"""The hotspot and strategy pages' API (issue 17): the chart, the map layers, the strategy table
and their exports read the renewal report's run, keep role access and are audited."""

from __future__ import annotations

import csv
import io
import math
from pathlib import Path

import numpy as np
import pytest
import shapely
from pyproj import Transformer

from hotspotwatch.workflows import audit as audit_wf

from .conftest import HOTSPOTS, WebEnv, report_evaluation

TO_LAMBERT = Transformer.from_crs("EPSG:4326", "EPSG:3812", always_xy=True)


def _lambert(geom: dict) -> shapely.Geometry:
    g = shapely.geometry.shape(geom)
    return shapely.transform(g, lambda xy: np.column_stack(TO_LAMBERT.transform(xy[:, 0], xy[:, 1])))


def _json_values(arr: object) -> list[float | None]:
    return [None if not math.isfinite(v) else float(v) for v in np.asarray(arr, dtype=float)]


def _same(shown: float | None, stored: float) -> bool:
    """A JSON number is the stored float; a non-finite one (an unbounded interval) is null."""
    return shown is None if not math.isfinite(stored) else shown == pytest.approx(stored, rel=1e-12)


def _num(cell: str) -> float | None:
    return float(cell) if cell else None


def _csv(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text)))


def test_strategy_table_and_its_csv_are_the_report_s_run(web: WebEnv) -> None:
    run = report_evaluation(web.ws)  # the renewal report's run for the same review day
    r = web.client.get("/api/v1/strategy/table?lang=fr", headers=web.auth("regional_analyst"))
    assert r.status_code == 200
    body = r.json()
    assert body["run"]["run"] == run.short_key
    assert body["parameters"]["until"] == run.parameters["until"]
    assert body["parameters"]["fdr"] == run.parameters["fdr"]
    by_name = {row["name"]: row for row in body["rows"]}
    assert set(by_name) == set(HOTSPOTS)
    for h in run.result.hotspots:
        row = by_name[h.name]
        assert row["hotspot_id"] == web.ids[h.name]
        assert _same(row["irr"], h.did.irr)
        assert _same(row["ci_low_adjusted"], h.verdict.ci_low_adjusted)
        assert _same(row["ci_high_adjusted"], h.verdict.ci_high_adjusted)
        # the adjusted interval is wider than the 95 % one: it is adjusted for two places
        assert h.verdict.ci_low_adjusted <= h.did.ci_low and h.verdict.ci_high_adjusted >= h.did.ci_high
        assert row["adjusted_level"] == pytest.approx(100 * (1 - h.verdict.adjusted_alpha), abs=0.05)
        assert _same(row["p_adjusted"], h.p_adjusted)
        assert row["p_adjusted"] >= row["p_value"]  # an FDR-adjusted p is never smaller
        assert _same(row["min_detectable_ratio"], h.min_detectable_ratio)
        assert row["buffer_verdict"] == h.buffer_verdict.label
        assert _same(row["buffer_p_adjusted"], h.buffer_p_adjusted)
        assert row["verdict"] == h.verdict.label
    # Benjamini-Hochberg on two p-values, by hand: p_(2) stays, p_(1) becomes min(2 p_(1), p_(2))
    ps = sorted(h.did.p_value for h in run.result.hotspots)
    adjusted = sorted(row["p_adjusted"] for row in body["rows"])
    assert adjusted == pytest.approx([min(2 * ps[0], ps[1]), ps[1]], rel=1e-9)

    c = web.client.get("/api/v1/export/strategy.csv", headers=web.auth("regional_analyst"))
    assert c.status_code == 200 and c.headers["content-type"].startswith("text/csv")
    assert f"strategy-{run.short_key}.csv" in c.headers["content-disposition"]
    rows = _csv(c.text)
    assert [x["name"] for x in rows] == [h.name for h in run.result.hotspots]
    for x, h in zip(rows, run.result.hotspots, strict=True):
        # full precision (repr), not rounded for display; a non-finite number (no harm
        # before designation: an unbounded ratio) is an empty cell, never "inf"
        for col, stored in [
            ("irr", h.did.irr),
            ("p_adjusted", h.p_adjusted),
            ("ci_low_adjusted", h.verdict.ci_low_adjusted),
            ("ci_high_adjusted", h.verdict.ci_high_adjusted),
        ]:
            assert _num(x[col]) == (stored if math.isfinite(stored) else None), col
        assert x["buffer_verdict"] == h.buffer_verdict.label
        assert x["run"] == run.short_key and x["until"] == run.parameters["until"]
    entry = audit_wf.entries(web.ws, action="export.csv")[-1]
    assert entry["username"] == "rita" and entry["rows"] == 2
    assert entry["detail"] == {"view": "strategy", "run": run.short_key}


def test_hotspot_chart_series_and_csv_are_the_evaluation_s_own(web: WebEnv) -> None:
    run = report_evaluation(web.ws)
    h = run.result.hotspot("Gare du Midi", "harm")
    hid = web.ids["Gare du Midi"]
    body = web.client.get(f"/api/v1/hotspots/{hid}/chart", headers=web.auth("partner")).json()
    assert body["run"]["run"] == run.short_key
    c = body["chart"]
    s = h.series
    from hotspotwatch.report.figures.charts import per_month  # the report's own drawing rule

    exposure = np.asarray(s.exposure, dtype=float)
    assert c["months"] == [m.isoformat() for m in s.months]
    assert c["designated"] == h.designated.isoformat() == "2024-03-01"
    # drawn per month of exposure, as the report's trend chart (a partial month per whole month)
    assert c["treated"] == _json_values(per_month(s.treated, exposure))
    assert c["buffer"] == _json_values(per_month(h.rings[0].counts, exposure))
    assert c["buffer_ring"] == [0.0, 250.0]
    assert c["treated"] != _json_values(s.treated)  # months of 28 to 31 days: not the counts
    # the comparison areas on the place's level before designation: same pre-period total
    pre = np.asarray(s.codes) < 0
    control = np.array([np.nan if v is None else v for v in c["control"]]) * exposure
    treated = np.asarray(s.treated, dtype=float)
    assert np.nansum(control[pre]) == pytest.approx(np.nansum(treated[pre]), rel=1e-9)
    assert np.nansum(control[pre]) == pytest.approx(h.treated_pre, rel=1e-9)
    ratio = control / np.asarray(s.control, dtype=float)
    assert np.nanmax(ratio) == pytest.approx(np.nanmin(ratio), rel=1e-9)  # one scale factor
    # dose: the events of each role inside the perimeter, summed over categories
    ds = h.dose_series
    counts = np.asarray(ds.counts, dtype=float).reshape(len(ds.categories), -1)
    enf = counts[[r == "enforcement" for r in ds.roles]]
    drawn = np.array([np.nan if v is None else v for v in c["dose"]["enforcement"]]) * exposure
    assert np.nansum(drawn) == pytest.approx(np.nansum(enf), rel=1e-9) and np.nansum(enf) > 0
    # the page's numbers are a stored run's: a second call parses nothing new
    assert web.client.get(f"/api/v1/hotspots/{hid}/chart", headers=web.auth("partner")).json() == body

    r = web.client.get(f"/api/v1/export/hotspots/{hid}/series.csv", headers=web.auth("partner"))
    assert r.status_code == 200 and "gare-du-midi-series.csv" in r.headers["content-disposition"]
    rows = _csv(r.text)
    assert len(rows) == len(s.months)
    assert [x["month_start"] for x in rows] == c["months"]
    # the CSV holds the counts themselves, with the days and exposure of each month
    assert [_num(x["treated"]) for x in rows] == _json_values(s.treated)
    assert [_num(x["buffer_0_250m"]) for x in rows] == _json_values(h.rings[0].counts)
    assert [float(x["exposure"]) for x in rows] == list(exposure)
    assert {x["run"] for x in rows} == {run.short_key}
    entry = audit_wf.entries(web.ws, action="export.csv")[-1]
    assert entry["username"] == "paula" and entry["rows"] == len(rows)
    assert entry["detail"]["view"] == "hotspot-series" and entry["detail"]["hotspot_id"] == hid


def test_hotspot_layers_are_the_perimeter_its_rings_and_its_neighbours(
    web: WebEnv, monkeypatch: pytest.MonkeyPatch
) -> None:
    from hotspotwatch.workflows.web import pages as pages_wf

    # the two test places are 4.3 km apart: widen the neighbourhood so that each sees the other
    monkeypatch.setattr(pages_wf, "NEIGHBOUR_M", 5000.0)
    hid = web.ids["Gare du Midi"]
    fc = web.client.get(f"/api/v1/hotspots/{hid}/layers", headers=web.auth("zone_analyst")).json()
    kinds = [f["properties"]["kind"] for f in fc["features"]]
    assert kinds[:3] == ["perimeter", "buffer_ring", "neighbour"]
    assert all(f["properties"]["name"] for f in fc["features"])
    perimeter = _lambert(fc["features"][0]["geometry"])
    box = HOTSPOTS["Gare du Midi"][0]
    # coordinates rounded to 1e-6 degrees (~0.1 m) along a 1.6 km outline
    assert perimeter.symmetric_difference(box).area < 0.2 * box.length
    ring = _lambert(fc["features"][1]["geometry"])
    expected = box.buffer(250).difference(box)
    assert ring.symmetric_difference(expected).area / expected.area < 1e-3
    neighbour = fc["features"][2]
    assert neighbour["properties"]["name"] == "Porte de Hal"
    assert neighbour["properties"]["hotspot_id"] == web.ids["Porte de Hal"]
    run = report_evaluation(web.ws)
    h = run.result.hotspot("Gare du Midi", "harm")
    assert kinds.count("control_cell") == len(h.control_boxes) > 0

    r = web.client.get(f"/api/v1/export/hotspots/{hid}/layers.geojson", headers=web.auth("zone_analyst"))
    assert r.status_code == 200 and r.headers["content-type"].startswith("application/geo+json")
    assert r.json()["features"] == fc["features"]
    entry = audit_wf.entries(web.ws, action="export.geojson")[-1]
    assert entry["username"] == "zeno" and entry["rows"] == len(kinds)


def test_exports_need_a_login_and_every_one_is_audited(web: WebEnv) -> None:
    hid = web.ids["Porte de Hal"]
    urls = [
        "/api/v1/strategy/table",
        f"/api/v1/hotspots/{hid}/chart",
        f"/api/v1/hotspots/{hid}/layers",
        "/api/v1/export/strategy.csv",
        f"/api/v1/export/hotspots/{hid}/series.csv",
        f"/api/v1/export/hotspots/{hid}/layers.geojson",
    ]
    for url in urls:
        assert web.client.get(url).status_code == 401, url
    assert web.client.post("/api/v1/export/png", json={"view": "hotspot-trend"}).status_code == 401
    assert audit_wf.entries(web.ws) == []  # nothing leaves, nothing to audit
    assert web.client.get("/api/v1/hotspots/999/chart", headers=web.auth("admin")).status_code == 404
    assert web.client.get(
        "/api/v1/export/hotspots/999/series.csv", headers=web.auth("admin")
    ).status_code == 404
    r = web.client.post(
        "/api/v1/export/png",
        headers=web.auth("partner"),
        json={"view": "hotspot-map", "hotspot_id": hid, "run": "c63c44d286f7"},
    )
    assert r.status_code == 204
    bad = web.client.post("/api/v1/export/png", headers=web.auth("partner"), json={"view": "x"})
    assert bad.status_code == 422
    entries = audit_wf.entries(web.ws, action="export.png")
    assert [(e["username"], e["detail"]) for e in entries] == [
        ("paula", {"view": "hotspot-map", "hotspot_id": hid, "run": "c63c44d286f7"})
    ]


def test_the_pages_routes_work_on_another_city(tmp_path: Path) -> None:
    """A non-Brussels workspace (UTM 30N, Europe/London, made by ``make_city``): chart, map
    layers, strategy table and exports answer from its own evaluation, in its own CRS."""
    from fastapi.testclient import TestClient

    from hotspotwatch.testing import make_city
    from hotspotwatch.web import create_app
    from hotspotwatch.workflows import users as users_wf

    ws = make_city(tmp_path / "city", crs="EPSG:32630", timezone="Europe/London",
                   centre=(-1.55, 53.80), n_hotspots=3, seed=3, scale=0.5)
    try:
        users_wf.add_user(ws, "ana", "correct horse battery", role="regional_analyst")
        user = users_wf.get_user(ws, "ana")
        assert user is not None
        auth = {"Authorization": f"Bearer {users_wf.issue_token(ws, user, kind='api').token}"}
        with TestClient(create_app(ws), base_url="http://testserver") as client:
            table = client.get("/api/v1/strategy/table", headers=auth).json()
            evaluation = client.get("/api/v1/results/evaluation", headers=auth).json()
            assert table["run"]["run"] == evaluation["run"]  # the same stored run
            names = [h["name"] for h in evaluation["result"]["hotspots"]]
            assert [r["name"] for r in table["rows"]] == names and len(names) == 3
            for row in table["rows"]:
                hid = row["hotspot_id"]
                chart = client.get(f"/api/v1/hotspots/{hid}/chart", headers=auth).json()
                assert chart["run"]["run"] == table["run"]["run"]
                assert len(chart["chart"]["treated"]) == len(chart["chart"]["months"]) > 12
                layers = client.get(f"/api/v1/hotspots/{hid}/layers", headers=auth).json()
                perimeter = layers["features"][0]
                assert perimeter["properties"]["name"] == row["name"]
                lon, lat = np.asarray(perimeter["geometry"]["coordinates"][0]).mean(axis=0)
                assert abs(lon + 1.55) < 0.1 and abs(lat - 53.80) < 0.1  # WGS84, near Leeds
                r = client.get(f"/api/v1/export/hotspots/{hid}/series.csv", headers=auth)
                assert r.status_code == 200 and len(_csv(r.text)) == len(chart["chart"]["months"])
            assert client.get("/api/v1/export/strategy.csv", headers=auth).status_code == 200
    finally:
        ws.close()


def test_a_place_outside_the_evaluation_gets_no_chart_and_configured_rings(web: WebEnv) -> None:
    """Designated after the review day: not in the evaluation. The chart says so (``chart``
    null, the run still named) and the map draws the configured ring widths around it."""
    import datetime as dt

    box = shapely.box(651000, 666000, 651300, 666300)
    hid = web.ws.add_hotspot("Late place", box, zone="5339", commune="Bruxelles")
    web.ws.add_designation("Late place", action="designate", start=dt.date(2025, 6, 1),
                           end=dt.date(2025, 12, 31), body="Council", decision_ref="X-1")
    run = report_evaluation(web.ws)
    assert run.result.hotspot("Late place", "harm") is None
    body = web.client.get(f"/api/v1/hotspots/{hid}/chart", headers=web.auth("admin")).json()
    assert body["chart"] is None and body["run"]["run"] == run.short_key
    fc = web.client.get(f"/api/v1/hotspots/{hid}/layers", headers=web.auth("admin")).json()
    rings = [f for f in fc["features"] if f["properties"]["kind"] == "buffer_ring"]
    widths = web.ws.config.evaluation.get("buffer_widths", [250])
    assert [(r["properties"]["inner_m"], r["properties"]["outer_m"]) for r in rings] == [
        (0.0, float(widths[0]))
    ]
    ring = _lambert(rings[0]["geometry"])
    expected = box.buffer(float(widths[0])).difference(box)
    assert ring.symmetric_difference(expected).area / expected.area < 1e-3
    assert not any(f["properties"]["kind"] == "control_cell" for f in fc["features"])
    r = web.client.get(f"/api/v1/export/hotspots/{hid}/series.csv", headers=web.auth("admin"))
    assert r.status_code == 404 and "not in the dashboard's evaluation" in r.json()["detail"]


def test_place_lists_of_the_dashboard_follow_the_collation_rule(
    web: WebEnv, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The map's list of places (``/hotspots``) and the strategy page's table and forest
    plot are alphabetical by :mod:`hotspotwatch.domain.collation` (accent-blind): "Étangs
    Noirs" under E, not after Z as plain sorting puts it."""
    import dataclasses

    from hotspotwatch.domain.collation import alphabetical
    from hotspotwatch.workflows.web import pages as pages_wf

    web.ws.add_hotspot("Étangs Noirs", shapely.box(652000, 671000, 652300, 671300),
                       zone="5339", commune="Molenbeek-Saint-Jean")
    web.ws.add_hotspot("Yser", shapely.box(652600, 671600, 652900, 671900),
                       zone="5339", commune="Bruxelles")
    hs = web.client.get("/api/v1/hotspots", headers=web.auth("regional_analyst")).json()
    names = [f["properties"]["name"] for f in hs["features"]]
    assert names == ["Étangs Noirs", "Gare du Midi", "Porte de Hal", "Yser"]

    # the strategy table with the evaluation's places renamed and in plain (binary) order
    run = report_evaluation(web.ws)
    renamed = tuple(
        dataclasses.replace(h, name=n)
        for h, n in zip(run.result.hotspots, ("Yser", "Étangs Noirs"), strict=True)
    )
    assert sorted(h.name for h in renamed) == ["Yser", "Étangs Noirs"]
    fake = dataclasses.replace(run, result=dataclasses.replace(run.result, hotspots=renamed))
    monkeypatch.setattr(pages_wf, "evaluation_run", lambda ws, **kw: fake)
    rows = pages_wf.strategy_table(web.ws, lang="fr")["rows"]
    assert [r["name"] for r in rows] == alphabetical(["Yser", "Étangs Noirs"]) == [
        "Étangs Noirs", "Yser"]
