"""Detection benchmarks: speed as ratios against peers measured in the same run.

Run: ``.venv/bin/python bench/detect.py`` → ``bench/results/detect.json``.

1. Gi* with 999 conditional permutations on a 100×100 grid vs esda ``G_Local``
   (target ≥ 10× faster; analytic z identical).
2. Gaussian KDE of 100 000 points on a 200×200 grid vs scipy ``gaussian_kde`` with the
   same isotropic bandwidth (accuracy: max relative difference on cells above 1 % of the
   peak < 1e-3) and vs KDEpy ``FFTKDE`` (target: ≤ 1.5× its time).
3. Analytic Gi* on a 1000×1000 grid (target < 1 s).
"""

from __future__ import annotations

import json
import platform
import time
import warnings
from pathlib import Path

import numpy as np
from scipy import linalg
from scipy.stats import gaussian_kde

from hotspotwatch.detect import gistar_grid, kde


def best_of(fn, repeat: int = 3) -> float:  # type: ignore[no-untyped-def]
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return min(times)


def bench_gistar_permutations() -> dict[str, object]:
    import esda
    import libpysal

    rng = np.random.default_rng(0)
    counts = rng.poisson(1.0, size=(100, 100)).astype(float)
    counts[40:46, 40:46] += 4
    w = libpysal.weights.lat2W(100, 100, rook=False)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        t0 = time.perf_counter()
        ref = esda.G_Local(counts.ravel(), w, transform="B", star=True, permutations=999, seed=1, n_jobs=1)
        t_esda = time.perf_counter() - t0
    ours = gistar_grid(counts, permutations=999, seed=1, alternative="folded")
    t_ours = best_of(lambda: gistar_grid(counts, permutations=999, seed=1))
    assert ours.p_sim is not None
    return {
        "grid": "100x100 queen (binary, self included)",
        "permutations": 999,
        "esda_seconds": t_esda,
        "hotspotwatch_seconds": t_ours,
        "speedup_vs_esda": t_esda / t_ours,
        "target_speedup": 10,
        "max_abs_z_difference": float(np.max(np.abs(ours.z.ravel() - ref.Zs))),
        "max_abs_p_sim_difference_folded": float(np.max(np.abs(ours.p_sim.ravel() - ref.p_sim))),
        "esda_numba": _has_numba(),
    }


def _has_numba() -> bool:
    try:
        import numba  # noqa: F401
    except ImportError:
        return False
    return True


def bench_kde() -> dict[str, object]:
    from KDEpy import FFTKDE

    rng = np.random.default_rng(1)
    n = 100_000
    x = np.r_[rng.normal(0, 1000, n // 2), rng.normal(2500, 600, n // 2)]
    y = np.r_[rng.normal(0, 1000, n // 2), rng.normal(1500, 500, n // 2)]
    extent = (-4000.0, -4000.0, 5000.0, 5000.0)
    res = kde(x, y, bandwidth="scott", kernel="gaussian", shape=(200, 200), extent=extent)
    h = res.bandwidth

    class Iso(gaussian_kde):
        def _compute_covariance(self) -> None:
            self.factor = 1.0
            self.covariance = np.eye(2) * h * h
            self.cho_cov = linalg.cholesky(self.covariance, lower=True)
            self.log_det = 2 * np.log(np.diag(self.cho_cov * np.sqrt(2 * np.pi))).sum()

    gx, gy = res.centres()
    t0 = time.perf_counter()
    exact = Iso(np.vstack([x, y]))(np.vstack([gx.ravel(), gy.ravel()])).reshape(gx.shape) * n
    t_scipy = time.perf_counter() - t0
    big = exact > 0.01 * exact.max()
    rel = float(np.max(np.abs(res.density[big] - exact[big]) / exact[big]))
    t_ours = best_of(lambda: kde(x, y, bandwidth=h, kernel="gaussian", shape=(200, 200), extent=extent), 5)
    data = np.column_stack([x, y])
    t_kdepy = best_of(lambda: FFTKDE(kernel="gaussian", bw=h).fit(data).evaluate((200, 200)), 5)
    return {
        "points": n,
        "grid": "200x200",
        "bandwidth_m": h,
        "cell_size_m": res.cell_size[0],
        "max_relative_difference_vs_scipy_above_1pct_of_peak": rel,
        "target_max_relative_difference": 1e-3,
        "scipy_gaussian_kde_seconds": t_scipy,
        "kdepy_fftkde_seconds": t_kdepy,
        "hotspotwatch_seconds": t_ours,
        "time_ratio_vs_kdepy": t_ours / t_kdepy,
        "target_time_ratio_vs_kdepy": 1.5,
        "speedup_vs_scipy": t_scipy / t_ours,
    }


def bench_gistar_analytic_large() -> dict[str, object]:
    rng = np.random.default_rng(2)
    counts = rng.poisson(0.5, size=(1000, 1000)).astype(float)
    t = best_of(lambda: gistar_grid(counts), 3)
    return {"grid": "1000x1000 queen", "hotspotwatch_seconds": t, "target_seconds": 1.0}


def main() -> None:
    results = {
        "machine": {"python": platform.python_version(), "processor": platform.processor() or platform.machine()},
        "gistar_999_permutations_100x100": bench_gistar_permutations(),
        "kde_100k_points_200x200": bench_kde(),
        "gistar_analytic_1000x1000": bench_gistar_analytic_large(),
    }
    out = Path(__file__).resolve().parent / "results" / "detect.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")
    print(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
