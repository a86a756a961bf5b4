"""The report's dose and cost section (issue 18): the numbers it prints are the stored runs'
(dose.presence, dose.deterrence, dose.cost, dose.resources), labelled activity not results;
the public version shows the strategy's totals only."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import numpy as np
import pandas as pd
import pytest

from hotspotwatch.i18n.dose import format_money
from hotspotwatch.report.disclosure import Disclosure
from hotspotwatch.report.dose import dose_context
from hotspotwatch.report.fmt import Fmt
from hotspotwatch.report.render import _env
from hotspotwatch.testing import make_city
from hotspotwatch.workflows.dose_report import gather_dose
from hotspotwatch.workflows.presence import import_presence, presence_spec
from hotspotwatch.workflows.resources import import_resources, strategy_totals
from hotspotwatch.workflows.runs import ensure_run

UNTIL = dt.date(2023, 12, 31)
MAPPING = """
source = "patrols"
[columns]
start = "begin"
end = "finish"
unit_type = "unit"
hotspot = "place"
"""


@pytest.fixture(scope="module")
def city(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    root = tmp_path_factory.mktemp("dose")
    ws = make_city(
        root / "ws",
        n_hotspots=2,
        scale=0.2,
        config={"presence": {"unit_types": ["police_taskforce", "peacekeepers"]}},
    )
    rng = np.random.default_rng(5)
    n = 300
    start = pd.Timestamp("2023-01-02 08:00") + pd.to_timedelta(
        rng.integers(0, 350 * 24, n), unit="h"
    )
    minutes = rng.integers(5, 60, n)
    pd.DataFrame(
        {
            "begin": start.strftime("%Y-%m-%dT%H:%M"),
            "finish": (start + pd.to_timedelta(minutes, unit="min")).strftime("%Y-%m-%dT%H:%M"),
            "unit": rng.choice(["police_taskforce", "peacekeepers"], n),
            "place": rng.choice(["Hotspot 1", "Hotspot 2"], n),
        }
    ).to_csv(root / "s.csv", index=False)
    (root / "m.toml").write_text(MAPPING, encoding="utf-8")
    import_presence(ws, [root / "s.csv"], mapping=root / "m.toml")
    (root / "r.csv").write_text(
        "hotspot,start,end,kind,staff_hours,cost,source\n"
        "Hotspot 1,2023-01-01,2023-12-31,police,420,16800,finance office\n"
        "Hotspot 2,2023-01-01,2023-12-31,prevention,380,15200,finance office\n",
        encoding="utf-8",
    )
    import_resources(ws, [root / "r.csv"])
    dose = gather_dose(ws, lambda section, spec: ensure_run(ws, spec).result, until=UNTIL)
    yield SimpleNamespace(ws=ws, dose=dose)
    ws.close()


def _data(dose: Any) -> Any:
    names = ["Hotspot 1", "Hotspot 2"]
    return SimpleNamespace(
        dose=dose,
        hotspots=[SimpleNamespace(name=n) for n in names],
        unavailable={},
        unavailable_kind={},
    )


def _render(ctx: dict[str, Any], *, public: bool, place: str | None) -> str:
    extra: dict[str, Any] = {"public": public}
    if place is not None:
        extra["p"] = SimpleNamespace(name=place)
    return _env().get_template("_dose.html.j2").render(**ctx, **extra)


def test_no_presence_and_no_resources_means_no_section(tmp_path: Path) -> None:
    ws = make_city(tmp_path / "ws", n_hotspots=1, scale=0.1)
    assert gather_dose(ws, lambda *_: pytest.fail("no run expected"), until=UNTIL) is None
    ws.close()


def test_place_block_prints_the_presence_runs_minutes_per_week_by_unit(city: Any) -> None:
    dose = city.dose
    assert dose.presence is not None and dose.deterrence is not None
    run = ensure_run(city.ws, presence_spec(city.ws, until=UNTIL))
    assert run.parameters["until"] == UNTIL.isoformat()
    h = next(x for x in run.result.hotspots if x.hotspot == "Hotspot 1")
    f = Fmt("fr", Disclosure("council", 5))
    ctx = dose_context(_data(dose), f, place_blocks=True)
    html = _render(ctx, public=False, place="Hotspot 1")
    assert "activité, pas des résultats" in html
    per_week = f.num(h.minutes_by_unit_type["police_taskforce"] / h.weeks, 0)
    assert f"Taskforce de police {per_week}" in html
    assert f.num(100 * h.high_harm_hours.covered_share, 1) + " %" in html
    assert f.p("dose.sessions", h.sessions) in html
    # the resource record of the place, prorated over its designated days of 2023 (all)
    assert format_money(16800, "EUR", "fr") in html
    assert "Heures de personnel : 420 h" in html


def test_cost_per_harm_prevented_is_a_range_or_says_why_not(city: Any) -> None:
    cost = city.dose.cost
    assert cost is not None
    f = Fmt("en", Disclosure("council", 5))
    ctx = dose_context(_data(city.dose), f)
    for place in cost.places:
        line = ctx["dose_pages"][place.name]["cost_line"]
        if place.status == "computed":
            low = format_money(place.cost_per_prevented_low, "EUR", "en")
            assert f"between {low} and" in line
        else:
            assert place.status in line  # "cannot be computed: ..."


def test_strategy_block_has_the_koper_sentence_and_figure(city: Any) -> None:
    k = city.dose.deterrence
    f = Fmt("nl", Disclosure("council", 5))
    ctx = dose_context(_data(city.dose), f)
    html = _render(ctx, public=False, place=None)
    assert "Koper-curve" in html and "data:image/png;base64," in html
    if k.can_tell:
        assert f.num(k.best_session_minutes.estimate, 0) in html
    else:
        assert "Uit de gegevens valt niet af te leiden" in html
    assert [r["name"] for r in ctx["dose_strategy"]["places"]] == ["Hotspot 1", "Hotspot 2"]
    s = city.dose.strategy
    assert s.minutes == pytest.approx(sum(h.minutes for h in city.dose.presence.hotspots))


def test_public_version_shows_the_strategy_totals_only(city: Any) -> None:
    f = Fmt("en", Disclosure("public", 5))
    ctx = dose_context(_data(city.dose), f)
    assert ctx["dose_pages"] == {}
    assert _render(ctx, public=True, place="Hotspot 1").strip() == ""
    html = _render(ctx, public=True, place=None)
    totals = strategy_totals(city.ws, until=UNTIL)
    assert totals is not None
    assert f.num(totals["staff_hours"], 0) + " staff-hours" in html
    assert format_money(totals["cost"], "EUR", "en") in html
    assert "Hotspot 1" not in html and "Koper" not in html
    assert "per place are not published" in html


def test_without_room_on_the_place_page_the_figures_are_in_the_strategy_table(city: Any) -> None:
    f = Fmt("en", Disclosure("council", 5))
    ctx = dose_context(_data(city.dose), f)  # place_blocks off (the default)
    assert _render(ctx, public=False, place="Hotspot 1").strip() == ""
    html = _render(ctx, public=False, place=None)
    h = next(x for x in city.dose.presence.hotspots if x.hotspot == "Hotspot 2")
    row = html.split('data-place="Hotspot 2"')[1].split("</tr>")[0]
    per_week = f.num(h.minutes_by_unit_type["peacekeepers"] / h.weeks, 0)
    assert f'<td class="num">{per_week}</td>' in row
    assert f'<td class="num">{f.num(h.sessions, 0)}</td>' in row
    c = next(x for x in city.dose.cost.places if x.name == "Hotspot 2")
    if c.status == "computed":
        assert format_money(c.cost_per_prevented_low, "EUR", "en") + "\u2013" in row
    else:
        short = {
            "cannot be computed: no detectable effect": "no detectable effect",
            "cannot be computed: harm increased": "harm increased",
            "cannot be computed: no cost recorded": "no cost recorded",
        }[c.status]
        assert short in row


def test_runs_not_stored_are_named_not_replaced(city: Any) -> None:
    # the report built without computing: no stored dose runs, each part says so
    import dataclasses

    dose = dataclasses.replace(
        city.dose, presence=None, deterrence=None, cost=None, resources=None, strategy=None
    )
    data = _data(dose)
    reason = "no stored run with these parameters"
    data.unavailable = {
        s: reason for s in ("dose_presence", "dose_deterrence", "dose_cost", "dose_resources")
    }
    data.unavailable_kind = dict.fromkeys(data.unavailable, "not_stored")
    f = Fmt("en", Disclosure("council", 5))
    ctx = dose_context(data, f, place_blocks=True)
    strategy = _render(ctx, public=False, place=None)
    place = _render(ctx, public=False, place="Hotspot 1")
    for html in (strategy, place):
        assert reason in html
    assert "Koper" in strategy and "data:image/png" not in strategy


@pytest.mark.parametrize(
    ("lang", "needle"),
    [
        ("en", "with 2 places, too few for a reliable interval (at least 10 are needed), the "
               "data cannot tell"),
        ("fr", "avec 2 lieux, trop peu pour un intervalle fiable (il en faut au moins 10)"),
        ("nl", "met 2 plaatsen, te weinig voor een betrouwbaar interval"),
    ],
)
def test_dose_response_over_two_places_says_the_data_cannot_tell(
    city: Any, lang: str, needle: str
) -> None:
    # second-city review: a cluster-robust interval over 2 places read 0.881 (0.878-0.884)
    dr = city.dose.presence.dose_response
    assert dr.places == 2 and np.isnan(dr.ci_low)
    assert dr.interval_note == "too few places for a cluster-robust interval: 2 < 10"
    html = _render(dose_context(_data(city.dose), Fmt(lang, Disclosure("council", 5))),
                   public=False, place=None)
    assert np.isfinite(dr.rate_ratio)  # a ratio, but no interval: the text says why
    text = " ".join(html.split("dose-response", 1)[1].split("</p>", 1)[0].split())
    assert needle in text
    assert "–" not in text  # no interval printed
