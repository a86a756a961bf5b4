"""Public pages: aggregated, disclosure-controlled, never an event point.

Every count goes through the one disclosure rule (:func:`hotspotwatch.domain.disclosure.
suppress`): below the workspace's ``disclosure_k`` (zero included) it becomes ``None``.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

import numpy as np
import shapely

from hotspotwatch.domain.disclosure import suppress
from hotspotwatch.geo.grid import Grid
from hotspotwatch.workflows.web._geo import geojson, to_lonlat_geoms
from hotspotwatch.workflows.web.cache import memoised
from hotspotwatch.workflows.web.hotspots import (
    ROLES_OF_EVENTS,
    all_months,
    hotspot_monthly,
    hotspots_geojson,
    month_span,
    monthly_counts,
)
from hotspotwatch.workflows.web.runs import evaluation_row

if TYPE_CHECKING:
    from hotspotwatch.workspace import Workspace


def _check_role(role: str) -> None:
    if role not in ROLES_OF_EVENTS:
        raise ValueError(f"role must be one of {', '.join(ROLES_OF_EVENTS)}, got {role!r}")


def aligned_grid(area: Any, cell_size: float) -> Grid:
    """Square cells aligned on multiples of ``cell_size`` covering ``area``'s bounds, the
    mask marking the cells that intersect ``area``."""
    x0, y0, x1, y1 = area.bounds
    c0 = math.floor(x0 / cell_size)
    r0 = math.floor(y0 / cell_size)
    ncol = math.floor(x1 / cell_size) - c0 + 1
    nrow = math.floor(y1 / cell_size) - r0 + 1
    rr, cc = np.meshgrid(np.arange(nrow), np.arange(ncol), indexing="ij")
    xs = (cc + c0) * cell_size
    ys = (rr + r0) * cell_size
    boxes = shapely.box(xs, ys, xs + cell_size, ys + cell_size)
    shapely.prepare(area)
    mask = np.asarray(shapely.intersects(area, boxes), dtype=bool)
    return Grid(
        kind="square",
        cell_size=float(cell_size),
        x0=float(c0 * cell_size),
        y0=float(r0 * cell_size),
        shape=(int(nrow), int(ncol)),
        mask=mask,
    )


@memoised
def public_grid(
    ws: Workspace,
    *,
    cell_size: float = 500.0,
    role: str = "harm",
    start: str | None = None,
    end: str | None = None,
    k: int | None = None,
) -> dict[str, Any]:
    """Events per square cell over the study area, counts below ``k`` set to ``None``.

    Cells are aligned on multiples of ``cell_size`` in the workspace CRS and kept when they
    intersect the study area; points are counted by :meth:`hotspotwatch.geo.grid.Grid.count`.
    ``k`` defaults to the workspace's ``disclosure_k``; ``k=1`` hides only empty cells.
    Returns a WGS84 FeatureCollection with ``count`` per cell.
    """
    if not (50 <= cell_size <= 5000):
        raise ValueError("cell_size must be between 50 and 5000 metres")
    _check_role(role)
    k = ws.config.disclosure_k if k is None else int(k)
    grid = aligned_grid(ws.study_area(), cell_size)
    frame = ws.events(roles=role, start=start, end=end)  # type: ignore[arg-type]
    counts = grid.count(frame["x"].to_numpy(float), frame["y"].to_numpy(float))
    values = counts[grid.mask]
    geoms = to_lonlat_geoms(ws, grid.polygons())
    return {
        "type": "FeatureCollection",
        "k": k,
        "cell_size": cell_size,
        "role": role,
        "features": [
            {
                "type": "Feature",
                "geometry": geojson(g),
                "properties": {"count": suppress(int(v), k)},
            }
            for g, v in zip(geoms, values, strict=True)
        ],
    }


@memoised
def public_monthly(ws: Workspace, *, role: str = "harm") -> dict[str, Any]:
    """Region-wide events per calendar month, counts below ``k`` set to ``None``."""
    _check_role(role)
    span = month_span(ws, role=role)
    months = all_months(ws, role=role)
    frame = ws.events(roles=role)  # type: ignore[arg-type]
    k = ws.config.disclosure_k
    return {
        "k": k,
        "role": role,
        "months": months,
        "counts": [suppress(int(c), k) for c in monthly_counts(ws, frame, span)],
    }


@memoised
def public_hotspots(ws: Workspace) -> dict[str, Any]:
    """Hotspot perimeters and decisions (public acts) with disclosure-controlled harm totals."""
    k = ws.config.disclosure_k
    features = []
    for feat in hotspots_geojson(ws)["features"]:
        series = hotspot_monthly(ws, int(feat["id"]))
        row = evaluation_row(ws, feat["properties"]["name"])
        props = {
            **feat["properties"],
            "harm_total": suppress(int(sum(series["harm"])), k),
            "verdict": row.get("verdict") if row else None,
        }
        features.append({**feat, "properties": props})
    return {"type": "FeatureCollection", "k": k, "features": features}


__all__ = ["aligned_grid", "public_grid", "public_hotspots", "public_monthly", "suppress"]
