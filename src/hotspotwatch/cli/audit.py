"""``hotspotwatch audit``: export the audit log."""

from __future__ import annotations

import datetime as dt
import sys
from pathlib import Path
from typing import Annotated

import typer

from hotspotwatch.cli._common import DatabaseUrlOpt, WorkspaceOpt, err_console, fail, open_workspace

app = typer.Typer(help="The audit log of event-level access and writes.", no_args_is_help=True)


def _date(value: str | None, name: str) -> dt.datetime | None:
    if value is None:
        return None
    try:
        return dt.datetime.fromisoformat(value)
    except ValueError:
        fail(f"{name}: {value!r} is not an ISO date or time (e.g. 2025-01-31 or 2025-01-31T12:00)")


@app.command("export")
def export(
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help="File to write (default: stdout).")
    ] = None,
    fmt: Annotated[str, typer.Option("--format", help="csv or jsonl.")] = "csv",
    since: Annotated[str | None, typer.Option(help="From this UTC date/time (inclusive).")] = None,
    until: Annotated[str | None, typer.Option(help="Until this UTC date/time (exclusive).")] = None,
    user: Annotated[str | None, typer.Option(help="Only this user.")] = None,
    action: Annotated[str | None, typer.Option(help="Only this action, e.g. events.read.")] = None,
    workspace: WorkspaceOpt = Path("."),
    database_url: DatabaseUrlOpt = None,
) -> None:
    """Export audit entries (who, when, what, how many rows) as CSV or JSON lines."""
    from hotspotwatch.workflows import audit

    if fmt not in ("csv", "jsonl"):
        fail(f"--format must be csv or jsonl, got {fmt!r}")
    ws = open_workspace(workspace, database_url)
    filters = {
        "since": _date(since, "--since"),
        "until": _date(until, "--until"),
        "username": user,
        "action": action,
    }
    if output is None:
        n = audit.export(ws, sys.stdout, fmt=fmt, **filters)
    else:
        with output.open("w", encoding="utf-8", newline="") as fh:
            n = audit.export(ws, fh, fmt=fmt, **filters)
    ws.close()
    err_console.print(f"{n} audit entries" + (f" written to {output}" if output else ""))
