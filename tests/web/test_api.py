"""Data routes: zone restriction of events (any filter, any paging), disclosure control, results."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import numpy as np
import pytest
import shapely
from pyproj import Transformer

from .conftest import HOTSPOTS, ZONES, WebEnv, last_data_day, report_evaluation

TO_LAMBERT = Transformer.from_crs("EPSG:4326", "EPSG:3812", always_xy=True)


def _xy(features: list[dict]) -> tuple[np.ndarray, np.ndarray]:
    lonlat = np.array([f["geometry"]["coordinates"] for f in features]).reshape(-1, 2)
    x, y = TO_LAMBERT.transform(lonlat[:, 0], lonlat[:, 1])
    return np.asarray(x), np.asarray(y)


def _expected_ids(web: WebEnv, zone: str | None = None, role: str | None = None) -> set[int]:
    ev = web.ws.events(roles=role) if role else web.ws.events()
    keep = np.ones(len(ev), bool)
    if zone:
        keep = shapely.contains_xy(ZONES[zone], ev["x"].to_numpy(), ev["y"].to_numpy())
    return set(ev["event_id"][keep].astype(int))


@pytest.mark.parametrize(
    "query",
    [
        "",
        "?role=harm",
        "?category=shooting&category=assault",
        "?start=2024-01-01&end=2024-07-01",
        "?bbox=4.0,50.0,5.0,51.5",
        "?role=enforcement&start=2023-06-01",
    ],
)
def test_zone_analyst_pages_never_leave_their_zone(web: WebEnv, query: str) -> None:
    """Paging through every page with any filter yields exactly the in-zone events."""
    sep = "&" if query else "?"
    seen: list[int] = []
    offset = 0
    while True:
        r = web.client.get(
            f"/api/v1/events{query}{sep}limit=37&offset={offset}", headers=web.auth("zone_analyst")
        )
        assert r.status_code == 200
        body = r.json()
        x, y = _xy(body["features"])
        # 1 m tolerance: coordinates are rounded to 1e-6 degrees in GeoJSON
        assert shapely.contains_xy(ZONES["5341"].buffer(1.0), x, y).all()
        seen += [f["id"] for f in body["features"]]
        if body["next_offset"] is None:
            break
        offset = body["next_offset"]
    assert len(seen) == len(set(seen)) == body["total"]
    regional = web.client.get(
        f"/api/v1/events{query}{sep}limit=10000", headers=web.auth("regional_analyst")
    ).json()
    in_zone = {f["id"] for f in regional["features"]} & _expected_ids(web, "5341")
    assert set(seen) == in_zone
    assert regional["total"] > body["total"] or body["total"] == 0


def test_zone_analyst_bbox_outside_zone_gets_nothing(web: WebEnv) -> None:
    r = web.client.get("/api/v1/events?bbox=4.4,50.80,4.5,50.9", headers=web.auth("zone_analyst"))
    # the box lies east of zone 5341 (x > 649000)
    west = TO_LAMBERT.transform(4.4, 50.85)[0]
    assert west > 649000
    assert r.json()["total"] == 0 and r.json()["features"] == []


def test_regional_analyst_gets_every_event_once(web: WebEnv) -> None:
    body = web.client.get("/api/v1/events?limit=10000", headers=web.auth("regional_analyst")).json()
    assert {f["id"] for f in body["features"]} == _expected_ids(web)
    assert body["total"] == 400
    assert all(
        f["properties"]["occurred_at"].endswith(("+01:00", "+02:00")) for f in body["features"]
    )


@pytest.mark.parametrize(
    "query", ["?bbox=1,2,3", "?bbox=5,50,4,51", "?start=notadate", "?category=unicorn"]
)
def test_bad_event_filters_are_422_with_message(web: WebEnv, query: str) -> None:
    r = web.client.get(f"/api/v1/events{query}", headers=web.auth("regional_analyst"))
    assert r.status_code == 422
    assert r.json()["detail"]


def test_public_grid_hides_counts_below_k(web: WebEnv) -> None:
    k = web.ws.config.disclosure_k
    fc = web.client.get("/api/v1/public/grid?year=2024").json()
    counts = [f["properties"]["count"] for f in fc["features"]]
    assert fc["k"] == k and fc["cell_size"] == 500.0
    shown = [c for c in counts if c is not None]
    assert shown and min(shown) >= k
    assert any(c is None for c in counts)
    # independent count: harm events of 2024 per 500 m cell
    ev = web.ws.events(roles="harm", start="2024-01-01", end="2025-01-01")
    cells = {}
    for x, y in zip(ev["x"], ev["y"], strict=True):
        key = (int(x // 500), int(y // 500))
        cells[key] = cells.get(key, 0) + 1
    truth = sorted(v for v in cells.values() if v >= k)
    assert sorted(shown) == truth
    assert all(f["geometry"]["type"] == "Polygon" for f in fc["features"])


def test_public_responses_never_carry_points_or_small_counts(web: WebEnv) -> None:
    k = web.ws.config.disclosure_k
    monthly = web.client.get("/api/v1/public/monthly").json()
    assert all(c is None or c >= k for c in monthly["counts"])
    assert len(monthly["months"]) == 24
    hs = web.client.get("/api/v1/public/hotspots").json()
    # no league table (issue 17): no count per place at all, only the change index
    for f in hs["features"]:
        assert "harm_total" not in f["properties"]
        assert set(f["properties"]) >= {"index_after", "sentence", "verdict"}
    assert [f["properties"]["name"] for f in hs["features"]] == sorted(HOTSPOTS)
    for path in ("/api/v1/public/grid", "/api/v1/public/hotspots", "/api/v1/public/monthly"):
        assert '"Point"' not in web.client.get(path).text


def test_hotspot_detail_has_evaluation_decisions_and_monthly_series(web: WebEnv) -> None:
    hid = web.ids["Gare du Midi"]
    d = web.client.get(f"/api/v1/hotspots/{hid}", headers=web.auth("partner")).json()
    assert d["properties"]["name"] == "Gare du Midi"
    assert d["properties"]["designations"][0]["decision_ref"] == "CRS-2024-03"
    assert d["can_log_actions"] is True
    m = web.client.get(f"/api/v1/hotspots/{hid}/monthly", headers=web.auth("partner")).json()
    ev = web.ws.events()
    inside = shapely.contains_xy(
        HOTSPOTS["Gare du Midi"][0], ev["x"].to_numpy(), ev["y"].to_numpy()
    )
    assert sum(m["harm"]) + sum(m["enforcement"]) + sum(m["prevention"]) == int(inside.sum())
    assert sum(m["harm"]) == int((inside & (ev["role"] == "harm").to_numpy()).sum())
    assert m["periods"] == [["2024-03-01", "2024-09-01"]]


def test_hotspot_shows_the_report_s_evaluation_run_and_its_numbers(web: WebEnv) -> None:
    """IRR, ADJUSTED p, WDQ, WDD and dose are the renewal report's evaluation's own."""
    hid = web.ids["Gare du Midi"]
    d = web.client.get(f"/api/v1/hotspots/{hid}?lang=fr", headers=web.auth("partner")).json()
    run = report_evaluation(web.ws)  # the report's spec: reuses the run the page stored
    assert d["evaluation_run"]["key"] == run.key and d["evaluation_run"]["run"] == run.key[:12]
    assert d["evaluation_run"]["parameters"] == run.parameters
    assert d["evaluation_run"]["parameters"]["until"] == last_data_day(web.ws).isoformat()
    h = run.result.hotspot("Gare du Midi")
    s = d["evaluation"]["summary"]
    assert s["irr"] == pytest.approx(h.did.irr) and s["ci_high"] == pytest.approx(h.did.ci_high)
    assert s["p_adjusted"] == pytest.approx(h.p_adjusted)
    assert s["p_adjusted"] > s["p_value"] > 0  # BH over two hotspots raises the smaller p
    assert s["wdq"] == pytest.approx(h.wdq.wdq) and np.isfinite(s["wdq"])
    assert s["wdd"] == pytest.approx(h.wdd.estimate)
    assert s["wdd_ci_low"] == pytest.approx(h.wdd.ci_low)
    assert s["wdd_local"] == pytest.approx(h.wdd.local) and np.isfinite(s["wdd_local"])
    assert s["wdd_local_ci_low"] == pytest.approx(h.wdd.local_ci_low)
    assert s["wdd_local_ci_high"] == pytest.approx(h.wdd.local_ci_high)
    assert s["wdd_local_ci_low"] < s["wdd_local"] < s["wdd_local_ci_high"]
    assert s["verdict"] == h.verdict.label == "reduction"
    assert s["verdict_text"].startswith("Gare du Midi") and "baisse" in s["verdict_text"]
    from hotspotwatch.domain.taxonomy import outcome_label
    from hotspotwatch.i18n.verdicts import verdict_text

    assert s["buffer_verdict"] == h.buffer_verdict.label
    assert s["buffer_verdict_text"] == verdict_text(
        h.buffer_verdict, "fr", name="Gare du Midi", outcome=outcome_label(h.outcome, "fr")
    ) and s["buffer_verdict_text"].startswith("Gare du Midi, alentours")
    # dose: counted here from the events (before: the baseline the evaluation used, up to the
    # 6-month selection window, [2023-01-01, 2023-09-01) as the data start in January 2023;
    # after: [2024-03-01, 2024-09-01), the designation), against the evaluation's table
    assert (h.pre_start, h.pre_end) == (dt.date(2023, 1, 1), dt.date(2023, 8, 31))
    assert (s["pre_start"], s["pre_end"], s["selection_window_months"]) == (
        "2023-01-01", "2023-08-31", 6)
    assert s["ci_low_adjusted"] == pytest.approx(h.verdict.ci_low_adjusted)
    assert s["verdict"] == "reduction" and s["ci_high_adjusted"] < 1
    ev = web.ws.events(roles=["enforcement", "prevention"])
    local = ev["occurred_at"].dt.tz_convert("Europe/Brussels").dt.tz_localize(None)
    inside = shapely.contains_xy(HOTSPOTS["Gare du Midi"][0], ev["x"], ev["y"])
    before = inside & (local >= "2023-01-01") & (local < "2023-09-01")
    after = inside & (local >= "2024-03-01") & (local < "2024-09-01")
    table = {r["category"]: (r["before"], r["after"]) for r in s["dose"]}
    for cat in ("police_check", "prevention_contact"):
        is_cat = (ev["category"] == cat).to_numpy()
        assert table[cat] == (float((before & is_cat).sum()), float((after & is_cat).sum()))
    assert s["dose_totals"]["prevention"]["after"] == table["prevention_contact"][1] > 0


def test_results_name_their_run_and_reuse_it(web: WebEnv) -> None:
    from hotspotwatch.workflows.views import renewal_specs

    r = web.client.get("/api/v1/results/evaluation", headers=web.auth("regional_analyst"))
    assert r.status_code == 200
    body = r.json()
    spec = renewal_specs(web.ws, until=last_data_day(web.ws)).evaluation
    assert body["kind"] == "evaluate" and body["parameters"] == spec.parameters
    stored = web.ws.find_run(spec.kind, spec.parameters)
    assert stored is not None and body["key"] == stored.key and body["id"] == stored.key[:12]
    assert {h["name"] for h in body["result"]["hotspots"]} == set(HOTSPOTS)
    assert all("verdict_text" not in h for h in body["result"]["hotspots"])  # labels only
    assert set(body["verdict_text"]) == set(HOTSPOTS)
    again = web.client.get("/api/v1/results/evaluation", headers=web.auth("regional_analyst"))
    assert again.json()["key"] == body["key"]
    assert len(web.ws.run_infos("evaluate")) == 1  # computed once, then reused


def test_a_run_stored_with_other_parameters_is_not_shown(web: WebEnv) -> None:
    """An evaluation up to an earlier day (CLI `evaluate --until`) is not the dashboard's."""
    earlier = report_evaluation(web.ws, dt.date(2024, 6, 30))
    body = web.client.get(
        "/api/v1/results/evaluation", headers=web.auth("regional_analyst")
    ).json()
    assert body["key"] != earlier.key
    assert body["parameters"]["until"] == last_data_day(web.ws).isoformat()


