"""A small synthetic city with three designated hotspots and known effects (shared by tests)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import numpy as np
import pandas as pd
from shapely.geometry import Point, box

from hotspotwatch import Workspace

X0, Y0 = 150_000.0, 660_000.0
CENTRES = {
    "North": (X0 + 2500, Y0 + 7500),
    "East": (X0 + 7500, Y0 + 5000),
    "South": (X0 + 3000, Y0 + 2500),
}
EFFECT = {"North": 0.4, "East": 1.0, "South": 1.0}
DESIGNATED = dt.date(2024, 3, 28)


def make_events(seed: int = 7, *, background_per_day: float = 40.0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    days = pd.date_range("2023-01-01", "2024-12-31", freq="D")
    rows = []
    # background harm: 40 per day over the 10 km square, seasonal
    season = 1 + 0.2 * np.sin(2 * np.pi * days.day_of_year / 365.25)
    n_bg = rng.poisson(background_per_day * season)
    for d, k in zip(days, n_bg, strict=True):
        rows.append(
            pd.DataFrame(
                {
                    "x": X0 + rng.uniform(0, 10_000, k),
                    "y": Y0 + rng.uniform(0, 10_000, k),
                    "day": d,
                    "category": "assault",
                }
            )
        )
    for name, (cx, cy) in CENTRES.items():
        post = days >= pd.Timestamp(DESIGNATED)
        lam = 0.6 * season * np.where(post, EFFECT[name], 1.0)
        k = rng.poisson(lam)
        r = 200 * np.sqrt(rng.uniform(0, 1, k.sum()))
        a = rng.uniform(0, 2 * np.pi, k.sum())
        rows.append(
            pd.DataFrame(
                {
                    "x": cx + r * np.cos(a),
                    "y": cy + r * np.sin(a),
                    "day": np.repeat(days, k),
                    "category": "assault",
                }
            )
        )
        # enforcement: dose rising after designation
        ke = rng.poisson(np.where(post, 1.5, 0.3))
        re = 200 * np.sqrt(rng.uniform(0, 1, ke.sum()))
        rows.append(
            pd.DataFrame(
                {
                    "x": cx + re,
                    "y": np.full(ke.sum(), cy),
                    "day": np.repeat(days, ke),
                    "category": "police_check",
                }
            )
        )
    ev = pd.concat(rows, ignore_index=True)
    secs = rng.integers(0, 86400, len(ev))
    local = (pd.DatetimeIndex(ev["day"]) + pd.to_timedelta(secs, "s")).tz_localize(
        "Europe/Brussels", nonexistent="shift_forward", ambiguous="NaT"
    )
    ev["occurred_at"] = local.tz_convert("UTC")
    ev = ev[ev["occurred_at"].notna()].reset_index(drop=True)
    ev["source_id"] = [f"s{i}" for i in range(len(ev))]
    return ev.drop(columns="day")


def make_workspace(path: Path) -> Workspace:
    return populate(Workspace.create(path, crs="EPSG:3812"))


def populate(ws: Workspace, *, background_per_day: float = 40.0) -> Workspace:
    """Add the region, the three hotspots, their designations and the events to ``ws``."""
    ws.add_areas(
        pd.DataFrame(
            {"code": ["R"], "name": ["Region"], "geometry": [box(X0, Y0, X0 + 10_000, Y0 + 10_000)]}
        ),
        "region",
    )
    for name, (cx, cy) in CENTRES.items():
        ws.add_hotspot(name, Point(cx, cy).buffer(250, quad_segs=32), approximate=True)
        ws.add_designation(name, action="designate", start=DESIGNATED, end=None, body="Council")
    ws.add_events(make_events(background_per_day=background_per_day), source="test")
    return ws
