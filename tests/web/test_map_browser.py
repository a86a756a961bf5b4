"""The map page in Chromium (issue 17): the events layer follows the filters and says when
it is capped, legends, search, hover names, PNG export; desktop and phone (390 px).

Expected numbers are counted here from ``Workspace.events``. Screenshots go to
``test-artifacts/web-map-*.png``.
"""

# ruff: noqa: F811

from __future__ import annotations

from pathlib import Path

import pytest

from hotspotwatch import Workspace

# The fixtures of test_browser (a live server on a populated workspace, Chromium), imported
# so that pytest finds them here; tests take them as arguments of the same name.
from .test_browser import _login, _shot, browser, live  # noqa: F401

pytestmark = [pytest.mark.browser, pytest.mark.slow]

Live = tuple[str, dict[str, int], Workspace]


def _ready(page: object, extra: str = "", timeout: float = 30000) -> None:
    page.wait_for_selector(f"#map[data-state=ready]{extra}", timeout=timeout)  # type: ignore[attr-defined]


def _attr(page: object, name: str) -> str:
    return str(page.get_attribute("#map", name))  # type: ignore[attr-defined]


def test_events_layer_follows_the_date_range_and_says_when_capped(
    live: Live, browser: object
) -> None:
    base, _, ws = live
    page = browser.new_page(viewport={"width": 1280, "height": 900})  # type: ignore[attr-defined]
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    _login(page, base, "rita", "/map")
    page.goto(f"{base}/map?limit=50")
    _ready(page)
    everything = len(ws.events())
    assert _attr(page, "data-total") == str(everything)
    assert _attr(page, "data-level") == "cells"
    assert page.inner_text("#map-status").startswith(f"{everything} events in ")
    # the density legend: one swatch per class, labels from 1 up
    legend = page.locator("#legend-cells li")
    assert page.is_visible("#legend-cells") and legend.count() >= 1
    assert legend.first.inner_text().startswith("1")
    # Gi* is off at first (its fill would tint the counts); its legend comes with it
    assert not page.is_visible(".legend-gistar")
    page.check("input[data-layer=gistar]")
    page.wait_for_selector(".legend-gistar:has-text('hot spot')")
    page.uncheck("input[data-layer=gistar]")
    # a date range: first quarter of 2024
    expected = len(ws.events(start="2024-01-01", end="2024-04-01"))
    page.select_option("#month-from", "2024-01")
    page.select_option("#month-to", "2024-03")
    _ready(page, f"[data-total='{expected}']")
    assert expected < everything
    assert page.inner_text("#map-status").startswith(f"{expected} events in ")
    _shot(page, "map-range")
    # points forced over the whole period: capped at the page's limit of 50
    page.select_option("#month-from", "")
    page.select_option("#month-to", "")
    page.select_option("#level", "events")
    _ready(page, "[data-level=events][data-capped=true]")
    status = page.inner_text("#map-status")
    assert status.startswith(f"50 of {everything} events shown")
    assert _attr(page, "data-shown") == "50"
    assert page.is_visible("#legend-points") and not page.is_visible("#legend-cells")
    roles = page.locator("#legend-points li").all_inner_texts()
    assert any(r.startswith("harm") for r in roles) and len(roles) >= 2
    # the export links carry the same filters
    href = page.get_attribute("#export-csv", "href") or ""
    assert href.startswith("/api/v1/map/export?") and "level=events" in href and "limit=50" in href
    _shot(page, "map-capped")
    assert errors == []
    page.close()


