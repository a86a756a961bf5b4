"""Incidents in context on a workspace: one question, one stored run.

:func:`incidents_spec` states the question ("the incidents of ``category`` from ``start`` to
``end``", run kind ``"evaluate.incidents"``, every option filled in); :func:`compute_incidents`
answers it from the store (registered in :data:`hotspotwatch.workflows.runs.COMPUTERS`);
:func:`report_window` is the window and category the renewal report and the dashboard show.

The model share (``expected_share_model``) applies the rate ratios of a stored evaluation
(:func:`hotspotwatch.workflows.evaluate.evaluation_spec` with the workspace's
``[evaluation]`` defaults, through :func:`~hotspotwatch.workflows.runs.ensure_run`): by
default the evaluation of all harm (``model_outcome="harm"``: the one the report and the
dashboard show, so no extra run), or that of the category itself
(``model_outcome="category"``: noisier for rare categories), up to ``model_until`` (default
``end``). Nothing is re-estimated here.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
import shapely

from hotspotwatch.analysis.evaluate.incidents import (
    BASELINE_MONTHS,
    TARGET_CHANGE,
    IncidentsInContext,
    incidents_in_context,
)
from hotspotwatch.analysis.precision import coarsest
from hotspotwatch.periods import add_months, local_days
from hotspotwatch.workflows.runs import RunSpec, ensure_run

if TYPE_CHECKING:
    from hotspotwatch.workspace import Workspace

KIND = "evaluate.incidents"
#: Which evaluation gives the model share: that of all harm, or of the category itself.
MODEL_OUTCOMES = ("harm", "category")


def _date(value: Any, name: str) -> dt.date:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value))
    except ValueError:
        raise ValueError(f"{name}: {value!r} is not a date; use YYYY-MM-DD") from None


def check_category(ws: Workspace, category: str) -> str:
    """``category`` if it is a harm category of the workspace taxonomy.

    Raises
    ------
    ValueError
        Unknown (naming the known harm categories), or a dose category.
    """
    tax = ws.taxonomy
    harm = tax.names(role="harm")
    if category not in tax:
        hint = tax.suggest(category)
        extra = f" (did you mean {hint!r}?)" if hint and hint in harm else ""
        raise ValueError(
            f"--category: unknown category {category!r}{extra}; known harm categories: "
            + ", ".join(harm)
        )
    if category not in harm:
        raise ValueError(
            f"--category: {category!r} is {tax[category].role} (dose, never an outcome); "
            "use a harm category: " + ", ".join(harm)
        )
    return category


def incidents_spec(
    ws: Workspace,
    *,
    category: str,
    start: dt.date | str,
    end: dt.date | str,
    baseline_months: int = BASELINE_MONTHS,
    target_change: float = TARGET_CHANGE,
    alpha: float = 0.05,
    power: float = 0.8,
    model_outcome: str = "harm",
    model_until: dt.date | str | None = None,
    model_study_area: str | None = None,
) -> RunSpec:
    """The question "the ``category`` incidents from ``start`` to ``end``, in context".

    Parameters
    ----------
    ws : Workspace
        The workspace (its taxonomy names the categories).
    category : str
        A harm category of the workspace taxonomy.
    start, end : date or ISO string
        First and last day of the window (both inclusive, workspace time zone).
    baseline_months : int
        Months before each place's first designation that give its expected share.
    target_change : float
        Relative change whose detectability is given (0.2: 20 %).
    alpha, power : float
        Level and power of that detectability.
    model_outcome : {"harm", "category"}
        Whose evaluation's rate ratios give ``expected_share_model``: all harm (the
        evaluation the report shows) or the category's own.
    model_until : date or ISO string, optional
        The ``until`` of that evaluation (default ``end``; the report gives its review day).
    model_study_area : {None, "hull"}, optional
        Its study area (the report's ``--study-area``); recorded only when given.

    Returns
    -------
    RunSpec
        Kind ``"evaluate.incidents"`` with every parameter.

    Raises
    ------
    ValueError
        Unknown or dose category, a date that is not one, ``end`` before ``start``.
    """
    check_category(ws, category)
    s, e = _date(start, "--start"), _date(end, "--end")
    if e < s:
        raise ValueError(f"--end {e.isoformat()} is before --start {s.isoformat()}")
    if model_outcome not in MODEL_OUTCOMES:
        raise ValueError(
            f"--model-outcome: {model_outcome!r} is not one of {', '.join(MODEL_OUTCOMES)}"
        )
    mu = e if model_until is None else _date(model_until, "model_until")
    if mu < e:
        raise ValueError(f"model_until {mu.isoformat()} is before --end {e.isoformat()}")
    if baseline_months < 1:
        raise ValueError(f"baseline_months must be at least 1, got {baseline_months!r}")
    return RunSpec(
        KIND,
        {
            "category": category,
            "start": s.isoformat(),
            "end": e.isoformat(),
            "baseline_months": int(baseline_months),
            "target_change": float(target_change),
            "alpha": float(alpha),
            "power": float(power),
            "model_outcome": model_outcome,
            "model_until": mu.isoformat(),
            **({"model_study_area": model_study_area} if model_study_area else {}),
        },
    )


def _data_start(ws: Workspace) -> dt.date | None:
    from hotspotwatch.store import dashboard as dashboard_store
    from hotspotwatch.workflows.web.prevention import ACTION_SOURCE

    span = dashboard_store.event_time_range(ws.engine, exclude_source=ACTION_SOURCE)
    if span is None:
        return None
    first = local_days(pd.DatetimeIndex([span[0]], tz="UTC"), ws.config.timezone)[0]
    return dt.date(first.year, first.month, first.day)


def _model(
    ws: Workspace, outcome: str | list[str], until: dt.date, study_area: str | None = None
) -> tuple[dict[str, float], dict[str, Any]]:
    """Rate ratios of the stored evaluation of ``outcome`` up to ``until``, and its provenance."""
    from hotspotwatch.workflows.evaluate import evaluation_spec
    from hotspotwatch.workspace import WorkspaceError

    spec = evaluation_spec(ws, until=until, outcome=outcome, study_area=study_area)
    try:
        run = ensure_run(ws, spec)
    except (ValueError, WorkspaceError) as exc:  # e.g. no place designated yet, no study area
        return {}, {"kind": spec.kind, "parameters": dict(spec.parameters), "error": str(exc)}
    key = outcome if isinstance(outcome, str) else "+".join(outcome)
    irr = {h.name: float(h.did.irr) for h in run.result.hotspots if h.outcome == key}
    return irr, {"kind": spec.kind, "parameters": dict(spec.parameters), "run": run.short_key}


def compute_incidents(ws: Workspace, params: Mapping[str, Any]) -> IncidentsInContext:
    """Compute the run :func:`incidents_spec` asks for (does not store it).

    Raises
    ------
    ValueError
        Month-precision incidents with a window that is not whole calendar months.
    """
    category = str(params["category"])
    start = dt.date.fromisoformat(str(params["start"]))
    end = dt.date.fromisoformat(str(params["end"]))
    tz = ws.config.timezone
    events = ws.events(categories=[category], end=end + dt.timedelta(days=1))
    precision = coarsest(
        events["time_precision"].astype(str).unique().tolist() if len(events) else []
    )
    if precision == "month" and (start.day != 1 or (end + dt.timedelta(days=1)).day != 1):
        raise ValueError(
            f"{category} events are known only to the month: give --start on the 1st of a "
            f"month and --end on the last day of a month (got {start} to {end})"
        )
    days = local_days(events["occurred_at"], tz) if len(events) else pd.DatetimeIndex([])
    first = np.array([d.toordinal() for d in days.date], dtype=np.int64)
    if precision == "month":
        month_precise = (events["time_precision"].astype(str) == "month").to_numpy()
        last_of_month = np.array(
            [
                (add_months(d.replace(day=1), 1) - dt.timedelta(days=1)).toordinal()
                for d in days.date
            ],
            dtype=np.int64,
        )
        last = np.where(month_precise, last_of_month, first)
    else:
        last = first.copy()
    hs = ws.hotspots()
    names = [str(n) for n in hs["name"]]
    x, y = events["x"].to_numpy(float), events["y"].to_numpy(float)
    inside = np.zeros((len(events), len(names)), dtype=bool)
    for j, geom in enumerate(hs.geometry):
        if len(events):
            inside[:, j] = shapely.contains_xy(geom, x, y)
    periods = ws.hotspot_periods()
    data_start = _data_start(ws) or start
    model_outcome = str(params.get("model_outcome", "harm"))
    model_until = dt.date.fromisoformat(str(params.get("model_until", params["end"])))
    if periods:
        irr, model = _model(
            ws,
            "harm" if model_outcome == "harm" else [category],
            model_until,
            params.get("model_study_area"),
        )
    else:
        irr, model = {}, {"error": "no designated place"}
    return incidents_in_context(
        category=category,
        start=start,
        end=end,
        first_day=first,
        last_day=last,
        inside=inside,
        places=names,
        periods=periods,
        data_start=data_start,
        time_precision=precision,
        baseline_months=int(params["baseline_months"]),
        target_change=float(params["target_change"]),
        alpha=float(params["alpha"]),
        power=float(params["power"]),
        model_irr=irr,
        model=model,
    )


def incident_category(ws: Workspace) -> str | None:
    """The category the report and the dashboard put in context.

    ``[report] incident_category`` when set; else, among the harm categories the workspace
    has events of (all of them when it has none yet), ``shooting`` when there, else the one
    with the largest harm weight (the most severe); ``None`` when the taxonomy has no harm
    category. A city whose data hold no shooting is not shown "no shootings were recorded"
    because the default taxonomy lists the category.
    """
    configured = ws.config.report.incident_category
    if configured:
        return str(configured)
    harm = [c for c in ws.taxonomy if c.role == "harm"]
    if not harm:
        return None
    recorded = {name for name, v in ws.event_stats().items() if v.get("count")}
    harm = [c for c in harm if c.name in recorded] or harm
    if any(c.name == "shooting" for c in harm):
        return "shooting"
    return max(harm, key=lambda c: (c.harm_weight, c.name)).name


def report_window(until: dt.date) -> tuple[dt.date, dt.date]:
    """The window the report and the dashboard show: the last whole calendar month ending
    on or before ``until`` (``until``'s own month when it is its last day).

    Whole months keep month-precision data usable.

    Examples
    --------
    >>> report_window(dt.date(2025, 8, 31))
    (datetime.date(2025, 8, 1), datetime.date(2025, 8, 31))
    >>> report_window(dt.date(2025, 8, 30))
    (datetime.date(2025, 7, 1), datetime.date(2025, 7, 31))
    """
    end = (until + dt.timedelta(days=1)).replace(day=1) - dt.timedelta(days=1)
    return end.replace(day=1), end


def report_incidents_spec(
    ws: Workspace, *, until: dt.date, study_area: str | None = None
) -> RunSpec | None:
    """The incidents run of the renewal report and the dashboard for review day ``until``:
    :func:`incident_category` in :func:`report_window`, default options, the model share
    from the report's own evaluation (all harm up to ``until``); ``None`` without a harm
    category."""
    category = incident_category(ws)
    if category is None:
        return None
    start, end = report_window(until)
    return incidents_spec(
        ws,
        category=category,
        start=start,
        end=end,
        model_until=until,
        model_study_area=study_area,
    )


__all__ = [
    "KIND",
    "MODEL_OUTCOMES",
    "check_category",
    "compute_incidents",
    "incident_category",
    "incidents_spec",
    "report_incidents_spec",
    "report_window",
]
