"""Public testing helpers: small synthetic workspaces of any shape.

Like ``geopandas.testing``, this module is for users and for our own tests. :func:`make_city`
builds a small city that is *not* Brussels: another CRS (a UTM zone by default), another zone
layer (``neighbourhood`` by default, configured as the workspace's ``zone_layer``), another
time precision if asked, exact duplicate rows if asked, and events with a planted structure
that the analyses should find:

- **burglary near repeats**: about a third of burglaries are followed, within 1-7 days, by
  another within 100 m (Knox on burglary finds a near-repeat excess; shootings have none);
- **hotspots**: ``n_hotspots`` circular perimeters (radius 150 m), each designated on its own
  day; inside them, robbery, assault and shooting are more frequent *before* designation
  (about 40 % less after), while enforcement and prevention concentrate there *after*
  designation (the dose);
- **an undesignated cluster** of assaults touching no perimeter (a focal point that coverage
  should list), centred at 80 % of the square's width and 20 % of its height.

Events come from one source (``"synthetic"``) unless ``sources`` splits the categories among
several :class:`CitySource` s, each with its own time precision (police.uk-style month-only
data beside an hourly incident log, say), its own exact duplicates and months it does not
cover at all (no event is generated there: a gap in the data, not a quiet month).

Everything is deterministic given ``seed``.
"""

from __future__ import annotations

import datetime as dt
import math
import os
import tomllib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
import pandas as pd
import shapely

from hotspotwatch.config import CONFIG_FILE, Config
from hotspotwatch.domain.taxonomy import Taxonomy
from hotspotwatch.workspace import Workspace

Precision = Literal["instant", "hour", "day", "month"]
PRECISIONS: tuple[str, ...] = ("instant", "hour", "day", "month")

DEFAULT_CATEGORIES: tuple[str, ...] = (
    "burglary",
    "robbery",
    "assault",
    "shooting",
    "police_check",
    "prevention_contact",
)
#: Hotspot centres as fractions of the square (x, y); the first ``n_hotspots`` are used.
HOTSPOT_SITES: tuple[tuple[float, float], ...] = (
    (0.25, 0.30),
    (0.30, 0.75),
    (0.65, 0.60),
    (0.50, 0.20),
    (0.80, 0.85),
    (0.15, 0.55),
)
#: Centre of the undesignated assault cluster (fractions of the square).
UNDESIGNATED_SITE: tuple[float, float] = (0.80, 0.20)
HOTSPOT_RADIUS_M = 150.0
NEIGHBOURHOOD_LABEL = {"en": "neighbourhood", "fr": "quartier", "nl": "wijk"}

# Events per day at scale 1: (whole area, inside each hotspot before / after designation).
_HARM_RATES: dict[str, tuple[float, float, float]] = {
    "burglary": (1.0, 0.0, 0.0),
    "robbery": (0.4, 0.08, 0.048),
    "assault": (0.8, 0.15, 0.09),
    "shooting": (0.04, 0.02, 0.01),
}
_OTHER_HARM = (0.3, 0.05, 0.03)
_ENFORCEMENT = (0.2, 0.0, 0.5)
_PREVENTION = (0.02, 0.0, 0.2)
_NEAR_REPEAT_P = 0.33
_NEAR_REPEAT_M = 100.0
_NEAR_REPEAT_DAYS = 7
_CLUSTER_RATE = 0.3  # assaults per day in the undesignated cluster
_CLUSTER_SD_M = 50.0


@dataclass(frozen=True)
class CitySource:
    """One source of a synthetic city's events (see :func:`make_city`'s ``sources``).

    Attributes
    ----------
    name : str
        Source name stored with each event (``(source, source_id)`` identifies an event).
    categories : sequence of str
        The categories this source records (a category belongs to one source only).
    precision : {"instant", "hour", "day", "month"}
        Time precision of its events: an instant; the start of its local hour; local
        midnight of its day; or local midnight of the 1st of its month (police.uk style).
    duplicates : int
        Exact duplicate rows of this source (same time, place and category as one of its
        events, another ``source_id``).
    gaps : sequence of (date, date)
        Half-open periods ``[start, end)`` the source does not cover: none of its events
        fall there (e.g. ``[(date(2022, 9, 1), date(2022, 11, 1))]``: September and October
        2022 missing).

    Examples
    --------
    >>> CitySource("police-uk", ("robbery",), precision="month").precision
    'month'
    """

    name: str
    categories: Sequence[str]
    precision: Precision = "instant"
    duplicates: int = 0
    gaps: Sequence[tuple[dt.date, dt.date]] = ()


