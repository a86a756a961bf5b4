"""Simulated presence: sessions only after designation, one at a time per place, the planted
Koper effect recorded in the truth, and harm moved (never removed)."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd

from hotspotwatch.scenarios.brussels import simulate


def test_presence_sessions_and_planted_effect() -> None:
    base = simulate(seed=3, start="2024-03-01", end="2024-06-30")
    sim = simulate(seed=3, start="2024-03-01", end="2024-06-30", presence=True)
    assert base.presence is None
    truth = sim.truth["presence"]
    assert truth["threshold_minutes"] == 15.0 and truth["deterrence_minutes"] == 45.0
    assert 0 < truth["moved_events"] <= truth["harm_in_windows"]
    s = sim.presence
    assert s is not None and len(s) == truth["sessions"] > 1000
    assert set(s["unit_type"]) == {"police_taskforce", "peacekeepers"}
    designated = {n: dt.date.fromisoformat(str(h["designated"])[:10])
                  for n, h in sim.truth["hotspots"].items()}
    local_day = s["started_at"].dt.tz_convert("Europe/Brussels").dt.date
    assert all(d >= designated[n] for n, d in zip(s["hotspot"], local_day, strict=True))
    for _, g in s.groupby("hotspot"):
        g = g.sort_values("started_at")
        assert (g["started_at"].to_numpy()[1:] >= g["ended_at"].to_numpy()[:-1]).all()
    # the same events, only some harm moved by exactly a week
    a = base.events.set_index("source_id")["occurred_at"]
    b = sim.events.set_index("source_id")["occurred_at"].reindex(a.index)
    moved = a != b
    assert int(moved.sum()) == truth["moved_events"]
    assert set((b[moved] - a[moved]).abs().unique()) == {pd.Timedelta(days=7)}
    roles = base.events.set_index("source_id")["role"]
    assert set(roles[moved]) == {"harm"}
    assert np.array_equal(np.sort(base.events["source_id"]), np.sort(sim.events["source_id"]))