def test_a_result_that_cannot_be_computed_is_404_with_the_reason(tmp_path: Path) -> None:
    from fastapi.testclient import TestClient

    from hotspotwatch import Workspace
    from hotspotwatch.web import create_app
    from hotspotwatch.workflows import users as users_wf

    ws = Workspace.create(tmp_path / "empty")
    user = users_wf.add_user(ws, "rita", "correct horse battery", role="regional_analyst")
    token = users_wf.issue_token(ws, user, kind="api").token
    with TestClient(create_app(ws)) as client:
        r = client.get("/api/v1/results/gistar", headers={"Authorization": f"Bearer {token}"})
    assert r.status_code == 404
    assert "no events" in r.json()["detail"]


def test_public_evaluation_has_verdict_sentences_and_the_run(web: WebEnv) -> None:
    body = web.client.get("/api/v1/public/evaluation?lang=nl").json()
    run = report_evaluation(web.ws)
    assert body["run"]["key"] == run.key and body["run_id"] == run.key[:12]
    rows = {r["name"]: r for r in body["hotspots"]}
    h = run.result.hotspot("Gare du Midi")
    assert rows["Gare du Midi"]["ci_low_adjusted"] == pytest.approx(h.verdict.ci_low_adjusted)
    assert rows["Gare du Midi"]["verdict"] == "reduction"
    assert rows["Gare du Midi"]["verdict_text"].startswith("Gare du Midi")
    # the public version carries no p-value, WDQ, WDD or I² (issue 17)
    for key in ("p_value", "p_adjusted", "wdq", "wdd"):
        assert key not in rows["Gare du Midi"]
    assert body["pooled"] is None or not {"i2", "p_value", "tau2"} & set(body["pooled"])
    hs = web.client.get("/api/v1/public/hotspots").json()
    verdicts = {f["properties"]["name"]: f["properties"]["verdict"] for f in hs["features"]}
    assert verdicts["Gare du Midi"] == "reduction"


