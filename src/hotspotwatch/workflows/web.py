"""Data preparation for the web dashboard and API (no statistics: selection and counting).

The web layer authenticates, authorises, audits and serialises; everything it shows comes
from here or from stored analysis runs (:func:`latest_result`). The functions here select
events (with a zone restriction applied *before* paging, so that a zone analyst can never
page outside their zones), count events per calendar month inside a hotspot, count events
per grid cell for the public map with disclosure control (counts below ``k`` become
``None``), and keep the log of prevention actions.
"""

from __future__ import annotations

import datetime as dt
import functools
import json
import math
import threading
import time
import weakref
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, TypeVar

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from shapely.geometry.base import BaseGeometry
from sqlalchemy import insert, select

from hotspotwatch.store.schema import hotspots as hotspots_table
from hotspotwatch.store.schema import prevention_actions

if TYPE_CHECKING:
    from hotspotwatch.workspace import Workspace

ROLES_OF_EVENTS: tuple[str, ...] = ("harm", "enforcement", "prevention")

# Run kinds written by the other workflows, and the command that computes each. The first
# kind found wins (workflows may use a dotted or a plain name).
RESULT_KINDS: dict[str, tuple[tuple[str, ...], str]] = {
    "evaluation": (("evaluate",), "hotspotwatch evaluate"),
    "gistar": (("detect.gistar", "gistar"), "hotspotwatch detect gistar"),
    "kde": (("detect.kde", "kde"), "hotspotwatch detect kde"),
    "concentration": (
        ("detect.concentration", "concentration"),
        "hotspotwatch detect concentration",
    ),
    "coverage": (("detect.coverage", "coverage"), "hotspotwatch detect coverage"),
    "knox": (("spacetime.knox", "knox"), "hotspotwatch spacetime knox"),
    "emerging": (("spacetime.emerging", "emerging"), "hotspotwatch spacetime emerging"),
    "near_repeat_alerts": (
        ("spacetime.alerts", "spacetime.near_repeat_alerts", "near_repeat_alerts"),
        "hotspotwatch demo (or workflows.spacetime.run_recent_alerts)",
    ),
}

PREVENTION_KINDS: tuple[str, ...] = (
    "outreach",
    "peacekeeper_patrol",
    "lighting",
    "cleaning",
    "social_support",
    "meeting",
    "other",
)


CACHE_TTL_S = 30.0
"""A cached value older than this is recomputed in the background (served meanwhile)."""
STAMP_TTL_S = 1.0  # data added less than a second ago may not show yet
_CACHE_SIZE = 512
_F = TypeVar("_F", bound=Callable[..., Any])


@dataclass
class _Store:
    """One workspace's cache: values, computations in flight, the data stamp."""

    lock: threading.Lock = field(default_factory=threading.Lock)
    values: dict[Any, tuple[float, Any]] = field(default_factory=dict)
    inflight: dict[Any, Future[Any]] = field(default_factory=dict)
    stamp: tuple[float, Any] | None = None
    runs: dict[int, dict[str, Any]] = field(default_factory=dict)


_CACHE: weakref.WeakKeyDictionary[Any, _Store] = weakref.WeakKeyDictionary()
_CACHE_LOCK = threading.Lock()
_REFRESHER: ThreadPoolExecutor | None = None


def _store(ws: Workspace) -> _Store | None:
    with _CACHE_LOCK:
        try:
            return _CACHE.setdefault(ws, _Store())
        except TypeError:  # not weak-referenceable: no cache
            return None


def _refresher() -> ThreadPoolExecutor:
    global _REFRESHER
    with _CACHE_LOCK:
        if _REFRESHER is None:
            _REFRESHER = ThreadPoolExecutor(max_workers=1, thread_name_prefix="hw-cache")
        return _REFRESHER


def data_stamp(ws: Workspace) -> tuple[Any, ...]:
    """A cheap stamp that changes when events, places, decisions, runs or actions are added."""
    from sqlalchemy import func

    from hotspotwatch.store.schema import analysis_runs, areas, designations, events, imports

    cols = [
        select(func.max(t.c[pk])).scalar_subquery()
        for t, pk in (
            (events, "event_id"),
            (imports, "import_id"),
            (hotspots_table, "hotspot_id"),
            (designations, "designation_id"),
            (analysis_runs, "run_id"),
            (areas, "area_id"),
            (prevention_actions, "action_id"),
        )
    ]
    cols.append(select(func.count()).select_from(events).scalar_subquery())
    with ws.engine.connect() as conn:
        return tuple(conn.execute(select(*cols)).one())


