"""A simulated Brussels with known truth: harm, enforcement and prevention events.

The model
---------
For category :math:`c` the intensity at place :math:`s` on day :math:`t` is

.. math::

    \\lambda_c(s, t) = \\Lambda_c(t)\\,[\\,p_c(s)\\, m_c(s, t) + \\textstyle\\sum_e
    \\phi_e\\, g_e(s)\\, 1\\{t \\ge t_e\\}\\,],

- :math:`\\Lambda_c(t)` — region-wide expected events per day: the configured annual rate of
  the day's year times ``scale``, shaped by a yearly cycle and a weekday profile (normalised
  within each calendar year, so the annual total is the configured rate). It is the same for
  every place: the counterfactual trend is common, so a difference-in-differences design
  identifies the planted effects.
- :math:`p_c(s)` — a fixed spatial density over the region (integrates to 1): a mixture of a
  floor, a city-centre gradient, the dense north-west / south-west crescent (Molenbeek,
  Cureghem, Saint-Gilles, Schaerbeek, Laeken), transit hubs, bumps at every listed hotspot
  (they were chosen because harm was high there before designation) and a band along the
  police-zone borders. The south-east (Uccle, Watermael-Boitsfort, the Woluwes) only gets the
  floor and the tail of the city gradient.
- :math:`m_c(s, t)` — the planted effect: 1 everywhere, except while a hotspot is designated:
  inside its circle (radius ``r``) harm is multiplied by ``harm_irr``, enforcement by
  ``1 + (dose - 1) * response`` and prevention by ``prevention_dose``; in the ring from ``r``
  to ``r + w`` harm is multiplied by ``buffer_irr``. Where circles overlap the nearest centre
  decides; a point in a ring and no circle takes the ring of the nearest designated centre.
- :math:`g_e` — an emerging, undesignated place: an isotropic Gaussian bump switched on at
  :math:`t_e`, adding a share :math:`\\phi_e` of the regional intensity.

Shootings are self-exciting (a Hawkes process, Mohler et al. 2011): background shootings
arrive with intensity :math:`(1 - n)\\lambda` and each shooting triggers Poisson(:math:`n`)
further shootings after an exponential delay (mean ``shooting_lag_days``) at a Gaussian offset
(``shooting_spread_m`` per axis), so near-repeat analysis (Knox) finds clusters at short
distances and times. The expected total stays close to the configured rate.

Sampling is exact thinning (Lewis & Shedler 1979): candidates are drawn from a dominating
piecewise-constant intensity on a raster (``cell_m``), placed uniformly in their cell, and kept
with probability :math:`m_c(s,t) / \\bar m` and only if inside the region.

Volumes (defaults, 2021–2025): about 64 500 harm, 28 000 enforcement and 6 200 prevention
events at ``scale=1`` (about 98 700 in all); ``scale=100`` gives about 9.8 million
(about 80 s and 2.9 GB peak memory on 2 cores, see ``bench/brussels_simulator.py``).

References
----------
Lewis, P. A. W., & Shedler, G. S. (1979). Simulation of nonhomogeneous Poisson processes by
thinning. *Naval Research Logistics Quarterly*, 26(3), 403–413.
Mohler, G. O., et al. (2011). Self-exciting point process modeling of crime. *JASA*,
106(493), 100–108.
"""

from __future__ import annotations

import datetime as dt
import itertools
import json
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import shapely
from pyproj import Transformer
from scipy.spatial import cKDTree
from shapely.geometry.base import BaseGeometry

from hotspotwatch.domain.taxonomy import Taxonomy
from hotspotwatch.scenarios.brussels.config import (
    CATEGORY_PROFILE,
    ENFORCEMENT_RESPONSE,
    SPATIAL_PROFILES,
    HotspotEffect,
    SimulationConfig,
)
from hotspotwatch.scenarios.brussels.geography import BrusselsGeography, load_geography
from hotspotwatch.scenarios.brussels.hotspots import DEFAULT_RADIUS_M, HOTSPOTS, HotspotSite