def _record_alerts(web: WebEnv) -> None:
    """Store an alerts run with two known incidents under the dashboard's own spec."""
    from hotspotwatch.analysis.spacetime.results import IncidentAlert, RecentAlerts
    from hotspotwatch.geo.crs import to_lonlat
    from hotspotwatch.workflows import web as web_wf
    from hotspotwatch.workflows.runs import record

    spec = web_wf.view_spec(web.ws, "near_repeat_alerts")
    day = dt.date(2024, 12, 20)

    def alert(event_id: int, x: float, y: float) -> IncidentAlert:
        lon, lat = to_lonlat([x], [y], web.ws.config.crs)
        return IncidentAlert(
            event_id=event_id, category="shooting", x=x, y=y, lon=float(lon[0]),
            lat=float(lat[0]), when=day, until=day + dt.timedelta(days=14), active=True,
            elevated=True, radius_m=200.0, days=14.0,
        )

    result = RecentAlerts(
        alerts=(alert(1, 646200.0, 667200.0), alert(2, 650200.0, 669200.0)),
        as_of=day, categories=tuple(spec.parameters["categories"]), days=30, knox_run="",
    )
    record(web.ws, spec, result)


def test_near_repeat_alerts_filtered_to_zone(web: WebEnv) -> None:
    _record_alerts(web)
    zone = web.client.get("/api/v1/alerts/near-repeat", headers=web.auth("zone_analyst")).json()
    assert [a["event_id"] for a in zone["alerts"]] == [1]  # the one in zone 5341
    reg = web.client.get("/api/v1/alerts/near-repeat", headers=web.auth("regional_analyst")).json()
    assert [a["event_id"] for a in reg["alerts"]] == [1, 2]
    assert reg["run"]["kind"] == "spacetime.alerts" and reg["run_id"] == reg["run"]["run"]