def _current_stamp(ws: Workspace, store: _Store) -> Any:
    now = time.monotonic()
    held = store.stamp
    if held is not None and now - held[0] < STAMP_TTL_S:
        return held[1]
    stamp = data_stamp(ws)
    store.stamp = (now, stamp)
    return stamp


def memoised(fn: _F) -> _F:
    """Cache ``fn(ws, ...)`` per workspace until the data stamp changes.

    The dashboard asks for the same hotspot series and layers many times; recomputing them
    only when data were added keeps page loads fast under many concurrent users:

    - the key holds the data stamp (:func:`data_stamp`, re-read at most every
      :data:`STAMP_TTL_S`), so added data show at once;
    - concurrent callers that miss the same key wait for one computation (single flight)
      instead of each computing it;
    - a value older than :data:`CACHE_TTL_S` (rows corrected in place do not change the
      stamp) is served once more while one background thread recomputes it
      (stale-while-revalidate), so no request waits for the refresh.

    Cached values are shared: callers must not mutate them.
    """

    @functools.wraps(fn)
    def wrapper(ws: Workspace, *args: Any, **kwargs: Any) -> Any:
        store = _store(ws)
        if store is None:
            return fn(ws, *args, **kwargs)
        stamp = _current_stamp(ws, store)
        frozen = tuple(tuple(a) if isinstance(a, list) else a for a in args)
        key = (fn, frozen, tuple(sorted(kwargs.items())), stamp)
        with store.lock:
            hit = store.values.get(key)
            flight = store.inflight.get(key)
            if hit is not None:
                if flight is None and time.monotonic() - hit[0] >= CACHE_TTL_S:
                    flight = store.inflight[key] = Future()
                    _refresher().submit(_compute, store, key, flight, fn, ws, args, kwargs)
                return hit[1]
            owner = flight is None
            if flight is None:
                flight = store.inflight[key] = Future()
        if owner:
            _compute(store, key, flight, fn, ws, args, kwargs)
        return flight.result()

    return wrapper  # type: ignore[return-value]


def _compute(
    store: _Store,
    key: Any,
    flight: Future[Any],
    fn: Callable[..., Any],
    ws: Workspace,
    args: tuple[Any, ...],
    kwargs: dict[str, Any],
) -> None:
    """Compute one cache entry and hand it (or the error) to everyone waiting for it."""
    try:
        value = fn(ws, *args, **kwargs)
    except BaseException as exc:
        with store.lock:
            # A failed refresh drops the stale value too: the next caller gets the error.
            store.values.pop(key, None)
            store.inflight.pop(key, None)
        flight.set_exception(exc)
        return
    with store.lock:
        if len(store.values) >= _CACHE_SIZE:
            store.values.clear()
        store.values[key] = (time.monotonic(), value)
        store.inflight.pop(key, None)
    flight.set_result(value)


class NotComputedError(LookupError):
    """An analysis result the page needs has not been computed yet (message names the command)."""


# ---------------------------------------------------------------------------------- runs
def latest_result(ws: Workspace, name: str) -> dict[str, Any]:
    """The newest stored run for the result ``name`` (a key of :data:`RESULT_KINDS`).

    Raises
    ------
    KeyError
        If ``name`` is not a known result.
    NotComputedError
        If no run exists yet; the message names the command that computes it.
    """
    if name not in RESULT_KINDS:
        raise KeyError(f"unknown result {name!r}; known: {', '.join(RESULT_KINDS)}")
    kinds, command = RESULT_KINDS[name]
    for kind in kinds:
        run = _newest_run(ws, kind)
        if run is not None:
            return run
    raise NotComputedError(f"no {name} result yet; compute it with `{command}`")


_RUNS_KEPT = 16


