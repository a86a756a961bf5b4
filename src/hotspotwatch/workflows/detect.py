"""Detection workflows: read events and areas from a workspace, run the detection
statistics, record each run, and write layers and figures.

Report and web code call these functions (never the store). Each returns a small result
object holding the grid, the analysis result and the id of the recorded run.
"""

from __future__ import annotations

import datetime as dt
import itertools
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import shapely

from hotspotwatch.analysis._result import to_jsonable
from hotspotwatch.analysis.detect import (
    BorderResult,
    ClassifyResult,
    ConcentrationTable,
    CoverageResult,
    GiStarResult,
    KDEResult,
    LocalMoranResult,
    LorenzResult,
    border_view,
    concentration_table,
    designation_coverage,
    hotspot_classify,
    local_moran,
    lorenz,
)
from hotspotwatch.analysis.detect import (
    gistar_grid as _gistar_grid,
)
from hotspotwatch.analysis.detect import (
    kde as _kde,
)
from hotspotwatch.geo.grid import Grid, make_grid


@dataclass(frozen=True)
class EventFilter:
    """Which events a detection run uses (``[start, end)``, workspace time zone)."""

    categories: tuple[str, ...] | None = None
    roles: tuple[str, ...] | None = ("harm",)
    start: dt.date | None = None
    end: dt.date | None = None
    weighted: bool = True

    def parameters(self) -> dict[str, Any]:
        return {"categories": list(self.categories) if self.categories else None,
                "roles": list(self.roles) if self.roles else None,
                "start": self.start.isoformat() if self.start else None,
                "end": self.end.isoformat() if self.end else None, "weighted": self.weighted}


def load_points(ws: Any, flt: EventFilter) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """x, y and weight (harm weight if ``flt.weighted`` else 1) of the selected events."""
    ev = ws.events(categories=flt.categories, roles=flt.roles, start=flt.start, end=flt.end)
    x = ev["x"].to_numpy(float)
    y = ev["y"].to_numpy(float)
    w = ev["harm_weight"].to_numpy(float) if flt.weighted else np.ones(x.size)
    return x, y, w


def study_grid(ws: Any, *, cell_size: float | None = None, kind: str = "square") -> Grid:
    """Grid over the workspace's study area (see :func:`hotspotwatch.geo.grid.make_grid`)."""
    return make_grid(ws.study_area(), cell_size=cell_size, kind=kind)  # type: ignore[arg-type]


@dataclass(frozen=True)
class GridRun:
    """A statistic on a grid, with the counts it used and the recorded run id."""

    kind: str
    grid: Grid
    counts: np.ndarray
    result: Any
    run_id: int
    parameters: dict[str, Any]


def _record(ws: Any, kind: str, parameters: dict[str, Any], result: dict[str, Any]) -> int:
    return int(ws.record_run(kind, to_jsonable(parameters), to_jsonable(result)))


def gistar_grid(
    ws: Any, flt: EventFilter = EventFilter(), *, cell_size: float | None = None,
    neighbourhood: str = "queen", radius: float = 1, permutations: int = 9999, seed: int | None = 0,
    correction: str = "fdr_bh",
) -> GridRun:
    """Gi* hot spots of (harm-weighted) events on a square grid over the study area."""
    grid = study_grid(ws, cell_size=cell_size)
    x, y, w = load_points(ws, flt)
    counts = grid.count(x, y, w)
    res: GiStarResult = _gistar_grid(counts, mask=grid.mask, neighbourhood=neighbourhood,  # type: ignore[arg-type]
                                     radius=radius, permutations=permutations, seed=seed,
                                     correction=correction)  # type: ignore[arg-type]
    params = {**flt.parameters(), "cell_size": grid.cell_size, "cell_size_rule": grid.cell_size_rule,
              "neighbourhood": neighbourhood, "radius": radius, "permutations": permutations, "seed": seed,
              "correction": correction}
    # Per-cell bins on the full grid (None outside the study area) so that maps (web, report)
    # can draw the stored run without recomputing it.
    bins_grid = np.where(grid.mask, res.bins, np.nan).astype(object)
    bins_grid[~grid.mask] = None
    summary = {"n_cells": grid.n_cells, "n_events": int(x.size), "harm": float(w.sum()),
               "bin_counts": {str(b): int((res.bins[grid.mask] == b).sum()) for b in range(-3, 4)},
               "grid": {"x0": grid.x0, "y0": grid.y0, "cell_size": grid.cell_size, "shape": list(grid.shape)},
               "bins": [[None if v is None else int(v) for v in row] for row in bins_grid.tolist()]}
    return GridRun("detect.gistar", grid, counts, res, _record(ws, "detect.gistar", params, summary), params)


