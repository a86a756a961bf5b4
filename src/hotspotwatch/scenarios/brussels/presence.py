"""Simulated presence sessions at the Brussels hotspots, with a planted Koper effect.

From its first designation day on, each hotspot gets presence sessions of two unit types:

- ``police_taskforce``: ``taskforce_per_day`` sessions a day (Poisson), lengths log-normal
  with median ``taskforce_median_minutes``;
- ``peacekeepers``: ``peacekeepers_per_day`` sessions a day, median ``peacekeepers_median_minutes``.

Session starts follow the harm hour profile (afternoon and evening); a session that would
start before the place's previous session ended is dropped (one presence at a time), so a
follow-up always begins when the place is left alone.

**The planted effect** (Koper 1995): for ``deterrence_minutes`` after a session longer than
``threshold_minutes`` ends, the hazard of harm inside the hotspot's circle is multiplied by
``risk_ratio``. It is planted by moving each simulated harm event that falls in such a window
(with probability ``1 - risk_ratio``) exactly one week later (or earlier at the end of the
period): same place, same hour of the week, nearly the same month. Harm totals, the monthly
series and ``harm_irr`` are thereby unchanged, and the hazard right after long sessions is
lowered by the planted ratio (slightly less, for the few moved events that land in another
window; ``truth["presence"]["moved_events"]`` counts them all).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from hotspotwatch.scenarios.brussels.rates import hour_profile

UNIT_TYPES: tuple[str, ...] = ("police_taskforce", "peacekeepers", "liveability_team")
"""The unit types of the Brussels demo's ``[presence] unit_types``."""
PRESENCE_SOURCE = "simulated-brussels-presence"
WEEK = pd.Timedelta(days=7)


@dataclass(frozen=True)
class PresenceConfig:
    """Parameters of the simulated presence and of the planted Koper effect."""

    threshold_minutes: float = 15.0
    deterrence_minutes: float = 45.0
    risk_ratio: float = 0.25
    taskforce_per_day: float = 4.0
    taskforce_median_minutes: float = 14.0
    peacekeepers_per_day: float = 3.0
    peacekeepers_median_minutes: float = 20.0
    sigma: float = 0.6


def simulate_presence(
    events: pd.DataFrame,
    hotspots: Mapping[str, Mapping[str, Any]],
    *,
    seed: int,
    start: dt.date,
    end: dt.date,
    radius_m: float,
    timezone: str,
    config: PresenceConfig | None = None,
) -> tuple[pd.DataFrame, pd.DataFrame, dict[str, Any]]:
    """Sessions at the hotspots, the harm events with the planted effect, and its truth.

    Parameters
    ----------
    events : DataFrame
        Simulated events (``occurred_at`` UTC, ``x``, ``y``, ``role``).
    hotspots : mapping
        ``truth["hotspots"]``: name -> ``designated``, ``x``, ``y``.
    seed : int
        Seed (a stream of its own: the events' draws are not disturbed).
    start, end : date
        Simulated period (local days, inclusive).
    radius_m : float
        Radius of the hotspot circles.
    timezone : str
        Local time zone of the session hours.
    config : PresenceConfig, optional

    Returns
    -------
    (sessions, events, truth)
        ``sessions``: ``source_id, unit_type, started_at, ended_at`` (UTC), ``hotspot``,
        ``x, y``; ``events``: the events with the deterred harm moved (sorted by time);
        ``truth``: the ``presence`` entry of ``truth.json``.
    """
    cfg = config or PresenceConfig()
    rng = np.random.default_rng([seed, 18])
    hours = hour_profile("drug_dealing", "harm")
    hour_p = np.asarray(hours, dtype=float) / float(np.sum(hours))
    units = (
        ("police_taskforce", cfg.taskforce_per_day, cfg.taskforce_median_minutes),
        ("peacekeepers", cfg.peacekeepers_per_day, cfg.peacekeepers_median_minutes),
    )
    days = pd.date_range(start, end, freq="D")
    rows = []
    for name, h in hotspots.items():
        first = dt.date.fromisoformat(str(h["designated"])[:10])
        active = days[days.date >= first]
        if active.empty:
            continue
        for unit, per_day, median in units:
            k = rng.poisson(per_day, active.size)
            day = np.repeat(active.to_numpy(), k)
            hour = rng.choice(24, size=day.size, p=hour_p)
            sec = rng.integers(0, 3600, day.size)
            local = day + (hour * 3600 + sec).astype("timedelta64[s]")
            minutes = rng.lognormal(np.log(median), cfg.sigma, day.size)
            rows.append(
                pd.DataFrame(
                    {
                        "hotspot": name,
                        "unit_type": unit,
                        "local": local,
                        "minutes": np.round(minutes, 2),
                        "x": float(h["x"]),
                        "y": float(h["y"]),
                    }
                )
            )
    if not rows:
        empty = pd.DataFrame(
            columns=["source_id", "unit_type", "started_at", "ended_at", "hotspot", "x", "y"]
        )
        return empty, events, _truth(cfg, empty, 0, 0)
    s = pd.concat(rows, ignore_index=True)
    started = (
        pd.DatetimeIndex(s["local"])
        .tz_localize(timezone, ambiguous=True, nonexistent="shift_forward")
        .tz_convert("UTC")
    )
    s["started_at"] = started
    s["ended_at"] = started + pd.to_timedelta(s["minutes"], unit="min")
    s = s.sort_values(["hotspot", "started_at"], kind="stable").reset_index(drop=True)
    # one presence at a time: drop a session starting before the previous one kept ended
    keep = np.ones(len(s), dtype=bool)
    st = _secs(s["started_at"])
    en = _secs(s["ended_at"])
    place = s["hotspot"].to_numpy()
    last_end = -1
    prev = None
    for i in range(len(s)):  # about 10^5 sessions: a short loop
        if place[i] != prev:
            prev, last_end = place[i], -1
        if st[i] < last_end:
            keep[i] = False
        else:
            last_end = en[i]
    s = s[keep].reset_index(drop=True)
    s["source_id"] = [f"PRES-SIM-{seed}-{i + 1}" for i in range(len(s))]
    events, moved, considered = _plant(events, s, hotspots, cfg, radius_m, rng)
    sessions = s[["source_id", "unit_type", "started_at", "ended_at", "hotspot", "x", "y"]]
    return sessions, events, _truth(cfg, sessions, moved, considered)