def _newest_run(ws: Workspace, kind: str) -> dict[str, Any] | None:
    """The newest run of ``kind``; its JSON is parsed once per run id (runs never change).

    The returned dict is shared with other callers: do not mutate it.
    """
    from hotspotwatch.store import runs as runs_store
    from hotspotwatch.store.schema import analysis_runs

    newest = (
        select(analysis_runs.c.run_id)
        .where(analysis_runs.c.kind == kind)
        .order_by(analysis_runs.c.created_at.desc(), analysis_runs.c.run_id.desc())
        .limit(1)
    )
    store = _store(ws)
    with ws.engine.connect() as conn:
        run_id = conn.execute(newest).scalar()
        if run_id is None:
            return None
        if store is not None:
            with store.lock:
                held = store.runs.get(int(run_id))
            if held is not None:
                return held
        row = conn.execute(select(analysis_runs).where(analysis_runs.c.run_id == run_id)).first()
    if row is None:  # deleted in between
        return None
    run = runs_store.as_dict(row)
    if store is not None:
        with store.lock:
            if len(store.runs) >= _RUNS_KEPT:
                store.runs.pop(next(iter(store.runs)))
            store.runs[int(run_id)] = run
    return run


def evaluation_row(
    ws: Workspace, hotspot_name: str, run: dict[str, Any] | None = None
) -> dict[str, Any] | None:
    """The evaluation entry of one hotspot in ``run`` (default: the newest evaluation run)."""
    if run is None:
        try:
            run = latest_result(ws, "evaluation")
        except NotComputedError:
            return None
    for row in run["result"].get("hotspots", []) or []:
        if row.get("name") == hotspot_name:
            return dict(row)
    return None


@memoised
def gistar_cells(ws: Workspace) -> dict[str, Any]:
    """Cells of the newest Gi* run with their confidence bin (-3..3) as WGS84 GeoJSON.

    Reads the stored result's ``grid`` (``x0, y0, cell_size, shape = [ny, nx]``, square
    cells, row 0 at the bottom) and ``bins`` (``ny x nx`` nested list, ``None`` outside the
    study area). Only cells with a non-zero bin are returned.

    Raises
    ------
    NotComputedError
        No Gi* run, or a run that did not store per-cell bins.
    """
    run = latest_result(ws, "gistar")
    res = run["result"]
    grid = res.get("grid") if isinstance(res, dict) else None
    bins = res.get("bins") if isinstance(res, dict) else None
    if not isinstance(grid, dict) or not isinstance(bins, list):
        raise NotComputedError(
            "the stored Gi* run has no per-cell bins (result keys 'grid' and 'bins'); "
            "rerun `hotspotwatch detect gistar`"
        )
    size = float(grid["cell_size"])
    x0, y0 = float(grid["x0"]), float(grid["y0"])
    arr = np.array([[np.nan if v is None else float(v) for v in row] for row in bins])
    rr, cc = np.nonzero(np.nan_to_num(arr) != 0)
    xs, ys = x0 + cc * size, y0 + rr * size
    boxes = shapely.box(xs, ys, xs + size, ys + size)
    geoms = _to_lonlat(ws, boxes) if len(boxes) else []
    return {
        "type": "FeatureCollection",
        "run_id": run["id"],
        "features": [
            {"type": "Feature", "geometry": _geojson(g), "properties": {"bin": int(arr[r, c])}}
            for g, r, c in zip(geoms, rr, cc, strict=True)
        ],
    }


# ---------------------------------------------------------------------------------- geometry
def _to_lonlat(ws: Workspace, geoms: Any) -> list[BaseGeometry]:
    gs = gpd.GeoSeries(list(geoms), crs=ws.config.crs).to_crs("EPSG:4326")
    return list(shapely.set_precision(gs.to_numpy(), 1e-6))


def _geojson(geom: BaseGeometry) -> dict[str, Any]:
    return dict(json.loads(shapely.to_geojson(geom)))


@memoised
def zone_geometry(ws: Workspace, codes: Iterable[str]) -> BaseGeometry:
    """Union of the ``police_zone`` polygons with these codes (empty if none match)."""
    wanted = {str(c) for c in codes}
    try:
        zones = ws.areas("police_zone")
    except KeyError:
        return shapely.Polygon()
    sel = zones[zones["code"].astype(str).isin(wanted)]
    if sel.empty:
        return shapely.Polygon()
    return shapely.union_all(sel.geometry.to_numpy())