def lisa_grid(
    ws: Any, flt: EventFilter = EventFilter(), *, cell_size: float | None = None,
    permutations: int = 999, seed: int | None = 0, correction: str = "fdr_bh",
) -> GridRun:
    """Local Moran clusters (HH/LH/LL/HL) of events on a square grid (queen contiguity)."""
    grid = study_grid(ws, cell_size=cell_size)
    x, y, w = load_points(ws, flt)
    counts = grid.count(x, y, w)
    res: LocalMoranResult = local_moran(counts[grid.mask], grid.weights("queen"), permutations=permutations,
                                        seed=seed, correction=correction)
    params = {**flt.parameters(), "cell_size": grid.cell_size, "permutations": permutations, "seed": seed,
              "correction": correction}
    summary = {"clusters": {str(q): int((res.cluster == q).sum()) for q in range(5)}}
    return GridRun("detect.lisa", grid, counts, res, _record(ws, "detect.lisa", params, summary), params)


def kde_surface(
    ws: Any, flt: EventFilter = EventFilter(), *, bandwidth: str | float = "nrd", kernel: str = "quartic",
    cell_size: float | None = None,
) -> GridRun:
    """Kernel density of (harm-weighted) events over the study area."""
    area = ws.study_area()
    x, y, w = load_points(ws, flt)
    res: KDEResult = _kde(x, y, weights=w, bandwidth=bandwidth, kernel=kernel,  # type: ignore[arg-type]
                          cell_size=cell_size, area=area)
    params = {**flt.parameters(), "bandwidth": res.bandwidth, "bandwidth_rule": res.bandwidth_rule,
              "kernel": kernel, "cell_size": res.cell_size[0], "cell_size_rule": res.cell_size_rule}
    summary = {"mass": res.mass, "total_weight": res.total_weight, "max_density": float(np.nanmax(res.density))}
    grid = Grid(kind="square", cell_size=res.cell_size[0], x0=res.extent[0], y0=res.extent[1],
                shape=res.density.shape, mask=np.isfinite(res.density), cell_size_rule=res.cell_size_rule)
    return GridRun("detect.kde", grid, res.density, res, _record(ws, "detect.kde", params, summary), params)


@dataclass(frozen=True)
class ConcentrationRun:
    """Concentration of events and of harm over grid cells."""

    grid: Grid
    count_lorenz: LorenzResult
    harm_lorenz: LorenzResult
    count_table: ConcentrationTable
    harm_table: ConcentrationTable
    run_id: int


def concentration(ws: Any, flt: EventFilter = EventFilter(), *, cell_size: float | None = None) -> ConcentrationRun:
    """Lorenz curves, Gini (ordinary and generalised) and "x % of harm at y % of cells"."""
    grid = study_grid(ws, cell_size=cell_size)
    x, y, w = load_points(ws, flt)
    counts = grid.count(x, y)[grid.mask]
    harm = grid.count(x, y, w)[grid.mask]
    res = ConcentrationRun(grid, lorenz(counts), lorenz(harm), concentration_table(counts),
                           concentration_table(harm), 0)
    params = {**flt.parameters(), "cell_size": grid.cell_size}
    summary = {"count": res.count_table.to_dict(), "harm": res.harm_table.to_dict()}
    return ConcentrationRun(res.grid, res.count_lorenz, res.harm_lorenz, res.count_table, res.harm_table,
                            _record(ws, "detect.concentration", params, summary))


