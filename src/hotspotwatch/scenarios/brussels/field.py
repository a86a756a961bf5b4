"""The spatial side of the simulated Brussels: where events are likely, and the planted effects.

- :class:`Raster`, built by :func:`build_raster`: the fixed spatial densities :math:`p_c(s)`
  of each profile (a floor, a city-centre gradient, the north-west / south-west crescent,
  transit hubs, bumps at the listed hotspots and a band along the police-zone borders) on a
  raster of ``cell_m`` metres, each integrating to 1 over the region.
- :class:`EffectField`, built by :func:`effect_field`: the planted multiplier
  :math:`m_c(s, t)` of one category while a given set of hotspots is designated.

The model is described in :mod:`hotspotwatch.scenarios.brussels.simulator`; the ground truth
(:mod:`hotspotwatch.scenarios.brussels.truth`) integrates the same field.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import shapely
from scipy.spatial import cKDTree
from shapely.geometry.base import BaseGeometry

from hotspotwatch.geo.crs import transformer
from hotspotwatch.scenarios.brussels.config import (
    ENFORCEMENT_RESPONSE,
    SPATIAL_PROFILES,
    HotspotEffect,
)
from hotspotwatch.scenarios.brussels.geography import BrusselsGeography

NO_EFFECT = HotspotEffect(1.0, 1.0, 1.0, 1.0)
"""The effect of a hotspot the configuration plants nothing at."""


# WGS84 anchors of the spatial density (lat, lon).
CITY_CENTRE = (50.8467, 4.3525)
CRESCENT = (
    (50.8545, 4.3350),  # Molenbeek historic centre
    (50.8400, 4.3250),  # Cureghem
    (50.8300, 4.3450),  # Saint-Gilles
    (50.8640, 4.3700),  # Schaerbeek west
    (50.8530, 4.3720),  # Saint-Josse
    (50.8780, 4.3500),  # Laeken
    (50.8370, 4.3080),  # Anderlecht centre
    (50.8180, 4.3250),  # Forest
)
HUBS = (
    (50.8357, 4.3365),  # Gare du Midi
    (50.8597, 4.3608),  # Gare du Nord
    (50.8456, 4.3571),  # Gare Centrale
    (50.8428, 4.3802),  # Schuman
    (50.8386, 4.3733),  # Luxembourg
    (50.8487, 4.3215),  # Gare de l'Ouest
    (50.8557, 4.3585),  # Rogier
    (50.8508, 4.3527),  # De Brouckère
)


@dataclass(frozen=True)
class Raster:
    """Spatial densities per profile on a raster covering the region (see module doc)."""

    x0: float
    y0: float
    cell: float
    nx: int
    ny: int
    frac: np.ndarray  # (ny*nx,) share of the cell inside the region
    densities: dict[str, np.ndarray]  # profile -> density per m² (flattened), ∫ p = 1

    def centres(self) -> tuple[np.ndarray, np.ndarray]:
        ix = np.arange(self.nx)
        iy = np.arange(self.ny)
        gx, gy = np.meshgrid(self.x0 + (ix + 0.5) * self.cell, self.y0 + (iy + 0.5) * self.cell)
        return gx.ravel(), gy.ravel()

    def index(self, x: np.ndarray, y: np.ndarray) -> np.ndarray:
        ix = np.clip(((x - self.x0) // self.cell).astype(np.int64), 0, self.nx - 1)
        iy = np.clip(((y - self.y0) // self.cell).astype(np.int64), 0, self.ny - 1)
        return iy * self.nx + ix


def project_latlon(points: Sequence[tuple[float, float]], crs: str) -> np.ndarray:
    """``(lat, lon)`` pairs to an ``(n, 2)`` array of x/y in ``crs``."""
    t = transformer("EPSG:4326", crs)
    lat = np.array([p[0] for p in points])
    lon = np.array([p[1] for p in points])
    x, y = t.transform(lon, lat)
    return np.column_stack([x, y])


def _gauss_sum(gx: np.ndarray, gy: np.ndarray, centres: np.ndarray, sigma: float) -> np.ndarray:
    out = np.zeros_like(gx)
    for cx, cy in centres:
        out += np.exp(-((gx - cx) ** 2 + (gy - cy) ** 2) / (2 * sigma**2))
    return out


def _distance_to_lines(
    lines: BaseGeometry, x: np.ndarray, y: np.ndarray, *, cap: float, step: float = 10.0
) -> np.ndarray:
    """Distance from points to lines (to within ``step / 2``), capped at ``cap`` metres.

    The lines are densified to vertices ``step`` apart and queried with a k-d tree: exact
    ``shapely.distance`` to a long multi-line is far slower on 10⁵ points.
    """
    dense = shapely.segmentize(lines, step)
    coords = shapely.get_coordinates(dense)
    if coords.size == 0:
        return np.full(x.shape, cap)
    d, _ = cKDTree(coords).query(np.column_stack([x, y]), distance_upper_bound=cap)
    return np.minimum(d, cap)


_RASTER_CACHE: dict[tuple[int, bytes, float], tuple[BrusselsGeography, Raster]] = {}


def build_raster(geo: BrusselsGeography, hotspot_xy: np.ndarray, cell: float) -> Raster:
    """The intensity raster, cached per (geography, hotspot centres, cell size)."""
    key = (id(geo), np.ascontiguousarray(hotspot_xy).tobytes(), float(cell))
    hit = _RASTER_CACHE.get(key)
    if hit is not None and hit[0] is geo:
        return hit[1]
    raster = _compute_raster(geo, hotspot_xy, cell)
    if len(_RASTER_CACHE) >= 4:
        _RASTER_CACHE.clear()
    _RASTER_CACHE[key] = (geo, raster)
    return raster


def _compute_raster(geo: BrusselsGeography, hotspot_xy: np.ndarray, cell: float) -> Raster:
    outline = geo.outline
    minx, miny, maxx, maxy = outline.bounds
    x0 = np.floor(minx / cell) * cell
    y0 = np.floor(miny / cell) * cell
    nx = int(np.ceil((maxx - x0) / cell))
    ny = int(np.ceil((maxy - y0) / cell))
    ix, iy = np.meshgrid(np.arange(nx), np.arange(ny))
    gx = (x0 + (ix.ravel() + 0.5) * cell).astype(float)
    gy = (y0 + (iy.ravel() + 0.5) * cell).astype(float)
    boxes = shapely.box(gx - cell / 2, gy - cell / 2, gx + cell / 2, gy + cell / 2)
    shapely.prepare(outline)
    frac = np.zeros(gx.size)
    inside = shapely.contains(outline, boxes)
    frac[inside] = 1.0
    edge = ~inside & shapely.intersects(outline, boxes)
    frac[edge] = shapely.area(shapely.intersection(boxes[edge], outline)) / cell**2

    # Internal police-zone borders (zone boundaries minus the region outline).
    zone_lines = shapely.union_all(shapely.boundary(geo.police_zone.geometry.to_numpy()))
    internal = shapely.difference(zone_lines, shapely.buffer(shapely.boundary(outline), 5.0))
    border_d = _distance_to_lines(internal, gx, gy, cap=1000.0)

    crs = geo.crs
    components = {
        "floor": np.ones_like(gx),
        "city": np.exp(
            -np.hypot(*(np.column_stack([gx, gy]) - project_latlon([CITY_CENTRE], crs)[0]).T)
            / 2500.0
        ),
        "crescent": _gauss_sum(gx, gy, project_latlon(CRESCENT, crs), 700.0),
        "hubs": _gauss_sum(gx, gy, project_latlon(HUBS, crs), 180.0),
        "hotspots": _gauss_sum(gx, gy, hotspot_xy, 150.0),
        "border": np.exp(-border_d / 120.0),
    }
    area = cell**2
    for name, comp in components.items():
        mass = float(np.sum(comp * frac) * area)
        components[name] = comp / mass
    densities = {
        profile: sum(w * components[k] for k, w in weights.items() if w > 0)
        for profile, weights in SPATIAL_PROFILES.items()
    }
    return Raster(float(x0), float(y0), cell, nx, ny, frac, densities)


@dataclass(frozen=True)
class EffectField:
    """Planted multiplier field of one category while a given set of hotspots is designated.

    With a selection spike (``simulate(..., selection="peak")``) the harm multiplier is also
    multiplied by ``spike_factor`` inside the circle of any hotspot in its selection window
    (``spike_centres``); overlapping spiking circles raise a point once.
    """

    centres: np.ndarray  # (H, 2) active centres
    inside: np.ndarray  # (H,) multiplier inside circle
    ring: np.ndarray  # (H,) multiplier in ring
    radius: float
    outer: float
    spike_centres: np.ndarray = field(default_factory=lambda: np.zeros((0, 2)))  # (K, 2)
    spike_factor: float = 1.0

    @property
    def bound(self) -> float:
        base = 1.0
        if self.centres.size:
            base = float(max(1.0, self.inside.max(), self.ring.max()))
        if self.spike_centres.size:
            base *= max(1.0, self.spike_factor)
        return base

    @property
    def reach_centres(self) -> np.ndarray:
        """Every centre near which the multiplier may differ from 1."""
        if not self.spike_centres.size:
            return self.centres
        return np.concatenate([self.centres.reshape(-1, 2), self.spike_centres])

    def __call__(self, x: np.ndarray, y: np.ndarray) -> np.ndarray:
        if (self.centres.size == 0 and self.spike_centres.size == 0) or x.size == 0:
            return np.ones(x.shape)
        d = np.hypot(x[:, None] - self.centres[None, :, 0], y[:, None] - self.centres[None, :, 1])
        out = self.from_distances(d)
        if self.spike_centres.size:
            ds = np.hypot(
                x[:, None] - self.spike_centres[None, :, 0],
                y[:, None] - self.spike_centres[None, :, 1],
            )
            out = out * self.spike_from_distances(ds)
        return out

    def from_distances(self, d: np.ndarray) -> np.ndarray:
        """Designation multiplier at points given their distances ``d`` (n, H) to the active
        centres (the selection spike is not included: see :meth:`spike_from_distances`)."""
        out = np.ones(d.shape[0])
        if self.centres.size == 0 or d.shape[0] == 0:
            return out
        nearest = np.argmin(d, axis=1)
        dmin = d[np.arange(d.shape[0]), nearest]
        in_circle = dmin < self.radius
        in_ring = ~in_circle & (dmin < self.outer)
        out[in_circle] = self.inside[nearest[in_circle]]
        out[in_ring] = self.ring[nearest[in_ring]]
        return out

    def spike_from_distances(self, d: np.ndarray) -> np.ndarray:
        """Selection-spike multiplier at points given their distances ``d`` (n, K) to the
        spiking centres: ``spike_factor`` inside any spiking circle, else 1."""
        out = np.ones(d.shape[0])
        if self.spike_centres.size == 0 or d.shape[0] == 0:
            return out
        out[(d < self.radius).any(axis=1)] = self.spike_factor
        return out


def effect_field(
    category: str,
    role: str,
    active: Sequence[int],
    hotspot_xy: np.ndarray,
    effects: Sequence[HotspotEffect],
    radius: float,
    outer: float,
    *,
    spiking: Sequence[int] = (),
    spike_size: float = 0.0,
) -> EffectField:
    """The multiplier field of ``category`` while the ``active`` hotspots are designated and
    the ``spiking`` ones are in their selection window (harm only: the spike is in victim /
    witness reports, not in proactive police activity or prevention)."""
    idx = np.asarray(active, dtype=np.int64)
    effs = [effects[i] for i in idx]
    if role == "harm":
        inside = np.array([e.harm_irr for e in effs])
        ring = np.array([e.buffer_irr for e in effs])
    elif role == "enforcement":
        resp = ENFORCEMENT_RESPONSE.get(category, 1.0)
        inside = np.array([1.0 + (e.dose - 1.0) * resp for e in effs])
        ring = np.ones(len(effs))
    else:
        inside = np.array([e.prevention_dose for e in effs])
        ring = np.ones(len(effs))
    centres = hotspot_xy[idx] if idx.size else np.zeros((0, 2))
    spk = np.asarray(spiking, dtype=np.int64)
    if role != "harm" or spk.size == 0 or spike_size == 0:
        return EffectField(centres, inside, ring, radius, outer)
    return EffectField(centres, inside, ring, radius, outer, hotspot_xy[spk], 1.0 + spike_size)


__all__ = [
    "CITY_CENTRE",
    "CRESCENT",
    "HUBS",
    "NO_EFFECT",
    "EffectField",
    "Raster",
    "build_raster",
    "effect_field",
    "project_latlon",
]
