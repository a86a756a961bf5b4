"""``hotspotwatch hotspot list|designate|extend|end``: designated places and their decisions."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.table import Table

from hotspotwatch.cli._common import (
    DatabaseUrlOpt,
    JsonOpt,
    WorkspaceOpt,
    console,
    fail,
    open_workspace,
    parse_date,
    print_json,
    workspace_point,
)


def _period_json(period: Any) -> dict[str, Any]:
    """A designation period: ``start`` and ``end`` half-open (end = first day not covered), and
    ``last_day``, the last day covered, as decisions are written."""
    return {
        "start": period.start.isoformat(),
        "end": period.end.isoformat() if period.end else None,
        "last_day": (period.end - dt.timedelta(days=1)).isoformat() if period.end else None,
    }


app = typer.Typer(
    help="Designated hotspots: perimeters and the decisions that designate, extend or end them."
)

BodyOpt = Annotated[
    str, typer.Option("--body", help="Deciding body, e.g. 'Regional Security Council'.")
]
RefOpt = Annotated[
    str | None, typer.Option("--decision-ref", help="Reference of the decision (order, minutes).")
]
NoteOpt = Annotated[str | None, typer.Option("--note", help="Free note.")]


def _perimeter(
    ws: Any, geometry: Path | None, lon: float | None, lat: float | None, radius: float
) -> Any:
    import geopandas as gpd
    import shapely

    if geometry is not None:
        if not geometry.exists():
            fail(f"{geometry}: no such file")
        try:
            frame = gpd.read_file(geometry)
        except Exception as exc:
            fail(f"{geometry}: cannot read it as a vector file ({exc})")
        if frame.crs is None:
            fail(
                f"{geometry}: the file has no CRS; save it with one (GeoJSON is WGS84 by definition)"
            )
        frame = frame.to_crs(ws.config.crs)
        geom = shapely.union_all(frame.geometry.to_numpy())
        if geom.geom_type not in ("Polygon", "MultiPolygon"):
            fail(f"{geometry}: the perimeter must be a polygon, found {geom.geom_type}")
        extent = ws.extent()
        if extent is not None and not geom.intersects(shapely.box(*extent)):
            fail(f"{geometry}: the perimeter lies outside the workspace extent "
                 f"[{', '.join(f'{v:.0f}' for v in extent)}] ({ws.config.crs}); check the "
                 "file's CRS (and that its coordinates are not swapped)")
        return geom
    point = workspace_point(ws, lon=lon, lat=lat, what="the centre")
    if point is None:
        fail("give the perimeter: --geometry FILE, or --lon and --lat (with --radius) for a circle")
    return shapely.Point(*point).buffer(radius, quad_segs=32)


@app.command("list")
def list_hotspots(
    workspace: WorkspaceOpt = Path("."),
    database_url: DatabaseUrlOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """List hotspots with their active designation periods."""
    ws = open_workspace(workspace, database_url)
    hs = ws.hotspots()
    periods = ws.hotspot_periods()
    rows = [
        {
            "name": r.name,
            "zone": r.zone,
            "commune": r.commune,
            "approximate": bool(r.approximate),
            "area_m2": round(float(r.geometry.area)),
            "periods": [_period_json(p) for p in periods.get(r.name, [])],
        }
        for r in hs.itertuples()
    ]
    if as_json:
        print_json(rows)
        return
    table = Table(title=f"Hotspots ({len(rows)})")
    for col in ("name", "zone", "commune", "area (ha)", "active periods"):
        table.add_column(col)
    for r in rows:
        per = (
            "; ".join(f"{p['start']} – {p['last_day'] or 'open-ended'}" for p in r["periods"])
            or "not designated"
        )
        table.add_row(
            r["name"] + (" ≈" if r["approximate"] else ""),
            str(r["zone"] or ""),
            str(r["commune"] or ""),
            f"{r['area_m2'] / 1e4:.1f}",
            per,
        )
    console.print(table)
    if any(r["approximate"] for r in rows):
        console.print("≈ perimeter is an approximation (official perimeter not published)")


@app.command("designate")
def designate(
    name: Annotated[str, typer.Argument(help="Hotspot name.")],
    start: Annotated[str, typer.Option("--start", help="First day (YYYY-MM-DD).")],
    body: BodyOpt,
    end: Annotated[
        str | None,
        typer.Option("--end", help="Last day covered (YYYY-MM-DD); open-ended if omitted."),
    ] = None,
    geometry: Annotated[
        Path | None, typer.Option("--geometry", help="Perimeter file (GeoJSON, GeoPackage...).")
    ] = None,
    lon: Annotated[
        float | None, typer.Option(help="Centre longitude (WGS84) for a circular perimeter.")
    ] = None,
    lat: Annotated[float | None, typer.Option(help="Centre latitude (WGS84).")] = None,
    radius: Annotated[float, typer.Option(help="Circle radius in metres.")] = 250.0,
    zone: Annotated[str | None, typer.Option(help="Police zone(s), e.g. 5341.")] = None,
    commune: Annotated[str | None, typer.Option(help="Commune(s).")] = None,
    decision_ref: RefOpt = None,
    note: NoteOpt = None,
    workspace: WorkspaceOpt = Path("."),
    database_url: DatabaseUrlOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Designate a place (new or existing) from START to END, recording the decision."""
    ws = open_workspace(workspace, database_url)
    s, e = parse_date(start, "--start"), parse_date(end, "--end")
    assert s is not None
    existing = set(ws.hotspots()["name"])
    if name not in existing or geometry is not None or lon is not None:
        geom = _perimeter(ws, geometry, lon, lat, radius)
        approximate = geometry is None
        ws.add_hotspot(
            name,
            geom,
            zone=zone,
            commune=commune,
            approximate=approximate,
            note=f"circle of {radius:.0f} m around the given centre" if approximate else None,
        )
    _record(
        ws,
        name,
        "designate",
        s,
        e,
        body=body,
        decision_ref=decision_ref,
        note=note,
        as_json=as_json,
    )


