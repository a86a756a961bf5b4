"""``hotspotwatch import events|areas|lines|hotspots``: bring source files into the workspace.

Every events file is one transaction (``--atomic``: all the files are one); at the end a
table shows, per file, ``read = inserted + updated + unchanged + quarantined``, the exact
duplicates kept and the quarantined rows already stored by an earlier import. With
``--json`` the output is one JSON object whose first keys are ``read, inserted, updated,
unchanged, quarantined`` (the totals over all files, i.e. the file's counts for a single
file), followed by ``duplicates``, ``already_quarantined`` and ``warnings``; ``--json
--per-file`` prints a JSON list with one such object per file (plus ``file``), in the order
the files were given.

Progress bars (one per file: its stage and rows; one over the files) are drawn on standard
error once an import has lasted :data:`hotspotwatch.cli._progress.DELAY` seconds, never with
``--json`` or when standard output or standard error is not a terminal.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated, Any

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

app = typer.Typer(
    help="Import events, areas, hotspots and presence into the workspace.", no_args_is_help=True
)

STAGES = {"read": "reading", "check": "checking rows", "store": "writing to the store"}
#: Quarantined rows printed per file after an import (the rest: ``quarantine list``).
SHOWN_QUARANTINED = 5


def progress_wanted(as_json: bool) -> bool:
    """Bars only for a person watching: not ``--json``, stdout and stderr both terminals."""
    from hotspotwatch.cli import _common
    from hotspotwatch.cli._progress import progress_enabled

    return progress_enabled(as_json) and bool(_common.console.is_terminal)


@contextmanager
def _progress(enabled: bool, n_files: int = 1) -> Iterator[Any]:
    """A ``progress(file, stage, done, total)`` callback drawing rich bars on stderr.

    One bar per file (its stage, and its rows once read) and, for several files, one over
    the files. Nothing is drawn before :data:`~hotspotwatch.cli._progress.DELAY` seconds:
    a quick import prints no bar at all.
    """
    if not enabled:
        yield None
        return
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        SpinnerColumn,
        TaskID,
        TextColumn,
        TimeElapsedColumn,
    )

    from hotspotwatch.cli import _common, _progress

    bars = Progress(
        SpinnerColumn(),
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=_common.err_console,
        transient=True,
    )
    overall = bars.add_task("files", total=n_files) if n_files > 1 else None
    tasks: dict[str, TaskID] = {}
    timer = threading.Timer(_progress.DELAY, bars.start)
    timer.daemon = True

    def update(file: str, stage: str, done: int, total: int) -> None:
        name = Path(file).name
        rows = f" {total:,} rows" if total else ""
        desc = f"{name}: {STAGES.get(stage, stage)}{rows}"
        if file not in tasks:
            tasks[file] = bars.add_task(desc, total=total or None)
        bars.update(tasks[file], description=desc, completed=done, total=total or None)
        if overall is not None and stage == "store" and total and done >= total:
            bars.update(overall, completed=len(tasks))

    timer.start()
    try:
        yield update
    finally:
        timer.cancel()
        timer.join()
        bars.stop()


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
    atomic: AtomicOpt = False,
    user: UserOpt = None,
    workspace: WorkspaceOpt = Path("."),
    database_url: DatabaseUrlOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Import event files; every row is inserted, updated, unchanged or quarantined."""
    from hotspotwatch.io.errors import SourceError
    from hotspotwatch.workflows.ingest import import_events, total_summary

    ws = open_workspace(workspace, database_url)
    try:
        with _progress(progress_wanted(as_json), len(files)) as progress:
            reports = import_events(ws, files, mapping=mapping, fmt=fmt, user=user,
                                    progress=progress, atomic=atomic)
    except SourceError as exc:
        fail(escape(str(exc)))
    finally:
        ws.close()
    warnings = [w for r in reports for w in r.warnings]
    for w in warnings:
        err_console.print(f"[bold yellow]warning:[/] {escape(w)}", highlight=False, soft_wrap=True)
    if as_json:
        if per_file:
            print_json([{**r.summary(), "warnings": list(r.warnings), "file": r.file}
                        for r in reports])
        else:
            print_json({**total_summary(reports), "warnings": warnings})
        return
    from rich.table import Table

    table = Table(title="Import")
    table.add_column("file")
    keys = ("read", "inserted", "updated", "unchanged", "quarantined", "duplicates")
    for key in keys:
        table.add_column(key, justify="right")
    for r in reports:
        c = r.summary()
        table.add_row(Path(r.file).name, *(f"{c[k]:,}" for k in keys))
    if len(reports) > 1:
        t = total_summary(reports)
        table.add_row("[bold]total[/]", *(f"[bold]{t[k]:,}[/]" for k in keys))
    console.print(table)
    console.print("read = inserted + updated + unchanged + quarantined; duplicates: rows with "
                  "the same source, time, place and category as an earlier row (kept, counted "
                  "once by Knox)", style="dim")
    for r in reports:
        if r.empty:
            rows = "empty row" if r.empty == 1 else "empty rows"
            console.print(f"{escape(Path(r.file).name)}: {r.empty:,} {rows} skipped (blank lines "
                          "or only delimiters; not data rows, not in read)", highlight=False)
    for r in reports:
        if not r.quarantined:
            continue
        name = Path(r.file).name
        if r.already_quarantined == r.quarantined:
            console.print(f"{name}: the {r.quarantined:,} quarantined rows were already "
                          "quarantined by an earlier import (not stored again)", highlight=False)
            continue
        q = Table(title=f"Quarantined in {escape(name)} (import {r.import_id})")
        q.add_column("reason")
        q.add_column("rows", justify="right")
        for kind, n in r.reasons[:10]:
            q.add_row(escape(kind), f"{n:,}")
        console.print(q)
        if r.already_quarantined:
            console.print(f"  {r.already_quarantined:,} of them were already quarantined by an "
                          "earlier import (not stored again)", highlight=False)
        for ex in r.examples[:SHOWN_QUARANTINED]:
            field = f" ({ex['field']})" if ex.get("field") else ""
            at = f" (line {ex['line']})" if ex.get("line") is not None else ""
            console.print(f"  row {ex['row_number']}{at}{escape(field)}: "
                          f"{escape(str(ex['reason']))}", highlight=False)
        rest = r.quarantined - min(len(r.examples), SHOWN_QUARANTINED)
        more = f"{rest:,} more: " if rest > 0 else "all of them: "
        console.print(f"  {more}hotspotwatch quarantine list --source {_quote(r.source)}",
                      highlight=False, style="dim")


