"""Integrity check, backup and restore of the store (SQLite online backup API, pg_dump).

- :func:`quick_check`: ``PRAGMA quick_check`` on SQLite (the problems it lists, empty when
  sound); on PostgreSQL a trivial query (the server keeps its own pages sound).
- :func:`backup_sqlite` / :func:`restore_sqlite`: SQLite's online backup API copies a
  consistent snapshot page by page while other connections keep reading and writing; no
  file copy of a live database (which can tear a page or miss the WAL).
- :func:`pg_dump` / :func:`pg_restore`: PostgreSQL's own tools, custom format.
"""

from __future__ import annotations

import shutil
import sqlite3
import subprocess
from pathlib import Path

from sqlalchemy import Engine, text
from sqlalchemy.engine import make_url


def quick_check(engine: Engine, *, max_errors: int = 20) -> list[str]:
    """Problems found in the store (empty list: sound)."""
    with engine.connect() as conn:
        if engine.dialect.name != "sqlite":
            conn.execute(text("SELECT 1"))
            return []
        rows = [str(r[0]) for r in conn.execute(text(f"PRAGMA quick_check({int(max_errors)})"))]
    return [] if rows == ["ok"] else rows


def is_damage(exc: BaseException) -> bool:
    """Whether ``exc`` is the driver saying the database file is not a sound database."""
    from sqlalchemy.exc import DatabaseError

    return isinstance(exc, (DatabaseError, sqlite3.DatabaseError))


def url_of(engine: Engine) -> str:
    """The engine's URL with its password (for ``pg_dump``)."""
    return engine.url.render_as_string(hide_password=False)


def sqlite_path(engine: Engine) -> Path | None:
    """The database file of a SQLite engine (``None`` for other backends)."""
    if engine.dialect.name != "sqlite" or not engine.url.database:
        return None
    return Path(engine.url.database)


def _copy(src: Path, dest: Path, *, pages: int = 256) -> None:
    source = sqlite3.connect(str(src), timeout=30)
    target = sqlite3.connect(str(dest), timeout=30)
    try:
        source.backup(target, pages=pages)
        target.commit()
    finally:
        target.close()
        source.close()


def backup_sqlite(src: Path, dest: Path) -> None:
    """Online backup of the SQLite file ``src`` into ``dest`` (replaced), then checked."""
    dest.parent.mkdir(parents=True, exist_ok=True)
    tmp = dest.with_suffix(dest.suffix + ".part")
    tmp.unlink(missing_ok=True)
    _copy(src, tmp)
    con = sqlite3.connect(str(tmp))
    try:
        con.execute("PRAGMA journal_mode=DELETE")  # one self-contained file
        ok = [r[0] for r in con.execute("PRAGMA quick_check")]
    finally:
        con.close()
    if ok != ["ok"]:
        tmp.unlink(missing_ok=True)
        raise RuntimeError(f"the backup of {src} failed its check: {'; '.join(map(str, ok))}")
    tmp.replace(dest)


def restore_sqlite(backup: Path, dest: Path) -> None:
    """Write the backup file into the SQLite file ``dest`` (live connections see the result).

    A ``dest`` too damaged to open is moved aside (``.damaged``) first.
    """
    con = sqlite3.connect(str(backup))
    try:
        ok = [r[0] for r in con.execute("PRAGMA quick_check")]
    finally:
        con.close()
    if ok != ["ok"]:
        raise RuntimeError(f"the backup {backup} is damaged: {'; '.join(map(str, ok))}")
    try:
        _copy(backup, dest, pages=-1)
    except sqlite3.DatabaseError:
        aside = dest.with_suffix(dest.suffix + ".damaged")
        shutil.move(str(dest), str(aside))
        for extra in ("-wal", "-shm"):
            Path(str(dest) + extra).unlink(missing_ok=True)
        _copy(backup, dest, pages=-1)


def _pg_env_args(url: str) -> tuple[list[str], dict[str, str]]:
    u = make_url(url)
    args = ["-h", u.host or "localhost", "-p", str(u.port or 5432)]
    if u.username:
        args += ["-U", u.username]
    env = {"PGPASSWORD": u.password} if u.password else {}
    return [*args, "-d", str(u.database)], env


def pg_dump(url: str, dest: Path) -> None:
    """``pg_dump --format=custom`` of the database at ``url`` into ``dest``."""
    import os

    args, env = _pg_env_args(url)
    dest.parent.mkdir(parents=True, exist_ok=True)
    subprocess.run(
        ["pg_dump", "--format=custom", "--no-owner", "-f", str(dest), *args],
        check=True,
        env={**os.environ, **env},
        capture_output=True,
        text=True,
    )


def pg_restore(url: str, src: Path) -> None:
    """``pg_restore --clean --if-exists`` of ``src`` into the database at ``url``."""
    import os

    args, env = _pg_env_args(url)
    subprocess.run(
        ["pg_restore", "--clean", "--if-exists", "--no-owner", "--single-transaction", *args,
         str(src)],
        check=True,
        env={**os.environ, **env},
        capture_output=True,
        text=True,
    )


__all__ = [
    "backup_sqlite",
    "is_damage",
    "pg_dump",
    "pg_restore",
    "quick_check",
    "restore_sqlite",
    "sqlite_path",
    "url_of",
]
