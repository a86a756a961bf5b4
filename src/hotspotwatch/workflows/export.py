"""Export events, areas or hotspots from a workspace to GeoJSON, GeoPackage, CSV or Parquet."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

import pandas as pd

if TYPE_CHECKING:
    from hotspotwatch.workspace import Workspace

ExportWhat = Literal["events", "areas", "hotspots"]
ExportFormat = Literal["geojson", "gpkg", "csv", "parquet"]


def export(
    ws: Workspace,
    what: str,
    fmt: str,
    path: str | Path,
    *,
    layer: str | None = None,
) -> int:
    """Write events, areas or hotspots to a file; return the number of features written.

    GeoJSON is written in WGS84 (RFC 7946); GeoPackage and GeoParquet in the workspace CRS
    (declared in the file, so QGIS places it right); CSV has x/y (workspace CRS) and lon/lat
    for events and WKT geometry for polygons. Hotspot exports carry their designations
    (a GeoJSON export can be imported again with ``import hotspots``).

    Raises
    ------
    ValueError
        For an unknown ``what`` or ``fmt``.
    """
    from hotspotwatch.io.writers import write_frame

    if what == "events":
        gdf = ws.events()
    elif what == "areas":
        layers = [layer] if layer else ws.area_layers()
        frames = [ws.areas(name) for name in layers]
        import geopandas as gpd

        gdf = (
            gpd.GeoDataFrame(pd.concat(frames, ignore_index=True), geometry="geometry", crs=ws.config.crs)
            if frames
            else gpd.GeoDataFrame({"geometry": []}, geometry="geometry", crs=ws.config.crs)
        )
    elif what == "hotspots":
        gdf = ws.hotspots()
        des = ws.designations()
        per: dict[str, list[dict[str, Any]]] = {}
        for r in des.itertuples(index=False):
            per.setdefault(str(r.hotspot), []).append({
                "action": r.action,
                "start": str(r.start),
                "end": None if r.end is None or pd.isna(r.end) else str(r.end),
                "body": r.body,
                "decision_ref": r.decision_ref if isinstance(r.decision_ref, str) else None,
                "note": r.note if isinstance(r.note, str) else None,
            })
        gdf = gdf.copy()
        gdf["designations"] = [per.get(str(n), []) for n in gdf["name"]]
    else:
        raise ValueError(f"what must be events, areas or hotspots, got {what!r}")
    if gdf.crs is None:
        gdf = gdf.set_crs(ws.config.crs)
    return write_frame(gdf, fmt, path, layer_name=what)


__all__ = ["ExportFormat", "ExportWhat", "export"]
