"""Backup, restore and the integrity check of a workspace's store (live workspaces too).

``backup(ws, folder)`` writes ``folder/hotspotwatch.sqlite`` (SQLite online backup API) or
``folder/hotspotwatch.pgdump`` (``pg_dump``), and a copy of ``hotspotwatch.toml``;
``restore(path, folder)`` writes them back. Neither stops the server: SQLite's backup API
copies a consistent snapshot while others write, PostgreSQL's tools work on a live server.
"""

from __future__ import annotations

import datetime as dt
import json
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from hotspotwatch.config import CONFIG_FILE, SQLITE_FILE, Config
from hotspotwatch.store import backup as backup_store

if TYPE_CHECKING:
    from hotspotwatch.workspace import Workspace

PG_FILE = "hotspotwatch.pgdump"
MANIFEST = "backup.json"


class StoreDamaged(Exception):
    """The store failed its integrity check (the message names the file and the fix)."""


@dataclass(frozen=True)
class BackupInfo:
    """What a backup wrote."""

    folder: Path
    files: tuple[str, ...]
    backend: str
    created_at: str


def damaged_message(where: str, workspace: Path | str, problem: str) -> str:
    """The one-line message for a damaged store: which file, what, and how to restore."""
    first = problem.strip().splitlines()[0] if problem.strip() else "unreadable"
    return (
        f"the store {where} is damaged ({first}); restore it from a backup with "
        f"`hotspotwatch restore BACKUP_DIR -w {workspace}` (made by `hotspotwatch backup DIR`)"
    )


def is_damage(exc: BaseException) -> bool:
    """Whether an error opening a workspace means its store file is damaged."""
    return backup_store.is_damage(exc)


def check_store(ws: Workspace) -> list[str]:
    """``PRAGMA quick_check`` (SQLite) of the workspace's store; empty when sound."""
    return backup_store.quick_check(ws.engine)


def require_sound(ws: Workspace) -> None:
    """Raise :class:`StoreDamaged` with :func:`damaged_message` if the check fails."""
    try:
        problems = check_store(ws)
    except Exception as exc:  # a damaged page can fail the check itself
        problems = [str(exc)]
    if problems:
        where = str(backup_store.sqlite_path(ws.engine) or "database")
        raise StoreDamaged(damaged_message(where, ws.path, "; ".join(problems)))


def backup(ws: Workspace, folder: Path | str) -> BackupInfo:
    """Back the workspace's store and config up into ``folder`` (created)."""
    out = Path(folder)
    out.mkdir(parents=True, exist_ok=True)
    src = backup_store.sqlite_path(ws.engine)
    if src is not None:
        backup_store.backup_sqlite(src, out / SQLITE_FILE)
        files = [SQLITE_FILE]
        backend = "sqlite"
    else:
        backup_store.pg_dump(backup_store.url_of(ws.engine), out / PG_FILE)
        files = [PG_FILE]
        backend = "postgresql"
    shutil.copy2(ws.path / CONFIG_FILE, out / CONFIG_FILE)
    files.append(CONFIG_FILE)
    created = dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
    (out / MANIFEST).write_text(
        json.dumps({"backend": backend, "files": files, "created_at": created,
                    "workspace": str(ws.path)}, indent=2)
    )
    return BackupInfo(out, tuple(files), backend, created)


def restore(workspace: Path | str, folder: Path | str, *, database_url: str | None = None) -> str:
    """Write a backup back into the workspace at ``workspace``; return the backend.

    Works without opening the workspace (its store may be too damaged to open). The
    config file is restored only when the workspace has none.
    """
    ws_path = Path(workspace)
    src = Path(folder)
    if not (ws_path / CONFIG_FILE).exists() and (src / CONFIG_FILE).exists():
        ws_path.mkdir(parents=True, exist_ok=True)
        shutil.copy2(src / CONFIG_FILE, ws_path / CONFIG_FILE)
    url = database_url or Config.from_toml(ws_path / CONFIG_FILE).database_url
    if (src / SQLITE_FILE).exists() and not url:
        backup_store.restore_sqlite(src / SQLITE_FILE, ws_path / SQLITE_FILE)
        return "sqlite"
    if (src / PG_FILE).exists() and url:
        backup_store.pg_restore(url, src / PG_FILE)
        return "postgresql"
    raise FileNotFoundError(
        f"{src} holds no backup for this workspace's backend "
        f"({'PostgreSQL: ' + PG_FILE if url else 'SQLite: ' + SQLITE_FILE} expected)"
    )


__all__ = [
    "BackupInfo",
    "StoreDamaged",
    "backup",
    "check_store",
    "damaged_message",
    "is_damage",
    "require_sound",
    "restore",
]
