"""The audit trail: event-level reads, writes, logins and refusals, and its export."""

from __future__ import annotations

import csv
import io
import json

from typer.testing import CliRunner

from hotspotwatch.cli.main import app
from hotspotwatch.workflows import audit as audit_wf

from .conftest import PASSWORD, WebEnv


def test_event_reads_and_writes_are_audited_with_row_counts(web: WebEnv) -> None:
    r = web.client.get("/api/v1/events?role=harm&limit=13", headers=web.auth("zone_analyst"))
    hid = web.ids["Gare du Midi"]
    web.client.post(
        f"/api/v1/hotspots/{hid}/actions",
        headers=web.auth("partner"),
        json={"occurred_on": "2024-05-02", "kind": "lighting"},
    )
    web.client.get("/api/v1/events", headers=web.auth("partner"))  # refused
    web.client.post("/api/v1/auth/login", json={"username": "rita", "password": "not it at all"})
    web.client.post("/api/v1/auth/login", json={"username": "rita", "password": PASSWORD})
    web.client.get(
        "/api/v1/hotspots", headers=web.auth("regional_analyst")
    )  # aggregate: not audited
    log = audit_wf.entries(web.ws)
    actions = [(e["action"], e["username"]) for e in log]
    assert actions == [
        ("events.read", "zeno"),
        ("action.create", "paula"),
        ("access.denied", "paula"),
        ("auth.failed", None),
        ("auth.login", "rita"),
    ]
    read = log[0]
    assert read["rows"] == len(r.json()["features"]) == 13
    assert read["detail"]["roles"] == ["harm"] and read["detail"]["total"] == r.json()["total"]
    assert read["role"] == "zone_analyst" and read["target"] == "GET /api/v1/events"
    assert log[1]["rows"] == 1 and log[1]["detail"]["hotspot_id"] == hid
    assert log[3]["target"] == "rita"
    assert all(e["at"].endswith("Z") for e in log)


def test_audit_export_cli_writes_csv_and_jsonl(web: WebEnv) -> None:
    web.client.get("/api/v1/events?limit=3", headers=web.auth("regional_analyst"))
    runner = CliRunner()
    env = {"HOTSPOTWATCH_WORKSPACE": str(web.ws.path)}
    extra = (
        []
        if web.ws.engine.url.get_backend_name() == "sqlite"
        else ["--database-url", web.ws.engine.url.render_as_string(hide_password=False)]
    )
    res = runner.invoke(app, ["audit", "export", "--format", "csv", *extra], env=env)
    assert res.exit_code == 0, res.output
    rows = list(csv.DictReader(io.StringIO(res.stdout)))
    assert [r["action"] for r in rows] == ["events.read"] and rows[0]["rows"] == "3"
    res = runner.invoke(
        app, ["audit", "export", "--format", "jsonl", "--action", "events.read", *extra], env=env
    )
    assert json.loads(res.stdout.splitlines()[0])["username"] == "rita"


def test_admin_reads_the_audit_log_and_that_read_is_audited(web: WebEnv) -> None:
    web.client.get("/api/v1/events?limit=2", headers=web.auth("regional_analyst"))
    got = web.client.get("/api/v1/audit", headers=web.auth("admin")).json()
    assert [e["action"] for e in got] == ["events.read"]
    assert audit_wf.entries(web.ws)[-1]["action"] == "audit.read"
