"""``hotspotwatch detect …``: where harm concentrates, and whether the designated places are the right ones."""

from __future__ import annotations

import contextlib
import datetime as dt
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.markup import escape
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
)
from hotspotwatch.cli._progress import fit_to_output, progress_bar, progress_enabled

app = typer.Typer(help="Detect hot spots: KDE, Gi*, LISA, concentration, classification, coverage, borders.",
                  no_args_is_help=True)

CategoryOpt = Annotated[list[str] | None, typer.Option("--category", "-c", help="Only this category (repeatable).")]
RoleOpt = Annotated[list[str] | None, typer.Option("--role", help="Only categories of this role (default: harm).")]
StartOpt = Annotated[str | None, typer.Option("--start", help="First day, YYYY-MM-DD (workspace time zone).")]
EndOpt = Annotated[str | None, typer.Option("--end", help="Day after the last, YYYY-MM-DD.")]
OutputOpt = Annotated[Path, typer.Option("--output", "-o", help="Folder for GeoJSON/GeoPackage layers and PNG figures.")]
CellOpt = Annotated[float | None, typer.Option("--cell-size", help="Grid cell size in metres (default: automatic rule).")]
UnweightedOpt = Annotated[bool, typer.Option("--unweighted", help="Count events instead of harm weights.")]


@app.callback()
def _setup() -> None:
    fit_to_output(console)


def _filter(category: list[str] | None, role: list[str] | None, start: str | None, end: str | None,
            unweighted: bool) -> Any:
    from hotspotwatch.workflows.detect import EventFilter

    roles = tuple(role) if role else (None if category else ("harm",))
    return EventFilter(categories=tuple(category) if category else None, roles=roles,
                       start=parse_date(start, "--start"), end=parse_date(end, "--end"), weighted=not unweighted)


def _run(fn: Any) -> Any:
    from hotspotwatch.workspace import StudyAreaError

    try:
        return fn()
    except StudyAreaError as exc:
        fail_no_study_area(exc)
    except ValueError as exc:
        fail(escape(str(exc)))
    except KeyError as exc:  # a layer or category that is not there: the message names it
        fail(escape(str(exc.args[0]) if exc.args else "not found"))


def _summary(title: str, rows: list[tuple[str, Any]]) -> None:
    table = Table(title=title, show_header=False)
    table.add_column("", style="bold")
    table.add_column("")
    for k, v in rows:
        table.add_row(k, f"{v:.3g}" if isinstance(v, float) else str(v))
    console.print(table)


@app.command("gistar")
def gistar_cmd(
    workspace: WorkspaceOpt = Path("."), category: CategoryOpt = None, role: RoleOpt = None,
    start: StartOpt = None, end: EndOpt = None, output: OutputOpt = Path("detect-output"),
    cell_size: CellOpt = None, unweighted: UnweightedOpt = False,
    permutations: Annotated[int, typer.Option(help="Conditional permutations (0 = analytic).")] = 9999,
    seed: Annotated[int, typer.Option(help="Random seed.")] = 0,
    correction: Annotated[str, typer.Option(help="none, fdr_bh or holm.")] = "fdr_bh",
    bins_p: Annotated[str, typer.Option(
        "--bins-p", help="p-value of the bins: auto (permutation p unless the permutations "
                         "cannot reach a level after the correction, then analytic, as ArcGIS "
                         "Pro), permutation or analytic.")] = "auto",
    json_out: JsonOpt = False,
    study_area: StudyAreaOpt = None,
) -> None:
    """Getis-Ord Gi* hot spots on a grid over the study area (bins ±3/±2/±1 at 99/95/90 %)."""
    from hotspotwatch.workflows import detect as wf

    ws = open_workspace(workspace)
    flt = _filter(category, role, start, end, unweighted)
    area = study_area_choice(study_area, cell_size=cell_size)
    with progress_bar("Gi* permutations (cells)", enabled=progress_enabled(json_out)) as bar:
        run = _run(lambda: wf.gistar_grid(ws, flt, cell_size=cell_size, permutations=permutations,
                                          seed=seed, correction=correction, bins_p=bins_p,
                                          progress=bar, study_area=area))
    res = run.result
    frame = wf.grid_frame(run, ws.config.crs, {"value": run.counts, "z": res.z, "p": res.p_adjusted, "bin": res.bins})
    wf.write_layer(frame, output, "gistar")
    wf.write_figure(wf.bins_to_grid(run), run.grid.extent, output, "gistar", title="Gi* bins", cmap="RdBu_r",
                    diverging=True, crs=ws.config.crs)
    bins = {b: int((res.bins[run.grid.mask] == b).sum()) for b in range(-3, 4)}
    note = _reach_note(res, correction)
    if json_out:
        print_json({"run_id": run.run_id, "parameters": run.parameters, "bins": bins,
                    "bins_from": res.bins_from, "p_floor": res.p_floor,
                    "unreachable": list(res.unreachable),
                    "permutations_needed": res.permutations_needed, "note": note})
        return
    _summary("Gi* hot spots", [("cells", run.grid.n_cells), ("cell size", run.grid.cell_size_rule),
                               ("hot 99/95/90 %", f"{bins[3]}/{bins[2]}/{bins[1]}"),
                               ("cold 99/95/90 %", f"{bins[-3]}/{bins[-2]}/{bins[-1]}"),
                               ("inference", f"{permutations} permutations, two-sided, {correction}"),
                               ("bins from", f"{res.bins_from} p-values"),
                               ("output", str(output))])
    if note:
        console.print(note, highlight=False)


