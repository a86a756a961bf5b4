"""Protected data routes: events, areas, hotspots, results, alerts, reports, prevention log."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, HTTPException, Query, Request
from fastapi import Path as FPath
from fastapi.responses import FileResponse, Response
from pydantic import BaseModel, ConfigDict, Field

from hotspotwatch.web.auth import Principal, audit, require, workspace
from hotspotwatch.web.limits import expensive
from hotspotwatch.web.policy import PARTNER, REGIONAL, ZONE, allowed, hotspot_in_zones
from hotspotwatch.web.routers import exports, maplayer
from hotspotwatch.web.routers.maplayer import json_response
from hotspotwatch.workflows import web as web_wf
from hotspotwatch.workflows.web import pages as pages_wf
from hotspotwatch.workspace import WorkspaceError

router = APIRouter()
router.include_router(maplayer.router)  # /map/layer, /map/export (the map page's data)

RoleName = Literal["harm", "enforcement", "prevention"]
ResultName = Literal[
    "evaluation", "gistar", "kde", "concentration", "coverage", "borders", "knox", "emerging"
]
Lang = Literal["en", "fr", "nl"]
HotspotId = Annotated[int, FPath(ge=1, le=2**63 - 1, description="hotspot id")]
_REPORT_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,200}$")
REPORT_SUFFIXES = (".pdf", ".html", ".csv", ".json")


def parse_bbox(bbox: str | None) -> tuple[float, float, float, float] | None:
    """``"west,south,east,north"`` (degrees) to a tuple, 422 if malformed."""
    if bbox is None:
        return None
    try:
        return web_wf.check_lonlat_bbox([float(v) for v in bbox.split(",")])
    except ValueError as exc:
        raise HTTPException(422, detail=f"bbox: {exc}") from None


def _not_found(exc: KeyError) -> HTTPException:
    return HTTPException(404, detail=str(exc.args[0]) if exc.args else "not found")


@router.get("/events", tags=["events"], response_model=dict[str, Any])
def events(
    request: Request,
    principal: Principal = Depends(expensive("events.read")),
    category: list[str] | None = Query(None, max_length=50),
    role: list[RoleName] | None = Query(None),
    start: str | None = Query(None, max_length=40, description="ISO date/time, inclusive"),
    end: str | None = Query(None, max_length=40, description="ISO date/time, exclusive"),
    bbox: str | None = Query(None, max_length=200, description="west,south,east,north (WGS84)"),
    limit: int = Query(1000, ge=1, le=10_000),
    offset: int = Query(0, ge=0, le=100_000_000),
    zone: list[str] | None = Query(None, max_length=50, description="zone-layer codes"),
) -> Response:
    """Events as GeoJSON points, paged; a zone analyst gets only events inside their zones.

    ``zone`` keeps the events inside these zones of the zone layer. The answer is written
    as JSON directly (members ``type, features, total, limit, offset, next_offset``).
    """
    ws = workspace(request)
    within = web_wf.zone_geometry(ws, principal.zones) if principal.role == ZONE else None
    filters: dict[str, Any] = {
        "categories": category,
        "roles": list(role) if role else None,
        "start": start,
        "end": end,
        "bbox": parse_bbox(bbox),
    }
    try:
        page = web_wf.events_page(
            ws, limit=limit, offset=offset, within=within, zones=zone, **filters
        )
    except (ValueError, OverflowError) as exc:
        raise HTTPException(422, detail=str(exc)) from None
    audit(
        request,
        principal,
        "events.read",
        rows=len(page.features),
        detail={**filters, "zones": zone, "limit": limit, "offset": offset, "total": page.total},
    )
    return json_response(page.to_geojson())


@router.get("/areas", tags=["areas"])
def area_layers(
    request: Request, principal: Principal = Depends(require("aggregates.read"))
) -> list[str]:
    """Names of the area layers."""
    return workspace(request).area_layers()


@router.get("/areas/{layer}", tags=["areas"])
def area_layer(
    layer: str,
    request: Request,
    principal: Principal = Depends(require("aggregates.read")),
    simplify: float = Query(
        0.0, ge=0, le=100, description="metres: fewer vertices for a map (0: as stored)"
    ),
) -> dict[str, Any]:
    """One area layer as GeoJSON (WGS84); ``simplify`` thins the outlines for a map."""
    try:
        return web_wf.areas_geojson(workspace(request), layer, simplify=simplify)
    except KeyError as exc:
        raise _not_found(exc) from None


@router.get("/grid", tags=["aggregates"])
def grid(
    request: Request,
    principal: Principal = Depends(expensive("aggregates.read")),
    cell_size: float | None = Query(
        None, ge=100, le=5000, description="metres; without event access only 500"
    ),
    role: RoleName = "harm",
    year: int | None = Query(None, ge=1900, le=2200, description="calendar year; default all"),
    start: str | None = Query(None, max_length=40, description="event access only"),
    end: str | None = Query(None, max_length=40, description="event access only"),
) -> dict[str, Any]:
    """Events per grid cell.

    Roles without event access get the fixed partition only (500 m cells, one calendar
    year or all years, counts below k hidden with complementary suppression, as on the
    public page): any other cell size or a start/end is 403. For roles with event access
    any grid and window is an event read: a zone analyst's counts are those inside their
    zones, and every request is audited (``grid.read``) like ``/events``.
    """
    ws = workspace(request)
    if not allowed(principal.role, "events.read"):
        if start is not None or end is not None or (
            cell_size is not None and cell_size != web_wf.PUBLIC_CELL_M
        ):
            audit(
                request,
                principal,
                "access.denied",
                detail={"cell_size": cell_size, "start": start, "end": end},
            )
            raise HTTPException(
                403,
                detail=f"the role {principal.role!r} gets the fixed partition only: "
                f"cell_size={web_wf.PUBLIC_CELL_M:g} (or none) and year=YYYY (or none), "
                "no start/end",
            )
        try:
            return web_wf.public_grid(ws, role=role, year=year)
        except WorkspaceError as exc:
            raise HTTPException(404, detail=str(exc)) from None
    if year is not None:
        if start is not None or end is not None:
            raise HTTPException(422, detail="give either year or start/end, not both")
        start, end = f"{year}-01-01", f"{year + 1}-01-01"
    zones = tuple(principal.zones) if principal.role == ZONE else None
    size = 250.0 if cell_size is None else cell_size
    try:
        out = web_wf.grid_for_events(
            ws, cell_size=size, role=role, start=start, end=end, zones=zones
        )
    except WorkspaceError as exc:
        raise HTTPException(404, detail=str(exc)) from None
    except (ValueError, OverflowError) as exc:
        raise HTTPException(422, detail=str(exc)) from None
    audit(
        request,
        principal,
        "grid.read",
        rows=int(out["events"]),
        detail={"cell_size": size, "role": role, "start": start, "end": end},
    )
    return out


@router.get("/hotspots", tags=["hotspots"])
def hotspots(
    request: Request, principal: Principal = Depends(require("aggregates.read"))
) -> dict[str, Any]:
    """Designated hotspots with their decisions (GeoJSON, WGS84)."""
    return web_wf.hotspots_geojson(workspace(request))


def _hotspot_or_404(request: Request, hotspot_id: int) -> dict[str, Any]:
    try:
        return web_wf.hotspot_record(workspace(request), hotspot_id)
    except KeyError as exc:
        raise _not_found(exc) from None


@router.get("/hotspots/{hotspot_id}", tags=["hotspots"])
def hotspot(
    hotspot_id: HotspotId,
    request: Request,
    principal: Principal = Depends(require("aggregates.read")),
    lang: Lang = Query("en", description="language of the verdict sentence"),
) -> dict[str, Any]:
    """One hotspot: perimeter, decisions, evaluation entry, logged prevention, permissions.

    The evaluation is the renewal report's for the dashboard's review day (``evaluation_run``
    names the run: short key, parameters, fingerprints); ``evaluation.summary`` holds the
    numbers the page shows (IRR, adjusted p, WDQ, WDD, dose) and the verdict in words.
    """
    ws = workspace(request)
    feat = _hotspot_or_404(request, hotspot_id)
    props = feat["properties"]
    return {
        **feat,
        **web_wf.hotspot_evaluation_view(ws, props["name"], lang=lang),
        "prevention": web_wf.prevention_summary(ws, hotspot_id),
        "can_log_actions": _may_log(principal, props),
    }


@router.get("/hotspots/{hotspot_id}/monthly", tags=["hotspots"])
def hotspot_monthly(
    hotspot_id: HotspotId,
    request: Request,
    principal: Principal = Depends(require("aggregates.read")),
) -> dict[str, Any]:
    """Events per calendar month and role inside the perimeter (for the trend chart)."""
    try:
        return web_wf.hotspot_monthly(workspace(request), hotspot_id)
    except KeyError as exc:
        raise _not_found(exc) from None


@router.get("/hotspots/{hotspot_id}/chart", tags=["hotspots"])
def hotspot_chart(
    hotspot_id: HotspotId,
    request: Request,
    principal: Principal = Depends(require("aggregates.read")),
    lang: Lang = Query("en", description="language of the review day in words"),
) -> dict[str, Any]:
    """The hotspot chart of the dashboard's evaluation run: the place, its buffer ring and
    its comparison areas (on the place's scale before designation, as the report draws
    them) per anchored month, the dose per month, and the run with its parameters."""
    try:
        return pages_wf.hotspot_chart(workspace(request), hotspot_id, lang=lang)
    except KeyError as exc:
        raise _not_found(exc) from None


@router.get("/hotspots/{hotspot_id}/layers", tags=["hotspots"])
def hotspot_layers(
    hotspot_id: HotspotId,
    request: Request,
    principal: Principal = Depends(require("aggregates.read")),
) -> dict[str, Any]:
    """The hotspot page's map (WGS84 GeoJSON): perimeter, buffer rings, neighbouring
    perimeters and comparison cells, each feature with ``kind`` and ``name``."""
    try:
        return pages_wf.hotspot_layers(workspace(request), hotspot_id)
    except KeyError as exc:
        raise _not_found(exc) from None


@router.get("/strategy/table", tags=["results"])
def strategy_table(
    request: Request,
    principal: Principal = Depends(expensive("aggregates.read")),
    lang: Lang = Query("en", description="language of the labels"),
) -> dict[str, Any]:
    """The strategy page's table from the dashboard's evaluation run: per place the rate
    ratio with its interval and its adjusted interval, p and adjusted p (FDR), WDQ, the
    minimum detectable ratio, the verdict and the buffer's verdict; the run and its
    parameters."""
    try:
        return pages_wf.strategy_table(workspace(request), lang=lang)
    except web_wf.NotComputedError as exc:
        raise HTTPException(404, detail=str(exc)) from None


def _may_log(principal: Principal, props: dict[str, Any]) -> bool:
    if principal.role == REGIONAL:
        return True
    if principal.role == PARTNER:
        return props["name"] in principal.hotspots
    if principal.role == ZONE:
        return hotspot_in_zones(props.get("zone"), principal.zones)
    return False


class ActionIn(BaseModel):
    """A prevention action that took place at a hotspot (``NaN``/``Infinity`` refused)."""

    model_config = ConfigDict(allow_inf_nan=False)

    occurred_on: dt.date
    kind: Literal[
        "outreach",
        "peacekeeper_patrol",
        "lighting",
        "cleaning",
        "social_support",
        "meeting",
        "other",
    ]
    description: str | None = Field(default=None, max_length=2000)
    hours: float | None = Field(default=None, ge=0, le=10_000, allow_inf_nan=False)
    contacts: int | None = Field(default=None, ge=0, le=1_000_000)


@router.get("/hotspots/{hotspot_id}/actions", tags=["prevention"])
def list_actions(
    hotspot_id: HotspotId,
    request: Request,
    principal: Principal = Depends(require("aggregates.read")),
) -> list[dict[str, Any]]:
    """Prevention actions logged at a hotspot, newest first.

    ``recorded_by`` is shown to partners only on the actions they logged themselves.
    """
    _hotspot_or_404(request, hotspot_id)
    rows = web_wf.list_prevention_actions(workspace(request), hotspot_id)
    if principal.role == PARTNER:  # partners see who logged an action only for their own
        rows = [
            r if r.get("recorded_by") == principal.username else {**r, "recorded_by": None}
            for r in rows
        ]
    return rows


@router.post("/hotspots/{hotspot_id}/actions", tags=["prevention"], status_code=201)
def log_action(
    hotspot_id: HotspotId,
    body: ActionIn,
    request: Request,
    principal: Principal = Depends(require("actions.write")),
) -> dict[str, Any]:
    """Log a prevention action (partners: assigned hotspots; zone analysts: their zones)."""
    feat = _hotspot_or_404(request, hotspot_id)
    if not _may_log(principal, feat["properties"]):
        audit(request, principal, "access.denied", detail={"hotspot_id": hotspot_id})
        raise HTTPException(403, detail="this hotspot is not assigned to you")
    try:
        row = web_wf.log_prevention_action(
            workspace(request),
            hotspot_id=hotspot_id,
            occurred_on=body.occurred_on,
            kind=body.kind,
            description=body.description,
            hours=body.hours,
            contacts=body.contacts,
            recorded_by=principal.username,
        )
    except ValueError as exc:
        raise HTTPException(422, detail=str(exc)) from None
    audit(
        request,
        principal,
        "action.create",
        rows=1,
        detail={"hotspot_id": hotspot_id, "action_id": row["action_id"], "kind": body.kind},
    )
    return row


@router.get("/results/gistar/cells", tags=["results"])
def gistar_cells(
    request: Request, principal: Principal = Depends(require("aggregates.read"))
) -> dict[str, Any]:
    """Gi* hot and cold cells of the renewal report's Gi* run as GeoJSON (with its run)."""
    try:
        return web_wf.gistar_cells(workspace(request))
    except web_wf.NotComputedError as exc:
        raise HTTPException(404, detail=str(exc)) from None


