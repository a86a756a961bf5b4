"""The dashboard on a workspace without a study area: the pages that compute say why (404
with the reason), never a server error."""

from __future__ import annotations

from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from hotspotwatch.testing import make_city
from hotspotwatch.web import create_app
from hotspotwatch.workflows import users as users_wf


@pytest.mark.parametrize(
    "route", ["/api/v1/results/gistar", "/api/v1/results/evaluation", "/api/v1/public/grid",
              "/api/v1/grid"],
)
def test_views_that_need_a_study_area_are_404_naming_the_command(tmp_path: Path, route: str) -> None:
    ws = make_city(tmp_path / "city", areas=False, scale=0.1, n_hotspots=1)
    user = users_wf.add_user(ws, "rita", "correct horse battery", role="regional_analyst")
    token = users_wf.issue_token(ws, user, kind="api").token
    with TestClient(create_app(ws), raise_server_exceptions=False) as client:
        r = client.get(route, headers={"Authorization": f"Bearer {token}"})
    ws.close()
    assert r.status_code == 404, r.text
    assert "no study area: run `hotspotwatch import areas FILE --layer region`" in r.json()["detail"]
