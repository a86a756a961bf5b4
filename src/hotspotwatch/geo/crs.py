"""Coordinate transforms: one cached :class:`pyproj.Transformer` per pair of CRSs.

Every layer that moves points between lon/lat (WGS84) and the workspace CRS, or from a
source's CRS into it, goes through :func:`transformer` (building a transformer costs
milliseconds; a dashboard request must not pay that each time).
"""

from __future__ import annotations

from functools import lru_cache
from typing import TYPE_CHECKING

import numpy as np
from numpy.typing import ArrayLike, NDArray

if TYPE_CHECKING:  # pyproj is loaded with the first transformer (opening a store needs none)
    from pyproj import Transformer

WGS84 = "EPSG:4326"


@lru_cache(maxsize=64)
def transformer(source: str, target: str) -> Transformer:
    """The (cached) transformer from ``source`` to ``target``, axis order x/y (lon/lat).

    Examples
    --------
    >>> transformer("EPSG:4326", "EPSG:3812") is transformer("EPSG:4326", "EPSG:3812")
    True
    """
    from pyproj import Transformer

    return Transformer.from_crs(source, target, always_xy=True)


def to_lonlat(
    x: ArrayLike, y: ArrayLike, crs: str
) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """Workspace coordinates (metres in ``crs``) to longitude and latitude (degrees).

    Examples
    --------
    >>> lon, lat = to_lonlat([648799.0], [670689.0], "EPSG:3812")
    >>> round(float(lon[0]), 3), round(float(lat[0]), 3)
    (4.352, 50.847)
    """
    lon, lat = transformer(crs, WGS84).transform(
        np.asarray(x, dtype=float), np.asarray(y, dtype=float)
    )
    return np.asarray(lon, dtype=float), np.asarray(lat, dtype=float)


def from_lonlat(
    lon: ArrayLike, lat: ArrayLike, crs: str
) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """Longitude and latitude (degrees) to workspace coordinates (metres in ``crs``).

    Examples
    --------
    >>> x, y = from_lonlat([4.3517], [50.8466], "EPSG:3812")
    >>> round(float(x[0])), round(float(y[0]))
    (648799, 670689)
    """
    x, y = transformer(WGS84, crs).transform(
        np.asarray(lon, dtype=float), np.asarray(lat, dtype=float)
    )
    return np.asarray(x, dtype=float), np.asarray(y, dtype=float)


__all__ = ["WGS84", "from_lonlat", "to_lonlat", "transformer"]
