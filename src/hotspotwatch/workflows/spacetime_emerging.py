"""Emerging hot spot workflow: grid cells x calendar steps (spec, compute, entry point).

The cube's step is never finer than the events' time precision: a weekly cube on month-only
dates is refused (:class:`~hotspotwatch.workflows.spacetime_events.PrecisionError`, naming the
precision and the fixes: a monthly step, or ``min_precision`` to drop the coarser events).
Re-exported by :mod:`hotspotwatch.workflows.spacetime`.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from hotspotwatch.analysis import precision as tp
from hotspotwatch.analysis.detect.gridded import GridGeometry
from hotspotwatch.analysis.spacetime import EmergingRun, emerging_hotspots, space_time_cube
from hotspotwatch.i18n.spacetime import emerging_summary
from hotspotwatch.periods import CalendarMonth, Week
from hotspotwatch.workflows.runs import RunSpec
from hotspotwatch.workflows.spacetime_events import (
    PrecisionError,
    _iso,
    _record,
    _sorted,
    check_min_precision,
    select,
)
from hotspotwatch.workflows.study_area import study_area_of, study_area_parameters

STEPS = ("week", "month", "quarter")


def emerging_spec(
    ws: Any, *, categories: Sequence[str] | None = None, roles: Sequence[str] | None = None,
    start: Any = None, end: Any = None, cell_size: float = 250.0, step: str = "month",
    distance: float | None = None, time_window: int = 1, alpha: float = 0.05,
    min_precision: str | None = None, study_area: str | None = None,
) -> RunSpec:
    """Spec of an emerging hot spot analysis (grid cells x calendar steps) over the study area.

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
    min_precision : {"instant", "hour", "day", "month"}, optional
        Drop the events whose ``time_precision`` is coarser; without it a step finer than
        the coarsest precision of the events (a week on month-only dates) is refused.
    study_area : {None, "region", "hull"}
        ``"hull"``: the events' hull instead of the workspace's study area (recorded in the
        parameters; see :mod:`hotspotwatch.workflows.study_area`).

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
        "time_window": int(time_window), "alpha": float(alpha),
        "min_precision": check_min_precision(min_precision),
        **study_area_parameters(study_area, cell_size=float(cell_size))})


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


def compute_emerging(ws: Any, params: Mapping[str, Any], *,
                     progress: Callable[[int, int], None] | None = None) -> EmergingRun:
    """Emerging hot spot analysis on a square grid x calendar steps (workspace time zone).

    Parameters
    ----------
    ws : Workspace
    params : mapping
        The parameters of a :func:`emerging_spec` (canonical JSON form).
    progress : callable, optional
        ``progress(done, 6)``: the cube, then the five stages of
        :func:`~hotspotwatch.analysis.spacetime.emerging_hotspots`.

    Returns
    -------
    EmergingRun
        Not stored (:func:`hotspotwatch.workflows.runs.ensure_run` stores it).
    """
    from hotspotwatch.geo.grid import make_grid

    sel = select(ws, params)
    _refuse_finer_step(sel, params["step"])
    frame = sel.frame
    x = frame["x"].to_numpy(float)
    y = frame["y"].to_numpy(float)
    area = study_area_of(ws, params)
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
    if progress is not None:
        progress(1, 6)
    result = emerging_hotspots(cube.counts, cx, cy, distance=float(params["distance"]),
                               time_window=int(params["time_window"]), alpha=float(params["alpha"]),
                               progress=None if progress is None else (lambda k, _n: progress(1 + k, 6)))
    return EmergingRun(emerging=result, grid=GridGeometry.from_grid(grid), step=params["step"],
                       steps=tuple(start_of(c) for c in range(first, last + 1)),
                       counts=cube.counts, n_events=len(frame), time_precision=sel.precision,
                       min_precision=params.get("min_precision"),
                       n_dropped_precision=sel.n_dropped_precision)


def _refuse_finer_step(sel: Any, step: str) -> None:
    """A cube's step is never finer than the data's precision: refuse (never coarsen
    silently), naming the precision and the two fixes."""
    if tp.rank(tp.STEP_NEEDS[step]) >= tp.rank(sel.precision):
        return
    n = int((sel.frame["time_precision"] == sel.precision).sum())
    raise PrecisionError(
        f"emerging hot spots: a {step} step is finer than the events' time precision ({n} of "
        f"{len(sel.frame)} events are known only to the {sel.precision}); use --step month "
        "(or quarter), or --min-precision day (min_precision=) to drop those events")


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
    min_precision: str | None = None,
    progress: Callable[[int, int], None] | None = None,
    study_area: str | None = None,
) -> dict[str, Any]:
    """Emerging hot spot analysis on a square grid × calendar steps (workspace time zone);
    ``progress(done, total)`` as in :func:`compute_emerging`.

    Returns
    -------
    dict
        ``result`` (EmergingHotspotsResult), ``cells`` (GeoDataFrame with ``category``),
        ``steps`` (step start dates), ``summary``, ``n_events``, ``run`` (EmergingRun),
        ``spec`` and ``run_id``.
    """
    spec = emerging_spec(ws, categories=categories, roles=roles, start=start, end=end,
                         cell_size=cell_size, step=step, distance=distance,
                         time_window=time_window, alpha=alpha, min_precision=min_precision,
                         study_area=study_area)
    run = compute_emerging(ws, spec.parameters, progress=progress)
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


__all__ = ["STEPS", "compute_emerging", "emerging_cells", "emerging_spec", "run_emerging"]
