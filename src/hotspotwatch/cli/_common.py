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


def workspace_point(
    ws: Any, *, x: float | None = None, y: float | None = None,
    lon: float | None = None, lat: float | None = None, what: str = "the place",
) -> tuple[float, float] | None:
    """``(x, y)`` in the workspace CRS from ``--lon/--lat`` (WGS84) or ``--x/--y``; ``None``
    when neither pair is given. A point outside the workspace extent (the areas' bounds + 1 km,
    or ``[workspace] extent``) fails in one line, asking whether lon and lat are swapped when
    the swapped point lies inside: a place far from the study area is a typing mistake, and
    a hotspot or an alert there would be counted on no event at all."""
    import math

    from hotspotwatch.geo.crs import from_lonlat

    if lon is not None and lat is not None:
        xs, ys = from_lonlat([lon, lat], [lat, lon], ws.config.crs)
        px, py, sx, sy = float(xs[0]), float(ys[0]), float(xs[1]), float(ys[1])
        given = f"--lon {lon} --lat {lat}"
    elif x is not None and y is not None:
        px, py, sx, sy, given = float(x), float(y), math.nan, math.nan, f"--x {x} --y {y}"
    else:
        return None
    extent = ws.extent()
    if extent is None:
        return px, py
    xmin, ymin, xmax, ymax = extent

    def away(u: float, v: float) -> float:  # metres from the extent box (nan: not placed)
        if not (math.isfinite(u) and math.isfinite(v)):
            return math.nan
        return math.hypot(max(xmin - u, 0.0, u - xmax), max(ymin - v, 0.0, v - ymax))

    d = away(px, py)
    if d == 0:
        return px, py
    where = f"{d / 1000:,.0f} km outside" if math.isfinite(d) else "not placeable in"
    if away(sx, sy) == 0:
        fix = f"are --lon and --lat swapped? (try --lon {lat} --lat {lon})"
    elif lon is not None:
        fix = "give --lon and --lat in WGS84 degrees of a place in the study area"
    else:
        fix = f"give --x/--y in metres in {ws.config.crs}, or --lon/--lat in WGS84 degrees"
    fail(f"{given}: {what} lies {where} the workspace extent [{xmin:.0f}, {ymin:.0f}, "
         f"{xmax:.0f}, {ymax:.0f}] ({ws.config.crs}); {fix}")


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
