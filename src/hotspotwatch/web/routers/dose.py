"""Presence and resources of a hotspot (issue 18): activity, not results.

- ``GET /hotspots/{id}/presence``: minutes of presence per week and unit type (any
  authenticated role: an aggregate, the renewal report's ``dose.presence`` run);
- ``GET /hotspots/{id}/resources``: the place's resource records, and whether the caller may
  enter some (``can_enter``);
- ``POST /hotspots/{id}/resources``: enter one record (``resources.write``: an admin, or a
  partner for the places assigned to them; audited as ``resources.write``, refusals as
  ``access.denied``). The record passes the rules of ``hotspotwatch import resources``.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, HTTPException, Request
from fastapi import Path as FPath
from pydantic import BaseModel, ConfigDict, Field

from hotspotwatch.web.auth import Principal, audit, require, workspace
from hotspotwatch.web.policy import PARTNER, allowed
from hotspotwatch.workflows import web as web_wf
from hotspotwatch.workflows.web import dose as dose_wf

router = APIRouter()
HotspotId = Annotated[int, FPath(ge=1, le=2**63 - 1, description="hotspot id")]


def _hotspot(request: Request, hotspot_id: int) -> dict[str, Any]:
    try:
        return web_wf.hotspot_record(workspace(request), hotspot_id)
    except KeyError as exc:
        raise HTTPException(404, detail=str(exc.args[0]) if exc.args else "not found") from None


def may_enter_resources(principal: Principal, hotspot_name: str) -> bool:
    """Admins for every place, partners for the places assigned to them, nobody else."""
    if not allowed(principal.role, "resources.write"):
        return False
    if principal.role == PARTNER:
        return hotspot_name in principal.hotspots
    return True


@router.get("/hotspots/{hotspot_id}/presence", tags=["dose"])
def hotspot_presence(
    hotspot_id: HotspotId,
    request: Request,
    principal: Principal = Depends(require("aggregates.read")),
) -> dict[str, Any]:
    """Minutes of presence per week and unit type at the hotspot (activity, not results),
    from the ``dose.presence`` run for the dashboard's review day (``run`` names it)."""
    name = _hotspot(request, hotspot_id)["properties"]["name"]
    return dose_wf.presence_view(workspace(request), name)


class ResourceIn(BaseModel):
    """One resource record: staff-hours and cost of one kind over a period (days inclusive)."""

    model_config = ConfigDict(allow_inf_nan=False)

    start: dt.date
    end: dt.date
    kind: Literal["police", "prevention", "liveability", "other"]
    staff_hours: float | None = Field(default=None, ge=0, le=1e9, allow_inf_nan=False)
    cost: float | None = Field(default=None, ge=0, le=1e12, allow_inf_nan=False)
    source: str = Field(min_length=1, max_length=300)


@router.get("/hotspots/{hotspot_id}/resources", tags=["dose"])
def hotspot_resources(
    hotspot_id: HotspotId,
    request: Request,
    principal: Principal = Depends(require("aggregates.read")),
) -> dict[str, Any]:
    """The hotspot's resource records and whether the caller may enter one."""
    name = _hotspot(request, hotspot_id)["properties"]["name"]
    ws = workspace(request)
    return {
        "hotspot": name,
        "currency": ws.config.currency,
        "records": dose_wf.resource_rows(ws, name),
        "can_enter": may_enter_resources(principal, name),
        "kinds": list(dose_wf.RESOURCE_KINDS),
    }


@router.post("/hotspots/{hotspot_id}/resources", tags=["dose"], status_code=201)
def enter_resources(
    hotspot_id: HotspotId,
    body: ResourceIn,
    request: Request,
    principal: Principal = Depends(require("resources.write")),
) -> dict[str, Any]:
    """Enter one resource record (admin; partner for its own places); audited."""
    name = _hotspot(request, hotspot_id)["properties"]["name"]
    if not may_enter_resources(principal, name):
        audit(request, principal, "access.denied", detail={"hotspot_id": hotspot_id})
        raise HTTPException(403, detail="this hotspot is not assigned to you")
    try:
        out = dose_wf.enter_resource(
            workspace(request),
            hotspot=name,
            start=body.start,
            end=body.end,
            kind=body.kind,
            staff_hours=body.staff_hours,
            cost=body.cost,
            source=body.source,
            user=principal.username,
        )
    except ValueError as exc:
        raise HTTPException(422, detail=str(exc)) from None
    audit(
        request,
        principal,
        "resources.write",
        rows=1,
        detail={
            "hotspot_id": hotspot_id,
            "hotspot": name,
            "import_id": out["import_id"],
            "inserted": out["inserted"],
            "updated": out["updated"],
            **body.model_dump(mode="json"),
        },
    )
    return out


__all__ = ["ResourceIn", "may_enter_resources", "router"]