def lonlat_bbox_to_ws(
    ws: Workspace, bbox: tuple[float, float, float, float]
) -> tuple[float, float, float, float]:
    """Envelope in the workspace CRS of a WGS84 ``(west, south, east, north)`` box."""
    from pyproj import Transformer

    w, s, e, n = bbox
    tr = Transformer.from_crs("EPSG:4326", ws.config.crs, always_xy=True)
    lon = np.array([w, e, e, w, (w + e) / 2, (w + e) / 2, w, e])
    lat = np.array([s, s, n, n, s, n, (s + n) / 2, (s + n) / 2])
    x, y = tr.transform(lon, lat)
    pad = 1.0  # metres: projected edges of a lon/lat box are slightly curved
    return (float(x.min()) - pad, float(y.min()) - pad, float(x.max()) + pad, float(y.max()) + pad)


def check_lonlat_bbox(bbox: Sequence[float]) -> tuple[float, float, float, float]:
    """Validate a WGS84 ``(west, south, east, north)`` box."""
    if len(bbox) != 4 or not all(math.isfinite(v) for v in bbox):
        raise ValueError("bbox must be four finite numbers: west,south,east,north (degrees)")
    w, s, e, n = (float(v) for v in bbox)
    if not (-180 <= w < e <= 180 and -90 <= s < n <= 90):
        raise ValueError(
            "bbox must be west,south,east,north in degrees with west < east and south < north"
        )
    return (w, s, e, n)


# ---------------------------------------------------------------------------------- events
@dataclass(frozen=True)
class EventPage:
    """One page of events and the total matching (after the zone restriction)."""

    features: list[dict[str, Any]]
    total: int
    limit: int
    offset: int

    def to_geojson(self) -> dict[str, Any]:
        """GeoJSON FeatureCollection with paging members."""
        nxt = self.offset + len(self.features)
        return {
            "type": "FeatureCollection",
            "features": self.features,
            "total": self.total,
            "limit": self.limit,
            "offset": self.offset,
            "next_offset": nxt if nxt < self.total else None,
        }


def select_events(
    ws: Workspace,
    *,
    categories: list[str] | None = None,
    roles: list[str] | None = None,
    start: str | None = None,
    end: str | None = None,
    bbox: tuple[float, float, float, float] | None = None,
    within: BaseGeometry | None = None,
) -> gpd.GeoDataFrame:
    """Events matching the filters, restricted to ``within`` (workspace CRS) when given.

    ``bbox`` is WGS84 ``(west, south, east, north)``. Rows are ordered by ``event_id``.
    """
    ws_bbox = lonlat_bbox_to_ws(ws, bbox) if bbox is not None else None
    if within is not None:
        if within.is_empty:
            return ws.events().iloc[0:0]
        wb = within.bounds
        ws_bbox = (
            wb
            if ws_bbox is None
            else (
                max(ws_bbox[0], wb[0]),
                max(ws_bbox[1], wb[1]),
                min(ws_bbox[2], wb[2]),
                min(ws_bbox[3], wb[3]),
            )
        )
        if ws_bbox[0] > ws_bbox[2] or ws_bbox[1] > ws_bbox[3]:
            return ws.events().iloc[0:0]
    frame = ws.events(
        categories=categories or None,
        roles=roles or None,  # type: ignore[arg-type]
        start=start,
        end=end,
        bbox=ws_bbox,
    )
    keep = np.ones(len(frame), dtype=bool)
    if bbox is not None:
        lon = frame["lon"].to_numpy(float)
        lat = frame["lat"].to_numpy(float)
        keep &= (lon >= bbox[0]) & (lon <= bbox[2]) & (lat >= bbox[1]) & (lat <= bbox[3])
    if within is not None:
        shapely.prepare(within)
        keep &= shapely.contains_xy(within, frame["x"].to_numpy(float), frame["y"].to_numpy(float))
    return frame[keep].sort_values("event_id")


def events_page(
    ws: Workspace,
    *,
    limit: int = 1000,
    offset: int = 0,
    **filters: Any,
) -> EventPage:
    """A page of events as GeoJSON features (lon/lat), see :func:`select_events` for filters."""
    frame = select_events(ws, **filters)
    page = frame.iloc[offset : offset + limit]
    local = page["occurred_at"].dt.tz_convert(ws.config.timezone)
    features = [
        {
            "type": "Feature",
            "id": int(eid),
            "geometry": {"type": "Point", "coordinates": [round(lon, 6), round(lat, 6)]},
            "properties": {
                "event_id": int(eid),
                "category": cat,
                "role": role,
                "occurred_at": ts.isoformat(),
                "time_precision": prec,
                "source": src,
            },
        }
        for eid, lon, lat, cat, role, ts, prec, src in zip(
            page["event_id"],
            page["lon"].astype(float),
            page["lat"].astype(float),
            page["category"],
            page["role"],
            local,
            page["time_precision"],
            page["source"],
            strict=True,
        )
    ]
    return EventPage(features=features, total=len(frame), limit=limit, offset=offset)


