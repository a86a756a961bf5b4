"""Shared pieces of the detection workflows: event filters, the study grid, grid runs."""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from hotspotwatch.geo.grid import Grid, make_grid
from hotspotwatch.store.runs import StoredRun
from hotspotwatch.workflows.runs import RunSpec, record
from hotspotwatch.workflows.study_area import study_area_of, study_area_parameters

Dates = dt.date | str | None


def as_date(value: Dates) -> dt.date | None:
    """A date from a date, a datetime or an ISO text (``None`` stays ``None``)."""
    if value is None or value == "":
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    return dt.date.fromisoformat(str(value)[:10])


@dataclass(frozen=True)
class EventFilter:
    """Which events a detection run uses (``[start, end)``, workspace time zone)."""

    categories: tuple[str, ...] | None = None
    roles: tuple[str, ...] | None = ("harm",)
    start: dt.date | None = None
    end: dt.date | None = None
    weighted: bool = True

    def parameters(self) -> dict[str, Any]:
        """Canonical filter parameters (sorted categories and roles, ISO dates)."""
        return {"categories": sorted(self.categories) if self.categories else None,
                "roles": sorted(self.roles) if self.roles else None,
                "start": self.start.isoformat() if self.start else None,
                "end": self.end.isoformat() if self.end else None, "weighted": bool(self.weighted)}

    @classmethod
    def from_parameters(cls, params: Mapping[str, Any]) -> EventFilter:
        """The filter of a spec's parameters (inverse of :meth:`parameters`)."""
        cats = params.get("categories")
        roles = params.get("roles")
        return cls(categories=tuple(cats) if cats else None, roles=tuple(roles) if roles else None,
                   start=as_date(params.get("start")), end=as_date(params.get("end")),
                   weighted=bool(params.get("weighted", True)))


def make_filter(
    *, categories: Sequence[str] | None = None, roles: Sequence[str] | None = None,
    start: Dates = None, end: Dates = None, weighted: bool = True,
) -> EventFilter:
    """An :class:`EventFilter`; without categories nor roles, the harm categories."""
    if roles is None and not categories:
        roles = ("harm",)
    return EventFilter(categories=tuple(categories) if categories else None,
                       roles=tuple(roles) if roles else None, start=as_date(start), end=as_date(end),
                       weighted=weighted)


def load_points(ws: Any, flt: EventFilter, *,
                min_precision: str | None = None) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """x, y and weight (harm weight if ``flt.weighted`` else 1) of the selected events
    (without those coarser than ``min_precision``, when given)."""
    ev = ws.events(categories=flt.categories, roles=flt.roles, start=flt.start, end=flt.end)
    if min_precision is not None:
        from hotspotwatch.analysis.precision import select

        ev = ev[select(ev["time_precision"].to_numpy(dtype=object), min_precision).keep]
    x = ev["x"].to_numpy(float)
    y = ev["y"].to_numpy(float)
    w = ev["harm_weight"].to_numpy(float) if flt.weighted else np.ones(x.size)
    return x, y, w


def study_grid(ws: Any, *, cell_size: float | None = None, kind: str = "square",
               params: Mapping[str, Any] | None = None) -> Grid:
    """Grid over the study area of a run with ``params`` (the workspace's without a
    ``study_area`` parameter; see :mod:`hotspotwatch.workflows.study_area` and
    :func:`hotspotwatch.geo.grid.make_grid`)."""
    area = study_area_of(ws, params or {})
    return make_grid(area, cell_size=cell_size, kind=kind)  # type: ignore[arg-type]


def canonical_filter(ws: Any, flt: EventFilter) -> EventFilter:
    """The same selection with categories and roles in one form: categories narrowed to the
    roles when both are given (``assault`` with role ``harm`` is ``assault``)."""
    if not (flt.categories and flt.roles):
        return flt
    keep = set(ws.taxonomy.names(role=list(flt.roles)))
    inter = sorted(c for c in flt.categories if c in keep)
    if not inter or any(c not in ws.taxonomy for c in flt.categories):
        return flt  # nothing selected, or an unknown category: the compute says so
    return dataclasses.replace(flt, categories=tuple(inter), roles=None)


def spec_of(ws: Any, kind: str, flt: EventFilter, *, study_area: str | None = None,
            **options: Any) -> RunSpec:
    """A run spec: the canonical filter's parameters and the options (and, with
    ``study_area="hull"``, the hull rule's parameters; see
    :func:`hotspotwatch.workflows.study_area.study_area_parameters`)."""
    hull = study_area_parameters(study_area, cell_size=cell_size_of(options.get("cell_size")))
    return RunSpec(kind, canonical_filter(ws, flt).parameters() | options | hull)


def cell_size_of(value: Any) -> float | None:
    return None if value is None else float(value)


@dataclass(frozen=True)
class GridRun:
    """A statistic on a grid, with the counts it used and the stored run.

    ``run_id`` is the stored run's short key (12 hex digits); ``stored`` the run itself.
    """

    kind: str
    grid: Grid
    counts: np.ndarray
    result: Any
    run_id: str
    parameters: dict[str, Any]
    stored: StoredRun[Any] | None = None


def grid_run(kind: str, grid: Grid, counts: np.ndarray, result: Any, spec: RunSpec,
              typed: Any, ws: Any) -> GridRun:
    stored = record(ws, spec, typed)
    return GridRun(kind, grid, counts, result, stored.short_key, dict(spec.parameters), stored)


__all__ = ["Dates", "EventFilter", "GridRun", "as_date", "canonical_filter", "cell_size_of", "grid_run", "load_points",
           "make_filter", "spec_of", "study_grid"]
