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
        gdf.insert(gdf.columns.get_loc("occurred_at") + 1, "local_time",
                   local_times(gdf["occurred_at"], gdf["time_precision"], ws.config.timezone))
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


_PRECISION_FORMAT = {"month": "%Y-%m", "day": "%Y-%m-%d", "hour": "%Y-%m-%d %H:00"}


def local_times(occurred_at: pd.Series, precision: pd.Series, timezone: str) -> pd.Series:
    """Each instant as the local calendar text of its precision: ``2022-01`` (month),
    ``2022-01-01`` (day), ``2022-01-01 14:00`` (hour), else ``2022-01-01T14:05:09``.

    The UTC instant of a day-precision event is the local midnight (``2021-12-31T23:00Z`` in
    Paris): read in a spreadsheet, it falls on the previous day at a time nobody recorded.

    Examples
    --------
    >>> t = pd.Series(pd.to_datetime(["2021-12-31T23:00:00Z", "2024-03-01T13:05:09Z"]))
    >>> local_times(t, pd.Series(["day", "instant"]), "Europe/Paris").tolist()
    ['2022-01-01', '2024-03-01T14:05:09']
    """
    local = pd.to_datetime(occurred_at, utc=True).dt.tz_convert(timezone)
    out = local.dt.strftime("%Y-%m-%dT%H:%M:%S").to_numpy(dtype=object)
    for name, fmt in _PRECISION_FORMAT.items():
        mask = (precision == name).to_numpy()
        if mask.any():
            out[mask] = local[mask].dt.strftime(fmt).to_numpy(dtype=object)
    return pd.Series(out, index=occurred_at.index, dtype=object)


__all__ = ["ExportFormat", "ExportWhat", "export", "local_times"]
