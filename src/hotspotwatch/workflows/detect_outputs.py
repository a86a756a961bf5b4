"""Files written by the detection commands: grid layers (GeoJSON, GeoPackage) and PNG maps."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import shapely


def grid_frame(run: Any, crs: str, columns: dict[str, np.ndarray]) -> Any:
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


def bins_to_grid(run: Any) -> np.ndarray:
    """Gi* bins as a float grid with NaN outside the study area (for maps)."""
    out = np.asarray(run.result.bins, dtype=float).copy()
    out[~run.grid.mask] = np.nan
    return out


def shapely_union(geoms: Iterable[Any]) -> Any:
    """Union of geometries (empty polygon for none)."""
    items = list(geoms)
    return shapely.union_all(items) if items else shapely.Polygon()


__all__ = ["bins_to_grid", "grid_frame", "shapely_union", "write_figure", "write_layer"]
