"""The FastAPI application factory and the blocking ``serve`` entry point."""

from __future__ import annotations

import os
from collections.abc import Mapping
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Any

from fastapi import FastAPI, HTTPException, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import FileResponse, JSONResponse
from fastapi.staticfiles import StaticFiles
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from hotspotwatch import __version__
from hotspotwatch.web.errors import ERROR_RESPONSES
from hotspotwatch.web.limits import BodyLimit, limiter_for
from hotspotwatch.web.routers import account, data, dose, pages, public

if TYPE_CHECKING:
    from hotspotwatch.workspace import Workspace

API = "/api/v1"
MAPLIBRE_FILES = (
    "maplibre-gl.js",
    "maplibre-gl.css",
    "maplibre-gl-csp.js",
    "maplibre-gl-csp-worker.js",
)


def node_modules() -> Path | None:
    """The ``node_modules`` folder holding MapLibre GL JS (``make install`` puts it there).

    Looked up in ``$HOTSPOTWATCH_NODE_MODULES``, then upwards from this package (editable
    install in the repository), then from the current folder.
    """
    env = os.environ.get("HOTSPOTWATCH_NODE_MODULES")
    candidates = [Path(env)] if env else []
    here = Path(__file__).resolve()
    candidates += [p / "node_modules" for p in here.parents]
    candidates += [p / "node_modules" for p in [Path.cwd(), *Path.cwd().parents]]
    for c in candidates:
        if (c / "maplibre-gl" / "dist" / "maplibre-gl.js").is_file():
            return c
    return None


def _csp(tile_url: str | None) -> str:
    tiles = ""
    if tile_url:
        from urllib.parse import urlsplit

        parts = urlsplit(tile_url.replace("{", "").replace("}", ""))
        if parts.scheme in ("http", "https") and parts.netloc:
            tiles = f" {parts.scheme}://{parts.netloc}"
    return (
        "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
        f"img-src 'self' data: blob:{tiles}; connect-src 'self'{tiles}; "
        "worker-src 'self' blob:; child-src 'self' blob:; frame-ancestors 'none'; "
        "base-uri 'none'; form-action 'self'"
    )


class SecurityHeaders:
    """Pure ASGI middleware adding security headers to every HTTP response.

    ``nosniff``, ``DENY`` framing, no referrer and the Content-Security-Policy everywhere;
    ``Cache-Control: no-store`` on API responses that set no caching themselves. Written
    against ASGI directly rather than with ``@app.middleware("http")``, whose per-request
    task and stream cost about a millisecond under load.
    """

    def __init__(self, app: ASGIApp, csp: str) -> None:
        self.app = app
        self.always = [
            (b"x-content-type-options", b"nosniff"),
            (b"x-frame-options", b"DENY"),
            (b"referrer-policy", b"no-referrer"),
            (b"content-security-policy", csp.encode("latin-1")),
        ]

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        api = str(scope.get("path", "")).startswith(API)

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                present = {k.lower() for k, _ in headers}
                headers += [(k, v) for k, v in self.always if k not in present]
                if api and b"cache-control" not in present:
                    headers.append((b"cache-control", b"no-store"))
                message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, receive, send_with_headers)


def _clean(value: Any) -> Any:
    """A string safe to encode as UTF-8 JSON (lone surrogates replaced)."""
    if isinstance(value, str):
        return value.encode("utf-8", "replace").decode("utf-8")
    return value if isinstance(value, int) else str(value)


async def validation_error(request: Request, exc: Exception) -> JSONResponse:
    """422 body ``{"detail": [{"type", "loc", "msg"}, ...]}`` without the rejected ``input``.

    Echoing the input made unserialisable values (``NaN``, ``1e400``, a lone surrogate)
    crash the handler with a 500, and echoes whatever was sent (a password) back.
    """
    errors = exc.errors() if isinstance(exc, RequestValidationError) else []
    detail = [
        {
            "type": _clean(e.get("type", "value_error")),
            "loc": [_clean(p) for p in e.get("loc", ())],
            "msg": _clean(e.get("msg", "invalid value")),
        }
        for e in errors
    ]
    return JSONResponse(status_code=422, content={"detail": detail})


