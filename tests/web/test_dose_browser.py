"""The hotspot page's presence panel and resource form in a real browser (issue 18).

A partner sees minutes per week by unit type (one line per unit type, the run named) and
enters a resource record for its own place; on another place the form is absent."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from hotspotwatch import Workspace
from hotspotwatch.io.presence import load_presence_mapping
from hotspotwatch.workflows.presence import import_presence
from hotspotwatch.workflows.resources import resource_frame

from .test_browser import _login, _shot, browser, live  # noqa: F401  (fixtures)

pytestmark = [pytest.mark.browser, pytest.mark.slow]


@pytest.fixture(scope="module")
def with_presence(
    live: tuple[str, dict[str, int], Workspace],  # noqa: F811
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[tuple[str, dict[str, int], Workspace]]:
    base, ids, ws = live
    d: Path = tmp_path_factory.mktemp("presence")
    (d / "m.toml").write_text(
        'source = "patrols"\n[columns]\nstart = "begin"\nend = "finish"\n'
        'unit_type = "unit"\nhotspot = "place"\n',
        encoding="utf-8",
    )
    (d / "s.csv").write_text(
        "begin,finish,unit,place\n"
        "2024-03-04T10:00,2024-03-04T10:20,police_taskforce,Gare du Midi\n"
        "2024-03-05T18:00,2024-03-05T18:45,peacekeepers,Gare du Midi\n"
        "2024-03-12T18:00,2024-03-12T18:30,police_taskforce,Gare du Midi\n"
        "2024-03-19T18:00,2024-03-19T18:10,peacekeepers,Gare du Midi\n"
        "2024-04-02T18:00,2024-04-02T18:15,peacekeepers,Gare du Midi\n",
        encoding="utf-8",
    )
    mapping = load_presence_mapping(d / "m.toml", unit_types=("police_taskforce", "peacekeepers"))
    import_presence(ws, [d / "s.csv"], mapping=mapping)
    yield base, ids, ws


def test_partner_sees_presence_per_week_and_enters_resources(
    with_presence: tuple[str, dict[str, int], Workspace],
    browser: object,  # noqa: F811
) -> None:
    base, ids, ws = with_presence
    page = browser.new_page(viewport={"width": 1200, "height": 900})  # type: ignore[attr-defined]
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    _login(page, base, "paula", f"/hotspots/{ids['Gare du Midi']}")
    page.wait_for_selector("#presence-chart svg path.series")
    assert page.is_visible("#presence")
    assert page.locator("#presence-chart svg path.series").count() == 2  # two unit types
    # weeks of 4, 11, 18 March and 1 April: the week of 25 March is drawn at 0 minutes
    points = page.eval_on_selector_all(
        "#presence-chart svg path.series",
        "ps => ps.map(p => p.getAttribute('d').split(/[ML]/).length - 1)",
    )
    assert points == [5, 5]
    assert page.inner_text("#presence-summary").startswith("Presence: 2 h in all, sessions: 5")
    assert "Police taskforce" in page.inner_text("#presence")
    assert page.is_visible("#resource-form")
    page.fill("#resource-form input[name=start]", "2024-03-01")
    page.fill("#resource-form input[name=end]", "2024-08-31")
    page.select_option("#resource-form select[name=kind]", "prevention")
    page.fill("#resource-form input[name=staff_hours]", "320")
    page.fill("#resource-form input[name=cost]", "12800")
    page.fill("#resource-form input[name=source]", "browser test budget")
    page.click("#resource-form button[type=submit]")
    page.wait_for_selector("#resources td:has-text('browser test budget')")
    assert page.inner_text("#resource-msg") == "Saved."
    stored = resource_frame(ws)
    row = stored[stored["source"] == "browser test budget"]
    assert row["hotspot"].tolist() == ["Gare du Midi"] and row["cost_eur"].tolist() == [12800]
    _shot(page, "hotspot-presence")
    page.goto(f"{base}/hotspots/{ids['Porte de Hal']}?lang=fr")
    page.wait_for_selector("#presence h2")
    assert page.inner_text("#presence h2") == "Présence par semaine (de l'activité, pas des résultats)"
    assert page.locator("#resource-form").count() == 0  # not her place
    assert errors == []
    page.close()