def test_search_flies_to_the_hotspot_and_hover_names_it(live: Live, browser: object) -> None:
    base, _, _ = live
    page = browser.new_page(viewport={"width": 1280, "height": 900})  # type: ignore[attr-defined]
    _login(page, base, "rita", "/map")
    _ready(page)
    before = float(_attr(page, "data-zoom"))
    page.fill("#hs-search", "porte de")
    page.press("#hs-search", "Enter")
    page.wait_for_selector("#search-msg:has-text('Porte de Hal')")
    # close in on a 400 m perimeter: event points instead of cells
    _ready(page, "[data-level=events]")
    assert float(_attr(page, "data-zoom")) > before + 1
    box = page.locator("#map").bounding_box()
    assert box is not None
    page.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    page.wait_for_selector("#map-hover:has-text('Porte de Hal (designated hotspot)')")
    _shot(page, "map-search-hover")
    page.fill("#hs-search", "Nowhere")
    page.press("#hs-search", "Enter")
    page.wait_for_selector("#search-msg:has-text('No hotspot called')")
    page.close()


def test_png_export_of_the_map_canvas(live: Live, browser: object, tmp_path: Path) -> None:
    from hotspotwatch.workflows import audit as audit_wf

    base, _, ws = live
    page = browser.new_page(viewport={"width": 1280, "height": 900}, accept_downloads=True)  # type: ignore[attr-defined]
    _login(page, base, "rita", "/map")
    _ready(page)
    with page.expect_download() as info:
        page.click("#export-png")
    target = tmp_path / "map.png"
    info.value.save_as(str(target))
    data = target.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n" and len(data) > 5000
    entry = audit_wf.entries(ws, action="map.export")[-1]
    assert entry["username"] == "rita"
    assert entry["detail"]["format"] == "png" and entry["detail"]["level"] == "cells"
    assert entry["rows"] == int(_attr(page, "data-shown")) > 0
    page.close()


def test_phone_partner_sees_protected_cells_in_dutch(live: Live, browser: object) -> None:
    base, _, ws = live
    page = browser.new_page(viewport={"width": 390, "height": 844}, device_scale_factor=2)  # type: ignore[attr-defined]
    _login(page, base, "paula", "/map")
    page.goto(f"{base}/map?lang=nl")
    _ready(page)
    k = ws.config.disclosure_k
    status = page.inner_text("#map-status")
    assert f"minstens {k} feiten" in status and "alle maanden" in status
    assert page.is_visible("#legend-cells") and page.locator("#legend-cells li").count() >= 1
    first = page.locator("#legend-cells li").first.inner_text()
    assert int(first.split()[0]) >= k  # no class below k
    assert page.evaluate("document.documentElement.scrollWidth") <= 390 + 1
    # the map comes before the filters on a phone, within the first screen
    map_top = page.locator("#map").bounding_box()
    assert map_top is not None and map_top["y"] < 844 * 0.6
    # whole years only, no month range for this role
    page.click("#map-filters summary")
    assert page.is_visible("#year") and not page.is_visible("#month-from")
    page.select_option("#year", "2024")
    page.wait_for_selector("#map-status:has-text('2024')")
    _shot(page, "map-phone-nl-partner")
    page.close()


def test_phone_analyst_map(live: Live, browser: object) -> None:
    base, _, _ = live
    page = browser.new_page(  # type: ignore[attr-defined]
        viewport={"width": 390, "height": 844}, device_scale_factor=2, has_touch=True,
        is_mobile=True,
    )
    _login(page, base, "rita", "/map")
    page.goto(f"{base}/map?lang=fr")
    _ready(page)
    assert " faits dans " in page.inner_text("#map-status")
    assert page.evaluate("document.documentElement.scrollWidth") <= 390 + 1
    header = page.locator("header.top").bounding_box()
    assert header is not None and header["height"] <= 80
    assert page.locator("#legend-cells li").count() >= 1
    # no hover on a phone: a tap names the place under the finger (the page stays)
    page.fill("#hs-search", "Gare du Midi")
    page.press("#hs-search", "Enter")
    _ready(page, "[data-level=events]")
    box = page.locator("#map").bounding_box()
    assert box is not None
    page.touchscreen.tap(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    page.wait_for_selector("#map-hover:has-text('Gare du Midi (lieu désigné)')")
    assert page.url.endswith("/map?lang=fr")
    _shot(page, "map-phone-fr")
    page.close()
