"""Time precision and exact duplicates in the space-time runs (issue 14 items 1 and 2).

Knox, alerts and emerging hot spots read each event's ``time_precision``: bands or steps
finer than the coarsest precision of the selected events are refused with a one-line
message; ``min_precision`` drops the coarser events and the result says how many. Exact
duplicates of one incident are counted once unless ``include_duplicates``.
"""

from __future__ import annotations

import json
import math

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from hotspotwatch.analysis.spacetime import knox
from hotspotwatch.cli.main import app
from hotspotwatch.testing import make_city
from hotspotwatch.workflows import spacetime as wst
from hotspotwatch.workflows.runs import ensure_run
from hotspotwatch.workflows.spacetime_events import PrecisionError, duplicate_mask

runner = CliRunner()
MONTH_BANDS = (0, 31, 62, 93, math.inf)


@pytest.fixture(scope="module")
def month_ws(tmp_path_factory):  # type: ignore[no-untyped-def]
    ws = make_city(tmp_path_factory.mktemp("m") / "city", precision="month", scale=0.4, seed=3)
    yield ws
    ws.close()


@pytest.fixture(scope="module")
def mixed_ws(tmp_path_factory):  # type: ignore[no-untyped-def]
    """Day-precision events plus a second source known only to the month."""
    ws = make_city(tmp_path_factory.mktemp("x") / "city", precision="day", scale=0.4, seed=4,
                   duplicates=30)
    day = ws.events()
    pick = day.sample(200, random_state=1)
    local = pick["occurred_at"].dt.tz_convert(ws.config.timezone).dt.tz_localize(None)
    first = local.dt.to_period("M").dt.to_timestamp().dt.tz_localize(ws.config.timezone)
    ws.add_events(pd.DataFrame({
        "source_id": [f"m{i}" for i in range(len(pick))],
        "occurred_at": first.dt.tz_convert("UTC").to_numpy(),
        "x": pick["x"].to_numpy() + 7.0, "y": pick["y"].to_numpy(),
        "category": pick["category"].to_numpy(), "time_precision": "month"}), source="monthly")
    yield ws
    ws.close()


def _n(ws, categories, precision):  # type: ignore[no-untyped-def]
    f = ws.events(categories=categories)
    return int((f["time_precision"] == precision).sum())


def test_knox_refuses_weekly_bands_on_month_only_dates(month_ws) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(PrecisionError) as err:
        wst.run_knox(month_ws, categories=["burglary"], permutations=9, record=False)
    msg = str(err.value)
    assert "\n" not in msg and "month" in msg and "--time-bands 0,31" in msg
    assert "--min-precision" in msg
    n = _n(month_ws, ["burglary"], "month")
    assert f"{n} of {n} events" in msg


def test_knox_on_month_bands_states_the_precision(month_ws) -> None:  # type: ignore[no-untyped-def]
    spec = wst.knox_spec(month_ws, categories=["burglary"], time_bands=MONTH_BANDS, permutations=9)
    run = ensure_run(month_ws, spec).result
    assert run.time_precision == "month" and run.n_dropped_precision == 0
    assert run.to_dict()["time_precision"] == "month"
    out = wst.run_knox(month_ws, categories=["burglary"], time_bands=MONTH_BANDS,
                       permutations=9, record=False)
    assert "Event times are known to the month only." in out["summary"]