__all__ = ["SimulationResult", "simulate", "write_truth"]

TIMEZONE = "Europe/Brussels"
SOURCE = "simulated-brussels"
_NO_EFFECT = HotspotEffect(1.0, 1.0, 1.0, 1.0)

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


# --------------------------------------------------------------------------- results


@dataclass(frozen=True)
class SimulationResult:
    """Simulated events and the truth they were drawn from.

    Attributes
    ----------
    events : pandas.DataFrame
        One row per event: ``source_id`` (str), ``occurred_at`` (UTC), ``x``, ``y`` (metres in
        the geography's CRS), ``category``, ``role``, sorted by time.
    truth : dict
        JSON-ready ground truth (see :func:`hotspotwatch.scenarios.brussels.truth.compute_truth`).
    """

    events: pd.DataFrame
    truth: dict[str, Any]


def write_truth(path: str | Path, truth: Mapping[str, Any]) -> Path:
    """Write ``truth`` as indented UTF-8 JSON and return the path.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> p = write_truth(pathlib.Path(tempfile.mkdtemp()) / "truth.json", {"seed": 1})
    >>> p.read_text(encoding="utf-8").startswith("{")
    True
    """
    out = Path(path)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(truth, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    return out


# --------------------------------------------------------------------------- raster


@dataclass(frozen=True)
class _Raster:
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


def _project(points: Sequence[tuple[float, float]], crs: str) -> np.ndarray:
    t = Transformer.from_crs("EPSG:4326", crs, always_xy=True)
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


_RASTER_CACHE: dict[tuple[int, bytes, float], tuple[BrusselsGeography, _Raster]] = {}


def _build_raster(geo: BrusselsGeography, hotspot_xy: np.ndarray, cell: float) -> _Raster:
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


def _compute_raster(geo: BrusselsGeography, hotspot_xy: np.ndarray, cell: float) -> _Raster:
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
            -np.hypot(*(np.column_stack([gx, gy]) - _project([CITY_CENTRE], crs)[0]).T) / 2500.0
        ),
        "crescent": _gauss_sum(gx, gy, _project(CRESCENT, crs), 700.0),
        "hubs": _gauss_sum(gx, gy, _project(HUBS, crs), 180.0),
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
    return _Raster(float(x0), float(y0), cell, nx, ny, frac, densities)


# --------------------------------------------------------------------------- time


def _season_weekday(days: pd.DatetimeIndex, amplitude: float, role: str) -> np.ndarray:
    doy = days.day_of_year.to_numpy()
    season = 1.0 + amplitude * np.cos(2 * np.pi * (doy - 196) / 365.25)
    dow = days.day_of_week.to_numpy()
    weekday = {
        "harm": np.array([0.9, 0.9, 0.95, 1.0, 1.15, 1.25, 1.05]),
        "enforcement": np.array([1.1, 1.15, 1.15, 1.15, 1.1, 0.8, 0.65]),
        "prevention": np.array([1.2, 1.2, 1.2, 1.2, 1.1, 0.6, 0.4]),
    }[role]
    return season * weekday[dow]


def _hour_profile(category: str, role: str) -> np.ndarray:
    h = np.arange(24)
    if role == "harm":
        peak = {"shooting": 1.0, "homicide": 1.0, "nuisance": 22.0, "vandalism": 1.0}.get(
            category, 21.0
        )
        base = 0.5
    elif role == "enforcement":
        peak, base = 16.0, 0.3
    else:
        peak, base = 14.0, 0.05
    w = base + np.exp(np.cos(2 * np.pi * (h - peak) / 24) * 1.5)
    return w / w.sum()


