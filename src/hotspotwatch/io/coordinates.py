"""Coordinates of imported rows: parse, check and transform them to the workspace CRS.

:func:`coordinates` reads the mapped coordinate columns (or the point geometry of a vector
file), flags what cannot be placed (empty, not a number, out of range, ``0, 0``, outside the
workspace extent) and returns x/y in the workspace CRS and lon/lat of the stored point.
"""

from __future__ import annotations

import itertools
import os
from concurrent.futures import ThreadPoolExecutor

import numpy as np
from pyproj import Transformer

from hotspotwatch.geo.crs import transformer
from hotspotwatch.io.mapping import WGS84, EventMapping
from hotspotwatch.io.raw import RawTable
from hotspotwatch.io.validate import Flags, as_text, parse_numbers

PARALLEL_FROM = 100_000
"""Point arrays at least this long are transformed in slices on several threads."""


def transform_points(
    transformers: list[Transformer], a: np.ndarray, b: np.ndarray
) -> list[tuple[np.ndarray, np.ndarray]]:
    """Apply each transformer to the points ``(a, b)``; one ``(x, y)`` pair per transformer.

    PROJ runs without the GIL and :class:`pyproj.Transformer` keeps one PROJ object per
    thread, so long arrays are cut into slices transformed on a small thread pool (measured
    on 2 cores, 1M points through two transformations: 0.90 s in one thread, 0.45 s in two).
    Points that cannot be transformed come back as ``inf``/``NaN`` (no exception).

    Examples
    --------
    >>> import numpy as np
    >>> tr = transformer("EPSG:4326", "EPSG:3812")
    >>> [(x, y)] = transform_points([tr], np.array([4.3517]), np.array([50.8466]))
    >>> round(float(x[0])), round(float(y[0]))
    (648799, 670689)
    """
    n = len(a)
    out = [(np.empty(n), np.empty(n)) for _ in transformers]
    workers = min(os.cpu_count() or 1, 4)
    parts = workers if n >= PARALLEL_FROM and workers > 1 else 1
    bounds = np.linspace(0, n, parts + 1).astype(int)

    def run(k: int, lo: int, hi: int) -> None:
        xs, ys = transformers[k].transform(a[lo:hi], b[lo:hi], errcheck=False)
        out[k][0][lo:hi] = xs
        out[k][1][lo:hi] = ys

    jobs = [(k, int(lo), int(hi)) for k in range(len(transformers))
            for lo, hi in itertools.pairwise(bounds)]
    if parts == 1:
        for job in jobs:
            run(*job)
    else:
        with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="hw-proj") as pool:
            for f in [pool.submit(run, *job) for job in jobs]:
                f.result()
    return out


