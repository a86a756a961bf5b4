"""``hotspotwatch import events|areas|hotspots``: bring source files into the workspace.

Every events file is one transaction; at the end a table shows, per file,
``read = inserted + updated + unchanged + quarantined``. With ``--json`` the output is one
JSON object with exactly the keys ``read, inserted, updated, unchanged, quarantined`` (the
totals over all files, i.e. the file's counts for a single file); ``--json --per-file``
prints a JSON list with one such object per file, in the order the files were given.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.markup import escape
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    SpinnerColumn,
    TaskID,
    TextColumn,
    TimeElapsedColumn,
)
from rich.table import Table

from hotspotwatch.cli._common import (
    DatabaseUrlOpt,
    JsonOpt,
    WorkspaceOpt,
    console,
    err_console,
    fail,
    open_workspace,
    print_json,
)

app = typer.Typer(help="Import events, areas and hotspots into the workspace.", no_args_is_help=True)

UserOpt = Annotated[
    str | None, typer.Option("--user", help="Recorded as who imported (default: your login).")
]
STAGES = {"read": "reading", "check": "checking rows", "store": "writing to the store"}


@contextmanager
def _progress(enabled: bool) -> Iterator[Any]:
    """A ``progress(file, stage, done, total)`` callback drawing rich bars on stderr."""
    if not enabled:
        yield None
        return
    bars = Progress(
        SpinnerColumn(),
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=err_console,
        transient=True,
    )
    tasks: dict[str, TaskID] = {}

    def update(file: str, stage: str, done: int, total: int) -> None:
        desc = f"{Path(file).name}: {STAGES.get(stage, stage)}"
        if file not in tasks:
            tasks[file] = bars.add_task(desc, total=total or None)
        bars.update(tasks[file], description=desc, completed=done, total=total or None)

    with bars:
        yield update


@app.command("events")
def events(
    files: Annotated[list[Path], typer.Argument(help="CSV, Parquet, GeoJSON or GeoPackage files.")],
    mapping: Annotated[
        Path | None,
        typer.Option("--mapping", "-m", help="Mapping TOML naming the columns (see docs/mapping.md)."),
    ] = None,
    fmt: Annotated[
        str | None,
        typer.Option("--format", help="Built-in format instead of a mapping: police-uk."),
    ] = None,
    per_file: Annotated[
        bool, typer.Option("--per-file", help="With --json: a list with one object per file.")
    ] = False,
    user: UserOpt = None,
    workspace: WorkspaceOpt = Path("."),
    database_url: DatabaseUrlOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Import event files; every row is inserted, updated, unchanged or quarantined."""
    from hotspotwatch.io.errors import SourceError
    from hotspotwatch.workflows.ingest import import_events, total_counts

    ws = open_workspace(workspace, database_url)
    try:
        with _progress(err_console.is_terminal) as progress:
            reports = import_events(ws, files, mapping=mapping, fmt=fmt, user=user, progress=progress)
    except SourceError as exc:
        fail(escape(str(exc)))
    finally:
        ws.close()
    if as_json:
        print_json([r.counts() for r in reports] if per_file else total_counts(reports))
        return
    table = Table(title="Import")
    table.add_column("file")
    for key in ("read", "inserted", "updated", "unchanged", "quarantined"):
        table.add_column(key, justify="right")
    for r in reports:
        c = r.counts()
        table.add_row(Path(r.file).name, *(f"{c[k]:,}" for k in c))
    if len(reports) > 1:
        t = total_counts(reports)
        table.add_row("[bold]total[/]", *(f"[bold]{t[k]:,}[/]" for k in t))
    console.print(table)
    console.print("read = inserted + updated + unchanged + quarantined", style="dim")
    for r in reports:
        if not r.quarantined:
            continue
        q = Table(title=f"Quarantined in {Path(r.file).name} (import {r.import_id})")
        q.add_column("reason")
        q.add_column("rows", justify="right")
        for kind, n in r.reasons[:10]:
            q.add_row(kind, f"{n:,}")
        console.print(q)
        for ex in r.examples[:3]:
            console.print(f"  row {ex['row_number']}: {ex['reason']}", highlight=False)


@app.command("areas")
def areas(
    file: Annotated[Path, typer.Argument(help="GeoJSON, GeoPackage or GeoParquet with polygons.")],
    layer: Annotated[str, typer.Option("--layer", help="Area layer to (re)place, e.g. police_zone.")],
    code_field: Annotated[str, typer.Option("--code-field", help="Field holding the area code.")],
    name_field: Annotated[str, typer.Option("--name-field", help="Field holding the area name.")],
    name_fr_field: Annotated[
        str | None, typer.Option("--name-fr-field", help="Field with the French name.")
    ] = None,
    name_nl_field: Annotated[
        str | None, typer.Option("--name-nl-field", help="Field with the Dutch name.")
    ] = None,
    source_layer: Annotated[
        str | None, typer.Option("--source-layer", help="Layer of a multi-layer GeoPackage.")
    ] = None,
    user: UserOpt = None,
    workspace: WorkspaceOpt = Path("."),
    database_url: DatabaseUrlOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Replace an area layer (region, police_zone, commune, ...) with the polygons of a file."""
    from hotspotwatch.io.errors import SourceError
    from hotspotwatch.workflows.ingest import import_areas

    ws = open_workspace(workspace, database_url)
    try:
        rep = import_areas(
            ws, file, layer=layer, code_field=code_field, name_field=name_field,
            name_fr_field=name_fr_field, name_nl_field=name_nl_field, source_layer=source_layer,
            user=user,
        )
    except SourceError as exc:
        fail(escape(str(exc)))
    finally:
        ws.close()
    if as_json:
        print_json({"layer": rep.layer, "read": rep.read, "written": rep.written, "repaired": rep.repaired})
        return
    console.print(f"layer [bold]{rep.layer}[/]: {rep.written} areas from {Path(rep.file).name}"
                  + (f" ({rep.repaired} invalid polygons repaired)" if rep.repaired else ""))


@app.command("hotspots")
def hotspots(
    file: Annotated[Path, typer.Argument(help="GeoJSON of hotspots with designation periods.")],
    user: UserOpt = None,
    workspace: WorkspaceOpt = Path("."),
    database_url: DatabaseUrlOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Add or update hotspots and their designation decisions (format: docs/mapping.md)."""
    from hotspotwatch.io.errors import SourceError
    from hotspotwatch.workflows.ingest import import_hotspots

    ws = open_workspace(workspace, database_url)
    try:
        rep = import_hotspots(ws, file, user=user)
    except SourceError as exc:
        fail(escape(str(exc)))
    finally:
        ws.close()
    if as_json:
        print_json({"hotspots": rep.hotspots, "designations_added": rep.designations_added,
                    "designations_unchanged": rep.designations_unchanged})
        return
    console.print(f"{rep.hotspots} hotspots; {rep.designations_added} decisions added, "
                  f"{rep.designations_unchanged} already recorded")