def test_near_repeat_alerts_are_computed_from_the_report_s_knox_run(web: WebEnv) -> None:
    from hotspotwatch.workflows.views import renewal_specs

    r = web.client.get("/api/v1/alerts/near-repeat", headers=web.auth("regional_analyst"))
    assert r.status_code == 200
    body = r.json()
    knox = renewal_specs(web.ws, until=last_data_day(web.ws)).knox
    assert body["run"]["parameters"]["knox"] == knox.parameters
    as_of = dt.date.fromisoformat(body["as_of"])
    for a in body["alerts"]:
        assert a["category"] in body["run"]["parameters"]["categories"]
        assert as_of - dt.timedelta(days=30) < dt.date.fromisoformat(a["when"]) <= as_of


def test_prevention_action_is_logged_and_listed(web: WebEnv) -> None:
    hid = web.ids["Gare du Midi"]
    r = web.client.post(
        f"/api/v1/hotspots/{hid}/actions",
        headers=web.auth("partner"),
        json={
            "occurred_on": "2024-05-02",
            "kind": "outreach",
            "hours": 3,
            "contacts": 12,
            "description": "evening round",
        },
    )
    assert r.status_code == 201 and r.json()["recorded_by"] == "paula"
    listed = web.client.get(f"/api/v1/hotspots/{hid}/actions", headers=web.auth("admin")).json()
    assert [a["description"] for a in listed] == ["evening round"]
    d = web.client.get(f"/api/v1/hotspots/{hid}", headers=web.auth("admin")).json()
    assert d["prevention"] == {
        "actions": 1,
        "hours": 3.0,
        "contacts": 12,
        "by_kind": {"outreach": 1},
    }
    # The logged action is also a prevention event inside the perimeter (dose for the evaluation).
    logged = web.ws.events(categories=["prevention_contact"])
    logged = logged[logged["source"] == "prevention-log"]
    assert len(logged) == 1
    perimeter = web.ws.hotspots().set_index("hotspot_id").loc[hid, "geometry"]
    assert perimeter.contains(logged.geometry.iloc[0])
    local_day = logged["occurred_at"].dt.tz_convert("Europe/Brussels").dt.date.iloc[0]
    assert str(local_day) == "2024-05-02"
    bad = web.client.post(
        f"/api/v1/hotspots/{hid}/actions",
        headers=web.auth("partner"),
        json={"occurred_on": "2999-01-01", "kind": "outreach"},
    )
    assert bad.status_code == 422