def coordinates(
    raw: RawTable,
    mapping: EventMapping,
    *,
    crs: str,
    extent: tuple[float, float, float, float] | None,
    flags: Flags,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """x, y (workspace CRS) and lon, lat of each row; rows that cannot be placed are flagged
    in ``flags`` (their values are NaN or meaningless)."""
    frame = raw.frame
    n = len(frame)
    roles = mapping.coordinate_roles
    decimal = mapping.read.get("decimal")
    if roles is not None:
        ca, cb = mapping.columns[roles[0]], mapping.columns[roles[1]]
        a, a_empty, a_bad = parse_numbers(frame[ca], decimal=decimal)
        b, b_empty, b_bad = parse_numbers(frame[cb], decimal=decimal)
        src = mapping.source_crs or WGS84
        # name the empty field: a row with only its latitude missing is fixed there
        for mask, field, reason in (
            (a_empty & b_empty, ca, f"no coordinates: {ca!r} and {cb!r} are empty"),
            (a_empty & ~b_empty, ca, f"no coordinates: {ca!r} is empty"),
            (b_empty & ~a_empty, cb, f"no coordinates: {cb!r} is empty"),
        ):
            if "Location" in frame.columns and mask.any():
                loc = as_text(frame["Location"]).to_numpy(dtype=object)
                flags.add(mask, field, [
                    reason + (" (Location is 'No Location': the publisher could not place it)"
                              if str(v).casefold() == "no location" else "")
                    for v in loc[mask]
                ])
            else:
                flags.add(mask, field, reason)
        for col, vals, bad in ((ca, frame[ca], a_bad), (cb, frame[cb], b_bad)):
            if bad.any():
                shown = as_text(vals).to_numpy(dtype=object)[bad]
                flags.add(bad, col, [f"{col!r} value {v!r} is not a number" for v in shown])
        field_a, field_b = ca, cb
    else:
        import shapely

        geom = raw.geometry if raw.geometry is not None else np.full(n, None, dtype=object)
        src = mapping.crs or raw.crs or WGS84
        missing = shapely.is_missing(geom) | shapely.is_empty(geom)
        kinds = shapely.get_type_id(geom)
        not_point = ~missing & (kinds != 0)
        flags.add(missing, "geometry", "no coordinates: the feature has no geometry")
        if not_point.any():
            names = shapely.get_type_id(geom[not_point])
            labels = {1: "LineString", 2: "LinearRing", 3: "Polygon", 4: "MultiPoint",
                      5: "MultiLineString", 6: "MultiPolygon", 7: "GeometryCollection"}
            flags.add(not_point, "geometry", [
                f"geometry is a {labels.get(int(k), 'shape')}, expected a Point" for k in names
            ])
        pts = geom.copy()
        pts[missing | not_point] = None
        a = np.asarray(shapely.get_x(pts), dtype=float)
        b = np.asarray(shapely.get_y(pts), dtype=float)
        field_a = field_b = "geometry"
    usable = np.isfinite(a) & np.isfinite(b)
    src_is_geographic = src == WGS84
    if src_is_geographic:
        out_range = usable & ((np.abs(a) > 180) | (np.abs(b) > 90))
        flags.add(out_range, field_b, [
            f"longitude {u} / latitude {v} are out of range (lon -180..180, lat -90..90)"
            for u, v in zip(a[out_range], b[out_range], strict=True)
        ])
        usable &= ~out_range
    zero = usable & (a == 0) & (b == 0)
    flags.add(zero, field_a, "coordinates are 0, 0 (a placeholder for a missing location)")
    usable &= ~zero
    a = np.where(usable, a, np.nan)
    b = np.where(usable, b, np.nan)
    to_ws = transformer(src, crs)
    ((x, y),) = transform_points([to_ws], a, b)
    if src_is_geographic:
        lon, lat = a, b
    else:
        # lon/lat are those of the stored point: from the workspace CRS, whose inverse
        # projection is cheaper than the source's datum shift (1M points: 0.23 s vs 0.42 s;
        # Lambert 72 -> Lambert 2008 -> WGS84 equals Lambert 72 -> WGS84 within 1e-9 degrees).
        ((lon, lat),) = transform_points([transformer(crs, WGS84)], x, y)
    failed = usable & ~(np.isfinite(x) & np.isfinite(y) & np.isfinite(lon) & np.isfinite(lat))
    flags.add(failed, field_a, f"coordinates cannot be transformed from {src} to {crs}")
    usable &= ~failed
    if extent is not None:
        xmin, ymin, xmax, ymax = extent
        outside = usable & ~((x >= xmin) & (x <= xmax) & (y >= ymin) & (y <= ymax))
        if outside.any():
            sx, sy = (np.asarray(v, dtype=float) for v in to_ws.transform(
                b[outside], a[outside], errcheck=False))
            swapped = (sx >= xmin) & (sx <= xmax) & (sy >= ymin) & (sy <= ymax)
            xo, yo = x[outside], y[outside]
            away = np.hypot(np.maximum(np.maximum(xmin - xo, xo - xmax), 0.0),
                            np.maximum(np.maximum(ymin - yo, yo - ymax), 0.0))
            # lon/lat columns are WGS84 whatever the mapping says: a crs is no fix for them
            other = ("check the place: outside the study area (another city, a wrong "
                     "geocode?), leave the row out, or widen [workspace] extent"
                     if roles == ("lon", "lat")
                     else f"check the mapping's crs (read as {src})")
            flags.add(outside, field_a, [
                f"outside the workspace extent: ({xx:.0f}, {yy:.0f}) in {crs} is not within "
                f"[{xmin:.0f}, {ymin:.0f}, {xmax:.0f}, {ymax:.0f}]"
                + (f" ({d / 1000:,.1f} km away)" if np.isfinite(d) else "") + "; "
                + (f"are {field_a!r} and {field_b!r} swapped?" if sw else other)
                for xx, yy, sw, d in zip(xo, yo, swapped, away, strict=True)
            ])
    return x, y, lon, lat


__all__ = ["PARALLEL_FROM", "coordinates", "transform_points"]
