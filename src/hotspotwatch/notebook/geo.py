"""``to_geodataframe()`` and ``explore()`` of the spatial result types.

:data:`FRAMES` maps ``"module:Class"`` to ``(result) -> (columns, geometries, column to
colour by)``. Geometries are in the workspace CRS, which results do not store: pass
``crs=ws.config.crs``. Alerts know their longitude/latitude and default to EPSG:4326.
geopandas and folium are imported only here, when asked for.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import numpy as np
import shapely

from hotspotwatch.notebook import type_key

if TYPE_CHECKING:
    import geopandas as gpd

Frame = tuple[dict[str, Any], Any, str | None]
FRAMES: dict[str, Callable[[Any], Frame]] = {}
#: Types whose geometries are longitude/latitude unless a CRS is given.
LONLAT: set[str] = set()

_A = "hotspotwatch.analysis."


def _register(*keys: str) -> Callable[[Callable[[Any], Frame]], Callable[[Any], Frame]]:
    def deco(fn: Callable[[Any], Frame]) -> Callable[[Any], Frame]:
        for k in keys:
            FRAMES[_A + k] = fn
        return fn

    return deco


def is_spatial(result: Any) -> bool:
    """Whether ``result`` has a :func:`render` (a GeoDataFrame view)."""
    return type_key(result) in FRAMES


def render(result: Any, crs: Any = None) -> gpd.GeoDataFrame:
    """The GeoDataFrame of ``result`` in ``crs`` (the workspace CRS the result was computed in)."""
    import geopandas as gpd

    key = type_key(result)
    if key not in FRAMES:
        raise TypeError(f"{type(result).__name__} has no geometry; use _repr_html_() or plot()")
    columns, geometry, _ = FRAMES[key](result)
    if key in LONLAT and crs is None:
        columns, geometry = columns, columns.pop("_lonlat")
        crs = "EPSG:4326"
    else:
        columns.pop("_lonlat", None)
    return gpd.GeoDataFrame(columns, geometry=list(geometry), crs=crs)


def explore(result: Any, crs: Any = None, **kwargs: Any) -> Any:
    """A folium map (``GeoDataFrame.explore``) coloured by the result's main column."""
    frame = render(result, crs)
    if frame.crs is None:
        raise ValueError(f"{type(result).__name__}.explore() needs the workspace CRS: pass crs=ws.config.crs")
    _, _, column = FRAMES[type_key(result)](result)
    if column is not None and column in frame and "column" not in kwargs:
        kwargs["column"] = column
    return frame.explore(**kwargs)


def _cells(grid: Any) -> Any:
    return grid.to_grid().polygons()


def _masked(values: Any, grid: Any) -> np.ndarray:
    return np.asarray(values)[np.asarray(grid.mask, dtype=bool)]


@_register("detect.gridded:GiStarRun")
def gistar(r: Any) -> Frame:
    """One row per cell: count, z, p (adjusted), bin."""
    g = r.grid
    return ({"count": _masked(r.counts, g), "z": _masked(r.gistar.z, g),
             "p_adjusted": _masked(r.gistar.p_adjusted, g), "bin": _masked(r.gistar.bins, g)},
            _cells(g), "bin")


@_register("detect.gridded:LocalMoranRun")
def lisa(r: Any) -> Frame:
    """One row per cell: value, local I, p, cluster (0 none, 1 HH, 2 LH, 3 LL, 4 HL)."""
    g = r.grid
    p = r.lisa.p_sim if r.lisa.p_sim is not None else r.lisa.p_norm
    return ({"value": _masked(r.counts, g), "I": np.asarray(r.lisa.Is), "p": np.asarray(p),
             "cluster": np.asarray(r.lisa.cluster)}, _cells(g), "cluster")


@_register("detect.gridded:KDERun")
def kde(r: Any) -> Frame:
    """One row per cell with a density: events per km²."""
    g = r.grid
    return ({"density_km2": _masked(r.kde.density, g) * 1e6}, _cells(g), "density_km2")


@_register("detect.gridded:ClassifyRun")
def classify(r: Any) -> Frame:
    """One row per cell: class, hot and cold shares of the periods."""
    c = r.classify
    return ({"category": np.asarray(c.category).astype(str), "hot_share": np.asarray(c.hot_share),
             "cold_share": np.asarray(c.cold_share), "total": _masked(r.totals, r.grid)},
            _cells(r.grid), "category")


@_register("spacetime.results:EmergingRun")
def emerging(r: Any) -> Frame:
    """One row per cell: emerging category and Mann-Kendall trend z."""
    e = r.emerging
    return ({"category": list(e.category), "trend_z": np.asarray(e.trend_z),
             "count_trend_tau": np.asarray(e.count_trend_tau)}, _cells(r.grid), "category")


@_register("detect.coverage:CoverageSummary")
def coverage(r: Any) -> Frame:
    """One row per statistical hot-spot cluster no place covers."""
    u = r.undesignated
    return ({"designated_period_start": [x.designated_period_start for x in u],
             "n_cells": [x.n_cells for x in u], "harm": [x.harm for x in u],
             "max_z": [x.max_z for x in u]}, [shapely.from_wkt(x.wkt) for x in u], "harm")


@_register("detect.borders:BorderResult")
def borders(r: Any) -> Frame:
    """The band along the zone borders (one row)."""
    return ({"distance": [r.distance], "harm_share": [r.harm_share], "area_share": [r.area_share],
             "location_quotient": [r.location_quotient]}, [r.band], None)


@_register("evaluate.strategy:StrategyEvaluation", "evaluate.hotspot:HotspotEvaluation")
def strategy(s: Any) -> Frame:
    """One row per place and buffer ring (the rings the evaluation counted in), with its verdict."""
    cols: dict[str, list[Any]] = {k: [] for k in ("hotspot", "inner_m", "outer_m", "irr", "verdict",
                                                  "ring_pre", "ring_post")}
    geoms = []
    for h in getattr(s, "hotspots", (s,)):
        for ring in h.rings:
            cols["hotspot"].append(h.name)
            cols["inner_m"].append(ring.inner_m)
            cols["outer_m"].append(ring.outer_m)
            cols["irr"].append(h.did.irr)
            cols["verdict"].append(h.verdict.label)
            cols["ring_pre"].append(ring.pre)
            cols["ring_post"].append(ring.post)
            geoms.append(shapely.from_wkt(ring.wkt))
    return cols, geoms, "irr"


@_register("spacetime.results:RecentAlerts")
def alerts(r: Any) -> Frame:
    """One point per recent incident (workspace x/y with ``crs=``, else longitude/latitude)."""
    a = r.alerts
    cols: dict[str, Any] = {"event_id": [x.event_id for x in a], "category": [x.category for x in a],
                            "when": [x.when for x in a], "until": [x.until for x in a],
                            "active": [x.active for x in a], "elevated": [x.elevated for x in a],
                            "radius_m": [x.radius_m for x in a]}
    cols["_lonlat"] = shapely.points([x.lon for x in a], [x.lat for x in a]) if a else []
    return cols, shapely.points([x.x for x in a], [x.y for x in a]) if a else [], "active"


LONLAT.add(_A + "spacetime.results:RecentAlerts")
