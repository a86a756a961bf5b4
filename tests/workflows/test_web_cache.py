"""The dashboard cache: single flight on a miss, stale-while-revalidate, data stamp, run parsing."""

from __future__ import annotations

import threading
import time
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from hotspotwatch import Workspace
from hotspotwatch.workflows import web as web_wf
from hotspotwatch.workflows.web import cache as web_cache


@pytest.fixture
def ws(tmp_path: Path) -> Workspace:
    return Workspace.create(tmp_path / "ws")


def _events(n: int, start: int = 0) -> pd.DataFrame:
    return pd.DataFrame({
        "source_id": [str(i) for i in range(start, start + n)],
        "occurred_at": pd.to_datetime(["2024-05-01 12:00"] * n, utc=True),
        "x": [650000.0] * n,
        "y": [670000.0] * n,
        "category": ["assault"] * n,
    })


class Slow:
    """A memoisable function that counts its calls and can be held back or made to fail."""

    def __init__(self) -> None:
        self.calls = 0
        self.gate = threading.Event()
        self.gate.set()
        self.fail = False
        self.lock = threading.Lock()

    def __call__(self, ws: Workspace, key: int) -> dict[str, Any]:
        with self.lock:
            self.calls += 1
            n = self.calls
        assert self.gate.wait(10)
        if self.fail:
            raise LookupError("not there")
        return {"key": key, "call": n, "events": ws.count_events()}


def test_concurrent_misses_compute_once(ws: Workspace) -> None:
    slow = Slow()
    slow.gate.clear()
    cached = web_wf.memoised(slow)
    results: list[dict[str, Any]] = []
    threads = [threading.Thread(target=lambda: results.append(cached(ws, 1))) for _ in range(8)]
    for t in threads:
        t.start()
    time.sleep(0.2)  # all eight are waiting for the one computation
    slow.gate.set()
    for t in threads:
        t.join(10)
    assert slow.calls == 1
    assert len(results) == 8 and all(r is results[0] for r in results)
    assert cached(ws, 2)["key"] == 2 and slow.calls == 2  # another key is another entry


def test_a_failure_reaches_every_waiter_and_is_not_cached(ws: Workspace) -> None:
    slow = Slow()
    slow.fail = True
    slow.gate.clear()
    cached = web_wf.memoised(slow)
    errors: list[BaseException] = []

    def call() -> None:
        try:
            cached(ws, 1)
        except LookupError as exc:
            errors.append(exc)

    threads = [threading.Thread(target=call) for _ in range(4)]
    for t in threads:
        t.start()
    time.sleep(0.2)
    slow.gate.set()
    for t in threads:
        t.join(10)
    assert len(errors) == 4 and slow.calls == 1
    slow.fail = False
    assert cached(ws, 1)["call"] == 2  # computed again, now successfully


def test_stale_value_is_served_while_one_refresh_runs(
    ws: Workspace, monkeypatch: pytest.MonkeyPatch
) -> None:
    slow = Slow()
    cached = web_wf.memoised(slow)
    first = cached(ws, 1)
    monkeypatch.setattr(web_cache, "CACHE_TTL_S", 0.0)
    slow.gate.clear()  # the refresh will be held back
    assert cached(ws, 1) is first  # stale, served at once; a refresh starts
    assert cached(ws, 1) is first  # still stale; no second refresh while one runs
    time.sleep(0.1)
    assert slow.calls == 2  # the first computation and the one refresh
    slow.gate.set()
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and cached(ws, 1) is first:
        time.sleep(0.01)
    assert cached(ws, 1)["call"] >= 2
    assert slow.calls >= 2