def make_city(
    path: str | os.PathLike[str],
    *,
    crs: str = "EPSG:32631",
    timezone: str = "Europe/Paris",
    centre: tuple[float, float] | None = None,
    size: float = 4000.0,
    zone_layer: str = "neighbourhood",
    zone_label: Mapping[str, str] | None = None,
    n_zones: int = 4,
    precision: Precision = "instant",
    duplicates: int = 0,
    categories: Sequence[str] = DEFAULT_CATEGORIES,
    n_hotspots: int = 3,
    start: dt.date = dt.date(2021, 1, 1),
    end: dt.date = dt.date(2024, 1, 1),
    seed: int = 0,
    scale: float = 1.0,
    config: Mapping[str, Mapping[str, Any]] | None = None,
    database_url: str | None = None,
    name: str = "Synthetic city",
    areas: bool = True,
    sources: Sequence[CitySource] | None = None,
) -> Workspace:
    """Create a small synthetic city workspace with a planted structure.

    Parameters
    ----------
    path : path-like
        Folder of the new workspace (must not hold one yet).
    crs : str
        Projected CRS in metres of the workspace (default a UTM zone, not Brussels'
        EPSG:3812).
    timezone : str
        IANA time zone of the workspace.
    centre : (lon, lat), optional
        Centre of the square study area; default the centre of the CRS's area of use.
    size : float
        Side of the square study area in metres.
    zone_layer : str
        Name of the zone layer, written as ``[workspace] zone_layer`` in
        ``hotspotwatch.toml``.
    zone_label : mapping, optional
        What a zone is called per language; default "neighbourhood" / "quartier" / "wijk"
        for the ``neighbourhood`` layer and none (neutral wording) for another name.
    n_zones : int
        Number of zones: the square cut into a near-square grid of rectangles (the last zone
        takes the rest of the last row).
    precision : {"instant", "hour", "day", "month"}
        Time precision of every event: an instant; the start of its local hour; local
        midnight of its day; or local midnight of the 1st of its month (``time_precision``
        ``"hour"`` / ``"day"`` / ``"month"``).
    duplicates : int
        Number of exact duplicate rows added: the same source, time, place and category as
        an existing event, with a distinct ``source_id``.
    categories : sequence of str
        Categories to simulate (harm, enforcement and prevention): of the default taxonomy,
        or defined in ``config["categories"]``.
    n_hotspots : int
        Number of designated hotspots (at most 6), named ``"Hotspot 1"``, ...
    start, end : date
        Events in ``[start, end)``; hotspot ``k`` is designated at ``40 + 10 k`` % of the
        span (so that there is a before and an after).
    seed : int
        Seed of the random generator: equal arguments give equal workspaces.
    scale : float
        Multiplies every event rate (1: about 4 000 events over three years).
    config : mapping, optional
        Extra TOML tables merged into the config, e.g.
        ``{"report": {"near_repeat_categories": ["burglary"]}}``.
    database_url : str, optional
        Keep the store on PostgreSQL instead of the embedded SQLite file.
    name : str
        Display name of the workspace.
    areas : bool
        ``False``: no area layer at all (no ``region``, no zone layer), i.e. a workspace
        without a study area, as a new user's is before ``hotspotwatch import areas FILE
        --layer region``.
    sources : sequence of CitySource, optional
        Split the events among several sources, each with its categories, precision,
        duplicates and gaps; ``categories``, ``precision`` and ``duplicates`` must then keep
        their defaults. Default: one source ``"synthetic"`` with all of them.

    Returns
    -------
    Workspace
        The open workspace with layers ``region`` (the square) and ``zone_layer``, the
        hotspots with their designations, and the events (source ``"synthetic"``, or one
        per :class:`CitySource`).

    Raises
    ------
    ValueError
        If an argument is out of range or a category is not in the default taxonomy.

    Examples
    --------
    >>> import tempfile
    >>> ws = make_city(tempfile.mkdtemp() + "/city", precision="month", duplicates=2)
    >>> ws.config.crs, ws.config.zone_layer, len(ws.areas("neighbourhood"))
    ('EPSG:32631', 'neighbourhood', 4)
    >>> sorted(set(ws.events()["time_precision"]))
    ['month']
    >>> ws.close()
    >>> two = make_city(tempfile.mkdtemp() + "/two", sources=[
    ...     CitySource("police-uk", ("robbery", "assault"), precision="month"),
    ...     CitySource("log", ("burglary", "police_check"), precision="hour", duplicates=3)])
    >>> sorted(two.events().groupby("source")["time_precision"].first().items())
    [('log', 'hour'), ('police-uk', 'month')]
    >>> two.close()
    """
    if sources is not None:
        if (precision, duplicates, tuple(categories)) != ("instant", 0, DEFAULT_CATEGORIES):
            raise ValueError("give categories, precision and duplicates per CitySource, "
                             "not beside sources=")
        categories = _check_sources(sources)
    else:
        sources = [CitySource("synthetic", tuple(categories), precision, duplicates)]
    tax = Taxonomy.default().with_overrides(dict((config or {}).get("categories", {})))
    for src in sources:
        _check(src.precision, src.duplicates, src.categories, n_hotspots, n_zones, start, end,
               scale, size, tax)
    rng = np.random.default_rng(seed)
    ws = Workspace.create(path, crs=crs, timezone=timezone, database_url=database_url, name=name)
    ws = _configure(ws, zone_layer, zone_label, config)
    x0, y0 = _origin(ws.config.crs, centre, size)
    square = shapely.box(x0, y0, x0 + size, y0 + size)
    zones = _zones(x0, y0, size, n_zones)
    codes = [f"Z{k + 1}" for k in range(len(zones))]
    if areas:
        ws.add_areas(_frame(["R"], [name], [square], ws.config.crs), "region")
        ws.add_areas(_frame(codes, [f"Zone {k + 1}" for k in range(len(zones))], zones,
                            ws.config.crs), zone_layer)
    sites = [(x0 + fx * size, y0 + fy * size) for fx, fy in HOTSPOT_SITES[:n_hotspots]]
    span = (end - start).days
    designated = [start + dt.timedelta(days=round((0.4 + 0.1 * k) * span)) for k in range(n_hotspots)]
    for k, ((hx, hy), day) in enumerate(zip(sites, designated, strict=True)):
        hname = f"Hotspot {k + 1}"
        ws.add_hotspot(hname, shapely.Point(hx, hy).buffer(HOTSPOT_RADIUS_M, 32), code=f"H{k + 1}",
                       zone=_zone_of(zones, codes, hx, hy))
        ws.add_designation(hname, action="designate", start=day, body="City council",
                           decision_ref=f"decision {k + 1}")
    cluster = (x0 + UNDESIGNATED_SITE[0] * size, y0 + UNDESIGNATED_SITE[1] * size)
    x, y, offset, cat = _simulate(rng, ws.taxonomy, categories, (x0, y0, size), sites, start,
                                  designated, cluster, span, scale)
    for src in sources:
        mine = np.isin(cat, list(src.categories))
        frame = _events_frame(rng, x[mine], y[mine], start, offset[mine], cat[mine], timezone,
                              src.precision, src.duplicates, src.gaps)
        ws.add_events(frame, source=src.name, file="make_city")
    return ws


