"""The map page's data layer and its export (``/map/layer``, ``/map/export``).

One route answers the map for every role. Roles with event access (regional and zone
analysts) get any range of whole months, categories, roles and zones, as event points
when the view holds few enough of them, else as counts per square or hexagon cell; every
request is an event read and is audited (``map.read``). Roles without event access get the
disclosure-controlled partition only, as ``/grid`` gives it: 500 m squares, one calendar
year or all years, one role, cells below ``disclosure_k`` (and those that would let one be
recovered by differencing) left out, no total.

The answer is serialised straight to JSON (no per-item validation): compact columns for
points, coordinates to 5 decimals.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
from typing import Any, Literal

from fastapi import APIRouter, Depends, HTTPException, Query, Request
from fastapi.responses import Response
from pydantic import BaseModel, ConfigDict, Field

from hotspotwatch.i18n import format_month, format_number, plural, translate
from hotspotwatch.web.auth import Principal, audit, require, workspace
from hotspotwatch.web.limits import expensive
from hotspotwatch.web.policy import ZONE, allowed
from hotspotwatch.workflows.web import mapcells, mapdata
from hotspotwatch.workflows.web._geo import check_lonlat_bbox
from hotspotwatch.workspace import WorkspaceError

router = APIRouter()

RoleName = Literal["harm", "enforcement", "prevention"]
Level = Literal["auto", "events", "cells"]
Shape = Literal["square", "hex"]
Lang = Literal["en", "fr", "nl"]
EVENT_ZOOM = 14.0
"""From this zoom on, ``level=auto`` draws event points when the view holds at most ``limit``."""
DEFAULT_LIMIT = 5000


def json_response(body: Any, *, headers: dict[str, str] | None = None) -> Response:
    """``body`` as compact JSON, without FastAPI's per-item encoding."""
    text = json.dumps(body, separators=(",", ":"), ensure_ascii=False, allow_nan=False)
    return Response(text, media_type="application/json", headers=headers)


class _Query:
    """The map's query parameters, shared by the layer and the export."""

    def __init__(
        self,
        category: list[str] | None = Query(None, max_length=50),
        role: list[RoleName] | None = Query(None),
        zone: list[str] | None = Query(None, max_length=50, description="zone-layer codes"),
        month_from: str | None = Query(None, max_length=7, description="YYYY-MM, inclusive"),
        month_to: str | None = Query(None, max_length=7, description="YYYY-MM, inclusive"),
        year: int | None = Query(None, ge=1900, le=2200, description="one calendar year"),
        bbox: str | None = Query(None, max_length=200, description="west,south,east,north"),
        zoom: float = Query(12.0, ge=0, le=24, description="the map's zoom"),
        level: Level = Query("auto", description="events, cells, or auto (by zoom and count)"),
        shape: Shape = Query("square", description="cell shape"),
        cell_size: float | None = Query(
            None, ge=100, le=5000, description="250, 500 or 1000 m; default by zoom"
        ),
        limit: int = Query(DEFAULT_LIMIT, ge=1, le=10_000, description="most event points"),
        lang: Lang = Query("en", description="language of the caption and legend"),
    ) -> None:
        self.category = category
        self.role = role
        self.zone = zone
        self.month_from = month_from
        self.month_to = month_to
        self.year = year
        self.bbox = bbox
        self.zoom = zoom
        self.level = level
        self.shape = shape
        self.cell_size = cell_size
        self.limit = limit
        self.lang = lang

    def args(self) -> dict[str, Any]:
        """The parameters as given (audit detail)."""
        return {k: v for k, v in vars(self).items() if v is not None}


def _bbox(text: str | None) -> tuple[float, float, float, float] | None:
    if text is None:
        return None
    try:
        return check_lonlat_bbox([float(v) for v in text.split(",")])
    except ValueError as exc:
        raise HTTPException(422, detail=f"bbox: {exc}") from None


def _months(q: _Query) -> tuple[str | None, str | None]:
    if q.year is not None:
        if q.month_from is not None or q.month_to is not None:
            raise HTTPException(422, detail="give either year or month_from/month_to, not both")
        return f"{q.year:04d}-01", f"{q.year:04d}-12"
    return q.month_from, q.month_to


def _day(month: str) -> dt.date:
    return dt.date(int(month[:4]), int(month[5:7]), 1)