def test_reports_are_listed_and_traversal_is_refused(web: WebEnv) -> None:
    pub = web.ws.path / "reports" / "public"
    pub.mkdir(parents=True)
    (pub / "renewal-2025-en.html").write_text("<p>public</p>")
    (web.ws.path / "reports" / "council-2025.html").write_text("<p>council</p>")
    assert [r["name"] for r in web.client.get("/api/v1/public/reports").json()] == [
        "renewal-2025-en.html"
    ]
    assert web.client.get("/api/v1/public/reports/renewal-2025-en.html").text == "<p>public</p>"
    assert web.client.get("/api/v1/public/reports/council-2025.html").status_code == 404
    assert web.client.get("/api/v1/public/reports/..%2Fcouncil-2025.html").status_code == 404
    r = web.client.get("/api/v1/reports/council-2025.html", headers=web.auth("regional_analyst"))
    assert r.status_code == 200 and r.text == "<p>council</p>"


def test_pages_render_in_three_languages(web: WebEnv) -> None:
    for lang, word in (("en", "Strategy"), ("fr", "Stratégie"), ("nl", "Strategie")):
        r = web.client.get(f"/strategy?lang={lang}")
        assert r.status_code == 200 and f'lang="{lang}"' in r.text and word in r.text
    assert (
        web.client.get("/public", headers={"Accept-Language": "nl-BE,nl;q=0.9"}).text.count(
            'lang="nl"'
        )
        >= 1
    )
    r = web.client.get("/map")
    assert "/vendor/maplibre-gl/maplibre-gl.js" in r.text and "unpkg" not in r.text
    assert "default-src 'self'" in r.headers["content-security-policy"]