def _daily_rates(
    days: pd.DatetimeIndex, category: str, role: str, config: SimulationConfig, scale: float
) -> np.ndarray:
    """Expected region-wide events per day (counterfactual), normalised per calendar year."""
    amp = config.seasonal_amplitude.get(category, config.seasonal_amplitude.get(role, 0.0))
    out = np.empty(len(days))
    years = days.year.to_numpy()
    for year in np.unique(years):
        full = pd.date_range(f"{year}-01-01", f"{year}-12-31", freq="D")
        z = _season_weekday(full, amp, role).sum()
        sel = years == year
        out[sel] = (
            config.rate(category, int(year)) * scale * _season_weekday(days[sel], amp, role) / z
        )
    return out


# --------------------------------------------------------------------------- effects


@dataclass(frozen=True)
class _Field:
    """Planted multiplier field of one category while a given set of hotspots is designated."""

    centres: np.ndarray  # (H, 2) active centres
    inside: np.ndarray  # (H,) multiplier inside circle
    ring: np.ndarray  # (H,) multiplier in ring
    radius: float
    outer: float

    @property
    def bound(self) -> float:
        if self.centres.size == 0:
            return 1.0
        return float(max(1.0, self.inside.max(), self.ring.max()))

    def __call__(self, x: np.ndarray, y: np.ndarray) -> np.ndarray:
        if self.centres.size == 0 or x.size == 0:
            return np.ones(x.shape)
        d = np.hypot(x[:, None] - self.centres[None, :, 0], y[:, None] - self.centres[None, :, 1])
        return self.from_distances(d)

    def from_distances(self, d: np.ndarray) -> np.ndarray:
        """Multiplier at points given their distances ``d`` (n, H) to the active centres."""
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


def _field(
    category: str,
    role: str,
    active: Sequence[int],
    hotspot_xy: np.ndarray,
    effects: Sequence[HotspotEffect],
    radius: float,
    outer: float,
) -> _Field:
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
    return _Field(centres, inside, ring, radius, outer)


# --------------------------------------------------------------------------- setup


@dataclass(frozen=True)
class _Setup:
    geo: BrusselsGeography
    sites: tuple[HotspotSite, ...]
    hotspot_xy: np.ndarray
    effects: tuple[HotspotEffect, ...]
    emerging_xy: np.ndarray
    raster: _Raster
    days: pd.DatetimeIndex
    breaks: np.ndarray  # day indices where the field changes (period starts), incl. 0
    radius: float
    outer: float
    taxonomy: Taxonomy
    config: SimulationConfig
    scale: float

    def active(self, day_index: int) -> list[int]:
        day = self.days[day_index].date()
        return [i for i, s in enumerate(self.sites) if s.designated <= day]

    def emerging_active(self, day_index: int) -> list[int]:
        day = self.days[day_index].date()
        return [i for i, e in enumerate(self.config.emerging) if e.start <= day]

    def profile(self, category: str) -> str:
        role = self.taxonomy[category].role
        if role == "harm":
            return CATEGORY_PROFILE.get(category, "harm")
        return role


def _setup(
    *,
    seed: int,
    scale: float,
    start: str | dt.date,
    end: str | dt.date,
    geography: BrusselsGeography | None,
    hotspots: Sequence[HotspotSite] | None,
    config: SimulationConfig | None,
    radius_m: float,
) -> _Setup:
    if not (np.isfinite(scale) and scale > 0):
        raise ValueError(f"scale must be a positive number (1, 10, 100...), got {scale!r}")
    if not (np.isfinite(radius_m) and radius_m > 0):
        raise ValueError(f"radius_m must be a positive number of metres, got {radius_m!r}")
    try:
        first = pd.Timestamp(start).normalize()
        last = pd.Timestamp(end).normalize()
    except (ValueError, TypeError) as exc:
        raise ValueError(f"start and end must be dates like '2021-01-01': {exc}") from None
    if last < first:
        raise ValueError(f"end ({last.date()}) must not be before start ({first.date()})")
    cfg = config or SimulationConfig()
    cfg.validate()
    taxonomy = Taxonomy.default()
    for cat in cfg.annual_rates:
        if cat not in taxonomy:
            raise ValueError(f"annual_rates: {taxonomy.unknown_message(cat)}")
    geo = geography or load_geography()
    sites = tuple(hotspots if hotspots is not None else HOTSPOTS)
    hotspot_xy = np.array([s.xy(geo.crs) for s in sites]).reshape(-1, 2)
    effects = tuple(cfg.effects.get(s.name, _NO_EFFECT) for s in sites)
    emerging_xy = _project([(e.lat, e.lon) for e in cfg.emerging], geo.crs).reshape(-1, 2)
    raster = _build_raster(geo, hotspot_xy, cfg.cell_m)
    days = pd.date_range(first, last, freq="D")
    change_days = {s.designated for s in sites} | {e.start for e in cfg.emerging}
    breaks = sorted(
        {0}
        | {
            int((pd.Timestamp(d) - first).days)
            for d in change_days
            if first < pd.Timestamp(d) <= last
        }
    )
    width = cfg.buffer_width_m if cfg.buffer_width_m is not None else radius_m
    _ = seed
    return _Setup(
        geo, sites, hotspot_xy, effects, emerging_xy, raster, days, np.array(breaks),
        float(radius_m), float(radius_m + width), taxonomy, cfg, float(scale),
    )  # fmt: skip


