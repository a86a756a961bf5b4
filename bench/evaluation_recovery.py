"""Simulation study: does the evaluation recover the planted effects of the Brussels scenario?

Over seeded replications of the simulated city (scale 1, 2021-01-01 to 2025-12-31), runs
exactly the workflow's design and estimators
(``hotspotwatch.analysis.evaluate.strategy.evaluate_frames``, no database) twice:

- **default**: ``evaluate_frames`` with its defaults (the method the software ships);
- **naive 12-month DiD**: ``pre_months=12`` and, when ``evaluate_frames`` has a selection
  window, that window set to 0: the pre-period is the 12 months just before designation,
  the selection spike included. With ``--selection peak`` it should fail: that shows the
  trap is real.

With ``--selection peak`` (the default here) each designation follows a transient harm spike
(+40 % over the 6 months before it; ``simulate(..., selection="peak")``), the way real places
are chosen; ``--selection none`` simulates designations independent of recent harm. The
planted ``harm_irr`` is the causal effect (post-designation harm against the no-spike
counterfactual) either way.

Checks (issue 16, "Must show"):

- the default method's 95 % intervals contain the planted ``harm_irr`` in 90–99 % of
  hotspot-replications (reported over every evaluated place, and leaving out places labelled
  ``too_early`` or ``uncertain``; the FDR-adjusted interval ``ci_low_adjusted`` /
  ``ci_high_adjusted`` too when the evaluation has it); the naive DiD's coverage beside it;
- hotspots with an exactly null planted effect get "reduction" or "increase" (after FDR) in
  at most 5 % of their replications;
- too-early places (labelled ``too_early``, or with fewer than 6 months after designation)
  never get "reduction" or "increase";
- the pooled interval covers the planted ``strategy_harm_irr`` in 90–99 % of replications.
  ``strategy_harm_irr`` is the fixed-weight (inverse-variance) mean of the planted place
  effects (``scenarios/brussels/truth.py``), so the row ``pooled_coverage_95`` judges the
  evaluation's fixed-weight interval (``pooled.fixed``) against it. The random-effects (REML)
  interval, the one the pooled verdict reads, is recorded beside it
  (``pooled_coverage_95_random_effects``): its :math:`\\tau^2` treats the places as drawn
  from a population, so it is wider than this fixed set of places needs.

Speed is reported as a ratio against the peer: our ``did()`` (array GLM) against the
statsmodels formula GLM with the same fixed effects, timed on the same panels in this run.

Run: ``.venv/bin/python bench/evaluation_recovery.py [--selection peak|none] [--reps 200]
[--workers 2] [--resume]``; writes ``bench/results/evaluation_recovery_peak.json`` (or
``evaluation_recovery.json`` for ``--selection none``). Progress is printed after every
replication and the JSON is rewritten after each one (``"complete": false`` until the end);
each replication is also appended to ``bench/results/tmp/<name>.reps.jsonl``, so
``--resume`` continues an interrupted study where it stopped (same settings only).
"""

from __future__ import annotations

import argparse
import inspect
import json
import math
import os
import platform
import sys
import time
from collections.abc import Iterator
from concurrent.futures import ProcessPoolExecutor, as_completed
from pathlib import Path
from typing import Any

import numpy as np

# At least 30 months before the first designation (2024-03-28): a 6-month selection window
# left out plus a 24-month baseline. 2021-01-01 (the simulator's default) gives 38.
START = "2021-01-01"
END = "2025-12-31"
TOO_EARLY_MONTHS = 6  # issue 16: fewer than K = 6 months after designation
DIRECTIONAL = ("reduction", "increase")
EXCLUDED_FROM_COVERAGE = ("too_early", "uncertain")


def naive_kwargs() -> dict[str, Any]:
    """Arguments of ``evaluate_frames`` that make it the naive 12-month DiD.

    ``pre_months=12`` and every selection-window parameter (``selection_window``... when the
    evaluation has one) set to 0, so the pre-period is the 12 months just before designation;
    without the selection placebo's correction and the synthetic control.
    """
    from hotspotwatch.analysis.evaluate.strategy import evaluate_frames

    params = inspect.signature(evaluate_frames).parameters
    out: dict[str, Any] = {"pre_months": 12}
    for name in params:
        if "selection" in name and ("window" in name or "months" in name):
            out[name] = 0
    # the naive DiD alone: no selection placebo (it would correct the naive design's bias)
    # and no synthetic control (it only downgrades verdicts; the DiD interval is measured)
    if "selection_placebo" in params:
        out["selection_placebo"] = False
    if "synth_donors" in params:
        out["synth_donors"] = 0
    return out


