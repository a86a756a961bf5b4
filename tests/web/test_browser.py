"""The dashboard in a real browser: Playwright (Python) driving Debian's Chromium.

Screenshots go to ``test-artifacts/`` (kept by CI as artefacts). Without Chromium the tests
skip on a laptop and FAIL under ``CI=true``.
"""

from __future__ import annotations

import os
import shutil
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from hotspotwatch import Workspace
from hotspotwatch.web import create_app

from .conftest import PASSWORD, last_data_day, populate, report_evaluation

pytestmark = [pytest.mark.browser, pytest.mark.slow]

CHROMIUM = os.environ.get("HOTSPOTWATCH_CHROMIUM", "/usr/bin/chromium")
IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"


def _require_chromium() -> str:
    path = CHROMIUM if os.path.exists(CHROMIUM) else shutil.which("chromium")
    if not path:
        msg = f"Chromium not found at {CHROMIUM} (apt-get install chromium)"
        if IN_CI:
            pytest.fail(msg + " (CI=true: browser tests may not be skipped)")
        pytest.skip(msg)
    return path


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="module")
def live(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, dict[str, int], Workspace]]:
    """A populated SQLite workspace served by uvicorn on a loopback port."""
    import uvicorn
    from argon2 import PasswordHasher

    from hotspotwatch.workflows import users as users_wf

    saved = users_wf._HASHER
    users_wf._HASHER = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
    ws = Workspace.create(tmp_path_factory.mktemp("browser") / "ws")
    ids = populate(ws)
    port = _free_port()
    server = uvicorn.Server(
        uvicorn.Config(create_app(ws), host="127.0.0.1", port=port, log_level="warning")
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.05)
    assert server.started, "uvicorn did not start"
    yield f"http://127.0.0.1:{port}", ids, ws
    server.should_exit = True
    thread.join(timeout=10)
    ws.close()
    users_wf._HASHER = saved


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    path = _require_chromium()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(
            executable_path=path,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--disable-dev-shm-usage",
                "--no-first-run",
                "--use-gl=swiftshader",
                "--enable-unsafe-swiftshader",
            ],
        )
        yield b
        b.close()


def _shot(page: object, name: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"web-{name}.png"), full_page=True)  # type: ignore[attr-defined]


def _login(page: object, base: str, user: str, next_path: str) -> None:
    page.goto(f"{base}/login?next={next_path}")  # type: ignore[attr-defined]
    page.fill("#username", user)  # type: ignore[attr-defined]
    page.fill("#password", PASSWORD)  # type: ignore[attr-defined]
    page.click("#login-submit")  # type: ignore[attr-defined]
    page.wait_for_url(f"{base}{next_path}")  # type: ignore[attr-defined]


def test_login_then_hotspot_page_shows_chart_and_verdict(
    live: tuple[str, dict[str, int], Workspace], browser: object
) -> None:
    base, ids, _ = live
    page = browser.new_page(viewport={"width": 1200, "height": 900})  # type: ignore[attr-defined]
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    hid = ids["Gare du Midi"]
    _login(page, base, "paula", f"/hotspots/{hid}")
    page.wait_for_selector("#trend svg path.series")
    assert page.locator("#trend svg path.series").count() == 3
    assert page.locator("#trend svg rect.band").count() == 1  # designation period
    assert page.inner_text("#hs-name") == "Gare du Midi"
    assert page.inner_text("#verdict") == "reduction"
    assert page.inner_text("#verdict-sentence").startswith("Gare du Midi: reduction")
    interval = page.inner_text("#verdict-interval")
    assert interval.startswith("Rate ratio 0.") and " to " in interval
    assert "CRS-2024-03" in page.inner_text("#decisions")
    # a partner assigned to this hotspot logs a prevention action through the form
    assert page.is_visible("#action-form")
    page.select_option("#action-form select[name=kind]", "outreach")
    page.fill("#action-form input[name=hours]", "2")
    page.fill("#action-form input[name=description]", "browser test round")
    page.click("#action-form button[type=submit]")
    page.wait_for_selector("#actions td:has-text('browser test round')")
    _shot(page, "hotspot")
    assert errors == []
    page.close()


