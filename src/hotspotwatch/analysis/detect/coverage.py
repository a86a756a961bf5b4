"""Designation coverage: are the designated places the statistical hot spots of harm?

For each designated perimeter: is it (part of) a Gi* hot spot of harm in the period before
its designation? Which hot spots are not designated ("unofficial focal points")? And the
share of harm inside the designated perimeters against their share of the area — the
Predictive Accuracy Index of the designation (Chainey, Tompson & Uhlig 2008).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import shapely
from numpy.typing import ArrayLike, NDArray
from scipy.sparse.csgraph import connected_components
from shapely.geometry.base import BaseGeometry

from hotspotwatch.analysis._result import ResultMixin
from hotspotwatch.geo.grid import Grid


@dataclass(frozen=True)
class HotCluster(ResultMixin):
    """A connected group of hot cells (queen contiguity).

    Attributes
    ----------
    cluster_id : int
    n_cells : int
    harm : float
        Harm (weighted events) in the cluster's cells.
    max_z : float
    geometry : shapely geometry
        Union of the cells.
    designated : list of str
        Ids of designated perimeters it touches (empty = undesignated).
    """

    cluster_id: int
    n_cells: int
    harm: float
    max_z: float
    geometry: BaseGeometry
    designated: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready values; the geometry as WKT."""
        d = super().to_dict()
        d["geometry"] = self.geometry.wkt
        return d

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> HotCluster:
        """Inverse of :meth:`to_dict` (the geometry from WKT)."""
        return cls(cluster_id=int(data["cluster_id"]), n_cells=int(data["n_cells"]),
                   harm=float(data["harm"]), max_z=_float(data["max_z"]),
                   geometry=shapely.from_wkt(data["geometry"]),
                   designated=[str(v) for v in data.get("designated") or []])


def _float(value: Any) -> float:
    return float("nan") if value is None else float(value)


@dataclass(frozen=True)
class CoverageResult(ResultMixin):
    """Coverage of designated places by statistical hot spots.

    Attributes
    ----------
    hotspot_ids : list of str
    is_hotspot : ndarray of bool
        The perimeter overlaps at least one cell with Gi* bin ≥ ``min_bin``.
    hot_area_share : ndarray
        Share of the perimeter's area lying in such cells.
    max_z : ndarray
        Largest Gi* z among the cells it overlaps (NaN if none).
    max_bin : ndarray of int
        Largest Gi* bin among the cells it overlaps.
    harm_inside : ndarray
        Harm (weighted events) inside each perimeter.
    clusters : list of HotCluster
        All hot clusters; ``undesignated`` lists those touching no perimeter.
    designated_harm_share, designated_area_share : float
        Share of all harm, and of the study area, inside the union of perimeters.
    pai : float
        ``designated_harm_share / designated_area_share``.
    min_bin : int
    """

    hotspot_ids: list[str]
    is_hotspot: NDArray[np.bool_]
    hot_area_share: NDArray[np.float64]
    max_z: NDArray[np.float64]
    max_bin: NDArray[np.int64]
    harm_inside: NDArray[np.float64]
    clusters: list[HotCluster]
    designated_harm_share: float
    designated_area_share: float
    pai: float
    min_bin: int

    @property
    def undesignated(self) -> list[HotCluster]:
        """Hot clusters that touch no designated perimeter (unofficial focal points)."""
        return [c for c in self.clusters if not c.designated]


def pai(harm_share: float, area_share: float) -> float:
    """Predictive Accuracy Index: share of harm over share of area (Chainey et al. 2008).

    Examples
    --------
    >>> pai(0.2, 0.01)
    20.0
    """
    if not area_share > 0:
        raise ValueError("area_share must be positive to compute a PAI")
    return float(harm_share / area_share)


