"""Options and helpers shared by every command group."""

from __future__ import annotations

import datetime as dt
import json
import sys
from pathlib import Path
from typing import Annotated, Any, NoReturn

import typer
from rich.console import Console

console = Console()
err_console = Console(stderr=True)
if not console.is_terminal:
    # printed to a pipe or a file: tables keep their natural width instead of 80 columns
    console.width = 1000

WorkspaceOpt = Annotated[
    Path,
    typer.Option(
        "--workspace",
        "-w",
        envvar="HOTSPOTWATCH_WORKSPACE",
        help="Workspace folder (default: current folder or $HOTSPOTWATCH_WORKSPACE).",
        show_default=False,
    ),
]
DatabaseUrlOpt = Annotated[
    str | None,
    typer.Option(
        "--database-url",
        envvar="HOTSPOTWATCH_DATABASE_URL",
        help="Use this database instead of the workspace's (e.g. postgresql+psycopg://user@host/db).",
    ),
]
JsonOpt = Annotated[
    bool, typer.Option("--json", help="Print machine-readable JSON instead of tables.")
]
UserOpt = Annotated[
    str | None, typer.Option("--user", help="Recorded as who imported (default: your login).")
]
AtomicOpt = Annotated[
    bool,
    typer.Option("--atomic", help="All files in one transaction: if one fails, nothing is stored."),
]
StudyAreaOpt = Annotated[
    str | None,
    typer.Option(
        "--study-area",
        metavar="region|hull",
        help="region (default): the workspace's study area (`hotspotwatch import areas FILE "
        "--layer region`); hull: the convex hull of every stored event plus max(500 m, cell "
        "size), recorded in the run's parameters (a warning says so).",
    ),
]


def fail(message: str, code: int = 2) -> NoReturn:
    """Print a one-line error (no traceback) and exit with ``code``."""
    err_console.print(f"[bold red]error:[/] {message}", highlight=False, soft_wrap=True)
    raise typer.Exit(code)


def open_workspace(path: Path | str = ".", database_url: str | None = None) -> Any:
    """Open a workspace or fail with a clear message."""
    from hotspotwatch.config import ConfigError
    from hotspotwatch.workspace import StoreError, Workspace, WorkspaceError

    try:
        return Workspace.open(path, database_url=database_url)
    except (WorkspaceError, ConfigError, StoreError) as exc:
        from rich.markup import escape

        fail(escape(str(exc)))  # "[presence] ..." is not rich markup


def print_json(obj: Any) -> None:
    """Print JSON (plain, no colour) to standard output."""
    from hotspotwatch.analysis._result import to_jsonable  # numpy: loaded when used

    sys.stdout.write(json.dumps(to_jsonable(obj), indent=2, ensure_ascii=False) + "\n")
    sys.stdout.flush()


def parse_date(value: str | None, option: str) -> dt.date | None:
    """Parse an ISO date option (``YYYY-MM-DD``) or fail with a one-line message naming it."""
    if value is None:
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        fail(f"{option}: {value!r} is not a date; use YYYY-MM-DD (e.g. 2024-03-28)")


def study_area_choice(value: str | None, *, cell_size: float | None = None) -> str | None:
    """Check ``--study-area`` (``None`` for the workspace's study area, ``"hull"``); with
    ``hull``, warn on stderr in one line that the study area is not a real boundary."""
    from hotspotwatch.workflows.study_area import check_choice, study_area_parameters

    try:
        choice = check_choice(value)
    except ValueError as exc:
        fail(str(exc))
    if choice is not None:
        buffer_m = study_area_parameters(choice, cell_size=cell_size)["hull_buffer_m"]
        err_console.print(
            f"[bold yellow]warning:[/] study area: the convex hull of every stored event plus "
            f"{buffer_m:g} m (--study-area hull), not a real boundary; the run's parameters "
            "record it",
            highlight=False,
            soft_wrap=True,
        )
    return choice


def fail_no_study_area(exc: Exception, *, hull: bool = True) -> NoReturn:
    """One line for a workspace without a study area, naming the command that gives it one
    (and ``--study-area hull`` where the command takes it); exit 2."""
    message = str(exc.args[0]) if exc.args else "no study area"
    fail(message + (" or pass `--study-area hull`" if hull else ""))