def _reach_note(res: Any, correction: str) -> str | None:
    """One sentence when the permutations could not reach a level after the correction."""
    if not res.unreachable:
        return None
    levels = "/".join(f"{1 - a:.0%}" for a in res.unreachable)
    done = ("the bins use the analytic p-values (as ArcGIS Pro does)"
            if res.bins_from == "analytic" else "the bins keep the permutation p-values, so "
            "those cells are shown below their level")
    return (f"With {res.permutations} permutations (smallest p {res.p_floor:.2g}) and the "
            f"{correction} correction over {res.n} cells, permutation p-values cannot reach "
            f"{levels}: {done}; about {res.permutations_needed} permutations would reach "
            f"{1 - res.unreachable[0]:.0%}.")


@app.command("lisa")
def lisa_cmd(
    workspace: WorkspaceOpt = Path("."), category: CategoryOpt = None, role: RoleOpt = None,
    start: StartOpt = None, end: EndOpt = None, output: OutputOpt = Path("detect-output"),
    cell_size: CellOpt = None, unweighted: UnweightedOpt = False,
    permutations: Annotated[int, typer.Option(help="Conditional permutations.")] = 9999,
    seed: Annotated[int, typer.Option(help="Random seed.")] = 0, json_out: JsonOpt = False,
    study_area: StudyAreaOpt = None,
) -> None:
    """Local Moran clusters (HH, LH, LL, HL) on a grid."""
    from hotspotwatch.workflows import detect as wf

    ws = open_workspace(workspace)
    area = study_area_choice(study_area, cell_size=cell_size)
    run = _run(lambda: wf.lisa_grid(ws, _filter(category, role, start, end, unweighted), cell_size=cell_size,
                                    permutations=permutations, seed=seed, study_area=area))
    res = run.result
    frame = wf.grid_frame(run, ws.config.crs, {"Is": res.Is, "quadrant": res.quadrant, "cluster": res.cluster})
    wf.write_layer(frame, output, "lisa")
    labels = {0: "not significant", 1: "HH", 2: "LH", 3: "LL", 4: "HL"}
    counts = {labels[q]: int((res.cluster == q).sum()) for q in range(5)}
    if json_out:
        print_json({"run_id": run.run_id, "clusters": counts})
        return
    _summary("Local Moran clusters", list(counts.items()))


@app.command("kde")
def kde_cmd(
    workspace: WorkspaceOpt = Path("."), category: CategoryOpt = None, role: RoleOpt = None,
    start: StartOpt = None, end: EndOpt = None, output: OutputOpt = Path("detect-output"),
    cell_size: CellOpt = None, unweighted: UnweightedOpt = False,
    bandwidth: Annotated[str, typer.Option(help="nrd, scott or metres.")] = "nrd",
    kernel: Annotated[str, typer.Option(help="quartic or gaussian.")] = "quartic", json_out: JsonOpt = False,
    study_area: StudyAreaOpt = None,
) -> None:
    """Kernel density surface (events or harm per km²): PNG map and GeoTIFF raster (kde.tif)."""
    import numpy as np

    from hotspotwatch.workflows import detect as wf
    from hotspotwatch.workflows.detect_outputs import write_kde_raster

    ws = open_workspace(workspace)
    bw: str | float = bandwidth
    with contextlib.suppress(ValueError):
        bw = float(bandwidth)
    area = study_area_choice(study_area, cell_size=cell_size)
    run = _run(lambda: wf.kde_surface(ws, _filter(category, role, start, end, unweighted), bandwidth=bw,
                                      kernel=kernel, cell_size=cell_size, study_area=area))
    res = run.result
    from hotspotwatch.workflows.study_area import study_area_of

    wf.write_figure(res.density * 1e6, res.extent, output, "kde", title=f"KDE ({res.kernel}, {res.bandwidth:.0f} m) per km²",
                    cmap="magma", outlines=[study_area_of(ws, run.parameters)], crs=ws.config.crs)
    raster = write_kde_raster(res, ws.config.crs, output)
    if json_out:
        print_json({"run_id": run.run_id, "parameters": run.parameters, "mass": res.mass,
                    "raster": str(raster), "raster_units": "per km2", "crs": ws.config.crs})
        return
    _summary("Kernel density", [("kernel", res.kernel), ("bandwidth (m)", res.bandwidth),
                                ("rule", res.bandwidth_rule), ("cell size", res.cell_size_rule),
                                ("peak per km²", float(np.nanmax(res.density)) * 1e6),
                                ("raster", f"{raster} ({ws.config.crs}, per km², nodata outside the area)"),
                                ("output", str(output))])


