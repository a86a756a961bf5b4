"""Geometry helpers of the dashboard: workspace CRS to WGS84 GeoJSON, lon/lat boxes."""

from __future__ import annotations

import json
import math
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np
import shapely
from shapely.geometry.base import BaseGeometry

from hotspotwatch.geo.crs import from_lonlat, transformer

if TYPE_CHECKING:
    from hotspotwatch.workspace import Workspace

WGS84 = "EPSG:4326"


def to_lonlat_geoms(ws: Workspace, geoms: Iterable[BaseGeometry]) -> list[BaseGeometry]:
    """Geometries in the workspace CRS as WGS84 lon/lat (1e-6 degree precision).

    Uses the cached transformer of :mod:`hotspotwatch.geo.crs`.
    """
    arr = np.asarray(list(geoms), dtype=object)
    if arr.size == 0:
        return []
    tr = transformer(ws.config.crs, WGS84)
    out = shapely.transform(arr, lambda xy: np.column_stack(tr.transform(xy[:, 0], xy[:, 1])))
    return list(shapely.set_precision(out, 1e-6))


def geojson(geom: BaseGeometry) -> dict[str, Any]:
    """A shapely geometry as a GeoJSON geometry mapping."""
    return dict(json.loads(shapely.to_geojson(geom)))


def lonlat_bbox_to_ws(
    ws: Workspace, bbox: tuple[float, float, float, float]
) -> tuple[float, float, float, float]:
    """Envelope in the workspace CRS of a WGS84 ``(west, south, east, north)`` box.

    The box is first clipped to the study area's extent (padded by 10 km): a world-sized
    box projects to infinity in a national CRS and matched nothing. A box that misses the
    extent, or that cannot be projected, is a ``ValueError`` (a 422 for the API).
    """
    w, s, e, n = _clip_to_extent(ws, bbox)
    lon = np.array([w, e, e, w, (w + e) / 2, (w + e) / 2, w, e])
    lat = np.array([s, s, n, n, s, n, (s + n) / 2, (s + n) / 2])
    x, y = from_lonlat(lon, lat, ws.config.crs)
    if not (np.isfinite(x).all() and np.isfinite(y).all()):
        raise ValueError("bbox cannot be projected to the workspace CRS; give a box near the area")
    pad = 1.0  # metres: projected edges of a lon/lat box are slightly curved
    return (float(x.min()) - pad, float(y.min()) - pad, float(x.max()) + pad, float(y.max()) + pad)


def _clip_to_extent(
    ws: Workspace, bbox: tuple[float, float, float, float]
) -> tuple[float, float, float, float]:
    from hotspotwatch.workspace import WorkspaceError

    try:
        area = ws.study_area()
    except WorkspaceError:
        return bbox
    if area.is_empty:
        return bbox
    x0, y0, x1, y1 = area.bounds
    pad = 10_000.0
    tr = transformer(ws.config.crs, WGS84)
    xs = np.array([x0 - pad, x1 + pad, x1 + pad, x0 - pad])
    ys = np.array([y0 - pad, y0 - pad, y1 + pad, y1 + pad])
    lon, lat = tr.transform(xs, ys)
    w = max(bbox[0], float(np.min(lon)))
    s = max(bbox[1], float(np.min(lat)))
    e = min(bbox[2], float(np.max(lon)))
    n = min(bbox[3], float(np.max(lat)))
    if not (w < e and s < n):
        raise ValueError("bbox lies outside the workspace's area")
    return (w, s, e, n)


def check_lonlat_bbox(bbox: Sequence[float]) -> tuple[float, float, float, float]:
    """Validate a WGS84 ``(west, south, east, north)`` box."""
    if len(bbox) != 4 or not all(math.isfinite(v) for v in bbox):
        raise ValueError("bbox must be four finite numbers: west,south,east,north (degrees)")
    w, s, e, n = (float(v) for v in bbox)
    if not (-180 <= w < e <= 180 and -90 <= s < n <= 90):
        raise ValueError(
            "bbox must be west,south,east,north in degrees with west < east and south < north"
        )
    return (w, s, e, n)


def inside(within: BaseGeometry, x: Any, y: Any) -> np.ndarray:
    """Which points ``(x, y)`` (workspace CRS) lie inside ``within``."""
    shapely.prepare(within)
    return np.asarray(
        shapely.contains_xy(within, np.asarray(x, float), np.asarray(y, float)), dtype=bool
    )


__all__ = ["check_lonlat_bbox", "geojson", "inside", "lonlat_bbox_to_ws", "to_lonlat_geoms"]
