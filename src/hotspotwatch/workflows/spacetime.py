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
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any

import numpy as np

from hotspotwatch.analysis import precision as tp
from hotspotwatch.analysis.precision import finest_band
from hotspotwatch.analysis.spacetime import (
    MIN_RATIO,
    IncidentAlert,
    KnoxResult,
    KnoxRun,
    RecentAlerts,
    alert_zones,
    knox,
    near_repeat_alert,
)
from hotspotwatch.domain.taxonomy import category_label
from hotspotwatch.i18n.spacetime import alert_summary, knox_notes, knox_summary
from hotspotwatch.periods import EPOCH, Day
from hotspotwatch.workflows.runs import RunSpec, ensure_run
from hotspotwatch.workflows.runs import record as _store
from hotspotwatch.workflows.spacetime_emerging import (
    STEPS,
    compute_emerging,
    emerging_cells,
    emerging_spec,
    run_emerging,
)
from hotspotwatch.workflows.spacetime_events import (
    PrecisionError,
    _iso,
    _record,
    _sorted,
    check_min_precision,
    duplicate_mask,
    local_days,
    refuse_finer_bands,
    select,
)
from hotspotwatch.workflows.spacetime_outputs import (
    emerging_result_dict,
    write_alert_outputs,
    write_emerging_outputs,
    write_knox_outputs,
)

DEFAULT_SPACE_BANDS: tuple[float, ...] = (0, 100, 200, 300, 400, math.inf)
DEFAULT_TIME_BANDS: tuple[float, ...] = (0, 7, 14, 21, 28, math.inf)



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
    alpha: float = 0.05, min_precision: str | None = None, include_duplicates: bool = False,
    min_ratio: float = MIN_RATIO,
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
        Level of the near-repeat alert read from the table (after Holm's correction over
        the cells it examines, see :func:`hotspotwatch.analysis.spacetime.near_repeat_alert`).
    min_ratio : float
        Smallest Knox ratio of a cell the alert is issued for (default 1.2).
    min_precision : {"instant", "hour", "day", "month"}, optional
        Drop the events whose ``time_precision`` is coarser (the result counts them).
        Without it, time bands finer than the coarsest precision of the events are
        refused (:class:`PrecisionError`).
    include_duplicates : bool
        Count exact duplicates (same source, time, place and category) as separate events;
        by default each incident is counted once, so the pairs between its copies (and
        its pairs with other events counted twice) are left out.

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
        "same_day": bool(same_day), "alpha": float(alpha), "min_ratio": float(min_ratio),
        "min_precision": check_min_precision(min_precision),
        "include_duplicates": bool(include_duplicates)})


def compute_knox(ws: Any, params: Mapping[str, Any], *,
                 progress: Callable[[int, int], None] | None = None) -> KnoxRun:
    """The Knox table (and its near-repeat alert) of a :func:`knox_spec`.

    Parameters
    ----------
    ws : Workspace
    params : mapping
        The parameters of a :func:`knox_spec` (canonical JSON form).
    progress : callable, optional
        ``progress(done, permutations)`` after each permutation.

    Returns
    -------
    KnoxRun
        Not stored (:func:`hotspotwatch.workflows.runs.ensure_run` stores it).
    """
    sel = select(ws, params, include_duplicates=bool(params.get("include_duplicates", False)))
    refuse_finer_bands(sel, finest_band(_bands(params["time_bands"])))
    frame = sel.frame
    days = local_days(frame["occurred_at"], ws.config.timezone)
    result = knox(frame["x"].to_numpy(float), frame["y"].to_numpy(float), days,
                  _bands(params["space_bands"]), _bands(params["time_bands"]),
                  metric=params["metric"], permutations=int(params["permutations"]),
                  seed=params["seed"], same_location=bool(params["same_location"]),
                  same_day=bool(params["same_day"]), progress=progress)
    alpha = float(params["alpha"])
    alert = (near_repeat_alert(result, alpha=alpha, min_ratio=float(params.get("min_ratio", MIN_RATIO)))
             if result.permutations else None)
    return KnoxRun(knox=result, alert=alert, categories=tuple(params["categories"]),
                   roles=tuple(params["roles"] or ()), alpha=alpha, time_precision=sel.precision,
                   min_precision=params.get("min_precision"),
                   n_dropped_precision=sel.n_dropped_precision, n_duplicates=sel.n_duplicates,
                   same_place_same_day=_same_place_same_day(frame, days))