@app.command("concentration")
def concentration_cmd(
    workspace: WorkspaceOpt = Path("."), category: CategoryOpt = None, role: RoleOpt = None,
    start: StartOpt = None, end: EndOpt = None, cell_size: CellOpt = None, json_out: JsonOpt = False,
    study_area: StudyAreaOpt = None,
) -> None:
    """Lorenz curve, Gini and "x % of harm at y % of places" (counts and harm)."""
    from hotspotwatch.workflows import detect as wf

    ws = open_workspace(workspace)
    area = study_area_choice(study_area, cell_size=cell_size)
    run = _run(lambda: wf.concentration(ws, _filter(category, role, start, end, False), cell_size=cell_size,
                                        study_area=area))
    if json_out:
        print_json({"run_id": run.run_id, "count": run.count_table, "harm": run.harm_table})
        return
    table = Table(title="Concentration over grid cells")
    for col in ("share of", "events", "harm"):
        table.add_column(col)
    for i, s in enumerate(run.count_table.event_shares):
        table.add_row(f"{s:.0%} at", f"{run.count_table.place_shares[i]:.1%} of cells",
                      f"{run.harm_table.place_shares[i]:.1%} of cells")
    table.add_row("Gini", f"{run.count_table.gini:.3f}", f"{run.harm_table.gini:.3f}")
    table.add_row("generalised Gini", f"{run.count_table.gini_generalized:.3f}", f"{run.harm_table.gini_generalized:.3f}")
    console.print(table)


@app.command("classify")
def classify_cmd(
    start: Annotated[str, typer.Option("--start", help="First day, YYYY-MM-DD.")],
    end: Annotated[str, typer.Option("--end", help="Day after the last, YYYY-MM-DD.")],
    workspace: WorkspaceOpt = Path("."), category: CategoryOpt = None, role: RoleOpt = None,
    output: OutputOpt = Path("detect-output"), cell_size: CellOpt = None,
    periods: Annotated[int, typer.Option(help="Number of equal periods.")] = 8, json_out: JsonOpt = False,
    min_precision: Annotated[str | None, typer.Option(
        "--min-precision", help="Drop events with a coarser time precision (instant, hour, day, "
                                "month).")] = None,
    study_area: StudyAreaOpt = None,
) -> None:
    """Persistent / emerging / former / intermittent hot and cold spots (sfhotspot's scheme)."""
    from hotspotwatch.workflows import detect as wf

    ws = open_workspace(workspace)
    area = study_area_choice(study_area, cell_size=cell_size)
    run = _run(lambda: wf.classify(ws, _filter(category, role, start, end, False), n_periods=periods,
                                   cell_size=cell_size, min_precision=min_precision, study_area=area))
    frame = wf.grid_frame(run, ws.config.crs, {"category": run.result.category})
    wf.write_layer(frame, output, "classify")
    counts = run.result.counts()
    if json_out:
        typed = run.stored.result if run.stored is not None else None
        print_json({"run_id": run.run_id, "counts": counts, "parameters": run.parameters,
                    "time_precision": getattr(typed, "time_precision", None),
                    "n_dropped_precision": getattr(typed, "n_dropped_precision", 0),
                    "period_rule": getattr(typed, "period_rule", None),
                    "period_edges": [d.isoformat() for d in getattr(typed, "period_edges", ())]})
        return
    _summary("Hot-spot classification", [(k, v) for k, v in counts.items() if v])
    typed = run.stored.result if run.stored is not None else None
    if typed is not None and typed.period_rule == "calendar_months":
        console.print("Events known only to the month: period edges moved to the nearest first "
                      "of a month.", highlight=False)
    if typed is not None and typed.n_dropped_precision:
        console.print(f"{typed.n_dropped_precision} events coarser than --min-precision "
                      f"{min_precision} were left out.", highlight=False)


