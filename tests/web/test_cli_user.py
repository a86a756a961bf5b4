"""``hotspotwatch user add/list/token/tokens/revoke``: passwords from stdin, clear errors."""

from __future__ import annotations

import json

from typer.testing import CliRunner

from hotspotwatch import Workspace
from hotspotwatch.cli.main import app
from hotspotwatch.workflows import audit as audit_wf
from hotspotwatch.workflows import users as users_wf

from .conftest import populate


def test_user_commands_round_trip(sqlite_workspace: Workspace) -> None:
    ws = sqlite_workspace
    populate(ws)
    run = CliRunner()
    w = ["-w", str(ws.path)]
    res = run.invoke(
        app,
        ["user", "add", "zoe", "--role", "zone_analyst", "--zone", "5339", "--password-stdin", *w],
        input="a long enough passphrase\n",
    )
    assert res.exit_code == 0, res.output
    assert users_wf.authenticate(ws, "zoe", "a long enough passphrase") is not None
    bad = run.invoke(
        app,
        ["user", "add", "zed", "--role", "zone_analyst", "--zone", "9999", "--password-stdin", *w],
        input="a long enough passphrase\n",
    )
    assert bad.exit_code == 2 and "unknown police zone" in bad.output
    short = run.invoke(
        app, ["user", "add", "sam", "--role", "partner", "--password-stdin", *w], input="short\n"
    )
    assert short.exit_code == 2 and "too short" in short.output
    listed = json.loads(run.invoke(app, ["user", "list", "--json", *w]).stdout)
    assert {"username": "zoe", "zones": ["5339"]}.items() <= next(
        u for u in listed if u["username"] == "zoe"
    ).items()
    token = run.invoke(app, ["user", "token", "zoe", *w]).stdout.strip()
    assert users_wf.resolve_token(ws, token) is not None
    assert run.invoke(app, ["user", "revoke", "zoe", *w]).exit_code == 0
    assert users_wf.resolve_token(ws, token) is None
    assert [e["action"] for e in audit_wf.entries(ws)] == [
        "user.add",
        "grant.event_access",  # flagged: a role with event access was granted
        "token.create",
        "user.revoke",
    ]