def create_app(workspace: Workspace) -> FastAPI:
    """Build the dashboard and API for an open workspace.

    Parameters
    ----------
    workspace : Workspace
        The workspace (SQLite or PostgreSQL) the app reads and writes.

    Returns
    -------
    FastAPI
        API under ``/api/v1`` (OpenAPI at ``/api/v1/openapi.json``), pages at ``/map``,
        ``/strategy``, ``/hotspots/{id}``, ``/public``, ``/login``, static files at
        ``/static`` and MapLibre GL JS at ``/vendor/maplibre-gl/``.

    Examples
    --------
    >>> import tempfile
    >>> from fastapi.testclient import TestClient
    >>> from hotspotwatch import Workspace
    >>> app = create_app(Workspace.create(tempfile.mkdtemp()))
    >>> TestClient(app).get("/api/v1/health").json()["status"]
    'ok'
    """
    app = FastAPI(
        title="HotspotWatch API",
        version=__version__,
        description=(
            "Hotspots, analysis results and (by role) event-level data of a HotspotWatch "
            "workspace. Log in with POST /api/v1/auth/login; send the token as "
            "`Authorization: Bearer`. Public routes under /api/v1/public need no login."
        ),
        openapi_url=f"{API}/openapi.json",
        docs_url=f"{API}/docs",
        redoc_url=None,
    )
    app.state.workspace = workspace
    app.state.limiter = limiter_for(workspace.config.web)
    app.add_exception_handler(RequestValidationError, validation_error)
    app.include_router(public.router, prefix=API, responses=ERROR_RESPONSES)
    app.include_router(account.router, prefix=API, responses=ERROR_RESPONSES)
    app.include_router(data.router, prefix=API, responses=ERROR_RESPONSES)
    app.include_router(dose.router, prefix=API, responses=ERROR_RESPONSES)
    app.include_router(pages.router)
    app.mount(
        "/static",
        StaticFiles(directory=str(resources.files("hotspotwatch.web") / "static")),
        name="static",
    )
    csp = _csp(workspace.config.web.get("tile_url"))

    @app.get("/vendor/maplibre-gl/{name}", include_in_schema=False)
    def maplibre(name: str) -> FileResponse:
        if name not in MAPLIBRE_FILES:
            raise HTTPException(404, detail="not found")
        nm = node_modules()
        if nm is None:
            raise HTTPException(
                404, detail="MapLibre GL JS is not installed; run `make install` (npm ci)"
            )
        return FileResponse(
            nm / "maplibre-gl" / "dist" / name, headers={"Cache-Control": "max-age=86400"}
        )

    app.add_middleware(
        BodyLimit, max_bytes=int(workspace.config.web.get("max_body_kb", 64)) * 1024
    )
    app.add_middleware(SecurityHeaders, csp=csp)
    return app


def proxy_options(web: Mapping[str, Any]) -> dict[str, Any]:
    """uvicorn settings for proxy headers from the ``[web]`` table of the config.

    ``X-Forwarded-For`` / ``X-Forwarded-Proto`` are ignored (the caller's address is the
    TCP peer: it goes into the audit log and the login throttle) unless
    ``[web] trusted_proxies = ["10.0.0.2", ...]`` names the reverse proxies whose headers
    may be believed; only headers sent by those addresses are then used.
    """
    trusted = web.get("trusted_proxies") or []
    if isinstance(trusted, str):
        trusted = [trusted]
    proxies = [str(p).strip() for p in trusted if str(p).strip()]
    if not proxies:
        return {"proxy_headers": False, "forwarded_allow_ips": ""}
    return {"proxy_headers": True, "forwarded_allow_ips": ",".join(proxies)}


def serve(
    workspace_path: str | os.PathLike[str], host: str = "127.0.0.1", port: int = 8765
) -> None:
    """Open the workspace and serve the dashboard until interrupted (blocking).

    Parameters
    ----------
    workspace_path : path-like
        Workspace folder.
    host : str
        Interface to listen on (default loopback only).
    port : int
        TCP port.
    """
    import uvicorn

    from hotspotwatch.workspace import Workspace

    ws = Workspace.open(workspace_path)
    try:
        uvicorn.run(
            create_app(ws),
            host=host,
            port=port,
            log_level="info",
            access_log=False,
            **proxy_options(ws.config.web),
        )
    finally:
        ws.close()


__all__: list[Any] = ["create_app", "node_modules", "proxy_options", "serve"]