def _same_place_same_day(frame: Any, days: np.ndarray) -> int:
    """Pairs of events at exactly the same place on the same local day."""
    if len(frame) < 2:
        return 0
    keys = np.column_stack([frame["x"].to_numpy(float), frame["y"].to_numpy(float), days])
    _, counts = np.unique(keys, axis=0, return_counts=True)
    return int((counts * (counts - 1) // 2).sum())


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
    min_precision: str | None = None,
    include_duplicates: bool = False,
    min_ratio: float = MIN_RATIO,
    progress: Callable[[int, int], None] | None = None,
) -> dict[str, Any]:
    """Knox near-repeat table for the filtered events, with alert and summaries.

    Without ``categories``, the categories of ``roles``, else :func:`near_repeat_categories`;
    ``seed=None`` means seed 0 (every run is reproducible from its spec);
    ``progress(done, permutations)`` is called after each permutation.

    Returns
    -------
    dict
        ``knox`` (KnoxResult), ``alert`` (NearRepeatAlert), ``summary`` and
        ``alert_summary`` (lists of sentences; the summary ends with the notes on
        precision, dropped events, duplicates and same-place/same-day pairs), ``n_events``,
        ``run`` (KnoxRun), ``spec`` and ``run_id`` (short key of the stored run; ``None``
        with ``record=False``).
    """
    cats = _default_categories(ws, categories, roles)
    spec = knox_spec(ws, categories=cats, roles=roles, start=start, end=end,
                     space_bands=space_bands, time_bands=time_bands, metric=metric,
                     permutations=permutations, seed=0 if seed is None else seed,
                     same_location=same_location, same_day=same_day, alpha=alpha,
                     min_precision=min_precision, include_duplicates=include_duplicates,
                     min_ratio=min_ratio)
    run = compute_knox(ws, spec.parameters, progress=progress)
    event = _event_label(ws, cats, lang)
    summary = knox_summary(run.knox, lang, event=event, alpha=alpha) if permutations else []
    return {
        "knox": run.knox,
        "alert": run.alert,
        "summary": summary + knox_notes(run, lang),
        "alert_summary": alert_summary(run.alert, lang, event=event) if run.alert else [],
        "n_events": run.n_events,
        "run": run,
        "spec": spec,
        "run_id": _record(ws, spec, run) if record else None,
    }


def knox_from_dict(data: dict[str, Any]) -> KnoxResult:
    """Rebuild a KnoxResult from its ``to_dict()`` (see :meth:`KnoxResult.from_dict`)."""
    return KnoxResult.from_dict(data)


def _alert_for(ws: Any, spec: RunSpec,
               progress: Callable[[int, int], None] | None = None) -> tuple[KnoxRun, str]:
    # ensure_run, with the permutations' progress when the run must be computed
    stored = ws.find_run(spec.kind, spec.parameters) if progress is not None else None
    if stored is None:
        stored = (ensure_run(ws, spec) if progress is None
                  else _store(ws, spec, compute_knox(ws, spec.parameters, progress=progress)))
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
    progress: Callable[[int, int], None] | None = None,
    **knox_kwargs: Any,
) -> dict[str, Any]:
    """Alert area and days for a new incident at ``(x, y)`` on ``when``.

    Reads the Knox run of ``knox_spec(ws, **knox_kwargs)`` (categories default as in
    :func:`run_knox`), reused when stored for the current data and config, computed and
    stored otherwise (``progress(done, permutations)`` during that computation).
    """
    kwargs = {k: v for k, v in knox_kwargs.items() if v is not None}
    cats = _default_categories(ws, kwargs.pop("categories", None), kwargs.get("roles"))
    run, key = _alert_for(ws, knox_spec(ws, categories=cats, alpha=alpha, **kwargs), progress)
    assert run.alert is not None
    t_day = float((when - EPOCH).days)
    zones = [(geom, EPOCH + dt.timedelta(days=int(until)))
             for geom, until in alert_zones(run.alert, x, y, t_day)]
    return {"alert": run.alert, "knox": run.knox, "zones": zones, "x": x, "y": y, "when": when,
            "knox_run": key, "time_precision": run.time_precision,
            "summary": alert_summary(run.alert, lang, event=event) + knox_notes(run, lang)}


