"""After a harm weight changes in hotspotwatch.toml, the dashboard shows the new numbers."""

from __future__ import annotations

import datetime as dt

import pytest

from hotspotwatch import Workspace
from hotspotwatch.workflows.evaluate import evaluate_strategy
from hotspotwatch.workflows.web import cache as web_cache

from .conftest import WebEnv, last_data_day, report_evaluation


def _summary(web: WebEnv) -> dict:
    hid = web.ids["Gare du Midi"]
    body = web.client.get(f"/api/v1/hotspots/{hid}", headers=web.auth("regional_analyst")).json()
    return {"run": body["evaluation_run"], **body["evaluation"]["summary"]}


def test_a_harm_weight_edited_in_the_config_changes_the_dashboard_numbers(
    web: WebEnv, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(web_cache, "STAMP_TTL_S", 0.0)
    path = web.ws.path / "hotspotwatch.toml"
    text = path.read_text()
    assert "[evaluation]\n" in text  # the fixture's (max_mdr = 1.0)
    path.write_text(text.replace("[evaluation]\n", "[evaluation]\nweighted = true\n"))
    first = _summary(web)
    assert first["run"]["parameters"]["weighted"] is True

    path.write_text(path.read_text() + "\n[harm_weights]\nassault = 1.0\n")
    second = _summary(web)
    # the stored evaluation is stale: another config, another run, other numbers
    assert second["run"]["config_fingerprint"] != first["run"]["config_fingerprint"]
    assert second["run"]["key"] != first["run"]["key"]
    assert second["irr"] != pytest.approx(first["irr"])

    # the new numbers are those of a fresh evaluation under the edited config
    fresh = Workspace.open(web.ws.path)
    try:
        assert fresh.taxonomy["assault"].harm_weight == 1.0
        run = report_evaluation(fresh)
        assert run.key == second["run"]["key"]  # the run the dashboard stored is reused
        direct = evaluate_strategy(fresh, until=last_data_day(fresh), record=False, weighted=True)
        h = direct.hotspot("Gare du Midi")
        assert h is not None
        assert second["irr"] == pytest.approx(h.did.irr)
        assert second["p_adjusted"] == pytest.approx(h.p_adjusted)
        assert second["wdq"] == pytest.approx(h.wdq.wdq)
    finally:
        fresh.close()


def test_a_configured_review_day_is_the_evaluation_s_until(
    web: WebEnv, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(web_cache, "STAMP_TTL_S", 0.0)
    assert _summary(web)["run"]["parameters"]["until"] == last_data_day(web.ws).isoformat()
    path = web.ws.path / "hotspotwatch.toml"
    path.write_text(path.read_text() + '\n[web]\nreview_day = "2024-06-30"\n')
    second = _summary(web)
    assert second["run"]["parameters"]["until"] == "2024-06-30"
    assert second["last_day"] == "2024-06-30"  # the post-period ends on the review day
    assert second["run"]["key"] == report_evaluation(web.ws, dt.date(2024, 6, 30)).key
