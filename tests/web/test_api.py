"""Data routes: zone restriction of events (any filter, any paging), disclosure control, results."""

from __future__ import annotations

import numpy as np
import pytest
import shapely
from pyproj import Transformer

from .conftest import HOTSPOTS, ZONES, WebEnv

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
    totals = {f["properties"]["name"]: f["properties"]["harm_total"] for f in hs["features"]}
    ev = web.ws.events(roles="harm")
    for name, (geom, _) in HOTSPOTS.items():
        n = int(shapely.contains_xy(geom, ev["x"].to_numpy(), ev["y"].to_numpy()).sum())
        assert totals[name] == (n if n >= k else None)
    for path in ("/api/v1/public/grid", "/api/v1/public/hotspots", "/api/v1/public/monthly"):
        assert '"Point"' not in web.client.get(path).text


def test_hotspot_detail_has_evaluation_decisions_and_monthly_series(web: WebEnv) -> None:
    hid = web.ids["Gare du Midi"]
    d = web.client.get(f"/api/v1/hotspots/{hid}", headers=web.auth("partner")).json()
    assert d["properties"]["name"] == "Gare du Midi"
    assert d["evaluation"]["verdict"] == "reduction" and d["evaluation"]["ci_high"] == 0.94
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


def test_missing_result_says_which_command_computes_it(web: WebEnv) -> None:
    r = web.client.get("/api/v1/results/gistar", headers=web.auth("regional_analyst"))
    assert r.status_code == 404
    assert "hotspotwatch detect gistar" in r.json()["detail"]


def test_near_repeat_alerts_filtered_to_zone(web: WebEnv) -> None:
    zone = web.client.get("/api/v1/alerts/near-repeat", headers=web.auth("zone_analyst")).json()
    assert [a["label"] for a in zone["alerts"]] == ["in 5341"]
    reg = web.client.get("/api/v1/alerts/near-repeat", headers=web.auth("regional_analyst")).json()
    assert len(reg["alerts"]) == 3


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
