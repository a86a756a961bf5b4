"""Public routes: no login, aggregated and disclosure-controlled, never an event point.

Counts below the workspace's ``disclosure_k`` (zero included) are ``null``. To keep counts
from being recovered by differencing, the public grid has one cell size and one time
partition (calendar years, and all years), protected by complementary suppression
(:func:`hotspotwatch.domain.disclosure.protect_table`), and the region-wide series one
partition (calendar months). Places come in alphabetical order with no count of their own;
the rare serious categories only region-wide (issue 17).
"""

from __future__ import annotations

import time
from typing import Any, Literal

from fastapi import APIRouter, HTTPException, Query, Request, Response
from fastapi.responses import FileResponse

from hotspotwatch import __version__
from hotspotwatch.i18n import LANGUAGES
from hotspotwatch.web.auth import workspace
from hotspotwatch.web.routers.data import list_reports, report_file, reports_dir
from hotspotwatch.web.texts import interface_texts
from hotspotwatch.workflows import backup as backup_wf
from hotspotwatch.workflows import web as web_wf
from hotspotwatch.workflows.web import public as public_wf
from hotspotwatch.workspace import WorkspaceError

router = APIRouter()

PUBLIC_CELL_M = web_wf.PUBLIC_CELL_M


_HEALTH_TTL_S = 60.0


@router.get(
    "/health",
    tags=["public"],
    responses={503: {"description": "the store failed its integrity check"}},
)
def health(request: Request, response: Response) -> dict[str, str]:
    """Liveness probe with the store's integrity check (``PRAGMA quick_check`` on SQLite,
    re-run at most every minute); 503 when the store is damaged."""
    state = request.app.state
    held = getattr(state, "store_check", None)
    now = time.monotonic()
    if held is None or now - held[0] >= _HEALTH_TTL_S:
        try:
            problems = backup_wf.check_store(workspace(request))
        except Exception as exc:  # a damaged page can fail the check itself
            problems = [str(exc).splitlines()[0]]
        held = state.store_check = (now, problems)
    if held[1]:
        response.status_code = 503
        return {"status": "damaged", "version": __version__, "store": held[1][0][:300]}
    return {"status": "ok", "version": __version__, "store": "ok"}


@router.get("/i18n/{lang}", tags=["public"])
def strings(lang: str, request: Request) -> dict[str, str]:
    """Interface texts (``web.*``, ``common.*`` and ``evaluate.*`` keys) in ``en``, ``fr`` or
    ``nl``, without the prevention-log kinds the workspace does not offer."""
    if lang not in LANGUAGES:
        raise HTTPException(404, detail=f"no language {lang!r}; use one of {', '.join(LANGUAGES)}")
    return interface_texts(lang, workspace(request).config)


@router.get("/public/config", tags=["public"])
def public_config(request: Request) -> dict[str, Any]:
    """Workspace name, disclosure k, years with data, optional basemap tile URL."""
    ws = workspace(request)
    tile_url = ws.config.web.get("tile_url")
    months = web_wf.all_months(ws, role="harm")
    return {
        "months": months,
        "name": ws.config.name,
        "k": ws.config.disclosure_k,
        "years": sorted({int(m[:4]) for m in months}),
        "tile_url": str(tile_url) if tile_url else None,
        "tile_attribution": str(ws.config.web.get("tile_attribution", "")) or None,
        "languages": list(LANGUAGES),
        "public_cell_size": PUBLIC_CELL_M,
    }


@router.get("/public/grid", tags=["public"])
def public_grid(
    request: Request,
    year: int | None = Query(None, ge=1900, le=2200, description="calendar year; default all"),
) -> dict[str, Any]:
    """Harm events per 500 m cell in a calendar year or all years.

    Counts below k are null, and so are the counts that would let one be recovered by
    differencing (one year against all years, or against the public monthly series).
    """
    ws = workspace(request)
    try:
        return web_wf.public_grid(ws, role="harm", year=year)
    except WorkspaceError as exc:
        raise HTTPException(404, detail=str(exc)) from None


@router.get("/public/monthly", tags=["public"])
def public_monthly(request: Request) -> dict[str, Any]:
    """Region-wide harm events per calendar month (counts below k are null)."""
    return web_wf.public_monthly(workspace(request), role="harm")


@router.get("/public/hotspots", tags=["public"])
def public_hotspots(
    request: Request,
    lang: Literal["en", "fr", "nl"] = Query("en", description="language of the sentences"),
) -> dict[str, Any]:
    """Designated places (public decisions) in alphabetical order: verdict, one sentence and
    the change in harm per month after designation (``index_after``, before = 100; null
    when a count is below k or the verdict is too early or uncertain). No count per place."""
    return public_wf.public_hotspots(workspace(request), lang=lang)


@router.get("/public/rare", tags=["public"])
def public_rare(
    request: Request,
    lang: Literal["en", "fr", "nl"] = Query("en", description="language of the labels"),
) -> dict[str, Any]:
    """The rare serious categories (``[public] rare_categories``) region-wide per complete
    calendar year, with totals; counts below k and their complements null."""
    return public_wf.public_rare(workspace(request), lang=lang)


@router.get("/public/strategy", tags=["public"])
def public_strategy(
    request: Request,
    lang: Literal["en", "fr", "nl"] = Query("en", description="language of the sentence"),
) -> dict[str, Any]:
    """The strategy as a whole: one sentence, and total staff-hours and cost (``resources``,
    null without resource records)."""
    return public_wf.public_strategy(workspace(request), lang=lang)


@router.get("/public/evaluation", tags=["public"])
def public_evaluation(
    request: Request,
    lang: Literal["en", "fr", "nl"] = Query("en", description="language of verdict sentences"),
) -> dict[str, Any]:
    """Per-place verdicts and the pooled estimate (estimates, not counts), with the run: no
    p-value, WDQ, WDD or I² (the public version, issue 17)."""
    try:
        return web_wf.public_evaluation(workspace(request), lang=lang)
    except web_wf.NotComputedError as exc:
        raise HTTPException(404, detail=str(exc)) from None


@router.get("/public/reports", tags=["public"])
def public_reports(request: Request) -> list[dict[str, Any]]:
    """Public reports in ``<workspace>/reports/public``."""
    return list_reports(reports_dir(workspace(request), public=True))


@router.get("/public/reports/{name}", tags=["public"], response_class=FileResponse)
def public_report(name: str, request: Request) -> FileResponse:
    """Download a public report."""
    return FileResponse(
        report_file(reports_dir(workspace(request), public=True), name), filename=name
    )