# ---------------------------------------------------------------------------------- areas
@memoised
def areas_geojson(ws: Workspace, layer: str) -> dict[str, Any]:
    """An area layer as a WGS84 FeatureCollection (``KeyError`` if the layer does not exist)."""
    frame = ws.areas(layer)
    geoms = _to_lonlat(ws, frame.geometry.to_numpy())
    return {
        "type": "FeatureCollection",
        "layer": layer,
        "features": [
            {
                "type": "Feature",
                "id": int(r["area_id"]),
                "geometry": _geojson(g),
                "properties": {
                    "code": r["code"],
                    "name": r["name"],
                    "name_fr": r["name_fr"],
                    "name_nl": r["name_nl"],
                },
            }
            for r, g in zip(frame.to_dict("records"), geoms, strict=True)
        ],
    }


# ---------------------------------------------------------------------------------- hotspots
def _designations_by_hotspot(ws: Workspace) -> dict[int, list[dict[str, Any]]]:
    out: dict[int, list[dict[str, Any]]] = {}
    for r in ws.designations().to_dict("records"):
        out.setdefault(int(r["hotspot_id"]), []).append(
            {
                "action": r["action"],
                "start": r["start"].isoformat() if r["start"] is not None else None,
                "end": r["end"].isoformat() if isinstance(r["end"], dt.date) else None,
                "body": r["body"],
                "decision_ref": r["decision_ref"],
                "note": r["note"],
            }
        )
    return out


@memoised
def hotspots_geojson(ws: Workspace) -> dict[str, Any]:
    """Designated hotspots with their decisions as a WGS84 FeatureCollection."""
    frame = ws.hotspots()
    if frame.empty:
        return {"type": "FeatureCollection", "features": []}
    geoms = _to_lonlat(ws, frame.geometry.to_numpy())
    decisions = _designations_by_hotspot(ws)
    periods = ws.hotspot_periods()
    today = dt.date.today()
    feats = []
    for r, g in zip(frame.to_dict("records"), geoms, strict=True):
        ps = periods.get(r["name"], [])
        active = any(p.contains(today) for p in ps)
        feats.append(
            {
                "type": "Feature",
                "id": int(r["hotspot_id"]),
                "geometry": _geojson(g),
                "properties": {
                    "hotspot_id": int(r["hotspot_id"]),
                    "name": r["name"],
                    "code": r["code"],
                    "zone": r["zone"],
                    "commune": r["commune"],
                    "approximate": bool(r["approximate"]),
                    "active": active,
                    "designations": decisions.get(int(r["hotspot_id"]), []),
                },
            }
        )
    return {"type": "FeatureCollection", "features": feats}


def hotspot_record(ws: Workspace, hotspot_id: int) -> dict[str, Any]:
    """One hotspot (properties, WGS84 geometry, decisions); ``KeyError`` if unknown."""
    for feat in hotspots_geojson(ws)["features"]:
        if feat["id"] == hotspot_id:
            return dict(feat)
    raise KeyError(f"no hotspot with id {hotspot_id}")


def hotspot_geometry(ws: Workspace, hotspot_id: int) -> tuple[str, BaseGeometry]:
    """Name and polygon (workspace CRS) of a hotspot; ``KeyError`` if unknown."""
    frame = ws.hotspots()
    sel = frame[frame["hotspot_id"] == hotspot_id]
    if sel.empty:
        raise KeyError(f"no hotspot with id {hotspot_id}")
    return str(sel["name"].iloc[0]), sel.geometry.iloc[0]


def _month_labels(local: pd.Series) -> pd.Series:
    return local.dt.tz_localize(None).dt.to_period("M").astype(str)