def _check_sources(sources: Sequence[CitySource]) -> tuple[str, ...]:
    """Every category of the sources, each in one source only; distinct source names."""
    if not sources:
        raise ValueError("sources: give at least one CitySource")
    names = [s.name for s in sources]
    if len(set(names)) != len(names):
        raise ValueError(f"sources: names must be distinct, got {names}")
    seen: dict[str, str] = {}
    for src in sources:
        if not src.categories:
            raise ValueError(f"source {src.name!r}: give at least one category")
        for c in src.categories:
            if c in seen:
                raise ValueError(f"category {c!r} is in sources {seen[c]!r} and {src.name!r}; "
                                 "a category belongs to one source")
            seen[c] = src.name
        for a, b in src.gaps:
            if not a < b:
                raise ValueError(f"source {src.name!r}: gap {a}..{b} is empty; give start < end")
    return tuple(seen)


def _check(precision: str, duplicates: int, categories: Sequence[str], n_hotspots: int,
           n_zones: int, start: dt.date, end: dt.date, scale: float, size: float,
           tax: Taxonomy) -> None:
    if precision not in PRECISIONS:
        raise ValueError(f"precision must be one of {', '.join(PRECISIONS)}, not {precision!r}")
    if duplicates < 0:
        raise ValueError(f"duplicates must be >= 0, not {duplicates}")
    if not 0 <= n_hotspots <= len(HOTSPOT_SITES):
        raise ValueError(f"n_hotspots must be between 0 and {len(HOTSPOT_SITES)}")
    if n_zones < 1:
        raise ValueError("n_zones must be >= 1")
    if (end - start).days < 60:
        raise ValueError(f"the period {start}..{end} is too short; give at least 60 days")
    if scale <= 0 or size <= 0:
        raise ValueError("scale and size must be positive")
    for c in categories:
        if c not in tax:
            raise ValueError(tax.unknown_message(c))