def test_knox_min_precision_drops_the_coarser_source(mixed_ws) -> None:  # type: ignore[no-untyped-def]
    cats = ["burglary", "theft"]
    with pytest.raises(PrecisionError, match="known only to the month"):
        wst.compute_knox(mixed_ws, wst.knox_spec(mixed_ws, categories=cats,
                                                 permutations=0).parameters)
    spec = wst.knox_spec(mixed_ws, categories=cats, permutations=9, min_precision="day")
    assert spec.parameters["min_precision"] == "day"
    run = ensure_run(mixed_ws, spec).result
    n_month = _n(mixed_ws, cats, "month")
    assert n_month > 0 and run.n_dropped_precision == n_month
    assert run.time_precision == "day" and run.min_precision == "day"
    day_events = mixed_ws.events(categories=cats)
    day_events = day_events[day_events["time_precision"] == "day"]
    assert run.n_events == len(day_events) - int(duplicate_mask(day_events).sum())
    out = wst.run_knox(mixed_ws, categories=cats, permutations=9, min_precision="day",
                       record=False)
    assert any(f"{n_month} events with a time precision coarser" in s for s in out["summary"])
    with pytest.raises(ValueError, match="not one of"):
        wst.knox_spec(mixed_ws, categories=cats, min_precision="week")


def test_emerging_step_never_finer_than_the_data(month_ws, mixed_ws) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(PrecisionError, match="a week step is finer") as err:
        wst.compute_emerging(month_ws, wst.emerging_spec(month_ws, step="week").parameters)
    assert "--step month" in str(err.value)
    run = wst.compute_emerging(month_ws, wst.emerging_spec(month_ws, step="month").parameters)
    assert run.time_precision == "month" and run.to_dict()["time_precision"] == "month"
    weekly = wst.compute_emerging(
        mixed_ws, wst.emerging_spec(mixed_ws, step="week", min_precision="day").parameters)
    assert weekly.time_precision == "day"
    assert weekly.n_dropped_precision == _n(mixed_ws, None, "month")


def test_alerts_need_the_incident_day(month_ws, mixed_ws) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(PrecisionError, match="month"):
        ensure_run(month_ws, wst.alerts_spec(month_ws, categories=["burglary"]))
    spec = wst.alerts_spec(mixed_ws, categories=["burglary"], days=400, min_precision="day")
    assert spec.parameters["knox"]["min_precision"] == "day"
    res = ensure_run(mixed_ws, spec).result
    assert res.time_precision == "day" and res.n_dropped_precision > 0
    assert all(a.category == "burglary" for a in res.alerts) and res.alerts


def test_knox_counts_each_duplicated_incident_once(tmp_path) -> None:  # type: ignore[no-untyped-def]
    ws = make_city(tmp_path / "dup", precision="day", duplicates=60, scale=0.4, seed=5)
    cats = ["burglary", "theft"]
    frame = ws.events(categories=cats)
    dup = duplicate_mask(frame)
    assert dup.sum() > 5
    bands = dict(space_bands=[0, 100, 200, math.inf], time_bands=[0, 7, 14, math.inf])
    run = wst.compute_knox(ws, wst.knox_spec(ws, categories=cats, permutations=0,
                                             **bands).parameters)
    assert run.n_duplicates == int(dup.sum()) and run.n_events == len(frame) - int(dup.sum())
    kept = frame[~dup]
    days = wst.local_days(kept["occurred_at"], ws.config.timezone)
    ref = knox(kept["x"].to_numpy(float), kept["y"].to_numpy(float), days, **bands,
               permutations=0)
    np.testing.assert_array_equal(run.knox.observed, ref.observed)
    both = wst.compute_knox(ws, wst.knox_spec(ws, categories=cats, permutations=0,
                                              include_duplicates=True, **bands).parameters)
    assert both.n_duplicates == 0 and both.n_events == len(frame)
    # every duplicate adds at least its pair with its original at distance 0, gap 0
    assert both.same_place_same_day >= run.same_place_same_day + int(dup.sum())
    assert both.knox.observed[0, 0] >= run.knox.observed[0, 0] + int(dup.sum())
    ws.close()


