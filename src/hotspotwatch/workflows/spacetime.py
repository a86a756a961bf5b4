"""Space-time workflows: Knox near-repeat table, near-repeat alerts, emerging hot spots.

Each kind of run has a spec builder (:func:`knox_spec`, :func:`emerging_spec`,
:func:`alerts_spec`: complete, canonical parameters with a fixed seed) and a compute function
registered in :data:`hotspotwatch.workflows.runs.COMPUTERS`. The entry points the CLI uses
(:func:`run_knox`, :func:`run_alert`, :func:`run_emerging`, :func:`run_recent_alerts`) build
the spec, compute and record; alerts ask for their Knox table by spec
(:func:`hotspotwatch.workflows.runs.ensure_run`), never for "the latest" one. Files are
written by :mod:`hotspotwatch.workflows.spacetime_outputs` (re-exported here).
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from hotspotwatch.analysis.detect.gridded import GridGeometry
from hotspotwatch.analysis.spacetime import (
    EmergingRun,
    IncidentAlert,
    KnoxResult,
    KnoxRun,
    RecentAlerts,
    alert_zones,
    emerging_hotspots,
    knox,
    near_repeat_alert,
    space_time_cube,
)
from hotspotwatch.domain.taxonomy import category_label
from hotspotwatch.i18n.spacetime import alert_summary, emerging_summary, knox_summary
from hotspotwatch.periods import EPOCH, CalendarMonth, Day, Week
from hotspotwatch.workflows.runs import RunSpec, ensure_run, record
from hotspotwatch.workflows.spacetime_outputs import (
    emerging_result_dict,
    write_alert_outputs,
    write_emerging_outputs,
    write_knox_outputs,
)

DEFAULT_SPACE_BANDS: tuple[float, ...] = (0, 100, 200, 300, 400, math.inf)
DEFAULT_TIME_BANDS: tuple[float, ...] = (0, 7, 14, 21, 28, math.inf)
STEPS = ("week", "month", "quarter")


def local_days(occurred_at: pd.Series, timezone: str) -> np.ndarray:
    """Whole calendar days (since 1970-01-01) of UTC instants in the workspace time zone."""
    return Day(timezone).codes(occurred_at).astype(float)


def _iso(value: Any) -> str | None:
    if value is None or value == "":
        return None
    if isinstance(value, dt.datetime):
        return value.date().isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    return dt.date.fromisoformat(str(value)[:10]).isoformat()


def _sorted(values: Iterable[str] | None) -> list[str] | None:
    return sorted(set(values)) if values else None


def _events(ws: Any, categories: Iterable[str] | None, roles: Iterable[str] | None,
            start: Any, end: Any) -> pd.DataFrame:
    frame = ws.events(categories=list(categories) if categories else None,
                      roles=list(roles) if roles else None, start=start, end=end)
    if len(frame) < 2:
        raise ValueError("fewer than 2 events match the filters; widen --category/--start/--end")
    return frame


def _event_label(ws: Any, categories: Sequence[str] | None, lang: str) -> str:
    if categories and len(categories) == 1:
        return category_label(categories[0], lang, getattr(ws, "taxonomy", None)).lower()
    return {"en": "incident", "fr": "incident", "nl": "incident"}.get(lang, "incident")


def near_repeat_categories(ws: Any) -> list[str]:
    """The report's near-repeat categories: ``[report] near_repeat_categories``, else every
    harm category of the taxonomy."""
    configured = ws.config.report.near_repeat_categories
    return sorted(configured) if configured else sorted(ws.taxonomy.names(role="harm"))


def _bands(values: Iterable[Any]) -> list[float]:
    """Band edges from parameters (canonical JSON turns ``inf`` into ``None``)."""
    return [math.inf if v is None else float(v) for v in values]


# ------------------------------------------------------------------------------------ Knox
def knox_spec(
    ws: Any, *, categories: Sequence[str], roles: Sequence[str] | None = None, start: Any = None,
    end: Any = None, space_bands: Sequence[float] = DEFAULT_SPACE_BANDS,
    time_bands: Sequence[float] = DEFAULT_TIME_BANDS, metric: str = "manhattan",
    permutations: int = 999, seed: int = 0, same_location: bool = False, same_day: bool = False,
    alpha: float = 0.05,
) -> RunSpec:
    """Spec of a Knox run on ``categories``.

    Parameters
    ----------
    ws : Workspace
    categories : sequence of str
        Required, as given (the report passes :func:`near_repeat_categories`).
    roles : sequence of str, optional
        Further role filter.
    start, end : date or ISO text, optional
        Events in ``[start, end)``.
    space_bands, time_bands : sequence of float
        Band edges in metres and days (``inf`` allowed; stored as ``null``).
    metric : str
        ``"manhattan"`` or ``"euclidean"``.
    permutations, seed : int
        Monte Carlo permutations and their seed.
    same_location, same_day : bool
        Separate bands for distance 0 / the same day.
    alpha : float
        Level of the near-repeat alert read from the table.

    Returns
    -------
    RunSpec
        Kind ``"spacetime.knox"``.

    Examples
    --------
    >>> import tempfile
    >>> from hotspotwatch.testing import make_city
    >>> ws = make_city(tempfile.mkdtemp() + "/c", scale=0.1)
    >>> a = knox_spec(ws, categories=["burglary"])
    >>> a == knox_spec(ws, categories=["shooting"]), a.parameters["space_bands"][-1] is None
    (False, True)
    >>> ws.close()
    """
    if not categories:
        raise ValueError("a Knox run needs its categories, e.g. categories=['burglary']")
    unknown = [c for c in categories if c not in ws.taxonomy]
    if unknown:
        raise ValueError(ws.taxonomy.unknown_message(unknown[0]))
    if metric not in ("manhattan", "euclidean"):
        raise ValueError(f"metric must be 'manhattan' or 'euclidean', not {metric!r}")
    return RunSpec("spacetime.knox", {
        "categories": _sorted(categories), "roles": _sorted(roles), "start": _iso(start),
        "end": _iso(end), "space_bands": [float(v) for v in space_bands],
        "time_bands": [float(v) for v in time_bands], "metric": metric,
        "permutations": int(permutations), "seed": int(seed), "same_location": bool(same_location),
        "same_day": bool(same_day), "alpha": float(alpha)})


def compute_knox(ws: Any, params: Mapping[str, Any]) -> KnoxRun:
    """The Knox table (and its near-repeat alert) of a :func:`knox_spec`.

    Parameters
    ----------
    ws : Workspace
    params : mapping
        The parameters of a :func:`knox_spec` (canonical JSON form).

    Returns
    -------
    KnoxRun
        Not stored (:func:`hotspotwatch.workflows.runs.ensure_run` stores it).
    """
    frame = _events(ws, params["categories"], params["roles"], params["start"], params["end"])
    days = local_days(frame["occurred_at"], ws.config.timezone)
    result = knox(frame["x"].to_numpy(float), frame["y"].to_numpy(float), days,
                  _bands(params["space_bands"]), _bands(params["time_bands"]),
                  metric=params["metric"], permutations=int(params["permutations"]),
                  seed=params["seed"], same_location=bool(params["same_location"]),
                  same_day=bool(params["same_day"]))
    alpha = float(params["alpha"])
    alert = near_repeat_alert(result, alpha=alpha) if result.permutations else None
    return KnoxRun(knox=result, alert=alert, categories=tuple(params["categories"]),
                   roles=tuple(params["roles"] or ()), alpha=alpha)


def _default_categories(ws: Any, categories: Sequence[str] | None,
                        roles: Sequence[str] | None) -> list[str]:
    if categories:
        return list(categories)
    if roles:
        return sorted(ws.taxonomy.names(role=list(roles)))
    return near_repeat_categories(ws)


def run_knox(
    ws: Any,
    *,
    categories: Sequence[str] | None = None,
    roles: Sequence[str] | None = None,
    start: Any = None,
    end: Any = None,
    space_bands: Sequence[float] = DEFAULT_SPACE_BANDS,
    time_bands: Sequence[float] = DEFAULT_TIME_BANDS,
    metric: str = "manhattan",
    permutations: int = 999,
    seed: int | None = None,
    same_location: bool = False,
    same_day: bool = False,
    alpha: float = 0.05,
    lang: str = "en",
    record: bool = True,
) -> dict[str, Any]:
    """Knox near-repeat table for the filtered events, with alert and summaries.

    Without ``categories``, the categories of ``roles``, else :func:`near_repeat_categories`;
    ``seed=None`` means seed 0 (every run is reproducible from its spec).

    Returns
    -------
    dict
        ``knox`` (KnoxResult), ``alert`` (NearRepeatAlert), ``summary`` and
        ``alert_summary`` (lists of sentences), ``n_events``, ``run`` (KnoxRun), ``spec``
        and ``run_id`` (short key of the stored run; ``None`` with ``record=False``).
    """
    cats = _default_categories(ws, categories, roles)
    spec = knox_spec(ws, categories=cats, roles=roles, start=start, end=end,
                     space_bands=space_bands, time_bands=time_bands, metric=metric,
                     permutations=permutations, seed=0 if seed is None else seed,
                     same_location=same_location, same_day=same_day, alpha=alpha)
    run = compute_knox(ws, spec.parameters)
    event = _event_label(ws, cats, lang)
    return {
        "knox": run.knox,
        "alert": run.alert,
        "summary": knox_summary(run.knox, lang, event=event, alpha=alpha) if permutations else [],
        "alert_summary": alert_summary(run.alert, lang, event=event) if run.alert else [],
        "n_events": run.n_events,
        "run": run,
        "spec": spec,
        "run_id": _record(ws, spec, run) if record else None,
    }


def _record(ws: Any, spec: RunSpec, result: Any) -> str:
    return record(ws, spec, result).short_key


def knox_from_dict(data: dict[str, Any]) -> KnoxResult:
    """Rebuild a KnoxResult from its ``to_dict()`` (see :meth:`KnoxResult.from_dict`)."""
    return KnoxResult.from_dict(data)


def _alert_for(ws: Any, spec: RunSpec) -> tuple[KnoxRun, str]:
    stored = ensure_run(ws, spec)
    run: KnoxRun = stored.result
    if run.alert is None:
        raise ValueError("the Knox run has no permutations, so no alert can be read from it; "
                         "use --permutations 999")
    return run, stored.short_key


def run_alert(
    ws: Any,
    *,
    x: float,
    y: float,
    when: dt.date,
    alpha: float = 0.05,
    lang: str = "en",
    event: str = "incident",
    **knox_kwargs: Any,
) -> dict[str, Any]:
    """Alert area and days for a new incident at ``(x, y)`` on ``when``.

    Reads the Knox run of ``knox_spec(ws, **knox_kwargs)`` (categories default as in
    :func:`run_knox`), reused when stored for the current data and config, computed and
    stored otherwise.
    """
    kwargs = {k: v for k, v in knox_kwargs.items() if v is not None}
    cats = _default_categories(ws, kwargs.pop("categories", None), kwargs.get("roles"))
    run, key = _alert_for(ws, knox_spec(ws, categories=cats, alpha=alpha, **kwargs))
    assert run.alert is not None
    t_day = float((when - EPOCH).days)
    zones = [(geom, EPOCH + dt.timedelta(days=int(until)))
             for geom, until in alert_zones(run.alert, x, y, t_day)]
    return {"alert": run.alert, "knox": run.knox, "zones": zones, "x": x, "y": y, "when": when,
            "knox_run": key, "summary": alert_summary(run.alert, lang, event=event)}


# ---------------------------------------------------------------------------- recent alerts
def alerts_spec(
    ws: Any, *, categories: Sequence[str] | None = None, days: int = 30,
    as_of: dt.date | str | None = None, alpha: float = 0.05, knox: RunSpec | None = None,
) -> RunSpec:
    """Spec of the near-repeat alerts of every recent incident.

    Parameters
    ----------
    ws : Workspace
    categories : sequence of str, optional
        Incident categories; default :func:`near_repeat_categories`.
    days : int
        Incidents in ``(as_of - days, as_of]``.
    as_of : date, optional
        Last day; default the last incident's day (resolved here, so it is in the spec).
    alpha : float
        Level of the alert.
    knox : RunSpec, optional
        The Knox run the alerts are read from; default ``knox_spec`` on ``categories``.
        Its parameters are part of this spec.

    Returns
    -------
    RunSpec
        Kind ``"spacetime.alerts"``.
    """
    cats = sorted(set(categories)) if categories else near_repeat_categories(ws)
    if as_of is None:
        frame = ws.events(categories=cats)
        as_of = (frame["occurred_at"].dt.tz_convert(ws.config.timezone).max().date()
                 if len(frame) else None)
    knox_run = knox or knox_spec(ws, categories=cats, alpha=alpha)
    if knox_run.kind != "spacetime.knox":
        raise ValueError(f"alerts read a spacetime.knox run, not {knox_run.kind}")
    return RunSpec("spacetime.alerts", {"categories": cats, "days": int(days), "as_of": _iso(as_of),
                                        "alpha": float(alpha), "knox": dict(knox_run.parameters)})


def compute_alerts(ws: Any, params: Mapping[str, Any]) -> RecentAlerts:
    """Alerts of a :func:`alerts_spec` (stores its Knox run if it was not stored).

    Parameters
    ----------
    ws : Workspace
    params : mapping
        The parameters of a :func:`alerts_spec` (canonical JSON form).

    Returns
    -------
    RecentAlerts
        Not stored (:func:`hotspotwatch.workflows.runs.ensure_run` stores it).
    """
    cats = list(params["categories"])
    as_of = dt.date.fromisoformat(params["as_of"]) if params["as_of"] else None
    frame = ws.events(categories=cats)
    alerts: list[IncidentAlert] = []
    key = ""
    if len(frame) and as_of is not None:
        run, key = _alert_for(ws, RunSpec("spacetime.knox", params["knox"]))
        assert run.alert is not None
        day = Day(ws.config.timezone)
        codes = day.codes(frame["occurred_at"])
        last = day.code_of(as_of)
        keep = (codes > last - int(params["days"])) & (codes <= last)
        for row, code in zip(frame[keep].itertuples(index=False), codes[keep], strict=True):
            when = day.start(int(code))
            zones = alert_zones(run.alert, float(row.x), float(row.y), float(code))
            until = max((EPOCH + dt.timedelta(days=int(u)) for _, u in zones), default=when)
            alerts.append(IncidentAlert(
                event_id=int(row.event_id), category=str(row.category), x=float(row.x),
                y=float(row.y), lon=float(row.lon), lat=float(row.lat), when=when, until=until,
                active=until >= as_of, elevated=bool(run.alert.elevated),
                radius_m=float(run.alert.radius_m), days=float(run.alert.days)))
    return RecentAlerts(alerts=tuple(alerts), as_of=as_of, categories=tuple(cats),
                        days=int(params["days"]), knox_run=key)


def run_recent_alerts(
    ws: Any,
    *,
    category: str = "shooting",
    days: int = 30,
    as_of: dt.date | None = None,
    alpha: float = 0.05,
    lang: str = "en",
    record: bool = True,
    knox: RunSpec | None = None,
) -> dict[str, Any]:
    """Near-repeat alerts for every ``category`` incident of the last ``days`` days.

    The Knox table is the run of ``knox`` (default ``knox_spec(ws, categories=[category])``),
    reused when stored. Each alert lists the incident's place (x/y in the workspace CRS and
    lon/lat), its day, the alert radius and the last day of raised risk; the run is stored
    as ``spacetime.alerts`` (:class:`RecentAlerts`) for the dashboard (event-level: only
    roles allowed to see events get it).

    Returns
    -------
    dict
        ``alerts`` (list of dicts, each with its ``summary`` sentences), ``as_of``,
        ``result`` (RecentAlerts) and ``run_id``.
    """
    spec = alerts_spec(ws, categories=[category], days=days, as_of=as_of, alpha=alpha, knox=knox)
    if spec.parameters["as_of"] is None:
        return {"alerts": [], "as_of": as_of, "result": None, "run_id": None}
    result = compute_alerts(ws, spec.parameters)
    knox_run, _ = _alert_for(ws, RunSpec("spacetime.knox", spec.parameters["knox"]))
    sentences = alert_summary(knox_run.alert, lang, event=category) if knox_run.alert else []
    alerts = [a.to_dict() | {"summary": sentences} for a in result.alerts]
    return {"alerts": alerts, "as_of": _iso(result.as_of), "result": result,
            "run_id": _record(ws, spec, result) if record else None}


# ---------------------------------------------------------------------------- emerging
def emerging_spec(
    ws: Any, *, categories: Sequence[str] | None = None, roles: Sequence[str] | None = None,
    start: Any = None, end: Any = None, cell_size: float = 250.0, step: str = "month",
    distance: float | None = None, time_window: int = 1, alpha: float = 0.05,
) -> RunSpec:
    """Spec of an emerging hot spot analysis (grid cells x calendar steps).

    Parameters
    ----------
    ws : Workspace
    categories, roles : sequence of str, optional
        Event filter (none: every event).
    start, end : date or ISO text, optional
        Events in ``[start, end)``.
    cell_size : float
        Cell side in metres.
    step : str
        ``"week"`` (from Monday), ``"month"`` or ``"quarter"`` (calendar, workspace time zone).
    distance : float, optional
        Neighbourhood distance; default 1.5 x ``cell_size`` (resolved here).
    time_window : int
        Previous steps in the neighbourhood.
    alpha : float
        Significance level after FDR.

    Returns
    -------
    RunSpec
        Kind ``"spacetime.emerging"``.
    """
    if step not in STEPS:
        raise ValueError(f"step must be one of {', '.join(STEPS)}; got {step!r}")
    return RunSpec("spacetime.emerging", {
        "categories": _sorted(categories), "roles": _sorted(roles), "start": _iso(start),
        "end": _iso(end), "cell_size": float(cell_size), "step": step,
        "distance": float(distance) if distance else 1.5 * float(cell_size),
        "time_window": int(time_window), "alpha": float(alpha)})


def _step_codes(occurred_at: pd.Series, step: str, timezone: str) -> tuple[np.ndarray, Any]:
    """Calendar step of each instant (weeks from Monday, months, quarters) and the first
    day of a step code."""
    if step == "week":
        week = Week(timezone)
        return week.codes(occurred_at), week.start
    month = CalendarMonth(timezone)
    if step == "month":
        return month.codes(occurred_at), month.start
    return month.codes(occurred_at) // 3, lambda q: month.start(3 * int(q))


def compute_emerging(ws: Any, params: Mapping[str, Any]) -> EmergingRun:
    """Emerging hot spot analysis on a square grid x calendar steps (workspace time zone).

    Parameters
    ----------
    ws : Workspace
    params : mapping
        The parameters of a :func:`emerging_spec` (canonical JSON form).

    Returns
    -------
    EmergingRun
        Not stored (:func:`hotspotwatch.workflows.runs.ensure_run` stores it).
    """
    from hotspotwatch.geo.grid import make_grid

    frame = _events(ws, params["categories"], params["roles"], params["start"], params["end"])
    x = frame["x"].to_numpy(float)
    y = frame["y"].to_numpy(float)
    try:
        area = ws.study_area()
    except Exception:  # no region layer: the events' extent is the study area
        area = None
    if area is not None and getattr(area, "is_empty", False):
        area = None
    grid = make_grid(area, points=(x, y), cell_size=float(params["cell_size"]))
    rows, cols = grid.cell_index(x, y)
    ny, nx = grid.shape
    flat_cells = np.flatnonzero(grid.mask.ravel())
    lookup = np.full(ny * nx, -1)
    lookup[flat_cells] = np.arange(flat_cells.size)
    ok = rows >= 0
    cell = np.full(x.size, -1)
    cell[ok] = lookup[rows[ok] * nx + cols[ok]]
    cx_all, cy_all = grid.centres()
    cx = np.asarray(cx_all).ravel()[flat_cells]
    cy = np.asarray(cy_all).ravel()[flat_cells]
    codes, start_of = _step_codes(frame["occurred_at"], params["step"], ws.config.timezone)
    first, last = int(codes.min()), int(codes.max())
    cube = space_time_cube(cell, codes - first, cell_x=cx, cell_y=cy, n_steps=last - first + 1)
    result = emerging_hotspots(cube.counts, cx, cy, distance=float(params["distance"]),
                               time_window=int(params["time_window"]), alpha=float(params["alpha"]))
    return EmergingRun(emerging=result, grid=GridGeometry.from_grid(grid), step=params["step"],
                       steps=tuple(start_of(c) for c in range(first, last + 1)),
                       counts=cube.counts, n_events=len(frame))


def emerging_cells(ws: Any, run: EmergingRun) -> Any:
    """GeoDataFrame of the cells with ``category``, ``total``, trends and hot/cold steps."""
    import geopandas as gpd

    res = run.emerging
    polys = np.asarray(run.grid.to_grid().polygons())  # restricted to the mask, row-major
    return gpd.GeoDataFrame({
        "cell": np.arange(polys.size),
        "category": list(res.category),
        "total": run.counts.sum(axis=1),
        "trend_z": res.trend_z,
        "count_trend_p": res.count_trend_p,
        "hot_steps": res.hot.sum(axis=1),
        "cold_steps": res.cold.sum(axis=1),
    }, geometry=list(polys), crs=ws.config.crs)


def run_emerging(
    ws: Any,
    *,
    categories: Sequence[str] | None = None,
    roles: Sequence[str] | None = None,
    start: Any = None,
    end: Any = None,
    cell_size: float = 250.0,
    step: str = "month",
    distance: float | None = None,
    time_window: int = 1,
    alpha: float = 0.05,
    lang: str = "en",
    record: bool = True,
) -> dict[str, Any]:
    """Emerging hot spot analysis on a square grid × calendar steps (workspace time zone).

    Returns
    -------
    dict
        ``result`` (EmergingHotspotsResult), ``cells`` (GeoDataFrame with ``category``),
        ``steps`` (step start dates), ``summary``, ``n_events``, ``run`` (EmergingRun),
        ``spec`` and ``run_id``.
    """
    spec = emerging_spec(ws, categories=categories, roles=roles, start=start, end=end,
                         cell_size=cell_size, step=step, distance=distance,
                         time_window=time_window, alpha=alpha)
    run = compute_emerging(ws, spec.parameters)
    return {
        "result": run.emerging,
        "cells": emerging_cells(ws, run),
        "steps": list(run.steps),
        "summary": emerging_summary(run.emerging, lang),
        "n_events": run.n_events,
        "run": run,
        "spec": spec,
        "run_id": _record(ws, spec, run) if record else None,
    }


__all__ = [
    "DEFAULT_SPACE_BANDS",
    "DEFAULT_TIME_BANDS",
    "STEPS",
    "alerts_spec",
    "compute_alerts",
    "compute_emerging",
    "compute_knox",
    "emerging_cells",
    "emerging_result_dict",
    "emerging_spec",
    "knox_from_dict",
    "knox_spec",
    "local_days",
    "near_repeat_categories",
    "run_alert",
    "run_emerging",
    "run_knox",
    "run_recent_alerts",
    "write_alert_outputs",
    "write_emerging_outputs",
    "write_knox_outputs",
]
