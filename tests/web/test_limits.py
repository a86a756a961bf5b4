"""Issue 15, Medium 3 and Low 9: cache byte budget under many distinct grid queries, per-user
rate limit on expensive routes, 64 KB request-body limit."""

from __future__ import annotations

import json
from collections.abc import Iterator

from fastapi.testclient import TestClient

from hotspotwatch.web import create_app
from hotspotwatch.workflows import web as web_wf
from hotspotwatch.workflows.web import cache as web_cache

from .conftest import PASSWORD, WebEnv


def _configure(web: WebEnv, **settings: object) -> TestClient:
    path = web.ws.path / "hotspotwatch.toml"
    lines = "".join(f"{k} = {v!r}\n" for k, v in settings.items())
    path.write_text(path.read_text() + "\n[web]\n" + lines)
    assert web_cache.reload_config(web.ws)
    return TestClient(create_app(web.ws), base_url="http://testserver")


def test_200_distinct_grid_queries_keep_the_cache_under_budget(web: WebEnv) -> None:
    client = _configure(web, cache_mb=2, expensive_per_minute=100000, expensive_burst=1000)
    budget = web_wf.cache_stats(web.ws)["budget"]
    entries = []
    with client:
        for i in range(200):
            if i % 2:
                q, who = f"/api/v1/grid?cell_size={400 + i}&end=2024-{1 + i % 12:02d}-02", "regional_analyst"
            else:
                q, who = f"/api/v1/grid?year={2023 + i % 2}&role=harm", "partner"
            r = client.get(q, headers=web.auth(who))
            assert r.status_code == 200, r.text
            stats = web_wf.cache_stats(web.ws)
            assert stats["bytes"] <= budget
            entries.append(stats["entries"])
    # ad-hoc event grids are never cached: the number of entries stops growing at once
    assert entries[-1] == entries[20] and entries[-1] < 30


def test_expensive_routes_are_rate_limited_per_user(web: WebEnv) -> None:
    with _configure(web, expensive_per_minute=6, expensive_burst=3) as client:
        codes = [
            client.get("/api/v1/events?limit=1", headers=web.auth("regional_analyst")).status_code
            for _ in range(5)
        ]
        assert codes == [200, 200, 200, 429, 429]
        r = client.get("/api/v1/grid?cell_size=1000", headers=web.auth("regional_analyst"))
        assert r.status_code == 429 and int(r.headers["retry-after"]) >= 1
        # another user is not slowed down by the first one
        assert client.get("/api/v1/events?limit=1", headers=web.auth("zone_analyst")).status_code == 200
        # cheap routes are not limited
        assert client.get("/api/v1/hotspots", headers=web.auth("regional_analyst")).status_code == 200


def test_large_bodies_are_refused_before_parsing(web: WebEnv) -> None:
    big = json.dumps({"username": "rita", "password": "x" * (70 * 1024)})
    r = web.client.post(
        "/api/v1/auth/login", content=big, headers={"content-type": "application/json"}
    )
    assert r.status_code == 413 and "64 KB" in r.json()["detail"]

    def chunks() -> Iterator[bytes]:  # no Content-Length: counted as it arrives
        yield b'{"username": "rita", "password": "'
        for _ in range(100):
            yield b"y" * 4096
        yield b'"}'

    r = web.client.post(
        "/api/v1/auth/login", content=chunks(), headers={"content-type": "application/json"}
    )
    assert r.status_code == 413
    ok = web.client.post("/api/v1/auth/login", json={"username": "rita", "password": PASSWORD})
    assert ok.status_code == 200


def test_only_the_maps_event_grids_are_cached(web: WebEnv) -> None:
    h = web.auth("regional_analyst")
    web.client.get("/api/v1/hotspots", headers=h)
    n0 = web_wf.cache_stats(web.ws)["entries"]
    month = "/api/v1/grid?cell_size=250&start=2024-03-01&end=2024-04-01"
    assert web.client.get(month, headers=h).status_code == 200
    n1 = web_wf.cache_stats(web.ws)["entries"]
    assert n1 > n0
    assert web.client.get(month, headers=h).status_code == 200
    for q in ("cell_size=250&start=2024-03-01&end=2024-04-02", "cell_size=260",
              "cell_size=250&start=2024-03-01&end=2024-05-01"):
        assert web.client.get(f"/api/v1/grid?{q}", headers=h).status_code == 200
    assert web_wf.cache_stats(web.ws)["entries"] == n1
