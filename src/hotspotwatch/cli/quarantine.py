"""``hotspotwatch quarantine list|export``: every quarantined row with its reason in full."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer

from hotspotwatch.cli._common import (
    DatabaseUrlOpt,
    WorkspaceOpt,
    console,
    err_console,
    fail,
    open_workspace,
)

app = typer.Typer(
    help="Rows an import could not use, with the file, row, field, value, reason and fix.",
    no_args_is_help=True,
)

SourceOpt = Annotated[
    str | None, typer.Option("--source", "-s", help="Only the rows of this source.")
]


def _rows(workspace: Path, database_url: str | None, source: str | None) -> list:
    from hotspotwatch.workflows import quarantine

    ws = open_workspace(workspace, database_url)
    try:
        return quarantine.rows(ws, source=source)
    except ValueError as exc:
        fail(str(exc))
    finally:
        ws.close()


@app.command("list")
def list_(
    source: SourceOpt = None,
    fmt: Annotated[
        str, typer.Option("--format", "-f", help="table (default), csv or json.")
    ] = "table",
    workspace: WorkspaceOpt = Path("."),
    database_url: DatabaseUrlOpt = None,
    as_json: Annotated[bool, typer.Option("--json", help="Same as --format json.")] = False,
) -> None:
    """Print every quarantined row: file, row, field, value, reason and fix (nothing cut)."""
    from hotspotwatch.workflows import quarantine

    kind = "json" if as_json else fmt
    if kind not in ("table", *quarantine.FORMATS):
        fail(f"--format must be table, csv or json, got {fmt!r}")
    found = _rows(workspace, database_url, source)
    if kind != "table":
        quarantine.write(found, sys.stdout, fmt=kind)
        return
    if not found:
        console.print(
            "no quarantined rows" + (f" for source {source!r}" if source else ""), markup=False
        )
        return
    from rich.markup import escape
    from rich.table import Table

    table = Table(title=f"Quarantined rows ({len(found):,})", show_lines=True)
    for col in ("file", "row", "line", "field", "value", "reason", "fix"):
        table.add_column(col, overflow="fold", justify="right" if col in ("row", "line") else "left")
    for r in found:
        table.add_row(
            *(
                escape(c)
                for c in (
                    Path(r.file).name,
                    "" if r.row_number is None else str(r.row_number),
                    "" if r.line is None else str(r.line),
                    r.field or "",
                    r.value or "",
                    r.reason,
                    r.fix,
                )
            )
        )
    console.print(table, highlight=False)
    console.print("export them all: hotspotwatch quarantine export --output FILE.csv", style="dim")


@app.command("export")
def export(
    source: SourceOpt = None,
    fmt: Annotated[str, typer.Option("--format", "-f", help="csv (default) or json.")] = "csv",
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help="File to write (default: stdout).")
    ] = None,
    workspace: WorkspaceOpt = Path("."),
    database_url: DatabaseUrlOpt = None,
) -> None:
    """Write every quarantined row as CSV or JSON, with the raw row (to stdout or --output)."""
    from hotspotwatch.workflows import quarantine

    if fmt not in quarantine.FORMATS:
        fail(f"--format must be csv or json, got {fmt!r}")
    found = _rows(workspace, database_url, source)
    if output is None:
        n = quarantine.write(found, sys.stdout, fmt=fmt)
        sys.stdout.flush()
    else:
        try:
            with output.open("w", encoding="utf-8", newline="") as fh:
                n = quarantine.write(found, fh, fmt=fmt)
        except OSError as exc:
            fail(f"--output {output}: cannot write ({exc.strerror}); choose a writable path")
    err_console.print(f"{n:,} quarantined rows" + (f" written to {output}" if output else ""))
