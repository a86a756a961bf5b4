"""Public pages: aggregated, disclosure-controlled, never an event point.

Every count goes through the one disclosure rule (:mod:`hotspotwatch.domain.disclosure`):
below the workspace's ``disclosure_k`` (zero included) it becomes ``None``, and the grid,
published for every calendar year and for all years, is protected against differencing
(:func:`~hotspotwatch.domain.disclosure.protect_table`). The grid has one partition (cells
of :data:`PUBLIC_CELL_M` x calendar years); roles without event access get that partition
only. :func:`event_grid` (any grid, any window) is an event read.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
import shapely
from shapely.geometry.base import BaseGeometry

from hotspotwatch.domain.disclosure import Margin, protect_table, suppress
from hotspotwatch.geo.grid import Grid
from hotspotwatch.periods import CalendarMonth
from hotspotwatch.workflows.web._geo import geojson, to_lonlat_geoms
from hotspotwatch.workflows.web.cache import memoised
from hotspotwatch.workflows.web.events import select_events, zone_geometry
from hotspotwatch.workflows.web.hotspots import (
    ROLES_OF_EVENTS,
    all_months,
    hotspots_geojson,
    month_span,
    monthly_counts,
)

if TYPE_CHECKING:
    from hotspotwatch.workspace import Workspace


def _check_role(role: str) -> None:
    if role not in ROLES_OF_EVENTS:
        raise ValueError(f"role must be one of {', '.join(ROLES_OF_EVENTS)}, got {role!r}")


def aligned_grid(area: Any, cell_size: float) -> Grid:
    """Square cells aligned on multiples of ``cell_size`` covering ``area``'s bounds, the
    mask marking the cells that intersect ``area``."""
    x0, y0, x1, y1 = area.bounds
    c0 = math.floor(x0 / cell_size)
    r0 = math.floor(y0 / cell_size)
    ncol = math.floor(x1 / cell_size) - c0 + 1
    nrow = math.floor(y1 / cell_size) - r0 + 1
    rr, cc = np.meshgrid(np.arange(nrow), np.arange(ncol), indexing="ij")
    xs = (cc + c0) * cell_size
    ys = (rr + r0) * cell_size
    boxes = shapely.box(xs, ys, xs + cell_size, ys + cell_size)
    shapely.prepare(area)
    mask = np.asarray(shapely.intersects(area, boxes), dtype=bool)
    return Grid(
        kind="square",
        cell_size=float(cell_size),
        x0=float(c0 * cell_size),
        y0=float(r0 * cell_size),
        shape=(int(nrow), int(ncol)),
        mask=mask,
    )


PUBLIC_CELL_M = 500.0
"""The one cell size of the aggregate grid (public, and roles without event access)."""


@dataclass(frozen=True)
class PartitionGrid:
    """The fixed aggregate partition: square cells x calendar years, with every cell's total.

    ``counts[i, j]`` is the number of events of ``role`` in cell ``i`` during ``years[j]``
    (calendar years in the workspace time zone, the years of the public monthly series);
    ``hidden`` and ``total_hidden`` are the suppression of
    :func:`hotspotwatch.domain.disclosure.protect_table` (primary and complementary).
    """

    cell_size: float
    role: str
    k: int
    years: tuple[int, ...]
    geometries: tuple[dict[str, Any], ...]
    counts: np.ndarray
    hidden: np.ndarray
    total_hidden: np.ndarray

    def layer(self, year: int | None) -> list[int | None]:
        """Published count per cell for ``year`` (``None``: all years); hidden -> ``None``."""
        if year is None:
            values, hide = self.counts.sum(axis=1), self.total_hidden
        elif year in self.years:
            j = self.years.index(year)
            values, hide = self.counts[:, j], self.hidden[:, j]
        else:  # no event of this role that year: every count is 0, hence hidden
            return [None] * len(self.geometries)
        return [None if h else int(v) for v, h in zip(values, hide, strict=True)]


def _year_margins(ws: Workspace, role: str, years: list[int]) -> tuple[list[Margin], Margin]:
    """How each year's region-wide total can be read off the public monthly series."""
    if role != "harm":  # only the harm series is published region-wide
        return ["none"] * len(years), "none"
    monthly = public_monthly(ws, role=role)
    by_year: dict[int, list[int | None]] = {}
    for month, count in zip(monthly["months"], monthly["counts"], strict=True):
        by_year.setdefault(int(month[:4]), []).append(count)
    margins: list[Margin] = [
        "exact" if all(c is not None for c in by_year.get(y, [])) else "partial" for y in years
    ]
    total: Margin = "exact" if all(c is not None for c in monthly["counts"]) else "partial"
    return margins, total