def _period_edges(start: dt.date, end: dt.date, n_periods: int) -> list[dt.date]:
    days = (end - start).days
    if days < n_periods:
        raise ValueError(f"the period {start}..{end} is shorter than {n_periods} days; use fewer periods")
    return [start + dt.timedelta(days=round(i * days / n_periods)) for i in range(n_periods + 1)]


def classify(
    ws: Any, flt: EventFilter, *, n_periods: int = 8, cell_size: float | None = None,
    critical_p: float = 0.05, hotspot_prop: float = 0.1, persistent_prop: float = 0.8, recent_prop: float = 0.2,
) -> GridRun:
    """Persistent / emerging / former / intermittent hot spots over ``n_periods`` equal periods."""
    if flt.start is None or flt.end is None:
        raise ValueError("classification needs --start and --end (the span split into periods)")
    grid = study_grid(ws, cell_size=cell_size)
    edges = _period_edges(flt.start, flt.end, n_periods)
    zs, ps = [], []
    total = np.zeros(grid.shape)
    for a, b in itertools.pairwise(edges):
        sub = EventFilter(flt.categories, flt.roles, a, b, flt.weighted)
        x, y, w = load_points(ws, sub)
        counts = grid.count(x, y, w)
        total += np.nan_to_num(counts)
        if np.nanstd(counts) == 0:
            zs.append(np.zeros(grid.n_cells))
            ps.append(np.ones(grid.n_cells))
            continue
        gi = _gistar_grid(counts, mask=grid.mask)
        zs.append(gi.z[grid.mask])
        ps.append(gi.p_norm[grid.mask])
    res: ClassifyResult = hotspot_classify(np.array(zs), np.array(ps), critical_p=critical_p,
                                           hotspot_prop=hotspot_prop, persistent_prop=persistent_prop,
                                           recent_prop=recent_prop)
    params = {**flt.parameters(), "n_periods": n_periods, "cell_size": grid.cell_size,
              "period_edges": [e.isoformat() for e in edges]}
    return GridRun("detect.classify", grid, total, res, _record(ws, "detect.classify", params, res.counts()),
                   params)


@dataclass(frozen=True)
class CoverageRun:
    """Designation coverage table and undesignated hot clusters."""

    table: pd.DataFrame
    results: list[CoverageResult]
    undesignated: pd.DataFrame
    run_id: int
    parameters: dict[str, Any] = field(default_factory=dict)


def _in_force(periods: dict[str, list[Any]], first: dt.date, last: dt.date) -> list[str]:
    """Hotspots with a designation period overlapping the days ``[first, last]``."""
    return [name for name, ps in periods.items()
            if any(p.start <= last and (p.end is None or p.end > first) for p in ps)]


def _coverage_rows(res: CoverageResult, names: Sequence[str], first: dict[str, dt.date], pre_start: dt.date,
                   end: dt.date) -> list[dict[str, Any]]:
    rows = []
    for k, name in enumerate(res.hotspot_ids):
        if name not in names:
            continue
        rows.append({"hotspot": name, "designated": first[name], "pre_start": pre_start, "period_end": end,
                     "statistical_hotspot": bool(res.is_hotspot[k]), "max_bin": int(res.max_bin[k]),
                     "max_z": float(res.max_z[k]), "hot_area_share": float(res.hot_area_share[k]),
                     "harm_inside": float(res.harm_inside[k]), "pai_all": res.pai})
    return rows


def _undesignated_rows(res: CoverageResult, label: dt.date) -> list[dict[str, Any]]:
    return [{"designated_period_start": label, "n_cells": c.n_cells, "harm": c.harm, "max_z": c.max_z,
             "x": c.geometry.centroid.x, "y": c.geometry.centroid.y, "geometry": c.geometry}
            for c in res.undesignated]


