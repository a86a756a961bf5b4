"""``hotspotwatch spacetime knox|alert|emerging``: near repeats and emerging hot spots."""

from __future__ import annotations

import datetime as dt
import math
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.table import Table

from hotspotwatch.cli._common import (
    JsonOpt,
    StudyAreaOpt,
    WorkspaceOpt,
    console,
    fail,
    fail_no_study_area,
    open_workspace,
    parse_date,
    print_json,
    study_area_choice,
    workspace_point,
)
from hotspotwatch.cli._progress import fit_to_output, progress_bar, progress_enabled

app = typer.Typer(help="Space-time: near-repeat risk (Knox), alert areas, emerging hot spots.")


@app.callback()
def _setup() -> None:
    fit_to_output(console)


CategoryOpt = Annotated[
    list[str] | None,
    typer.Option("--category", "-c", help="Event category (repeatable), e.g. shooting."),
]
RoleOpt = Annotated[
    list[str] | None, typer.Option("--role", help="harm, enforcement or prevention (repeatable).")
]
StartOpt = Annotated[str | None, typer.Option("--start", help="First day (YYYY-MM-DD).")]
EndOpt = Annotated[str | None, typer.Option("--end", help="Day after the last (YYYY-MM-DD).")]
OutputOpt = Annotated[
    Path | None, typer.Option("--output", "-o", help="Folder for GeoJSON/PNG/JSON outputs.")
]
LangOpt = Annotated[str, typer.Option("--lang", help="Language of the summary: en, fr or nl.")]
SpaceOpt = Annotated[
    str, typer.Option("--space-bands", help="Distance band edges in metres; 'inf' allowed.")
]
TimeOpt = Annotated[str, typer.Option("--time-bands", help="Day band edges; 'inf' allowed.")]
MetricOpt = Annotated[str, typer.Option("--metric", help="manhattan or euclidean.")]
PermOpt = Annotated[int, typer.Option("--permutations", help="Monte Carlo permutations.")]
MinPrecisionOpt = Annotated[str | None, typer.Option(
    "--min-precision",
    help="Drop events whose time precision is coarser (instant, hour, day, month) instead of "
         "refusing bands or steps finer than the data; the output says how many.")]
MinRatioOpt = Annotated[float, typer.Option(
    "--min-ratio",
    help="Smallest Knox ratio of a cell the alert is issued for (cells must also be "
         "significant after Holm's correction over the cells).")]
SeedOpt = Annotated[int | None, typer.Option(
    "--seed", help="Permutation seed (default 0: a run is reproducible from its parameters).")]


def _message(exc: Exception) -> str:
    """The one-line message of a refused run (a KeyError's without its quotes), as plain text."""
    from rich.markup import escape

    text = str(exc.args[0]) if isinstance(exc, KeyError) and exc.args else str(exc)
    return escape(text)


def _edges(text: str, option: str) -> list[float]:
    try:
        values = [float(v) for v in text.replace(";", ",").split(",") if v.strip()]
    except ValueError:
        fail(f"{option}: {text!r} is not a comma-separated list of numbers (e.g. 0,100,200,inf)")
    return values




def _knox_kwargs(space_bands: str, time_bands: str, metric: str, permutations: int,
                 seed: int | None) -> dict[str, Any]:
    if metric not in ("manhattan", "euclidean"):
        fail(f"--metric: use 'manhattan' or 'euclidean', not {metric!r}")
    return {"space_bands": _edges(space_bands, "--space-bands"),
            "time_bands": _edges(time_bands, "--time-bands"), "metric": metric,
            "permutations": permutations, "seed": seed}


def _print_knox_table(res: Any) -> None:
    table = Table(title="Knox ratio (observed / simulated mean), p-value")
    table.add_column("metres \\ days")
    for label in res.time_labels:
        table.add_column(label, justify="right")
    for i, label in enumerate(res.space_labels):
        cells = []
        for j in range(len(res.time_labels)):
            r, p = res.ratio[i, j], res.p_value[i, j]
            text = f"{res.observed[i, j]}  " + ("–" if math.isnan(r) else f"{r:.2f}")
            text += "" if math.isnan(p) else f" (p={p:.3f})"
            cells.append(f"[bold]{text}[/]" if p <= 0.05 and r > 1 else text)
        table.add_row(label, *cells)
    console.print(table)