def default_kwargs() -> dict[str, Any]:
    """The defaults of ``evaluate_frames`` the default method runs with (for the record)."""
    from hotspotwatch.analysis.evaluate.strategy import evaluate_frames

    params = inspect.signature(evaluate_frames).parameters
    return {
        n: p.default
        for n, p in params.items()
        if p.default is not inspect.Parameter.empty
        and isinstance(p.default, int | float | str | bool | type(None))
    }


def _same_as_default(naive: dict[str, Any], default: dict[str, Any]) -> bool:
    return all(default.get(k) == v for k, v in naive.items())


def _num(value: Any) -> float:
    return math.nan if value is None else float(value)


def _rows(payload: dict[str, Any], truth: dict[str, Any]) -> list[dict[str, Any]]:
    """One row per evaluated hotspot: the numbers the summary reads (``to_dict`` keys)."""
    rows = []
    for h in payload["hotspots"]:
        tr = truth["hotspots"][h["name"]]
        target = tr["harm_irr"]
        lo, hi = _num(h.get("ci_low")), _num(h.get("ci_high"))
        row: dict[str, Any] = {
            "name": h["name"],
            "harm_irr": target,
            "irr": _num(h.get("irr")),
            "ci_low": lo,
            "ci_high": hi,
            "covered": bool(lo <= target <= hi),
            "verdict": h.get("verdict"),
            "mdr": _num(h.get("min_detectable_ratio")),
            "post_months": _num((h.get("design") or {}).get("post_months")),
            "pre_months": (h.get("design") or {}).get("pre_months"),
        }
        if "ci_low_adjusted" in h and "ci_high_adjusted" in h:
            alo, ahi = _num(h["ci_low_adjusted"]), _num(h["ci_high_adjusted"])
            row |= {
                "ci_low_adjusted": alo,
                "ci_high_adjusted": ahi,
                "covered_adjusted": bool(alo <= target <= ahi),
            }
        buf = h.get("buffer") or {}
        if "ci_low" in buf:
            row["buffer_covered"] = bool(
                _num(buf["ci_low"]) <= tr["buffer_irr"] <= _num(buf["ci_high"])
            )
        rows.append(row)
    return rows


def _pooled(payload: dict[str, Any], truth: dict[str, Any]) -> dict[str, Any] | None:
    p = payload.get("pooled")
    if not p:
        return None
    target = truth["strategy_harm_irr"]
    fixed = p.get("fixed")
    out = {
        "irr": p["irr"],
        "ci_low": p["ci_low"],
        "ci_high": p["ci_high"],
        "truth": target,
        # the random-effects (REML) interval: the pooled verdict reads it
        "covered_random_effects": bool(p["ci_low"] <= target <= p["ci_high"]),
        "i2": p.get("i2"),
        "tau2": p.get("tau2"),
        "verdict": p.get("verdict"),
        "fixed": None,
        "covered": None,
    }
    if fixed is not None:  # the fixed-weight interval, for the fixed-weight estimand
        out["fixed"] = {k: fixed[k] for k in ("irr", "ci_low", "ci_high")}
        out["covered"] = bool(fixed["ci_low"] <= target <= fixed["ci_high"])
    return out