def coverage(
    ws: Any, flt: EventFilter = EventFilter(), *, pre_months: int = 12, cell_size: float | None = None,
    correction: str = "fdr_bh", min_bin: int = 2,
) -> CoverageRun:
    """For each designated hotspot: was it a Gi* hot spot of harm in the ``pre_months`` before designation?

    Hotspots designated on the same day share one Gi* run on the pre-period. Also lists the
    hot clusters touching no perimeter in force on that day ("unofficial focal points") and
    the PAI of the perimeters in force.

    With ``flt.start`` and ``flt.end`` set, one Gi* run covers ``[start, end)`` instead (for
    instance the last year): the table has a row for every hotspot designated at some time in
    that period, and the undesignated clusters are those touching none of their perimeters.
    ``pre_months`` is then unused.
    """
    hs = ws.hotspots()
    periods = ws.hotspot_periods()
    if hs.empty or not periods:
        raise ValueError("no designated hotspots in this workspace; import them with `hotspotwatch hotspot ...`")
    if (flt.start is None) != (flt.end is None):
        raise ValueError("give both start and end for a coverage period (or neither, for the months "
                         "before each designation)")
    if flt.start is not None and flt.end is not None and flt.end <= flt.start:
        raise ValueError(f"end ({flt.end}) must be after start ({flt.start})")
    area = ws.study_area()
    grid = study_grid(ws, cell_size=cell_size)
    first = {name: min(p.start for p in ps) for name, ps in periods.items() if ps}
    rows: list[dict[str, Any]] = []
    results: list[CoverageResult] = []
    undesignated: list[dict[str, Any]] = []
    by_start: dict[dt.date, list[str]] = {}
    if flt.start is not None and flt.end is not None:
        last_day = flt.end - dt.timedelta(days=1)
        by_start[flt.start] = _in_force(periods, flt.start, last_day)
        windows = {flt.start: (flt.start, flt.end, by_start[flt.start])}
    else:
        for name, start in first.items():
            by_start.setdefault(start, []).append(name)
        windows = {start: ((pd.Timestamp(start) - pd.DateOffset(months=pre_months)).date(), start,
                           _in_force(periods, start, start)) for start in by_start}
    for key, names in sorted(by_start.items()):
        pre_start, end, in_force = windows[key]
        sub = EventFilter(flt.categories, flt.roles, pre_start, end, flt.weighted)
        x, y, w = load_points(ws, sub)
        counts = grid.count(x, y, w)
        gi = _gistar_grid(counts, mask=grid.mask, correction=correction)  # type: ignore[arg-type]
        # All perimeters in force (not only this group's) decide which clusters are undesignated.
        sel = hs[hs["name"].isin(sorted(set(in_force) | set(names)))]
        res = designation_coverage(list(sel.geometry), grid, gi.z, gi.bins, x=x, y=y, harm=w, study_area=area,
                                   hotspot_ids=list(sel["name"]), min_bin=min_bin)
        results.append(res)
        rows += _coverage_rows(res, names, first, pre_start, end)
        undesignated += _undesignated_rows(res, key)
    table = pd.DataFrame(rows)
    und = pd.DataFrame(undesignated)
    params = {**flt.parameters(), "pre_months": pre_months if flt.start is None else None,
              "cell_size": grid.cell_size, "correction": correction, "min_bin": min_bin}
    summary = {"table": table.to_dict("records"),
               "undesignated": und.drop(columns=["geometry"], errors="ignore").to_dict("records")}
    return CoverageRun(table, results, und, _record(ws, "detect.coverage", params, summary), params)


def undesignated_hotspots(
    ws: Any, flt: EventFilter, *, cell_size: float | None = None, correction: str = "fdr_bh", min_bin: int = 2,
) -> pd.DataFrame:
    """Gi* hot clusters of harm in ``[flt.start, flt.end)`` touching no perimeter designated then.

    One row per cluster (``n_cells``, ``harm``, ``max_z``, centroid ``x``/``y``, ``geometry``),
    largest harm first; see :func:`coverage` (period mode), whose run it records.
    """
    if flt.start is None or flt.end is None:
        raise ValueError("undesignated_hotspots needs a period: set both start and end of the filter")
    run = coverage(ws, flt, cell_size=cell_size, correction=correction, min_bin=min_bin)
    return run.undesignated