def test_hotspot_page_in_french_on_a_phone(
    live: tuple[str, dict[str, int], Workspace], browser: object
) -> None:
    base, ids, _ = live
    page = browser.new_page(viewport={"width": 390, "height": 844}, device_scale_factor=2)  # type: ignore[attr-defined]
    _login(page, base, "rita", "/strategy")
    page.goto(f"{base}/hotspots/{ids['Gare du Midi']}?lang=fr")
    page.wait_for_selector("#trend svg path.series")
    assert page.inner_text("#verdict") == "baisse"
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390 + 1  # no horizontal scrolling on a phone
    _shot(page, "hotspot-phone-fr")
    page.close()


def test_strategy_page_shows_pooled_verdict_and_table(
    live: tuple[str, dict[str, int], Workspace], browser: object
) -> None:
    import math

    base, _, ws = live
    run = report_evaluation(ws)  # the run the page shows
    pooled = run.result.pooled
    page = browser.new_page()  # type: ignore[attr-defined]
    _login(page, base, "rita", "/strategy")
    page.wait_for_selector("#strategy-table tbody tr")
    assert page.locator("#strategy-table tbody tr").count() == 2
    assert f"{math.exp(pooled.estimate):.2f}" in page.inner_text("#pooled")
    assert page.inner_text("#pooled-sentence").startswith("The strategy")
    drawn = [h for h in run.result.hotspots if h.did.ci_low > 0 and math.isfinite(h.did.ci_high)]
    assert page.locator("#forest svg rect").count() == len(drawn) >= 1  # finite intervals
    _shot(page, "strategy")
    page.close()


def test_public_page_shows_no_count_below_k(
    live: tuple[str, dict[str, int], Workspace], browser: object
) -> None:
    base, _, _ = live
    page = browser.new_page()  # type: ignore[attr-defined]
    page.goto(f"{base}/public?lang=nl")
    page.wait_for_selector("#pub-grid svg path.cell")
    page.wait_for_selector("#pub-monthly svg rect")
    k = 5
    shown = [
        int(t)
        for t in page.locator("#pub-grid svg path.cell:not(.hidden-cell) title").all_text_contents()
    ]
    assert shown and min(shown) >= k
    assert page.locator("#pub-grid svg path.hidden-cell").count() > 0
    hidden_titles = page.locator("#pub-grid svg path.hidden-cell title").all_text_contents()
    assert all(t == "niet gepubliceerd" for t in hidden_titles)
    bars = [
        t.split(": ")[1]
        for t in page.locator("#pub-monthly svg rect.bar title").all_text_contents()
    ]
    assert all(int(b) >= k for b in bars)
    # no count per place (issue 17); tests/web/test_public_browser.py checks the rest
    assert page.locator("#pub-hotspots tbody td.num").count() == 0
    _shot(page, "public-nl")
    page.close()


def test_map_page_loads_maplibre_from_node_modules(
    live: tuple[str, dict[str, int], Workspace], browser: object
) -> None:
    base, _, _ = live
    from hotspotwatch.web.app import node_modules

    if node_modules() is None:
        msg = "MapLibre GL JS not installed (run `make install`)"
        if IN_CI:
            pytest.fail(msg)
        pytest.skip(msg)
    page = browser.new_page(viewport={"width": 1200, "height": 900})  # type: ignore[attr-defined]
    external: list[str] = []
    page.on(
        "request",
        lambda r: (
            external.append(r.url) if not r.url.startswith((base, "data:", "blob:")) else None
        ),
    )
    _login(page, base, "zeno", "/map")
    # the page's CSP forbids eval, so wait with selectors rather than JS predicates
    page.wait_for_selector("#map[data-state], #map-status:has-text('WebGL')", timeout=30000)
    state = page.get_attribute("#map", "data-state")
    if state not in (None, "no-webgl"):  # loaded, loading or ready
        # the events layer is drawn (points or cells, see test_map_browser.py)
        page.wait_for_selector("#map[data-state=ready]", timeout=20000)
        assert page.get_attribute("#map", "data-level") in ("cells", "events")
        assert "events" in page.inner_text("#map-status")
        assert page.locator("#map canvas.maplibregl-canvas").count() == 1
    else:  # no WebGL in this browser: the page says so instead of failing silently
        assert "WebGL" in page.inner_text("#map-status")
    assert external == []  # no CDN, no tiles without a configured tile URL
    _shot(page, "map")
    page.close()