@router.get("/results/incidents", tags=["results"])
def incidents(
    request: Request,
    principal: Principal = Depends(expensive("aggregates.read")),
    lang: Lang = Query("en", description="language of the sentence"),
) -> dict[str, Any]:
    """Recent incidents in context (the strategy page): the renewal report's run for the
    review day, its provenance and its sentence in ``lang``.

    Roles without event access get counts below ``disclosure_k`` withheld (``suppressed``).
    """
    try:
        return web_wf.incidents_view(
            workspace(request), lang=lang, event_access=allowed(principal.role, "events.read")
        )
    except web_wf.NotComputedError as exc:
        raise HTTPException(404, detail=str(exc)) from None


@router.get("/results/{name}", tags=["results"])
def result(
    name: ResultName,
    request: Request,
    principal: Principal = Depends(expensive("aggregates.read")),
    lang: Lang = Query("en", description="language of verdict sentences"),
) -> dict[str, Any]:
    """The run a view shows (the renewal report's for the review day), with its provenance.

    Computed and stored when no stored run matches its kind, parameters and the current
    data and config; 404 when it cannot be computed on this workspace.
    """
    try:
        return web_wf.result_view(workspace(request), name, lang=lang)
    except web_wf.NotComputedError as exc:
        raise HTTPException(404, detail=str(exc)) from None


