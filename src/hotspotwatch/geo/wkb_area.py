"""Planar area of a WKB polygon without loading shapely (for cheap summaries).

``hotspotwatch info`` reports the study area's size; reading it through shapely would load
shapely and numpy (about 0.25 s of CPU) for one number. This module reads the WKB the store
keeps (ISO / OGC WKB and PostGIS EWKB, either byte order, 2-D or with Z / M ordinates) with
:mod:`struct` and sums the rings' shoelace areas. Anything else raises ``ValueError``; the
caller then falls back to shapely.
"""

from __future__ import annotations

import struct

_POLYGON, _MULTIPOLYGON = 3, 6
_EWKB_Z, _EWKB_M, _EWKB_SRID = 0x80000000, 0x40000000, 0x20000000


def _geometry_header(wkb: bytes, offset: int) -> tuple[str, int, int, int]:
    """Byte order, base type, ordinates per point, and the offset after the header."""
    if offset >= len(wkb):
        raise ValueError("WKB ends before a geometry header")
    order = "<" if wkb[offset] == 1 else ">"
    (code,) = struct.unpack_from(order + "I", wkb, offset + 1)
    offset += 5
    dims = 2 + bool(code & _EWKB_Z) + bool(code & _EWKB_M)
    if code & _EWKB_SRID:
        offset += 4
    code &= 0x0FFFFFFF
    iso, base = divmod(code, 1000)  # ISO: 1000 Z, 2000 M, 3000 ZM
    if iso not in (0, 1, 2, 3):
        raise ValueError(f"unknown WKB geometry type {code}")
    dims += (iso in (1, 2)) + 2 * (iso == 3)
    return order, base, dims, offset


def _polygon_area(wkb: bytes, offset: int, order: str, dims: int) -> tuple[float, int]:
    (n_rings,) = struct.unpack_from(order + "I", wkb, offset)
    offset += 4
    area = 0.0
    for ring in range(n_rings):
        (n_points,) = struct.unpack_from(order + "I", wkb, offset)
        offset += 4
        coords = struct.unpack_from(f"{order}{n_points * dims}d", wkb, offset)
        offset += 8 * n_points * dims
        xs, ys = coords[0::dims], coords[1::dims]
        # shoelace, relative to the first vertex (keeps precision at 1e5-1e6 m coordinates)
        x0, y0 = (xs[0], ys[0]) if n_points else (0.0, 0.0)
        twice = 0.0
        for i in range(n_points - 1):
            twice += (xs[i] - x0) * (ys[i + 1] - y0) - (xs[i + 1] - x0) * (ys[i] - y0)
        ring_area = abs(twice) / 2.0
        area += ring_area if ring == 0 else -ring_area  # holes after the exterior
    return area, offset


def polygon_area(wkb: bytes) -> float:
    """Planar area of a WKB Polygon or MultiPolygon, in squared CRS units.

    Parameters
    ----------
    wkb : bytes
        A Polygon or MultiPolygon (ISO or EWKB). The polygons of a MultiPolygon are taken
        as not overlapping (valid), as shapely's ``area`` does.

    Returns
    -------
    float
        Exterior rings' areas minus their holes'.

    Raises
    ------
    ValueError
        If ``wkb`` is not a Polygon or MultiPolygon.

    Examples
    --------
    >>> import struct
    >>> square = struct.pack("<BIII10d", 1, 3, 1, 5, 0, 0, 2, 0, 2, 2, 0, 2, 0, 0)
    >>> polygon_area(square)
    4.0
    """
    try:
        order, base, dims, offset = _geometry_header(wkb, 0)
        if base == _POLYGON:
            return _polygon_area(wkb, offset, order, dims)[0]
        if base != _MULTIPOLYGON:
            raise ValueError(f"not a polygon: WKB geometry type {base}")
        (n_parts,) = struct.unpack_from(order + "I", wkb, offset)
        offset += 4
        total = 0.0
        for _ in range(n_parts):
            order, base, dims, offset = _geometry_header(wkb, offset)
            if base != _POLYGON:
                raise ValueError(f"a MultiPolygon part of WKB geometry type {base}")
            part, offset = _polygon_area(wkb, offset, order, dims)
            total += part
        return total
    except struct.error as exc:
        raise ValueError(f"truncated WKB: {exc}") from None


__all__ = ["polygon_area"]