def test_cli_knox_refusal_is_one_line_exit_2_and_min_precision_reports(month_ws, mixed_ws) -> None:  # type: ignore[no-untyped-def]
    r = runner.invoke(app, ["spacetime", "knox", "-w", str(month_ws.path), "-c", "burglary",
                            "--permutations", "9"])
    assert r.exit_code == 2 and "Traceback" not in r.output
    assert "month" in r.output and "--min-precision" in r.output
    r = runner.invoke(app, ["spacetime", "knox", "-w", str(mixed_ws.path), "-c", "burglary",
                            "--permutations", "9", "--min-precision", "day", "--json"])
    assert r.exit_code == 0, r.output
    data = json.loads(r.stdout)
    assert data["time_precision"] == "day" and data["min_precision"] == "day"
    assert data["n_dropped_precision"] == _n(mixed_ws, ["burglary"], "month")
    r = runner.invoke(app, ["spacetime", "emerging", "-w", str(month_ws.path), "--step", "week"])
    assert r.exit_code == 2 and "week step" in r.output and "Traceback" not in r.output


def test_classification_periods_never_split_a_month(month_ws, mixed_ws) -> None:  # type: ignore[no-untyped-def]
    import datetime as dt

    from hotspotwatch.workflows import detect as wd

    spec = wd.classify_spec(month_ws, start="2021-01-01", end="2024-01-01", n_periods=8,
                            cell_size=500)
    run = wd.compute_classify(month_ws, spec.parameters)
    assert run.time_precision == "month" and run.period_rule == "calendar_months"
    assert all(d.day == 1 for d in run.period_edges) and len(run.period_edges) == 9
    # 1096 days / 8 = 137 days: 2021-05-18 is nearer to 1 June than to 1 May
    assert run.period_edges[1] == dt.date(2021, 6, 1)
    assert run.to_dict()["time_precision"] == "month"
    # every event is counted exactly once over the periods
    n = len(month_ws.events(roles=["harm"], start="2021-01-01", end="2024-01-01"))
    assert run.totals[np.isfinite(run.totals)].sum() == pytest.approx(
        month_ws.events(roles=["harm"], start="2021-01-01", end="2024-01-01")["harm_weight"].sum())
    assert n > 0
    with pytest.raises(ValueError, match="finer than the events' time precision"):
        wd.compute_classify(month_ws, wd.classify_spec(
            month_ws, start="2021-01-01", end="2021-04-01", n_periods=8, cell_size=500).parameters)
    day = wd.compute_classify(mixed_ws, wd.classify_spec(
        mixed_ws, start="2021-01-01", end="2024-01-01", n_periods=8, cell_size=500,
        min_precision="day").parameters)
    assert day.period_rule == "equal_days" and day.time_precision == "day"
    assert day.n_dropped_precision == len(mixed_ws.events(roles=["harm"]).query(
        "time_precision == 'month'"))


def test_recent_alerts_once_per_incident(tmp_path) -> None:  # type: ignore[no-untyped-def]
    ws = make_city(tmp_path / "dupal", precision="day", duplicates=80, scale=0.4, seed=6)
    frame = ws.events(categories=["burglary"])
    spec = wst.alerts_spec(ws, categories=["burglary"], days=2000)
    res = ensure_run(ws, spec).result
    dup = duplicate_mask(frame)
    assert dup.sum() > 0
    assert len(res.alerts) == len(frame) - int(dup.sum())
    ids = {a.event_id for a in res.alerts}
    assert not ids & set(frame["event_id"][dup])
    ws.close()


def test_cli_alert_on_month_only_data_is_refused_then_answers_on_month_bands(month_ws) -> None:  # type: ignore[no-untyped-def]
    f = month_ws.events(categories=["burglary"])
    x, y = float(f["x"].iloc[0]), float(f["y"].iloc[0])
    args = ["spacetime", "alert", "-w", str(month_ws.path), "-c", "burglary", "--x", str(x),
            "--y", str(y), "--date", "2023-06-01"]
    r = runner.invoke(app, args)
    assert r.exit_code == 2 and "Traceback" not in r.output
    assert "month" in r.output and "--time-bands 0,31" in r.output
    r = runner.invoke(app, [*args, "--time-bands", "0,31,62,93,inf", "--json"])
    assert r.exit_code == 0, r.output
    assert json.loads(r.stdout)["time_precision"] == "month"
