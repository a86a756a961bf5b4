"""Drawing the simulated events: exact thinning in space, times within days, Hawkes offspring.

Sampling is exact thinning (Lewis & Shedler 1979): candidates are drawn from a dominating
piecewise-constant intensity on the raster, placed uniformly in their cell, and kept with
probability :math:`m_c(s,t) / \\bar m` and only if inside the region
(:func:`sample_places`). Shootings are self-exciting (:func:`hawkes_offspring`).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import shapely

from hotspotwatch.scenarios.brussels.field import EffectField
from hotspotwatch.scenarios.brussels.setup import TIMEZONE, Setup


def sample_places(
    rng: np.random.Generator,
    setup: Setup,
    density: np.ndarray,
    field: EffectField,
    expected: float,
) -> tuple[np.ndarray, np.ndarray]:
    """Exact thinning of a Poisson process with intensity ``expected * density * field``."""
    r = setup.raster
    near = np.zeros(density.size, dtype=bool)
    centres = field.reach_centres
    if centres.size:
        cx, cy = r.centres()
        reach = field.outer + r.cell
        for hx, hy in centres:
            near |= (np.abs(cx - hx) < reach) & (np.abs(cy - hy) < reach)
    bound = np.where(near, field.bound, 1.0)
    weight = density * bound * r.cell**2  # candidate mass per cell (whole cell)
    total = float(weight.sum())
    n = rng.poisson(expected * total)
    if n == 0:
        return np.empty(0), np.empty(0)
    cells = rng.choice(density.size, size=n, p=weight / total)
    iy, ix = np.divmod(cells, r.nx)
    x = r.x0 + (ix + rng.random(n)) * r.cell
    y = r.y0 + (iy + rng.random(n)) * r.cell
    keep = np.ones(n, dtype=bool)
    edge = r.frac[cells] < 1.0
    if edge.any():
        keep[edge] = shapely.contains_xy(setup.geo.outline, x[edge], y[edge])
    thin = near[cells] & keep
    if thin.any():
        ratio = field(x[thin], y[thin]) / bound[cells[thin]]
        keep[thin] = rng.random(int(thin.sum())) < ratio
    return x[keep], y[keep]


def sample_times(
    rng: np.random.Generator,
    day_weights: np.ndarray,
    day_offset: int,
    hours: np.ndarray,
    n: int,
) -> np.ndarray:
    """Seconds since the first simulated local midnight."""
    if n == 0:
        return np.empty(0, dtype=np.int64)
    day = rng.choice(day_weights.size, size=n, p=day_weights / day_weights.sum()) + day_offset
    hour = rng.choice(24, size=n, p=hours)
    sec = rng.integers(0, 3600, size=n)
    return day.astype(np.int64) * 86400 + hour * 3600 + sec


def hawkes_offspring(
    rng: np.random.Generator,
    t: np.ndarray,
    x: np.ndarray,
    y: np.ndarray,
    setup: Setup,
    horizon: int,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """All descendants of the given shootings (times in seconds), inside the region."""
    cfg = setup.config
    out_t, out_x, out_y = [], [], []
    pt, px, py = t, x, y
    while pt.size:
        k = rng.poisson(cfg.shooting_branching, size=pt.size)
        if k.sum() == 0:
            break
        ct = np.repeat(pt, k) + rng.exponential(cfg.shooting_lag_days * 86400, k.sum()).astype(
            np.int64
        )
        cx = np.repeat(px, k) + rng.normal(0, cfg.shooting_spread_m, k.sum())
        cy = np.repeat(py, k) + rng.normal(0, cfg.shooting_spread_m, k.sum())
        ok = (ct < horizon) & shapely.contains_xy(setup.geo.outline, cx, cy)
        pt, px, py = ct[ok], cx[ok], cy[ok]
        out_t.append(pt)
        out_x.append(px)
        out_y.append(py)
    if not out_t:
        return np.empty(0, dtype=np.int64), np.empty(0), np.empty(0)
    return np.concatenate(out_t), np.concatenate(out_x), np.concatenate(out_y)


def to_utc(seconds: np.ndarray, first_day: pd.Timestamp, days: pd.DatetimeIndex) -> np.ndarray:
    """Local (Europe/Brussels) seconds since ``first_day`` to UTC datetime64[ns]."""
    noon = (days + pd.Timedelta(hours=12)).tz_localize(TIMEZONE)
    offset = np.array([ts.utcoffset().total_seconds() for ts in noon], dtype=np.int64)
    day = np.clip(seconds // 86400, 0, len(days) - 1)
    base = np.datetime64(first_day.to_datetime64(), "s")
    return (base + (seconds - offset[day]).astype("timedelta64[s]")).astype("datetime64[ns]")


__all__ = ["hawkes_offspring", "sample_places", "sample_times", "to_utc"]