def _configure(ws: Workspace, zone_layer: str, zone_label: Mapping[str, str] | None,
               extra: Mapping[str, Mapping[str, Any]] | None) -> Workspace:
    """Rewrite ``hotspotwatch.toml`` with the zone layer and extra tables, then reopen."""
    data = tomllib.loads(ws.config.to_toml())
    data["workspace"]["zone_layer"] = zone_layer
    label = zone_label if zone_label is not None else (
        NEIGHBOURHOOD_LABEL if zone_layer == "neighbourhood" else None)
    if label:
        data["workspace"]["zone_label"] = dict(label)
    for table, content in (extra or {}).items():
        data.setdefault(table, {}).update(dict(content))
    cfg = Config.from_mapping(data, source="make_city")
    (ws.path / CONFIG_FILE).write_text(cfg.to_toml(), encoding="utf-8")
    url = ws.config.database_url
    ws.close()
    return Workspace.open(ws.path, database_url=url)


def _origin(crs: str, centre: tuple[float, float] | None, size: float) -> tuple[float, float]:
    from pyproj import CRS

    from hotspotwatch.geo.crs import transformer

    if centre is None:
        area = CRS.from_user_input(crs).area_of_use
        if area is None:
            raise ValueError(f"{crs} has no area of use; give centre=(lon, lat)")
        centre = ((area.west + area.east) / 2, (area.south + area.north) / 2)
    tr = transformer("EPSG:4326", crs)
    cx, cy = tr.transform(*centre)
    # Whole hundreds of metres: grid cells then align with round coordinates.
    return math.floor((cx - size / 2) / 100) * 100.0, math.floor((cy - size / 2) / 100) * 100.0


def _frame(codes: list[str], names: list[str], geoms: list[Any], crs: str) -> Any:
    import geopandas as gpd

    return gpd.GeoDataFrame({"code": codes, "name": names}, geometry=geoms, crs=crs)


def _zones(x0: float, y0: float, size: float, n: int) -> list[Any]:
    cols = math.ceil(math.sqrt(n))
    rows = math.ceil(n / cols)
    w, h = size / cols, size / rows
    cells = [shapely.box(x0 + c * w, y0 + r * h, x0 + (c + 1) * w, y0 + (r + 1) * h)
             for r in range(rows) for c in range(cols)]
    zones: list[Any] = list(cells[: n - 1])
    zones.append(shapely.union_all(cells[n - 1:]))
    return zones


def _zone_of(zones: list[Any], codes: list[str], x: float, y: float) -> str | None:
    p = shapely.Point(x, y)
    return next((c for z, c in zip(zones, codes, strict=True) if z.covers(p)), None)


def _rates(category: str, role: str) -> tuple[float, float, float]:
    if role == "enforcement":
        return _ENFORCEMENT
    if role == "prevention":
        return _PREVENTION
    return _HARM_RATES.get(category, _OTHER_HARM)


def _disk(rng: np.random.Generator, n: int, cx: float, cy: float, r: float) -> tuple[Any, Any]:
    rad = r * np.sqrt(rng.uniform(0, 1, n))
    ang = rng.uniform(0, 2 * np.pi, n)
    return cx + rad * np.cos(ang), cy + rad * np.sin(ang)