def test_added_data_show_at_once(ws: Workspace, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(web_cache, "STAMP_TTL_S", 0.0)
    cached = web_wf.memoised(Slow())
    assert cached(ws, 1)["events"] == 0
    ws.add_events(_events(3), source="t")
    assert cached(ws, 1)["events"] == 3


def test_an_edited_config_is_read_again_and_changes_the_stamp(
    ws: Workspace, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(web_cache, "STAMP_TTL_S", 0.0)
    before = web_cache.current_stamp(ws)
    assert web_cache.current_stamp(ws) == before  # nothing changed
    weight = ws.config.taxonomy["assault"].harm_weight
    path = ws.path / "hotspotwatch.toml"
    path.write_text(path.read_text() + "\n[harm_weights]\nassault = 3.5\n")
    after = web_cache.current_stamp(ws)
    assert ws.config.taxonomy["assault"].harm_weight == 3.5 != weight
    assert after != before and after[1] == ws.config.fingerprint()
    # a broken edit keeps the config in use
    path.write_text(path.read_text() + "\n[harm_weights\n")
    assert web_cache.current_stamp(ws) == after
    assert ws.config.taxonomy["assault"].harm_weight == 3.5


@pytest.fixture
def city(tmp_path: Path) -> Workspace:
    from hotspotwatch.testing import make_city

    return make_city(tmp_path / "city", seed=3)


def test_a_view_run_is_the_report_s_spec_stored_once_and_held_parsed(city: Workspace) -> None:
    from hotspotwatch.workflows.views import renewal_specs

    day = web_wf.review_day(city)
    assert day == city.events()["occurred_at"].dt.tz_convert(city.config.timezone).max().date()
    spec = web_wf.view_spec(city, "evaluation")
    assert spec == renewal_specs(city, until=day).evaluation
    assert city.find_run(spec.kind, spec.parameters) is None
    one = web_wf.view_run(city, spec)
    assert type(one.result).__name__ == "StrategyEvaluation"  # typed, no dict
    stored = city.find_run(spec.kind, spec.parameters)
    assert stored is not None and stored.key == one.key  # computed once and stored
    assert web_wf.view_run(city, spec) is one  # cached
    assert web_cache.held_run(city, one.key) is one  # held parsed under its key


def test_new_data_give_a_new_run_and_other_runs_are_ignored(
    city: Workspace, monkeypatch: pytest.MonkeyPatch
) -> None:
    import datetime as dt

    from hotspotwatch.workflows.evaluate import evaluation_spec
    from hotspotwatch.workflows.runs import ensure_run

    monkeypatch.setattr(web_cache, "STAMP_TTL_S", 0.0)
    spec = web_wf.view_spec(city, "evaluation")
    one = web_wf.view_run(city, spec)
    # a run of the same kind with other parameters (an earlier --until) changes nothing
    ensure_run(city, evaluation_spec(city, until=dt.date.fromisoformat(spec.parameters["until"]) - dt.timedelta(days=90)))
    assert web_wf.view_run(city, web_wf.view_spec(city, "evaluation")).key == one.key
    # added data: the stamp changes, the old run is stale, a new one is computed
    hs = city.hotspots().iloc[0]
    point = hs.geometry.representative_point()
    last = pd.Timestamp(spec.parameters["until"], tz=city.config.timezone).tz_convert("UTC")
    city.add_events(
        pd.DataFrame({
            "source_id": ["late-1"],
            "occurred_at": [last - pd.Timedelta(days=3)],
            "x": [point.x],
            "y": [point.y],
            "category": [city.taxonomy.names(role="harm")[0]],
        }),
        source="late",
    )
    two = web_wf.view_run(city, web_wf.view_spec(city, "evaluation"))
    assert two.key != one.key and two.data_fingerprint != one.data_fingerprint


def _set_web(ws: Workspace, **settings: object) -> None:
    """Write a ``[web]`` table into the workspace's config file and read it again."""
    path = ws.path / "hotspotwatch.toml"
    lines = "".join(f"{k} = {v!r}\n" for k, v in settings.items())
    path.write_text(path.read_text() + "\n[web]\n" + lines)
    assert web_cache.reload_config(ws)


def test_cache_stays_under_its_byte_budget(ws: Workspace) -> None:
    import numpy as np

    _set_web(ws, cache_mb=1)

    @web_cache.memoised
    def block(_ws: Workspace, i: int) -> Any:
        return np.full(12_500, float(i))  # 100 KB each

    @web_cache.memoised
    def huge(_ws: Workspace) -> Any:
        return np.zeros(100_000)  # 800 KB: over a quarter of the budget

    budget = web_cache.cache_stats(ws)["budget"]
    assert budget == 1024 * 1024
    for i in range(200):
        assert block(ws, i)[0] == i
        stats = web_cache.cache_stats(ws)
        assert stats["bytes"] <= budget
    assert 5 <= stats["entries"] <= 10  # the newest kept, the oldest evicted
    assert block(ws, 199)[0] == 199
    assert huge(ws).shape == (100_000,)
    assert web_cache.cache_stats(ws)["bytes"] <= budget
    assert web_cache.approx_bytes(np.zeros(1000)) >= 8000
    assert web_cache.approx_bytes({"a": [1, 2, "x" * 1000]}) > 1000