# --------------------------------------------------------------------------- sampling


def _sample_places(
    rng: np.random.Generator,
    setup: _Setup,
    density: np.ndarray,
    field: _Field,
    expected: float,
) -> tuple[np.ndarray, np.ndarray]:
    """Exact thinning of a Poisson process with intensity ``expected * density * field``."""
    r = setup.raster
    near = np.zeros(density.size, dtype=bool)
    if field.centres.size:
        cx, cy = r.centres()
        reach = field.outer + r.cell
        for hx, hy in field.centres:
            near |= (np.abs(cx - hx) < reach) & (np.abs(cy - hy) < reach)
    bound = np.where(near, field.bound, 1.0)
    weight = density * bound * r.cell**2  # candidate mass per cell (whole cell)
    total = float(weight.sum())
    n = rng.poisson(expected * total)
    if n == 0:
        return np.empty(0), np.empty(0)
    cells = rng.choice(density.size, size=n, p=weight / total)
    iy, ix = np.divmod(cells, r.nx)
    x = r.x0 + (ix + rng.random(n)) * r.cell
    y = r.y0 + (iy + rng.random(n)) * r.cell
    keep = np.ones(n, dtype=bool)
    edge = r.frac[cells] < 1.0
    if edge.any():
        keep[edge] = shapely.contains_xy(setup.geo.outline, x[edge], y[edge])
    thin = near[cells] & keep
    if thin.any():
        ratio = field(x[thin], y[thin]) / bound[cells[thin]]
        keep[thin] = rng.random(int(thin.sum())) < ratio
    return x[keep], y[keep]


def _sample_times(
    rng: np.random.Generator,
    day_weights: np.ndarray,
    day_offset: int,
    hours: np.ndarray,
    n: int,
) -> np.ndarray:
    """Seconds since the first simulated local midnight."""
    if n == 0:
        return np.empty(0, dtype=np.int64)
    day = rng.choice(day_weights.size, size=n, p=day_weights / day_weights.sum()) + day_offset
    hour = rng.choice(24, size=n, p=hours)
    sec = rng.integers(0, 3600, size=n)
    return day.astype(np.int64) * 86400 + hour * 3600 + sec