@memoised
def partition_grid(
    ws: Workspace, *, role: str = "harm", cell_size: float = PUBLIC_CELL_M
) -> PartitionGrid:
    """Count and protect the fixed partition (cells of ``cell_size`` x calendar years).

    Cells are aligned on multiples of ``cell_size`` in the workspace CRS and kept when they
    intersect the study area; points are counted by :meth:`hotspotwatch.geo.grid.Grid.count`.
    """
    _check_role(role)
    k = ws.config.disclosure_k
    grid = aligned_grid(ws.study_area(), cell_size)
    frame = ws.events(roles=role)  # type: ignore[arg-type]
    span = month_span(ws, role=role)
    years = list(range(span[0] // 12, span[1] // 12 + 1)) if span is not None else []
    x = frame["x"].to_numpy(float)
    y = frame["y"].to_numpy(float)
    year_of = (
        CalendarMonth(ws.config.timezone).codes(frame["occurred_at"]) // 12
        if len(frame)
        else np.zeros(0, dtype=int)
    )
    columns = [grid.count(x[year_of == yr], y[year_of == yr])[grid.mask] for yr in years]
    n = int(grid.mask.sum())
    counts = np.column_stack(columns).astype(int) if columns else np.zeros((n, 0), int)
    margins, total_margin = _year_margins(ws, role, years)
    hidden, total_hidden = protect_table(counts, k, margins=margins, total_margin=total_margin)
    geoms = tuple(geojson(g) for g in to_lonlat_geoms(ws, grid.polygons()))
    return PartitionGrid(
        cell_size=float(cell_size),
        role=role,
        k=k,
        years=tuple(years),
        geometries=geoms,
        counts=counts,
        hidden=hidden,
        total_hidden=total_hidden,
    )


def public_grid(
    ws: Workspace,
    *,
    role: str = "harm",
    year: int | None = None,
    cell_size: float = PUBLIC_CELL_M,
) -> dict[str, Any]:
    """Events per cell of the fixed partition, for one calendar year or all years.

    Counts are suppressed by the one disclosure rule, primary and complementary
    (:func:`hotspotwatch.domain.disclosure.protect_table`): no published count minus any
    other published counts (other years, all years, the public monthly series) gives a
    hidden count or a sum of hidden counts below ``k``. There is no free start, end or cell
    size: any other partition could be differenced against this one. Returns a WGS84
    FeatureCollection with ``count`` per cell (``None`` when hidden).
    """
    part = partition_grid(ws, role=role, cell_size=cell_size)
    return {
        "type": "FeatureCollection",
        "k": part.k,
        "cell_size": part.cell_size,
        "role": role,
        "year": year,
        "years": list(part.years),
        "suppression": "primary+complementary",
        "features": [
            {"type": "Feature", "geometry": g, "properties": {"count": c}}
            for g, c in zip(part.geometries, part.layer(year), strict=True)
        ],
    }


def event_grid(
    ws: Workspace,
    *,
    cell_size: float = 250.0,
    role: str = "harm",
    start: str | None = None,
    end: str | None = None,
    within: BaseGeometry | None = None,
) -> dict[str, Any]:
    """Events per cell of any grid and time window: an event read (not cached).

    For roles with event access only: the counts are not suppressed (a fine grid over a
    free window places single events), so the caller audits it like ``/events`` and passes
    ``within`` (a zone analyst's zones) to count only the events inside it. Empty cells are
    ``None``.
    """
    if not (50 <= cell_size <= 5000):
        raise ValueError("cell_size must be between 50 and 5000 metres")
    _check_role(role)
    area = ws.study_area() if within is None else within
    if area.is_empty:
        return {"type": "FeatureCollection", "k": 1, "cell_size": cell_size, "role": role,
                "features": [], "events": 0}
    grid = aligned_grid(area, cell_size)
    frame = select_events(ws, roles=[role], start=start, end=end, within=within)
    counts = grid.count(frame["x"].to_numpy(float), frame["y"].to_numpy(float))
    geoms = to_lonlat_geoms(ws, grid.polygons())
    return {
        "type": "FeatureCollection",
        "k": 1,
        "cell_size": cell_size,
        "role": role,
        "events": len(frame),
        "features": [
            {
                "type": "Feature",
                "geometry": geojson(g),
                "properties": {"count": suppress(int(v), 1)},
            }
            for g, v in zip(geoms, counts[grid.mask], strict=True)
        ],
    }


CANONICAL_EVENT_CELLS: tuple[float, ...] = (250.0, PUBLIC_CELL_M)
"""Cell sizes of the event grids worth caching (the map's)."""


def _canonical_window(start: str | None, end: str | None) -> bool:
    """All time, one calendar month or one calendar year (``YYYY-MM-01`` bounds)."""
    if start is None and end is None:
        return True
    if start is None or end is None:
        return False
    try:
        a, b = dt.date.fromisoformat(start), dt.date.fromisoformat(end)
    except ValueError:
        return False
    if a.day != 1 or b.day != 1:
        return False
    months = (b.year - a.year) * 12 + b.month - a.month
    return months == 1 or (months == 12 and a.month == 1)


def grid_for_events(
    ws: Workspace,
    *,
    cell_size: float,
    role: str,
    start: str | None,
    end: str | None,
    zones: tuple[str, ...] | None = None,
) -> dict[str, Any]:
    """:func:`event_grid` for a caller with event access (``zones``: a zone analyst's).

    The map's combinations (cells of 250 or 500 m; all time, a calendar month or a calendar
    year) are cached; any other combination is computed and not kept, so that a stream of
    ad-hoc requests cannot fill the cache.
    """
    if float(cell_size) in CANONICAL_EVENT_CELLS and _canonical_window(start, end):
        return _cached_event_grid(
            ws, cell_size=float(cell_size), role=role, start=start, end=end, zones=zones
        )
    within = zone_geometry(ws, zones) if zones is not None else None
    return event_grid(ws, cell_size=cell_size, role=role, start=start, end=end, within=within)


@memoised
def _cached_event_grid(
    ws: Workspace,
    *,
    cell_size: float,
    role: str,
    start: str | None,
    end: str | None,
    zones: tuple[str, ...] | None,
) -> dict[str, Any]:
    within = zone_geometry(ws, zones) if zones is not None else None
    return event_grid(ws, cell_size=cell_size, role=role, start=start, end=end, within=within)


@memoised
def public_monthly(ws: Workspace, *, role: str = "harm") -> dict[str, Any]:
    """Region-wide events per calendar month, counts below ``k`` set to ``None``."""
    _check_role(role)
    span = month_span(ws, role=role)
    months = all_months(ws, role=role)
    frame = ws.events(roles=role)  # type: ignore[arg-type]
    k = ws.config.disclosure_k
    return {
        "k": k,
        "role": role,
        "months": months,
        "counts": [suppress(int(c), k) for c in monthly_counts(ws, frame, span)],
    }


@memoised
def public_hotspots(ws: Workspace, *, lang: str = "en") -> dict[str, Any]:
    """Designated places (public decisions), alphabetically, with their change and verdict.

    No count per place (issue 17: no league table): ``index_after`` is harm per month since
    designation as a percentage of harm per month before (``None`` when either count is
    below ``k`` or the verdict is too early or uncertain;
    :func:`hotspotwatch.workflows.public_version.place_change`), ``verdict``
    and ``sentence`` come from the dashboard's evaluation run (``None`` when it cannot be
    computed).
    """
    from hotspotwatch.domain.collation import sort_key
    from hotspotwatch.i18n.public import index_text, place_sentence
    from hotspotwatch.workflows.public_version import place_change
    from hotspotwatch.workflows.web.runs import NotComputedError, evaluation_run

    k = ws.config.disclosure_k
    try:
        evaluation = evaluation_run(ws).result
    except NotComputedError:
        evaluation = None
    features = []
    for feat in sorted(hotspots_geojson(ws)["features"],
                       key=lambda f: sort_key(str(f["properties"]["name"]))):
        name = str(feat["properties"]["name"])
        h = evaluation.hotspot(name) if evaluation is not None else None
        index, m_before, m_after = place_change(h, k) if h is not None else (None, 0.0, 0.0)
        verdict = h.verdict.label if h is not None else None
        props = {
            **feat["properties"],
            "verdict": verdict,
            "index_after": index,
            "months_before": m_before,
            "months_after": m_after,
            "change_text": index_text(index, lang, verdict),
            "sentence": place_sentence(
                name, verdict,
                h.verdict.ci_low_adjusted if h is not None else None,
                h.verdict.ci_high_adjusted if h is not None else None, lang),
        }
        features.append({**feat, "properties": props})
    return {"type": "FeatureCollection", "k": k, "features": features}


def _public_until(ws: Workspace) -> dt.date | None:
    from hotspotwatch.workflows.web.runs import review_day

    return review_day(ws)


@memoised
def public_rare(ws: Workspace, *, lang: str = "en") -> dict[str, Any]:
    """The rare serious categories region-wide per complete calendar year, protected.

    The table of the public report (:func:`hotspotwatch.workflows.public_version.rare_table`)
    up to the dashboard's review day: the same partition (complete calendar years), so the
    page and the reports cannot be differenced against each other. ``categories`` is empty
    when ``[public] rare_categories`` is not set; ``labels`` names them in ``lang``.
    """
    from hotspotwatch.domain.taxonomy import category_label, category_plural
    from hotspotwatch.workflows.public_version import rare_table

    until = _public_until(ws)
    table = rare_table(ws, until=until) if until is not None else None
    if table is None:
        return {"k": ws.config.disclosure_k, "categories": [], "years": [], "counts": [],
                "category_totals": [], "year_totals": [], "total": None, "labels": [],
                "suppression": "primary+complementary"}
    labels = [category_plural(c, lang) or category_label(c, lang) for c in table.categories]
    return {**table.to_dict(), "labels": [x[:1].upper() + x[1:] for x in labels]}


@memoised
def public_strategy(ws: Workspace, *, lang: str = "en") -> dict[str, Any]:
    """The strategy as a whole: one sentence, and total staff-hours and cost (issue 18,
    item 8; :func:`hotspotwatch.workflows.public_version.strategy_totals`)."""
    from hotspotwatch.i18n.public import strategy_sentence
    from hotspotwatch.workflows.public_version import strategy_totals
    from hotspotwatch.workflows.web.runs import NotComputedError, evaluation_run

    try:
        evaluation = evaluation_run(ws).result
    except NotComputedError:
        evaluation = None
    until = _public_until(ws)
    totals = strategy_totals(ws, until=until) if until is not None else None
    return {
        "verdict": evaluation.pooled_verdict.label
        if evaluation is not None and evaluation.pooled_verdict is not None else None,
        "text": strategy_sentence(evaluation, lang),
        "resources": totals.to_dict() if totals is not None else None,
    }


__all__ = [
    "PUBLIC_CELL_M",
    "PartitionGrid",
    "aligned_grid",
    "event_grid",
    "grid_for_events",
    "partition_grid",
    "public_grid",
    "public_hotspots",
    "public_monthly",
    "public_rare",
    "public_strategy",
    "suppress",
]
