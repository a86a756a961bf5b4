"""Detection workflows: read events and areas from a workspace, run the detection statistics,
store each run by its spec, and write layers and figures.

Each kind of run has a spec builder (``gistar_spec(ws, **options) -> RunSpec``, complete and
canonical parameters) and a compute function (``compute_gistar(ws, parameters)`` -> the typed
result registered in :data:`hotspotwatch.store.runs.RUN_KINDS`), registered in
:data:`hotspotwatch.workflows.runs.COMPUTERS`. Report and dashboard ask for runs by spec
(:func:`hotspotwatch.workflows.runs.ensure_run`); the entry points the CLI uses
(:func:`gistar_grid`, :func:`concentration`, ...) build the spec, compute and record.

Classification lives in :mod:`hotspotwatch.workflows.detect_classify`, coverage and borders in
:mod:`hotspotwatch.workflows.detect_coverage`, file outputs in
:mod:`hotspotwatch.workflows.detect_outputs`; all are re-exported here.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from hotspotwatch.analysis.detect import (
    ConcentrationTable,
    GiStarResult,
    LorenzResult,
    local_moran,
)
from hotspotwatch.analysis.detect import gistar_grid as _gistar_grid
from hotspotwatch.analysis.detect import kde as _kde
from hotspotwatch.analysis.detect.concentration import ConcentrationResult, concentration_result
from hotspotwatch.analysis.detect.gridded import (
    GiStarRun,
    GridGeometry,
    KDERun,
    LocalMoranRun,
)
from hotspotwatch.geo.grid import Grid
from hotspotwatch.store.runs import StoredRun
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
from hotspotwatch.workflows.runs import RunSpec, record
from hotspotwatch.workflows.study_area import study_area_of


# ---------------------------------------------------------------------------------- Gi*
def gistar_spec(
    ws: Any, *, categories: Sequence[str] | None = None, roles: Sequence[str] | None = None,
    start: Dates = None, end: Dates = None, weighted: bool = True, cell_size: float | None = None,
    neighbourhood: str = "queen", radius: float = 1, permutations: int = 9999, seed: int = 0,
    correction: str = "fdr_bh", bins_p: str = "auto", study_area: str | None = None,
) -> RunSpec:
    """Spec of a Gi* run on a square grid over the study area.

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
    cell_size : float, optional
        Cell side in metres; ``None``: the automatic rule (recorded in the result).
    neighbourhood, radius : str, float
        Gi* neighbourhood (``"queen"``, ``"rook"``, ``"disk"``) and its radius in cells.
    permutations, seed : int
        Conditional permutations (0: analytic only) and their seed.
    correction : str
        ``"fdr_bh"``, ``"holm"`` or ``"none"``.
    bins_p : str
        ``"auto"`` (permutation p-values unless they cannot reach a level after the
        correction, then analytic ones, as ArcGIS Pro), ``"permutation"`` or ``"analytic"``;
        the result records which was used (``gistar.bins_from``, ``gistar.unreachable``).
    study_area : {None, "region", "hull"}
        ``"hull"``: the events' hull instead of the workspace's study area (recorded in the
        parameters; see :mod:`hotspotwatch.workflows.study_area`).

    Returns
    -------
    RunSpec
        Kind ``"detect.gistar"`` with every parameter, defaults filled in.

    Examples
    --------
    >>> import tempfile
    >>> from hotspotwatch.testing import make_city
    >>> ws = make_city(tempfile.mkdtemp() + "/c", scale=0.1)
    >>> gistar_spec(ws, categories=["burglary"]).parameters["roles"] is None
    True
    >>> ws.close()
    """
    flt = make_filter(categories=categories, roles=roles, start=start, end=end, weighted=weighted)
    return spec_of(ws, "detect.gistar", flt, cell_size=cell_size, neighbourhood=neighbourhood,
                 radius=radius, permutations=permutations, seed=seed, correction=correction,
                 bins_p=bins_p, study_area=study_area)


def _gistar_on(ws: Any, flt: EventFilter, grid: Grid, **options: Any) -> GiStarRun:
    x, y, w = load_points(ws, flt)
    counts = grid.count(x, y, w)
    res: GiStarResult = _gistar_grid(counts, mask=grid.mask, **options)  # options: progress too
    return GiStarRun(grid=GridGeometry.from_grid(grid), counts=counts, gistar=res,
                     n_events=int(x.size), harm=float(w.sum()))


def compute_gistar(ws: Any, params: Mapping[str, Any], *,
                   progress: Callable[[int, int], None] | None = None) -> GiStarRun:
    """Gi* of (harm-weighted) events on a square grid over the study area.

    Parameters
    ----------
    ws : Workspace
    params : mapping
        The parameters of a :func:`gistar_spec` (canonical JSON form).
    progress : callable, optional
        ``progress(done, total)`` during the permutations (cells whose null is done).

    Returns
    -------
    GiStarRun
        Not stored (:func:`hotspotwatch.workflows.runs.ensure_run` stores it).
    """
    grid = study_grid(ws, cell_size=cell_size_of(params["cell_size"]), params=params)
    return _gistar_on(ws, EventFilter.from_parameters(params), grid,
                      neighbourhood=params["neighbourhood"], radius=params["radius"],
                      permutations=int(params["permutations"]), seed=params["seed"],
                      correction=params["correction"], bins_p=params.get("bins_p", "auto"),
                      progress=progress)


def gistar_grid(
    ws: Any, flt: EventFilter = EventFilter(), *, cell_size: float | None = None,
    neighbourhood: str = "queen", radius: float = 1, permutations: int = 9999, seed: int | None = 0,
    correction: str = "fdr_bh", bins_p: str = "auto",
    progress: Callable[[int, int], None] | None = None, study_area: str | None = None,
) -> GridRun:
    """Gi* hot spots of (harm-weighted) events on a square grid over the study area
    (``seed=None`` means seed 0: every stored run is reproducible from its spec;
    ``progress(done, total)`` is called during the permutations)."""
    spec = spec_of(ws, "detect.gistar", flt, cell_size=cell_size, neighbourhood=neighbourhood,
                   radius=radius, permutations=permutations, seed=0 if seed is None else seed,
                   correction=correction, bins_p=bins_p, study_area=study_area)
    run = compute_gistar(ws, spec.parameters, progress=progress)
    return grid_run("detect.gistar", run.grid.to_grid(), run.counts, run.gistar, spec, run, ws)


# ---------------------------------------------------------------------------------- LISA
def lisa_spec(
    ws: Any, *, categories: Sequence[str] | None = None, roles: Sequence[str] | None = None,
    start: Dates = None, end: Dates = None, weighted: bool = True, cell_size: float | None = None,
    permutations: int = 999, seed: int = 0, correction: str = "fdr_bh",
    study_area: str | None = None,
) -> RunSpec:
    """Spec of a local Moran (LISA) run, queen contiguity on the study grid.

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
    cell_size : float, optional
        Cell side in metres; ``None``: the automatic rule (recorded in the result).
    permutations, seed : int
        Conditional permutations and their seed.
    correction : str
        ``"fdr_bh"``, ``"holm"`` or ``"none"``.

    Returns
    -------
    RunSpec
        Kind ``"detect.lisa"`` with every parameter, defaults filled in.

    Examples
    --------
    >>> import tempfile
    >>> from hotspotwatch.testing import make_city
    >>> ws = make_city(tempfile.mkdtemp() + "/c", scale=0.1)
    >>> lisa_spec(ws).parameters["permutations"]
    999
    >>> ws.close()
    """
    flt = make_filter(categories=categories, roles=roles, start=start, end=end, weighted=weighted)
    return spec_of(ws, "detect.lisa", flt, cell_size=cell_size, permutations=permutations, seed=seed,
                 correction=correction, study_area=study_area)


def compute_lisa(ws: Any, params: Mapping[str, Any]) -> LocalMoranRun:
    """Local Moran clusters (HH/LH/LL/HL) of events on a square grid.

    Parameters
    ----------
    ws : Workspace
    params : mapping
        The parameters of a :func:`lisa_spec` (canonical JSON form).

    Returns
    -------
    LocalMoranRun
        Not stored (:func:`hotspotwatch.workflows.runs.ensure_run` stores it).
    """
    grid = study_grid(ws, cell_size=cell_size_of(params["cell_size"]), params=params)
    x, y, w = load_points(ws, EventFilter.from_parameters(params))
    counts = grid.count(x, y, w)
    res = local_moran(counts[grid.mask], grid.weights("queen"),
                      permutations=int(params["permutations"]), seed=params["seed"],
                      correction=params["correction"])
    return LocalMoranRun(grid=GridGeometry.from_grid(grid), counts=counts, lisa=res,
                         n_events=int(x.size), harm=float(w.sum()))


def lisa_grid(
    ws: Any, flt: EventFilter = EventFilter(), *, cell_size: float | None = None,
    permutations: int = 999, seed: int | None = 0, correction: str = "fdr_bh",
    study_area: str | None = None,
) -> GridRun:
    """Local Moran clusters (HH/LH/LL/HL) of events on a square grid (queen contiguity)."""
    spec = spec_of(ws, "detect.lisa", flt, cell_size=cell_size, permutations=permutations,
                   seed=0 if seed is None else seed, correction=correction, study_area=study_area)
    run = compute_lisa(ws, spec.parameters)
    return grid_run("detect.lisa", run.grid.to_grid(), run.counts, run.lisa, spec, run, ws)


# ---------------------------------------------------------------------------------- KDE
def kde_spec(
    ws: Any, *, categories: Sequence[str] | None = None, roles: Sequence[str] | None = None,
    start: Dates = None, end: Dates = None, weighted: bool = True, bandwidth: str | float = "nrd",
    kernel: str = "quartic", cell_size: float | None = None, study_area: str | None = None,
) -> RunSpec:
    """Spec of a kernel density run over the study area.

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
    bandwidth : str or float
        ``"nrd"``, ``"scott"`` or metres (the value used is in the result).
    kernel : str
        ``"quartic"`` or ``"gaussian"``.
    cell_size : float, optional
        Cell side in metres; ``None``: the automatic rule (recorded in the result).

    Returns
    -------
    RunSpec
        Kind ``"detect.kde"`` with every parameter, defaults filled in.

    Examples
    --------
    >>> import tempfile
    >>> from hotspotwatch.testing import make_city
    >>> ws = make_city(tempfile.mkdtemp() + "/c", scale=0.1)
    >>> kde_spec(ws, bandwidth=150).parameters["bandwidth"]
    150
    >>> ws.close()
    """
    flt = make_filter(categories=categories, roles=roles, start=start, end=end, weighted=weighted)
    return spec_of(ws, "detect.kde", flt, bandwidth=bandwidth, kernel=kernel, cell_size=cell_size,
                   study_area=study_area)


def compute_kde(ws: Any, params: Mapping[str, Any]) -> KDERun:
    """Kernel density of (harm-weighted) events over the study area.

    Parameters
    ----------
    ws : Workspace
    params : mapping
        The parameters of a :func:`kde_spec` (canonical JSON form).

    Returns
    -------
    KDERun
        Not stored (:func:`hotspotwatch.workflows.runs.ensure_run` stores it).
    """
    area = study_area_of(ws, params)
    x, y, w = load_points(ws, EventFilter.from_parameters(params))
    bw = params["bandwidth"]
    res = _kde(x, y, weights=w, bandwidth=bw if isinstance(bw, str) else float(bw),
               kernel=params["kernel"], cell_size=cell_size_of(params["cell_size"]), area=area)
    grid = Grid(kind="square", cell_size=res.cell_size[0], x0=res.extent[0], y0=res.extent[1],
                shape=res.density.shape, mask=np.isfinite(res.density),
                cell_size_rule=res.cell_size_rule)
    return KDERun(grid=GridGeometry.from_grid(grid), kde=res)


def kde_surface(
    ws: Any, flt: EventFilter = EventFilter(), *, bandwidth: str | float = "nrd",
    kernel: str = "quartic", cell_size: float | None = None, study_area: str | None = None,
) -> GridRun:
    """Kernel density of (harm-weighted) events over the study area."""
    spec = spec_of(ws, "detect.kde", flt, bandwidth=bandwidth, kernel=kernel, cell_size=cell_size,
                   study_area=study_area)
    run = compute_kde(ws, spec.parameters)
    return grid_run("detect.kde", run.grid.to_grid(), run.kde.density, run.kde, spec, run, ws)


# ------------------------------------------------------------------------ concentration
@dataclass(frozen=True)
class ConcentrationRun:
    """Concentration of events and of harm over grid cells (``run_id``: short run key)."""

    grid: Grid
    count_lorenz: LorenzResult
    harm_lorenz: LorenzResult
    count_table: ConcentrationTable
    harm_table: ConcentrationTable
    run_id: str
    result: ConcentrationResult | None = None
    stored: StoredRun[Any] | None = None


def concentration_spec(
    ws: Any, *, categories: Sequence[str] | None = None, roles: Sequence[str] | None = None,
    start: Dates = None, end: Dates = None, weighted: bool = True, cell_size: float | None = None,
    study_area: str | None = None,
) -> RunSpec:
    """Spec of a concentration run (all harm by default; or one category and one year, ...).

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
    cell_size : float, optional
        Cell side in metres; ``None``: the automatic rule (recorded in the result).

    Returns
    -------
    RunSpec
        Kind ``"detect.concentration"`` with every parameter, defaults filled in.

    Examples
    --------
    >>> import tempfile
    >>> from hotspotwatch.testing import make_city
    >>> ws = make_city(tempfile.mkdtemp() + "/c", scale=0.1)
    >>> a = concentration_spec(ws)
    >>> b = concentration_spec(ws, categories=["burglary"], start="2022-01-01", end="2023-01-01")
    >>> a == b
    False
    >>> ws.close()
    """
    flt = make_filter(categories=categories, roles=roles, start=start, end=end, weighted=weighted)
    return spec_of(ws, "detect.concentration", flt, cell_size=cell_size, study_area=study_area)


def compute_concentration(ws: Any, params: Mapping[str, Any]) -> ConcentrationResult:
    """Lorenz curves, Gini and "x % of harm at y % of cells" (events and harm).

    Parameters
    ----------
    ws : Workspace
    params : mapping
        The parameters of a :func:`concentration_spec` (canonical JSON form).

    Returns
    -------
    ConcentrationResult
        Not stored (:func:`hotspotwatch.workflows.runs.ensure_run` stores it).
    """
    grid = study_grid(ws, cell_size=cell_size_of(params["cell_size"]), params=params)
    x, y, w = load_points(ws, EventFilter.from_parameters(params))
    return concentration_result(grid.count(x, y)[grid.mask], grid.count(x, y, w)[grid.mask],
                                cell_size=grid.cell_size, cell_size_rule=grid.cell_size_rule)


def concentration(
    ws: Any, flt: EventFilter = EventFilter(), *, cell_size: float | None = None,
    study_area: str | None = None,
) -> ConcentrationRun:
    """Lorenz curves, Gini (ordinary and generalised) and "x % of harm at y % of cells"."""
    spec = spec_of(ws, "detect.concentration", flt, cell_size=cell_size, study_area=study_area)
    res = compute_concentration(ws, spec.parameters)
    stored = record(ws, spec, res)
    grid = study_grid(ws, cell_size=cell_size, params=spec.parameters)
    return ConcentrationRun(grid, res.count_lorenz, res.harm_lorenz,
                            res.count, res.harm, stored.short_key, res, stored)


# Coverage, borders and the file outputs, re-exported for ``from hotspotwatch.workflows
# import detect as wf`` users (and for the COMPUTERS registry).
from hotspotwatch.workflows.detect_classify import (  # noqa: E402
    classify,
    classify_spec,
    compute_classify,
)
from hotspotwatch.workflows.detect_coverage import (  # noqa: E402
    CoverageRun,
    borders,
    borders_spec,
    compute_borders,
    compute_coverage,
    coverage,
    coverage_spec,
    undesignated_hotspots,
)
from hotspotwatch.workflows.detect_outputs import (  # noqa: E402
    bins_to_grid,
    grid_frame,
    shapely_union,
    write_figure,
    write_layer,
)

__all__ = [
    "ConcentrationRun",
    "CoverageRun",
    "EventFilter",
    "GridRun",
    "bins_to_grid",
    "borders",
    "borders_spec",
    "classify",
    "classify_spec",
    "compute_borders",
    "compute_classify",
    "compute_concentration",
    "compute_coverage",
    "compute_gistar",
    "compute_kde",
    "compute_lisa",
    "concentration",
    "concentration_spec",
    "coverage",
    "coverage_spec",
    "gistar_grid",
    "gistar_spec",
    "grid_frame",
    "kde_spec",
    "kde_surface",
    "lisa_grid",
    "lisa_spec",
    "load_points",
    "make_filter",
    "shapely_union",
    "study_grid",
    "undesignated_hotspots",
    "write_figure",
    "write_layer",
]