@memoised
def hotspot_monthly(ws: Workspace, hotspot_id: int) -> dict[str, Any]:
    """Events per calendar month (workspace time zone) and role inside a hotspot perimeter.

    Returns ``{"months": ["2023-01", ...], "harm": [...], "enforcement": [...],
    "prevention": [...], "harm_weighted": [...], "periods": [[start, end], ...]}``; the months
    run from the first to the last month with any stored event.
    """
    name, geom = hotspot_geometry(ws, hotspot_id)
    frame = select_events(ws, within=geom)
    months = all_months(ws)
    out: dict[str, Any] = {"hotspot_id": hotspot_id, "name": name, "months": months}
    labels = (
        _month_labels(frame["occurred_at"].dt.tz_convert(ws.config.timezone))
        if len(frame)
        else pd.Series([], dtype=str)
    )
    index = {m: i for i, m in enumerate(months)}
    for role in ROLES_OF_EVENTS:
        counts = np.zeros(len(months), dtype=int)
        sel = labels[(frame["role"] == role).to_numpy()] if len(frame) else labels
        for m, c in sel.value_counts().items():
            if m in index:
                counts[index[m]] = int(c)
        out[role] = counts.tolist()
    weighted = np.zeros(len(months))
    if len(frame):
        harm = frame["role"].to_numpy() == "harm"
        for m, w in zip(labels[harm], frame["harm_weight"].to_numpy(float)[harm], strict=True):
            if m in index:
                weighted[index[m]] += w
    out["harm_weighted"] = [round(float(v), 3) for v in weighted]
    out["periods"] = [
        [p.start.isoformat(), p.end.isoformat() if p.end is not None else None]
        for p in ws.hotspot_periods().get(name, [])
    ]
    return out


@memoised
def all_months(ws: Workspace, *, role: str | None = None) -> list[str]:
    """Calendar months (workspace time zone) from the first to the last stored event.

    With ``role``, only events of that role count: the public pages span the months with
    harm data, so that a prevention action logged today does not open an empty year.
    """
    from sqlalchemy import func

    from hotspotwatch.store.schema import events

    stmt = select(func.min(events.c.occurred_at), func.max(events.c.occurred_at))
    if role is not None:
        stmt = stmt.where(events.c.category.in_(ws.taxonomy.names(role=role)))  # type: ignore[arg-type]
    with ws.engine.connect() as conn:
        lo, hi = conn.execute(stmt).one()
    if lo is None:
        return []
    first = pd.Timestamp(lo).tz_localize("UTC").tz_convert(ws.config.timezone).tz_localize(None)
    last = pd.Timestamp(hi).tz_localize("UTC").tz_convert(ws.config.timezone).tz_localize(None)
    return [str(p) for p in pd.period_range(first.to_period("M"), last.to_period("M"), freq="M")]


# ---------------------------------------------------------------------------------- public
def suppress(count: int, k: int) -> int | None:
    """``count`` if at least ``k``, else ``None`` (zero is suppressed too)."""
    return int(count) if count >= k else None


@memoised
def public_grid(
    ws: Workspace,
    *,
    cell_size: float = 500.0,
    role: str = "harm",
    start: str | None = None,
    end: str | None = None,
    k: int | None = None,
) -> dict[str, Any]:
    """Events per square cell over the study area, counts below ``k`` set to ``None``.

    Cells are aligned on multiples of ``cell_size`` in the workspace CRS and kept when they
    intersect the study area. ``k`` defaults to the workspace's ``disclosure_k``; ``k=1``
    hides only empty cells. Returns a WGS84 FeatureCollection with ``count`` per cell.
    """
    if not (50 <= cell_size <= 5000):
        raise ValueError("cell_size must be between 50 and 5000 metres")
    if role not in ROLES_OF_EVENTS:
        raise ValueError(f"role must be one of {', '.join(ROLES_OF_EVENTS)}, got {role!r}")
    k = ws.config.disclosure_k if k is None else int(k)
    area = ws.study_area()
    x0, y0, x1, y1 = area.bounds
    c0 = math.floor(x0 / cell_size)
    r0 = math.floor(y0 / cell_size)
    ncol = math.floor(x1 / cell_size) - c0 + 1
    nrow = math.floor(y1 / cell_size) - r0 + 1
    frame = ws.events(roles=role, start=start, end=end)  # type: ignore[arg-type]
    counts = np.zeros((nrow, ncol), dtype=int)
    if len(frame):
        col = np.floor(frame["x"].to_numpy(float) / cell_size).astype(int) - c0
        row = np.floor(frame["y"].to_numpy(float) / cell_size).astype(int) - r0
        ok = (col >= 0) & (col < ncol) & (row >= 0) & (row < nrow)
        np.add.at(counts, (row[ok], col[ok]), 1)
    rr, cc = np.meshgrid(np.arange(nrow), np.arange(ncol), indexing="ij")
    xs = (cc.ravel() + c0) * cell_size
    ys = (rr.ravel() + r0) * cell_size
    boxes = shapely.box(xs, ys, xs + cell_size, ys + cell_size)
    shapely.prepare(area)
    keep = shapely.intersects(area, boxes)
    cells = boxes[keep]
    values = counts.ravel()[keep]
    geoms = _to_lonlat(ws, cells)
    return {
        "type": "FeatureCollection",
        "k": k,
        "cell_size": cell_size,
        "role": role,
        "features": [
            {
                "type": "Feature",
                "geometry": _geojson(g),
                "properties": {"count": suppress(int(v), k)},
            }
            for g, v in zip(geoms, values, strict=True)
        ],
    }


