"""Simulation study: does the evaluation recover the planted effects of the Brussels scenario?

Over seeded replications of the simulated city (scale 1), runs exactly the workflow's design
and estimators (``hotspotwatch.analysis.evaluate.strategy.evaluate_frames``, no database) and checks:

- the 95 % intervals of each hotspot's harm IRR contain the planted ``harm_irr`` in 90–99 %
  of hotspot-replications (same for the buffer ``buffer_irr``, reported);
- hotspots with an exactly null planted effect are called "reduction" or "increase" (after
  FDR) in at most 5 % of replications;
- the pooled random-effects interval covers the planted ``strategy_harm_irr``.

Speed is reported as a ratio against the peer: our ``did()`` (array GLM) against the
statsmodels formula GLM with the same fixed effects, timed on the same panels in this run.

Run: ``.venv/bin/python bench/evaluation_recovery.py [--reps 200] [--workers 2]``; writes
``bench/results/evaluation_recovery.json``.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import platform
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import Any

import numpy as np

START = "2023-01-01"  # enough for the 12-month pre-period before 2024-03-28


def one_replication(seed: int) -> dict[str, Any]:
    from hotspotwatch.analysis.evaluate.strategy import evaluate_frames
    from hotspotwatch.scenarios.brussels import (
        designation_frame,
        hotspot_frame,
        load_geography,
        simulate,
    )

    t0 = time.perf_counter()
    sim = simulate(seed=seed, start=START)
    t1 = time.perf_counter()
    geo = load_geography()
    res = evaluate_frames(sim.events, hotspot_frame(), designation_frame(), geo.outline, seed=seed)
    t2 = time.perf_counter()
    truth = sim.truth
    rows = []
    for h in res.hotspots:
        tr = truth["hotspots"][h.name]
        rows.append(
            {
                "name": h.name,
                "harm_irr": tr["harm_irr"],
                "buffer_irr": tr["buffer_irr"],
                "irr": h.did.irr,
                "ci_low": h.did.ci_low,
                "ci_high": h.did.ci_high,
                "covered": bool(h.did.ci_low <= tr["harm_irr"] <= h.did.ci_high),
                "buffer_covered": bool(
                    h.buffer_did.ci_low <= tr["buffer_irr"] <= h.buffer_did.ci_high
                ),
                "verdict": h.verdict.label,
                "buffer_verdict": h.buffer_verdict.label,
                "mdr": h.min_detectable_ratio,
            }
        )
    p = res.pooled
    assert p is not None
    pooled = {
        "irr": math.exp(p.estimate),
        "ci_low": math.exp(p.ci_low),
        "ci_high": math.exp(p.ci_high),
        "truth": truth["strategy_harm_irr"],
        "covered": bool(math.exp(p.ci_low) <= truth["strategy_harm_irr"] <= math.exp(p.ci_high)),
        "i2": p.i2,
    }
    return {
        "seed": seed,
        "hotspots": rows,
        "pooled": pooled,
        "seconds_simulate": t1 - t0,
        "seconds_evaluate": t2 - t1,
    }


def speed_vs_statsmodels(n_panels: int = 20) -> dict[str, float]:
    import pandas as pd
    import statsmodels.api as sm
    import statsmodels.formula.api as smf

    from hotspotwatch.analysis.evaluate import did

    rng = np.random.default_rng(0)
    n_m = 33
    unit = np.repeat([0, 1], n_m)
    time_ = np.tile(np.arange(n_m), 2)
    post = time_ >= 12
    panels = [
        rng.poisson(np.where(unit == 0, 12, 130) * (1 + 0.2 * np.sin(time_)))
        for _ in range(n_panels)
    ]
    t = time.perf_counter()
    ours = [did(y, unit=unit, time=time_, treated=unit == 0, post=post).log_irr for y in panels]
    t_ours = time.perf_counter() - t
    t = time.perf_counter()
    ref = []
    for y in panels:
        df = pd.DataFrame({"y": y, "u": unit, "m": time_, "d": ((unit == 0) & post).astype(int)})
        ref.append(
            smf.glm("y ~ d + C(u) + C(m)", df, family=sm.families.Poisson())
            .fit(scale="X2")
            .params["d"]
        )
    t_ref = time.perf_counter() - t
    return {
        "panels": n_panels,
        "ours_seconds": t_ours,
        "statsmodels_formula_seconds": t_ref,
        "speed_ratio_statsmodels_over_ours": t_ref / t_ours,
        "max_abs_diff_log_irr": float(np.max(np.abs(np.array(ours) - np.array(ref)))),
    }


def summarise(reps: list[dict[str, Any]]) -> dict[str, Any]:
    rows = [r for rep in reps for r in rep["hotspots"]]
    cov = np.mean([r["covered"] for r in rows])
    bcov = np.mean([r["buffer_covered"] for r in rows])
    null = [r for r in rows if r["harm_irr"] == 1.0]
    false_calls = (
        np.mean([r["verdict"] != "no_detectable_change" for r in null]) if null else math.nan
    )
    per_hotspot: dict[str, dict[str, float]] = {}
    for name in sorted({r["name"] for r in rows}):
        rs = [r for r in rows if r["name"] == name]
        per_hotspot[name] = {
            "harm_irr": rs[0]["harm_irr"],
            "coverage": float(np.mean([r["covered"] for r in rs])),
            "buffer_coverage": float(np.mean([r["buffer_covered"] for r in rs])),
            "mean_log_bias": float(
                np.mean(
                    [
                        math.log(r["irr"]) - math.log(r["harm_irr"])
                        for r in rs
                        if 0 < r["irr"] < math.inf
                    ]
                )
            ),
            "share_reduction": float(np.mean([r["verdict"] == "reduction" for r in rs])),
            "share_increase": float(np.mean([r["verdict"] == "increase" for r in rs])),
        }
    pooled_cov = float(np.mean([rep["pooled"]["covered"] for rep in reps]))
    return {
        "replications": len(reps),
        "hotspot_replications": len(rows),
        "coverage_95": float(cov),
        "coverage_ok_90_99": bool(0.90 <= cov <= 0.99),
        "buffer_coverage_95": float(bcov),
        "null_hotspot_replications": len(null),
        "null_false_verdict_rate_after_fdr": float(false_calls),
        "null_false_verdict_ok_le_5pct": bool(false_calls <= 0.05),
        "pooled_coverage_95": pooled_cov,
        "pooled_mean_irr": float(np.mean([rep["pooled"]["irr"] for rep in reps])),
        "strategy_harm_irr_mean": float(np.mean([rep["pooled"]["truth"] for rep in reps])),
        "per_hotspot": per_hotspot,
        "seconds_per_replication_simulate": float(np.mean([r["seconds_simulate"] for r in reps])),
        "seconds_per_replication_evaluate": float(np.mean([r["seconds_evaluate"] for r in reps])),
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--reps", type=int, default=200)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--first-seed", type=int, default=1000)
    ap.add_argument(
        "--out", default=str(Path(__file__).parent / "results" / "evaluation_recovery.json")
    )
    args = ap.parse_args()
    t = time.perf_counter()
    seeds = list(range(args.first_seed, args.first_seed + args.reps))
    reps: list[dict[str, Any]] = []
    out_path = Path(args.out)
    out_path.parent.mkdir(parents=True, exist_ok=True)

    def write(final: bool) -> dict[str, Any]:
        # Written every 10 replications too, so a long study interrupted midway still leaves
        # an honest (and labelled) partial record.
        out = {
            "benchmark": "evaluation_recovery",
            "command": f"python bench/evaluation_recovery.py --reps {args.reps} --workers {args.workers}",
            "complete": final,
            "replications_planned": args.reps,
            "scale": 1,
            "simulated_period": [START, "2025-12-31"],
            "summary": summarise(reps),
            "speed": speed_vs_statsmodels() if final else None,
            "wall_seconds": time.perf_counter() - t,
            "machine": {
                "python": platform.python_version(),
                "cpus_used": args.workers,
                "loadavg": list(os.getloadavg()),
            },
        }
        out_path.write_text(json.dumps(out, indent=2) + "\n")
        return out

    with ProcessPoolExecutor(max_workers=args.workers) as pool:
        for i, rep in enumerate(pool.map(one_replication, seeds), 1):
            reps.append(rep)
            if i % 10 == 0:
                s = summarise(reps)
                print(
                    f"{i}/{len(seeds)} coverage={s['coverage_95']:.3f} "
                    f"null_false={s['null_false_verdict_rate_after_fdr']:.3f} "
                    f"pooled_cov={s['pooled_coverage_95']:.3f}",
                    flush=True,
                )
                write(final=False)
    out = write(final=True)
    print(json.dumps(out["summary"] | {"per_hotspot": "..."}, indent=2))
    print(json.dumps(out["speed"], indent=2))


if __name__ == "__main__":
    main()