@app.command("knox")
def knox_command(
    workspace: WorkspaceOpt = Path("."),
    category: CategoryOpt = None,
    role: RoleOpt = None,
    start: StartOpt = None,
    end: EndOpt = None,
    space_bands: SpaceOpt = "0,100,200,300,400,inf",
    time_bands: TimeOpt = "0,7,14,21,28,inf",
    metric: MetricOpt = "manhattan",
    permutations: PermOpt = 999,
    seed: SeedOpt = None,
    same_location: Annotated[bool, typer.Option(help="Separate band for distance 0.")] = False,
    same_day: Annotated[bool, typer.Option(help="Separate band for the same day.")] = False,
    min_precision: MinPrecisionOpt = None,
    include_duplicates: Annotated[bool, typer.Option(
        help="Count exact duplicates (same source, time, place, category) as separate "
             "events (default: each incident once).")] = False,
    min_ratio: MinRatioOpt = 1.2,
    output: OutputOpt = None,
    lang: LangOpt = "en",
    json_out: JsonOpt = False,
) -> None:
    """Knox near-repeat table: is risk raised near a recent event, and how far/long?"""
    from hotspotwatch.workflows.spacetime import run_knox, write_knox_outputs

    ws = open_workspace(workspace)
    try:
        with progress_bar("Knox permutations", enabled=progress_enabled(json_out)) as bar:
            run = run_knox(ws, categories=category, roles=role,
                           start=parse_date(start, "--start"), end=parse_date(end, "--end"),
                           same_location=same_location, same_day=same_day, lang=lang,
                           min_precision=min_precision, include_duplicates=include_duplicates,
                           min_ratio=min_ratio, progress=bar,
                           **_knox_kwargs(space_bands, time_bands, metric, permutations, seed))
    except (ValueError, KeyError) as exc:
        fail(_message(exc))
    files = write_knox_outputs(run, output) if output else []
    if json_out:
        kr = run["run"]
        print_json({"knox": run["knox"], "alert": run["alert"], "summary": run["summary"],
                    "alert_summary": run["alert_summary"], "run_id": run["run_id"],
                    "time_precision": kr.time_precision, "min_precision": kr.min_precision,
                    "n_dropped_precision": kr.n_dropped_precision,
                    "n_duplicates": kr.n_duplicates,
                    "same_place_same_day": kr.same_place_same_day,
                    "files": [str(f) for f in files]})
        return
    _print_knox_table(run["knox"])
    for line in run["summary"] + run["alert_summary"]:
        console.print(line, highlight=False)
    for f in files:
        console.print(f"wrote {f}", highlight=False)


@app.command("alert")
def alert_command(
    x: Annotated[float | None, typer.Option(help="Incident x (workspace CRS, metres).")] = None,
    y: Annotated[float | None, typer.Option(help="Incident y (workspace CRS, metres).")] = None,
    lon: Annotated[float | None, typer.Option(help="Incident longitude (WGS84).")] = None,
    lat: Annotated[float | None, typer.Option(help="Incident latitude (WGS84).")] = None,
    date: Annotated[str | None, typer.Option("--date", help="Incident day (YYYY-MM-DD).")] = None,
    workspace: WorkspaceOpt = Path("."),
    category: CategoryOpt = None,
    role: RoleOpt = None,
    start: StartOpt = None,
    end: EndOpt = None,
    min_precision: MinPrecisionOpt = None,
    space_bands: Annotated[str | None, typer.Option(
        "--space-bands", help="Distance band edges of the Knox table (default 0,100,...,400,inf).")] = None,
    time_bands: Annotated[str | None, typer.Option(
        "--time-bands", help="Day band edges of the Knox table (default 0,7,...,28,inf).")] = None,
    min_ratio: MinRatioOpt = 1.2,
    output: OutputOpt = None,
    lang: LangOpt = "en",
    json_out: JsonOpt = False,
) -> None:
    """Area and days of raised risk after a new incident (from the fitted Knox table)."""
    from hotspotwatch.workflows.spacetime import run_alert, write_alert_outputs

    ws = open_workspace(workspace)
    point = workspace_point(ws, x=x, y=y, lon=lon, lat=lat, what="the incident")
    if point is None:
        fail("give the incident location with --x/--y (workspace CRS) or --lon/--lat")
    x, y = point
    when = parse_date(date, "--date") or dt.date.today()
    extra: dict[str, Any] = {}
    if category or role or start or end or min_precision:
        extra = {"categories": category, "roles": role, "start": parse_date(start, "--start"),
                 "end": parse_date(end, "--end"), "min_precision": min_precision}
    if space_bands:
        extra["space_bands"] = _edges(space_bands, "--space-bands")
    if time_bands:
        extra["time_bands"] = _edges(time_bands, "--time-bands")
    extra["min_ratio"] = min_ratio
    try:
        with progress_bar("Knox permutations", enabled=progress_enabled(json_out)) as bar:
            run = run_alert(ws, x=float(x), y=float(y), when=when, lang=lang, progress=bar,
                            **extra)
    except (ValueError, KeyError) as exc:
        fail(_message(exc))
    files = write_alert_outputs(run, output, ws.config.crs) if output and run["zones"] else []
    if json_out:
        print_json({"alert": run["alert"], "x": run["x"], "y": run["y"], "date": when,
                    "time_precision": run["time_precision"],
                    "zones": [{"until": u, "area_m2": g.area} for g, u in run["zones"]],
                    "summary": run["summary"], "files": [str(f) for f in files]})
        return
    for line in run["summary"]:
        console.print(line, highlight=False)
    for f in files:
        console.print(f"wrote {f}", highlight=False)