@memoised
def public_monthly(ws: Workspace, *, role: str = "harm") -> dict[str, Any]:
    """Region-wide events per month, counts below ``k`` set to ``None``."""
    if role not in ROLES_OF_EVENTS:
        raise ValueError(f"role must be one of {', '.join(ROLES_OF_EVENTS)}, got {role!r}")
    months = all_months(ws, role=role)
    frame = ws.events(roles=role)  # type: ignore[arg-type]
    k = ws.config.disclosure_k
    vc = (
        _month_labels(frame["occurred_at"].dt.tz_convert(ws.config.timezone)).value_counts()
        if len(frame)
        else pd.Series(dtype=int)
    )
    return {
        "k": k,
        "role": role,
        "months": months,
        "counts": [suppress(int(vc.get(m, 0)), k) for m in months],
    }


@memoised
def public_hotspots(ws: Workspace) -> dict[str, Any]:
    """Hotspot perimeters and decisions (public acts) with disclosure-controlled harm totals."""
    k = ws.config.disclosure_k
    features = []
    for feat in hotspots_geojson(ws)["features"]:
        series = hotspot_monthly(ws, int(feat["id"]))
        row = evaluation_row(ws, feat["properties"]["name"])
        props = {
            **feat["properties"],
            "harm_total": suppress(int(sum(series["harm"])), k),
            "verdict": row.get("verdict") if row else None,
        }
        features.append({**feat, "properties": props})
    return {"type": "FeatureCollection", "k": k, "features": features}


# ---------------------------------------------------------------------------------- prevention
def log_prevention_action(
    ws: Workspace,
    *,
    hotspot_id: int,
    occurred_on: dt.date,
    kind: str,
    recorded_by: str,
    description: str | None = None,
    hours: float | None = None,
    contacts: int | None = None,
) -> dict[str, Any]:
    """Record one prevention action at a hotspot; return it as stored.

    Raises
    ------
    KeyError
        Unknown hotspot.
    ValueError
        Unknown kind, a date in the future, or negative hours / contacts.
    """
    if kind not in PREVENTION_KINDS:
        raise ValueError(f"kind must be one of {', '.join(PREVENTION_KINDS)}, got {kind!r}")
    if occurred_on > dt.date.today() + dt.timedelta(days=1):
        raise ValueError("occurred_on is in the future; log actions once they took place")
    if hours is not None and not (0 <= hours <= 10_000):
        raise ValueError("hours must be between 0 and 10000")
    if contacts is not None and not (0 <= contacts <= 1_000_000):
        raise ValueError("contacts must be between 0 and 1000000")
    with ws.engine.begin() as conn:
        if (
            conn.execute(
                select(hotspots_table.c.hotspot_id).where(hotspots_table.c.hotspot_id == hotspot_id)
            ).first()
            is None
        ):
            raise KeyError(f"no hotspot with id {hotspot_id}")
        res = conn.execute(
            insert(prevention_actions).values(
                hotspot_id=hotspot_id,
                occurred_on=occurred_on,
                kind=kind,
                description=description,
                hours=hours,
                contacts=contacts,
                recorded_by=recorded_by,
                recorded_at=dt.datetime.now(dt.UTC).replace(tzinfo=None),
            )
        )
        pk = res.inserted_primary_key
        assert pk is not None
        # The action also becomes a prevention event inside the perimeter, in the same
        # transaction, so that the evaluation counts it as preventive dose.
        _add_action_event(
            conn,
            ws,
            hotspot_id=hotspot_id,
            action_id=int(pk[0]),
            kind=kind,
            occurred_on=occurred_on,
        )
    return next(a for a in list_prevention_actions(ws, hotspot_id) if a["action_id"] == pk[0])


