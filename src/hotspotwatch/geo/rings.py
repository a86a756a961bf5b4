"""Buffer rings around a treated area: the one implementation evaluation, report and web use."""

from __future__ import annotations

from collections.abc import Sequence

from shapely.geometry.base import BaseGeometry


def buffer_rings(
    treated: BaseGeometry,
    *,
    widths: Sequence[float] = (250.0,),
    exclude: BaseGeometry | None = None,
) -> list[BaseGeometry]:
    """Concentric, adjacent rings around a treated area.

    Ring ``i`` covers the distances ``(w_1 + ... + w_{i-1}, w_1 + ... + w_i]`` from the
    treated area: the widths add up, so two widths of 250 m give a ring from 0 to 250 m and
    one from 250 to 500 m (never an empty second ring).

    Parameters
    ----------
    treated : shapely geometry
        Treated polygon (workspace CRS, metres).
    widths : sequence of float
        Ring widths from the inside out (metres), e.g. ``(250,)`` or ``(250, 250)``.
    exclude : shapely geometry, optional
        Removed from every ring (typically the union of all hotspot polygons).

    Returns
    -------
    list of shapely geometry

    Examples
    --------
    >>> from shapely.geometry import Point
    >>> r1, r2 = buffer_rings(Point(0, 0).buffer(100), widths=(100, 100))
    >>> round(r1.area / (3.14159 * (200**2 - 100**2)), 2), round(r2.area / (3.14159 * (300**2 - 200**2)), 2)
    (1.0, 1.0)
    """
    if not widths or any(w <= 0 for w in widths):
        raise ValueError(f"widths must be positive ring widths in metres, got {widths!r}")
    rings = []
    inner = treated
    reach = 0.0
    for w in widths:
        reach += float(w)
        outer = treated.buffer(reach, quad_segs=32)
        ring = outer.difference(inner)
        if exclude is not None:
            ring = ring.difference(exclude)
        rings.append(ring)
        inner = outer
    return rings


__all__ = ["buffer_rings"]