# ---------------------------------------------------------------------------- recent alerts
def alerts_spec(
    ws: Any, *, categories: Sequence[str] | None = None, days: int = 30,
    as_of: dt.date | str | None = None, alpha: float = 0.05, knox: RunSpec | None = None,
    min_precision: str | None = None, min_ratio: float = MIN_RATIO,
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
    min_precision : str, optional
        Drop incidents (and, for the default Knox run, events) coarser than this precision;
        default the Knox run's ``min_precision``. An alert needs the incident's day, so
        month-only incidents are refused without it.
    min_ratio : float
        Smallest Knox ratio of an alert cell, for the default Knox run.

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
    knox_run = knox or knox_spec(ws, categories=cats, alpha=alpha, min_precision=min_precision,
                                 min_ratio=min_ratio)
    if knox_run.kind != "spacetime.knox":
        raise ValueError(f"alerts read a spacetime.knox run, not {knox_run.kind}")
    if min_precision is None:
        min_precision = knox_run.parameters.get("min_precision")
    return RunSpec("spacetime.alerts", {"categories": cats, "days": int(days), "as_of": _iso(as_of),
                                        "alpha": float(alpha), "knox": dict(knox_run.parameters),
                                        "min_precision": check_min_precision(min_precision)})


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
    precision, n_dropped = "instant", 0
    if len(frame) and as_of is not None:
        run, key = _alert_for(ws, RunSpec("spacetime.knox", params["knox"]))
        assert run.alert is not None
        day = Day(ws.config.timezone)
        codes = day.codes(frame["occurred_at"])
        last = day.code_of(as_of)
        keep = (codes > last - int(params["days"])) & (codes <= last)
        keep, precision, n_dropped = _alert_precision(frame, keep, params.get("min_precision"))
        if not params["knox"].get("include_duplicates", False):
            keep &= ~duplicate_mask(frame)  # one alert per incident, not per duplicate record
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
                        days=int(params["days"]), knox_run=key, time_precision=precision,
                        n_dropped_precision=n_dropped)


def _alert_precision(frame: Any, window: np.ndarray,
                     min_precision: str | None) -> tuple[np.ndarray, str, int]:
    """Incidents of the window kept after ``min_precision``; an alert needs the incident's
    day, so incidents known only to a coarser precision are refused."""
    flt = tp.select(frame["time_precision"].to_numpy(dtype=object)[window], min_precision)
    kept = window.copy()
    kept[np.flatnonzero(window)[~flt.keep]] = False
    if tp.finer_than(1.0, flt.precision):
        n = int((frame["time_precision"][kept] == flt.precision).sum())
        raise PrecisionError(
            f"alerts: {n} incident(s) of the window are known only to the {flt.precision}, so "
            "the day their alert starts is unknown; use --min-precision day (min_precision=) "
            "to drop them")
    return kept, flt.precision, flt.n_dropped


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
    min_precision: str | None = None,
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
    spec = alerts_spec(ws, categories=[category], days=days, as_of=as_of, alpha=alpha, knox=knox,
                       min_precision=min_precision)
    if spec.parameters["as_of"] is None:
        return {"alerts": [], "as_of": as_of, "result": None, "run_id": None}
    result = compute_alerts(ws, spec.parameters)
    knox_run, _ = _alert_for(ws, RunSpec("spacetime.knox", spec.parameters["knox"]))
    sentences = alert_summary(knox_run.alert, lang, event=category) if knox_run.alert else []
    alerts = [a.to_dict() | {"summary": sentences} for a in result.alerts]
    return {"alerts": alerts, "as_of": _iso(result.as_of), "result": result,
            "run_id": _record(ws, spec, result) if record else None}


__all__ = [
    "DEFAULT_SPACE_BANDS",
    "DEFAULT_TIME_BANDS",
    "STEPS",
    "PrecisionError",
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
