"""Benchmark: Brussels scenario simulator volume, speed and memory at scale 1, 10, 100.

1. ``simulate(seed, scale)`` over 2021-2025 (events, wall time, events per second, peak
   resident memory of the process).
2. Peer: ``pointpats.random.poisson`` (homogeneous Poisson points in the region polygon, no
   time, no effects, no truth) drawing the same number of points as the scale-1 simulation;
   the ratio compares events per second of the full simulator with the peer's points per
   second.

Run: ``.venv/bin/python bench/brussels_simulator.py`` -> ``bench/results/brussels_simulator.json``.
Pass ``--max-scale 10`` to skip scale 100.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import time
from pathlib import Path

OUT = Path(__file__).resolve().parent / "results" / "brussels_simulator.json"


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--max-scale", type=float, default=100.0)
    args = parser.parse_args()

    import pointpats.random

    from hotspotwatch.scenarios.brussels import load_geography, simulate

    geo = load_geography()
    simulate(seed=0, start="2024-01-01", end="2024-01-31")  # warm caches (raster)
    rows = []
    for scale in (1.0, 10.0, 100.0):
        if scale > args.max_scale:
            continue
        t0 = time.perf_counter()
        res = simulate(seed=1, scale=scale)
        wall = time.perf_counter() - t0
        n = len(res.events)
        mem_events = float(res.events.memory_usage(deep=True).sum()) / 2**20
        rows.append(
            {
                "scale": scale,
                "events": n,
                "by_role": res.truth["volumes"]["by_role"],
                "seconds": round(wall, 2),
                "events_per_second": round(n / wall),
                "events_frame_mb": round(mem_events, 1),
                "peak_rss_mb": round(peak_rss_mb(), 1),
            }
        )
        print(rows[-1], flush=True)
        del res

    n1 = rows[0]["events"]
    t0 = time.perf_counter()
    pts = pointpats.random.poisson(geo.outline, size=n1)
    peer = time.perf_counter() - t0
    ratio = (rows[0]["events_per_second"]) / (len(pts) / peer)
    result = {
        "benchmark": "brussels_simulator",
        "machine": {"cpus": os.cpu_count(), "python": platform.python_version()},
        "runs": rows,
        "peer": {
            "name": "pointpats.random.poisson (homogeneous, region polygon)",
            "points": len(pts),
            "seconds": round(peer, 3),
            "points_per_second": round(len(pts) / peer),
        },
        "speed_ratio_vs_peer_scale1": round(ratio, 3),
        "note": "Simulator time includes the truth integration (about 2 s, fixed) and "
        "Hawkes shootings; the peer only draws uniform points.",
    }
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