def _hawkes_offspring(
    rng: np.random.Generator,
    t: np.ndarray,
    x: np.ndarray,
    y: np.ndarray,
    setup: _Setup,
    horizon: int,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """All descendants of the given shootings (times in seconds), inside the region."""
    cfg = setup.config
    out_t, out_x, out_y = [], [], []
    pt, px, py = t, x, y
    while pt.size:
        k = rng.poisson(cfg.shooting_branching, size=pt.size)
        if k.sum() == 0:
            break
        ct = np.repeat(pt, k) + rng.exponential(cfg.shooting_lag_days * 86400, k.sum()).astype(
            np.int64
        )
        cx = np.repeat(px, k) + rng.normal(0, cfg.shooting_spread_m, k.sum())
        cy = np.repeat(py, k) + rng.normal(0, cfg.shooting_spread_m, k.sum())
        ok = (ct < horizon) & shapely.contains_xy(setup.geo.outline, cx, cy)
        pt, px, py = ct[ok], cx[ok], cy[ok]
        out_t.append(pt)
        out_x.append(px)
        out_y.append(py)
    if not out_t:
        return np.empty(0, dtype=np.int64), np.empty(0), np.empty(0)
    return np.concatenate(out_t), np.concatenate(out_x), np.concatenate(out_y)


def _to_utc(seconds: np.ndarray, first_day: pd.Timestamp, days: pd.DatetimeIndex) -> np.ndarray:
    """Local (Europe/Brussels) seconds since ``first_day`` to UTC datetime64[ns]."""
    noon = (days + pd.Timedelta(hours=12)).tz_localize(TIMEZONE)
    offset = np.array([ts.utcoffset().total_seconds() for ts in noon], dtype=np.int64)
    day = np.clip(seconds // 86400, 0, len(days) - 1)
    base = np.datetime64(first_day.to_datetime64(), "s")
    return (base + (seconds - offset[day]).astype("timedelta64[s]")).astype("datetime64[ns]")


def simulate(
    *,
    seed: int,
    scale: float = 1.0,
    start: str | dt.date = "2021-01-01",
    end: str | dt.date = "2025-12-31",
    geography: BrusselsGeography | None = None,
    hotspots: Sequence[HotspotSite] | None = None,
    config: SimulationConfig | None = None,
    radius_m: float = DEFAULT_RADIUS_M,
    progress: Callable[[str, float], None] | None = None,
) -> SimulationResult:
    """Simulate Brussels events from ``start`` to ``end`` (inclusive) with planted effects.

    Parameters
    ----------
    seed : int
        Seed of the random generator (same seed, same events).
    scale : float, default 1
        Multiplier of every rate (1, 10, 100 for benchmarks).
    start, end : str or datetime.date
        First and last simulated day (local calendar, Europe/Brussels).
    geography : BrusselsGeography, optional
        Layers to simulate in (default :func:`load_geography`).
    hotspots : sequence of HotspotSite, optional
        Designated places (default :data:`HOTSPOTS`, the 17 Brussels places).
    config : SimulationConfig, optional
        Rates, profiles and planted effects (default :class:`SimulationConfig`).
    radius_m : float, default 250
        Radius of the hotspot circles the effects are planted in.
    progress : callable, optional
        Called as ``progress(message, fraction_done)``.

    Returns
    -------
    SimulationResult
        ``events`` (DataFrame) and ``truth`` (dict, see
        :func:`hotspotwatch.scenarios.brussels.truth.compute_truth`).

    Raises
    ------
    ValueError
        For a non-positive ``scale`` or ``radius_m``, bad dates, unknown categories or
        invalid configuration values.

    Examples
    --------
    >>> res = simulate(seed=1, start="2024-01-01", end="2024-06-30")
    >>> sorted(res.events["role"].unique())
    ['enforcement', 'harm', 'prevention']
    >>> 0.5 < res.truth["strategy_harm_irr"] < 1.2
    True
    """
    from hotspotwatch.scenarios.brussels.truth import compute_truth

    setup = _setup(
        seed=seed, scale=scale, start=start, end=end, geography=geography, hotspots=hotspots,
        config=config, radius_m=radius_m,
    )  # fmt: skip
    rng = np.random.default_rng(seed)
    cfg = setup.config
    n_days = len(setup.days)
    horizon = n_days * 86400
    bounds = [*setup.breaks.tolist(), n_days]
    cats = list(cfg.annual_rates)
    frames_t: list[np.ndarray] = []
    frames_x: list[np.ndarray] = []
    frames_y: list[np.ndarray] = []
    frames_c: list[np.ndarray] = []
    for ci, cat in enumerate(cats):
        if progress is not None:
            progress(f"simulating {cat}", ci / len(cats))
        role = setup.taxonomy[cat].role
        density = setup.raster.densities[setup.profile(cat)]
        daily = _daily_rates(setup.days, cat, role, cfg, setup.scale)
        if cat == "shooting":
            daily = daily * (1.0 - cfg.shooting_branching)
        hours = _hour_profile(cat, role)
        ts, xs, ys = [], [], []
        for a, b in itertools.pairwise(bounds):
            expected = float(daily[a:b].sum())
            fld = _field(
                cat, role, setup.active(a), setup.hotspot_xy, setup.effects, setup.radius,
                setup.outer,
            )  # fmt: skip
            x, y = _sample_places(rng, setup, density, fld, expected)
            if role == "harm":
                for e in setup.emerging_active(a):
                    place = cfg.emerging[e]
                    k = rng.poisson(expected * place.share)
                    ex = setup.emerging_xy[e, 0] + rng.normal(0, place.sigma_m, k)
                    ey = setup.emerging_xy[e, 1] + rng.normal(0, place.sigma_m, k)
                    ok = shapely.contains_xy(setup.geo.outline, ex, ey)
                    x = np.concatenate([x, ex[ok]])
                    y = np.concatenate([y, ey[ok]])
            ts.append(_sample_times(rng, daily[a:b], a, hours, x.size))
            xs.append(x)
            ys.append(y)
        t = np.concatenate(ts)
        x = np.concatenate(xs)
        y = np.concatenate(ys)
        if cat == "shooting" and cfg.shooting_branching > 0:
            # Burn-in: shootings of the 90 days before start trigger shootings after it.
            burn_days = 90
            burn_rate = float(daily[: min(365, n_days)].mean())
            no_effect = _field(cat, role, [], setup.hotspot_xy, setup.effects, 1.0, 1.0)
            bx, by = _sample_places(rng, setup, density, no_effect, burn_rate * burn_days)
            bt = -rng.integers(1, burn_days * 86400, size=bx.size)
            ct, cx, cy = _hawkes_offspring(
                rng, np.concatenate([t, bt]), np.concatenate([x, bx]), np.concatenate([y, by]),
                setup, horizon,
            )  # fmt: skip
            ok = ct >= 0
            t = np.concatenate([t, ct[ok]])
            x = np.concatenate([x, cx[ok]])
            y = np.concatenate([y, cy[ok]])
        frames_t.append(t)
        frames_x.append(x)
        frames_y.append(y)
        frames_c.append(np.full(t.size, ci, dtype=np.int16))
    if progress is not None:
        progress("assembling events", 0.95)
    # Sort on the UTC instant: local clock times are not monotonic across DST changes.
    utc = _to_utc(np.concatenate(frames_t), setup.days[0], setup.days)
    order = np.argsort(utc, kind="stable")
    utc = utc[order]
    code = np.concatenate(frames_c)[order]
    categories = pd.Categorical.from_codes(code, categories=cats)
    roles = np.array([setup.taxonomy[c].role for c in cats])[code]
    n = utc.size
    ids = pd.Series(np.arange(1, n + 1)).astype("string[pyarrow]")
    events = pd.DataFrame(
        {
            "source_id": f"BXL-SIM-{seed}-" + ids,
            "occurred_at": pd.DatetimeIndex(utc).tz_localize("UTC"),
            "x": np.concatenate(frames_x)[order],
            "y": np.concatenate(frames_y)[order],
            "category": categories,
            "role": pd.Categorical(roles, categories=["harm", "enforcement", "prevention"]),
        }
    )
    truth = compute_truth(setup, seed=seed)
    truth["volumes"] = {
        "events": int(n),
        "by_role": {r: int((roles == r).sum()) for r in ("harm", "enforcement", "prevention")},
    }
    if progress is not None:
        progress("simulation done", 1.0)
    return SimulationResult(events=events, truth=truth)