def _period(lang: str, month_from: str | None, month_to: str | None) -> str:
    """The period in words: "all months", "2024", "March 2024", "March 2024 – May 2025"."""

    if month_from is None and month_to is None:
        return translate("web.map.period_all", lang)
    if month_from and month_to and month_from[:4] == month_to[:4]:
        if month_from[5:] == "01" and month_to[5:] == "12":
            return month_from[:4]
        if month_from == month_to:
            return format_month(_day(month_from), lang)
    start = format_month(_day(month_from), lang) if month_from else "…"
    end = format_month(_day(month_to), lang) if month_to else "…"
    return translate("web.map.period_range", lang, start=start, end=end)


def _legend(lang: str, breaks: list[int]) -> list[str]:
    labels = []
    for i, b in enumerate(breaks):
        if i + 1 < len(breaks):
            hi = breaks[i + 1] - 1
            labels.append(
                format_number(b, lang, digits=None)
                if hi == b
                else translate(
                    "web.map.legend_range",
                    lang,
                    low=format_number(b, lang, digits=None),
                    high=format_number(hi, lang, digits=None),
                )
            )
        else:
            labels.append(
                translate("web.map.legend_from", lang, low=format_number(b, lang, digits=None))
            )
    return labels


def _num(n: int, lang: str) -> str:
    return format_number(n, lang, digits=None)


def build_layer(request: Request, principal: Principal, q: _Query) -> dict[str, Any]:
    """The layer's answer (see the module docstring); audits event reads."""
    ws = workspace(request)
    lang = q.lang
    event_access = allowed(principal.role, "events.read")
    month_from, month_to = _months(q)
    bbox = _bbox(q.bbox)
    if not event_access:
        return _aggregate_only(request, principal, q)
    flt = mapdata.MapFilter(
        categories=tuple(q.category) if q.category else None,
        roles=tuple(q.role) if q.role else None,
        zones=tuple(q.zone) if q.zone else None,
        month_from=month_from,
        month_to=month_to,
        bbox=bbox,
    )
    restrict = tuple(principal.zones) if principal.role == ZONE else None
    try:
        mapdata.check_filter(ws, flt)
        in_view = (
            mapdata.map_events(ws, flt, limit=q.limit, restrict=restrict)
            if q.level != "cells"
            else None
        )
        use_events = q.level == "events" or (
            q.level == "auto"
            and in_view is not None
            and q.zoom >= EVENT_ZOOM
            and in_view.total <= q.limit
        )
        size = q.cell_size if q.cell_size is not None else (250.0 if q.zoom >= 12.5 else 500.0)
        mapcells.check_cells(q.shape, size)
    except ValueError as exc:
        raise HTTPException(422, detail=str(exc)) from None
    except WorkspaceError as exc:
        raise HTTPException(404, detail=str(exc)) from None
    period = _period(lang, month_from, month_to)
    out: dict[str, Any] = {"filter": flt.to_dict(), "period": period, "k": 1}
    if use_events and in_view is not None:
        shown = int(in_view.rows.size)
        out |= {
            "level": "events",
            "total": in_view.total,
            "shown": shown,
            "capped": in_view.capped,
            "events": mapdata.columnar_events(ws, in_view),
        }
        if in_view.capped:
            caption = translate(
                "web.map.capped",
                lang,
                shown=_num(shown, lang),
                total=_num(in_view.total, lang),
            )
        else:
            caption = plural("web.map.points_shown", shown, lang, n=_num(shown, lang))
        audit_rows = shown
    else:
        try:
            counts = mapcells.cell_counts(
                ws, flt=flt, kind=q.shape, cell_size=size, restrict=restrict
            )
            layout = mapcells.cell_layout(ws, kind=q.shape, cell_size=size)
        except WorkspaceError as exc:
            raise HTTPException(404, detail=str(exc)) from None
        breaks = mapcells.class_breaks(counts.counts, floor=1)
        total = int(counts.events or 0)
        out |= {
            "level": "cells",
            "total": total,
            "shown": int(counts.cells.size),
            "capped": False,
            "shape": q.shape,
            "cell_size": size,
            "breaks": breaks,
            "legend": _legend(lang, breaks),
            "cells": counts.to_geojson(layout),
        }
        caption = translate(
            "web.map.cells_caption",
            lang,
            events=plural("web.map.n_events", total, lang, n=_num(total, lang)),
            cells=plural("web.map.n_cells", int(counts.cells.size), lang,
                         n=_num(int(counts.cells.size), lang)),
            size=_num(int(size), lang),
            shape=translate(f"web.map.shape_{q.shape}", lang),
        )
        audit_rows = total
    out["caption"] = caption
    audit(
        request,
        principal,
        "map.read",
        rows=audit_rows,
        detail={**q.args(), "level": out["level"], "total": out["total"]},
    )
    return out