def borders(
    ws: Any, flt: EventFilter = EventFilter(), *, layer: str = "police_zone", distance: float = 200.0,
    cell_size: float | None = None,
) -> tuple[BorderResult, GridRun]:
    """Harm near internal borders of ``layer`` and Gi* clusters straddling two zones."""
    zones = ws.areas(layer)
    if len(zones) < 2:
        raise ValueError(f"layer {layer!r} has fewer than two zones; import the police zones first")
    gi_run = gistar_grid(ws, flt, cell_size=cell_size, permutations=0)
    x, y, w = load_points(ws, flt)
    res = designation_coverage([], gi_run.grid, gi_run.result.z, gi_run.result.bins, x=x, y=y, harm=w,
                               study_area=ws.study_area())
    clusters = [c.geometry for c in res.clusters]
    view = border_view(x, y, list(zones.geometry), distance=distance, zone_ids=list(zones["name"]), harm=w,
                       clusters=clusters)
    params = {**flt.parameters(), "layer": layer, "distance": distance}
    _record(ws, "detect.borders", params, view.to_dict() | {"band": None})
    return view, gi_run


# ---------------------------------------------------------------------------- outputs
def grid_frame(run: GridRun, crs: str, columns: dict[str, np.ndarray]) -> Any:
    """GeoDataFrame of the masked cells with the given per-cell (grid-shaped) columns."""
    import geopandas as gpd

    data = {"cell": np.arange(run.grid.n_cells)}
    for name, arr in columns.items():
        data[name] = np.asarray(arr)[run.grid.mask] if np.asarray(arr).shape == run.grid.shape else arr
    return gpd.GeoDataFrame(data, geometry=list(run.grid.polygons()), crs=crs)


def write_layer(frame: Any, output: Path, name: str) -> list[Path]:
    """Write ``frame`` as ``name.geojson`` and as a layer of ``detect.gpkg`` in ``output``."""
    output.mkdir(parents=True, exist_ok=True)
    gj = output / f"{name}.geojson"
    frame.to_crs("EPSG:4326").to_file(gj, driver="GeoJSON")
    gpkg = output / "detect.gpkg"
    frame.to_file(gpkg, layer=name, driver="GPKG")
    return [gj, gpkg]


def write_figure(surface: np.ndarray, extent: Sequence[float], output: Path, name: str, *, title: str,
                 cmap: str = "viridis", outlines: Iterable[Any] = (), diverging: bool = False) -> Path:
    """Save a PNG map of a grid surface with optional polygon outlines."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    output.mkdir(parents=True, exist_ok=True)
    fig, ax = plt.subplots(figsize=(7, 6), dpi=120)
    kw: dict[str, Any] = {"origin": "lower", "extent": (extent[0], extent[2], extent[1], extent[3]), "cmap": cmap}
    if diverging:
        kw.update(vmin=-3, vmax=3)
    im = ax.imshow(np.ma.masked_invalid(surface), **kw)
    for geom in outlines:
        for poly in getattr(geom, "geoms", [geom]):
            if hasattr(poly, "exterior"):
                xs, ys = poly.exterior.xy
                ax.plot(xs, ys, color="black", linewidth=0.8)
    fig.colorbar(im, ax=ax, shrink=0.8)
    ax.set_title(title)
    ax.set_aspect("equal")
    path = output / f"{name}.png"
    fig.savefig(path, bbox_inches="tight")
    plt.close(fig)
    return path


def bins_to_grid(run: GridRun) -> np.ndarray:
    """Gi* bins as a float grid with NaN outside the study area (for maps)."""
    out = np.asarray(run.result.bins, dtype=float).copy()
    out[~run.grid.mask] = np.nan
    return out


def shapely_union(geoms: Iterable[Any]) -> Any:
    """Union of geometries (empty polygon for none)."""
    items = list(geoms)
    return shapely.union_all(items) if items else shapely.Polygon()
