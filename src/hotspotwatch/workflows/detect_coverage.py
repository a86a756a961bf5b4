"""Designation coverage and the border view: the detection runs that read the hotspots and
the zone layer beside the events (specs, compute functions and the CLI's entry points)."""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from hotspotwatch.analysis.detect import (
    BorderResult,
    CoverageResult,
    border_view,
    designation_coverage,
)
from hotspotwatch.analysis.detect import gistar_grid as _gistar_grid
from hotspotwatch.analysis.detect.coverage import (
    CoverageGroup,
    CoverageSummary,
    coverage_rows,
    undesignated_clusters,
)
from hotspotwatch.periods import add_months
from hotspotwatch.store.runs import StoredRun
from hotspotwatch.workflows.detect_base import (
    Dates,
    EventFilter,
    GridRun,
    cell_size_of,
    load_points,
    make_filter,
    spec_of,
    study_grid,
)
from hotspotwatch.workflows.runs import RunSpec, record
from hotspotwatch.workflows.study_area import study_area_of


# ------------------------------------------------------------------------------ coverage
@dataclass(frozen=True)
class CoverageRun:
    """Designation coverage table and undesignated hot clusters.

    ``table`` and ``undesignated`` are DataFrames of the stored :class:`CoverageSummary`
    (``undesignated`` with a shapely ``geometry`` column); ``run_id`` is the short run key.
    """

    table: pd.DataFrame
    results: list[CoverageResult]
    undesignated: pd.DataFrame
    run_id: str
    parameters: dict[str, Any] = field(default_factory=dict)
    summary: CoverageSummary | None = None
    stored: StoredRun[Any] | None = None


def _in_force(periods: dict[str, list[Any]], first: dt.date, last: dt.date) -> list[str]:
    """Hotspots with a designation period overlapping the days ``[first, last]``."""
    return [name for name, ps in periods.items()
            if any(p.start <= last and (p.end is None or p.end > first) for p in ps)]


def coverage_spec(
    ws: Any, *, categories: Sequence[str] | None = None, roles: Sequence[str] | None = None,
    start: Dates = None, end: Dates = None, weighted: bool = True, pre_months: int = 12,
    cell_size: float | None = None, correction: str = "fdr_bh", min_bin: int = 2,
    study_area: str | None = None,
) -> RunSpec:
    """Spec of a designation coverage run.

    Without ``start``/``end``: each hotspot tested on the ``pre_months`` before its
    designation. With both: one Gi* over ``[start, end)`` (``pre_months`` is then ``None``).

    Parameters
    ----------
    ws : Workspace
    categories, roles, start, end, weighted
        Event filter (see :func:`hotspotwatch.workflows.detect.gistar_spec`).
    pre_months : int
        Months before each designation.
    cell_size : float, optional
        Cell side in metres; ``None``: the automatic rule.
    correction : str
        Multiple-testing correction of the Gi*.
    min_bin : int
        Gi* bin that counts as hot (2: 95 %).
    study_area : {None, "region", "hull"}
        ``"hull"``: the events' hull instead of the workspace's study area (recorded in the
        parameters; see :mod:`hotspotwatch.workflows.study_area`).

    Returns
    -------
    RunSpec
        Kind ``"detect.coverage"``.

    Examples
    --------
    >>> import tempfile
    >>> from hotspotwatch.testing import make_city
    >>> ws = make_city(tempfile.mkdtemp() + "/c", scale=0.1)
    >>> coverage_spec(ws, start="2023-01-01", end="2024-01-01").parameters["pre_months"] is None
    True
    >>> ws.close()
    """
    flt = make_filter(categories=categories, roles=roles, start=start, end=end, weighted=weighted)
    return _coverage_spec(ws, flt, pre_months=pre_months, cell_size=cell_size, correction=correction,
                          min_bin=min_bin, study_area=study_area)


def _coverage_spec(ws: Any, flt: EventFilter, *, pre_months: int, cell_size: float | None,
                   correction: str, min_bin: int, study_area: str | None = None) -> RunSpec:
    if (flt.start is None) != (flt.end is None):
        raise ValueError("give both start and end for a coverage period (or neither, for the months "
                         "before each designation)")
    if flt.start is not None and flt.end is not None and flt.end <= flt.start:
        raise ValueError(f"end ({flt.end}) must be after start ({flt.start})")
    return spec_of(ws, "detect.coverage", flt, pre_months=pre_months if flt.start is None else None,
                   cell_size=cell_size, correction=correction, min_bin=min_bin,
                   study_area=study_area)


