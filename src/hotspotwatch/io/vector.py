"""GeoJSON and GeoPackage readers (through pyogrio)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from hotspotwatch.io.errors import SourceError
from hotspotwatch.io.raw import RawTable, check_file, dedupe_names


def list_layers(path: str | Path) -> list[str]:
    """Layer names of a vector file."""
    import pyogrio

    p = check_file(path)
    try:
        return [str(name) for name, _geom in pyogrio.list_layers(p)]
    except Exception as exc:  # pyogrio raises DataSourceError and friends
        raise SourceError(f"{p}: not a readable GeoJSON/GeoPackage file ({exc})") from None


def read_vector(path: str | Path, *, layer: str | None = None, fmt: str = "geojson") -> RawTable:
    """Read the features of a GeoJSON or GeoPackage layer.

    Parameters
    ----------
    path : str or Path
        The file.
    layer : str, optional
        Layer name; required when a GeoPackage has several layers.
    fmt : {"geojson", "gpkg"}
        Recorded in the table.

    Raises
    ------
    SourceError
        Missing file, unreadable file, unknown layer, or several layers and none chosen.
    """
    import pyogrio

    p = check_file(path)
    layers = list_layers(p)
    if layer is None and len(layers) > 1:
        raise SourceError(
            f"{p}: has {len(layers)} layers ({', '.join(layers)}); choose one with "
            'layer = "NAME" under [read] in the mapping (or --layer)'
        )
    if layer is not None and layer not in layers:
        import difflib

        close = difflib.get_close_matches(layer, layers, n=1)
        hint = f" — did you mean {close[0]!r}?" if close else f"; layers: {', '.join(layers)}"
        raise SourceError(f"{p}: no layer {layer!r}{hint}")
    try:
        gdf = pyogrio.read_dataframe(p, layer=layer)
    except Exception as exc:
        raise SourceError(f"{p}: cannot read features ({exc})") from None
    geometry = None
    crs = None
    if "geometry" in gdf.columns and hasattr(gdf, "crs"):
        geometry = np.asarray(gdf.geometry.values, dtype=object)
        crs = gdf.crs.to_string() if gdf.crs is not None else None
        frame = pd.DataFrame(gdf.drop(columns="geometry"))
    else:
        frame = pd.DataFrame(gdf)
    frame = frame.reset_index(drop=True)
    frame.columns = dedupe_names([str(c) for c in frame.columns])
    return RawTable(
        path=p,
        fmt=fmt,
        frame=frame,
        row_numbers=np.arange(1, len(frame) + 1, dtype=np.int64),
        geometry=geometry,
        crs=crs,
    )