def _quote(value: str) -> str:
    import shlex

    return escape(shlex.quote(value))


@app.command("areas")
def areas(
    file: Annotated[Path, typer.Argument(help="GeoJSON, GeoPackage or GeoParquet with polygons.")],
    layer: Annotated[str, typer.Option(
        "--layer", help="Area layer to (re)place, e.g. police_zone; region is the study area.")],
    code_field: Annotated[str | None, typer.Option(
        "--code-field", help="Field holding the area code (needed except for --layer region).")] = None,
    name_field: Annotated[str | None, typer.Option(
        "--name-field", help="Field holding the area name (needed except for --layer region).")] = None,
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
    """Replace an area layer (region, police_zone, commune, ...) with the polygons of a file.

    --layer region without --code-field/--name-field sets the study area: the features
    (any CRS) are reprojected, checked and dissolved into one polygon.
    """
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
    if rep.events_outside:
        err_console.print(
            f"[bold yellow]warning:[/] {rep.events_outside:,} of {rep.events:,} stored events lie "
            f"outside the study area; check their coordinates, or the CRS of {escape(rep.file)}",
            highlight=False, soft_wrap=True,
        )
    if as_json:
        out = {"layer": rep.layer, "read": rep.read, "written": rep.written, "repaired": rep.repaired}
        if rep.events_outside is not None:  # the study area: how many events it leaves out
            out["events_outside"] = rep.events_outside
        print_json(out)
        return
    console.print(f"layer [bold]{rep.layer}[/]: {rep.written} areas from {Path(rep.file).name}"
                  + (f" ({rep.repaired} invalid polygons repaired)" if rep.repaired else ""))


@app.command("lines")
def lines(
    file: Annotated[Path, typer.Argument(
        help="GeoPackage, GeoJSON, Shapefile or GeoParquet with lines, e.g. an OpenStreetMap extract.")],
    layer: Annotated[str, typer.Option(
        "--layer", help="Line layer to (re)place; the report draws streets.")] = "streets",
    name_field: Annotated[str | None, typer.Option(
        "--name-field", help="Field holding a line's name (default: name, if the file has it).")] = None,
    kind_field: Annotated[str | None, typer.Option(
        "--kind-field", help="Field holding a line's kind (default: highway, if the file has it).")] = None,
    source_layer: Annotated[
        str | None, typer.Option("--source-layer", help="Layer of a multi-layer GeoPackage.")
    ] = None,
    user: UserOpt = None,
    workspace: WorkspaceOpt = Path("."),
    database_url: DatabaseUrlOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Replace a line layer (streets) with the lines of a file, clipped to the study area.

    Lines are transformed to the workspace CRS; importing the layer again replaces it in one
    transaction. Display only: the report draws streets on its maps; no result changes.
    """
    from hotspotwatch.io.errors import SourceError
    from hotspotwatch.workflows.ingest_lines import import_lines
    from hotspotwatch.workspace import WorkspaceError

    ws = open_workspace(workspace, database_url)
    try:
        rep = import_lines(ws, file, layer=layer, name_field=name_field, kind_field=kind_field,
                           source_layer=source_layer, user=user)
    except (SourceError, WorkspaceError) as exc:
        fail(escape(str(exc)))
    finally:
        ws.close()
    if as_json:
        print_json({"layer": rep.layer, "read": rep.read, "written": rep.written,
                    "outside": rep.outside})
        return
    console.print(f"line layer [bold]{escape(rep.layer)}[/]: {rep.written:,} lines from "
                  f"{escape(Path(rep.file).name)}"
                  + (f" ({rep.outside:,} outside the study area left out)" if rep.outside else ""))


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


from hotspotwatch.cli import _import_presence  # noqa: E402  (its command joins this group)

_import_presence.register(app)
