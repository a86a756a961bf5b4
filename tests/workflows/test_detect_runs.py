"""Typed detection and space-time runs on a non-Brussels city (hotspotwatch.testing.make_city):
every kind round-trips, is reused only for the same question, and different filters are
different runs with different numbers."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

from hotspotwatch import Workspace
from hotspotwatch.store.runs import RUN_KINDS, result_type
from hotspotwatch.testing import make_city
from hotspotwatch.workflows import detect as wd
from hotspotwatch.workflows import spacetime as wst
from hotspotwatch.workflows.runs import COMPUTERS, RunSpec, compute_function, ensure_run

DETECT_SPACETIME = sorted(k for k in RUN_KINDS if k.startswith(("detect.", "spacetime.")))


@pytest.fixture(scope="module")
def city(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Workspace]:
    ws = make_city(tmp_path_factory.mktemp("city") / "c", seed=2)
    yield ws
    ws.close()


def _specs(ws: Workspace) -> dict[str, RunSpec]:
    knox = wst.knox_spec(ws, categories=["burglary"], permutations=99,
                         space_bands=[0, 100, 200, np.inf], time_bands=[0, 8, 15, np.inf])
    return {
        "detect.gistar": wd.gistar_spec(ws, permutations=99, cell_size=200),
        "detect.lisa": wd.lisa_spec(ws, permutations=99, cell_size=200),
        "detect.kde": wd.kde_spec(ws, bandwidth=200, cell_size=50),
        "detect.concentration": wd.concentration_spec(ws),
        "detect.classify": wd.classify_spec(ws, start="2021-01-01", end="2024-01-01",
                                            n_periods=6, cell_size=250),
        "detect.coverage": wd.coverage_spec(ws, cell_size=200),
        "detect.borders": wd.borders_spec(ws, cell_size=200),
        "spacetime.knox": knox,
        "spacetime.emerging": wst.emerging_spec(ws, roles=["harm"], cell_size=500, step="quarter"),
        "spacetime.alerts": wst.alerts_spec(ws, categories=["burglary"], days=30, knox=knox),
    }


def test_every_detect_and_spacetime_kind_has_a_spec_and_a_computer(city: Workspace) -> None:
    specs = _specs(city)
    assert sorted(specs) == DETECT_SPACETIME
    for kind in DETECT_SPACETIME:
        assert kind in COMPUTERS
        compute_function(kind)  # importable
        assert hasattr(result_type(kind), "schema_version")


@pytest.mark.parametrize("kind", DETECT_SPACETIME)
def test_round_trip_of_a_real_run(city: Workspace, kind: str) -> None:
    spec = _specs(city)[kind]
    stored = ensure_run(city, spec)
    cls = result_type(kind)
    assert isinstance(stored.result, cls)
    as_dict = stored.result.to_dict()
    again = cls.from_dict(as_dict)
    assert again.to_dict() == as_dict
    # read back from the store (JSON text) gives the same result
    found = city.find_run(kind, spec.parameters)
    assert found is not None and found.key == stored.key
    assert found.result.to_dict() == as_dict
    # the spec reproduces the run: computing its parameters again gives the same numbers
    fresh = compute_function(kind)(city, dict(spec.parameters))
    assert fresh.to_dict() == as_dict


def test_typed_results_carry_what_report_and_dashboard_show(city: Workspace) -> None:
    specs = _specs(city)
    gi = ensure_run(city, specs["detect.gistar"]).result
    assert gi.grid.cell_size == 200 and gi.grid.n_cells == 400
    assert gi.to_dict()["bins"][0][0] in range(-3, 4)
    cov = ensure_run(city, specs["detect.coverage"]).result
    assert [r.hotspot for r in cov.table] == ["Hotspot 1", "Hotspot 2", "Hotspot 3"]
    assert all(r.statistical_hotspot for r in cov.table)  # more harm there before designation
    x0, y0, _, _ = city.study_area().bounds
    assert any(abs(u.x - (x0 + 3200)) < 300 and abs(u.y - (y0 + 800)) < 300
               for u in cov.undesignated)
    assert cov.groups[0].pai > 1
    borders = ensure_run(city, specs["detect.borders"])
    assert borders.parameters["layer"] == "neighbourhood"  # the workspace's zone layer
    assert borders.result.band.area > 0
    knox = ensure_run(city, specs["spacetime.knox"]).result
    assert knox.categories == ("burglary",) and np.isinf(knox.knox.space_bands[-1])
    assert knox.closest()["ratio"] > 2 and knox.alert.elevated
    em = ensure_run(city, specs["spacetime.emerging"]).result
    assert em.step == "quarter" and em.steps[0] == dt.date(2021, 1, 1) and len(em.steps) == 12
    assert em.counts.shape == (em.grid.n_cells, 12)
    assert sum(em.category_counts.values()) == em.grid.n_cells
    alerts = ensure_run(city, specs["spacetime.alerts"]).result
    assert alerts.knox_run == city.find_run("spacetime.knox", specs["spacetime.knox"].parameters).key[:12]
    assert alerts.as_of == dt.date(2023, 12, 31) and alerts.alerts
    assert all(a.category == "burglary" and a.until >= a.when for a in alerts.alerts)


def test_ensure_run_reuses_then_recomputes_when_data_change(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from hotspotwatch.workflows import runs as wf_runs

    ws = make_city(tmp_path / "c", scale=0.3)
    try:
        calls: list[Any] = []
        spec = wd.concentration_spec(ws, categories=["burglary"])
        original = compute_function("detect.concentration")

        def counting(w: Any, p: Any) -> Any:
            calls.append(p)
            return original(w, p)

        monkeypatch.setattr(wf_runs, "compute_function", lambda kind: counting)
        first = ensure_run(ws, spec)
        second = ensure_run(ws, spec)
        assert len(calls) == 1 and second.key == first.key
        assert second.created_at == first.created_at
        forced = ensure_run(ws, spec, recompute=True)
        assert len(calls) == 2 and forced.key == first.key
        x0, y0, _, _ = ws.study_area().bounds
        ws.add_events(pd.DataFrame({"source_id": ["new"], "occurred_at": [pd.Timestamp(
            "2023-06-01 12:00", tz="UTC")], "x": [x0 + 10], "y": [y0 + 10],
            "category": ["burglary"]}), source="synthetic")
        third = ensure_run(ws, spec)
        assert len(calls) == 3 and third.key != first.key
        assert third.result.count_lorenz.n_events == first.result.count_lorenz.n_events + 1
    finally:
        ws.close()


def test_knox_burglary_and_shooting_are_different_runs(city: Workspace) -> None:
    bands = {"space_bands": [0, 100, 200, np.inf], "time_bands": [0, 8, 15, np.inf],
             "permutations": 99}
    burglary = ensure_run(city, wst.knox_spec(city, categories=["burglary"], **bands))
    shooting = ensure_run(city, wst.knox_spec(city, categories=["shooting"], **bands))
    assert burglary.key != shooting.key
    assert burglary.result.categories == ("burglary",)
    assert shooting.result.categories == ("shooting",)
    assert burglary.result.n_events > 5 * shooting.result.n_events
    assert burglary.result.knox.ratio[0, 0] > 2
    assert not np.array_equal(burglary.result.knox.observed, shooting.result.knox.observed)
    # asking again for shootings gives the shooting run, whatever was stored last
    again = city.find_run("spacetime.knox", wst.knox_spec(city, categories=["shooting"],
                                                          **bands).parameters)
    assert again is not None and again.key == shooting.key


def test_concentration_of_one_category_and_year_is_not_all_harm(city: Workspace) -> None:
    narrow = ensure_run(city, wd.concentration_spec(city, categories=["burglary"],
                                                    start="2022-01-01", end="2023-01-01"))
    all_harm = ensure_run(city, wd.concentration_spec(city))
    assert narrow.key != all_harm.key
    assert narrow.parameters["categories"] == ["burglary"] and narrow.parameters["start"] == "2022-01-01"
    assert all_harm.parameters["categories"] is None and all_harm.parameters["roles"] == ["harm"]
    assert narrow.result.count_lorenz.n_events < all_harm.result.count_lorenz.n_events
    assert narrow.result.harm.gini != pytest.approx(all_harm.result.harm.gini)
    ev = city.events(categories=["burglary"], start="2022-01-01", end="2023-01-01")
    assert narrow.result.count_lorenz.n_events == len(ev)


def test_entry_points_record_their_spec(city: Workspace) -> None:
    run = wd.concentration(city, wd.EventFilter(categories=("assault",)))
    spec = wd.concentration_spec(city, categories=["assault"])
    assert run.stored is not None and run.stored.key == city.find_run(
        spec.kind, spec.parameters).key
    cov = wd.coverage(city, cell_size=200)
    assert cov.run_id == ensure_run(city, wd.coverage_spec(city, cell_size=200)).short_key
    assert list(cov.table["hotspot"]) == ["Hotspot 1", "Hotspot 2", "Hotspot 3"]
    view, _ = wd.borders(city, cell_size=200)
    stored = city.find_run("detect.borders", wd.borders_spec(city, cell_size=200).parameters)
    assert stored is not None and stored.result.harm_share == pytest.approx(view.harm_share)


def _old_step_edges(start: pd.Timestamp, end: pd.Timestamp, step: str) -> pd.DatetimeIndex:
    """The calendar edges emerging used before hotspotwatch.periods (reference)."""
    freq = {"week": "W-MON", "month": "MS", "quarter": "QS"}[step]
    first = start.to_period({"week": "W-SUN", "month": "M", "quarter": "Q"}[step]).start_time
    edges = pd.date_range(first, end + pd.Timedelta(days=1), freq=freq)
    if len(edges) == 0 or edges[0] > first:
        edges = edges.insert(0, first)
    if edges[-1] <= end:
        edges = edges.append(pd.DatetimeIndex([edges[-1] + pd.tseries.frequencies.to_offset(freq)]))
    return edges


@pytest.mark.parametrize("step", ["week", "month", "quarter"])
def test_emerging_steps_on_periods_match_the_old_calendar_edges(city: Workspace, step: str) -> None:
    from hotspotwatch.analysis.spacetime import time_step_index

    spec = wst.emerging_spec(city, categories=["assault"], cell_size=500, step=step,
                             start="2022-03-10", end="2023-02-20")
    run = wst.compute_emerging(city, spec.parameters)
    ev = city.events(categories=["assault"], start="2022-03-10", end="2023-02-20")
    local = ev["occurred_at"].dt.tz_convert(city.config.timezone).dt.tz_localize(None)
    edges = _old_step_edges(local.min(), local.max(), step)
    assert list(run.steps) == [d.date() for d in edges[:-1]]
    k = time_step_index(local.to_numpy().astype("datetime64[s]").astype(np.int64),
                        edges.to_numpy().astype("datetime64[s]").astype(np.int64))
    assert (k >= 0).all()
    np.testing.assert_array_equal(run.counts.sum(axis=0), np.bincount(k, minlength=len(edges) - 1))


def test_round_trip_without_permutations(city: Workspace) -> None:
    gi = ensure_run(city, wd.gistar_spec(city, permutations=0, cell_size=250))
    assert gi.result.gistar.p_sim is None
    again = type(gi.result).from_dict(gi.result.to_dict())
    assert again.gistar.p_sim is None and again.to_dict() == gi.result.to_dict()
    np.testing.assert_array_equal(again.gistar.bins, gi.result.gistar.bins)
    assert again.gistar.bins.dtype.kind == "i" and again.grid.mask.dtype == bool
    kn = ensure_run(city, wst.knox_spec(city, categories=["robbery"], permutations=0))
    assert kn.result.alert is None
    back = city.find_run("spacetime.knox", kn.parameters)
    assert back is not None and back.result.alert is None
    np.testing.assert_array_equal(back.result.knox.observed, kn.result.knox.observed)
    assert back.result.knox.observed.dtype == np.int64
    assert np.isinf(back.result.knox.time_bands[-1])


def test_entry_points_fix_the_seed(city: Workspace) -> None:
    run = wd.gistar_grid(city, cell_size=250, permutations=19, seed=None)
    assert run.parameters["seed"] == 0
    knox = wst.run_knox(city, categories=["burglary"], permutations=19, seed=None, record=False)
    assert knox["spec"].parameters["seed"] == 0 and knox["knox"].seed == 0
