"""Requests per second and p95 latency of the hotspot page's API calls (20 concurrent clients).

A synthetic workspace (4 police zones, 15 hotspots, 50,000 events over two years) is served
by uvicorn on a loopback port in a child process; 20 client threads each load the hotspot
page's three API calls (``/hotspots/{id}``, ``/hotspots/{id}/monthly``,
``/hotspots/{id}/actions``) for random hotspots, for a bounded number of rounds. The peer in
the same run is ``/api/v1/health`` under the same load (the framework's floor), so the
result is also given as a ratio. Target: p95 < 150 ms.

Run: ``.venv/bin/python bench/serve.py`` (writes ``bench/results/serve.json``).
"""

from __future__ import annotations

import json
import multiprocessing as mp
import platform
import socket
import sys
import tempfile
import threading
import time
from pathlib import Path

import numpy as np

CLIENTS = 20
ROUNDS = 15  # page loads per client (3 requests each)
N_EVENTS = 50_000
OUT = Path(__file__).resolve().parent / "results" / "serve.json"


def build(path: Path) -> list[int]:
    import geopandas as gpd
    import pandas as pd
    import shapely

    from hotspotwatch import Workspace
    from hotspotwatch.workflows import users

    ws = Workspace.create(path)
    x0, y0 = 645000.0, 665000.0
    region = shapely.box(x0, y0, x0 + 16000, y0 + 16000)
    ws.add_areas(
        gpd.GeoDataFrame(
            {"code": ["04000"], "name": ["Region"], "geometry": [region]}, crs=ws.config.crs
        ),
        "region",
    )
    zones = [
        shapely.box(x0 + 8000 * i, y0 + 8000 * j, x0 + 8000 * (i + 1), y0 + 8000 * (j + 1))
        for i in range(2)
        for j in range(2)
    ]
    ws.add_areas(
        gpd.GeoDataFrame(
            {
                "code": ["5339", "5340", "5341", "5342"],
                "name": ["a", "b", "c", "d"],
                "geometry": zones,
            },
            crs=ws.config.crs,
        ),
        "police_zone",
    )
    rng = np.random.default_rng(1)
    ids = []
    for k in range(15):
        cx, cy = x0 + rng.uniform(1000, 15000), y0 + rng.uniform(1000, 15000)
        name = f"Hotspot {k + 1}"
        ids.append(ws.add_hotspot(name, shapely.Point(cx, cy).buffer(200), zone="5341"))
        import datetime as dt

        ws.add_designation(name, action="designate", start=dt.date(2024, 3, 1), body="RSC")
    t0 = pd.Timestamp("2023-01-01", tz="UTC").value
    t1 = pd.Timestamp("2024-12-31", tz="UTC").value
    frame = pd.DataFrame(
        {
            "source_id": np.arange(N_EVENTS).astype(str),
            "occurred_at": pd.to_datetime(rng.integers(t0, t1, N_EVENTS), utc=True),
            "x": rng.uniform(x0, x0 + 16000, N_EVENTS),
            "y": rng.uniform(y0, y0 + 16000, N_EVENTS),
            "category": rng.choice(
                ["assault", "shooting", "police_check", "prevention_contact"], N_EVENTS
            ),
        }
    )
    ws.add_events(frame, source="bench")
    ws.record_run(
        "evaluate",
        {},
        {
            "hotspots": [
                {
                    "name": f"Hotspot {k + 1}",
                    "irr": 0.8,
                    "ci_low": 0.6,
                    "ci_high": 1.1,
                    "verdict": "no_detectable_change",
                }
                for k in range(15)
            ],
            "pooled": {"irr": 0.9, "ci_low": 0.8, "ci_high": 1.0, "i2": 0.1},
        },
    )
    users.add_user(ws, "bench", "benchmark password", role="regional_analyst")
    ws.close()
    return ids


