"""The map's events, held once per workspace as columns, and the filters the map applies.

Reading 100,000 events from the store and building a frame takes most of a second; the map
asks for a new selection at every change of filter, zoom or view. :func:`event_columns`
reads the events once per data stamp (:mod:`~hotspotwatch.workflows.web.cache`) into plain
arrays -- ids, coordinates, local calendar month, codes of category, role, zone -- and every
selection after that is a boolean mask over them (a few milliseconds).

A zone analyst's restriction is applied here, before any count, cap or sample: the events
inside the union of their zones (:func:`~hotspotwatch.workflows.web.events.zone_geometry`),
as :func:`~hotspotwatch.workflows.web.events.select_events` does for ``/events``.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
import shapely
from numpy.typing import NDArray

from hotspotwatch.periods import CalendarMonth
from hotspotwatch.workflows.web.cache import memoised

if TYPE_CHECKING:
    from hotspotwatch.workspace import Workspace

_MONTH = re.compile(r"^(\d{4})-(0[1-9]|1[0-2])$")
COORD_DECIMALS = 5
"""Decimals of the lon/lat the map receives (1e-5 degree is about a metre)."""


@dataclass(frozen=True, eq=False)
class EventColumns:
    """Every stored event as columns, ordered by ``event_id``.

    ``category``, ``role``, ``precision`` and ``source`` are codes into the tuples of the
    same name; ``zone`` is the index into ``zones`` of the zone-layer polygon whose interior
    holds the event (-1: none, or on a border); ``month`` is the
    :class:`~hotspotwatch.periods.CalendarMonth` code (``year * 12 + month - 1``, local).
    """

    event_id: NDArray[np.int64]
    x: NDArray[np.float64]
    y: NDArray[np.float64]
    lon: NDArray[np.float64]
    lat: NDArray[np.float64]
    instant: NDArray[np.int64]
    month: NDArray[np.int64]
    category: NDArray[np.int16]
    categories: tuple[str, ...]
    role: NDArray[np.int16]
    roles: tuple[str, ...]
    precision: NDArray[np.int16]
    precisions: tuple[str, ...]
    source: NDArray[np.int16]
    sources: tuple[str, ...]
    zone: NDArray[np.int16]
    zones: tuple[str, ...]

    @property
    def n(self) -> int:
        """Number of events."""
        return int(self.event_id.size)


def _codes(values: pd.Series) -> tuple[NDArray[np.int16], tuple[str, ...]]:
    codes, uniques = pd.factorize(values.astype(str), sort=True)
    return codes.astype(np.int16), tuple(str(u) for u in uniques)


@memoised
def event_columns(ws: Workspace) -> EventColumns:
    """All events of ``ws`` as :class:`EventColumns` (cached until the data change)."""
    frame = ws.events().sort_values("event_id")
    x = frame["x"].to_numpy(float)
    y = frame["y"].to_numpy(float)
    zone = np.full(len(frame), -1, dtype=np.int16)
    zone_codes: tuple[str, ...] = ()
    try:
        layer = ws.areas(ws.config.zone_layer)
    except KeyError:
        layer = None
    if layer is not None and len(layer):
        zone_codes = tuple(str(c) for c in layer["code"])
        for i, geom in enumerate(layer.geometry.to_numpy()):
            shapely.prepare(geom)
            inside = np.asarray(shapely.contains_xy(geom, x, y), dtype=bool)
            zone[inside & (zone < 0)] = i
    months = (
        CalendarMonth(ws.config.timezone).codes(frame["occurred_at"])
        if len(frame)
        else np.zeros(0, dtype=np.int64)
    )
    category, categories = _codes(frame["category"])
    role, roles = _codes(frame["role"])
    precision, precisions = _codes(frame["time_precision"])
    source, sources = _codes(frame["source"])
    instant = frame["occurred_at"].dt.tz_convert("UTC").dt.tz_localize(None)
    return EventColumns(
        event_id=frame["event_id"].to_numpy(np.int64),
        x=x,
        y=y,
        lon=frame["lon"].to_numpy(float),
        lat=frame["lat"].to_numpy(float),
        instant=instant.to_numpy("datetime64[ns]").astype(np.int64),
        month=np.asarray(months, dtype=np.int64),
        category=category,
        categories=categories,
        role=role,
        roles=roles,
        precision=precision,
        precisions=precisions,
        source=source,
        sources=sources,
        zone=zone,
        zones=zone_codes,
    )


def month_code(text: str, *, field: str) -> int:
    """``"2024-03"`` to its :class:`~hotspotwatch.periods.CalendarMonth` code."""
    m = _MONTH.match(text)
    if not m:
        raise ValueError(f"{field} must be a calendar month YYYY-MM, got {text!r}")
    return int(m.group(1)) * 12 + int(m.group(2)) - 1


@dataclass(frozen=True)
class MapFilter:
    """What the map shows: categories, roles, zones, a range of whole months, a view.

    ``month_from`` and ``month_to`` are ``YYYY-MM``, both inclusive (``None``: open);
    ``bbox`` is WGS84 ``(west, south, east, north)``; ``zones`` are zone-layer codes.
    """

    categories: tuple[str, ...] | None = None
    roles: tuple[str, ...] | None = None
    zones: tuple[str, ...] | None = None
    month_from: str | None = None
    month_to: str | None = None
    bbox: tuple[float, float, float, float] | None = None

    def month_range(self) -> tuple[int | None, int | None]:
        """Codes of the first and last month (``None``: open); ``ValueError`` if reversed."""
        lo = month_code(self.month_from, field="month_from") if self.month_from else None
        hi = month_code(self.month_to, field="month_to") if self.month_to else None
        if lo is not None and hi is not None and lo > hi:
            raise ValueError(
                f"month_from {self.month_from} is after month_to {self.month_to}; swap them"
            )
        return lo, hi

    def without_view(self) -> MapFilter:
        """The same filter without ``bbox`` (what the period holds, wherever it lies)."""
        return MapFilter(
            categories=self.categories,
            roles=self.roles,
            zones=self.zones,
            month_from=self.month_from,
            month_to=self.month_to,
        )

    def to_dict(self) -> dict[str, Any]:
        """JSON view (audit detail, the layer's ``filter`` member)."""
        return {
            "categories": list(self.categories) if self.categories else None,
            "roles": list(self.roles) if self.roles else None,
            "zones": list(self.zones) if self.zones else None,
            "month_from": self.month_from,
            "month_to": self.month_to,
            "bbox": list(self.bbox) if self.bbox else None,
        }


def check_filter(ws: Workspace, flt: MapFilter) -> None:
    """``ValueError`` naming the field for an unknown category, role or zone, or bad months."""
    flt.month_range()
    if flt.categories:
        for c in flt.categories:
            if c not in ws.taxonomy:
                raise ValueError(f"category: {ws.taxonomy.unknown_message(c)}")
    if flt.zones:
        known = set(event_columns(ws).zones)
        unknown = [z for z in flt.zones if z not in known]
        if unknown:
            raise ValueError(
                f"zone: no zone {', '.join(unknown)} in the layer {ws.config.zone_layer!r}"
                + (f"; known: {', '.join(sorted(known))}" if known else "")
            )


@memoised
def within_zones_mask(ws: Workspace, zones: tuple[str, ...]) -> NDArray[np.bool_]:
    """Which events lie inside the union of these zones (a zone analyst's restriction)."""
    from hotspotwatch.workflows.web.events import zone_geometry

    cols = event_columns(ws)
    within = zone_geometry(ws, zones)
    if within.is_empty:
        return np.zeros(cols.n, dtype=bool)
    shapely.prepare(within)
    return np.asarray(shapely.contains_xy(within, cols.x, cols.y), dtype=bool)


def _isin_codes(names: tuple[str, ...], wanted: tuple[str, ...]) -> NDArray[np.int64]:
    return np.asarray([i for i, n in enumerate(names) if n in set(wanted)], dtype=np.int64)


def filter_mask(
    ws: Workspace, flt: MapFilter, *, restrict: tuple[str, ...] | None = None
) -> NDArray[np.bool_]:
    """Events matching ``flt`` (inside the zones ``restrict`` when given)."""
    cols = event_columns(ws)
    keep = np.ones(cols.n, dtype=bool)
    if flt.categories:
        keep &= np.isin(cols.category, _isin_codes(cols.categories, flt.categories))
    if flt.roles:
        keep &= np.isin(cols.role, _isin_codes(cols.roles, flt.roles))
    if flt.zones:
        keep &= np.isin(cols.zone, _isin_codes(cols.zones, flt.zones))
    lo, hi = flt.month_range()
    if lo is not None:
        keep &= cols.month >= lo
    if hi is not None:
        keep &= cols.month <= hi
    if flt.bbox is not None:
        w, s, e, n = flt.bbox
        keep &= (cols.lon >= w) & (cols.lon <= e) & (cols.lat >= s) & (cols.lat <= n)
    if restrict is not None:
        keep &= within_zones_mask(ws, restrict)
    return keep


def spread_sample(instants: NDArray[np.int64], rows: NDArray[np.intp], limit: int) -> NDArray[np.intp]:
    """At most ``limit`` of ``rows``, evenly spaced in time over the whole selection.

    The first ``limit`` by id would all fall in the first months of the period (the bug of
    issue 17); every ``total / limit``-th event in time order spans it. Deterministic.

    Examples
    --------
    >>> spread_sample(np.array([5, 1, 3, 2, 4]), np.arange(5), 3).tolist()
    [1, 2, 0]
    """
    if rows.size <= limit:
        return rows
    order = rows[np.argsort(instants[rows], kind="stable")]
    picks = np.round(np.linspace(0, rows.size - 1, limit)).astype(np.intp)
    return order[picks]


@dataclass(frozen=True)
class MapEvents:
    """The events a map view shows: ``rows`` of :func:`event_columns` out of ``total``."""

    rows: NDArray[np.intp]
    total: int

    @property
    def capped(self) -> bool:
        """Whether fewer events are shown than match."""
        return int(self.rows.size) < self.total


def map_events(
    ws: Workspace, flt: MapFilter, *, limit: int, restrict: tuple[str, ...] | None = None
) -> MapEvents:
    """The events matching ``flt``; over ``limit``, a sample spread over the period."""
    mask = filter_mask(ws, flt, restrict=restrict)
    rows = np.flatnonzero(mask)
    cols = event_columns(ws)
    return MapEvents(rows=spread_sample(cols.instant, rows, limit), total=int(rows.size))


def local_dates(ws: Workspace, rows: NDArray[np.intp]) -> list[str]:
    """Local ``YYYY-MM-DD`` of these events."""
    cols = event_columns(ws)
    ts = pd.DatetimeIndex(cols.instant[rows].astype("datetime64[ns]"), tz="UTC")
    return [d.isoformat() for d in ts.tz_convert(ws.config.timezone).date]


def columnar_events(ws: Workspace, sel: MapEvents) -> dict[str, Any]:
    """The shown events as columns: ``id, lon, lat`` (5 decimals), ``role`` and
    ``category`` as indices into ``roles`` and ``categories``, local ``date``."""
    cols = event_columns(ws)
    rows = np.sort(sel.rows)
    return {
        "format": "columnar",
        "roles": list(cols.roles),
        "categories": list(cols.categories),
        "id": cols.event_id[rows].tolist(),
        "lon": np.round(cols.lon[rows], COORD_DECIMALS).tolist(),
        "lat": np.round(cols.lat[rows], COORD_DECIMALS).tolist(),
        "role": cols.role[rows].tolist(),
        "category": cols.category[rows].tolist(),
        "date": local_dates(ws, rows),
    }


def event_records(ws: Workspace, rows: NDArray[np.intp]) -> list[dict[str, Any]]:
    """One dict per event (for exports): id, lon, lat, category, role, local time, precision,
    source."""
    cols = event_columns(ws)
    rows = np.sort(rows)
    ts = pd.DatetimeIndex(cols.instant[rows].astype("datetime64[ns]"), tz="UTC").tz_convert(
        ws.config.timezone
    )
    return [
        {
            "event_id": int(cols.event_id[r]),
            "lon": round(float(cols.lon[r]), 6),
            "lat": round(float(cols.lat[r]), 6),
            "category": cols.categories[cols.category[r]],
            "role": cols.roles[cols.role[r]],
            "occurred_at": t.isoformat(),
            "time_precision": cols.precisions[cols.precision[r]],
            "source": cols.sources[cols.source[r]],
        }
        for r, t in zip(rows.tolist(), ts, strict=True)
    ]


def event_records_by_id(ws: Workspace, ids: list[int]) -> list[dict[str, Any]]:
    """:func:`event_records` of the events with these ids (ids not stored are skipped)."""
    cols = event_columns(ws)
    wanted = np.asarray(ids, dtype=np.int64)
    rows = np.searchsorted(cols.event_id, wanted)  # event_columns is ordered by event_id
    found = rows < cols.n
    found[found] = cols.event_id[rows[found]] == wanted[found]
    return event_records(ws, rows[found])


def _lonlat_bounds(ws: Workspace) -> list[float] | None:
    """``[west, south, east, north]`` of the study area in WGS84 (``None`` without one)."""
    from hotspotwatch.workflows.web._geo import to_lonlat_geoms
    from hotspotwatch.workspace import WorkspaceError

    try:
        area = ws.study_area()
    except WorkspaceError:
        return None
    if area.is_empty:
        return None
    box = to_lonlat_geoms(ws, [shapely.box(*area.bounds)])[0]
    return [round(float(v), COORD_DECIMALS) for v in box.bounds]


def map_options(
    ws: Workspace, *, lang: str, event_access: bool, restrict: tuple[str, ...] | None = None
) -> dict[str, Any]:
    """What the map's filters offer: months and years with data, roles and (with event
    access) categories with their names in ``lang``, the zones (only ``restrict`` when
    given) and ``disclosure_k``."""
    from hotspotwatch.domain.taxonomy import category_label
    from hotspotwatch.i18n import format_month, translate
    from hotspotwatch.workflows.web.hotspots import all_months

    cols = event_columns(ws)
    months = all_months(ws)
    zones: list[dict[str, Any]] = []
    if cols.zones:
        layer = ws.areas(ws.config.zone_layer)
        name_col = f"name_{lang}" if f"name_{lang}" in layer.columns else "name"
        for rec in layer.to_dict("records"):
            code = str(rec["code"])
            if restrict is not None and code not in restrict:
                continue
            name = rec.get(name_col) or rec.get("name") or code
            zones.append({"code": code, "name": str(name)})
    out: dict[str, Any] = {
        "event_access": event_access,
        "months": months,
        "month_labels": [
            format_month(dt.date(int(m[:4]), int(m[5:7]), 1), lang) for m in months
        ],
        "years": sorted({int(m[:4]) for m in months}),
        "roles": [{"name": r, "label": translate(f"role.{r}", lang)} for r in cols.roles],
        "zones": zones,
        "zone_layer": ws.config.zone_layer,
        "zone_label": ws.config.zone_name(lang) or translate("web.map.kind_zone", lang),
        "k": ws.config.disclosure_k,
        "bounds": _lonlat_bounds(ws),
    }
    if event_access:
        out["categories"] = [
            {
                "name": c,
                "label": category_label(c, lang, ws.taxonomy),
                "role": ws.taxonomy[c].role if c in ws.taxonomy else None,
            }
            for c in cols.categories
        ]
    return out


__all__ = [
    "COORD_DECIMALS",
    "EventColumns",
    "MapEvents",
    "MapFilter",
    "check_filter",
    "columnar_events",
    "event_columns",
    "event_records",
    "event_records_by_id",
    "filter_mask",
    "local_dates",
    "map_events",
    "map_options",
    "month_code",
    "spread_sample",
    "within_zones_mask",
]
