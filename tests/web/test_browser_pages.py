"""The hotspot and strategy pages in Chromium (issue 17): map with legend, three harm lines,
the report's numbers, "< 0.001" p-values in every language, nothing cut off, a header of at
most 80 px, exports, on a desktop and on a phone. Screenshots go to ``test-artifacts/``."""

from __future__ import annotations

import itertools
from pathlib import Path
from typing import Any

import pytest

from hotspotwatch import Workspace

from .conftest import last_data_day, report_evaluation
from .test_browser import _login, _shot, browser, live  # noqa: F401  (fixtures)

pytestmark = [pytest.mark.browser, pytest.mark.slow]

Live = tuple[str, dict[str, int], Workspace]
VIEWPORTS = {"desktop": {"width": 1280, "height": 900}, "phone": {"width": 390, "height": 844}}

# Every cell whose text does not fit: its content is wider than its box.
OVERFLOWING = """(sel) => [...document.querySelectorAll(sel)]
  .filter((e) => e.getClientRects().length && e.scrollWidth > e.clientWidth + 1)
  .map((e) => e.textContent.trim())"""


def _page(browser: Any, view: str) -> Any:  # noqa: F811
    page = browser.new_page(viewport=VIEWPORTS[view], device_scale_factor=2 if view == "phone" else 1)
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page._hw_errors = errors
    return page


def _header_height(page: Any) -> float:
    return float(page.locator("header.top").bounding_box()["height"])


@pytest.mark.parametrize("view", ["desktop", "phone"])
def test_hotspot_page_has_a_map_with_legend_and_three_harm_lines(
    live: Live, browser: Any, view: str  # noqa: F811
) -> None:
    base, ids, _ = live
    page = _page(browser, view)
    hid = ids["Gare du Midi"]
    _login(page, base, "rita", f"/hotspots/{hid}")
    page.wait_for_selector("#trend svg path.series")
    page.wait_for_selector("#hs-map[data-state]", timeout=30000)
    state = page.get_attribute("#hs-map", "data-state")
    if state == "loaded":
        assert page.locator("#hs-map canvas.maplibregl-canvas").count() == 1
    else:  # no WebGL here: the page says so
        assert "WebGL" in page.inner_text("#map-status")
    legend = page.locator("#hs-map-legend li").all_inner_texts()
    assert legend[:4] == ["This place", "Buffer ring", "Other designated places", "Comparison cells"]
    if state == "loaded":  # the zone layer drawn for orientation is in the legend too
        page.wait_for_selector("#legend-zones:not([hidden])")
        assert page.inner_text("#legend-zones") == "Zone boundaries"
    keys = [p.get_attribute("data-key") for p in page.locator("#trend svg path.series").all()]
    assert keys == ["treated", "buffer", "control"]
    assert all(p.get_attribute("d") for p in page.locator("#trend svg path.series").all())
    assert page.locator("#trend svg rect.band").count() == 1  # after designation
    assert page.text_content("#trend .y-label") == "Harm events per month"
    # dose on its own panel, named as activity, not results
    assert page.locator("#activity svg path.series").count() == 2
    assert page.inner_text("#activity-title").startswith("Activity, not results")
    assert page.locator("#presence").count() == 1  # the dose helper's slot
    # readable on a phone: 12 px text, month labels that do not overlap, no sideways scroll
    sizes = page.evaluate(
        "() => [...document.querySelectorAll('#trend svg text')].map((t) => parseFloat(getComputedStyle(t).fontSize))"
    )
    assert sizes and min(sizes) >= 12
    boxes = page.evaluate(
        "() => [...document.querySelectorAll('#trend svg text.x-tick')].map((t) => { const r = t.getBoundingClientRect(); return [r.left, r.right]; })"
    )
    assert len(boxes) >= 3
    assert all(a[1] <= b[0] for a, b in itertools.pairwise(boxes))
    width = VIEWPORTS[view]["width"]
    assert page.evaluate("document.documentElement.scrollWidth") <= width + 1
    assert _header_height(page) <= 80
    if state == "loaded":  # the place's name on hover (the map is fitted on it)
        box = page.locator("#hs-map").bounding_box()
        cx, cy = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
        for dx in (0, 3, 6):  # a move or two until the layers are drawn
            page.mouse.move(cx + dx, cy)
            page.wait_for_timeout(300)
        page.wait_for_selector(".hw-hover", timeout=10000)
        assert page.inner_text(".hw-hover") == "Gare du Midi"
    _shot(page, f"hotspot-map-chart-{view}")
    assert page._hw_errors == []
    page.close()