# Prevention-log kinds → workspace prevention categories (dose, never outcome).
ACTION_CATEGORY: dict[str, str] = {
    "outreach": "prevention_contact",
    "peacekeeper_patrol": "peacekeeper_patrol",
    "lighting": "liveability_work",
    "cleaning": "liveability_work",
    "social_support": "prevention_contact",
    "meeting": "prevention_contact",
    "other": "prevention_contact",
}
ACTION_SOURCE = "prevention-log"


def _add_action_event(
    conn: Any, ws: Workspace, *, hotspot_id: int, action_id: int, kind: str, occurred_on: dt.date
) -> None:
    import pandas as pd
    import shapely
    from pyproj import Transformer

    from hotspotwatch.store.events import upsert_events
    from hotspotwatch.workspace import row_hashes

    wkb = conn.execute(
        select(hotspots_table.c.geometry).where(hotspots_table.c.hotspot_id == hotspot_id)
    ).scalar_one()
    point = shapely.from_wkb(wkb).representative_point()
    lon, lat = Transformer.from_crs(ws.config.crs, "EPSG:4326", always_xy=True).transform(
        point.x, point.y
    )
    when = (
        pd.Timestamp(occurred_on).replace(hour=12).tz_localize(ws.config.timezone).tz_convert("UTC")
    )
    frame = pd.DataFrame(
        {
            "source": [ACTION_SOURCE],
            "source_id": [f"action-{action_id}"],
            "category": [ACTION_CATEGORY.get(kind, "prevention_contact")],
            "occurred_at": [when],
            "time_precision": ["day"],
            "x": [point.x],
            "y": [point.y],
            "lon": [lon],
            "lat": [lat],
            "attrs": [json.dumps({"action_id": action_id, "kind": kind, "hotspot_id": hotspot_id})],
        }
    )
    frame["row_hash"] = row_hashes(frame)
    upsert_events(conn, frame, import_id=None)


def list_prevention_actions(ws: Workspace, hotspot_id: int) -> list[dict[str, Any]]:
    """Prevention actions logged at a hotspot, newest first."""
    stmt = (
        select(prevention_actions)
        .where(prevention_actions.c.hotspot_id == hotspot_id)
        .order_by(prevention_actions.c.occurred_on.desc(), prevention_actions.c.action_id.desc())
    )
    with ws.engine.connect() as conn:
        rows = [dict(r._mapping) for r in conn.execute(stmt)]
    for r in rows:
        r["occurred_on"] = r["occurred_on"].isoformat()
        r["recorded_at"] = r["recorded_at"].isoformat() + "Z"
    return rows


def prevention_summary(ws: Workspace, hotspot_id: int) -> dict[str, Any]:
    """Totals of logged prevention actions at a hotspot (count, hours, contacts, by kind)."""
    acts = list_prevention_actions(ws, hotspot_id)
    by_kind: dict[str, int] = {}
    for a in acts:
        by_kind[a["kind"]] = by_kind.get(a["kind"], 0) + 1
    return {
        "actions": len(acts),
        "hours": round(sum(a["hours"] or 0.0 for a in acts), 2),
        "contacts": int(sum(a["contacts"] or 0 for a in acts)),
        "by_kind": by_kind,
    }


__all__ = [
    "PREVENTION_KINDS",
    "RESULT_KINDS",
    "EventPage",
    "NotComputedError",
    "all_months",
    "areas_geojson",
    "check_lonlat_bbox",
    "data_stamp",
    "evaluation_row",
    "events_page",
    "gistar_cells",
    "hotspot_geometry",
    "hotspot_monthly",
    "hotspot_record",
    "hotspots_geojson",
    "latest_result",
    "list_prevention_actions",
    "log_prevention_action",
    "lonlat_bbox_to_ws",
    "memoised",
    "prevention_summary",
    "public_grid",
    "public_hotspots",
    "public_monthly",
    "select_events",
    "suppress",
    "zone_geometry",
]