@router.get("/alerts/near-repeat", tags=["events"])
def near_repeat_alerts(
    request: Request, principal: Principal = Depends(expensive("events.read"))
) -> dict[str, Any]:
    """Current near-repeat alerts (event-level; a zone analyst sees those in their zones).

    Read from the alerts run of the report's Knox table (``run`` names it).
    """
    ws = workspace(request)
    within = web_wf.zone_geometry(ws, principal.zones) if principal.role == ZONE else None
    try:
        run, alerts = web_wf.near_repeat_alerts(ws, within=within)
    except web_wf.NotComputedError as exc:
        raise HTTPException(404, detail=str(exc)) from None
    meta = web_wf.provenance(run)
    audit(request, principal, "alerts.read", rows=len(alerts), detail={"run_id": meta["run"]})
    return {
        "run_id": meta["run"],
        "run": meta,
        "created_at": meta["created_at"],
        "as_of": run.result.as_of.isoformat() if run.result.as_of else None,
        "alerts": alerts,
    }


def reports_dir(ws: Any, public: bool) -> Path:
    """``<workspace>/reports`` (council) or ``<workspace>/reports/public``."""
    base = Path(ws.path) / "reports"
    return base / "public" if public else base


def list_reports(folder: Path) -> list[dict[str, Any]]:
    """Report files in ``folder`` (not recursive), newest first."""
    if not folder.is_dir():
        return []
    files = [p for p in folder.iterdir() if p.is_file() and p.suffix.lower() in REPORT_SUFFIXES]
    files.sort(key=lambda p: p.stat().st_mtime, reverse=True)
    return [
        {
            "name": p.name,
            "bytes": p.stat().st_size,
            "modified": dt.datetime.fromtimestamp(p.stat().st_mtime, dt.UTC).isoformat(),
        }
        for p in files
    ]


