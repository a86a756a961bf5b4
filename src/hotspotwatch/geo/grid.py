"""Regular grids (square cells or hexagons) over a study-area polygon.

A :class:`Grid` is a lattice of cells over the bounding box of the study area, with a
boolean ``mask`` of the cells that touch the area. Counting points, building neighbour
weights and turning cells into polygons all go through it, so the KDE, Gi* and the
workflows agree on which cell a point falls in.

Cells are laid out in an ``(ny, nx)`` array with row 0 at the *bottom* (smallest y), the
orientation of ``matplotlib.pyplot.imshow(..., origin="lower")``.

Square cell ``(r, c)`` covers ``[x0 + c s, x0 + (c+1) s) × [y0 + r s, y0 + (r+1) s)``.
Hexagons are pointy-topped; ``cell_size`` is the distance between the centres of two
neighbouring hexagons (the flat-to-flat width). Odd rows are shifted right by half a cell
and rows are ``s √3 / 2`` apart, so each hexagon is the Voronoi cell of its centre and a
point belongs to the nearest centre.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Literal

import numpy as np
import shapely
from numpy.typing import ArrayLike, NDArray
from scipy import sparse
from scipy.spatial import cKDTree
from shapely.geometry.base import BaseGeometry

GridKind = Literal["square", "hex"]
Neighbourhood = Literal["queen", "rook", "disk"]

DEFAULT_MAX_CELLS = 2_000_000
AUTO_CELLS_ON_SHORT_SIDE = 50
_SQRT3 = math.sqrt(3.0)


def _nice_floor(value: float) -> float:
    """Largest 1-2-5 × 10^k number not above ``value`` (multiples of 10 m above 10 m)."""
    if value >= 10:
        return float(math.floor(value / 10.0) * 10)
    exponent = math.floor(math.log10(value))
    base = 10.0**exponent
    for step in (5.0, 2.0, 1.0):
        if step * base <= value:
            return step * base
    return base


def auto_cell_size(width: float, height: float) -> tuple[float, str]:
    """Cell size from the extent, with the rule in words.

    Parameters
    ----------
    width, height : float
        Extent of the study area's bounding box in metres.

    Returns
    -------
    (float, str)
        The cell size and a sentence stating the rule, to print beside results.

    Notes
    -----
    Same rule as sfhotspot (Ashby 2023): 50 cells on the shorter side of the bounding
    box, rounded *down* to a multiple of 10 m (or a 1-2-5 value below 10 m) so that the
    shorter side holds at least 50 cells.

    Examples
    --------
    >>> auto_cell_size(19_000.0, 20_000.0)[0]
    380.0
    """
    short = min(width, height)
    if not (short > 0 and math.isfinite(short)):
        raise ValueError("cannot choose a cell size automatically: the extent has zero width or height; "
                         "pass cell_size=... in metres")
    size = _nice_floor(short / AUTO_CELLS_ON_SHORT_SIDE)
    rule = (f"cell size {size:g} m = shorter side of the study-area bounding box ({short:.0f} m) / "
            f"{AUTO_CELLS_ON_SHORT_SIDE}, rounded down to a multiple of 10 m")
    return size, rule


@dataclass(frozen=True)
class Grid:
    """A square or hexagonal lattice with a study-area mask.

    Attributes
    ----------
    kind : {"square", "hex"}
        Cell shape.
    cell_size : float
        Square side, or distance between neighbouring hexagon centres, in metres.
    x0, y0 : float
        Lower-left corner (square) or centre of cell (0, 0) (hex).
    shape : tuple of int
        ``(ny, nx)``.
    mask : ndarray of bool, shape (ny, nx)
        Cells touching the study area.
    cell_size_rule : str
        How the cell size was chosen (``"given"`` or the automatic rule).
    """

    kind: GridKind
    cell_size: float
    x0: float
    y0: float
    shape: tuple[int, int]
    mask: NDArray[np.bool_]
    cell_size_rule: str = "given"

    @property
    def n_cells(self) -> int:
        """Number of cells inside the study-area mask."""
        return int(self.mask.sum())

    @property
    def cell_area(self) -> float:
        """Area of one cell in square metres."""
        if self.kind == "square":
            return self.cell_size**2
        return _SQRT3 / 2.0 * self.cell_size**2

    @property
    def row_step(self) -> float:
        """Distance between cell rows in metres."""
        return self.cell_size if self.kind == "square" else self.cell_size * _SQRT3 / 2.0

    @property
    def extent(self) -> tuple[float, float, float, float]:
        """``(xmin, ymin, xmax, ymax)`` of the lattice (cell edges for squares)."""
        ny, nx = self.shape
        if self.kind == "square":
            return (self.x0, self.y0, self.x0 + nx * self.cell_size, self.y0 + ny * self.cell_size)
        r = self.cell_size / _SQRT3
        return (self.x0 - self.cell_size / 2, self.y0 - r,
                self.x0 + (nx + 0.5) * self.cell_size, self.y0 + (ny - 1) * self.row_step + r)

    def centres(self) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
        """Cell-centre coordinates as two ``(ny, nx)`` arrays."""
        ny, nx = self.shape
        rows, cols = np.mgrid[0:ny, 0:nx]
        if self.kind == "square":
            xc = self.x0 + (cols + 0.5) * self.cell_size
            yc = self.y0 + (rows + 0.5) * self.cell_size
        else:
            xc = self.x0 + (cols + 0.5 * (rows % 2)) * self.cell_size
            yc = self.y0 + rows * self.row_step
        return xc.astype(float), yc.astype(float)

    def cell_index(self, x: ArrayLike, y: ArrayLike) -> tuple[NDArray[np.intp], NDArray[np.intp]]:
        """Row and column of the cell holding each point; ``-1`` outside the lattice or mask."""
        xa = np.asarray(x, dtype=float)
        ya = np.asarray(y, dtype=float)
        ny, nx = self.shape
        if self.kind == "square":
            col = np.floor((xa - self.x0) / self.cell_size)
            row = np.floor((ya - self.y0) / self.cell_size)
        else:
            # nearest centre among the two candidate rows (hexagons are Voronoi cells)
            r0 = np.floor((ya - self.y0) / self.row_step)
            best_d = np.full(xa.shape, np.inf)
            row = np.full(xa.shape, -1.0)
            col = np.full(xa.shape, -1.0)
            for dr in (0.0, 1.0):
                rr = r0 + dr
                shift = 0.5 * np.mod(rr, 2)
                cc = np.round((xa - self.x0) / self.cell_size - shift)
                for dc in (-1.0, 0.0, 1.0):
                    c2 = cc + dc
                    d = (xa - self.x0 - (c2 + shift) * self.cell_size) ** 2 + (
                        ya - self.y0 - rr * self.row_step) ** 2
                    better = d < best_d
                    best_d = np.where(better, d, best_d)
                    row = np.where(better, rr, row)
                    col = np.where(better, c2, col)
        ok = np.isfinite(row) & np.isfinite(col) & (row >= 0) & (row < ny) & (col >= 0) & (col < nx)
        r = np.where(ok, row, -1).astype(np.intp)
        c = np.where(ok, col, -1).astype(np.intp)
        inside = ok.copy()
        inside[ok] = self.mask[r[ok], c[ok]]
        r[~inside] = -1
        c[~inside] = -1
        return r, c

    def count(self, x: ArrayLike, y: ArrayLike, weights: ArrayLike | None = None) -> NDArray[np.float64]:
        """Sum of ``weights`` (1 per point by default) per cell, ``(ny, nx)``; NaN outside the mask.

        Points outside the lattice or the study-area mask are not counted.
        """
        r, c = self.cell_index(x, y)
        ok = r >= 0
        w = np.ones(r.shape) if weights is None else np.broadcast_to(np.asarray(weights, float), r.shape)
        ny, nx = self.shape
        flat = np.bincount(r[ok] * nx + c[ok], weights=w[ok], minlength=ny * nx).astype(float)
        out = flat.reshape(ny, nx)
        out[~self.mask] = np.nan
        return out

    def polygons(self) -> NDArray[np.object_]:
        """Shapely polygons of the cells inside the mask, in row-major order of ``mask``."""
        xc, yc = self.centres()
        xs = xc[self.mask]
        ys = yc[self.mask]
        if self.kind == "square":
            h = self.cell_size / 2
            return np.asarray(shapely.box(xs - h, ys - h, xs + h, ys + h))
        r = self.cell_size / _SQRT3
        angles = np.deg2rad(np.arange(30, 390, 60))
        ring = np.stack([xs[:, None] + r * np.cos(angles), ys[:, None] + r * np.sin(angles)], axis=-1)
        return np.asarray(shapely.polygons(ring))

    def weights(self, neighbourhood: Neighbourhood = "queen", *, radius: float = 1) -> sparse.csr_matrix:
        """Binary neighbour weights between masked cells (no self-weight).

        Parameters
        ----------
        neighbourhood : {"queen", "rook", "disk"}
            Square grids: cells within Chebyshev (queen), Manhattan (rook) or Euclidean
            (disk) distance ``radius`` counted in cells. Hexagons: centres within
            ``radius`` cells (``radius=1`` gives the six touching hexagons).
        radius : float
            Neighbourhood radius in cells.

        Returns
        -------
        scipy.sparse.csr_matrix
            ``n_cells × n_cells`` in the row-major order of the masked cells.
        """
        n = self.n_cells
        if self.kind == "hex":
            xc, yc = self.centres()
            tree = cKDTree(np.column_stack([xc[self.mask], yc[self.mask]]))
            pairs = tree.query_pairs(r=radius * self.cell_size * (1 + 1e-9), output_type="ndarray")
            rows = np.concatenate([pairs[:, 0], pairs[:, 1]])
            cols = np.concatenate([pairs[:, 1], pairs[:, 0]])
            return sparse.csr_matrix((np.ones(rows.size), (rows, cols)), shape=(n, n))
        idx = np.full(self.shape, -1, dtype=np.int64)
        idx[self.mask] = np.arange(n)
        ny, nx = self.shape
        rr, cc = np.nonzero(self.mask)
        k = square_kernel(neighbourhood, radius=radius, include_self=False)
        big = k.shape[0] // 2
        rows_list: list[NDArray[np.int64]] = []
        cols_list: list[NDArray[np.int64]] = []
        for kr, kc in zip(*np.nonzero(k), strict=True):
            r2 = rr + (kr - big)
            c2 = cc + (kc - big)
            ok = (r2 >= 0) & (r2 < ny) & (c2 >= 0) & (c2 < nx)
            src = idx[rr[ok], cc[ok]]
            dst = idx[r2[ok], c2[ok]]
            keep = dst >= 0
            rows_list.append(src[keep])
            cols_list.append(dst[keep])
        rows = np.concatenate(rows_list) if rows_list else np.empty(0, np.int64)
        cols = np.concatenate(cols_list) if cols_list else np.empty(0, np.int64)
        return sparse.csr_matrix((np.ones(rows.size), (rows, cols)), shape=(n, n))

    def kernel(self, neighbourhood: Neighbourhood = "queen", *, radius: float = 1,
               include_self: bool = True) -> NDArray[np.float64]:
        """Binary square-grid stencil for the neighbourhood (for convolution fast paths)."""
        if self.kind != "square":
            raise ValueError("convolution stencils exist for square grids only; use weights() for hexagons")
        return square_kernel(neighbourhood, radius=radius, include_self=include_self)


def square_kernel(neighbourhood: Neighbourhood = "queen", *, radius: float = 1,
                  include_self: bool = True) -> NDArray[np.float64]:
    """Binary ``(2R+1) × (2R+1)`` stencil of the neighbourhood on a square lattice.

    Examples
    --------
    >>> square_kernel("rook").astype(int).tolist()
    [[0, 1, 0], [1, 1, 1], [0, 1, 0]]
    """
    if radius <= 0:
        raise ValueError(f"radius must be positive (in cells), got {radius!r}")
    big = math.floor(radius)
    dy, dx = np.mgrid[-big:big + 1, -big:big + 1]
    if neighbourhood == "queen":
        k = np.maximum(np.abs(dx), np.abs(dy)) <= radius
    elif neighbourhood == "rook":
        k = (np.abs(dx) + np.abs(dy)) <= radius
    elif neighbourhood == "disk":
        k = dx**2 + dy**2 <= radius**2 + 1e-9
    else:
        raise ValueError(f"neighbourhood must be 'queen', 'rook' or 'disk', got {neighbourhood!r}")
    k = k.astype(float)
    if not include_self:
        k[big, big] = 0.0
    return k


def _stray_points_message(x: NDArray[np.float64], y: NDArray[np.float64], limit: int = 5) -> str:
    """Name the points far from the bulk (robust distance from the median)."""
    mx, my = np.median(x), np.median(y)
    d = np.hypot(x - mx, y - my)
    scale = np.quantile(d, 0.9) if d.size else 0.0
    order = np.argsort(-d)
    stray = [int(i) for i in order[:limit] if d[i] > 10 * max(scale, 1e-9)]
    if not stray:
        return ""
    listed = ", ".join(f"#{i} ({x[i]:.0f}, {y[i]:.0f})" for i in stray)
    return (f" The extent is blown up by stray points far from the rest (index and x, y): {listed}."
            " Check their coordinates or CRS, or give the study area.")


def make_grid(
    area: BaseGeometry | None = None,
    *,
    points: tuple[ArrayLike, ArrayLike] | None = None,
    cell_size: float | None = None,
    kind: GridKind = "square",
    max_cells: int = DEFAULT_MAX_CELLS,
) -> Grid:
    """Build a grid over the study-area polygon (or, failing that, the points' extent).

    Parameters
    ----------
    area : shapely geometry, optional
        Study-area polygon in a projected CRS (metres). The grid covers its bounding box
        and ``mask`` marks cells whose centre lies in it or which its boundary crosses.
        Without an area the points' bounding box is used and every cell is kept.
    points : (x, y), optional
        Event coordinates; needed without ``area`` and used to name stray points when the
        grid would be too large.
    cell_size : float, optional
        Cell size in metres. ``None`` applies :func:`auto_cell_size`.
    kind : {"square", "hex"}
        Cell shape.
    max_cells : int
        Refuse grids with more lattice cells than this (default 2 million).

    Returns
    -------
    Grid

    Raises
    ------
    ValueError
        If the grid would exceed ``max_cells`` (naming stray points), or inputs are empty.

    Examples
    --------
    >>> import shapely
    >>> g = make_grid(shapely.box(0, 0, 1000, 500), cell_size=100)
    >>> g.shape, g.n_cells
    ((5, 10), 50)
    """
    if kind not in ("square", "hex"):
        raise ValueError(f"kind must be 'square' or 'hex', got {kind!r}")
    px = py = None
    if points is not None:
        px = np.asarray(points[0], dtype=float).ravel()
        py = np.asarray(points[1], dtype=float).ravel()
    if area is not None:
        if area.is_empty:
            raise ValueError("area is empty; pass the study-area polygon in the workspace CRS")
        xmin, ymin, xmax, ymax = area.bounds
    elif px is not None and py is not None and px.size:
        fin = np.isfinite(px) & np.isfinite(py)
        px, py = px[fin], py[fin]
        if not px.size:
            raise ValueError("points have no finite coordinates; cannot build a grid")
        xmin, ymin, xmax, ymax = px.min(), py.min(), px.max(), py.max()
    else:
        raise ValueError("give the study area (area=polygon) or points=(x, y) to build a grid")
    width, height = xmax - xmin, ymax - ymin
    rule = "given"
    if cell_size is None:
        cell_size, rule = auto_cell_size(width, height)
    if not (cell_size > 0 and math.isfinite(cell_size)):
        raise ValueError(f"cell_size must be a positive number of metres, got {cell_size!r}")
    if kind == "square":
        nx = max(1, math.ceil(width / cell_size - 1e-9))
        ny = max(1, math.ceil(height / cell_size - 1e-9))
        x0, y0 = xmin, ymin
    else:
        step = cell_size * _SQRT3 / 2
        nx = max(1, math.ceil(width / cell_size - 1e-9) + 1)
        ny = max(1, math.ceil(height / step - 1e-9) + 1)
        x0, y0 = xmin, ymin
    total = nx * ny
    if total > max_cells:
        msg = (f"a {kind} grid of {cell_size:g} m cells over a {width:.0f} m × {height:.0f} m extent "
               f"has {total:,} cells, more than max_cells={max_cells:,}. Use a larger cell_size or "
               "raise max_cells.")
        if px is not None and py is not None and px.size and area is None:
            msg += _stray_points_message(px, py)
        raise ValueError(msg)
    grid = Grid(kind=kind, cell_size=float(cell_size), x0=float(x0), y0=float(y0), shape=(ny, nx),
                mask=np.ones((ny, nx), dtype=bool), cell_size_rule=rule)
    if area is None:
        return grid
    xc, yc = grid.centres()
    mask = shapely.contains_xy(area, xc, yc)
    # cells crossed by the boundary: sample the boundary densely and mark their cells
    boundary = shapely.segmentize(area.boundary, cell_size / 4)
    coords = shapely.get_coordinates(boundary)
    if coords.size:
        full = Grid(kind=kind, cell_size=grid.cell_size, x0=grid.x0, y0=grid.y0, shape=grid.shape,
                    mask=np.ones((ny, nx), dtype=bool))
        r, c = full.cell_index(coords[:, 0], coords[:, 1])
        ok = r >= 0
        mask[r[ok], c[ok]] = True
    return Grid(kind=kind, cell_size=grid.cell_size, x0=grid.x0, y0=grid.y0, shape=grid.shape,
                mask=mask, cell_size_rule=rule)
