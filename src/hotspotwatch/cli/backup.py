"""``hotspotwatch backup DIR`` and ``hotspotwatch restore DIR``: on a live workspace too."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from hotspotwatch.cli._common import DatabaseUrlOpt, WorkspaceOpt, console, fail, open_workspace


def open_sound(path: Path | str, database_url: str | None = None) -> Any:
    """Open the workspace and check its store; a damaged store fails with one line.

    The line names the file and how to restore it (never a traceback or "this is a bug").
    """
    from hotspotwatch.config import SQLITE_FILE
    from hotspotwatch.workflows import backup as backup_wf

    try:
        ws = open_workspace(path, database_url)
    except Exception as exc:
        if not backup_wf.is_damage(exc):
            raise
        where = (database_url and "database") or str(Path(path) / SQLITE_FILE)
        fail(backup_wf.damaged_message(where, path, str(getattr(exc, "orig", None) or exc)))
    try:
        backup_wf.require_sound(ws)
    except backup_wf.StoreDamaged as exc:
        ws.close()
        fail(str(exc))
    return ws


def register(app: typer.Typer) -> None:
    """Add ``backup`` and ``restore`` to the root app."""

    @app.command("backup")
    def backup(
        folder: Annotated[Path, typer.Argument(help="Folder to write the backup into.")],
        workspace: WorkspaceOpt = Path("."),
        database_url: DatabaseUrlOpt = None,
    ) -> None:
        """Back up the store (SQLite online backup API or pg_dump) and the config."""
        from hotspotwatch.workflows import backup as backup_wf

        ws = open_sound(workspace, database_url)
        try:
            info = backup_wf.backup(ws, folder)
        except (OSError, RuntimeError) as exc:
            fail(f"backup failed: {exc}")
        finally:
            ws.close()
        console.print(f"Backed up {info.backend} store to [bold]{info.folder}[/] ({', '.join(info.files)})")

    @app.command("restore")
    def restore(
        folder: Annotated[Path, typer.Argument(help="A folder written by `hotspotwatch backup`.")],
        workspace: WorkspaceOpt = Path("."),
        database_url: DatabaseUrlOpt = None,
    ) -> None:
        """Write a backup back into the workspace (its store may be damaged)."""
        from hotspotwatch.workflows import backup as backup_wf

        try:
            backend = backup_wf.restore(workspace, folder, database_url=database_url)
        except (OSError, RuntimeError) as exc:
            fail(f"restore failed: {exc}")
        ws = open_sound(workspace, database_url)
        ws.close()
        console.print(f"Restored the {backend} store of {workspace} from [bold]{folder}[/]")