def report_file(folder: Path, name: str) -> Path:
    """The report ``name`` inside ``folder`` (404 for anything else, traversal included)."""
    if not _REPORT_NAME.match(name) or Path(name).suffix.lower() not in REPORT_SUFFIXES:
        raise HTTPException(404, detail=f"no report {name!r}")
    path = folder / name
    if not path.is_file() or path.resolve().parent != folder.resolve():
        raise HTTPException(404, detail=f"no report {name!r}")
    return path


@router.get("/reports", tags=["reports"])
def reports(
    request: Request, principal: Principal = Depends(require("reports.read"))
) -> list[dict[str, Any]]:
    """Council reports in ``<workspace>/reports``."""
    return list_reports(reports_dir(workspace(request), public=False))


@router.get("/reports/{name}", tags=["reports"], response_class=FileResponse)
def report_download(
    name: str, request: Request, principal: Principal = Depends(require("reports.read"))
) -> FileResponse:
    """Download a council report (audited)."""
    path = report_file(reports_dir(workspace(request), public=False), name)
    audit(request, principal, "report.download", rows=1, detail={"report": name})
    return FileResponse(path, filename=name)


# CSV, GeoJSON and PNG exports of the views above (same capabilities, audited)
router.include_router(exports.router)

__all__ = ["list_reports", "parse_bbox", "report_file", "reports_dir", "router"]
