"""The temporal side of the simulated Brussels: region-wide expected events per day and hour.

:func:`daily_rates` is :math:`\\Lambda_c(t)`: the configured annual rate of the day's year
times ``scale``, shaped by a yearly cycle and a weekday profile and normalised within each
calendar year (so the annual total is the configured rate). :func:`hour_profile` spreads a
day's events over its hours.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from hotspotwatch.scenarios.brussels.config import SimulationConfig


def _season_weekday(days: pd.DatetimeIndex, amplitude: float, role: str) -> np.ndarray:
    doy = days.day_of_year.to_numpy()
    season = 1.0 + amplitude * np.cos(2 * np.pi * (doy - 196) / 365.25)
    dow = days.day_of_week.to_numpy()
    weekday = {
        "harm": np.array([0.9, 0.9, 0.95, 1.0, 1.15, 1.25, 1.05]),
        "enforcement": np.array([1.1, 1.15, 1.15, 1.15, 1.1, 0.8, 0.65]),
        "prevention": np.array([1.2, 1.2, 1.2, 1.2, 1.1, 0.6, 0.4]),
    }[role]
    return season * weekday[dow]


def hour_profile(category: str, role: str) -> np.ndarray:
    """Share of a day's events in each hour (24 values summing to 1)."""
    h = np.arange(24)
    if role == "harm":
        peak = {"shooting": 1.0, "homicide": 1.0, "nuisance": 22.0, "vandalism": 1.0}.get(
            category, 21.0
        )
        base = 0.5
    elif role == "enforcement":
        peak, base = 16.0, 0.3
    else:
        peak, base = 14.0, 0.05
    w = base + np.exp(np.cos(2 * np.pi * (h - peak) / 24) * 1.5)
    return w / w.sum()


def daily_rates(
    days: pd.DatetimeIndex, category: str, role: str, config: SimulationConfig, scale: float
) -> np.ndarray:
    """Expected region-wide events per day (counterfactual), normalised per calendar year."""
    amp = config.seasonal_amplitude.get(category, config.seasonal_amplitude.get(role, 0.0))
    out = np.empty(len(days))
    years = days.year.to_numpy()
    for year in np.unique(years):
        full = pd.date_range(f"{year}-01-01", f"{year}-12-31", freq="D")
        z = _season_weekday(full, amp, role).sum()
        sel = years == year
        out[sel] = (
            config.rate(category, int(year)) * scale * _season_weekday(days[sel], amp, role) / z
        )
    return out


__all__ = ["daily_rates", "hour_profile"]