def designation_coverage(
    perimeters: Sequence[BaseGeometry],
    grid: Grid,
    z: ArrayLike,
    bins: ArrayLike,
    *,
    x: ArrayLike,
    y: ArrayLike,
    harm: ArrayLike | None = None,
    study_area: BaseGeometry,
    hotspot_ids: Sequence[str] | None = None,
    min_bin: int = 2,
) -> CoverageResult:
    """Compare designated perimeters with Gi* hot spots of harm on a grid.

    Parameters
    ----------
    perimeters : sequence of shapely polygons
        Designated hot-spot perimeters (workspace CRS, metres).
    grid : Grid
        The grid the Gi* was computed on.
    z, bins : array_like, shape grid.shape
        Gi* z-scores and confidence bins (e.g. ``GiStarResult.z``, ``.bins``) for the
        period before designation.
    x, y : array_like
        Harm event coordinates in that period.
    harm : array_like, optional
        Harm weight per event (default 1).
    study_area : shapely polygon
        Study area for the area shares.
    hotspot_ids : sequence of str, optional
        Names or ids of the perimeters (default ``"0"``, ``"1"``, ...).
    min_bin : int
        Gi* bin that counts as hot (2 = 95 % confidence).

    Returns
    -------
    CoverageResult

    Notes
    -----
    PAI :math:`= (n / N) / (a / A)` with :math:`n` harm inside the perimeters, :math:`N`
    all harm, :math:`a` the perimeters' area and :math:`A` the study area's.

    Examples
    --------
    >>> import numpy as np, shapely
    >>> from hotspotwatch.geo.grid import make_grid
    >>> from hotspotwatch.analysis.detect.gistar import gistar_grid
    >>> area = shapely.box(0, 0, 1000, 1000)
    >>> g = make_grid(area, cell_size=100)
    >>> rng = np.random.default_rng(0)
    >>> x = np.r_[rng.uniform(0, 1000, 200), rng.normal(250, 30, 100)]
    >>> y = np.r_[rng.uniform(0, 1000, 200), rng.normal(250, 30, 100)]
    >>> gi = gistar_grid(g.count(x, y))
    >>> res = designation_coverage([shapely.Point(250, 250).buffer(60)], g, gi.z, gi.bins,
    ...                            x=x, y=y, study_area=area)
    >>> bool(res.is_hotspot[0]), res.pai > 10
    (True, True)
    """
    za = np.asarray(z, dtype=float)
    ba = np.asarray(bins)
    if za.shape != grid.shape or ba.shape != grid.shape:
        raise ValueError(f"z and bins must have the grid's shape {grid.shape}, got {za.shape} and {ba.shape}")
    ids = [str(i) for i in (hotspot_ids if hotspot_ids is not None else range(len(perimeters)))]
    if len(ids) != len(perimeters):
        raise ValueError("hotspot_ids must have one id per perimeter")
    if not study_area.area > 0:
        raise ValueError("study_area must be a polygon with positive area")
    xa = np.asarray(x, dtype=float).ravel()
    ya = np.asarray(y, dtype=float).ravel()
    w = np.ones(xa.size) if harm is None else np.asarray(harm, dtype=float).ravel()
    cells = grid.polygons()
    zc = za[grid.mask]
    bc = ba[grid.mask]
    hot_cells = bc >= min_bin
    tree = shapely.STRtree(cells)
    n = len(perimeters)
    is_hot = np.zeros(n, bool)
    hot_share = np.zeros(n)
    max_z = np.full(n, np.nan)
    max_bin = np.zeros(n, np.int64)
    harm_inside = np.zeros(n)
    for k, poly in enumerate(perimeters):
        idx = tree.query(poly, predicate="intersects")
        if idx.size:
            overlap = shapely.area(shapely.intersection(cells[idx], poly))
            keep = overlap > 0
            idx, overlap = idx[keep], overlap[keep]
        if idx.size:
            is_hot[k] = bool(hot_cells[idx].any())
            hot_share[k] = float(overlap[hot_cells[idx]].sum() / max(poly.area, 1e-300))
            max_z[k] = float(np.nanmax(zc[idx]))
            max_bin[k] = int(bc[idx].max())
        harm_inside[k] = float(w[shapely.contains_xy(poly, xa, ya)].sum()) if xa.size else 0.0

    union = shapely.union_all(list(perimeters)) if n else shapely.Polygon()
    inside_any = shapely.contains_xy(union, xa, ya) if (xa.size and n) else np.zeros(xa.size, bool)
    total = float(w.sum())
    harm_share = float(w[inside_any].sum() / total) if total > 0 else float("nan")
    area_share = float(shapely.intersection(union, study_area).area / study_area.area) if n else 0.0
    pai_value = harm_share / area_share if area_share > 0 else float("nan")

    # hot clusters: connected components of hot cells (queen contiguity)
    clusters: list[HotCluster] = []
    hot_idx = np.flatnonzero(hot_cells)
    if hot_idx.size:
        adjacency = grid.weights("queen")[hot_idx][:, hot_idx]
        n_comp, labels = connected_components(adjacency, directed=False)
        counts = grid.count(xa, ya, w)[grid.mask]
        per_tree = shapely.STRtree(list(perimeters)) if n else None
        for comp in range(n_comp):
            members = hot_idx[labels == comp]
            geom = shapely.union_all(cells[members])
            touched: list[str] = []
            if per_tree is not None:
                hits = per_tree.query(geom, predicate="intersects")
                touched = [ids[i] for i in sorted(hits)]
            clusters.append(HotCluster(cluster_id=comp, n_cells=int(members.size),
                                       harm=float(np.nansum(counts[members])),
                                       max_z=float(np.nanmax(zc[members])), geometry=geom,
                                       designated=touched))
        clusters.sort(key=lambda c: -c.harm)
    return CoverageResult(hotspot_ids=ids, is_hotspot=is_hot, hot_area_share=hot_share, max_z=max_z,
                          max_bin=max_bin, harm_inside=harm_inside, clusters=clusters,
                          designated_harm_share=harm_share, designated_area_share=area_share,
                          pai=float(pai_value), min_bin=min_bin)


