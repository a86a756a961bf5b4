"""Writers for ``hotspotwatch export``: GeoJSON, GeoPackage, CSV and (Geo)Parquet."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import geopandas as gpd
import pandas as pd

from hotspotwatch.io.errors import SourceError

EXPORT_FORMATS: tuple[str, ...] = ("geojson", "gpkg", "csv", "parquet")


def _jsonify(value: Any) -> Any:
    if isinstance(value, (dict, list, tuple)):
        return json.dumps(value, ensure_ascii=False, default=str)
    return value


def _flat(gdf: gpd.GeoDataFrame, *, keep_nested: bool) -> gpd.GeoDataFrame:
    """Copy with nested values as JSON text (unless kept) and datetimes as ISO 8601 text."""
    out = gdf.copy()
    for col in out.columns:
        if col == out.geometry.name:
            continue
        s = out[col]
        if isinstance(s.dtype, pd.DatetimeTZDtype) or pd.api.types.is_datetime64_any_dtype(s.dtype):
            out[col] = s.map(lambda t: None if pd.isna(t) else t.isoformat())
        elif s.dtype == object and not keep_nested:
            out[col] = s.map(_jsonify)
        elif s.dtype == object:
            out[col] = s.map(lambda v: v if isinstance(v, (dict, list)) or v is None
                             or not hasattr(v, "isoformat") else v.isoformat())
    return out


def write_frame(gdf: gpd.GeoDataFrame, fmt: str, path: str | Path, *, layer_name: str = "data") -> int:
    """Write a GeoDataFrame; return the number of rows written.

    Parameters
    ----------
    gdf : GeoDataFrame
        With a CRS.
    fmt : {"geojson", "gpkg", "csv", "parquet"}
        GeoJSON is reprojected to WGS84 (RFC 7946); GeoPackage and GeoParquet keep the
        frame's CRS and declare it; CSV drops the geometry for points (x/y and lon/lat are
        columns) and writes WKT for other shapes.
    path : str or Path
        Output file (overwritten).
    layer_name : str
        GeoPackage layer name.

    Raises
    ------
    ValueError
        For an unknown format.
    SourceError
        If the folder does not exist.
    """
    if fmt not in EXPORT_FORMATS:
        raise ValueError(f"fmt must be one of {', '.join(EXPORT_FORMATS)}, got {fmt!r}")
    p = Path(path)
    if not p.parent.exists():
        raise SourceError(f"{p.parent}: folder does not exist; create it or choose another -o PATH")
    if p.exists() and p.is_dir():
        raise SourceError(f"{p}: is a folder; give a file name, e.g. {p / ('export.' + fmt)}")
    if fmt == "geojson":
        flat = _flat(gdf, keep_nested=True)
        if flat.crs is not None:
            flat = flat.to_crs("EPSG:4326")
        p.write_text(flat.to_json(na="null", drop_id=True, ensure_ascii=False), encoding="utf-8")
    elif fmt == "gpkg":
        if p.exists():
            p.unlink()
        _flat(gdf, keep_nested=False).to_file(p, driver="GPKG", layer=layer_name, engine="pyogrio")
    elif fmt == "parquet":
        _flat(gdf, keep_nested=False).to_parquet(p, index=False)
    else:
        flat = _flat(gdf, keep_nested=False)
        geom = flat.geometry
        table = pd.DataFrame(flat.drop(columns=geom.name))
        if len(geom) and not (geom.geom_type == "Point").all():
            table["wkt"] = geom.to_wkt()
        elif len(geom) and "x" not in table.columns:
            table["x"], table["y"] = geom.x, geom.y
        table.to_csv(p, index=False)
    return len(gdf)
