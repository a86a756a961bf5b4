"""``hotspotwatch init`` and ``hotspotwatch info``."""

from __future__ import annotations

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
    print_json,
)


def register(app: typer.Typer) -> None:
    """Add ``init`` and ``info`` to the root app."""

    @app.command("init")
    def init(
        directory: Annotated[Path, typer.Argument(help="Folder to create the workspace in.")],
        crs: Annotated[
            str, typer.Option(help="Projected CRS in metres, e.g. EPSG:3812.")
        ] = "EPSG:3812",
        timezone: Annotated[
            str, typer.Option(help="IANA time zone for calendar bins.")
        ] = "Europe/Brussels",
        name: Annotated[str | None, typer.Option(help="Display name.")] = None,
        database_url: DatabaseUrlOpt = None,
        study_area: Annotated[
            Path | None,
            typer.Option(
                "--study-area",
                metavar="FILE",
                help="Polygon layer of the study area (GeoPackage, GeoJSON or Shapefile; any "
                "CRS, reprojected; several features are dissolved into one polygon).",
            ),
        ] = None,
        source_layer: Annotated[
            str | None,
            typer.Option("--source-layer", help="Layer of a multi-layer GeoPackage (--study-area)."),
        ] = None,
        as_json: JsonOpt = False,
    ) -> None:
        """Create a workspace: DIR/hotspotwatch.toml and its store (SQLite by default)."""
        from rich.markup import escape

        from hotspotwatch.config import CONFIG_FILE, ConfigError, check_crs
        from hotspotwatch.io.errors import SourceError
        from hotspotwatch.workflows.ingest_places import read_study_area, write_study_area
        from hotspotwatch.workspace import StoreError, Workspace, WorkspaceError

        area = None
        if study_area is not None and (Path(directory) / CONFIG_FILE).exists():
            fail(escape(f"{directory} is already a workspace ({CONFIG_FILE} exists); to give it "
                        f"this study area: hotspotwatch import areas {study_area} --layer region "
                        f"-w {directory}"))
        if study_area is not None:
            # read and check the polygons before anything is created
            try:
                area = read_study_area(
                    study_area, crs=check_crs(crs, where="--crs"), source_layer=source_layer
                )
            except (SourceError, ConfigError) as exc:
                fail(escape(str(exc)))
        try:
            ws = Workspace.create(
                directory, crs=crs, timezone=timezone, database_url=database_url, name=name
            )
        except (WorkspaceError, ConfigError, StoreError) as exc:
            fail(escape(str(exc)))
        info: dict[str, object] = {
            "workspace": str(ws.path),
            "crs": ws.config.crs,
            "timezone": ws.config.timezone,
            "database": ws.database_label(),
        }
        if area is not None:
            write_study_area(ws, area)
            info["study_area"] = {
                "file": area.file,
                "features": area.features,
                "area_km2": round(area.area_km2, 3),
            }
        if as_json:
            print_json(info)
        else:
            console.print(
                f"Created workspace [bold]{ws.path}[/] ({ws.config.crs}, {ws.config.timezone})"
            )
            console.print(f"Database: {info['database']}")
            if area is not None:
                console.print(
                    f"Study area: {area.area_km2:,.1f} km² from {escape(area.file)}"
                    + (f" ({area.features} features dissolved)" if area.features > 1 else ""),
                    highlight=False,
                )
            else:
                console.print(
                    "No study area yet: every analysis needs one; give it with "
                    "[cyan]hotspotwatch import areas FILE --layer region -w " + str(ws.path) + "[/]"
                )
            console.print(
                "Next: [cyan]hotspotwatch import events FILE --mapping MAP.toml -w "
                + str(ws.path)
                + "[/]"
            )
        ws.close()

    @app.command("info")
    def info(
        workspace: WorkspaceOpt = Path("."),
        database_url: DatabaseUrlOpt = None,
        as_json: JsonOpt = False,
    ) -> None:
        """Summarise a workspace: events per category and role, areas, hotspots, runs."""
        # Counts only (no frame, no geometry): the fixed cost of a command (issue 14).
        ws = open_workspace(workspace, database_url)
        stats = ws.event_stats()
        names = ws.hotspot_names()
        out = {
            "workspace": str(ws.path),
            "crs": ws.config.crs,
            "timezone": ws.config.timezone,
            "database": ws.database_label(),
            "events": {
                c: {**v, "role": ws.taxonomy[c].role if c in ws.taxonomy else None}
                for c, v in stats.items()
            },
            "area_layers": ws.area_counts(),
            "study_area": _study_area_info(ws),
            "hotspots": names,
            "analysis_runs": ws.run_count(),
            "data_fingerprint": ws.data_fingerprint(),
        }
        if as_json:
            print_json(out)
            return
        console.print(
            f"[bold]{ws.config.name}[/] — {ws.path} ({ws.config.crs}, {ws.config.timezone})"
        )
        table = Table(title=f"Events (first and last day in {ws.config.timezone})")
        for col in ("category", "role", "count", "first", "last"):
            table.add_column(col, justify="right" if col == "count" else "left")
        for cat, v in out["events"].items():
            table.add_row(
                cat, str(v["role"]), f"{v['count']:,}", str(v["first_local"]), str(v["last_local"])
            )
        console.print(table)
        console.print(f"Area layers: {out['area_layers'] or 'none'}")
        sa = out["study_area"]
        if sa is None:
            console.print(
                "Study area: none; every analysis on a grid needs one: "
                "[cyan]hotspotwatch import areas FILE --layer region[/]"
            )
        else:
            console.print(f"Study area: {sa['area_km2']:,.1f} km² ({sa['from']})", highlight=False)
        console.print(f"Hotspots ({len(names)}): {', '.join(names) or 'none'}")
        console.print(
            f"Analysis runs: {out['analysis_runs']}   data fingerprint: {out['data_fingerprint'][:16]}…"
        )
        ws.close()


def _study_area_info(ws: Any) -> dict[str, Any] | None:
    """``{"from": "layer region" | "union of all area layers", "area_km2"}``, or ``None``."""
    if not ws.has_study_area():
        return None
    source = "layer region" if "region" in ws.area_layers() else "union of all area layers"
    return {"from": source, "area_km2": round(ws.study_area_m2() / 1e6, 3)}
