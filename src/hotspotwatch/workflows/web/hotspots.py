"""Hotspots for the dashboard: perimeters with their decisions, and monthly series.

Months here are calendar months in the workspace time zone
(:class:`hotspotwatch.periods.CalendarMonth`): the trend chart of the hotspot page and the
public series. The evaluation's numbers are counted on anchored months by the evaluation
itself and read from its stored run (:mod:`hotspotwatch.workflows.web.runs`).
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
from shapely.geometry.base import BaseGeometry

from hotspotwatch.domain.collation import sort_key
from hotspotwatch.periods import CalendarMonth, counts
from hotspotwatch.store import dashboard as dashboard_store
from hotspotwatch.workflows.web._geo import geojson, to_lonlat_geoms
from hotspotwatch.workflows.web.cache import memoised
from hotspotwatch.workflows.web.events import select_events

if TYPE_CHECKING:
    from hotspotwatch.workspace import Workspace

ROLES_OF_EVENTS: tuple[str, ...] = ("harm", "enforcement", "prevention")


def _designations_by_hotspot(ws: Workspace) -> dict[int, list[dict[str, Any]]]:
    out: dict[int, list[dict[str, Any]]] = {}
    for r in ws.designations().to_dict("records"):
        out.setdefault(int(r["hotspot_id"]), []).append(
            {
                "action": r["action"],
                "start": r["start"].isoformat() if r["start"] is not None else None,
                "end": r["end"].isoformat() if isinstance(r["end"], dt.date) else None,
                "body": r["body"],
                "decision_ref": r["decision_ref"],
                "note": r["note"],
            }
        )
    return out


@memoised
def hotspots_geojson(ws: Workspace) -> dict[str, Any]:
    """Designated hotspots with their decisions as a WGS84 FeatureCollection, in the
    alphabetical order of :func:`hotspotwatch.domain.collation.sort_key` (the map's list of
    place names follows it)."""
    frame = ws.hotspots()
    if frame.empty:
        return {"type": "FeatureCollection", "features": []}
    geoms = to_lonlat_geoms(ws, frame.geometry.to_numpy())
    decisions = _designations_by_hotspot(ws)
    periods = ws.hotspot_periods()
    today = dt.date.today()
    feats: list[dict[str, Any]] = []
    for r, g in zip(frame.to_dict("records"), geoms, strict=True):
        ps = periods.get(r["name"], [])
        active = any(p.contains(today) for p in ps)
        feats.append(
            {
                "type": "Feature",
                "id": int(r["hotspot_id"]),
                "geometry": geojson(g),
                "properties": {
                    "hotspot_id": int(r["hotspot_id"]),
                    "name": r["name"],
                    "code": r["code"],
                    "zone": r["zone"],
                    "commune": r["commune"],
                    "approximate": bool(r["approximate"]),
                    "active": active,
                    "designations": decisions.get(int(r["hotspot_id"]), []),
                },
            }
        )
    feats.sort(key=lambda f: sort_key(str(f["properties"]["name"])))
    return {"type": "FeatureCollection", "features": feats}


def hotspot_record(ws: Workspace, hotspot_id: int) -> dict[str, Any]:
    """One hotspot (properties, WGS84 geometry, decisions); ``KeyError`` if unknown."""
    for feat in hotspots_geojson(ws)["features"]:
        if feat["id"] == hotspot_id:
            return dict(feat)
    raise KeyError(f"no hotspot with id {hotspot_id}")


def hotspot_geometry(ws: Workspace, hotspot_id: int) -> tuple[str, BaseGeometry]:
    """Name and polygon (workspace CRS) of a hotspot; ``KeyError`` if unknown."""
    frame = ws.hotspots()
    sel = frame[frame["hotspot_id"] == hotspot_id]
    if sel.empty:
        raise KeyError(f"no hotspot with id {hotspot_id}")
    return str(sel["name"].iloc[0]), sel.geometry.iloc[0]


def month_span(ws: Workspace, *, role: str | None = None) -> tuple[int, int] | None:
    """First and last :class:`~hotspotwatch.periods.CalendarMonth` codes with a stored event
    (of ``role`` if given), or ``None``."""
    cats = ws.taxonomy.names(role=role) if role is not None else None  # type: ignore[arg-type]
    span = dashboard_store.event_time_range(ws.engine, cats)
    if span is None:
        return None
    codes = CalendarMonth(ws.config.timezone).codes(pd.DatetimeIndex(list(span), tz="UTC"))
    return int(codes[0]), int(codes[1])


@memoised
def all_months(ws: Workspace, *, role: str | None = None) -> list[str]:
    """Calendar months (``YYYY-MM``, workspace time zone) from the first to the last event.

    With ``role``, only events of that role count: the public pages span the months with
    harm data, so that a prevention action logged today does not open an empty year.
    """
    span = month_span(ws, role=role)
    if span is None:
        return []
    months = CalendarMonth(ws.config.timezone)
    return [months.label(c) for c in range(span[0], span[1] + 1)]


def monthly_counts(
    ws: Workspace,
    frame: pd.DataFrame,
    span: tuple[int, int] | None,
    *,
    weights: np.ndarray | None = None,
) -> np.ndarray:
    """Events (or ``weights``) of ``frame`` per calendar month of ``span`` (inclusive)."""
    if span is None:
        return np.zeros(0)
    if len(frame) == 0:
        return np.zeros(span[1] - span[0] + 1)
    codes = CalendarMonth(ws.config.timezone).codes(frame["occurred_at"])
    return counts(codes, span[0], span[1], weights=weights)  # type: ignore[arg-type]


@memoised
def hotspot_monthly(ws: Workspace, hotspot_id: int) -> dict[str, Any]:
    """Events per calendar month (workspace time zone) and role inside a hotspot perimeter.

    Returns ``{"months": ["2023-01", ...], "harm": [...], "enforcement": [...],
    "prevention": [...], "harm_weighted": [...], "periods": [[start, end], ...],
    "missing_months": [...]}``; the months run from the first to the last month with any
    stored event; ``missing_months`` (:func:`missing_months`) are the evaluation's months
    without data from an outcome source.
    """
    name, geom = hotspot_geometry(ws, hotspot_id)
    frame = select_events(ws, within=geom)
    span = month_span(ws)
    months = all_months(ws)
    out: dict[str, Any] = {"hotspot_id": hotspot_id, "name": name, "months": months}
    roles = frame["role"].to_numpy() if len(frame) else np.array([], dtype=object)
    for role in ROLES_OF_EVENTS:
        out[role] = monthly_counts(ws, frame[roles == role], span).astype(int).tolist()
    harm = frame[roles == "harm"]
    weighted = monthly_counts(
        ws, harm, span, weights=harm["harm_weight"].to_numpy(float) if len(harm) else None
    )
    out["harm_weighted"] = [round(float(v), 3) for v in weighted]
    out["periods"] = [
        [p.start.isoformat(), p.end.isoformat() if p.end is not None else None]
        for p in ws.hotspot_periods().get(name, [])
    ]
    out["missing_months"] = missing_months(ws)
    return out


def missing_months(ws: Workspace) -> list[str]:
    """Calendar months (``"2023-02"``) an outcome source of the dashboard's evaluation does
    not cover: missing, not zero (the chart draws a gap). Empty when there is no evaluation."""
    from hotspotwatch.workflows.web.runs import NotComputedError, evaluation_run

    try:
        ev = evaluation_run(ws).result
    except NotComputedError:
        return []
    if ev.coverage is None:
        return []
    return sorted({f"{m.year:04d}-{m.month:02d}" for _src, m in ev.coverage.missing()})


__all__ = [
    "ROLES_OF_EVENTS",
    "all_months",
    "hotspot_geometry",
    "hotspot_monthly",
    "hotspot_record",
    "hotspots_geojson",
    "missing_months",
    "month_span",
    "monthly_counts",
]
