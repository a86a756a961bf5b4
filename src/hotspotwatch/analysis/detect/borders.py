"""Border view: harm near the internal borders of police zones, and clusters that straddle them.

Street markets often sit on the border between two zones (each side sees half a problem).
This compares the share of harm within a distance of the internal borders with the share
of the area there (a location quotient), and lists hot clusters that straddle zones — the
places where two zones must coordinate.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import shapely
from numpy.typing import ArrayLike
from shapely.geometry.base import BaseGeometry

from hotspotwatch.analysis._result import ResultMixin


@dataclass(frozen=True)
class StraddlingCluster(ResultMixin):
    """A cluster lying in two or more zones.

    Attributes
    ----------
    cluster_index : int
        Position in the ``clusters`` input.
    zones : list of str
        Zones it overlaps, largest share first.
    area_shares : list of float
        Share of the cluster's area in each of ``zones``.
    """

    cluster_index: int
    zones: list[str]
    area_shares: list[float]


@dataclass(frozen=True)
class BorderResult(ResultMixin):
    """Harm near internal zone borders.

    Attributes
    ----------
    distance : float
        Band half-width in metres.
    harm_share : float
        Share of harm within ``distance`` of an internal border.
    area_share : float
        Share of the study area within ``distance`` of an internal border.
    location_quotient : float
        ``harm_share / area_share`` (> 1: harm concentrates near borders).
    border_length : float
        Length of the internal borders in metres.
    straddling : list of StraddlingCluster
    band : shapely geometry
        The area within ``distance`` of an internal border (WKT in ``to_dict``, to the
        centimetre).

    Examples
    --------
    >>> import shapely
    >>> zones = [shapely.box(0, 0, 100, 100), shapely.box(100, 0, 200, 100)]
    >>> res = border_view([95, 105, 20], [50, 50, 50], zones, distance=10)
    >>> again = BorderResult.from_dict(res.to_dict())
    >>> again.to_dict() == res.to_dict(), round(again.band.area)
    (True, 2000)
    """

    distance: float
    harm_share: float
    area_share: float
    location_quotient: float
    border_length: float
    straddling: list[StraddlingCluster]
    band: BaseGeometry

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready values; the band geometry as WKT."""
        d = super().to_dict()
        d["band"] = shapely.to_wkt(self.band, rounding_precision=2, trim=True)
        return d

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> BorderResult:
        """Inverse of :meth:`to_dict` (the band from WKT; empty when absent)."""
        band = data.get("band")
        return cls(distance=float(data["distance"]), harm_share=_float(data["harm_share"]),
                   area_share=_float(data["area_share"]),
                   location_quotient=_float(data["location_quotient"]),
                   border_length=float(data["border_length"]),
                   straddling=[StraddlingCluster.from_dict(s) for s in data.get("straddling") or []],
                   band=shapely.from_wkt(band) if band else shapely.Polygon())


def _float(value: Any) -> float:
    return float("nan") if value is None else float(value)


def internal_borders(zones: Sequence[BaseGeometry], *, tolerance: float = 1.0) -> BaseGeometry:
    """Lines shared by two zones: all zone boundaries minus the outer boundary of their union."""
    if len(zones) < 2:
        return shapely.LineString()
    boundaries = shapely.union_all([z.boundary for z in zones])
    outer = shapely.union_all(list(zones)).boundary.buffer(tolerance)
    return shapely.difference(boundaries, outer)


def border_view(
    x: ArrayLike,
    y: ArrayLike,
    zones: Sequence[BaseGeometry],
    *,
    distance: float,
    zone_ids: Sequence[str] | None = None,
    harm: ArrayLike | None = None,
    clusters: Sequence[BaseGeometry] = (),
    min_share: float = 0.05,
    progress: Callable[[int, int], None] | None = None,
) -> BorderResult:
    """Share of harm near internal zone borders versus the share of area, and straddling clusters.

    Parameters
    ----------
    x, y : array_like
        Harm event coordinates (metres).
    zones : sequence of shapely polygons
        Police zones (or communes) covering the study area.
    distance : float
        Distance from the border in metres (band half-width).
    zone_ids : sequence of str, optional
        Names of the zones.
    harm : array_like, optional
        Harm weight per event (default 1).
    clusters : sequence of shapely polygons
        Hot clusters (e.g. ``CoverageResult.clusters[i].geometry``).
    min_share : float
        A cluster straddles a zone when at least this share of its area lies in it.
    progress : callable, optional
        ``progress(done, 3 + len(clusters))``: after the border band, the events near it,
        the shares, and each cluster.

    Returns
    -------
    BorderResult

    Notes
    -----
    Location quotient :math:`LQ = (h_b / H) / (a_b / A)` with :math:`h_b` harm and
    :math:`a_b` area within ``distance`` of the internal borders (Brantingham &
    Brantingham 1997 use the same quotient for crime mixes).

    Examples
    --------
    >>> import shapely
    >>> zones = [shapely.box(0, 0, 100, 100), shapely.box(100, 0, 200, 100)]
    >>> res = border_view([95, 105, 20], [50, 50, 50], zones, distance=10)
    >>> round(res.area_share, 3), round(res.harm_share, 3)
    (0.1, 0.667)
    """
    if not distance > 0:
        raise ValueError(f"distance must be positive metres, got {distance!r}")
    if len(zones) < 2:
        raise ValueError("border_view needs at least two zones (e.g. the police_zone layer)")
    ids = [str(i) for i in (zone_ids if zone_ids is not None else range(len(zones)))]
    if len(ids) != len(zones):
        raise ValueError("zone_ids must have one id per zone")
    region = shapely.union_all(list(zones))
    borders = internal_borders(zones)
    band = shapely.intersection(borders.buffer(distance), region)
    total_steps = 3 + len(clusters)

    def step(k: int) -> None:
        if progress is not None:
            progress(k, total_steps)

    step(1)
    xa = np.asarray(x, dtype=float).ravel()
    ya = np.asarray(y, dtype=float).ravel()
    w = np.ones(xa.size) if harm is None else np.asarray(harm, dtype=float).ravel()
    total = float(w.sum())
    near = shapely.contains_xy(band, xa, ya) if xa.size else np.zeros(0, bool)
    step(2)
    harm_share = float(w[near].sum() / total) if total > 0 else float("nan")
    area_share = float(band.area / region.area)
    lq = harm_share / area_share if area_share > 0 else float("nan")
    step(3)
    straddling: list[StraddlingCluster] = []
    for k, cluster in enumerate(clusters):
        step(4 + k)
        if cluster.area <= 0:
            continue
        shares = np.array([shapely.intersection(cluster, z).area / cluster.area for z in zones])
        keep = np.flatnonzero(shares >= min_share)
        if keep.size >= 2:
            order = keep[np.argsort(-shares[keep])]
            straddling.append(StraddlingCluster(cluster_index=k, zones=[ids[i] for i in order],
                                                area_shares=[float(shares[i]) for i in order]))
    return BorderResult(distance=float(distance), harm_share=harm_share, area_share=area_share,
                        location_quotient=float(lq), border_length=float(borders.length),
                        straddling=straddling, band=band)
