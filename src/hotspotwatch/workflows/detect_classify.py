"""Hot-spot classification workflow (sfhotspot's persistent / emerging / former /
intermittent scheme over equal periods): spec, compute and entry point. Re-exported by
:mod:`hotspotwatch.workflows.detect`."""

from __future__ import annotations

import datetime as dt
import itertools
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from hotspotwatch.analysis.detect import gistar_grid as _gistar_grid
from hotspotwatch.analysis.detect import (
    hotspot_classify,
)
from hotspotwatch.analysis.detect.gridded import (
    ClassifyRun,
    GridGeometry,
)
from hotspotwatch.analysis.precision import rank as precision_rank
from hotspotwatch.analysis.precision import select as select_precision
from hotspotwatch.workflows.detect_base import (
    Dates,
    EventFilter,
    GridRun,
    cell_size_of,
    grid_run,
    load_points,
    make_filter,
    spec_of,
    study_grid,
)
from hotspotwatch.workflows.runs import RunSpec


# ------------------------------------------------------------------------ classification
def _period_edges(start: dt.date, end: dt.date, n_periods: int) -> list[dt.date]:
    days = (end - start).days
    if days < n_periods:
        raise ValueError(f"the period {start}..{end} is shorter than {n_periods} days; use fewer periods")
    return [start + dt.timedelta(days=round(i * days / n_periods)) for i in range(n_periods + 1)]


def classify_spec(
    ws: Any, *, start: Dates, end: Dates, categories: Sequence[str] | None = None,
    roles: Sequence[str] | None = None, weighted: bool = True, n_periods: int = 8,
    cell_size: float | None = None, critical_p: float = 0.05, hotspot_prop: float = 0.1,
    persistent_prop: float = 0.8, recent_prop: float = 0.2, min_precision: str | None = None,
    study_area: str | None = None,
) -> RunSpec:
    """Spec of a hot-spot classification over ``n_periods`` equal periods of ``[start, end)``.

    Parameters
    ----------
    ws : Workspace
    categories, roles : sequence of str, optional
        Event filter; without either, the harm categories. Categories given with roles are
        narrowed to those roles.
    start, end : date or ISO text, optional
        Events in ``[start, end)`` (workspace time zone).
    weighted : bool
        Harm weights (else one per event).
    n_periods : int
        Number of equal periods.
    cell_size : float, optional
        Cell side in metres; ``None``: the automatic rule (recorded in the result).
    critical_p, hotspot_prop, persistent_prop, recent_prop : float
        sfhotspot's thresholds (see :func:`hotspotwatch.analysis.detect.hotspot_classify`).
    min_precision : {"instant", "hour", "day", "month"}, optional
        Drop events with a coarser ``time_precision``. On month-precision data the inner
        period edges move to the nearest first of a month (the result says so); periods
        shorter than a month are refused.
    study_area : {None, "region", "hull"}
        ``"hull"``: the events' hull instead of the workspace's study area (recorded in the
        parameters; see :mod:`hotspotwatch.workflows.study_area`).

    Returns
    -------
    RunSpec
        Kind ``"detect.classify"`` with every parameter, defaults filled in.

    Examples
    --------
    >>> import tempfile
    >>> from hotspotwatch.testing import make_city
    >>> ws = make_city(tempfile.mkdtemp() + "/c", scale=0.1)
    >>> classify_spec(ws, start="2021-01-01", end="2024-01-01").parameters["n_periods"]
    8
    >>> ws.close()
    """
    flt = make_filter(categories=categories, roles=roles, start=start, end=end, weighted=weighted)
    return _classify_spec(ws, flt, n_periods=n_periods, cell_size=cell_size, critical_p=critical_p,
                          hotspot_prop=hotspot_prop, persistent_prop=persistent_prop,
                          recent_prop=recent_prop, min_precision=min_precision,
                          study_area=study_area)


def _classify_spec(ws: Any, flt: EventFilter, *, min_precision: str | None = None,
                   **options: Any) -> RunSpec:
    if flt.start is None or flt.end is None:
        raise ValueError("classification needs --start and --end (the span split into periods)")
    if min_precision is not None:
        precision_rank(min_precision)
    return spec_of(ws, "detect.classify", flt, min_precision=min_precision, **options)


