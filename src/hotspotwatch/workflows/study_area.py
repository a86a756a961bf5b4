"""Which study area a run uses: the workspace's, or the hull of its events.

A run's parameters say it. Without a ``study_area`` parameter a run uses the workspace's
study area (:meth:`hotspotwatch.workspace.Workspace.study_area`: the ``region`` layer, else
the union of all area layers), as every run stored before this parameter existed did. With
``study_area = "hull"`` it uses :func:`hotspotwatch.geo.study_area.events_hull` of every
stored event (all roles, all times: one hull per state of the data, the same for every
analysis) buffered by ``hull_buffer_m``. Both go into the run's key, so a run on a hull is
never taken for one on a real region, and a stored run says which it used.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from shapely.geometry.base import BaseGeometry

from hotspotwatch.geo.study_area import events_hull, hull_buffer

if TYPE_CHECKING:
    from hotspotwatch.workspace import Workspace

#: Values of ``--study-area``: the workspace's study area, or the hull rule.
CHOICES: tuple[str, ...] = ("region", "hull")
HULL = "hull"


def check_choice(value: str | None) -> str | None:
    """``None`` for the workspace's study area, ``"hull"`` for the hull rule.

    Raises
    ------
    ValueError
        For another value.
    """
    if value in (None, "", "region"):
        return None
    if value == HULL:
        return HULL
    raise ValueError(f"--study-area: {value!r} is not known; use region (the workspace's) or hull")


def study_area_parameters(choice: str | None, *, cell_size: float | None = None) -> dict[str, Any]:
    """The run parameters recording the study area: none for the workspace's, else
    ``{"study_area": "hull", "hull_buffer_m": max(500, cell_size)}``.

    Examples
    --------
    >>> study_area_parameters(None), study_area_parameters("hull", cell_size=250)
    ({}, {'study_area': 'hull', 'hull_buffer_m': 500.0})
    """
    if check_choice(choice) is None:
        return {}
    return {"study_area": HULL, "hull_buffer_m": hull_buffer(cell_size)}


def without_study_area(params: Mapping[str, Any]) -> dict[str, Any]:
    """``params`` without the study-area parameters (for functions that do not take them)."""
    return {k: v for k, v in params.items() if k not in ("study_area", "hull_buffer_m")}


#: Hulls already built: (database, data fingerprint, buffer) -> polygon (a run's compute asks
#: several times; the data fingerprint changes with any stored event).
_HULLS: dict[tuple[str, str, float], BaseGeometry] = {}


def events_hull_of(ws: Workspace, *, buffer_m: float) -> BaseGeometry:
    """The hull rule on the workspace's stored events (every role, all times).

    Raises
    ------
    ValueError
        If the workspace has no events.
    """
    key = (ws.database_label(), ws.data_fingerprint(), float(buffer_m))
    if key in _HULLS:
        return _HULLS[key]
    frame = ws.events()
    if frame.empty:
        raise ValueError("no events to build a study area from (--study-area hull): import events first")
    hull = events_hull(frame["x"].to_numpy(float), frame["y"].to_numpy(float), buffer_m=buffer_m)
    if len(_HULLS) >= 8:
        _HULLS.clear()
    _HULLS[key] = hull
    return hull


def study_area_of(ws: Workspace, params: Mapping[str, Any]) -> BaseGeometry:
    """The study area the run with these parameters uses.

    Raises
    ------
    hotspotwatch.workspace.StudyAreaError
        Without a ``study_area`` parameter, when the workspace has no study area.
    """
    if params.get("study_area") == HULL:
        return events_hull_of(ws, buffer_m=float(params.get("hull_buffer_m") or hull_buffer()))
    return ws.study_area()


__all__ = [
    "CHOICES",
    "HULL",
    "check_choice",
    "events_hull_of",
    "study_area_of",
    "study_area_parameters",
    "without_study_area",
]
