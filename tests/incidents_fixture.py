"""A small city with shootings at two designated places (for `evaluate incidents` tests)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import numpy as np
import pandas as pd
from shapely.geometry import Point, box

from hotspotwatch import Workspace

X0, Y0 = 150_000.0, 660_000.0
PLACES = {"A": (X0 + 2500, Y0 + 7500), "B": (X0 + 7500, Y0 + 2500)}
DESIGNATED = {"A": dt.date(2024, 3, 28), "B": dt.date(2024, 10, 4)}
#: Shootings planted in June 2025 (the window of the tests): 3 in A, 1 elsewhere.
WINDOW = (dt.date(2025, 6, 1), dt.date(2025, 6, 30))


def make_events(seed: int = 3) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    days = pd.date_range("2022-01-01", "2025-05-31", freq="D")
    rows = []

    def scatter(n, cx=None, cy=None, r=200.0, category="shooting", on=None):
        d = on if on is not None else days[rng.integers(0, len(days), n)]
        if cx is None:
            x, y = X0 + rng.uniform(0, 10_000, n), Y0 + rng.uniform(0, 10_000, n)
        else:
            rr, a = r * np.sqrt(rng.uniform(0, 1, n)), rng.uniform(0, 2 * np.pi, n)
            x, y = cx + rr * np.cos(a), cy + rr * np.sin(a)
        rows.append(pd.DataFrame({"x": x, "y": y, "day": d, "category": category}))

    scatter(240)  # shootings everywhere, about 70 a year
    for cx, cy in PLACES.values():
        scatter(60, cx, cy)  # and concentrated at the two places
    scatter(6000, category="assault")
    for cx, cy in PLACES.values():
        scatter(900, cx, cy, category="assault")
    june = pd.to_datetime(["2025-06-03", "2025-06-10", "2025-06-17"])
    scatter(3, *PLACES["A"], r=50.0, on=june)
    rows.append(
        pd.DataFrame(
            {
                "x": [X0 + 9000],
                "y": [Y0 + 9000],
                "day": pd.to_datetime(["2025-06-20"]),
                "category": "shooting",
            }
        )
    )
    ev = pd.concat(rows, ignore_index=True)
    local = (pd.DatetimeIndex(ev["day"]) + pd.Timedelta(hours=14)).tz_localize("Europe/Brussels")
    ev["occurred_at"] = local.tz_convert("UTC")
    ev["source_id"] = [f"s{i}" for i in range(len(ev))]
    return ev.drop(columns="day")


def make_workspace(path: Path) -> Workspace:
    ws = Workspace.create(path, crs="EPSG:3812")
    ws.add_areas(
        pd.DataFrame(
            {"code": ["R"], "name": ["Region"], "geometry": [box(X0, Y0, X0 + 10_000, Y0 + 10_000)]}
        ),
        "region",
    )
    for name, (cx, cy) in PLACES.items():
        ws.add_hotspot(name, Point(cx, cy).buffer(250, quad_segs=32), approximate=True)
        ws.add_designation(
            name, action="designate", start=DESIGNATED[name], end=None, body="Council"
        )
    ws.add_events(make_events(), source="test")
    return ws
