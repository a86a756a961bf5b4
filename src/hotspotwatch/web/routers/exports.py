"""Exports of the dashboard's views: CSV, GeoJSON, and the audit of a chart saved as PNG.

Each export is the same data as the view it comes from, read from the same stored run
(:mod:`hotspotwatch.workflows.web.pages`), behind the view's capability, and audited
(``export.csv``, ``export.geojson``, ``export.png``) with the run it came from. PNG images
are drawn in the browser from the chart on screen (canvas ``toDataURL``); the page reports
each one here so that the audit log holds every export.
"""

from __future__ import annotations

import csv
import io
import json
import math
import re
from collections.abc import Sequence
from typing import Any, Literal

from fastapi import APIRouter, Depends, HTTPException, Request
from fastapi.responses import Response
from pydantic import BaseModel, Field

from hotspotwatch.web.auth import Principal, audit, require, workspace
from hotspotwatch.web.limits import expensive
from hotspotwatch.workflows.web import pages as pages_wf
from hotspotwatch.workflows.web.runs import NotComputedError

router = APIRouter(tags=["exports"])

PngView = Literal["hotspot-trend", "hotspot-activity", "hotspot-map", "strategy-forest"]


def csv_text(rows: Sequence[dict[str, Any]], columns: Sequence[str]) -> str:
    """Rows as CSV (comma, ``\\r\\n``, header first); ``None`` and ``NaN`` as empty cells.

    Examples
    --------
    >>> csv_text([{"a": 1.5, "b": None}], ["a", "b"])
    'a,b\\r\\n1.5,\\r\\n'
    """
    buf = io.StringIO()
    w = csv.writer(buf)
    w.writerow(columns)
    for r in rows:
        w.writerow(["" if _blank(r.get(c)) else _cell(r.get(c)) for c in columns])
    return buf.getvalue()


def _blank(v: Any) -> bool:
    return v is None or (isinstance(v, float) and not math.isfinite(v))


def _cell(v: Any) -> str:
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, float):
        return repr(v)
    return str(v)


def _slug(name: str) -> str:
    return re.sub(r"[^A-Za-z0-9]+", "-", name).strip("-").lower() or "hotspot"


def _attachment(body: str, media: str, filename: str) -> Response:
    return Response(
        body,
        media_type=media,
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )


@router.get("/export/strategy.csv", response_class=Response)
def strategy_csv(
    request: Request, principal: Principal = Depends(expensive("aggregates.read"))
) -> Response:
    """The strategy table as CSV (one row per place; columns
    :data:`~hotspotwatch.workflows.web.pages.STRATEGY_COLUMNS` plus ``run`` and ``until``)."""
    try:
        table = pages_wf.strategy_table(workspace(request))
    except NotComputedError as exc:
        raise HTTPException(404, detail=str(exc)) from None
    run = table["run"]
    rows = [{**r, "run": run["run"], "until": run["parameters"].get("until")} for r in table["rows"]]
    body = csv_text(rows, [*pages_wf.STRATEGY_COLUMNS, "run", "until"])
    audit(request, principal, "export.csv", rows=len(rows),
          detail={"view": "strategy", "run": run["run"]})
    return _attachment(body, "text/csv; charset=utf-8", f"strategy-{run['run']}.csv")


@router.get("/export/hotspots/{hotspot_id}/series.csv", response_class=Response)
def hotspot_series_csv(
    hotspot_id: int, request: Request, principal: Principal = Depends(expensive("aggregates.read"))
) -> Response:
    """The hotspot chart's series as CSV: one row per anchored month of the evaluation
    (place, buffer rings, comparison areas summed and scaled, dose, run)."""
    try:
        rows = pages_wf.series_rows(workspace(request), hotspot_id)
    except KeyError as exc:
        raise HTTPException(404, detail=str(exc.args[0])) from None
    except NotComputedError as exc:
        raise HTTPException(404, detail=str(exc)) from None
    columns = list(rows[0]) if rows else ["hotspot", "month_start"]
    audit(request, principal, "export.csv", rows=len(rows),
          detail={"view": "hotspot-series", "hotspot_id": hotspot_id,
                  "run": rows[0]["run"] if rows else None})
    name = _slug(rows[0]["hotspot"]) if rows else str(hotspot_id)
    return _attachment(csv_text(rows, columns), "text/csv; charset=utf-8", f"{name}-series.csv")


@router.get("/export/hotspots/{hotspot_id}/layers.geojson", response_class=Response)
def hotspot_layers_geojson(
    hotspot_id: int, request: Request, principal: Principal = Depends(expensive("aggregates.read"))
) -> Response:
    """The hotspot map's layers as GeoJSON (perimeter, buffer rings, neighbouring
    perimeters, comparison cells; WGS84)."""
    try:
        fc = pages_wf.hotspot_layers(workspace(request), hotspot_id)
    except KeyError as exc:
        raise HTTPException(404, detail=str(exc.args[0])) from None
    run = fc.get("run")
    audit(request, principal, "export.geojson", rows=len(fc["features"]),
          detail={"view": "hotspot-map", "hotspot_id": hotspot_id,
                  "run": run["run"] if run else None})
    name = _slug(fc["features"][0]["properties"]["name"])
    return _attachment(json.dumps(fc, ensure_ascii=False), "application/geo+json",
                       f"{name}-layers.geojson")


class PngExport(BaseModel):
    """A chart saved as PNG in the browser (what the audit log records)."""

    view: PngView
    hotspot_id: int | None = Field(default=None, ge=1, le=2**63 - 1)
    run: str | None = Field(default=None, max_length=64, pattern=r"^[0-9a-f]*$")


@router.post("/export/png", status_code=204, response_class=Response)
def png_export(
    body: PngExport, request: Request, principal: Principal = Depends(require("aggregates.read"))
) -> Response:
    """Record that a chart was saved as PNG (the image itself never leaves the browser)."""
    audit(request, principal, "export.png", rows=1,
          detail={"view": body.view, "hotspot_id": body.hotspot_id, "run": body.run})
    return Response(status_code=204)


__all__ = ["csv_text", "router"]
