"""Files written by the detection commands: grid layers (GeoJSON, GeoPackage), GeoTIFF
rasters and PNG maps (kilometre axes and a scale bar, :mod:`.detect_maps`)."""

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


def map_figure(surface: np.ndarray, extent: Sequence[float], *, title: str, cmap: str = "viridis",
               outlines: Iterable[Any] = (), diverging: bool = False, crs: str | None = None) -> Any:
    """A matplotlib Figure of a grid surface (row 0 south) with km axes and a scale bar."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from hotspotwatch.workflows.detect_maps import map_axes

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
    ax.set_xlim(extent[0], extent[2])
    ax.set_ylim(extent[1], extent[3])
    fig.colorbar(im, ax=ax, shrink=0.8)
    ax.set_title(title)
    map_axes(ax, crs)
    return fig


def write_figure(surface: np.ndarray, extent: Sequence[float], output: Path, name: str, *, title: str,
                 cmap: str = "viridis", outlines: Iterable[Any] = (), diverging: bool = False,
                 crs: str | None = None) -> Path:
    """Save ``name.png``: a map of a grid surface (km axes, scale bar, optional outlines)."""
    import matplotlib.pyplot as plt

    output.mkdir(parents=True, exist_ok=True)
    fig = map_figure(surface, extent, title=title, cmap=cmap, outlines=outlines, diverging=diverging, crs=crs)
    path = output / f"{name}.png"
    fig.savefig(path, bbox_inches="tight")
    plt.close(fig)
    return path


#: Value of the GeoTIFF cells outside the study area.
RASTER_NODATA = -9999.0


def write_geotiff(surface: np.ndarray, extent: Sequence[float], cell_size: Sequence[float], crs: str,
                  path: Path, *, description: str = "", nodata: float = RASTER_NODATA) -> Path:
    """Write a single-band float64 GeoTIFF (north up) of a grid surface whose row 0 is south.

    Parameters
    ----------
    surface : ndarray, shape (ny, nx)
        Values at the cell centres, row 0 the southern row; NaN = outside the study area.
    extent : sequence of float
        ``(xmin, ymin, xmax, ymax)`` of the cell edges, in ``crs``.
    cell_size : sequence of float
        ``(dx, dy)`` in CRS units.
    crs : str
        The surface's CRS (e.g. ``"EPSG:3812"``), written into the file.
    path : Path
        The ``.tif`` to write.
    description : str
        Band description (units).
    nodata : float
        Value written where ``surface`` is NaN (declared as the band's nodata).

    Returns
    -------
    Path
    """
    import rasterio
    from rasterio.transform import Affine

    data = np.flipud(np.asarray(surface, dtype=np.float64))
    data = np.where(np.isfinite(data), data, nodata)
    path.parent.mkdir(parents=True, exist_ok=True)
    transform = Affine(float(cell_size[0]), 0.0, float(extent[0]), 0.0, -float(cell_size[1]), float(extent[3]))
    with rasterio.open(path, "w", driver="GTiff", height=data.shape[0], width=data.shape[1], count=1,
                       dtype="float64", crs=crs, transform=transform, nodata=nodata,
                       compress="deflate") as dst:
        dst.write(data, 1)
        if description:
            dst.set_band_description(1, description)
    return path


def write_kde_raster(kde: Any, crs: str, output: Path, name: str = "kde") -> Path:
    """``name.tif``: the KDE density per km² (``kde`` a KDEResult), nodata outside the area."""
    return write_geotiff(np.asarray(kde.density, dtype=float) * 1e6, kde.extent, kde.cell_size, crs,
                         output / f"{name}.tif", description="density per km2")


def bins_to_grid(run: Any) -> np.ndarray:
    """Gi* bins as a float grid with NaN outside the study area (for maps)."""
    out = np.asarray(run.result.bins, dtype=float).copy()
    out[~run.grid.mask] = np.nan
    return out


def shapely_union(geoms: Iterable[Any]) -> Any:
    """Union of geometries (empty polygon for none)."""
    items = list(geoms)
    return shapely.union_all(items) if items else shapely.Polygon()


__all__ = ["RASTER_NODATA", "bins_to_grid", "grid_frame", "map_figure", "shapely_union", "write_figure",
           "write_geotiff", "write_kde_raster", "write_layer"]