def one_replication(seed: int, selection: str) -> dict[str, Any]:
    from hotspotwatch.analysis.evaluate.strategy import evaluate_frames
    from hotspotwatch.scenarios.brussels import (
        designation_frame,
        hotspot_frame,
        load_geography,
        simulate,
    )

    t0 = time.perf_counter()
    sim = simulate(seed=seed, start=START, end=END, selection=selection)
    t1 = time.perf_counter()
    frames = (sim.events, hotspot_frame(), designation_frame(), load_geography().outline)
    default = evaluate_frames(*frames, seed=seed).to_dict()
    t2 = time.perf_counter()
    naive_kw = naive_kwargs()
    if _same_as_default(naive_kw, default_kwargs()):
        naive = default  # the evaluation has no selection window yet: one run serves both
    else:
        naive = evaluate_frames(*frames, seed=seed, **naive_kw).to_dict()
    t3 = time.perf_counter()
    truth = sim.truth
    return {
        "seed": seed,
        "selection": selection,
        "default": {"hotspots": _rows(default, truth), "pooled": _pooled(default, truth)},
        "naive": {"hotspots": _rows(naive, truth), "pooled": _pooled(naive, truth)},
        "seconds_simulate": t1 - t0,
        "seconds_evaluate_default": t2 - t1,
        "seconds_evaluate_naive": t3 - t2,
    }


def _rate(flags: list[bool]) -> float | None:
    return float(np.mean(flags)) if flags else None


def _in(value: float | None, low: float, high: float) -> bool | None:
    return None if value is None else bool(low <= value <= high)


def summarise_method(reps: list[dict[str, Any]], key: str) -> dict[str, Any]:
    """Coverage, false verdicts and pooled coverage of one method (``default`` / ``naive``)."""
    rows = [r for rep in reps for r in rep[key]["hotspots"]]
    finite = [r for r in rows if math.isfinite(r["ci_low"]) and math.isfinite(r["ci_high"])]
    counted = [r for r in finite if r["verdict"] not in EXCLUDED_FROM_COVERAGE]
    adjusted = [r for r in rows if "covered_adjusted" in r]
    null = [r for r in rows if r["harm_irr"] == 1.0]
    early = [
        r
        for r in rows
        if r["verdict"] == "too_early"
        or (math.isfinite(r["post_months"]) and r["post_months"] < TOO_EARLY_MONTHS)
    ]
    pooled = [rep[key]["pooled"] for rep in reps if rep[key]["pooled"] is not None]
    cov = _rate([r["covered"] for r in finite])
    cov_counted = _rate([r["covered"] for r in counted])
    null_false = _rate([r["verdict"] in DIRECTIONAL for r in null])
    pooled_cov = _rate([p["covered"] for p in pooled if p["covered"] is not None])
    pooled_cov_re = _rate([p["covered_random_effects"] for p in pooled])
    verdicts: dict[str, int] = {}
    for r in rows:
        verdicts[str(r["verdict"])] = verdicts.get(str(r["verdict"]), 0) + 1
    per_hotspot: dict[str, dict[str, Any]] = {}
    for name in sorted({r["name"] for r in rows}):
        rs = [r for r in rows if r["name"] == name]
        logs = [math.log(r["irr"]) - math.log(r["harm_irr"]) for r in rs if 0 < r["irr"] < math.inf]
        per_hotspot[name] = {
            "harm_irr": rs[0]["harm_irr"],
            "replications": len(rs),
            "coverage": _rate([r["covered"] for r in rs]),
            "coverage_adjusted": _rate(
                [r["covered_adjusted"] for r in rs if "covered_adjusted" in r]
            ),
            "mean_log_bias": float(np.mean(logs)) if logs else None,
            "share_reduction": _rate([r["verdict"] == "reduction" for r in rs]),
            "share_increase": _rate([r["verdict"] == "increase" for r in rs]),
            "share_too_early": _rate([r["verdict"] == "too_early" for r in rs]),
            "share_uncertain": _rate([r["verdict"] == "uncertain" for r in rs]),
            "mean_post_months": float(np.mean([r["post_months"] for r in rs])),
        }
    return {
        "hotspot_replications": len(rows),
        "hotspot_replications_with_interval": len(finite),
        "coverage_95": cov,
        "coverage_ok_90_99": _in(cov, 0.90, 0.99),
        "hotspot_replications_counted": len(counted),
        "coverage_95_excluding_too_early_uncertain": cov_counted,
        "coverage_excluding_ok_90_99": _in(cov_counted, 0.90, 0.99),
        "adjusted_intervals_present": bool(adjusted),
        "coverage_95_adjusted": _rate([r["covered_adjusted"] for r in adjusted]),
        "buffer_coverage_95": _rate([r["buffer_covered"] for r in rows if "buffer_covered" in r]),
        "null_hotspot_replications": len(null),
        "null_false_verdict_rate_after_fdr": null_false,
        "null_false_verdict_ok_le_5pct": None if null_false is None else null_false <= 0.05,
        "too_early_hotspot_replications": len(early),
        "too_early_with_reduction_or_increase": sum(r["verdict"] in DIRECTIONAL for r in early),
        "too_early_ok_never_directional": not any(r["verdict"] in DIRECTIONAL for r in early),
        "verdict_counts": dict(sorted(verdicts.items())),
        "pooled_replications": len(pooled),
        "pooled_coverage_interval": "fixed (inverse-variance) against strategy_harm_irr",
        "pooled_coverage_95": pooled_cov,
        "pooled_coverage_ok_90_99": _in(pooled_cov, 0.90, 0.99),
        "pooled_coverage_95_random_effects": pooled_cov_re,
        "pooled_coverage_random_effects_ok_90_99": _in(pooled_cov_re, 0.90, 0.99),
        "pooled_mean_irr": float(np.mean([p["irr"] for p in pooled])) if pooled else None,
        "pooled_mean_irr_fixed": float(np.mean([p["fixed"]["irr"] for p in pooled if p["fixed"]]))
        if any(p["fixed"] for p in pooled)
        else None,
        "per_hotspot": per_hotspot,
    }


