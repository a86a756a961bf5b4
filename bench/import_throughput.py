"""Import throughput: rows per second for a 1,000,000-row CSV into SQLite.

Run: ``.venv/bin/python bench/import_throughput.py [--rows N]``; writes
``bench/results/import_throughput.json``.

The file is a generic police export (id, dd/mm/yyyy date, hour, Lambert 72 x/y, French category
labels, one kept column) imported with a mapping into an EPSG:3812 workspace: read, validate,
transform, fingerprint, upsert, all in one transaction. Target: >= 100,000 rows/s on 2 cores.

Peers measured in the same run, so the ratios hold on any machine:

- ``pandas_read_csv``: ``pandas.read_csv(engine="pyarrow")`` of the same file, the floor for
  *reading alone* (no validation, no store);
- ``naive_rowwise``: what one would write by hand — ``csv.DictReader``, ``datetime.strptime``,
  a pyproj call per row and ``executemany`` into SQLite — on a subset, scaled to rows/s.

Phases (read / check / store) are timed separately so a slow store shows as such. A second
run re-imports the same file (every row unchanged) to time the idempotent path.
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import json
import os
import platform
import sqlite3
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

HERE = Path(__file__).resolve().parent
CATS = {
    "Vente de stupéfiants": "drug_dealing",
    "Détention de stupéfiants": "drug_possession",
    "Vol simple": "theft",
    "Coups et blessures": "assault",
    "Vol avec violence": "robbery",
    "Nuisances": "nuisance",
    "Contrôle d'identité": "police_check",
    "Arrestation": "arrest",
}
MAPPING = """
source = "bench-zone"
crs = "EPSG:31370"
date_format = "%d/%m/%Y"
keep = ["street"]

[columns]
id = "incident_no"
date = "date"
hour = "hour"
x = "x"
y = "y"
category = "type"

[categories]
""" + "\n".join(f'"{k}" = "{v}"' for k, v in CATS.items()) + "\n"


def make_csv(path: Path, n: int, seed: int = 1) -> None:
    rng = np.random.default_rng(seed)
    days = pd.Timestamp("2022-01-01") + pd.to_timedelta(rng.integers(0, 3 * 365, n), unit="D")
    frame = pd.DataFrame({
        "incident_no": [f"PV{i:08d}" for i in range(n)],
        "date": days.strftime("%d/%m/%Y"),
        "hour": rng.integers(0, 24, n),
        "x": np.round(rng.uniform(141000, 157000, n), 1),
        "y": np.round(rng.uniform(163000, 178000, n), 1),
        "type": rng.choice(list(CATS), n),
        "street": rng.choice(["Rue Neuve", "Boulevard Anspach", "Place Lemonnier", "Rue de Brabant"], n),
    })
    frame.to_csv(path, sep=";", index=False)


def naive_rowwise(path: Path, limit: int) -> float:
    """Rows/s of a straightforward per-row importer (the hand-written peer)."""
    from pyproj import Transformer

    tr = Transformer.from_crs("EPSG:31370", "EPSG:3812", always_xy=True)
    db = sqlite3.connect(":memory:")
    db.execute("create table e (source text, source_id text, category text, occurred_at text, x real,"
               " y real, unique(source, source_id))")
    t0 = time.perf_counter()
    rows = []
    with path.open(encoding="utf-8", newline="") as fh:
        for i, r in enumerate(csv.DictReader(fh, delimiter=";")):
            if i >= limit:
                break
            when = dt.datetime.strptime(r["date"], "%d/%m/%Y") + dt.timedelta(hours=int(r["hour"]))
            x, y = tr.transform(float(r["x"]), float(r["y"]))
            rows.append(("bench", r["incident_no"], CATS[r["type"]], when.isoformat(), x, y))
    db.executemany("insert into e values (?,?,?,?,?,?)", rows)
    db.commit()
    return limit / (time.perf_counter() - t0)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--out", type=Path, default=HERE / "results" / "import_throughput.json")
    args = parser.parse_args()

    from hotspotwatch import Workspace
    from hotspotwatch.io.mapping import EventMapping
    from hotspotwatch.workflows import ingest

    tmp = Path(tempfile.mkdtemp(prefix="hw-bench-"))
    src = tmp / "events.csv"
    make_csv(src, args.rows)
    mp = tmp / "mapping.toml"
    mp.write_text(MAPPING, encoding="utf-8")

    t0 = time.perf_counter()
    pd.read_csv(src, sep=";", engine="pyarrow")
    t_pandas = time.perf_counter() - t0

    ws = Workspace.create(tmp / "ws", crs="EPSG:3812", timezone="Europe/Brussels")
    stamps: dict[str, float] = {}

    def progress(_file: str, stage: str, done: int, total: int) -> None:
        key = f"{stage}_{'end' if done and done == total else 'start'}"
        stamps.setdefault(key, time.perf_counter())

    import tomllib

    mapping = EventMapping.from_dict(tomllib.loads(MAPPING), name="bench")
    t0 = time.perf_counter()
    (first,) = ingest.import_events(ws, [src], mapping=mapping, progress=progress)
    t_first = time.perf_counter() - t0
    phases = {
        "read_s": stamps["read_end"] - stamps["read_start"],
        "check_s": stamps["check_end"] - stamps["check_start"],
        "store_s": stamps["store_end"] - stamps["store_start"],
    }
    t0 = time.perf_counter()
    (second,) = ingest.import_events(ws, [src], mapping=mapping)
    t_second = time.perf_counter() - t0
    ws.close()

    naive_n = min(args.rows, 100_000)
    naive_rate = naive_rowwise(src, naive_n)

    rate = args.rows / t_first
    result = {
        "benchmark": "import_throughput",
        "rows": args.rows,
        "file_mb": round(src.stat().st_size / 1e6, 1),
        "backend": "sqlite",
        "first_import": {"seconds": round(t_first, 2), "rows_per_s": round(rate),
                         **{k: round(v, 2) for k, v in phases.items()}, "counts": first.counts()},
        "reimport_unchanged": {"seconds": round(t_second, 2), "rows_per_s": round(args.rows / t_second),
                               "counts": second.counts()},
        "peers": {
            "pandas_read_csv_pyarrow": {"seconds": round(t_pandas, 2),
                                        "rows_per_s": round(args.rows / t_pandas)},
            "naive_rowwise": {"rows": naive_n, "rows_per_s": round(naive_rate)},
        },
        "ratios": {
            "import_vs_naive_rowwise": round(rate / naive_rate, 2),
            "import_time_vs_pandas_read_only": round(t_first / t_pandas, 2),
            "store_share_of_import": round(phases["store_s"] / t_first, 2),
        },
        "target_rows_per_s": 100_000,
        "meets_target": rate >= 100_000,
        "machine": {"cpus": os.cpu_count(), "python": sys.version.split()[0],
                    "platform": platform.platform(), "pandas": pd.__version__},
        "command": ".venv/bin/python bench/import_throughput.py",
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
