"""Import on real shapes against the simple shape: whole ``hotspotwatch import events`` commands.

Run: ``.venv/bin/python bench/import_real_shapes.py [--rows 240992] [--runs 3]``; writes
``bench/results/import_real_shapes.json``.

Real exports are not the tidy file an importer is written for (issue 14 item 11): a date and
an hour column instead of one instant, WGS84 lon/lat instead of projected metres, no incident
ids (the importer synthesises them from the row), exact duplicates (the same incident once per
offence), points snapped to intersections. Three generated files of the same size, in the same
20 km square of an EPSG:3812 workspace, three years, eight categories:

- *simple*: ``id, occurred_at`` (ISO 8601 instant with ``Z``), projected ``x, y``, category;
  points uniform in the square;
- *real*: ``date`` (dd/mm/yyyy), ``hour``, ``lon, lat``, category, no id; points snapped to a
  lattice of 13,924 intersections (118 x 118, ~170 m apart) with heavy-tailed busyness
  (log-normal, sigma 2, as bench/knox_real_shapes.py), 3 % exact duplicate rows;
- *real_uniform*: the real shape's columns with uniform points and no duplicates (what the
  snapping and the duplicates cost on their own).

Each run imports each file into a fresh workspace with the console script's code in a fresh
process (start, config, store, read, normalise, write, report: the whole command), the three
shapes interleaved so they share the machine's load; the median of ``--runs`` runs is kept, in
wall time and in the child's CPU time. Target: real rows/s >= 0.9 x simple rows/s.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
ROWS = 240_992
SIDE = 20_000.0
ORIGIN = (640_000.0, 660_000.0)  # south-west corner in EPSG:3812 (Brussels area)
LATTICE = 118
SIGMA = 2.0
DUPLICATE_SHARE = 0.03
CATEGORIES = {
    "Vol dans habitation": "burglary",
    "Vol simple": "theft",
    "Coups et blessures": "assault",
    "Vol avec violence": "robbery",
    "Nuisances": "nuisance",
    "Vente de stupéfiants": "drug_dealing",
    "Contrôle d'identité": "police_check",
    "Arrestation": "arrest",
}
CATEGORY_TABLE = "\n".join(f'"{k}" = "{v}"' for k, v in CATEGORIES.items())
MAPPINGS = {
    "simple": f"""source = "bench-simple"
crs = "EPSG:3812"

[columns]
id = "id"
time = "occurred_at"
x = "x"
y = "y"
category = "type"

[categories]
{CATEGORY_TABLE}
""",
    "real": f"""source = "bench-real"
date_format = "%d/%m/%Y"

[columns]
date = "date"
hour = "hour"
lon = "lon"
lat = "lat"
category = "type"

