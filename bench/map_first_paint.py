"""Map page first paint with data on the Brussels demo (issue 17): Playwright, median of 5.

A copy of the demo workspace (``--demo DIR``, default ``demo`` or ``/work/demo``; build one
with ``make demo``) is served by ``hotspotwatch serve`` in a child process on a loopback
port. Headless Chromium (Debian's ``/usr/bin/chromium``, SwiftShader WebGL) logs in once as a
regional analyst (the demo's ``demo-login.txt``, or a user added to the copy), then loads
``/map`` in a new page per run and reads the page's performance mark ``hw-map-data``: set
when the map is idle after the events layer's data were drawn, its ``startTime`` counted
from navigation start. The same page without the events layer (``/map?events=0``: the
layer unchecked, no layer request) is timed the same way, runs alternating.

Before timing, one load of each fills the server's cache (the first load after a start,
which reads the events into columns and computes the cell counts, is recorded separately
as ``cold_ms``). The 1-minute load average is recorded before every run: the machine is
shared, and the bench does not wait for it to be quiet. Also recorded: the layer request
the page makes and the old ``/api/v1/events?limit=5000`` (time and bytes, median of 5).

Run: ``.venv/bin/python bench/map_first_paint.py`` (writes
``bench/results/map_first_paint.json``). Target: median first paint with data < 1.5 s.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "bench" / "results" / "map_first_paint.json"
RUNS = 5
TARGET_MS = 1500.0
CHROMIUM = os.environ.get("HOTSPOTWATCH_CHROMIUM", "/usr/bin/chromium")
BENCH_USER = "bench-analyst"
BENCH_PASSWORD = "map first paint bench"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _demo_dir(given: str | None) -> Path:
    for cand in [given, "demo", "/work/demo"]:
        if cand and (Path(cand) / "workspace" / "hotspotwatch.toml").is_file():
            return Path(cand)
    sys.exit("no demo workspace found: run `make demo` or pass --demo DIR")


def _login_of(copy: Path) -> tuple[str, str]:
    """The demo's analyst login, or a regional analyst added to the copy."""
    text = copy / "demo-login.txt"
    if text.is_file():
        lines = dict(
            line.split(":", 1) for line in text.read_text().splitlines() if ":" in line
        )
        if "user" in lines and "password" in lines:
            return lines["user"].strip(), lines["password"].strip()
    from hotspotwatch import Workspace
    from hotspotwatch.workflows import users

    ws = Workspace.open(copy / "workspace")
    try:
        if users.get_user(ws, BENCH_USER) is None:
            users.add_user(ws, BENCH_USER, BENCH_PASSWORD, role="regional_analyst")
    finally:
        ws.close()
    return BENCH_USER, BENCH_PASSWORD