def serve(path: str, port: int) -> None:
    import uvicorn

    from hotspotwatch import Workspace
    from hotspotwatch.web import create_app

    uvicorn.run(
        create_app(Workspace.open(path)),
        host="127.0.0.1",
        port=port,
        log_level="error",
        access_log=False,
    )


def load(base: str, token: str, paths_for: list[list[str]]) -> tuple[np.ndarray, float]:
    import httpx

    latencies: list[float] = []
    lock = threading.Lock()

    def client(i: int) -> None:
        with httpx.Client(
            base_url=base, headers={"Authorization": f"Bearer {token}"}, timeout=30
        ) as c:
            local = []
            for paths in paths_for[i::CLIENTS]:
                for p in paths:
                    t = time.perf_counter()
                    r = c.get(p)
                    local.append(time.perf_counter() - t)
                    assert r.status_code == 200, (p, r.status_code, r.text[:200])
            with lock:
                latencies.extend(local)

    threads = [threading.Thread(target=client, args=(i,)) for i in range(CLIENTS)]
    start = time.perf_counter()
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    return np.array(latencies), time.perf_counter() - start


def main() -> None:
    import httpx

    tmp = Path(tempfile.mkdtemp()) / "ws"
    t = time.perf_counter()
    ids = build(tmp)
    build_s = time.perf_counter() - t
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    proc = mp.get_context("spawn").Process(target=serve, args=(str(tmp), port), daemon=True)
    proc.start()
    base = f"http://127.0.0.1:{port}"
    for _ in range(200):
        try:
            httpx.get(base + "/api/v1/health", timeout=1)
            break
        except httpx.HTTPError:
            time.sleep(0.1)
    token = httpx.post(
        base + "/api/v1/auth/login", json={"username": "bench", "password": "benchmark password"}
    ).json()["token"]
    rng = np.random.default_rng(2)
    picks = rng.choice(ids, CLIENTS * ROUNDS)
    page = [
        [f"/api/v1/hotspots/{h}", f"/api/v1/hotspots/{h}/monthly", f"/api/v1/hotspots/{h}/actions"]
        for h in picks
    ]
    health = [["/api/v1/health"] * 3 for _ in picks]
    try:
        load(base, token, page[:CLIENTS])  # warm-up (first computation per hotspot is cached)
        lat_page, wall_page = load(base, token, page)
        lat_health, wall_health = load(base, token, health)
    finally:
        proc.terminate()
        proc.join(10)
    res = {
        "question": "hotspot page API calls under 20 concurrent clients on loopback",
        "clients": CLIENTS,
        "requests": int(lat_page.size),
        "events": N_EVENTS,
        "hotspots": len(ids),
        "hotspot_page": {
            "requests_per_s": round(lat_page.size / wall_page, 1),
            "p50_ms": round(float(np.percentile(lat_page, 50)) * 1000, 1),
            "p95_ms": round(float(np.percentile(lat_page, 95)) * 1000, 1),
            "max_ms": round(float(lat_page.max()) * 1000, 1),
        },
        "health_peer": {
            "requests_per_s": round(lat_health.size / wall_health, 1),
            "p95_ms": round(float(np.percentile(lat_health, 95)) * 1000, 1),
        },
        "target_p95_ms": 150,
        "build_workspace_s": round(build_s, 1),
        "machine": {
            "python": sys.version.split()[0],
            "platform": platform.platform(),
            "cpus": mp.cpu_count(),
        },
    }
    res["p95_ratio_to_health"] = round(
        res["hotspot_page"]["p95_ms"] / max(res["health_peer"]["p95_ms"], 1e-3), 2
    )
    res["meets_target"] = res["hotspot_page"]["p95_ms"] < 150
    OUT.parent.mkdir(exist_ok=True)
    OUT.write_text(json.dumps(res, indent=2) + "\n")
    print(json.dumps(res, indent=2))


if __name__ == "__main__":
    main()