@app.command("emerging")
def emerging_command(
    workspace: WorkspaceOpt = Path("."),
    category: CategoryOpt = None,
    role: RoleOpt = None,
    start: StartOpt = None,
    end: EndOpt = None,
    cell_size: Annotated[float, typer.Option(help="Grid cell size in metres.")] = 250.0,
    step: Annotated[str, typer.Option(help="Time step: week, month or quarter.")] = "month",
    distance: Annotated[float | None, typer.Option(
        help="Neighbourhood distance in metres (default 1.5 × cell size).")] = None,
    time_window: Annotated[int, typer.Option(help="Previous steps in the neighbourhood.")] = 1,
    alpha: Annotated[float, typer.Option(help="Significance level (after FDR).")] = 0.05,
    min_precision: MinPrecisionOpt = None,
    output: OutputOpt = None,
    lang: LangOpt = "en",
    json_out: JsonOpt = False,
    study_area: StudyAreaOpt = None,
) -> None:
    """Emerging hot spots: new, intensifying, persistent... places (ArcGIS Pro categories)."""
    from hotspotwatch.i18n import translate
    from hotspotwatch.workflows.spacetime import (
        emerging_result_dict,
        run_emerging,
        write_emerging_outputs,
    )
    from hotspotwatch.workspace import StudyAreaError

    ws = open_workspace(workspace)
    area = study_area_choice(study_area, cell_size=cell_size)
    try:
        with progress_bar("emerging hot spots: space-time cube",
                          enabled=progress_enabled(json_out)) as bar:
            run = run_emerging(ws, categories=category, roles=role,
                               start=parse_date(start, "--start"), end=parse_date(end, "--end"),
                               cell_size=cell_size, step=step, distance=distance,
                               time_window=time_window, alpha=alpha, lang=lang,
                               min_precision=min_precision, progress=bar, study_area=area)
    except StudyAreaError as exc:
        fail_no_study_area(exc)
    except (ValueError, KeyError) as exc:
        fail(_message(exc))
    files = write_emerging_outputs(run, output) if output else []
    if json_out:
        er = run["run"]
        print_json({"result": emerging_result_dict(run["result"]), "steps": run["steps"],
                    "summary": run["summary"], "run_id": run["run_id"],
                    "time_precision": er.time_precision, "min_precision": er.min_precision,
                    "n_dropped_precision": er.n_dropped_precision,
                    "files": [str(f) for f in files]})
        return
    table = Table(title=run["summary"])
    table.add_column("category")
    table.add_column("places", justify="right")
    for cat, n in run["result"].category_counts.items():
        if n:
            table.add_row(translate(f"spacetime.category.{cat}", lang), str(n))
    console.print(table)
    if run["run"].n_dropped_precision:
        console.print(f"{run['run'].n_dropped_precision} events coarser than --min-precision "
                      f"{min_precision} were left out.", highlight=False)
    for f in files:
        console.print(f"wrote {f}", highlight=False)
