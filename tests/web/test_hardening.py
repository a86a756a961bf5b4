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


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("DELETE", "/api/v1/auth/tokens/9223372036854775808"),
        ("GET", "/api/v1/hotspots/9223372036854775808"),
        ("GET", "/api/v1/hotspots/99999999999999999999999/monthly"),
        ("GET", "/api/v1/hotspots/-1/actions"),
    ],
)
def test_out_of_range_path_integers_are_422(web: WebEnv, method: str, path: str) -> None:
    r = web.client.request(method, path, headers=web.auth("regional_analyst"))
    assert r.status_code == 422, r.text
    assert all("input" not in e for e in r.json()["detail"])


@pytest.mark.parametrize(
    "raw",
    [
        '{"occurred_on": "2024-05-02", "kind": "cleaning", "hours": NaN}',
        '{"occurred_on": "2024-05-02", "kind": "cleaning", "hours": Infinity}',
        '{"occurred_on": "2024-05-02", "kind": "cleaning", "hours": 1e400}',
        '{"occurred_on": "2024-05-02", "kind": "cleaning", "hours": -1e400}',
        '{"occurred_on": "2024-05-02", "kind": "\\ud800"}',
        '{"occurred_on": "2024-05-02", "kind": "cleaning", "contacts": "\\udfff"}',
        '{"occurred_on": "2024-05-02", "kind": "cleaning", "description": 5, "\\ud800": 1}',
    ],
)
def test_non_finite_numbers_and_lone_surrogates_are_422_not_500(web: WebEnv, raw: str) -> None:
    hid = web.ids["Gare du Midi"]
    r = web.client.post(
        f"/api/v1/hotspots/{hid}/actions",
        content=raw.encode(),
        headers={**web.auth("partner"), "content-type": "application/json"},
    )
    assert r.status_code == 422, r.text
    body = r.json()
    assert isinstance(body["detail"], list) and body["detail"]
    assert all(set(e) == {"type", "loc", "msg"} for e in body["detail"])  # no input echoed


def test_password_is_not_echoed_in_a_422(web: WebEnv) -> None:
    r = web.client.post("/api/v1/auth/login", json={"username": "", "password": "s3cret-pass"})
    assert r.status_code == 422 and "s3cret-pass" not in r.text


@pytest.mark.parametrize("bbox", ["-180,-90,180,90", "-179.9,-89.9,179.9,89.9", "0,0,60,60"])
def test_a_world_sized_bbox_is_clipped_to_the_area(web: WebEnv, bbox: str) -> None:
    r = web.client.get(f"/api/v1/events?bbox={bbox}", headers=web.auth("regional_analyst"))
    assert r.status_code == 200, r.text
    assert r.json()["total"] == len(web.ws.events()) == 400


def test_a_bbox_far_from_the_area_is_422(web: WebEnv) -> None:
    r = web.client.get("/api/v1/events?bbox=100,10,101,11", headers=web.auth("regional_analyst"))
    assert r.status_code == 422 and "outside" in r.json()["detail"]


def test_partners_see_only_their_own_name_on_the_action_log(web: WebEnv) -> None:
    hid = web.ids["Gare du Midi"]
    body = {"occurred_on": "2024-05-02", "kind": "cleaning"}
    for role in ("partner", "regional_analyst"):
        r = web.client.post(f"/api/v1/hotspots/{hid}/actions", json=body, headers=web.auth(role))
        assert r.status_code == 201, r.text
    seen = web.client.get(f"/api/v1/hotspots/{hid}/actions", headers=web.auth("partner")).json()
    assert sorted(str(a["recorded_by"]) for a in seen) == ["None", "paula"]
    full = web.client.get(f"/api/v1/hotspots/{hid}/actions", headers=web.auth("regional_analyst"))
    assert sorted(a["recorded_by"] for a in full.json()) == ["paula", "rita"]


def test_openapi_documents_the_error_bodies(web: WebEnv) -> None:
    """Issue 15, Low 14: 401/403/404/413/422/429 documented; 422 is a sentence or a list."""
    schema = web.client.get("/api/v1/openapi.json").json()
    responses = schema["paths"]["/api/v1/events"]["get"]["responses"]
    assert {"200", "401", "403", "404", "413", "422", "429"} <= set(responses)
    body = schema["components"]["schemas"]["ErrorBody"]["properties"]["detail"]
    kinds = {s.get("type") for s in body["anyOf"]}
    assert kinds == {"string", "array"}
    # both kinds of 422 happen and fit that schema
    r = web.client.get("/api/v1/events?bbox=1,2,3", headers=web.auth("regional_analyst"))
    assert r.status_code == 422 and isinstance(r.json()["detail"], str)
    r = web.client.get("/api/v1/events?limit=0", headers=web.auth("regional_analyst"))
    assert r.status_code == 422 and isinstance(r.json()["detail"], list)