def test_hotspot_page_shows_the_report_s_numbers(
    live: tuple[str, dict[str, int], Workspace], browser: object
) -> None:
    """IRR, adjusted p, WDQ, WDD and dose on the page are the renewal report's, as the
    report prints them (its own formatting, English council version)."""
    from hotspotwatch.domain.disclosure import Disclosure
    from hotspotwatch.report.context import dose_rows
    from hotspotwatch.report.fmt import Fmt
    from hotspotwatch.workflows.report import gather_renewal

    base, ids, ws = live
    day = last_data_day(ws)  # the dashboard's review day (its prevention log left out)
    data = gather_renewal(ws, until=day)
    sec = next(h for h in data.hotspots if h.name == "Gare du Midi")
    ev = sec.evaluation
    assert ev is not None
    f = Fmt("en", Disclosure("council", ws.config.disclosure_k))

    page = browser.new_page(viewport={"width": 1200, "height": 900})  # type: ignore[attr-defined]
    _login(page, base, "rita", f"/hotspots/{ids['Gare du Midi']}?lang=en")
    page.wait_for_selector("#ev-irr")
    assert page.inner_text("#ev-irr") == f.num(ev.did.irr)
    assert page.inner_text("#ev-p-adjusted") == f.pvalue(ev.p_adjusted)
    assert page.inner_text("#ev-wdq") == f.num(ev.wdq.wdq) != "–"
    from hotspotwatch.i18n import translate
    from hotspotwatch.report.context import hotspot_effect

    effect = hotspot_effect(f, ev)  # the report's own cells
    assert page.inner_text("#ev-wdd") == f"{effect['wdd']} ({effect['wdd_ci']})"
    assert effect["wdd"] == f.num(ev.wdd.estimate, 1)
    assert page.inner_text("#ev-wdd-local") == f"{effect['wdd_local']} ({effect['wdd_local_ci']})"
    assert effect["wdd_local"] == f.num(ev.wdd.local, 1) != "–"
    assert page.inner_text("#ev-buffer") == translate(f"evaluate.verdict.{ev.buffer_verdict.label}", "en")
    assert page.inner_text("#buffer-sentence") == effect["buffer_sentence"]
    shown = [
        (r.locator("td.before").inner_text(), r.locator("td.after").inner_text())
        for r in page.locator("#dose-table tbody tr").all()
    ]
    report = [(r["before"], r["after"]) for r in dose_rows(f, ev)]
    assert shown == report and report
    prevention = [r for r in dose_rows(f, ev) if r["role_key"] == "prevention"]
    assert page.inner_text("#dose-prevention") == f.count(
        sum(float(r["after"].replace(",", "")) for r in prevention)
    ) != "0"
    assert page.inner_text("#verdict-run").startswith("Evaluation run ")
    _shot(page, "hotspot-vs-report")
    page.close()


@pytest.mark.parametrize(
    "evil", ["/%5Cevil.example", "//evil.example", "https://evil.example/x", "/%5C%5Cevil.example"]
)
def test_login_redirects_only_to_its_own_origin(
    live: tuple[str, dict[str, int], Workspace], browser: object, evil: str
) -> None:
    """Issue 15, Low 10: ``next`` off-site (``/\\evil.example`` resolves off-site) -> /strategy."""
    base, _, _ = live
    page = browser.new_page()  # type: ignore[attr-defined]
    page.goto(f"{base}/login?next={evil}")
    page.fill("#username", "rita")
    page.fill("#password", PASSWORD)
    page.click("#login-submit")
    page.wait_for_url(f"{base}/strategy")
    assert page.url == f"{base}/strategy"
    page.close()


def test_login_still_follows_a_same_origin_next(
    live: tuple[str, dict[str, int], Workspace], browser: object
) -> None:
    base, _, _ = live
    page = browser.new_page()  # type: ignore[attr-defined]
    _login(page, base, "rita", "/map")
    assert page.url == f"{base}/map"
    page.close()