def test_every_place_shows_the_report_s_estimate_interval_and_verdict(
    live: Live, browser: Any  # noqa: F811
) -> None:
    """The hotspot page of every place against the report's context (``hotspot_effect``) for
    the same review day: rate ratio, adjusted interval, verdict, and the run they come from."""
    from hotspotwatch.domain.disclosure import Disclosure
    from hotspotwatch.i18n import format_date
    from hotspotwatch.report.context import hotspot_effect
    from hotspotwatch.report.fmt import Fmt
    from hotspotwatch.workflows.report import gather_renewal

    base, ids, ws = live
    day = last_data_day(ws)
    data = gather_renewal(ws, until=day)
    run = report_evaluation(ws, day)
    f = Fmt("en", Disclosure("council", ws.config.disclosure_k))
    page = _page(browser, "desktop")
    _login(page, base, "rita", "/strategy")
    checked = 0
    for sec in data.hotspots:
        assert sec.evaluation is not None
        effect = hotspot_effect(f, sec.evaluation,
                                min_post_months=run.parameters.get("min_post_months"))
        page.goto(f"{base}/hotspots/{ids[sec.name]}?lang=en")
        page.wait_for_selector("#ev-irr")
        assert page.inner_text("#ev-irr") == effect["irr"]
        assert page.inner_text("#ev-ci-adjusted") == effect["ci_adjusted"]
        assert page.get_attribute("#verdict", "data-verdict") == effect["verdict"]
        assert page.inner_text("#verdict").lower() == effect["verdict_label"].lower()
        # the page states the run and its parameters: the report's run for the same day
        assert page.get_attribute("#hs-run", "data-run") == run.short_key
        assert run.short_key in page.inner_text("#hs-run")
        page.click("#hs-run-card summary")
        until = page.locator("#hs-params [data-param=until]")
        assert until.get_attribute("data-value") == day.isoformat()
        assert until.inner_text() == format_date(day, "en")  # Babel's words, as the report
        assert page.inner_text("#hs-params [data-param=pre_months]") == str(run.parameters["pre_months"])
        checked += 1
    assert checked == len(ids) == 2
    _shot(page, "hotspot-report-numbers")
    page.close()


@pytest.mark.parametrize(("lang", "below"), [("en", "< 0.001"), ("fr", "< 0,001"), ("nl", "< 0,001")])
def test_strategy_table_prints_p_values_as_the_report(
    live: Live, browser: Any, lang: str, below: str  # noqa: F811
) -> None:
    from hotspotwatch.domain.disclosure import Disclosure
    from hotspotwatch.report.fmt import Fmt

    base, _, ws = live
    run = report_evaluation(ws)
    f = Fmt(lang, Disclosure("council", ws.config.disclosure_k))
    page = _page(browser, "desktop")
    _login(page, base, "rita", "/strategy")
    page.goto(f"{base}/strategy?lang={lang}")
    page.wait_for_selector("#strategy-table tbody tr")
    for h in run.result.hotspots:
        row = page.locator(f"#strategy-table tbody tr[data-name='{h.name}']")
        assert row.locator("td[data-col=p]").inner_text() == f.pvalue(h.did.p_value)
        assert row.locator("td[data-col=p_adjusted]").inner_text() == f.pvalue(h.p_adjusted)
        assert row.locator("td[data-col=verdict]").inner_text() == page.evaluate(
            "(v) => HW.verdictText(v)", h.verdict.label
        )
    # the page's own formatter against Babel's (the report's) on both sides of 0.001
    for p in (1e-12, 0.0004, 0.000999, 0.001, 0.0123, 0.5):
        assert page.evaluate("(p) => HW.pvalue(p)", p) == f.pvalue(p)
    assert page.evaluate("(p) => HW.pvalue(p)", 1e-9) == below
    table = page.inner_text("#strategy-table")
    assert "0.000" not in table and "0,000" not in table
    _shot(page, f"strategy-{lang}")
    page.close()


@pytest.mark.parametrize("view", ["desktop", "phone"])
def test_strategy_table_cuts_no_label_off(live: Live, browser: Any, view: str) -> None:  # noqa: F811
    base, _, _ = live
    page = _page(browser, view)
    _login(page, base, "rita", "/strategy")
    page.wait_for_selector("#strategy-table tbody tr")
    assert page.evaluate(OVERFLOWING, "#strategy-table th, #strategy-table td") == []
    for a in page.locator("#strategy-table td.name a").all():
        assert a.get_attribute("title") == a.inner_text()  # the full name as a tooltip too
    width = VIEWPORTS[view]["width"]
    assert page.evaluate("document.documentElement.scrollWidth") <= width + 1
    # forest labels: clipped with an ellipsis if need be, never beyond the chart's left edge
    lefts = page.evaluate(
        "() => { const svg = document.querySelector('#forest svg').getBoundingClientRect().left;"
        " return [...document.querySelectorAll('#forest text.forest-label')].map((t) => t.getBoundingClientRect().left - svg); }"
    )
    assert lefts and min(lefts) >= 0
    _shot(page, f"strategy-table-{view}")
    assert page._hw_errors == []
    page.close()