@app.command("coverage")
def coverage_cmd(
    workspace: WorkspaceOpt = Path("."), category: CategoryOpt = None, role: RoleOpt = None,
    start: StartOpt = None, end: EndOpt = None,
    output: OutputOpt = Path("detect-output"), cell_size: CellOpt = None,
    pre_months: Annotated[int, typer.Option(help="Months before designation to test.")] = 12,
    json_out: JsonOpt = False,
    study_area: StudyAreaOpt = None,
) -> None:
    """Is each designated hotspot a Gi* hot spot of harm before designation? Which hot spots are not designated?

    With --start and --end, one Gi* over that period instead (e.g. the last year): which
    hotspots designated then are hot, and which hot clusters lie outside every perimeter.
    """
    import geopandas as gpd

    from hotspotwatch.workflows import detect as wf

    ws = open_workspace(workspace)
    area = study_area_choice(study_area, cell_size=cell_size)
    run = _run(lambda: wf.coverage(ws, _filter(category, role, start, end, False), pre_months=pre_months,
                                   cell_size=cell_size, study_area=area))
    if not run.undesignated.empty:
        wf.write_layer(gpd.GeoDataFrame(run.undesignated, geometry="geometry", crs=ws.config.crs), output,
                       "undesignated_hotspots")
    if json_out:
        print_json({"run_id": run.run_id, "coverage": run.table.to_dict("records"),
                    "undesignated": run.undesignated.drop(columns=["geometry"], errors="ignore").to_dict("records")})
        return
    when = (f"{start} to {end}" if start and end else f"{pre_months} months before designation")
    table = Table(title=f"Designation coverage (Gi* of harm, {when})")
    for col in ("hotspot", "designated", "hot spot?", "max bin", "max z", "harm inside"):
        table.add_column(col)
    for r in run.table.itertuples():
        table.add_row(str(r.hotspot), str(r.designated), "yes" if r.statistical_hotspot else "no",
                      str(r.max_bin), f"{r.max_z:.2f}", f"{r.harm_inside:.0f}")
    console.print(table)
    # One Gi* per designation day: each group's perimeters in force decide which clusters
    # are undesignated *then*; a place designated later is rightly undesignated before it.
    groups = run.summary.groups if run.summary is not None else ()
    for g in groups:
        last = g.end - dt.timedelta(days=1)
        outside = [u for u in run.undesignated.itertuples() if u.designated_period_start == g.start]
        console.print(
            f"Gi* {g.pre_start} to {last}"
            + ("" if start and end else f" (before the designations of {g.start})")
            + "; in force: "
            f"{', '.join(g.hotspots) or 'none'}: {g.designated_harm_share:.1%} of harm on "
            f"{g.designated_area_share:.2%} of the area (PAI {g.pai:.1f}); hot clusters outside "
            f"every perimeter in force then: {len(outside)}", highlight=False)
        for u in outside:
            console.print(f"  {u.n_cells} cells, harm {u.harm:.0f}, max z {u.max_z:.1f}, "
                          f"centre x {u.x:.0f} y {u.y:.0f}", highlight=False)


@app.command("borders")
def borders_cmd(
    workspace: WorkspaceOpt = Path("."), category: CategoryOpt = None, role: RoleOpt = None,
    start: StartOpt = None, end: EndOpt = None, cell_size: CellOpt = None,
    layer: Annotated[str | None, typer.Option(
        help="Area layer of the zones (default: the workspace's zone_layer).")] = None,
    distance: Annotated[float, typer.Option(help="Distance from internal borders, metres.")] = 200.0,
    json_out: JsonOpt = False,
    study_area: StudyAreaOpt = None,
) -> None:
    """Share of harm near internal zone borders vs share of area, and clusters straddling zones."""
    from hotspotwatch.workflows import detect as wf

    ws = open_workspace(workspace)
    layer = layer or ws.config.zone_layer
    area = study_area_choice(study_area, cell_size=cell_size)
    with progress_bar(f"borders of {layer}", enabled=progress_enabled(json_out)) as bar:
        view, _ = _run(lambda: wf.borders(ws, _filter(category, role, start, end, False), layer=layer,
                                          distance=distance, cell_size=cell_size, progress=bar,
                                          study_area=area))
    if json_out:
        d = view.to_dict()
        d.pop("band", None)
        d["layer"] = layer  # the zone layer the borders are of (e.g. "neighbourhood")
        print_json(d)
        return
    _summary(f"Harm within {distance:.0f} m of internal {layer} borders",
             [("harm share", view.harm_share), ("area share", view.area_share),
              ("location quotient", view.location_quotient), ("straddling clusters", len(view.straddling))])
    for s in view.straddling:
        console.print(" / ".join(f"{z} {a:.0%}" for z, a in zip(s.zones, s.area_shares, strict=True)))
