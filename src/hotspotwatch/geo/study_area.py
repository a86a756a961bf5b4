"""The study area: one polygon from a layer of polygons, or a hull around the events.

Every analysis on a grid (hot spots, density, concentration, classification, coverage,
the evaluation's control places, emerging hot spots) counts the places *inside the study
area*, including those where nothing happened: the study area is the denominator. It is
normally a polygon layer the user gives (:func:`dissolve`); :func:`events_hull` is the
documented fallback when there is none.

The hull rule
-------------
The convex hull of the events' points, buffered by :func:`hull_buffer` metres
(``max(500 m, cell size)``). A convex hull rather than a concave one: the study area must
hold the places where events *could* happen, not only where they did. A concave hull hugs
the events and cuts out the empty places between them, which makes harm look less
concentrated (fewer zero cells) and moves the mean that Gi* compares with; the convex hull
errs on the side of keeping places, needs no tuning ratio, and changes little as data are
added. The buffer keeps the cells crossed by the hull's edge whole and leaves the outermost
events a ring of neighbours.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import shapely
from numpy.typing import ArrayLike
from shapely.geometry.base import BaseGeometry

#: The smallest buffer (metres) of :func:`events_hull`.
HULL_MIN_BUFFER_M = 500.0
POLYGONAL = ("Polygon", "MultiPolygon")


def hull_buffer(cell_size: float | None = None) -> float:
    """Buffer of the hull rule in metres: ``max(500, cell_size)``.

    Examples
    --------
    >>> hull_buffer(), hull_buffer(250), hull_buffer(1000)
    (500.0, 500.0, 1000.0)
    """
    return max(HULL_MIN_BUFFER_M, float(cell_size or 0.0))


def events_hull(x: ArrayLike, y: ArrayLike, *, buffer_m: float) -> BaseGeometry:
    """The study area of the hull rule: the convex hull of the points, buffered.

    Parameters
    ----------
    x, y : array_like
        Event coordinates in a projected CRS (metres); non-finite ones are left out.
    buffer_m : float
        Buffer in metres (see :func:`hull_buffer`).

    Returns
    -------
    shapely Polygon
        Convex, with positive area (one point gives a disk, points on a line a stadium).

    Raises
    ------
    ValueError
        If there is no point with finite coordinates, or the buffer is not positive.

    Examples
    --------
    >>> hull = events_hull([0, 1000, 0], [0, 0, 1000], buffer_m=500)
    >>> round(hull.area / 1e6, 2)  # triangle 0.5 km² + perimeter x 0.5 km + disk 0.785 km²
    2.99
    """
    px = np.asarray(x, dtype=float).ravel()
    py = np.asarray(y, dtype=float).ravel()
    if not (buffer_m > 0 and np.isfinite(buffer_m)):
        raise ValueError(f"buffer_m must be a positive number of metres, got {buffer_m!r}")
    ok = np.isfinite(px) & np.isfinite(py)
    if not ok.any():
        raise ValueError("no events with coordinates to build a study area from")
    hull: BaseGeometry = shapely.MultiPoint(np.column_stack([px[ok], py[ok]])).convex_hull
    return hull.buffer(buffer_m, quad_segs=16)


def polygon_problems(geoms: Sequence[BaseGeometry | None]) -> list[tuple[int, str]]:
    """What is wrong with each geometry of a would-be study-area layer.

    Returns
    -------
    list of (index, reason)
        ``reason`` is ``"no geometry"``, the geometry type when it is not a polygon, or
        ``"invalid: <shapely's reason>"``; empty when every geometry is a valid polygon.

    Examples
    --------
    >>> bowtie = shapely.Polygon([(0, 0), (1, 1), (1, 0), (0, 1)])
    >>> polygon_problems([shapely.box(0, 0, 1, 1), shapely.Point(0, 0), None, bowtie])
    [(1, 'Point'), (2, 'no geometry'), (3, 'invalid: Self-intersection[0.5 0.5]')]
    """
    out: list[tuple[int, str]] = []
    for i, g in enumerate(geoms):
        if g is None or g.is_empty:
            out.append((i, "no geometry"))
        elif g.geom_type not in POLYGONAL:
            out.append((i, g.geom_type))
        elif not g.is_valid:
            out.append((i, f"invalid: {shapely.is_valid_reason(g)}"))
    return out


def dissolve(geoms: Sequence[BaseGeometry]) -> BaseGeometry:
    """One study-area polygon from valid polygons: their union (shared borders removed).

    Examples
    --------
    >>> dissolve([shapely.box(0, 0, 1, 1), shapely.box(1, 0, 2, 1)]).geom_type
    'Polygon'
    """
    union = shapely.union_all(np.asarray(list(geoms), dtype=object))
    parts = [p for p in shapely.get_parts(union) if p.geom_type in POLYGONAL]
    return shapely.union_all(parts) if len(parts) != 1 else parts[0]


__all__ = [
    "HULL_MIN_BUFFER_M",
    "dissolve",
    "events_hull",
    "hull_buffer",
    "polygon_problems",
]