def _month_edges(edges: list[dt.date], hint_drop: bool) -> list[dt.date]:
    """Inner edges moved to the nearest first of a month (month-precision events sit on the
    1st: a period must not split a month); refused when two edges meet."""
    def nearest(d: dt.date) -> dt.date:
        first = d.replace(day=1)
        nxt = (first + dt.timedelta(days=32)).replace(day=1)
        return first if (d - first) <= (nxt - d) else nxt

    out = [edges[0], *(nearest(d) for d in edges[1:-1]), edges[-1]]
    if any(b <= a for a, b in itertools.pairwise(out)):
        hint = " (or --min-precision day to drop the month-only events)" if hint_drop else ""
        raise ValueError(
            f"classification: {len(edges) - 1} periods of {edges[0]}..{edges[-1]} are finer than "
            f"the events' time precision (month); use fewer periods of at least a month{hint}")
    return out


def compute_classify(ws: Any, params: Mapping[str, Any]) -> ClassifyRun:
    """Persistent / emerging / former / intermittent hot spots over equal periods.

    Parameters
    ----------
    ws : Workspace
    params : mapping
        The parameters of a :func:`classify_spec` (canonical JSON form).

    Returns
    -------
    ClassifyRun
        Not stored (:func:`hotspotwatch.workflows.runs.ensure_run` stores it).
    """
    flt = EventFilter.from_parameters(params)
    if flt.start is None or flt.end is None:
        raise ValueError("classification needs --start and --end (the span split into periods)")
    grid = study_grid(ws, cell_size=cell_size_of(params["cell_size"]), params=params)
    edges = _period_edges(flt.start, flt.end, int(params["n_periods"]))
    minimum = params.get("min_precision")
    ev = ws.events(categories=flt.categories, roles=flt.roles, start=flt.start, end=flt.end)
    kept = select_precision(ev["time_precision"].to_numpy(dtype=object), minimum)
    rule = "equal_days"
    if precision_rank(kept.precision) >= precision_rank("month"):
        edges, rule = _month_edges(edges, minimum is None), "calendar_months"
    zs, ps = [], []
    total = np.zeros(grid.shape)
    for a, b in itertools.pairwise(edges):
        sub = EventFilter(flt.categories, flt.roles, a, b, flt.weighted)
        x, y, w = load_points(ws, sub, min_precision=minimum)
        counts = grid.count(x, y, w)
        total += np.nan_to_num(counts)
        if np.nanstd(counts) == 0:
            zs.append(np.zeros(grid.n_cells))
            ps.append(np.ones(grid.n_cells))
            continue
        gi = _gistar_grid(counts, mask=grid.mask)
        zs.append(gi.z[grid.mask])
        ps.append(gi.p_norm[grid.mask])
    res = hotspot_classify(np.array(zs), np.array(ps), critical_p=params["critical_p"],
                           hotspot_prop=params["hotspot_prop"],
                           persistent_prop=params["persistent_prop"],
                           recent_prop=params["recent_prop"])
    return ClassifyRun(grid=GridGeometry.from_grid(grid), totals=total, classify=res,
                       period_edges=tuple(edges), time_precision=kept.precision,
                       min_precision=minimum, n_dropped_precision=kept.n_dropped,
                       period_rule=rule)


def classify(
    ws: Any, flt: EventFilter, *, n_periods: int = 8, cell_size: float | None = None,
    critical_p: float = 0.05, hotspot_prop: float = 0.1, persistent_prop: float = 0.8, recent_prop: float = 0.2,
    min_precision: str | None = None, study_area: str | None = None,
) -> GridRun:
    """Persistent / emerging / former / intermittent hot spots over ``n_periods`` equal periods."""
    spec = _classify_spec(ws, flt, n_periods=n_periods, cell_size=cell_size, critical_p=critical_p,
                          hotspot_prop=hotspot_prop, persistent_prop=persistent_prop,
                          recent_prop=recent_prop, min_precision=min_precision,
                          study_area=study_area)
    run = compute_classify(ws, spec.parameters)
    return grid_run("detect.classify", run.grid.to_grid(), run.totals, run.classify, spec, run, ws)


__all__ = ["classify", "classify_spec", "compute_classify"]
