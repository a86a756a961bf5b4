"""``hotspotwatch runs``: the stored analysis runs and their provenance."""

from __future__ import annotations

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

app = typer.Typer(
    help="Stored analysis runs: what was computed, with which parameters, on which data.",
    no_args_is_help=True,
)


@app.command("list")
def list_runs(
    kind: Annotated[
        str | None, typer.Option(help="Only runs of this kind, e.g. evaluate or spacetime.knox.")
    ] = None,
    workspace: WorkspaceOpt = Path("."),
    database_url: DatabaseUrlOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """List stored runs, newest first: short key, kind, parameters, fingerprints and whether
    each is current (computed on the data and configuration there are now)."""
    ws = open_workspace(workspace, database_url)
    infos = ws.run_infos(kind)
    data_fp, config_fp = ws.data_fingerprint(), ws.config_fingerprint()
    rows = [
        info.to_dict()
        | {
            "current": info.key is not None
            and info.data_fingerprint == data_fp
            and info.config_fingerprint == config_fp
        }
        for info in infos
    ]
    ws.close()
    if as_json:
        print_json(rows)
        return
    table = Table("run", "kind", "created (UTC)", "current", "parameters")
    for r in rows:
        table.add_row(
            r["run"] or "(legacy)",
            r["kind"],
            r["created_at"][:19].replace("T", " "),
            "yes" if r["current"] else "no",
            ", ".join(f"{k}={v}" for k, v in r["parameters"].items()),
        )
    console.print(table)
    console.print(f"{len(rows)} runs")


@app.command("show")
def show(
    key: Annotated[str, typer.Argument(help="Run key or its first 8+ hex digits.")],
    workspace: WorkspaceOpt = Path("."),
    database_url: DatabaseUrlOpt = None,
) -> None:
    """Print one run as JSON: provenance (kind, parameters, fingerprints, versions, time) and
    its typed result."""
    ws = open_workspace(workspace, database_url)
    try:
        run = ws.get_run(key)
    except ValueError as exc:
        fail(str(exc))
    finally:
        ws.close()
    if run is None:
        fail(f"no stored run with key {key!r}; list them with `hotspotwatch runs list`")
    print_json(run.to_dict())
