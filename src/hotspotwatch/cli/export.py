"""``hotspotwatch export events|areas|hotspots --format geojson|gpkg|csv|parquet -o PATH``."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape

from hotspotwatch.cli._common import (
    DatabaseUrlOpt,
    JsonOpt,
    WorkspaceOpt,
    console,
    fail,
    open_workspace,
    print_json,
)

app = typer.Typer(help="Export events, areas or hotspots to GeoJSON, GeoPackage, CSV or Parquet.",
                  no_args_is_help=True)

FormatOpt = Annotated[
    str | None,
    typer.Option("--format", "-f", help="geojson | gpkg | csv | parquet (default: from the -o extension)."),
]
OutOpt = Annotated[Path, typer.Option("--output", "-o", help="Output file (overwritten).")]
_EXT = {".geojson": "geojson", ".json": "geojson", ".gpkg": "gpkg", ".csv": "csv", ".parquet": "parquet"}


def _run(what: str, fmt: str | None, output: Path, workspace: Path, database_url: str | None,
         as_json: bool, layer: str | None = None) -> None:
    from hotspotwatch.io.errors import SourceError
    from hotspotwatch.io.writers import EXPORT_FORMATS
    from hotspotwatch.workflows.ingest import export

    kind = fmt or _EXT.get(output.suffix.lower())
    if kind is None:
        fail(f"--format: cannot tell the format from {output.name!r}; use --format "
             f"{'|'.join(EXPORT_FORMATS)}")
    if kind not in EXPORT_FORMATS:
        fail(f"--format {kind!r} is not one of {', '.join(EXPORT_FORMATS)}")
    ws = open_workspace(workspace, database_url)
    try:
        if layer is not None and layer not in ws.area_layers():
            fail(f"--layer {layer!r}: no such area layer; layers: {', '.join(ws.area_layers()) or 'none'}")
        n = export(ws, what, kind, output, layer=layer)
    except SourceError as exc:
        fail(escape(str(exc)))
    finally:
        ws.close()
    if as_json:
        print_json({"what": what, "format": kind, "path": str(output), "count": n})
    else:
        console.print(f"wrote {n:,} {what} to {output} ({kind})")


@app.command("events")
def events(output: OutOpt, fmt: FormatOpt = None, workspace: WorkspaceOpt = Path("."),
           database_url: DatabaseUrlOpt = None, as_json: JsonOpt = False) -> None:
    """Export all events (points; x/y in the workspace CRS, lon/lat WGS84)."""
    _run("events", fmt, output, workspace, database_url, as_json)


@app.command("areas")
def areas(output: OutOpt, fmt: FormatOpt = None,
          layer: Annotated[str | None, typer.Option("--layer", help="Only this area layer.")] = None,
          workspace: WorkspaceOpt = Path("."), database_url: DatabaseUrlOpt = None,
          as_json: JsonOpt = False) -> None:
    """Export area polygons (all layers, or one with --layer)."""
    _run("areas", fmt, output, workspace, database_url, as_json, layer=layer)


@app.command("hotspots")
def hotspots(output: OutOpt, fmt: FormatOpt = None, workspace: WorkspaceOpt = Path("."),
             database_url: DatabaseUrlOpt = None, as_json: JsonOpt = False) -> None:
    """Export hotspot perimeters with their designation decisions."""
    _run("hotspots", fmt, output, workspace, database_url, as_json)
