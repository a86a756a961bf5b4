"""Parquet reader (plain Parquet or GeoParquet)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from hotspotwatch.io.errors import SourceError
from hotspotwatch.io.raw import RawTable, check_file, dedupe_names


def read_parquet(path: str | Path) -> RawTable:
    """Read a Parquet file; a GeoParquet geometry column becomes ``RawTable.geometry``.

    Raises
    ------
    SourceError
        If the file is missing or not Parquet.
    """
    import pyarrow as pa
    import pyarrow.parquet as pq

    p = check_file(path)
    try:
        meta = pq.read_schema(p).metadata or {}
    except (pa.ArrowInvalid, OSError) as exc:
        raise SourceError(f"{p}: not a readable Parquet file ({exc})") from None
    geometry = None
    crs = None
    if b"geo" in meta:
        import geopandas as gpd

        gdf = gpd.read_parquet(p)
        geometry = np.asarray(gdf.geometry.values, dtype=object)
        crs = gdf.crs.to_string() if gdf.crs is not None else None
        frame = pd.DataFrame(gdf.drop(columns=gdf.geometry.name))
    else:
        frame = pd.read_parquet(p)
    frame = frame.reset_index(drop=True)
    frame.columns = dedupe_names([str(c) for c in frame.columns])
    return RawTable(
        path=p,
        fmt="parquet",
        frame=frame,
        row_numbers=np.arange(1, len(frame) + 1, dtype=np.int64),
        geometry=geometry,
        crs=crs,
    )