@app.command("extend")
def extend(
    name: Annotated[str, typer.Argument(help="Hotspot name.")],
    end: Annotated[str, typer.Option("--end", help="New last day covered (YYYY-MM-DD).")],
    body: BodyOpt,
    start: Annotated[
        str | None,
        typer.Option(
            "--start",
            help="First day of the extension (default: the day after the current period ends).",
        ),
    ] = None,
    decision_ref: RefOpt = None,
    note: NoteOpt = None,
    workspace: WorkspaceOpt = Path("."),
    database_url: DatabaseUrlOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Extend a hotspot's designation, recording the renewal decision."""
    ws = open_workspace(workspace, database_url)
    periods = ws.hotspot_periods().get(name)
    s = parse_date(start, "--start")
    if s is None:
        if not periods:
            fail(
                f"{name!r} has no designation to extend; use `hotspotwatch hotspot designate` first"
            )
        last_end = periods[-1].end
        if last_end is None:
            fail(f"{name!r} is designated without an end date; give --start for the extension")
        s = last_end
    e = parse_date(end, "--end")
    _record(
        ws, name, "extend", s, e, body=body, decision_ref=decision_ref, note=note, as_json=as_json
    )


@app.command("end")
def end_designation(
    name: Annotated[str, typer.Argument(help="Hotspot name.")],
    on: Annotated[
        str, typer.Option("--on", help="Day the designation stops (YYYY-MM-DD; not covered).")
    ],
    body: BodyOpt,
    decision_ref: RefOpt = None,
    note: NoteOpt = None,
    workspace: WorkspaceOpt = Path("."),
    database_url: DatabaseUrlOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """End a hotspot's designation on a day, recording the decision."""
    ws = open_workspace(workspace, database_url)
    d = parse_date(on, "--on")
    assert d is not None
    _record(
        ws, name, "end", d, None, body=body, decision_ref=decision_ref, note=note, as_json=as_json
    )


def _record(
    ws: Any,
    name: str,
    action: str,
    start: dt.date,
    end: dt.date | None,
    *,
    body: str,
    decision_ref: str | None,
    note: str | None,
    as_json: bool,
) -> None:
    """Store one decision (clear one-line error on a bad one) and print the active periods."""
    try:
        did = ws.add_designation(
            name,
            action=action,
            start=start,
            end=end,
            body=body,
            decision_ref=decision_ref,
            note=note,
        )
    except (KeyError, ValueError) as exc:
        fail(str(exc).strip("'\""))
    periods = ws.hotspot_periods().get(name, [])
    out: dict[str, Any] = {
        "hotspot": name,
        "designation_id": did,
        "action": action,
        "start": start.isoformat(),
        "end": end.isoformat() if end else None,
        "active_periods": [_period_json(p) for p in periods],
    }
    if as_json:
        print_json(out)
    else:
        console.print(f"Recorded [bold]{action}[/] for [bold]{name}[/] (decision #{did}).")
        for p in out["active_periods"]:
            console.print(f"  active {p['start']} – {p['last_day'] or 'open-ended'} (last day)")