[categories]
{CATEGORY_TABLE}
""",
}
MAPPINGS["real_uniform"] = MAPPINGS["real"].replace("bench-real", "bench-real-uniform")
SCRIPT = "import sys; from hotspotwatch.cli.main import main; sys.argv[0] = 'hotspotwatch'; main()"


def _points(n: int, rng: np.random.Generator, snapped: bool) -> tuple[np.ndarray, np.ndarray]:
    if not snapped:
        return ORIGIN[0] + rng.uniform(0, SIDE, n), ORIGIN[1] + rng.uniform(0, SIDE, n)
    g = (np.arange(LATTICE) + 0.5) * SIDE / LATTICE
    gx, gy = np.meshgrid(ORIGIN[0] + g, ORIGIN[1] + g)
    w = rng.lognormal(0.0, SIGMA, gx.size)
    k = rng.choice(gx.size, n, p=w / w.sum())
    return gx.ravel()[k], gy.ravel()[k]


def make_files(folder: Path, n: int, seed: int = 11) -> dict[str, Path]:
    """The three generated CSV files (and their mappings) of ``n`` rows each."""
    from hotspotwatch.geo.crs import to_lonlat

    rng = np.random.default_rng(seed)
    labels = np.array(list(CATEGORIES), dtype=object)
    start = pd.Timestamp("2022-01-01")
    out: dict[str, Path] = {}

    # simple: id, ISO instant (UTC, second precision), projected x/y, category
    x, y = _points(n, rng, snapped=False)
    instants = start + pd.to_timedelta(rng.integers(0, 3 * 365 * 86_400, n), unit="s")
    simple = pd.DataFrame(
        {
            "id": [f"PV{i:08d}" for i in range(n)],
            "occurred_at": instants.strftime("%Y-%m-%dT%H:%M:%SZ"),
            "x": np.round(x, 1),
            "y": np.round(y, 1),
            "type": rng.choice(labels, n),
        }
    )
    out["simple"] = folder / "simple.csv"
    simple.to_csv(out["simple"], index=False)

    for shape, snapped in (("real", True), ("real_uniform", False)):
        n_dup = round(DUPLICATE_SHARE * n) if snapped else 0
        m = n - n_dup
        x, y = _points(m, rng, snapped=snapped)
        lon, lat = to_lonlat(x, y, "EPSG:3812")
        days = start + pd.to_timedelta(rng.integers(0, 3 * 365, m), unit="D")
        frame = pd.DataFrame(
            {
                "date": days.strftime("%d/%m/%Y"),
                "hour": rng.integers(0, 24, m),
                "lon": np.round(lon, 6),
                "lat": np.round(lat, 6),
                "type": rng.choice(labels, m),
            }
        )
        if n_dup:  # the same incident recorded once more (once per offence), next to its twin
            dup = np.sort(rng.integers(0, m, n_dup))
            order = np.argsort(np.concatenate([np.arange(m), dup]), kind="stable")
            frame = pd.concat([frame, frame.iloc[dup]], ignore_index=True).iloc[order]
        out[shape] = folder / f"{shape}.csv"
        frame.to_csv(out[shape], index=False)
    for shape, text in MAPPINGS.items():
        (folder / f"{shape}.toml").write_text(text, encoding="utf-8")
    return out


def _run(argv: list[str], env: dict[str, str]) -> tuple[float, float, str]:
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.perf_counter()
    done = subprocess.run(argv, env=env, capture_output=True, text=True, check=False)
    wall = time.perf_counter() - t0
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if done.returncode != 0:
        raise SystemExit(f"{' '.join(argv)} failed ({done.returncode}): {done.stderr[-800:]}")
    cpu = after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime
    return wall, cpu, done.stdout


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--rows", type=int, default=ROWS)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--out", type=Path, default=HERE / "results" / "import_real_shapes.json")
    args = parser.parse_args()
    sys.path.insert(0, str(ROOT / "src"))
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src"), "COLUMNS": "100"}
    py = sys.executable

    with tempfile.TemporaryDirectory(prefix="hw-real-shapes-") as d:
        tmp = Path(d)
        files = make_files(tmp, args.rows)
        sizes = {s: round(p.stat().st_size / 1e6, 1) for s, p in files.items()}
        load_before = os.getloadavg()
        runs: dict[str, list[dict[str, float]]] = {s: [] for s in files}
        counts: dict[str, object] = {}
        for r in range(args.runs):
            for shape, path in files.items():
                ws = tmp / f"ws-{shape}-{r}"
                _run([py, "-c", SCRIPT, "init", str(ws)], env)
                argv = [
                    py,
                    "-c",
                    SCRIPT,
                    "import",
                    "events",
                    str(path),
                    "--mapping",
                    str(tmp / f"{shape}.toml"),
                    "-w",
                    str(ws),
                    "--json",
                ]
                wall, cpu, stdout = _run(argv, env)
                counts[shape] = json.loads(stdout)
                runs[shape].append({"wall_s": round(wall, 3), "cpu_s": round(cpu, 3)})
                print(
                    f"run {r + 1} {shape:12s} wall {wall:6.2f} s  cpu {cpu:6.2f} s  "
                    f"{args.rows / wall:8.0f} rows/s",
                    flush=True,
                )
        load_after = os.getloadavg()

    med = {
        shape: {
            "wall_s": statistics.median(v["wall_s"] for v in rs),
            "cpu_s": statistics.median(v["cpu_s"] for v in rs),
        }
        for shape, rs in runs.items()
    }
    rate = {
        s: {
            "rows_per_s_wall": round(args.rows / m["wall_s"]),
            "rows_per_s_cpu": round(args.rows / m["cpu_s"]),
        }
        for s, m in med.items()
    }
    ratios = {
        "real_vs_simple_rows_per_s_wall": round(med["simple"]["wall_s"] / med["real"]["wall_s"], 3),
        "real_vs_simple_rows_per_s_cpu": round(med["simple"]["cpu_s"] / med["real"]["cpu_s"], 3),
        "real_vs_real_uniform_rows_per_s_wall": round(
            med["real_uniform"]["wall_s"] / med["real"]["wall_s"], 3
        ),
        "real_vs_real_uniform_rows_per_s_cpu": round(
            med["real_uniform"]["cpu_s"] / med["real"]["cpu_s"], 3
        ),
    }
    result = {
        "benchmark": "import_real_shapes",
        "command": f"{Path(py).name} bench/import_real_shapes.py --rows {args.rows} --runs {args.runs}",
        "timed_command": "hotspotwatch import events FILE --mapping MAP.toml -w FRESH_WS --json",
        "rows": args.rows,
        "file_mb": sizes,
        "runs": args.runs,
        "statistic": "median over runs; shapes interleaved within each run",
        "shapes": {s: {**med[s], **rate[s], "runs": runs[s], "report": counts[s]} for s in files},
        "ratios": ratios,
        "target": {"real_vs_simple_rows_per_s": 0.9},
        "meets_target_wall": ratios["real_vs_simple_rows_per_s_wall"] >= 0.9,
        "meets_target_cpu": ratios["real_vs_simple_rows_per_s_cpu"] >= 0.9,
        "load_average_1_5_15": {
            "before": [round(v, 2) for v in load_before],
            "after": [round(v, 2) for v in load_after],
        },
        "machine": {
            "cpus": os.cpu_count(),
            "python": sys.version.split()[0],
            "platform": platform.platform(),
            "pandas": pd.__version__,
        },
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    print(json.dumps({"ratios": ratios, "rates": rate}, indent=2))


if __name__ == "__main__":
    main()
