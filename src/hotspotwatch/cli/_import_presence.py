"""``hotspotwatch import presence|resources``: presence sessions (or GPS pings), and staff-hours
and cost per hotspot, into the workspace.

Registered on the ``import`` group by :mod:`hotspotwatch.cli.importing`.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape

from hotspotwatch.cli._common import (
    AtomicOpt,
    DatabaseUrlOpt,
    JsonOpt,
    UserOpt,
    WorkspaceOpt,
    console,
    err_console,
    fail,
    open_workspace,
    print_json,
)

COUNT_KEYS = ("read", "inserted", "updated", "unchanged", "quarantined")


def presence(
    files: Annotated[list[Path], typer.Argument(help="CSV, Parquet, GeoJSON or GeoPackage files.")],
    mapping: Annotated[
        Path,
        typer.Option(
            "--mapping", "-m", help="Presence mapping TOML (sessions or GPS pings; see README)."
        ),
    ],
    atomic: AtomicOpt = False,
    user: UserOpt = None,
    workspace: WorkspaceOpt = Path("."),
    database_url: DatabaseUrlOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Import presence sessions or GPS pings; no names or badge numbers are stored."""
    from hotspotwatch.io.errors import SourceError
    from hotspotwatch.workflows.presence import import_presence

    ws = open_workspace(workspace, database_url)
    try:
        reports = import_presence(ws, files, mapping=mapping, user=user, atomic=atomic)
    except SourceError as exc:  # MappingError is one
        fail(escape(str(exc)))
    finally:
        ws.close()
    warnings = [w for r in reports for w in r.warnings]
    for w in warnings:
        err_console.print(f"[bold yellow]warning:[/] {escape(w)}", highlight=False, soft_wrap=True)
    if as_json:
        total = {
            k: sum(getattr(r, k) for r in reports)
            for k in (
                *COUNT_KEYS,
                "already_quarantined",
                "sessions",
                "pings_in_sessions",
                "dropped_pings",
            )
        }
        print_json({**total, "warnings": warnings, "files": [r.to_dict() for r in reports]})
        return
    from rich.table import Table

    table = Table(title="Presence import")
    table.add_column("file")
    table.add_column("kind")
    for key in (*COUNT_KEYS, "sessions"):
        table.add_column(key, justify="right")
    for r in reports:
        table.add_row(
            Path(r.file).name, r.kind, *(f"{getattr(r, k):,}" for k in (*COUNT_KEYS, "sessions"))
        )
    console.print(table)
    console.print(
        "sessions files: read = inserted + updated + unchanged + quarantined; ping files: "
        "read = pings in sessions + pings too short to be one + quarantined",
        style="dim",
    )
    for r in reports:
        if r.kind == "pings":
            console.print(
                f"{Path(r.file).name}: {r.pings_in_sessions:,} pings made "
                f"{r.sessions:,} sessions; {r.dropped_pings:,} pings were passing "
                "traffic (runs too short to be a session)",
                highlight=False,
            )
        for kind, n in r.reasons[:10]:
            console.print(f"  quarantined {n:,}: {escape(kind)}", highlight=False)
        if r.quarantined:
            console.print(
                f"  all of them: hotspotwatch quarantine list --source {r.source}",
                style="dim",
                highlight=False,
            )


def resources(
    files: Annotated[list[Path], typer.Argument(help="CSV or Parquet files (see README).")],
    atomic: AtomicOpt = False,
    user: UserOpt = None,
    workspace: WorkspaceOpt = Path("."),
    database_url: DatabaseUrlOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Import staff-hours and cost per hotspot, period and kind, with their source."""
    from hotspotwatch.io.errors import SourceError
    from hotspotwatch.workflows.resources import import_resources

    ws = open_workspace(workspace, database_url)
    try:
        reports = import_resources(ws, files, user=user, atomic=atomic)
    except SourceError as exc:
        fail(escape(str(exc)))
    finally:
        ws.close()
    if as_json:
        total = {
            k: sum(getattr(r, k) for r in reports) for k in (*COUNT_KEYS, "already_quarantined")
        }
        print_json({**total, "files": [r.to_dict() for r in reports]})
        return
    for r in reports:
        console.print(
            f"{Path(r.file).name}: read {r.read:,} = {r.inserted:,} new + {r.updated:,} "
            f"updated + {r.unchanged:,} unchanged + {r.quarantined:,} quarantined",
            highlight=False,
        )
        for kind, n in r.reasons[:10]:
            console.print(f"  quarantined {n:,}: {escape(kind)}", highlight=False)
        if r.quarantined:
            console.print(
                "  all of them: hotspotwatch quarantine list --source resources",
                style="dim",
                highlight=False,
            )


def register(app: typer.Typer) -> None:
    """Add ``presence`` and ``resources`` to the ``import`` group."""
    app.command("presence")(presence)
    app.command("resources")(resources)