def _aggregate_only(request: Request, principal: Principal, q: _Query) -> dict[str, Any]:
    """The fixed partition for roles without event access (403 for anything else)."""
    ws = workspace(request)
    refused = {
        "category": q.category,
        "month_from": q.month_from,
        "month_to": q.month_to,
        "level": q.level if q.level == "events" else None,
        "shape": q.shape if q.shape != "square" else None,
        "cell_size": q.cell_size if q.cell_size not in (None, mapcells.PUBLIC_CELL_M) else None,
        "role": q.role if q.role and len(q.role) > 1 else None,
    }
    asked = {k: v for k, v in refused.items() if v is not None}
    if asked:
        audit(request, principal, "access.denied", detail={k: str(v) for k, v in asked.items()})
        raise HTTPException(
            403,
            detail=f"the role {principal.role!r} gets aggregates of the fixed partition only: "
            f"500 m squares, one role, year=YYYY (or none); not {', '.join(sorted(asked))}",
        )
    role = q.role[0] if q.role else "harm"
    zones = tuple(q.zone) if q.zone else None
    try:
        if zones:
            mapdata.check_filter(ws, mapdata.MapFilter(zones=zones))
        counts = mapcells.partition_cells(ws, role=role, year=q.year, zones=zones)
        layout = mapcells.cell_layout(ws, kind="square", cell_size=mapcells.PUBLIC_CELL_M)
    except ValueError as exc:
        raise HTTPException(422, detail=str(exc)) from None
    except WorkspaceError as exc:
        raise HTTPException(404, detail=str(exc)) from None
    lang = q.lang
    breaks = mapcells.class_breaks(counts.counts, floor=counts.k)
    period = str(q.year) if q.year is not None else translate("web.map.period_all", lang)
    shown = int(counts.cells.size)
    return {
        "level": "cells",
        "filter": {"roles": [role], "zones": list(zones) if zones else None, "year": q.year},
        "period": period,
        "total": None,
        "shown": shown,
        "capped": False,
        "k": counts.k,
        "shape": "square",
        "cell_size": mapcells.PUBLIC_CELL_M,
        "breaks": breaks,
        "legend": _legend(lang, breaks),
        "cells": counts.to_geojson(layout),
        "caption": translate(
            "web.map.partition_caption",
            lang,
            cells=plural("web.map.n_cells", shown, lang, n=_num(shown, lang)),
            size=_num(int(mapcells.PUBLIC_CELL_M), lang),
            period=period,
            k=_num(counts.k, lang),
        ),
    }


@router.get("/map/options", tags=["map"])
def map_options(
    request: Request,
    principal: Principal = Depends(require("aggregates.read")),
    lang: Lang = Query("en", description="language of the names"),
) -> Response:
    """What the map's filters offer to this role: ``months`` (and ``month_labels`` in
    ``lang``), ``years``, ``roles``,
    ``zones`` (a zone analyst's own), ``k``, and with event access ``categories``;
    ``cell_sizes``, ``shapes`` and ``event_zoom`` (where ``level=auto`` draws points)."""
    ws = workspace(request)
    restrict = tuple(principal.zones) if principal.role == ZONE else None
    event_access = allowed(principal.role, "events.read")
    out = mapdata.map_options(ws, lang=lang, event_access=event_access, restrict=restrict)
    out |= {
        "cell_sizes": list(mapcells.CELL_SIZES) if event_access else [mapcells.PUBLIC_CELL_M],
        "shapes": list(mapcells.CELL_KINDS) if event_access else ["square"],
        "event_zoom": EVENT_ZOOM,
        "limit": DEFAULT_LIMIT,
    }
    return json_response(out)


