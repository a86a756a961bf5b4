"""Every API route x every role: the authorisation matrix as a table (401 vs 403 vs success)."""

from __future__ import annotations

from typing import Any

from .conftest import WebEnv

ROLES = (None, "admin", "regional_analyst", "zone_analyst", "partner")
ANY = (200, 200, 200, 200, 200)
AUTH = (401, 200, 200, 200, 200)
ACTION = {"occurred_on": "2024-05-02", "kind": "outreach", "hours": 2.5, "contacts": 7}
RESOURCE = {"start": "2024-03-01", "end": "2024-08-31", "kind": "police", "cost": 1000,
            "source": "matrix"}

# (method, path template, json body, expected status for anonymous, admin, regional, zone, partner)
MATRIX: list[tuple[str, str, dict[str, Any] | None, tuple[int, ...]]] = [
    ("GET", "/api/v1/health", None, ANY),
    ("GET", "/api/v1/i18n/fr", None, ANY),
    ("GET", "/api/v1/public/config", None, ANY),
    ("GET", "/api/v1/public/grid", None, ANY),
    ("GET", "/api/v1/public/grid?year=2024", None, ANY),
    ("GET", "/api/v1/public/monthly", None, ANY),
    ("GET", "/api/v1/public/hotspots", None, ANY),
    ("GET", "/api/v1/public/evaluation", None, ANY),
    ("GET", "/api/v1/public/rare", None, ANY),
    ("GET", "/api/v1/public/strategy", None, ANY),
    ("GET", "/api/v1/public/reports", None, ANY),
    ("GET", "/api/v1/auth/me", None, AUTH),
    ("GET", "/api/v1/auth/tokens", None, AUTH),
    ("POST", "/api/v1/auth/tokens", {"label": "matrix", "days": 1}, (401, 201, 201, 201, 201)),
    ("GET", "/api/v1/users", None, (401, 200, 403, 403, 403)),
    ("GET", "/api/v1/audit", None, (401, 200, 403, 403, 403)),
    ("GET", "/api/v1/events", None, (401, 403, 200, 200, 403)),
    ("GET", "/api/v1/events?role=harm&limit=5", None, (401, 403, 200, 200, 403)),
    ("GET", "/api/v1/alerts/near-repeat", None, (401, 403, 200, 200, 403)),
    ("GET", "/api/v1/map/options", None, AUTH),
    ("GET", "/api/v1/map/layer", None, AUTH),  # aggregates for admin and partner
    ("GET", "/api/v1/map/layer?year=2024&role=harm", None, AUTH),
    ("GET", "/api/v1/map/layer?month_from=2024-01", None, (401, 403, 200, 200, 403)),
    ("GET", "/api/v1/map/layer?level=events", None, (401, 403, 200, 200, 403)),
    ("GET", "/api/v1/map/layer?category=assault", None, (401, 403, 200, 200, 403)),
    ("GET", "/api/v1/map/export?format=csv", None, AUTH),
    ("GET", "/api/v1/map/export?level=events", None, (401, 403, 200, 200, 403)),
    ("POST", "/api/v1/map/export/png", {"level": "cells", "shown": 3}, (401, 204, 204, 204, 204)),
    ("GET", "/api/v1/areas", None, AUTH),
    ("GET", "/api/v1/areas/police_zone", None, AUTH),
    ("GET", "/api/v1/areas/no_such_layer", None, (401, 404, 404, 404, 404)),
    ("GET", "/api/v1/grid", None, AUTH),
    ("GET", "/api/v1/hotspots", None, AUTH),
    ("GET", "/api/v1/hotspots/{gm}", None, AUTH),
    ("GET", "/api/v1/hotspots/{gm}/monthly", None, AUTH),
    ("GET", "/api/v1/hotspots/{gm}/actions", None, AUTH),
    ("GET", "/api/v1/hotspots/999999", None, (401, 404, 404, 404, 404)),
    ("POST", "/api/v1/hotspots/{gm}/actions", ACTION, (401, 403, 201, 201, 201)),
    ("POST", "/api/v1/hotspots/{ph}/actions", ACTION, (401, 403, 201, 403, 403)),
    ("GET", "/api/v1/hotspots/{gm}/presence", None, AUTH),
    ("GET", "/api/v1/hotspots/{gm}/resources", None, AUTH),
    ("POST", "/api/v1/hotspots/{gm}/resources", RESOURCE, (401, 201, 403, 403, 201)),
    ("POST", "/api/v1/hotspots/{ph}/resources", RESOURCE, (401, 201, 403, 403, 403)),
    ("GET", "/api/v1/hotspots/{gm}/chart", None, AUTH),
    ("GET", "/api/v1/hotspots/{gm}/layers", None, AUTH),
    ("GET", "/api/v1/strategy/table", None, AUTH),
    ("GET", "/api/v1/export/strategy.csv", None, AUTH),
    ("GET", "/api/v1/export/hotspots/{gm}/series.csv", None, AUTH),
    ("GET", "/api/v1/export/hotspots/{gm}/layers.geojson", None, AUTH),
    ("POST", "/api/v1/export/png", {"view": "hotspot-trend"}, (401, 204, 204, 204, 204)),
    ("GET", "/api/v1/results/evaluation", None, AUTH),
    ("GET", "/api/v1/results/gistar", None, AUTH),  # computed on first use
    ("GET", "/api/v1/results/gistar/cells", None, AUTH),
    ("GET", "/api/v1/results/incidents", None, AUTH),
    ("GET", "/api/v1/reports", None, (401, 200, 200, 200, 403)),
    ("GET", "/api/v1/reports/nothing.pdf", None, (401, 404, 404, 404, 403)),
    ("POST", "/api/v1/users/spare/revoke", None, (401, 200, 403, 403, 403)),
    ("POST", "/api/v1/auth/logout", None, (401, 200, 200, 200, 200)),
]