def _simulate(
    rng: np.random.Generator, tax: Taxonomy, categories: Sequence[str],
    square: tuple[float, float, float], sites: list[tuple[float, float]],
    start: dt.date, designated: list[dt.date], cluster: tuple[float, float], span: int,
    scale: float,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """x, y, day offset (from ``start``) and category of every simulated event."""
    x0, y0, size = square
    xs: list[Any] = []
    ys: list[Any] = []
    days: list[Any] = []
    cats: list[Any] = []

    def add(x: Any, y: Any, d: Any, c: str) -> None:
        xs.append(np.asarray(x, float))
        ys.append(np.asarray(y, float))
        days.append(np.asarray(d, np.int64))
        cats.append(np.full(np.size(x), c, dtype=object))

    for c in categories:
        base, pre, post = _rates(c, str(tax[c].role))
        n = rng.poisson(base * span * scale)
        bx, by = rng.uniform(x0, x0 + size, n), rng.uniform(y0, y0 + size, n)
        bd = rng.integers(0, span, n)
        add(bx, by, bd, c)
        if c == "burglary":  # one generation of near repeats: close in space and time
            rep = rng.uniform(0, 1, n) < _NEAR_REPEAT_P
            rx, ry = _disk(rng, int(rep.sum()), 0.0, 0.0, _NEAR_REPEAT_M)
            rd = bd[rep] + rng.integers(1, _NEAR_REPEAT_DAYS + 1, int(rep.sum()))
            keep = rd < span
            add(np.clip(bx[rep] + rx, x0, x0 + size)[keep], np.clip(by[rep] + ry, y0, y0 + size)[keep],
                rd[keep], c)
        for (hx, hy), day in zip(sites, designated, strict=True):
            cut = (day - start).days
            for lo, hi, rate in ((0, cut, pre), (cut, span, post)):
                m = rng.poisson(rate * (hi - lo) * scale) if hi > lo else 0
                hx_, hy_ = _disk(rng, m, hx, hy, HOTSPOT_RADIUS_M)
                add(hx_, hy_, rng.integers(lo, hi, m) if m else np.zeros(0), c)
        if c == "assault":
            m = rng.poisson(_CLUSTER_RATE * span * scale)
            add(rng.normal(cluster[0], _CLUSTER_SD_M, m), rng.normal(cluster[1], _CLUSTER_SD_M, m),
                rng.integers(0, span, m), c)
    x = np.concatenate(xs)
    y = np.concatenate(ys)
    inside = (x > x0) & (x < x0 + size) & (y > y0) & (y < y0 + size)
    return x[inside], y[inside], np.concatenate(days)[inside], np.concatenate(cats)[inside]


def _events_frame(
    rng: np.random.Generator, x: np.ndarray, y: np.ndarray, start: dt.date, day: np.ndarray,
    cat: np.ndarray, timezone: str, precision: str, duplicates: int,
    gaps: Sequence[tuple[dt.date, dt.date]] = (),
) -> pd.DataFrame:
    order = np.lexsort((x, day))
    x, y, day, cat = x[order], y[order], day[order], cat[order]
    if gaps:  # no event where the source does not cover the calendar
        dates = np.datetime64(start, "D") + day.astype("timedelta64[D]")
        out = np.zeros(day.size, bool)
        for a, b in gaps:
            out |= (dates >= np.datetime64(a, "D")) & (dates < np.datetime64(b, "D"))
        x, y, day, cat = x[~out], y[~out], day[~out], cat[~out]
    local = pd.Timestamp(start) + pd.to_timedelta(day, unit="D")
    if precision in ("instant", "hour"):
        local = local + pd.to_timedelta(rng.integers(0, 86400, day.size), unit="s")
        if precision == "hour":
            local = local.floor("h")
    elif precision == "month":
        local = local.to_period("M").to_timestamp()
    when = pd.DatetimeIndex(local).tz_localize(timezone, ambiguous="NaT",
                                               nonexistent="shift_forward")
    when = when.where(~when.isna(), pd.DatetimeIndex(local).tz_localize(timezone, ambiguous=True,
                                                                      nonexistent="shift_forward"))
    frame = pd.DataFrame({
        "source_id": [f"ev{i:06d}" for i in range(x.size)],
        "occurred_at": when.tz_convert("UTC"),
        "x": np.round(x, 2),
        "y": np.round(y, 2),
        "category": cat,
        "time_precision": precision,
    })
    if duplicates:
        pick = rng.choice(len(frame), size=duplicates, replace=duplicates > len(frame))
        dup = frame.iloc[pick].copy()
        dup["source_id"] = [f"dup{k:06d}" for k in range(duplicates)]
        frame = pd.concat([frame, dup], ignore_index=True)
    return frame


__all__ = ["DEFAULT_CATEGORIES", "HOTSPOT_SITES", "PRECISIONS", "UNDESIGNATED_SITE", "CitySource",
           "make_city"]