@dataclass(frozen=True)
class CoverageRow(ResultMixin):
    """One designated hotspot in the coverage table.

    Attributes
    ----------
    hotspot : str
        Hotspot name.
    designated : date
        First day of its first designation.
    pre_start, period_end : date
        The Gi* period ``[pre_start, period_end)`` it was tested on.
    statistical_hotspot : bool
        The perimeter overlaps a cell with Gi* bin >= ``min_bin``.
    max_bin : int
    max_z : float
    hot_area_share : float
        Share of the perimeter's area in hot cells.
    harm_inside : float
        Harm inside the perimeter in the period.
    pai_all : float
        PAI of all perimeters in force then (the row's group).
    """

    hotspot: str
    designated: dt.date
    pre_start: dt.date
    period_end: dt.date
    statistical_hotspot: bool
    max_bin: int
    max_z: float
    hot_area_share: float
    harm_inside: float
    pai_all: float


@dataclass(frozen=True)
class UndesignatedCluster(ResultMixin):
    """A hot cluster of harm touching no perimeter in force ("unofficial focal point").

    Attributes
    ----------
    designated_period_start : date
        Start of the Gi* group it was found in (designation day, or the period's start).
    n_cells : int
    harm : float
    max_z : float
    x, y : float
        Centroid (workspace CRS).
    wkt : str
        The cluster's cells (union) as WKT.
    """

    designated_period_start: dt.date
    n_cells: int
    harm: float
    max_z: float
    x: float
    y: float
    wkt: str

    @property
    def geometry(self) -> BaseGeometry:
        """The cluster as a shapely geometry."""
        return shapely.from_wkt(self.wkt)


@dataclass(frozen=True)
class CoverageGroup(ResultMixin):
    """One Gi* run of the coverage: hotspots designated on one day (or one period).

    Attributes
    ----------
    start : date
        Designation day (or the period's start).
    pre_start, end : date
        Gi* period ``[pre_start, end)``.
    hotspots : tuple of str
        Perimeters in force then (they decide which clusters are undesignated).
    designated_harm_share, designated_area_share, pai : float
        Share of harm and of the area inside those perimeters, and the PAI.
    n_clusters : int
        Hot clusters found.
    """

    start: dt.date
    pre_start: dt.date
    end: dt.date
    hotspots: tuple[str, ...]
    designated_harm_share: float
    designated_area_share: float
    pai: float
    n_clusters: int


@dataclass(frozen=True)
class CoverageSummary(ResultMixin):
    """Designation coverage as stored: table, undesignated clusters and Gi* groups.

    Attributes
    ----------
    table : tuple of CoverageRow
        One row per designated hotspot tested.
    undesignated : tuple of UndesignatedCluster
        Hot clusters touching no perimeter in force, per group, largest harm first.
    groups : tuple of CoverageGroup
        One per Gi* run (designation day, or the one period).
    cell_size : float
    cell_size_rule : str

    Examples
    --------
    >>> row = CoverageRow("A", dt.date(2024, 3, 1), dt.date(2023, 3, 1), dt.date(2024, 3, 1),
    ...                   True, 3, 4.2, 0.8, 120.0, 15.0)
    >>> s = CoverageSummary(table=(row,), undesignated=(), groups=(), cell_size=100.0)
    >>> CoverageSummary.from_dict(s.to_dict()) == s
    True
    >>> s.row("A").max_bin
    3
    """

    table: tuple[CoverageRow, ...]
    undesignated: tuple[UndesignatedCluster, ...]
    groups: tuple[CoverageGroup, ...]
    cell_size: float
    cell_size_rule: str = "given"

    def row(self, hotspot: str) -> CoverageRow | None:
        """The table row of ``hotspot`` (``None`` when it was not tested)."""
        return next((r for r in self.table if r.hotspot == hotspot), None)


def coverage_rows(res: CoverageResult, names: Sequence[str], first: Mapping[str, dt.date],
                  pre_start: dt.date, end: dt.date) -> list[CoverageRow]:
    """Table rows of the hotspots ``names`` from one :func:`designation_coverage` result."""
    rows = []
    for k, name in enumerate(res.hotspot_ids):
        if name not in names:
            continue
        rows.append(CoverageRow(hotspot=name, designated=first[name], pre_start=pre_start,
                                period_end=end, statistical_hotspot=bool(res.is_hotspot[k]),
                                max_bin=int(res.max_bin[k]), max_z=float(res.max_z[k]),
                                hot_area_share=float(res.hot_area_share[k]),
                                harm_inside=float(res.harm_inside[k]), pai_all=float(res.pai)))
    return rows


def undesignated_clusters(res: CoverageResult, start: dt.date) -> list[UndesignatedCluster]:
    """The undesignated clusters of one :func:`designation_coverage` result."""
    return [UndesignatedCluster(designated_period_start=start, n_cells=c.n_cells, harm=c.harm,
                                max_z=c.max_z, x=float(c.geometry.centroid.x),
                                y=float(c.geometry.centroid.y), wkt=c.geometry.wkt)
            for c in res.undesignated]
