"""``hotspotwatch serve``: the web dashboard and API on the workspace's database."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Annotated, Any

import typer

from hotspotwatch.cli._common import DatabaseUrlOpt, WorkspaceOpt, console, fail


def uvicorn_options(web: Mapping[str, Any]) -> dict[str, Any]:
    """uvicorn's proxy-header settings (:func:`hotspotwatch.web.app.proxy_options`)."""
    from hotspotwatch.web.app import proxy_options

    return proxy_options(web)


def register(app: typer.Typer) -> None:
    """Add ``serve`` to the root app."""

    @app.command("serve")
    def serve(
        workspace: WorkspaceOpt = Path("."),
        host: Annotated[
            str, typer.Option(help="Interface to listen on (loopback by default).")
        ] = "127.0.0.1",
        port: Annotated[int, typer.Option(min=1, max=65535, help="TCP port.")] = 8765,
        database_url: DatabaseUrlOpt = None,
    ) -> None:
        """Serve the dashboard (map, hotspots, strategy, public page) and the API /api/v1."""
        import uvicorn

        from hotspotwatch.cli.backup import open_sound
        from hotspotwatch.web import create_app
        from hotspotwatch.workflows.users import list_users
        from hotspotwatch.workflows.web import offered_kinds

        ws = open_sound(workspace, database_url)  # PRAGMA quick_check: refuse a damaged store
        try:
            offered_kinds(ws.config.web)  # a wrong [web] prevention_kinds: say so before serving
        except ValueError as exc:
            ws.close()
            from rich.markup import escape

            fail(escape(f"hotspotwatch.toml: {exc}"))
        if not list_users(ws):
            console.print(
                "[yellow]No users yet:[/] only the public page works. Add one with "
                f"[cyan]hotspotwatch user add NAME --role regional_analyst --password-stdin -w {ws.path}[/]"
            )
        console.print(f"Serving {ws.config.name} on [bold]http://{host}:{port}/[/] (Ctrl+C stops)")
        try:
            uvicorn.run(
                create_app(ws),
                host=host,
                port=port,
                log_level="warning",
                access_log=False,
                **uvicorn_options(ws.config.web),
            )
        finally:
            ws.close()