def summarise(reps: list[dict[str, Any]]) -> dict[str, Any]:
    if not reps:
        return {"replications": 0}
    return {
        "replications": len(reps),
        "seeds": sorted(rep["seed"] for rep in reps),
        "strategy_harm_irr_mean": float(
            np.mean([rep["default"]["pooled"]["truth"] for rep in reps if rep["default"]["pooled"]])
        ),
        "default": summarise_method(reps, "default"),
        "naive_12_month_did": summarise_method(reps, "naive"),
        "seconds_per_replication_simulate": float(np.mean([r["seconds_simulate"] for r in reps])),
        "seconds_per_replication_evaluate_default": float(
            np.mean([r["seconds_evaluate_default"] for r in reps])
        ),
        "seconds_per_replication_evaluate_naive": float(
            np.mean([r["seconds_evaluate_naive"] for r in reps])
        ),
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


def _settings(selection: str) -> dict[str, Any]:
    """What a replication depends on: a resumed study reuses only records made with these."""
    return {
        "selection": selection,
        "simulated_period": [START, END],
        "scale": 1,
        "default_method": default_kwargs(),
        "naive_method": naive_kwargs(),
    }


def _load_done(path: Path, settings: dict[str, Any]) -> list[dict[str, Any]]:
    done: list[dict[str, Any]] = []
    if not path.exists():
        return done
    skipped = 0
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.strip():
            continue
        try:
            rec = json.loads(line)
        except json.JSONDecodeError:  # a line cut by an interruption
            skipped += 1
            continue
        if rec.get("settings") == settings:
            done.append(rec["replication"])
        else:
            skipped += 1
    if skipped:
        print(f"resume: {skipped} record(s) in {path} made with other settings ignored", flush=True)
    return done


def _run(seeds: list[int], selection: str, workers: int) -> Iterator[dict[str, Any]]:
    if workers <= 1:
        for seed in seeds:
            yield one_replication(seed, selection)
        return
    with ProcessPoolExecutor(max_workers=workers) as pool:
        futures = [pool.submit(one_replication, s, selection) for s in seeds]
        for fut in as_completed(futures):
            yield fut.result()


def _progress_line(i: int, total: int, rep: dict[str, Any], s: dict[str, Any], eta: float) -> str:
    d, n = s["default"], s["naive_12_month_did"]

    def f(x: float | None) -> str:
        return "  n/a" if x is None else f"{x:.3f}"

    return (
        f"{i}/{total} seed={rep['seed']} coverage default={f(d['coverage_95'])} "
        f"(excl. too_early/uncertain {f(d['coverage_95_excluding_too_early_uncertain'])}) "
        f"naive={f(n['coverage_95'])} null_false={f(d['null_false_verdict_rate_after_fdr'])} "
        f"too_early_directional={d['too_early_with_reduction_or_increase']} "
        f"pooled fixed default={f(d['pooled_coverage_95'])} naive={f(n['pooled_coverage_95'])} "
        f"REML default={f(d['pooled_coverage_95_random_effects'])} "
        f"eta={eta / 60:.0f} min"
    )


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    ap.add_argument("--reps", type=int, default=200, help="replications (seeds) in the study")
    ap.add_argument("--workers", type=int, default=2, help="processes (1: in this process)")
    ap.add_argument("--first-seed", type=int, default=1000)
    ap.add_argument(
        "--selection",
        choices=("peak", "none"),
        default="peak",
        help="peak: each designation follows a +40 %% harm spike (the trap); none: it does not",
    )
    ap.add_argument("--out", default=None, help="JSON path (default bench/results/...)")
    ap.add_argument(
        "--resume",
        action="store_true",
        help="keep the replications already in the .reps.jsonl record and run the rest",
    )
    args = ap.parse_args(argv)
    if args.reps < 1:
        ap.error("--reps must be at least 1")
    results = Path(__file__).parent / "results"
    name = "evaluation_recovery" + ("" if args.selection == "none" else f"_{args.selection}")
    out_path = Path(args.out) if args.out else results / f"{name}.json"
    log_path = results / "tmp" / f"{out_path.stem}.reps.jsonl"
    out_path.parent.mkdir(parents=True, exist_ok=True)
    log_path.parent.mkdir(parents=True, exist_ok=True)
    settings = _settings(args.selection)
    seeds = list(range(args.first_seed, args.first_seed + args.reps))
    reps = [r for r in _load_done(log_path, settings) if r["seed"] in seeds] if args.resume else []
    if not args.resume:
        log_path.write_text("", encoding="utf-8")
    done = {r["seed"] for r in reps}
    todo = [s for s in seeds if s not in done]
    if reps:
        print(f"resume: {len(reps)} replication(s) already done, {len(todo)} to run", flush=True)
    t = time.perf_counter()

    def write(final: bool) -> dict[str, Any]:
        command = (
            f"python bench/evaluation_recovery.py --selection {args.selection} "
            f"--reps {args.reps} --workers {args.workers}"
            + (f" --first-seed {args.first_seed}" if args.first_seed != 1000 else "")
        )
        out = {
            "benchmark": "evaluation_recovery",
            "command": command,
            "complete": final,
            "replications_planned": args.reps,
            "replications_run": len(reps),
            **settings,
            "too_early_rule": f"verdict too_early, or fewer than {TOO_EARLY_MONTHS} months after "
            "designation",
            "coverage_excludes_verdicts": list(EXCLUDED_FROM_COVERAGE),
            "summary": summarise(reps),
            "speed": speed_vs_statsmodels() if final else None,
            "wall_seconds": time.perf_counter() - t,
            "machine": {
                "python": platform.python_version(),
                "cpus_used": args.workers,
                "loadavg": list(os.getloadavg()),
            },
        }
        tmp = out_path.with_suffix(".json.part")
        tmp.write_text(json.dumps(out, indent=2) + "\n", encoding="utf-8")
        tmp.replace(out_path)  # never a half-written JSON
        return out

    print(
        f"evaluation recovery: selection={args.selection}, {len(todo)} replication(s) "
        f"on {args.workers} worker(s), naive method {settings['naive_method']}",
        flush=True,
    )
    with log_path.open("a", encoding="utf-8") as log:
        for i, rep in enumerate(_run(todo, args.selection, args.workers), 1):
            reps.append(rep)
            log.write(json.dumps({"settings": settings, "replication": rep}) + "\n")
            log.flush()
            elapsed = time.perf_counter() - t
            eta = elapsed / i * (len(todo) - i)
            print(_progress_line(len(reps), len(seeds), rep, summarise(reps), eta), flush=True)
            write(final=False)
    out = write(final=True)
    summary = out["summary"]
    brief = {
        k: ({kk: vv for kk, vv in v.items() if kk != "per_hotspot"} if isinstance(v, dict) else v)
        for k, v in summary.items()
        if k != "seeds"
    }
    print(json.dumps(brief, indent=2))
    print(json.dumps(out["speed"], indent=2))
    print(f"wrote {out_path}", file=sys.stderr)


if __name__ == "__main__":
    main()