@router.get("/map/layer", tags=["map"])
def map_layer(
    request: Request,
    q: _Query = Depends(),
    principal: Principal = Depends(expensive("aggregates.read")),
) -> Response:
    """The map's events layer for the selected filters (points or cells, see the module).

    Members: ``level`` (``events`` | ``cells``), ``total`` (events matching the filters:
    inside the view ``bbox`` for points, wherever they lie for cells; ``null`` without
    event access), ``shown``, ``capped``, ``caption`` (in ``lang``), ``period``,
    ``k``; for points ``events`` (columns ``id, lon, lat, role, category, date``); for cells
    ``cells`` (GeoJSON, ``count`` per cell), ``breaks`` and ``legend``.
    """
    return json_response(build_layer(request, principal, q))


EXPORT_COLUMNS = ("event_id", "lon", "lat", "category", "role", "occurred_at", "time_precision",
                  "source")


@router.get(
    "/map/export",
    tags=["map"],
    response_class=Response,
    responses={
        200: {
            "description": "the view as GeoJSON or CSV (an attachment)",
            "content": {"application/geo+json": {}, "text/csv": {}},
        }
    },
)
def map_export(
    request: Request,
    q: _Query = Depends(),
    fmt: Literal["csv", "geojson"] = Query("geojson", alias="format"),
    principal: Principal = Depends(expensive("aggregates.read")),
) -> Response:
    """What the map shows for these parameters, as CSV or GeoJSON (audited ``map.export``).

    Points: one row per event shown (the same sample when capped); cells: one row per cell
    with its count (and its centre in CSV). Roles without event access get the fixed
    partition's published cells only, as on the map.
    """
    layer = build_layer(request, principal, q)
    ws_name = "hotspotwatch-map"
    rows: list[dict[str, Any]]
    if layer["level"] == "events":
        rows = mapdata.event_records_by_id(workspace(request), layer["events"]["id"])
        features = [
            {
                "type": "Feature",
                "id": r["event_id"],
                "geometry": {"type": "Point", "coordinates": [r["lon"], r["lat"]]},
                "properties": {k: v for k, v in r.items() if k not in ("lon", "lat")},
            }
            for r in rows
        ]
    else:
        features = layer["cells"]["features"]
        rows = mapcells.cell_rows(layer["cells"])
    audit(
        request,
        principal,
        "map.export",
        rows=len(rows),
        detail={**q.args(), "format": fmt, "level": layer["level"]},
    )
    name = f"{ws_name}-{layer['level']}.{fmt}"
    headers = {"Content-Disposition": f'attachment; filename="{name}"'}
    if fmt == "geojson":
        body = {
            "type": "FeatureCollection",
            "level": layer["level"],
            "filter": layer["filter"],
            "period": layer["period"],
            "total": layer["total"],
            "capped": layer["capped"],
            "k": layer["k"],
            "features": features,
        }
        text = json.dumps(body, separators=(",", ":"), ensure_ascii=False)
        return Response(text, media_type="application/geo+json", headers=headers)
    buf = io.StringIO()
    cols = list(EXPORT_COLUMNS) if layer["level"] == "events" else ["cell", "lon", "lat", "count"]
    writer = csv.DictWriter(buf, fieldnames=cols, lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    return Response(buf.getvalue(), media_type="text/csv; charset=utf-8", headers=headers)


class MapPng(BaseModel):
    """The map saved as PNG in the browser: what it showed (recorded in the audit log)."""

    model_config = ConfigDict(extra="forbid")

    level: Literal["events", "cells", "none"]
    shown: int = Field(ge=0, le=100_000_000, description="points or cells drawn")
    query: str = Field(default="", max_length=2000, description="the layer's query string")


@router.post(
    "/map/export/png", tags=["map"], status_code=204, response_class=Response
)
def map_png(
    body: MapPng, request: Request, principal: Principal = Depends(require("aggregates.read"))
) -> Response:
    """Record that the map was saved as PNG (audited ``map.export``, ``format=png``); the
    image itself is drawn from the map's canvas and never leaves the browser."""
    audit(
        request,
        principal,
        "map.export",
        rows=body.shown,
        detail={"format": "png", "level": body.level, "query": body.query},
    )
    return Response(status_code=204)


__all__ = ["EVENT_ZOOM", "build_layer", "json_response", "router"]
