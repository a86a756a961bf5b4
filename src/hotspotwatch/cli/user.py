"""``hotspotwatch user``: dashboard accounts and their tokens."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from hotspotwatch.cli._common import (
    DatabaseUrlOpt,
    JsonOpt,
    WorkspaceOpt,
    console,
    fail,
    open_workspace,
    print_json,
)

app = typer.Typer(help="Dashboard users: add, list, issue and revoke tokens.", no_args_is_help=True)


def _audit(
    ws: object, action: str, target: str, rows: int = 1, detail: dict[str, object] | None = None
) -> None:
    import getpass

    from hotspotwatch.workflows import audit

    audit.append(
        ws,  # type: ignore[arg-type]
        action=action,
        username=f"cli:{getpass.getuser()}",
        role="cli",
        target=target,
        rows=rows,
        detail=detail,
    )


@app.command("add")
def add(
    name: Annotated[str, typer.Argument(help="User name.")],
    role: Annotated[str, typer.Option(help="admin, regional_analyst, zone_analyst or partner.")],
    zone: Annotated[
        list[str] | None,
        typer.Option("--zone", help="Police-zone code (zone_analyst); repeatable."),
    ] = None,
    hotspot: Annotated[
        list[str] | None,
        typer.Option("--hotspot", help="Assigned hotspot name (partner); repeatable."),
    ] = None,
    password_stdin: Annotated[
        bool, typer.Option("--password-stdin", help="Read the password from standard input.")
    ] = False,
    workspace: WorkspaceOpt = Path("."),
    database_url: DatabaseUrlOpt = None,
    as_json: JsonOpt = False,
    db_role: Annotated[
        str | None,
        typer.Option(
            "--db-role",
            help="Also give this PostgreSQL role the PostGIS layers the user's role may read "
            "(row-level security on events; created NOLOGIN if missing).",
        ),
    ] = None,
) -> None:
    """Create a user (the password is read from stdin or prompted, never an argument)."""
    from hotspotwatch.workflows import users

    if password_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    else:
        password = typer.prompt("Password", hide_input=True, confirmation_prompt=True)
    ws = open_workspace(workspace, database_url)
    granted: dict[str, object] | None = None
    try:
        if db_role is not None:
            from hotspotwatch.workflows import db_roles

            db_roles.check(ws, db_role)
        user = users.add_user(
            ws, name, password, role=role, zones=zone or [], hotspots=hotspot or []
        )
        if db_role is not None:
            granted = db_roles.grant(ws, db_role, role=user.role, zones=user.zones)
    except ValueError as exc:
        fail(str(exc))
    from hotspotwatch.web.policy import allowed

    event_access = allowed(user.role, "events.read")
    _audit(ws, "user.add", name, detail={"role": user.role, "event_access": event_access})
    if event_access:  # flagged: the one way to grant event-level data (not the web API)
        _audit(ws, "grant.event_access", name, detail={"role": user.role, "zones": user.zones})
    if granted is not None:
        _audit(ws, "grant.db_role", name, detail=granted)
    if as_json:
        print_json(user.to_dict() | ({"db_role": granted} if granted is not None else {}))
    else:
        scope = ", ".join(user.zones or user.hotspots)
        console.print(
            f"Added [bold]{user.username}[/] ({user.role}{': ' + scope if scope else ''})"
        )
        if granted is not None:
            made = "created NOLOGIN" if granted["created"] else "existing"
            console.print(
                f"Database role [bold]{db_role}[/] ({made}) reads the PostGIS layers"
                f" of a {user.role}"
            )
    ws.close()


@app.command("list")
def list_(
    workspace: WorkspaceOpt = Path("."),
    database_url: DatabaseUrlOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """List users with their role, zones and assigned hotspots."""
    from hotspotwatch.workflows import users

    ws = open_workspace(workspace, database_url)
    rows = [u.to_dict() for u in users.list_users(ws)]
    ws.close()
    if as_json:
        print_json(rows)
        return
    table = Table(title="Users")
    for col in ("username", "role", "zones", "hotspots", "active"):
        table.add_column(col)
    for r in rows:
        table.add_row(
            r["username"],
            r["role"],
            ", ".join(r["zones"]),
            ", ".join(r["hotspots"]),
            "yes" if r["active"] else "no",
        )
    console.print(table)


@app.command("token")
def token(
    name: Annotated[str, typer.Argument(help="User name.")],
    days: Annotated[int, typer.Option(min=1, max=365, help="Validity in days.")] = 90,
    label: Annotated[str, typer.Option(help="What the token is for.")] = "script",
    workspace: WorkspaceOpt = Path("."),
    database_url: DatabaseUrlOpt = None,
) -> None:
    """Issue a script token (printed once) for `Authorization: Bearer`."""
    import datetime as dt

    from hotspotwatch.workflows import users

    ws = open_workspace(workspace, database_url)
    user = users.get_user(ws, name)
    if user is None:
        fail(f"no user {name!r}; see `hotspotwatch user list`")
    issued = users.issue_token(ws, user, kind="api", ttl=dt.timedelta(days=days), label=label)
    _audit(ws, "token.create", name)
    ws.close()
    sys.stdout.write(issued.token + "\n")


@app.command("tokens")
def tokens(
    name: Annotated[str | None, typer.Argument(help="Only this user's tokens.")] = None,
    workspace: WorkspaceOpt = Path("."),
    database_url: DatabaseUrlOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """List tokens (ids, kinds, expiry; never their values)."""
    from hotspotwatch.workflows import users

    ws = open_workspace(workspace, database_url)
    rows = users.list_tokens(ws, name)
    ws.close()
    if as_json:
        print_json(rows)
        return
    table = Table(title="Tokens")
    for col in ("token_id", "username", "kind", "label", "created_at", "expires_at", "live"):
        table.add_column(col)
    for r in rows:
        table.add_row(
            *(
                str(r[c])
                for c in (
                    "token_id",
                    "username",
                    "kind",
                    "label",
                    "created_at",
                    "expires_at",
                    "live",
                )
            )
        )
    console.print(table)


@app.command("revoke")
def revoke(
    name: Annotated[str, typer.Argument(help="User name.")],
    token_id: Annotated[
        int | None, typer.Option("--token", help="Revoke only this token id (default: all).")
    ] = None,
    disable: Annotated[bool, typer.Option(help="Also disable the account.")] = False,
    workspace: WorkspaceOpt = Path("."),
    database_url: DatabaseUrlOpt = None,
) -> None:
    """Revoke a user's tokens (all, or one with --token); --disable also blocks logins."""
    from hotspotwatch.workflows import users

    ws = open_workspace(workspace, database_url)
    try:
        if token_id is not None:
            n = int(users.revoke_token(ws, token_id, username=name))
        else:
            n = users.revoke_user_tokens(ws, name)
        if disable:
            users.set_active(ws, name, False)
    except ValueError as exc:
        fail(str(exc))
    _audit(ws, "user.revoke", name, rows=n)
    ws.close()
    console.print(
        f"Revoked {n} token(s) of {name}" + (" and disabled the account" if disable else "")
    )
