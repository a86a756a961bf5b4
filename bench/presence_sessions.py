"""Benchmark: building presence sessions from a 1M-ping file (the gap-and-radius rule).

The pings: 400 units over 30 days, one ping every ~30 s while on duty, each unit alternating
stays (a slow drift around a spot, 2–60 minutes) and moves (driving at ~8 m/s, or for a
third of the units walking at ~1.5 m/s, between spots),
with gaps in the signal; unsorted, as a file export would be. The bench times
:func:`hotspotwatch.analysis.dose.sessions.build_sessions` on the 1M pings (the session
building itself: arrays in, sessions out; not reading the file nor starting the command) and,
as the peer in the same run, the same rule applied ping by ping in plain Python (the reference
of ``tests/analysis/dose/test_sessions_presence.py``) on the first 100 000 pings of the same
file, scaled to pings per second. It also checks that both give the same sessions there.

Target (issue 18): at least 200 000 pings/s.

Run: ``PYTHONPATH=src .venv/bin/python bench/presence_sessions.py`` ->
``bench/results/presence_sessions.json``.
"""

from __future__ import annotations

import json
import os
import platform
import sys
import time
from pathlib import Path

import numpy as np

from hotspotwatch.analysis.dose.sessions import build_sessions

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests" / "analysis" / "dose"))
from test_sessions_presence import _loop_sessions

OUT = Path(__file__).resolve().parent / "results" / "presence_sessions.json"
N_PINGS = 1_000_000


def pings(n: int, *, seed: int = 0) -> tuple[np.ndarray, ...]:
    rng = np.random.default_rng(seed)
    n_units = 400
    per = n // n_units
    unit = np.repeat(np.arange(n_units), per)
    m = unit.size
    dt = rng.exponential(30, m) + 1 + (rng.random(m) < 0.005) * rng.exponential(3600, m)
    t = np.empty(m, dtype=np.int64)
    x = np.empty(m)
    y = np.empty(m)
    for u in range(n_units):
        sl = slice(u * per, (u + 1) * per)
        t[sl] = 1_700_000_000 + np.cumsum(dt[sl]).astype(np.int64)
        # stays and moves: a state per ping (a stay lasts ~40 pings, a move ~10)
        moving = (np.floor(np.cumsum(rng.exponential(1, per)) / 25) % 2).astype(bool)
        heading = rng.uniform(0, 2 * np.pi, per)
        # a third of the units patrol on foot (~1.5 m/s: steps shorter than the radius's
        # diameter, the hard case for the rule) and the others drive
        step = np.where(moving, 45.0 if u % 3 == 0 else 250.0, 3.0)
        x[sl] = 640_000 + np.cumsum(step * np.cos(heading) * moving + rng.normal(0, 3, per))
        y[sl] = 665_000 + np.cumsum(step * np.sin(heading) * moving + rng.normal(0, 3, per))
    order = rng.permutation(m)
    return unit[order], t[order], x[order], y[order]


def main() -> None:
    unit, t, x, y = pings(N_PINGS)
    build_sessions(unit[:10000], t[:10000], x[:10000], y[:10000])  # warm-up
    times = []
    for _ in range(3):
        t0 = time.perf_counter()
        s = build_sessions(unit, t, x, y)
        times.append(time.perf_counter() - t0)
    best = min(times)
    k = 100_000
    t0 = time.perf_counter()
    ref = _loop_sessions(unit[:k], t[:k], x[:k], y[:k], 300, 100.0, 60)
    loop_s = time.perf_counter() - t0
    sub = build_sessions(unit[:k], t[:k], x[:k], y[:k])
    same = [r[:4] for r in ref] == list(
        zip(
            sub.unit.tolist(),
            sub.start_s.tolist(),
            sub.end_s.tolist(),
            sub.pings.tolist(),
            strict=True,
        )
    )
    result = {
        "machine": {
            "cpus": os.cpu_count(),
            "python": platform.python_version(),
            "numpy": np.__version__,
            "load_average_at_start": list(os.getloadavg()),
        },
        "pings": int(unit.size),
        "units": 400,
        "rule": {"gap_s": 300, "radius_m": 100, "min_duration_s": 60},
        "sessions": len(s),
        "dropped_pings": s.dropped_pings,
        "seconds_build_sessions": [round(v, 4) for v in times],
        "pings_per_second": round(unit.size / best),
        "target_pings_per_second": 200_000,
        "meets_target": bool(unit.size / best >= 200_000),
        "peer": "the same rule ping by ping in plain Python, first 100,000 pings",
        "peer_seconds_100k": round(loop_s, 4),
        "peer_pings_per_second": round(k / loop_s),
        "speedup_vs_peer": round((unit.size / best) / (k / loop_s), 1),
        "same_sessions_as_peer_on_100k": bool(same),
    }
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
