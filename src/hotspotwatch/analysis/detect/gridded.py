"""Stored results of the statistics computed on a grid: Gi*, local Moran, KDE, classification.

Each run type holds the grid's geometry (:class:`GridGeometry`) beside the statistic's own
result, so that maps (report, dashboard) draw a stored run without recomputing it, and
``from_dict(to_dict())`` rebuilds it exactly.

Examples
--------
>>> import numpy as np, shapely
>>> from hotspotwatch.geo.grid import make_grid
>>> from hotspotwatch.analysis.detect.gistar import gistar_grid
>>> g = make_grid(shapely.box(0, 0, 500, 500), cell_size=100)
>>> counts = g.count([50, 60, 70, 450], [50, 55, 60, 450])
>>> run = GiStarRun(grid=GridGeometry.from_grid(g), counts=counts,
...                 gistar=gistar_grid(counts, mask=g.mask), n_events=4, harm=4.0)
>>> GiStarRun.from_dict(run.to_dict()).to_dict() == run.to_dict()
True
>>> sum(run.bin_counts().values())
25
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray

from hotspotwatch.analysis._result import ResultMixin, to_jsonable
from hotspotwatch.analysis.detect.classify import ClassifyResult
from hotspotwatch.analysis.detect.gistar import GiStarResult
from hotspotwatch.analysis.detect.kde import KDEResult
from hotspotwatch.analysis.detect.moran import LocalMoranResult
from hotspotwatch.geo.grid import Grid


@dataclass(frozen=True)
class GridGeometry(ResultMixin):
    """The geometry of a :class:`hotspotwatch.geo.grid.Grid`, JSON-ready.

    Attributes
    ----------
    kind : str
        ``"square"`` or ``"hex"``.
    cell_size : float
        Cell side (square) or centre spacing (hex), metres.
    x0, y0 : float
        Lower-left corner of cell (0, 0) (square; centre for hex), workspace CRS.
    shape : tuple of int
        ``(ny, nx)``; row 0 at the bottom.
    mask : ndarray of bool, shape ``shape``
        Cells inside the study area.
    cell_size_rule : str
        ``"given"`` or the automatic rule in words.
    """

    kind: str
    cell_size: float
    x0: float
    y0: float
    shape: tuple[int, int]
    mask: NDArray[np.bool_]
    cell_size_rule: str = "given"

    @classmethod
    def from_grid(cls, grid: Grid) -> GridGeometry:
        """The geometry of ``grid``."""
        return cls(kind=str(grid.kind), cell_size=float(grid.cell_size), x0=float(grid.x0),
                   y0=float(grid.y0), shape=(int(grid.shape[0]), int(grid.shape[1])),
                   mask=np.asarray(grid.mask, dtype=bool), cell_size_rule=grid.cell_size_rule)

    def to_grid(self) -> Grid:
        """The :class:`~hotspotwatch.geo.grid.Grid` (cell polygons, centres, counting)."""
        return Grid(kind=self.kind, cell_size=self.cell_size, x0=self.x0,  # type: ignore[arg-type]
                    y0=self.y0, shape=self.shape, mask=np.asarray(self.mask, dtype=bool),
                    cell_size_rule=self.cell_size_rule)

    @property
    def n_cells(self) -> int:
        """Cells inside the study area."""
        return int(np.asarray(self.mask).sum())

    @property
    def extent(self) -> tuple[float, float, float, float]:
        """``(xmin, ymin, xmax, ymax)`` of the lattice."""
        return self.to_grid().extent

    @classmethod
    def from_dict(cls, data: Any) -> GridGeometry:
        """Inverse of :meth:`to_dict` (the mask back to booleans)."""
        return cls(kind=str(data["kind"]), cell_size=float(data["cell_size"]),
                   x0=float(data["x0"]), y0=float(data["y0"]),
                   shape=(int(data["shape"][0]), int(data["shape"][1])),
                   mask=np.asarray(data["mask"], dtype=bool),
                   cell_size_rule=str(data.get("cell_size_rule", "given")))


def _masked_list(values: NDArray[Any], mask: NDArray[np.bool_]) -> list[list[Any]]:
    """Nested ``ny x nx`` list with ``None`` outside the mask (for maps)."""
    out = np.asarray(values).astype(object)
    out[~np.asarray(mask, dtype=bool)] = None
    return [[None if v is None else to_jsonable(v) for v in row] for row in out.tolist()]


@dataclass(frozen=True)
class GiStarRun(ResultMixin):
    """A stored Gi* run: the grid, the counts per cell and the Gi* result.

    Attributes
    ----------
    grid : GridGeometry
    counts : ndarray, shape ``grid.shape``
        Harm (or events, unweighted) per cell; NaN outside the study area.
    gistar : GiStarResult
        z, p-values and confidence bins (-3..3) per cell, grid-shaped.
    n_events : int
        Events counted.
    harm : float
        Their total weight.

    Notes
    -----
    ``to_dict()`` also carries ``bins`` (``ny x nx``, ``None`` outside the study area),
    ``bin_counts`` and ``n_cells`` for readers that draw a map without rebuilding the type.
    """

    #: 3: Gi* records which p-value made the bins and the levels permutations missed.
    #: 4: permutations_needed from the cells at the floor (it could be below those run).
    schema_version = 4

    grid: GridGeometry
    counts: NDArray[np.float64]
    gistar: GiStarResult
    n_events: int
    harm: float

    def bin_counts(self) -> dict[int, int]:
        """Cells per confidence bin (-3..3) inside the study area."""
        bins = np.asarray(self.gistar.bins)[np.asarray(self.grid.mask, dtype=bool)]
        return {b: int((bins == b).sum()) for b in range(-3, 4)}

    def bins_grid(self) -> NDArray[np.float64]:
        """Bins as floats, NaN outside the study area (for maps)."""
        out = np.asarray(self.gistar.bins, dtype=float).copy()
        out[~np.asarray(self.grid.mask, dtype=bool)] = np.nan
        return out

    def to_dict(self) -> dict[str, Any]:
        """Fields plus ``bins`` (masked), ``bin_counts`` and ``n_cells``."""
        d = super().to_dict()
        d["bins"] = _masked_list(np.asarray(self.gistar.bins), self.grid.mask)
        d["bin_counts"] = {str(k): v for k, v in self.bin_counts().items()}
        d["n_cells"] = self.grid.n_cells
        return d


@dataclass(frozen=True)
class LocalMoranRun(ResultMixin):
    """A stored local Moran (LISA) run on a grid.

    Attributes
    ----------
    grid : GridGeometry
    counts : ndarray, shape ``grid.shape``
        Values per cell (NaN outside the study area).
    lisa : LocalMoranResult
        Per masked cell, in row-major order of ``grid.mask``.
    n_events : int
    harm : float
    """

    schema_version = 2

    grid: GridGeometry
    counts: NDArray[np.float64]
    lisa: LocalMoranResult
    n_events: int
    harm: float

    def cluster_counts(self) -> dict[str, int]:
        """Cells per cluster code: 0 not significant, 1 HH, 2 LH, 3 LL, 4 HL."""
        return {str(q): int((np.asarray(self.lisa.cluster) == q).sum()) for q in range(5)}

    def to_dict(self) -> dict[str, Any]:
        """Fields plus ``clusters`` (cells per cluster code)."""
        return super().to_dict() | {"clusters": self.cluster_counts()}


@dataclass(frozen=True)
class KDERun(ResultMixin):
    """A stored kernel density surface.

    Attributes
    ----------
    grid : GridGeometry
        The surface's lattice (square cells, mask = finite density).
    kde : KDEResult
        Density per square metre, bandwidth and its rule, kernel, mass.
    """

    schema_version = 2

    grid: GridGeometry
    kde: KDEResult

    @property
    def max_density(self) -> float:
        """Peak density per square metre."""
        d = np.asarray(self.kde.density, dtype=float)
        return float(np.nanmax(d)) if np.isfinite(d).any() else float("nan")

    def to_dict(self) -> dict[str, Any]:
        """Fields plus ``mass``, ``total_weight`` and ``max_density``."""
        return super().to_dict() | {"mass": to_jsonable(self.kde.mass),
                                    "total_weight": to_jsonable(self.kde.total_weight),
                                    "max_density": to_jsonable(self.max_density)}


@dataclass(frozen=True)
class ClassifyRun(ResultMixin):
    """A stored hot-spot classification over equal periods.

    Attributes
    ----------
    grid : GridGeometry
    totals : ndarray, shape ``grid.shape``
        Values per cell summed over the periods.
    classify : ClassifyResult
        Category per masked cell (row-major order of ``grid.mask``).
    period_edges : tuple of date
        ``n_periods + 1`` edges; period ``k`` is ``[edges[k], edges[k+1])``.
    time_precision : str
        Coarsest ``time_precision`` of the events used.
    min_precision : str or None
        The run's ``min_precision`` (coarser events dropped).
    n_dropped_precision : int
        Events dropped by ``min_precision``.
    period_rule : str
        ``"equal_days"``, or ``"calendar_months"`` when month-precision data put the inner
        edges on the nearest first of a month (periods never split a month).
    """

    #: 3: time precision, dropped events and the period rule.
    schema_version = 3

    grid: GridGeometry
    totals: NDArray[np.float64]
    classify: ClassifyResult
    period_edges: tuple[dt.date, ...]
    time_precision: str = "instant"
    min_precision: str | None = None
    n_dropped_precision: int = 0
    period_rule: str = "equal_days"

    def to_dict(self) -> dict[str, Any]:
        """Fields plus ``counts`` (cells per category)."""
        return super().to_dict() | {"counts": self.classify.counts()}


__all__ = ["ClassifyRun", "GiStarRun", "GridGeometry", "KDERun", "LocalMoranRun"]