SECURITY_HEADERS = {
    "x-content-type-options": "nosniff",
    "x-frame-options": "DENY",
    "referrer-policy": "no-referrer",
}


@pytest.mark.parametrize(
    ("path", "role", "status", "cache"),
    [
        ("/api/v1/health", None, 200, "no-store"),
        ("/api/v1/hotspots", "regional_analyst", 200, "no-store"),
        ("/api/v1/hotspots", None, 401, "no-store"),
        ("/api/v1/no-such-route", None, 404, "no-store"),
        ("/public", None, 200, None),
        ("/static/no-such-file.js", None, 404, None),
    ],
)
def test_every_response_carries_the_security_headers(
    web: WebEnv, path: str, role: str | None, status: int, cache: str | None
) -> None:
    r = web.client.get(path, headers=web.auth(role))
    assert r.status_code == status
    for name, value in SECURITY_HEADERS.items():
        assert r.headers[name] == value
    csp = r.headers["content-security-policy"]
    assert "default-src 'self'" in csp and "frame-ancestors 'none'" in csp
    assert r.headers.get("cache-control") == cache
    # each header once, not appended twice by the middleware
    assert r.headers.get_list("x-frame-options") == ["DENY"]


def test_a_route_s_own_cache_control_is_kept(web: WebEnv) -> None:
    from hotspotwatch.web.app import node_modules

    if node_modules() is None:
        pytest.fail("MapLibre GL JS is missing: run `make install` (npm ci)")
    r = web.client.get("/vendor/maplibre-gl/maplibre-gl.css")
    assert r.status_code == 200
    assert r.headers["cache-control"] == "max-age=86400"
    assert r.headers["x-content-type-options"] == "nosniff"


def test_an_action_logged_today_does_not_move_the_review_day(web: WebEnv) -> None:
    from hotspotwatch.workflows import web as web_wf

    day = web_wf.review_day(web.ws)
    assert day == last_data_day(web.ws) and day.year == 2024
    hid = web.ids["Gare du Midi"]
    r = web.client.post(
        f"/api/v1/hotspots/{hid}/actions",
        headers=web.auth("partner"),
        json={"occurred_on": dt.date.today().isoformat(), "kind": "outreach"},
    )
    assert r.status_code == 201
    assert max(web.ws.events()["occurred_at"]).date() == dt.date.today()
    d = web.client.get(f"/api/v1/hotspots/{hid}", headers=web.auth("partner")).json()
    assert d["evaluation_run"]["parameters"]["until"] == day.isoformat()


def test_a_view_the_report_has_not_uses_its_workflow_s_spec(web: WebEnv) -> None:
    from hotspotwatch.workflows.detect import kde_spec
    from hotspotwatch.workflows.views import regional_window

    body = web.client.get("/api/v1/results/kde", headers=web.auth("regional_analyst")).json()
    start, end = regional_window(last_data_day(web.ws))
    spec = kde_spec(web.ws, roles=["harm"], categories=None, start=start, end=end)
    assert body["kind"] == "detect.kde" and body["parameters"] == spec.parameters
    assert web.ws.find_run(spec.kind, spec.parameters).key == body["key"]


def test_navigation_name_and_wdq_header_are_in_the_page_language(web: WebEnv) -> None:
    # issue 17 (polish): base.html had aria-label="main" in every language, strategy.html a
    # bare "WDQ"; the abbreviation stays, its title explains it in the page's language.
    from markupsafe import escape

    from hotspotwatch.i18n import translate

    for lang in ("en", "fr", "nl"):
        html = web.client.get(f"/strategy?lang={lang}").text
        nav = translate("web.nav.main_label", lang)
        assert f'<nav aria-label="{nav}">' in html
        title = escape(translate("web.pages.col.wdq_title", lang))
        assert f'<abbr title="{title}">WDQ</abbr>' in html
    assert 'aria-label="main"' not in web.client.get("/strategy?lang=fr").text