def test_authorisation_matrix(web: WebEnv) -> None:
    ids = {"gm": web.ids["Gare du Midi"], "ph": web.ids["Porte de Hal"]}
    wrong = []
    for method, template, body, expected in MATRIX:
        path = template.format(**ids)
        for role, want in zip(ROLES, expected, strict=True):
            if template == "/api/v1/auth/logout":
                continue  # checked below, it revokes the token
            r = web.client.request(method, path, json=body, headers=web.auth(role))
            if r.status_code != want:
                wrong.append(
                    f"{method} {path} as {role}: {r.status_code} != {want} ({r.text[:120]})"
                )
            if want == 401:
                assert r.headers.get("www-authenticate") == "Bearer"
    assert wrong == []
    for role in ROLES[1:]:
        r = web.client.post("/api/v1/auth/logout", headers=web.auth(role))
        assert r.status_code == 200
        assert web.client.get("/api/v1/auth/me", headers=web.auth(role)).status_code == 401
    assert web.client.post("/api/v1/auth/logout").status_code == 401


def test_matrix_covers_every_api_route(web: WebEnv) -> None:
    schema = web.client.get("/api/v1/openapi.json").json()
    declared = {(m.upper(), p) for p, ops in schema["paths"].items() for m in ops}
    covered = set()
    for method, template, _, _ in MATRIX:
        path = template.split("?")[0]
        for p in schema["paths"]:
            if _matches(p, path):
                covered.add((method, p))
    covered |= {
        ("POST", "/api/v1/auth/login"),
        ("POST", "/api/v1/users"),
        ("DELETE", "/api/v1/auth/tokens/{token_id}"),
        ("GET", "/api/v1/public/reports/{name}"),
    }  # tested in test_auth / test_api
    assert declared - covered == set()


def _matches(template: str, path: str) -> bool:
    a, b = template.strip("/").split("/"), path.strip("/").split("/")
    return len(a) == len(b) and all(x == y or x.startswith("{") for x, y in zip(a, b, strict=True))
