"""Server-rendered page shells (Jinja2); the data come from the API through vanilla JS.

The language is taken from ``?lang=`` (remembered in the ``hw_lang`` cookie), else the
cookie, else the browser's ``Accept-Language``, else English.
"""

from __future__ import annotations

import json
from importlib import resources
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from jinja2 import Environment, FileSystemLoader, select_autoescape

from hotspotwatch import __version__
from hotspotwatch.i18n import LANGUAGES, translate
from hotspotwatch.web.texts import interface_texts, zone_borders_label
from hotspotwatch.workflows.web import offered_kinds

router = APIRouter(include_in_schema=False)
LANG_COOKIE = "hw_lang"

_env = Environment(
    loader=FileSystemLoader(str(resources.files("hotspotwatch.web") / "templates")),
    autoescape=select_autoescape(["html"]),
)


def pick_language(request: Request) -> str:
    """The page language (see the module docstring)."""
    asked = request.query_params.get("lang")
    if asked in LANGUAGES:
        return asked
    cookie = request.cookies.get(LANG_COOKIE)
    if cookie in LANGUAGES:
        return cookie
    for part in request.headers.get("accept-language", "").split(","):
        code = part.split(";")[0].strip().lower()[:2]
        if code in LANGUAGES:
            return code
    return "en"


def render(request: Request, template: str, **context: Any) -> Response:
    """Render a page in the caller's language."""
    lang = pick_language(request)
    ws = request.app.state.workspace
    texts = interface_texts(lang, ws.config)
    html = _env.get_template(template).render(
        lang=lang,
        languages=LANGUAGES,
        t=lambda key, **p: translate(key, lang, **p),
        texts_json=json.dumps(texts, ensure_ascii=False).replace("</", "<\\/"),
        prevention_kinds=offered_kinds(ws.config.web),
        zone_borders=zone_borders_label(lang, ws.config),
        version=__version__,
        workspace_name=ws.config.workspace_name(lang),
        path=request.url.path,
        **context,
    )
    resp = HTMLResponse(html)
    if request.query_params.get("lang") in LANGUAGES:
        resp.set_cookie(LANG_COOKIE, lang, max_age=365 * 86400, samesite="strict", path="/")
    return resp


@router.get("/")
def index() -> RedirectResponse:
    """Start on the public page."""
    return RedirectResponse("/public", status_code=307)


@router.get("/login")
def login_page(request: Request) -> Response:
    """Login form."""
    return render(request, "login.html", page="login")


@router.get("/map")
def map_page(request: Request) -> Response:
    """Map: the events layer (points or cells) with its filters and legends, hotspots, zones, Gi*."""
    return render(request, "map.html", page="map")


@router.get("/strategy")
def strategy_page(request: Request) -> Response:
    """Pooled verdict and table of hotspots."""
    return render(request, "strategy.html", page="strategy")


@router.get("/hotspots/{hotspot_id}")
def hotspot_page(request: Request, hotspot_id: int) -> Response:
    """One hotspot: trend, verdict, dose and prevention, decisions."""
    return render(request, "hotspot.html", page="hotspot", hotspot_id=hotspot_id)


@router.get("/public")
def public_page(request: Request) -> Response:
    """Public page: aggregated, disclosure-controlled."""
    return render(request, "public.html", page="public")
