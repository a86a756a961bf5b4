"""Events per grid or hexagon cell for the map, counted once per filter and cached.

The cell of every event is found once per lattice (:func:`cell_layout`, cached until the
data change); the counts of a filter are then one ``bincount`` over the events it keeps
(:func:`cell_counts`, cached per filter). Square cells are aligned on multiples of their
size (:func:`~hotspotwatch.workflows.web.public.aligned_grid`), so that the 500 m squares
are the cells of the disclosure-controlled partition that roles without event access get
(:func:`partition_cells`).
"""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
import shapely
from numpy.typing import NDArray

from hotspotwatch.geo.grid import make_grid
from hotspotwatch.workflows.web._geo import to_lonlat_geoms
from hotspotwatch.workflows.web.cache import memoised
from hotspotwatch.workflows.web.mapdata import (
    COORD_DECIMALS,
    MapFilter,
    event_columns,
    filter_mask,
)
from hotspotwatch.workflows.web.public import PUBLIC_CELL_M, aligned_grid, partition_grid

if TYPE_CHECKING:
    from hotspotwatch.workspace import Workspace

CELL_SIZES: tuple[float, ...] = (250.0, 500.0, 1000.0)
"""Cell sizes (metres) the map offers: a fixed set, so that every layer can be cached."""
CELL_KINDS: tuple[str, ...] = ("square", "hex")


@dataclass(frozen=True, eq=False)
class CellLayout:
    """A lattice over the study area and the cell of every event.

    ``cell_of[i]`` is the cell of row ``i`` of :func:`~hotspotwatch.workflows.web.mapdata.
    event_columns` (-1 outside); ``rings`` are the cells' outlines in lon/lat (5 decimals);
    ``zone`` is the zone index (``event_columns(ws).zones``) holding each cell's centre.
    """

    kind: str
    cell_size: float
    cell_of: NDArray[np.int64]
    rings: tuple[list[list[float]], ...]
    zone: NDArray[np.int16]

    @property
    def n_cells(self) -> int:
        """Number of cells."""
        return len(self.rings)


def check_cells(kind: str, cell_size: float) -> None:
    """``ValueError`` unless ``kind`` is in :data:`CELL_KINDS` and the size in
    :data:`CELL_SIZES`."""
    if kind not in CELL_KINDS:
        raise ValueError(f"shape must be one of {', '.join(CELL_KINDS)}, got {kind!r}")
    if float(cell_size) not in CELL_SIZES:
        sizes = ", ".join(f"{s:g}" for s in CELL_SIZES)
        raise ValueError(f"cell_size must be one of {sizes} (metres), got {cell_size:g}")


@memoised
def cell_layout(ws: Workspace, *, kind: str, cell_size: float) -> CellLayout:
    """The lattice of ``kind`` cells of ``cell_size`` metres and every event's cell."""
    check_cells(kind, cell_size)
    area = ws.study_area()
    grid = (
        aligned_grid(area, cell_size)
        if kind == "square"
        else make_grid(area, cell_size=cell_size, kind="hex")
    )
    cols = event_columns(ws)
    r, c = grid.cell_index(cols.x, cols.y)
    index = np.full(grid.shape, -1, dtype=np.int64)
    index[grid.mask] = np.arange(int(grid.mask.sum()))
    ok = r >= 0
    cell_of = np.full(cols.n, -1, dtype=np.int64)
    cell_of[ok] = index[r[ok], c[ok]]
    polygons = grid.polygons()
    lonlat = to_lonlat_geoms(ws, polygons)
    coords, owner = shapely.get_coordinates(
        shapely.get_exterior_ring(np.asarray(lonlat, dtype=object)), return_index=True
    )
    coords = np.round(coords, COORD_DECIMALS)
    bounds = np.searchsorted(owner, np.arange(len(lonlat) + 1))
    rings = tuple(coords[a:b].tolist() for a, b in itertools.pairwise(bounds))
    zone = np.full(len(rings), -1, dtype=np.int16)
    if cols.zones:
        layer = ws.areas(ws.config.zone_layer)
        centre = shapely.centroid(polygons)
        cx, cy = shapely.get_x(centre), shapely.get_y(centre)
        for i, geom in enumerate(layer.geometry.to_numpy()):
            inside = np.asarray(shapely.contains_xy(geom, cx, cy), dtype=bool)
            zone[inside & (zone < 0)] = i
    return CellLayout(
        kind=kind, cell_size=float(cell_size), cell_of=cell_of, rings=rings, zone=zone
    )


@dataclass(frozen=True)
class CellCounts:
    """Non-empty cells of a layer: ``cells`` (indices into the layout) and their ``counts``.

    ``events`` is the number of events the filter keeps (those outside every cell
    included); ``hidden`` the number of cells withheld by disclosure control.
    """

    kind: str
    cell_size: float
    cells: NDArray[np.int64]
    counts: NDArray[np.int64]
    events: int | None
    k: int
    hidden: int = 0

    def to_geojson(self, layout: CellLayout) -> dict[str, Any]:
        """A FeatureCollection of the cells (``count`` per cell, ``id`` its index)."""
        return {
            "type": "FeatureCollection",
            "features": [
                {
                    "type": "Feature",
                    "id": int(i),
                    "geometry": {"type": "Polygon", "coordinates": [layout.rings[i]]},
                    "properties": {"count": int(n)},
                }
                for i, n in zip(self.cells.tolist(), self.counts.tolist(), strict=True)
            ],
        }


