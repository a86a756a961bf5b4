"""The strategy page's "recent incidents in context": the report's run for the review day,
the same sentence, and the disclosure rule for roles without event access."""

from __future__ import annotations

import datetime as dt

import pytest

from hotspotwatch.i18n.incidents import incidents_text, window_text
from hotspotwatch.workflows import web as web_wf
from hotspotwatch.workflows.incidents import report_incidents_spec
from hotspotwatch.workflows.runs import ensure_run
from hotspotwatch.workflows.web import cache as web_cache

from .conftest import WebEnv


def _review_day(web: WebEnv, monkeypatch: pytest.MonkeyPatch, day: str) -> dt.date:
    monkeypatch.setattr(web_cache, "STAMP_TTL_S", 0.0)
    path = web.ws.path / "hotspotwatch.toml"
    path.write_text(path.read_text() + f'\n[web]\nreview_day = "{day}"\n')
    return dt.date.fromisoformat(day)


@pytest.mark.parametrize("lang", ["en", "fr", "nl"])
def test_incidents_are_the_report_s_run_with_its_sentence(
    web: WebEnv, monkeypatch: pytest.MonkeyPatch, lang: str
) -> None:
    until = _review_day(web, monkeypatch, "2024-05-31")  # May 2024: designated, 3 shootings
    r = web.client.get(
        f"/api/v1/results/incidents?lang={lang}", headers=web.auth("regional_analyst")
    )
    assert r.status_code == 200, r.text
    body = r.json()
    spec = report_incidents_spec(web.ws, until=until)
    assert spec is not None
    run = ensure_run(web.ws, spec)
    assert body["key"] == run.key and body["parameters"] == dict(spec.parameters)
    assert body["parameters"]["category"] == "shooting"
    assert (body["parameters"]["start"], body["parameters"]["end"]) == ("2024-05-01", "2024-05-31")
    assert body["text"] == incidents_text(run.result, lang)
    assert body["window_text"] == window_text(run.result, until, lang)
    assert body["result"]["n"] == run.result.n == 3 and body["result"]["status"] == "ok"
    assert body["suppressed"] is False


def test_roles_without_event_access_get_small_counts_withheld(
    web: WebEnv, monkeypatch: pytest.MonkeyPatch
) -> None:
    _review_day(web, monkeypatch, "2024-05-31")
    r = web.client.get("/api/v1/results/incidents?lang=en", headers=web.auth("partner"))
    assert r.status_code == 200, r.text
    body = r.json()
    full = web_wf.incidents_view(web.ws, lang="en", event_access=True)["result"]
    k = int(web.ws.config.disclosure_k)
    assert any(v < k for v in (full["n"], full["k"], full["n"] - full["k"]))  # 3 < 5
    assert body["suppressed"] is True
    assert body["result"]["n"] is None and body["result"]["k"] is None
    assert body["result"]["p_value"] is None
    assert body["text"].startswith("Not shown in this view")
    # the analyst of the same workspace sees the numbers
    full_body = web.client.get(
        "/api/v1/results/incidents", headers=web.auth("regional_analyst")
    ).json()
    assert full_body["result"]["n"] == 3 and full_body["suppressed"] is False


def test_strategy_page_has_the_incidents_card(web: WebEnv) -> None:
    r = web.client.get("/strategy?lang=fr")
    assert r.status_code == 200
    assert 'id="incidents-card"' in r.text and "Les faits récents en contexte" in r.text


def test_anonymous_is_refused(web: WebEnv) -> None:
    assert web.client.get("/api/v1/results/incidents").status_code == 401
