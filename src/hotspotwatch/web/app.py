"""The FastAPI application factory and the blocking ``serve`` entry point."""

from __future__ import annotations

import os
from collections.abc import Awaitable, Callable
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Any

from fastapi import FastAPI, HTTPException, Request, Response
from fastapi.responses import FileResponse
from fastapi.staticfiles import StaticFiles

from hotspotwatch import __version__
from hotspotwatch.web.routers import account, data, pages, public

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
    app.include_router(public.router, prefix=API)
    app.include_router(account.router, prefix=API)
    app.include_router(data.router, prefix=API)
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

    @app.middleware("http")
    async def security_headers(
        request: Request, call_next: Callable[[Request], Awaitable[Response]]
    ) -> Response:
        response = await call_next(request)
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("X-Frame-Options", "DENY")
        response.headers.setdefault("Referrer-Policy", "no-referrer")
        response.headers.setdefault("Content-Security-Policy", csp)
        if request.url.path.startswith(API) and "cache-control" not in response.headers:
            response.headers["Cache-Control"] = "no-store"
        return response

    return app


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
        uvicorn.run(create_app(ws), host=host, port=port, log_level="info", access_log=False)
    finally:
        ws.close()


__all__: list[Any] = ["create_app", "node_modules", "serve"]