@memoised
def cell_counts(
    ws: Workspace,
    *,
    flt: MapFilter,
    kind: str,
    cell_size: float,
    restrict: tuple[str, ...] | None = None,
) -> CellCounts:
    """Events of ``flt`` (its view ignored) per cell, inside ``restrict`` zones if given.

    For roles with event access: counts are not suppressed (``k`` is 1).
    """
    layout = cell_layout(ws, kind=kind, cell_size=cell_size)
    mask = filter_mask(ws, flt.without_view(), restrict=restrict)
    of = layout.cell_of[mask]
    counts = np.bincount(of[of >= 0], minlength=layout.n_cells)
    cells = np.flatnonzero(counts)
    return CellCounts(
        kind=kind,
        cell_size=float(cell_size),
        cells=cells.astype(np.int64),
        counts=counts[cells].astype(np.int64),
        events=int(mask.sum()),
        k=1,
    )


def partition_cells(
    ws: Workspace, *, role: str, year: int | None, zones: tuple[str, ...] | None = None
) -> CellCounts:
    """The disclosure-controlled partition (500 m squares, one calendar year or all years)
    for roles without event access: cells below ``k`` (and those hidden against
    differencing) left out; ``zones`` keeps the cells whose centre lies in them.

    No total is given (``events`` is ``None``): published next to hidden cells it would
    let them be recovered by subtraction.
    """
    part = partition_grid(ws, role=role, cell_size=PUBLIC_CELL_M)
    layout = cell_layout(ws, kind="square", cell_size=PUBLIC_CELL_M)
    if layout.n_cells != len(part.geometries):  # both are aligned_grid(study area, 500 m)
        raise RuntimeError("the map's 500 m lattice differs from the public partition")
    values = part.layer(year)
    shown = np.asarray([v is not None for v in values], dtype=bool)
    keep = shown.copy()
    if zones:
        codes = event_columns(ws).zones
        wanted = [i for i, z in enumerate(codes) if z in set(zones)]
        keep &= np.isin(layout.zone, wanted)
    cells = np.flatnonzero(keep)
    return CellCounts(
        kind="square",
        cell_size=PUBLIC_CELL_M,
        cells=cells.astype(np.int64),
        counts=np.asarray([values[i] for i in cells], dtype=np.int64),
        events=None,
        k=part.k,
        hidden=int((~shown).sum()),
    )


def cell_rows(cells: dict[str, Any]) -> list[dict[str, Any]]:
    """Rows of a cell FeatureCollection (:meth:`CellCounts.to_geojson`): ``cell``, the
    centre's ``lon``/``lat`` (mean of the outline's corners, 5 decimals) and ``count``."""
    rows = []
    for f in cells["features"]:
        ring = np.asarray(f["geometry"]["coordinates"][0][:-1], dtype=float)
        lon, lat = np.round(ring.mean(axis=0), COORD_DECIMALS).tolist()
        rows.append({"cell": f["id"], "lon": lon, "lat": lat, "count": f["properties"]["count"]})
    return rows


def _nice_up(value: float) -> int:
    """The smallest of 1, 2, 2.5, 5 x 10^n at or above ``value`` (integers)."""
    if value <= 1:
        return 1
    exp = 10 ** math.floor(math.log10(value))
    for step in (1, 2, 2.5, 5, 10):
        if step * exp >= value - 1e-9:
            return math.ceil(step * exp)
    return math.ceil(value)  # pragma: no cover - the loop ends at 10 x exp


def class_breaks(counts: NDArray[np.int64] | list[int], *, floor: int = 1) -> list[int]:
    """Lower bounds of the colour classes of a count layer (at most five, strictly rising).

    The first is ``floor`` (the smallest count shown: 1, or ``k`` under disclosure
    control); the others are the 50th, 75th, 90th and 97th percentiles of the counts rounded
    up to 1, 2, 2.5 or 5 times a power of ten, so that a few dense cells do not wash the
    others out and the legend reads in round numbers.

    Examples
    --------
    >>> class_breaks([1, 1, 2, 3, 5, 8, 13, 21, 34, 55])
    [1, 10, 20, 50]
    >>> class_breaks([], floor=5)
    [5]
    """
    values = np.asarray(counts, dtype=float)
    breaks = [int(floor)]
    if values.size == 0:
        return breaks
    for q in (50, 75, 90, 97):
        b = _nice_up(float(np.percentile(values, q)) + 1e-9)
        if b > breaks[-1] and b <= values.max():
            breaks.append(b)
    return breaks


__all__ = [
    "CELL_KINDS",
    "CELL_SIZES",
    "PUBLIC_CELL_M",
    "CellCounts",
    "CellLayout",
    "cell_counts",
    "cell_layout",
    "cell_rows",
    "check_cells",
    "class_breaks",
    "partition_cells",
]