def _coverage(ws: Any, params: Mapping[str, Any]) -> tuple[CoverageSummary, list[CoverageResult]]:
    flt = EventFilter.from_parameters(params)
    hs = ws.hotspots()
    periods = ws.hotspot_periods()
    if hs.empty or not periods:
        raise ValueError("no designated hotspots in this workspace; import them with `hotspotwatch hotspot ...`")
    area = study_area_of(ws, params)
    grid = study_grid(ws, cell_size=cell_size_of(params["cell_size"]), params=params)
    first = {name: min(p.start for p in ps) for name, ps in periods.items() if ps}
    by_start: dict[dt.date, list[str]] = {}
    if flt.start is not None and flt.end is not None:
        by_start[flt.start] = _in_force(periods, flt.start, flt.end - dt.timedelta(days=1))
        windows = {flt.start: (flt.start, flt.end, by_start[flt.start])}
    else:
        pre_months = int(params["pre_months"])
        for name, start in first.items():
            by_start.setdefault(start, []).append(name)
        windows = {start: (add_months(start, -pre_months), start, _in_force(periods, start, start))
                   for start in by_start}
    rows, und, groups, results = [], [], [], []
    for key, names in sorted(by_start.items()):
        pre_start, end, in_force = windows[key]
        sub = EventFilter(flt.categories, flt.roles, pre_start, end, flt.weighted)
        x, y, w = load_points(ws, sub)
        gi = _gistar_grid(grid.count(x, y, w), mask=grid.mask, correction=params["correction"])
        # All perimeters in force (not only this group's) decide which clusters are undesignated.
        sel = hs[hs["name"].isin(sorted(set(in_force) | set(names)))]
        res = designation_coverage(list(sel.geometry), grid, gi.z, gi.bins, x=x, y=y, harm=w,
                                   study_area=area, hotspot_ids=list(sel["name"]),
                                   min_bin=int(params["min_bin"]))
        results.append(res)
        rows += coverage_rows(res, names, first, pre_start, end)
        und += undesignated_clusters(res, key)
        groups.append(CoverageGroup(start=key, pre_start=pre_start, end=end,
                                    hotspots=tuple(res.hotspot_ids),
                                    designated_harm_share=res.designated_harm_share,
                                    designated_area_share=res.designated_area_share, pai=res.pai,
                                    n_clusters=len(res.clusters)))
    summary = CoverageSummary(table=tuple(rows), undesignated=tuple(und), groups=tuple(groups),
                              cell_size=grid.cell_size, cell_size_rule=grid.cell_size_rule)
    return summary, results


def compute_coverage(ws: Any, params: Mapping[str, Any]) -> CoverageSummary:
    """For each designated hotspot: was it a Gi* hot spot of harm before designation?

    Parameters
    ----------
    ws : Workspace
    params : mapping
        The parameters of a :func:`coverage_spec` (canonical JSON form).

    Returns
    -------
    CoverageSummary
        Not stored (:func:`hotspotwatch.workflows.runs.ensure_run` stores it).
    """
    return _coverage(ws, params)[0]


