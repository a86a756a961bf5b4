"""Issue 15: separation of duties (Medium 6) and the Low findings of the web layer."""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

from hotspotwatch.cli.main import app
from hotspotwatch.workflows import audit as audit_wf
from hotspotwatch.workflows import users as users_wf

from .conftest import PASSWORD, WebEnv


@pytest.mark.parametrize("role", ["regional_analyst", "zone_analyst"])
def test_an_admin_cannot_grant_event_access_through_the_api(web: WebEnv, role: str) -> None:
    body = {"username": "mole", "password": PASSWORD, "role": role, "zones": ["5341"]}
    r = web.client.post("/api/v1/users", json=body, headers=web.auth("admin"))
    assert r.status_code == 403 and "hotspotwatch user add" in r.json()["detail"]
    assert users_wf.get_user(web.ws, "mole") is None
    login = web.client.post("/api/v1/auth/login", json={"username": "mole", "password": PASSWORD})
    assert login.status_code == 401
    entry = audit_wf.entries(web.ws, action="user.add.refused")[-1]
    assert entry["username"] == "ada" and entry["detail"]["event_access"] is True


def test_an_admin_still_adds_partners_and_the_cli_grant_is_flagged(web: WebEnv) -> None:
    body = {"username": "pia", "password": PASSWORD, "role": "partner", "hotspots": []}
    assert web.client.post("/api/v1/users", json=body, headers=web.auth("admin")).status_code == 201
    res = CliRunner().invoke(
        app,
        ["user", "add", "reg2", "--role", "regional_analyst", "--password-stdin",
         "-w", str(web.ws.path)],
        input=f"{PASSWORD}\n",
    )
    assert res.exit_code == 0, res.output
    flagged = audit_wf.entries(web.ws, action="grant.event_access")
    assert [e["target"] for e in flagged] == ["reg2"] and flagged[0]["role"] == "cli"
