"""Benchmark: synthetic-control weights against pysyncon on the same panels.

One panel shaped like a demo hotspot: a treated unit with ~15 events a month and 200
donor cells with 2-10, 24 months before designation and 12 after, indexed by their
pre-period means (as :func:`hotspotwatch.analysis.evaluate.synth.synthetic_control` fits).

1. Unpenalised weights (Abadie et al. 2010, V = I): ``simplex_weights`` (NNLS + exact KKT
   polish) against ``pysyncon.Synth.fit(custom_V=...)`` (SLSQP), same problem, same run.
2. Ridge-penalised weights (the SDID penalty the evaluation uses): ``simplex_weights``
   (primal-dual active set) against pysyncon's SLSQP on the equivalent augmented predictors.
3. One hotspot's whole synthetic control with its 200 placebos (201 fits); pysyncon's time
   for it is extrapolated from its per-fit time (201 x), as running it would take minutes.

Both solve the same convex problem: the bench records the objective each reaches (ours is
never worse) and the largest weight difference.

Run: ``PYTHONPATH=src .venv/bin/python bench/synth_speed.py`` -> ``bench/results/synth_speed.json``.
"""

from __future__ import annotations

import json
import math
import os
import platform
import time
from pathlib import Path

import numpy as np
import pandas as pd
from pysyncon import Synth

from hotspotwatch.analysis.evaluate.synth import sdid_ridge, simplex_weights, synthetic_control

OUT = Path(__file__).resolve().parent / "results" / "synth_speed.json"


def panel(seed: int, n_donors: int = 200) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    t = np.arange(36)
    factor = 1.0 + 0.25 * np.sin(2 * np.pi * t / 12) + 0.01 * t
    donors = rng.poisson(rng.uniform(2.0, 10.0, n_donors)[:, None] * factor).astype(float)
    treated = rng.poisson(15.0 * factor).astype(float)
    return treated, donors, t < 24


def pysyncon_fit(target: np.ndarray, sources: np.ndarray) -> np.ndarray:
    x0 = pd.DataFrame(sources, columns=[f"d{j}" for j in range(sources.shape[1])])
    x1 = pd.Series(target, name="treated")
    sd2 = pd.concat([x0, x1], axis=1).std(axis=1).to_numpy() ** 2
    s = Synth()
    s.fit(X0=x0, X1=x1, Z0=x0, Z1=x1, custom_V=sd2)
    return np.asarray(s.W, dtype=float)


def timed(fn, reps: int) -> tuple[float, object]:  # type: ignore[no-untyped-def]
    out = fn()
    t0 = time.perf_counter()
    for _ in range(reps):
        out = fn()
    return (time.perf_counter() - t0) / reps, out


def main() -> None:
    results: dict[str, object] = {
        "machine": {
            "cpus": os.cpu_count(),
            "python": platform.python_version(),
            "numpy": np.__version__,
            "load_average_at_start": [round(v, 2) for v in os.getloadavg()],
        },
    }
    treated, donors, pre = panel(1)
    x1 = treated / treated[pre].mean()
    x0 = donors / donors[:, pre].mean(axis=1, keepdims=True)
    a, b = x0[:, pre].T, x1[pre]
    lam = sdid_ridge(x0[:, pre], post_months=12)
    aug_a = np.vstack([a, math.sqrt(lam) * np.eye(a.shape[1])])
    aug_b = np.concatenate([b, np.zeros(a.shape[1])])

    for key, ridge, (pa, pb) in (
        ("unpenalised_200_donors_24_months", 0.0, (a, b)),
        ("sdid_ridge_200_donors_24_months", lam, (aug_a, aug_b)),
    ):
        t_ours, (w_ours, _) = timed(lambda r=ridge: simplex_weights(b, a, ridge=r), 20)  # type: ignore[misc]
        t_ref, w_ref = timed(lambda pa=pa, pb=pb: pysyncon_fit(pb, pa), 2)

        def objective(w: np.ndarray, pa: np.ndarray = pa, pb: np.ndarray = pb) -> float:
            return float(np.sum((pb - pa @ w) ** 2))

        results[key] = {
            "ridge": ridge,
            "seconds_ours": round(t_ours, 5),
            "seconds_pysyncon": round(t_ref, 4),
            "speedup": round(t_ref / t_ours, 1),
            "objective_ours": objective(w_ours),  # type: ignore[arg-type]
            "objective_pysyncon": objective(w_ref),  # type: ignore[arg-type]
            "max_weight_difference": float(np.abs(w_ours - w_ref).max()),  # type: ignore[operator]
            "nonzero_weights_ours": int(np.sum(w_ours > 1e-10)),  # type: ignore[operator]
        }
        print(key, results[key])

    t_full, res = timed(lambda: synthetic_control(treated, donors, pre=pre, post=~pre), 3)
    per_fit_ref = results["sdid_ridge_200_donors_24_months"]["seconds_pysyncon"]  # type: ignore[index]
    results["one_hotspot_with_200_placebos"] = {
        "fits": 201,
        "seconds_ours": round(t_full, 3),
        "seconds_pysyncon_extrapolated": round(201 * per_fit_ref, 1),
        "speedup": round(201 * per_fit_ref / t_full, 1),
        "donors": res.donors,  # type: ignore[attr-defined]
        "irr": res.irr,  # type: ignore[attr-defined]
        "ci": [res.ci_low, res.ci_high],  # type: ignore[attr-defined]
    }
    print(results["one_hotspot_with_200_placebos"])
    OUT.write_text(json.dumps(results, indent=2) + "\n")


if __name__ == "__main__":
    main()