def coverage_frames(summary: CoverageSummary) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The coverage table and the undesignated clusters (with a ``geometry`` column)."""
    table = pd.DataFrame([dataclasses.asdict(r) for r in summary.table])
    und = pd.DataFrame([
        {"designated_period_start": u.designated_period_start, "n_cells": u.n_cells,
         "harm": u.harm, "max_z": u.max_z, "x": u.x, "y": u.y, "geometry": u.geometry}
        for u in summary.undesignated])
    return table, und


def coverage(
    ws: Any, flt: EventFilter = EventFilter(), *, pre_months: int = 12, cell_size: float | None = None,
    correction: str = "fdr_bh", min_bin: int = 2, study_area: str | None = None,
) -> CoverageRun:
    """For each designated hotspot: was it a Gi* hot spot of harm in the ``pre_months`` before designation?

    Hotspots designated on the same day share one Gi* run on the pre-period. Also lists the
    hot clusters touching no perimeter in force on that day ("unofficial focal points") and
    the PAI of the perimeters in force.

    With ``flt.start`` and ``flt.end`` set, one Gi* run covers ``[start, end)`` instead (for
    instance the last year): the table has a row for every hotspot designated at some time in
    that period, and the undesignated clusters are those touching none of their perimeters.
    ``pre_months`` is then unused.
    """
    spec = _coverage_spec(ws, flt, pre_months=pre_months, cell_size=cell_size, correction=correction,
                          min_bin=min_bin, study_area=study_area)
    summary, results = _coverage(ws, spec.parameters)
    stored = record(ws, spec, summary)
    table, und = coverage_frames(summary)
    return CoverageRun(table, results, und, stored.short_key, dict(spec.parameters), summary, stored)


def undesignated_hotspots(
    ws: Any, flt: EventFilter, *, cell_size: float | None = None, correction: str = "fdr_bh", min_bin: int = 2,
) -> pd.DataFrame:
    """Gi* hot clusters of harm in ``[flt.start, flt.end)`` touching no perimeter designated then.

    One row per cluster (``n_cells``, ``harm``, ``max_z``, centroid ``x``/``y``, ``geometry``),
    largest harm first; see :func:`coverage` (period mode), whose run it records.
    """
    if flt.start is None or flt.end is None:
        raise ValueError("undesignated_hotspots needs a period: set both start and end of the filter")
    run = coverage(ws, flt, cell_size=cell_size, correction=correction, min_bin=min_bin)
    return run.undesignated


# ------------------------------------------------------------------------------- borders
def borders_spec(
    ws: Any, *, categories: Sequence[str] | None = None, roles: Sequence[str] | None = None,
    start: Dates = None, end: Dates = None, weighted: bool = True, layer: str | None = None,
    distance: float = 200.0, cell_size: float | None = None, study_area: str | None = None,
) -> RunSpec:
    """Spec of a border view on ``layer`` (default the workspace's ``zone_layer``).

    Parameters
    ----------
    ws : Workspace
    categories, roles, start, end, weighted
        Event filter (see :func:`hotspotwatch.workflows.detect.gistar_spec`).
    layer : str, optional
        Zone layer; default ``ws.config.zone_layer``.
    distance : float
        Distance from the internal borders in metres.
    cell_size : float, optional
        Cell side of the Gi* whose clusters are tested for straddling.
    study_area : {None, "region", "hull"}
        ``"hull"``: the events' hull instead of the workspace's study area (recorded in the
        parameters; see :mod:`hotspotwatch.workflows.study_area`).

    Returns
    -------
    RunSpec
        Kind ``"detect.borders"``.

    Examples
    --------
    >>> import tempfile
    >>> from hotspotwatch.testing import make_city
    >>> ws = make_city(tempfile.mkdtemp() + "/c", scale=0.1, zone_layer="ward")
    >>> borders_spec(ws).parameters["layer"]
    'ward'
    >>> ws.close()
    """
    flt = make_filter(categories=categories, roles=roles, start=start, end=end, weighted=weighted)
    return spec_of(ws, "detect.borders", flt, layer=layer or ws.config.zone_layer, distance=distance,
                   cell_size=cell_size, study_area=study_area)


def _borders(ws: Any, params: Mapping[str, Any],
             progress: Callable[[int, int], None] | None = None) -> tuple[BorderResult, GridRun]:
    layer = str(params["layer"])
    try:
        zones = ws.areas(layer)
    except KeyError as exc:
        raise KeyError(f"{exc.args[0]}; import the zones with `hotspotwatch import areas FILE "
                       f"--layer {layer} --code-field F --name-field F`, or name another layer "
                       "(`--layer`, or [workspace] zone_layer in hotspotwatch.toml)") from None
    if len(zones) < 2:
        raise ValueError(f"layer {layer!r} has fewer than two zones; import that zone layer first")
    flt = EventFilter.from_parameters(params)
    area = study_area_of(ws, params)
    grid = study_grid(ws, cell_size=cell_size_of(params["cell_size"]), params=params)
    x, y, w = load_points(ws, flt)
    counts = grid.count(x, y, w)
    # The analytic Gi* of the Gi* command's defaults: clusters for the straddling test.
    gi = _gistar_grid(counts, mask=grid.mask, neighbourhood="queen", radius=1, permutations=0,
                      seed=0, correction="fdr_bh")
    res = designation_coverage([], grid, gi.z, gi.bins, x=x, y=y, harm=w, study_area=area)
    view = border_view(x, y, list(zones.geometry), distance=float(params["distance"]),
                       zone_ids=list(zones["name"]), harm=w,
                       clusters=[c.geometry for c in res.clusters], progress=progress)
    gi_run = GridRun("detect.gistar", grid, counts, gi, "", {})
    return view, gi_run


def compute_borders(ws: Any, params: Mapping[str, Any]) -> BorderResult:
    """Harm near the internal borders of a zone layer, and Gi* clusters straddling two zones.

    Parameters
    ----------
    ws : Workspace
    params : mapping
        The parameters of a :func:`borders_spec` (canonical JSON form).

    Returns
    -------
    BorderResult
        Not stored (:func:`hotspotwatch.workflows.runs.ensure_run` stores it).
    """
    return _borders(ws, params)[0]


def borders(
    ws: Any, flt: EventFilter = EventFilter(), *, layer: str | None = None, distance: float = 200.0,
    cell_size: float | None = None, progress: Callable[[int, int], None] | None = None,
    study_area: str | None = None,
) -> tuple[BorderResult, GridRun]:
    """Harm near internal borders of ``layer`` (default the workspace's zone layer) and Gi*
    clusters straddling two zones; the Gi* grid run is returned, not stored
    (``progress(done, total)``: see :func:`~hotspotwatch.analysis.detect.border_view`)."""
    spec = spec_of(ws, "detect.borders", flt, layer=layer or ws.config.zone_layer, distance=distance,
                   cell_size=cell_size, study_area=study_area)
    view, gi_run = _borders(ws, spec.parameters, progress)
    record(ws, spec, view)
    return view, gi_run


__all__ = ["CoverageRun", "borders", "borders_spec", "compute_borders", "compute_coverage",
           "coverage", "coverage_frames", "coverage_spec", "undesignated_hotspots"]