def test_forest_labels_too_long_for_a_phone_end_in_an_ellipsis(live: Live, browser: Any) -> None:  # noqa: F811
    """The forest plot's labels never run off its left edge: a long name ("Versailles
    (Neder-Over-Heembeek)", once shown as "ersailles (Neder-Over-Heembeek)") is shortened
    with "…" and keeps its full name as a tooltip."""
    base, _, _ = live
    page = _page(browser, "phone")
    _login(page, base, "rita", "/strategy")
    page.wait_for_selector("#forest svg")
    names = ["Versailles (Neder-Over-Heembeek)", "WWWWWWWWWWWWWWWWWWWWWWWWWWWWWW", "Yser"]
    got = page.evaluate(
        """(names) => {
          const div = document.createElement("div");
          div.className = "chart"; div.style.width = "358px";
          document.querySelector("main").append(div);
          HWChart.forest(div, names.map((n) => ({ label: n, est: 0.8, lo: 0.6, hi: 1.1, verdict: "no_detectable_change" })),
                         { pooled: { label: "All places together, a long bold label", est: 0.9, lo: 0.8, hi: 1.0 } });
          const svg = div.querySelector("svg").getBoundingClientRect();
          return [...div.querySelectorAll("text.forest-label")].map((t) => ({
            left: t.getBoundingClientRect().left - svg.left, text: t.firstChild.textContent,
            title: t.querySelector("title").textContent }));
        }""",
        names,
    )
    assert [g["title"] for g in got] == [*names, "All places together, a long bold label"]
    assert all(g["left"] >= 0 for g in got), got
    assert got[0]["text"].startswith("Versailles") and got[0]["text"].endswith("…")
    assert got[1]["text"].endswith("…") and got[2]["text"] == "Yser"
    page.close()


@pytest.mark.parametrize("view", ["desktop", "phone"])
def test_header_is_at_most_80_px_on_every_page(live: Live, browser: Any, view: str) -> None:  # noqa: F811
    base, ids, _ = live
    page = _page(browser, view)
    page.goto(f"{base}/login")
    assert _header_height(page) <= 80
    _login(page, base, "rita", "/strategy")
    for path in ["/strategy", "/map", f"/hotspots/{ids['Gare du Midi']}", "/public",
                 "/strategy?lang=fr", "/strategy?lang=nl"]:
        page.goto(base + path)
        page.wait_for_selector("header.top")
        page.wait_for_timeout(200)  # the signed-in name is filled in after load
        height = _header_height(page)
        assert height <= 80, (path, height)
    page.close()


def test_exports_download_csv_geojson_and_an_audited_png(live: Live, browser: Any) -> None:  # noqa: F811
    from hotspotwatch.workflows import audit as audit_wf

    base, ids, ws = live
    run = report_evaluation(ws)
    page = _page(browser, "desktop")
    page.context.set_default_timeout(30000)
    _login(page, base, "rita", f"/hotspots/{ids['Gare du Midi']}")
    page.wait_for_selector("#trend-exports [data-format=csv]")
    with page.expect_download() as dl:
        page.click("#trend-exports [data-format=csv]")
    text = Path(dl.value.path()).read_text(encoding="utf-8")
    assert text.splitlines()[0].startswith("hotspot,month_start,month_code,days,exposure,treated,buffer_0_250m")
    assert len(text.splitlines()) == 1 + len(run.result.hotspot("Gare du Midi", "harm").series.months)
    page.wait_for_selector("#map-exports [data-format=geojson]")
    with page.expect_download() as dl:
        page.click("#map-exports [data-format=geojson]")
    assert dl.value.suggested_filename == "gare-du-midi-layers.geojson"
    page.wait_for_selector("#hs-map[data-state]")
    map_png = page.get_attribute("#hs-map", "data-state") == "loaded"
    if map_png:  # the map itself as PNG (its canvas keeps its drawing buffer for this)
        with page.expect_download() as dl:
            page.click("#map-exports [data-format=png]")
        png = Path(dl.value.path()).read_bytes()
        assert png[:8] == b"\x89PNG\r\n\x1a\n" and len(png) > 5000
    with page.expect_download() as dl:
        page.click("#trend-exports [data-format=png]")
    png = Path(dl.value.path()).read_bytes()
    assert png[:8] == b"\x89PNG\r\n\x1a\n" and len(png) > 5000
    assert dl.value.suggested_filename == "gare-du-midi-trend.png"
    page.goto(f"{base}/strategy")
    page.wait_for_selector("#table-exports [data-format=csv]")
    with page.expect_download() as dl:
        page.click("#table-exports [data-format=csv]")
    assert dl.value.suggested_filename == f"strategy-{run.short_key}.csv"
    with page.expect_download() as dl:
        page.click("#forest-exports [data-format=png]")
    assert Path(dl.value.path()).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    got = [(e["action"], e["detail"].get("view")) for e in audit_wf.entries(ws, username="rita")
           if e["action"].startswith("export.")]
    assert got == [
        ("export.csv", "hotspot-series"),
        ("export.geojson", "hotspot-map"),
        *([("export.png", "hotspot-map")] if map_png else []),
        ("export.png", "hotspot-trend"),
        ("export.csv", "strategy"),
        ("export.png", "strategy-forest"),
    ]
    page.close()
