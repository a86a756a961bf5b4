"""The renewal report's inputs (workflows/report.py, workflows/views.py).

The report asks for its runs by parameters and reads typed results; the only counts it makes
are descriptive (display grid, data coverage, import summary), checked here against brute
force. A synthetic city in another shape (make_city: UTM, a ``neighbourhood`` zone layer).
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import shapely

from hotspotwatch import Workspace
from hotspotwatch.testing import make_city
from hotspotwatch.workflows.report import gather_renewal, quarantine_by_source
from hotspotwatch.workflows.runs import ensure_run
from hotspotwatch.workflows.views import (
    KNOX_SPACE_BANDS,
    near_repeat_categories,
    previous_review_spec,
    regional_window,
    renewal_specs,
)

DATA = Path(__file__).resolve().parents[1] / "data"
UNTIL = dt.date(2023, 12, 31)


@pytest.fixture(scope="module")
def city(tmp_path_factory: pytest.TempPathFactory):
    ws = make_city(tmp_path_factory.mktemp("report") / "city", seed=1, scale=0.6)
    yield ws
    ws.close()


@pytest.fixture(scope="module")
def data(city):
    return gather_renewal(city, until=UNTIL)


def test_specs_depend_on_the_config_and_the_date_only(city):
    specs = renewal_specs(city, until=UNTIL)
    again = renewal_specs(city, until=UNTIL)
    assert list(specs.items()) == list(again.items())
    assert [s for s, _ in specs.items()] == [
        "evaluation", "knox", "concentration", "coverage", "borders", "gistar", "emerging",
    ]
    p = {section: spec.parameters for section, spec in specs.items()}
    assert p["evaluation"]["until"] == "2023-12-31" and p["evaluation"]["outcome"] == "harm"
    # Knox on every harm category by default (no [report] near_repeat_categories here).
    harm = sorted(city.taxonomy.names(role="harm"))
    assert p["knox"]["categories"] == harm == list(near_repeat_categories(city))
    assert p["knox"]["seed"] == 0 and p["knox"]["permutations"] == 999
    assert p["knox"]["space_bands"][:-1] == list(KNOX_SPACE_BANDS)[:-1]
    # All harm, in the twelve months up to the review date; borders on the zone layer.
    start, end = regional_window(UNTIL)
    assert (start, end) == (dt.date(2023, 1, 1), dt.date(2024, 1, 1))
    assert p["concentration"]["categories"] is None and p["concentration"]["roles"] == ["harm"]
    assert p["concentration"]["start"] == "2023-01-01" and p["concentration"]["end"] == "2024-01-01"
    assert p["borders"]["layer"] == city.config.zone_layer == "neighbourhood"
    assert p["gistar"]["seed"] == 0 and p["gistar"]["permutations"] == 0
    assert renewal_specs(city, until=dt.date(2023, 6, 30)).evaluation != specs.evaluation
    assert previous_review_spec(city, until=UNTIL).parameters["until"] == "2023-06-30"


def test_the_report_shows_the_runs_it_asked_for_not_the_latest(city, data):
    from hotspotwatch.workflows.detect import concentration_spec
    from hotspotwatch.workflows.spacetime import knox_spec

    specs = renewal_specs(city, until=UNTIL)
    # Runs stored after the report's own: Knox on burglary, concentration of one category.
    ensure_run(city, knox_spec(city, categories=["burglary"], permutations=9, seed=2))
    ensure_run(city, concentration_spec(city, categories=["burglary"], start="2022-01-01",
                                        end="2023-01-01"))
    again = gather_renewal(city, until=UNTIL)
    for section, spec in specs.items():
        (record,) = [r for r in again.runs if r.section == section]
        assert record.kind == spec.kind and dict(record.parameters) == dict(spec.parameters)
        assert record.key == city.find_run(spec.kind, spec.parameters).key
    assert again.knox_categories == tuple(specs.knox.parameters["categories"])
    assert again.concentration.harm.gini == data.concentration.harm.gini


def test_pages_carry_the_evaluation_typed_rows_rings_and_controls(city, data):
    spec = renewal_specs(city, until=UNTIL).evaluation
    stored = city.find_run(spec.kind, spec.parameters).result
    evaluated = [s for s in data.hotspots if s.evaluation is not None]
    assert len(evaluated) == len(stored.hotspots) > 0
    for sec in evaluated:
        h = stored.hotspot(sec.name)
        assert sec.evaluation.did.irr == h.did.irr
        # NaN (months left out) compares equal to NaN
        np.testing.assert_array_equal(sec.evaluation.series.treated, h.series.treated)
        assert [g.wkt for g in sec.rings] == [shapely.from_wkt(r.wkt).wkt for r in h.rings]
        assert len(sec.controls) == len(h.control_boxes) == h.n_controls
    assert [s.name for s in data.hotspots] == sorted(s.name for s in data.hotspots)


def test_display_grid_counts_harm_since_designation_in_the_window(city, data):
    sec = next(s for s in data.hotspots if s.first_designated is not None)
    ev = city.events(roles="harm", start=sec.first_designated, end=UNTIL + dt.timedelta(days=1))
    x0, y0, x1, y1 = sec.grid.extent
    x, y = ev["x"].to_numpy(), ev["y"].to_numpy()
    inside = (x >= x0) & (x < x1) & (y >= y0) & (y < y1)
    assert sec.grid.counts.sum() == inside.sum() == len(sec.points)
    cell = sec.grid.cell_size
    col = np.floor((x[inside] - x0) / cell).astype(int)
    row = np.floor((y[inside] - y0) / cell).astype(int)
    brute = np.zeros_like(sec.grid.counts)
    np.add.at(brute, (row, col), 1)
    assert np.array_equal(brute, sec.grid.counts)


def test_data_coverage_counts_every_event_by_zone_and_calendar_month(city, data):
    cov = data.data_coverage
    assert cov.zones == tuple(city.areas("neighbourhood")["code"])
    first, last = cov.months[0], cov.months[-1]
    assert first.day == 1 and last == dt.date(2023, 12, 1)
    ev = city.events(start=first, end=UNTIL + dt.timedelta(days=1))
    assert int(cov.counts.sum()) == len(ev)  # zones tile the square: every event counted once
    zone = city.areas("neighbourhood").iloc[0]
    local = pd.to_datetime(ev["occurred_at"], utc=True).dt.tz_convert(city.config.timezone)
    in_zone = shapely.contains_xy(zone.geometry, ev["x"].to_numpy(), ev["y"].to_numpy())
    march = (local.dt.year == 2023) & (local.dt.month == 3)
    assert cov.counts[0][cov.months.index(dt.date(2023, 3, 1))] == int((in_zone & march).sum())


def test_rows_read_count_each_file_once(workspace):
    from hotspotwatch.workflows.ingest import import_events
    from hotspotwatch.workflows.report import default_until

    ws = workspace
    ws.add_areas(
        pd.DataFrame({"code": ["R"], "name": ["R"],
                      "geometry": [shapely.box(640000, 660000, 660000, 680000)]}),
        "region",
    )
    first = import_events(ws, [DATA / "generic_events.csv"],
                          mapping=DATA / "generic_mapping.toml")[0]
    import_events(ws, [DATA / "generic_events.csv"], mapping=DATA / "generic_mapping.toml")
    (row,) = quarantine_by_source(ws)
    assert row.source == first.source
    assert row.imports == 2 and row.files == 1
    assert row.read == first.read  # not twice
    assert row.quarantined == first.quarantined
    assert row.stored == first.inserted == ws.count_events()
    assert sum(n for _reason, n in row.reasons) <= row.quarantined
    newest = pd.to_datetime(ws.events()["occurred_at"], utc=True).max()
    assert default_until(ws) == newest.tz_convert(ws.config.timezone).date()


def test_rows_quarantined_per_source_count_duplicate_ids_and_dates_together(tmp_path):
    # A Windows export that repeats whole lines: each repeated id has its own reason text
    # ("duplicate id '7', first at row 7"); the report's per-source table listed each as
    # one reason with 1 row, behind the rarer reasons, instead of "duplicate id (3)".
    from hotspotwatch.workflows.ingest import import_events

    ws = Workspace.create(tmp_path / "lyon", crs="EPSG:2154", timezone="Europe/Paris")
    ws.add_areas(pd.DataFrame({"code": ["R"], "name": ["R"],
                               "geometry": [shapely.box(838000, 6516000, 846000, 6522000)]}),
                 "region")
    lines = ["n;date;x;y;cat"] + [f"{i};0{1 + i % 9}/03/2024;842000;6519000;burglary"
                                  for i in range(1, 8)]
    lines += [lines[2], lines[4], lines[6], "8;31/02/2024;842000;6519000;burglary",
              "9;30/02/2024;842000;6519000;burglary"]
    (tmp_path / "f.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    (tmp_path / "m.toml").write_text(
        'source = "pm"\ncrs = "EPSG:2154"\ndate_format = "%d/%m/%Y"\n[columns]\nid = "n"\n'
        'date = "date"\nx = "x"\ny = "y"\ncategory = "cat"\n', encoding="utf-8")
    import_events(ws, [tmp_path / "f.csv"], mapping=tmp_path / "m.toml")
    (row,) = quarantine_by_source(ws)
    assert row.quarantined == 5
    assert row.reasons == (("duplicate id", 3), ("unparseable date", 2))
    ws.close()


def test_gather_refuses_a_workspace_without_hotspots_and_a_bad_date(tmp_path, city):
    empty = Workspace.create(tmp_path / "empty")
    with pytest.raises(ValueError, match="no hotspots"):
        gather_renewal(empty)
    with pytest.raises(ValueError, match="until must be a date"):
        gather_renewal(city, until="last month")
    empty.close()


def test_without_computing_a_missing_run_is_said_missing_never_replaced(tmp_path):
    ws = make_city(tmp_path / "fresh", seed=2, scale=0.3, n_hotspots=2)
    try:
        data = gather_renewal(ws, until=UNTIL, run_evaluation=False)
        assert data.runs == [] and data.evaluation is None
        assert set(data.unavailable) >= {"evaluation", "knox", "concentration"}
    finally:
        ws.close()


def test_a_section_the_data_cannot_answer_says_why(tmp_path):
    import tomllib

    from hotspotwatch.config import CONFIG_FILE, Config

    ws = make_city(tmp_path / "odd", seed=5, scale=0.3, n_hotspots=2,
                   categories=("robbery", "assault", "police_check"))
    table = tomllib.loads(ws.config.to_toml())
    table["workspace"]["zone_layer"] = "missing_layer"
    table["report"] = {"near_repeat_categories": ["shooting"]}  # none simulated
    (ws.path / CONFIG_FILE).write_text(Config.from_mapping(table).to_toml(), encoding="utf-8")
    path = ws.path
    ws.close()
    with Workspace.open(path) as ws:
        data = gather_renewal(ws, until=UNTIL)
        assert "missing_layer" in data.unavailable["borders"]
        assert "fewer than 2 events" in data.unavailable["knox"]
        assert data.knox is None and data.borders is None and data.evaluation is not None
        assert {r.section for r in data.runs} >= {"evaluation", "concentration"}
        assert data.zones == [] and data.data_coverage.empty


def test_previous_verdicts_come_from_the_previous_review_spec(city, data):
    spec = previous_review_spec(city, until=UNTIL)
    record = data.run("previous_evaluation")
    assert record is not None and record.parameters["until"] == "2023-06-30"
    assert record.key == city.find_run(spec.kind, spec.parameters).key
    assert data.previous_until == dt.date(2023, 6, 30)
    for h in data.previous.hotspots:
        assert h.last_day <= dt.date(2023, 6, 30)


def test_default_until_ignores_prevention_actions_logged_in_the_dashboard(tmp_path):
    from hotspotwatch.workflows.report import default_until
    from hotspotwatch.workflows.views import last_data_day
    from hotspotwatch.workflows.web import log_prevention_action
    from hotspotwatch.workflows.web.runs import review_day

    ws = make_city(tmp_path / "city", seed=2, scale=0.2)
    try:
        newest = pd.to_datetime(ws.events()["occurred_at"], utc=True).max()
        last = newest.tz_convert(ws.config.timezone).date()
        assert default_until(ws) == last == last_data_day(ws)
        today = dt.date.today()
        assert today > last
        hotspot_id = int(ws.hotspots()["hotspot_id"].iloc[0])
        log_prevention_action(ws, hotspot_id=hotspot_id, occurred_on=today,
                              kind="outreach", recorded_by="tester")
        logged = pd.to_datetime(ws.events()["occurred_at"], utc=True).max()
        assert logged.tz_convert(ws.config.timezone).date() == today  # the action is an event
        assert default_until(ws) == last  # ... but it does not move the report's default
        assert review_day(ws) == default_until(ws)  # the dashboard's rule, the same function
    finally:
        ws.close()
