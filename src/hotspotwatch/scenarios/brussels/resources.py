"""Simulated resource records of the Brussels hotspots (staff-hours and cost), marked simulated.

The council renews each hotspot every six months, so the records are per hotspot and
six-month period counted from the place's first designation day (the last period is cut at
the end of the simulated data), and per kind:

- ``police``: the taskforce's presence hours in the period (from the simulated sessions, or
  their expected number without them) times ``officers_per_patrol`` (2), at
  ``police_hourly_eur`` (62 € an hour);
- ``prevention``: the peacekeepers' presence hours times ``peacekeepers_per_patrol`` (2),
  at ``peacekeeper_hourly_eur`` (38 € an hour);
- ``liveability``: ``liveability_hours_per_half_year`` (120 staff-hours: cleaning, lighting,
  small works) at ``liveability_hourly_eur`` (45 € an hour), plus
  ``liveability_material_eur`` (6 000 €) of material.

The hourly figures are assumptions of the order of magnitude of a fully loaded hour (wage,
employer charges, equipment, supervision) of a Belgian police inspector, a municipal
*gardien de la paix* and a municipal technical worker; they are plausible, not anyone's
actual costs. Every figure gets a multiplicative noise (log-normal, ``noise_sigma`` 0.1) so
periods differ. Every record has ``source = "simulated"`` and ``simulated = true``;
``truth["resources"]`` records the totals.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np
import pandas as pd

from hotspotwatch.periods import add_months

RESOURCE_SOURCE = "simulated"
KINDS: tuple[str, ...] = ("police", "prevention", "liveability")


@dataclass(frozen=True)
class ResourceConfig:
    """Assumed figures of the simulated resource records (see the module docstring)."""

    officers_per_patrol: float = 2.0
    police_hourly_eur: float = 62.0
    peacekeepers_per_patrol: float = 2.0
    peacekeeper_hourly_eur: float = 38.0
    liveability_hours_per_half_year: float = 120.0
    liveability_hourly_eur: float = 45.0
    liveability_material_eur: float = 6000.0
    noise_sigma: float = 0.1
    taskforce_hours_per_day: float = 4.0 * 14.0 / 60.0
    """Expected taskforce presence hours a day, used only without simulated sessions."""
    peacekeeper_hours_per_day: float = 3.0 * 20.0 / 60.0
    """Expected peacekeeper presence hours a day, used only without simulated sessions."""


def _periods(first: dt.date, end: dt.date) -> list[tuple[dt.date, dt.date]]:
    out = []
    start = first
    while start <= end:
        nxt = add_months(start, 6)
        out.append((start, min(nxt - dt.timedelta(days=1), end)))
        start = nxt
    return out


def simulate_resources(
    hotspots: Mapping[str, Mapping[str, Any]],
    *,
    seed: int,
    end: dt.date,
    sessions: pd.DataFrame | None = None,
    timezone: str = "Europe/Brussels",
    config: ResourceConfig | None = None,
) -> tuple[pd.DataFrame, dict[str, Any]]:
    """Resource records per hotspot, six-month period and kind, and their truth.

    Parameters
    ----------
    hotspots : mapping
        ``truth["hotspots"]``: name -> ``designated`` (first designation day).
    seed : int
        Seed (a stream of its own).
    end : date
        Last simulated day (the last period is cut there).
    sessions : DataFrame, optional
        Simulated presence sessions (``hotspot, unit_type, started_at, ended_at``); without
        them the expected presence hours of :class:`ResourceConfig` are used.
    timezone : str
        Local time zone of the period days.
    config : ResourceConfig, optional

    Returns
    -------
    (records, truth)
        ``records``: the columns of ``hotspotwatch import resources`` (``hotspot, start, end,
        kind, staff_hours, cost, source, simulated``); ``truth``: the ``resources`` entry of
        ``truth.json`` (totals per kind and overall).
    """
    cfg = config or ResourceConfig()
    rng = np.random.default_rng([seed, 19])
    hours: dict[tuple[str, str], pd.Series] = {}
    if sessions is not None and len(sessions):
        local_day = sessions["started_at"].dt.tz_convert(timezone).dt.date
        h = (sessions["ended_at"] - sessions["started_at"]).dt.total_seconds() / 3600
        frame = pd.DataFrame(
            {
                "hotspot": sessions["hotspot"],
                "unit": sessions["unit_type"],
                "day": local_day,
                "h": h,
            }
        )
        for key, g in frame.groupby(["hotspot", "unit"], sort=False):
            hours[(str(key[0]), str(key[1]))] = g.groupby("day")["h"].sum()
    rows: list[dict[str, Any]] = []
    for name, spot in hotspots.items():
        first = dt.date.fromisoformat(str(spot["designated"])[:10])
        for lo, hi in _periods(first, end):
            days = (hi - lo).days + 1
            presence = {}
            for unit, per_day in (
                ("police_taskforce", cfg.taskforce_hours_per_day),
                ("peacekeepers", cfg.peacekeeper_hours_per_day),
            ):
                if sessions is None:
                    presence[unit] = per_day * days
                else:
                    s = hours.get((name, unit))
                    presence[unit] = (
                        0.0 if s is None else float(s[(s.index >= lo) & (s.index <= hi)].sum())
                    )
            noise = rng.lognormal(0.0, cfg.noise_sigma, 3)
            share = days / 182.5
            police_h = presence["police_taskforce"] * cfg.officers_per_patrol
            prev_h = presence["peacekeepers"] * cfg.peacekeepers_per_patrol
            live_h = cfg.liveability_hours_per_half_year * share * noise[2]
            figures = (
                ("police", police_h, police_h * cfg.police_hourly_eur * noise[0]),
                ("prevention", prev_h, prev_h * cfg.peacekeeper_hourly_eur * noise[1]),
                (
                    "liveability",
                    live_h,
                    live_h * cfg.liveability_hourly_eur + cfg.liveability_material_eur * share,
                ),
            )
            for kind, staff, cost in figures:
                rows.append(
                    {
                        "hotspot": name,
                        "start": lo.isoformat(),
                        "end": hi.isoformat(),
                        "kind": kind,
                        "staff_hours": round(float(staff), 1),
                        "cost": round(float(cost), 2),
                        "source": RESOURCE_SOURCE,
                        "simulated": "true",
                    }
                )
    records = pd.DataFrame(
        rows,
        columns=["hotspot", "start", "end", "kind", "staff_hours", "cost", "source", "simulated"],
    )
    return records, _truth(cfg, records)


def _truth(cfg: ResourceConfig, records: pd.DataFrame) -> dict[str, Any]:
    by_kind = {
        k: {
            "staff_hours": round(float(records.loc[records["kind"] == k, "staff_hours"].sum()), 1),
            "cost_eur": round(float(records.loc[records["kind"] == k, "cost"].sum()), 2),
        }
        for k in KINDS
    }
    return {
        "records": len(records),
        "hotspots": int(records["hotspot"].nunique()) if len(records) else 0,
        "period_months": 6,
        "staff_hours": round(float(records["staff_hours"].sum()), 1),
        "cost_eur": round(float(records["cost"].sum()), 2),
        "by_kind": by_kind,
        "assumptions": asdict(cfg),
        "source": RESOURCE_SOURCE,
        "simulated": True,
    }


__all__ = ["KINDS", "RESOURCE_SOURCE", "ResourceConfig", "simulate_resources"]