def _serve(workspace: Path, port: int) -> subprocess.Popen[bytes]:
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src")}
    proc = subprocess.Popen(
        [sys.executable, "-m", "hotspotwatch.cli.main", "serve", "-w", str(workspace),
         "--port", str(port)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/api/v1/health", timeout=2)
            return proc
        except OSError:
            time.sleep(0.2)
    proc.kill()
    sys.exit("the server did not start within 60 s")


def _api_timing(base: str, token: str, path: str) -> dict[str, Any]:
    times, size = [], 0
    for _ in range(RUNS):
        req = urllib.request.Request(base + path, headers={"Authorization": f"Bearer {token}"})
        t0 = time.perf_counter()
        with urllib.request.urlopen(req, timeout=120) as r:
            size = len(r.read())
        times.append((time.perf_counter() - t0) * 1000)
    return {"path": path, "median_ms": round(statistics.median(times), 1),
            "runs_ms": [round(t, 1) for t in times], "bytes": size}


def _paint(context: Any, url: str) -> tuple[float, dict[str, Any]]:
    page = context.new_page()
    try:
        page.goto(url)
        page.wait_for_selector("#map[data-state=ready]", timeout=60000)
        ms = page.evaluate(
            "performance.getEntriesByName('hw-map-data').map(e => e.startTime)[0] ?? null"
        )
        if ms is None:
            raise RuntimeError(f"{url}: the page set no hw-map-data mark")
        info: dict[str, Any] = {
            k: page.get_attribute("#map", f"data-{k}") for k in ("level", "shown", "total")
        }
        # where the time goes: MapLibre's style loaded, the layer's answer received
        for mark in ("hw-map-style", "hw-map-layer"):
            at = page.evaluate(
                f"performance.getEntriesByName('{mark}').map(e => e.startTime)[0] ?? null"
            )
            info[mark.removeprefix("hw-map-") + "_ms"] = None if at is None else round(at, 1)
        info["caption"] = page.inner_text("#map-status")
        return float(ms), info
    finally:
        page.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--demo", help="demo folder (holding workspace/)")
    parser.add_argument("--out", default=str(OUT))
    args = parser.parse_args()
    demo = _demo_dir(args.demo)
    from playwright.sync_api import sync_playwright

    with tempfile.TemporaryDirectory(prefix="hw-map-bench-") as tmp:
        copy = Path(tmp) / "demo"
        shutil.copytree(demo, copy, ignore=shutil.ignore_patterns("reports"))
        user, password = _login_of(copy)
        port = _free_port()
        base = f"http://127.0.0.1:{port}"
        server = _serve(copy / "workspace", port)
        try:
            with sync_playwright() as p:
                browser = p.chromium.launch(
                    executable_path=CHROMIUM,
                    args=["--no-sandbox", "--disable-gpu", "--use-gl=swiftshader",
                          "--enable-unsafe-swiftshader", "--disable-dev-shm-usage",
                          "--no-first-run", "--disable-background-networking"],
                )
                context = browser.new_context(viewport={"width": 1280, "height": 900})
                page = context.new_page()
                page.goto(f"{base}/login?next=/strategy")
                page.fill("#username", user)
                page.fill("#password", password)
                page.click("#login-submit")
                page.wait_for_url(f"{base}/strategy")
                page.close()
                cold_ms, cold_info = _paint(context, f"{base}/map")
                _paint(context, f"{base}/map?events=0")  # warm-up of the other variant
                runs: list[dict[str, Any]] = []
                for i in range(RUNS):
                    for variant, path in (("with_events", "/map"), ("without_events", "/map?events=0")):
                        load = round(os.getloadavg()[0], 2)
                        ms, info = _paint(context, base + path)
                        runs.append({"run": i + 1, "variant": variant, "ms": round(ms, 1),
                                     "loadavg_1min": load, **info})
                browser.close()
            token = _token(base, user, password)
            layer_q = "/api/v1/map/layer?lang=en&zoom=11.40&level=auto&shape=square&cell_size=500"
            api = {
                "map_layer": _api_timing(base, token, layer_q),
                "events_limit_5000": _api_timing(base, token, "/api/v1/events?limit=5000"),
            }
        finally:
            server.terminate()
            server.wait(timeout=30)

    def med(variant: str) -> float:
        return round(statistics.median(r["ms"] for r in runs if r["variant"] == variant), 1)

    result = {
        "what": "map page: navigation start to the map idle with the events layer drawn "
        "(performance mark hw-map-data), Chromium headless (SwiftShader), demo workspace",
        "target_ms": TARGET_MS,
        "median_ms": {"with_events": med("with_events"), "without_events": med("without_events")},
        "meets_target": med("with_events") < TARGET_MS,
        "cold_ms": round(cold_ms, 1),
        "cold_caption": cold_info.get("caption"),
        "runs": runs,
        "api": api,
        "loadavg_at_end": [round(v, 2) for v in os.getloadavg()],
        "machine": {"platform": platform.platform(), "cpus": os.cpu_count(),
                    "python": platform.python_version()},
        "date": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
    }
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text(json.dumps(result, indent=2, ensure_ascii=False) + "\n")
    print(json.dumps({k: result[k] for k in ("median_ms", "cold_ms", "meets_target")}))


def _token(base: str, user: str, password: str) -> str:
    req = urllib.request.Request(
        f"{base}/api/v1/auth/login",
        data=json.dumps({"username": user, "password": password}).encode(),
        headers={"Content-Type": "application/json"},
    )
    with urllib.request.urlopen(req, timeout=30) as r:
        return str(json.loads(r.read())["token"])


if __name__ == "__main__":
    main()
