"""Space-time cube: counts per location (grid cell) × time step, and its neighbourhoods."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike, NDArray
from scipy import sparse
from scipy.spatial import cKDTree

from hotspotwatch.analysis._result import ResultMixin


@dataclass(frozen=True)
class SpaceTimeCube(ResultMixin):
    """Counts of events per location and time step.

    Attributes
    ----------
    counts : ndarray, shape (n_cells, n_steps)
        Event counts (or weighted counts) per location and time step.
    cell_x, cell_y : ndarray, shape (n_cells,)
        Location centroids (metres).
    n_outside : int
        Events dropped because their cell or step index was outside the cube.
    """

    counts: NDArray[np.float64]
    cell_x: NDArray[np.float64]
    cell_y: NDArray[np.float64]
    n_outside: int

    @property
    def n_cells(self) -> int:
        """Number of locations."""
        return int(self.counts.shape[0])

    @property
    def n_steps(self) -> int:
        """Number of time steps."""
        return int(self.counts.shape[1])


def time_step_index(t: ArrayLike, edges: ArrayLike) -> NDArray[np.intp]:
    """Index of the half-open step ``[edges_k, edges_k+1)`` holding each time; -1 outside.

    Parameters
    ----------
    t : array_like
        Times (any increasing numeric scale, e.g. days since an origin).
    edges : array_like
        Increasing step edges (weeks, months or designation periods).

    Returns
    -------
    ndarray of int

    Examples
    --------
    >>> time_step_index([0, 6.5, 7, 30], [0, 7, 14]).tolist()
    [0, 0, 1, -1]
    """
    e = np.asarray(edges, dtype=float)
    if e.ndim != 1 or e.size < 2 or np.any(np.diff(e) <= 0):
        raise ValueError("edges must be at least two strictly increasing values")
    k = np.searchsorted(e, np.asarray(t, dtype=float), side="right") - 1
    k[(k < 0) | (k >= e.size - 1)] = -1
    return k


def space_time_cube(
    cell_index: ArrayLike,
    step_index: ArrayLike,
    *,
    cell_x: ArrayLike,
    cell_y: ArrayLike,
    n_steps: int,
    weights: ArrayLike | None = None,
) -> SpaceTimeCube:
    """Count events into a cube of locations × time steps.

    Parameters
    ----------
    cell_index : array_like of int
        Location of each event (0 … n_cells-1; negative = outside, dropped).
    step_index : array_like of int
        Time step of each event (0 … n_steps-1; negative = outside, dropped).
    cell_x, cell_y : array_like
        Centroids of the ``n_cells`` locations (grid cells).
    n_steps : int
        Number of time steps.
    weights : array_like, optional
        Per-event weight (e.g. harm weight); default 1.

    Returns
    -------
    SpaceTimeCube

    Examples
    --------
    >>> cube = space_time_cube([0, 0, 1, -1], [0, 1, 1, 0], cell_x=[0, 100],
    ...                        cell_y=[0, 0], n_steps=2)
    >>> cube.counts.tolist(), cube.n_outside
    ([[1.0, 1.0], [0.0, 1.0]], 1)
    """
    ci = np.asarray(cell_index).astype(np.int64).ravel()
    si = np.asarray(step_index).astype(np.int64).ravel()
    cx = np.asarray(cell_x, dtype=float).ravel()
    cy = np.asarray(cell_y, dtype=float).ravel()
    if ci.size != si.size:
        raise ValueError("cell_index and step_index must have one entry per event")
    if cx.size != cy.size or cx.size == 0:
        raise ValueError("cell_x and cell_y must give one centroid per location")
    if n_steps < 1:
        raise ValueError("n_steps must be at least 1")
    w = np.ones(ci.size) if weights is None else np.asarray(weights, dtype=float).ravel()
    if w.size != ci.size:
        raise ValueError("weights must have one entry per event")
    ok = (ci >= 0) & (ci < cx.size) & (si >= 0) & (si < n_steps)
    flat = ci[ok] * n_steps + si[ok]
    counts = np.bincount(flat, w[ok], minlength=cx.size * n_steps).reshape(cx.size, n_steps)
    return SpaceTimeCube(counts=counts.astype(float), cell_x=cx, cell_y=cy,
                         n_outside=int((~ok).sum()))


def space_time_weights(
    cell_x: ArrayLike,
    cell_y: ArrayLike,
    n_steps: int,
    *,
    distance: float,
    time_window: int = 1,
) -> sparse.csr_matrix:
    """Binary space-time neighbourhood of the bins of a cube (self included).

    Bin ``(c, s)`` has flat index ``s * n_cells + c``. Its neighbours are the bins of the
    locations within ``distance`` (Euclidean, centroid to centroid, itself included) in
    the same time step and the ``time_window`` previous steps — the neighbourhood of ArcGIS
    Pro's Emerging Hot Spot Analysis ("neighborhood distance" and "neighborhood time step").

    Parameters
    ----------
    cell_x, cell_y : array_like
        Location centroids.
    n_steps : int
        Number of time steps.
    distance : float
        Neighbourhood distance (metres), > 0.
    time_window : int
        Number of previous time steps in the neighbourhood (0 = space only).

    Returns
    -------
    scipy.sparse.csr_matrix, shape (n_cells * n_steps, n_cells * n_steps)

    Examples
    --------
    >>> w = space_time_weights([0, 100, 300], [0, 0, 0], 2, distance=150, time_window=1)
    >>> int(w.sum(axis=1)[4, 0])  # cell 1 at step 1: cells 0, 1 in steps 0 and 1
    4
    """
    cx = np.asarray(cell_x, dtype=float).ravel()
    cy = np.asarray(cell_y, dtype=float).ravel()
    if not distance > 0:
        raise ValueError(f"distance must be > 0 metres; got {distance!r}")
    if int(time_window) != time_window or time_window < 0:
        raise ValueError(f"time_window must be a whole number of steps >= 0; got {time_window!r}")
    if n_steps < 1:
        raise ValueError("n_steps must be at least 1")
    tree = cKDTree(np.column_stack([cx, cy]))
    pairs = tree.query_pairs(float(distance), output_type="ndarray")
    rows = np.concatenate([pairs[:, 0], pairs[:, 1], np.arange(cx.size)])
    cols = np.concatenate([pairs[:, 1], pairs[:, 0], np.arange(cx.size)])
    space = sparse.csr_matrix((np.ones(rows.size), (rows, cols)), shape=(cx.size, cx.size))
    # time[s, s'] = 1 when s - time_window <= s' <= s (current and previous steps)
    offsets = list(range(0, -min(int(time_window), n_steps - 1) - 1, -1))
    time = sparse.diags([np.ones(n_steps - abs(o)) for o in offsets], offsets,
                        shape=(n_steps, n_steps))
    return sparse.kron(time, space, format="csr")
