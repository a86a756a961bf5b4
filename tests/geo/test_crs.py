"""Cached transforms agree with a fresh pyproj transformer."""

from __future__ import annotations

import numpy as np
from pyproj import Transformer

from hotspotwatch.geo.crs import from_lonlat, to_lonlat, transformer


def test_round_trip_matches_pyproj() -> None:
    lon, lat = np.array([4.30, 4.35, 4.42]), np.array([50.80, 50.85, 50.88])
    x, y = from_lonlat(lon, lat, "EPSG:31370")
    ref = Transformer.from_crs("EPSG:4326", "EPSG:31370", always_xy=True).transform(lon, lat)
    np.testing.assert_allclose(x, ref[0], atol=1e-6)
    np.testing.assert_allclose(y, ref[1], atol=1e-6)
    back = to_lonlat(x, y, "EPSG:31370")
    np.testing.assert_allclose(back[0], lon, atol=1e-9)
    np.testing.assert_allclose(back[1], lat, atol=1e-9)
    assert transformer("EPSG:4326", "EPSG:31370") is transformer("EPSG:4326", "EPSG:31370")