def _secs(values: pd.Series) -> np.ndarray:
    """UTC instants as epoch seconds."""
    return np.asarray(pd.DatetimeIndex(values).as_unit("s").asi8, dtype=np.int64)


def _plant(
    events: pd.DataFrame,
    s: pd.DataFrame,
    hotspots: Mapping[str, Mapping[str, Any]],
    cfg: PresenceConfig,
    radius_m: float,
    rng: np.random.Generator,
) -> tuple[pd.DataFrame, int, int]:
    harm = (events["role"] == "harm").to_numpy()
    t = _secs(events["occurred_at"])
    ex = events["x"].to_numpy(float)
    ey = events["y"].to_numpy(float)
    move = np.zeros(len(events), dtype=bool)
    considered = 0
    st_all = _secs(s["started_at"])
    en_all = _secs(s["ended_at"])
    long_all = (en_all - st_all) > cfg.threshold_minutes * 60
    for name, h in hotspots.items():
        m = (s["hotspot"] == name).to_numpy()
        if not m.any():
            continue
        inside = harm & ((ex - float(h["x"])) ** 2 + (ey - float(h["y"])) ** 2 <= radius_m**2)
        idx = np.flatnonzero(inside)
        st, en, lg = st_all[m], en_all[m], long_all[m]
        j = np.searchsorted(en, t[idx], side="left") - 1  # last session ended before the event
        ok = j >= 0
        jj = np.maximum(j, 0)
        after = t[idx] - en[jj]
        nxt = np.minimum(jj + 1, st.size - 1)
        before_next = (jj + 1 >= st.size) | (t[idx] < st[nxt])
        window = ok & lg[jj] & (after > 0) & (after <= cfg.deterrence_minutes * 60) & before_next
        considered += int(window.sum())
        move[idx[window & (rng.random(idx.size) >= cfg.risk_ratio)]] = True
    if not move.any():
        return events, 0, considered
    out = events.copy()
    occ = out["occurred_at"]
    last = occ.max()
    shifted = occ[move] + WEEK
    shifted = shifted.where(shifted <= last, occ[move] - WEEK)
    out.loc[move, "occurred_at"] = shifted
    out = out.sort_values("occurred_at", kind="stable").reset_index(drop=True)
    return out, int(move.sum()), considered


def _truth(
    cfg: PresenceConfig, sessions: pd.DataFrame, moved: int, considered: int
) -> dict[str, Any]:
    minutes = (
        (sessions["ended_at"] - sessions["started_at"]).dt.total_seconds() / 60
        if len(sessions)
        else pd.Series(dtype=float)
    )
    return {
        "threshold_minutes": cfg.threshold_minutes,
        "deterrence_minutes": cfg.deterrence_minutes,
        "risk_ratio": cfg.risk_ratio,
        "definition": (
            "for deterrence_minutes after a session longer than threshold_minutes ends, the "
            "hazard of harm inside the hotspot circle is multiplied by risk_ratio (deterred "
            "events are moved one week later, same place and hour of the week)"
        ),
        "unit_types": list(UNIT_TYPES),
        "sessions": len(sessions),
        "sessions_by_unit_type": {u: int((sessions["unit_type"] == u).sum()) for u in UNIT_TYPES}
        if len(sessions)
        else {u: 0 for u in UNIT_TYPES},
        "median_session_minutes": float(minutes.median()) if len(minutes) else None,
        "harm_in_windows": int(considered),
        "moved_events": int(moved),
        "source": PRESENCE_SOURCE,
    }


__all__ = ["PRESENCE_SOURCE", "UNIT_TYPES", "PresenceConfig", "simulate_presence"]
