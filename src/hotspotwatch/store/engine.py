"""Engines and migrations for the embedded SQLite store and PostgreSQL."""

from __future__ import annotations

from importlib import resources
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event, inspect
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, OperationalError

from hotspotwatch.config import ConfigError


class StoreError(RuntimeError):
    """The database cannot be reached or is not a HotspotWatch store; the message says why."""


SQLITE_CACHE_KIB = 262_144
"""SQLite page cache per connection, in KiB (256 MB, allocated only as pages are used)."""


def sqlite_url(path: Path) -> str:
    """SQLAlchemy URL of an SQLite file."""
    return f"sqlite+pysqlite:///{path}"


def make_engine(url: str) -> Engine:
    """Create an engine; SQLite gets WAL, foreign keys, a busy timeout and a large page cache.

    SQLite's default page cache (2 MB) thrashes on the event table's four indexes during a
    bulk import (measured 2-4x slower); 256 MB (``cache_size=-262144``, in KiB) is allocated
    lazily, so small workspaces do not pay for it.

    Raises
    ------
    ConfigError
        If the URL is malformed or names a driver that is not installed.
    """
    try:
        parsed = make_url(url)
    except ArgumentError:
        raise ConfigError(
            f"database URL {url!r} is not valid; use sqlite+pysqlite:///PATH or "
            "postgresql+psycopg://USER@HOST:5432/DB"
        ) from None
    kwargs: dict[str, Any] = {"future": True}
    if parsed.get_backend_name() == "sqlite":
        kwargs["connect_args"] = {"timeout": 30}
    else:
        kwargs["pool_pre_ping"] = True
    try:
        engine = create_engine(parsed, **kwargs)
    except ModuleNotFoundError as exc:
        raise ConfigError(f"database URL {url!r} needs the Python driver {exc.name!r}") from None

    if engine.dialect.name == "sqlite":

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_conn: Any, _record: Any) -> None:
            cur = dbapi_conn.cursor()
            cur.execute("PRAGMA foreign_keys=ON")
            cur.execute("PRAGMA journal_mode=WAL")
            cur.execute("PRAGMA synchronous=NORMAL")
            cur.execute(f"PRAGMA cache_size=-{SQLITE_CACHE_KIB}")
            cur.close()

    return engine


def _alembic_config(connection: Any) -> Any:
    from alembic.config import Config as AlembicConfig

    cfg = AlembicConfig()
    cfg.set_main_option(
        "script_location", str(resources.files("hotspotwatch.store") / "migrations")
    )
    cfg.attributes["connection"] = connection
    return cfg


def migrate(engine: Engine, revision: str = "head") -> None:
    """Bring the schema up to ``revision`` (default: the newest) in one transaction.

    Raises
    ------
    StoreError
        If the database cannot be reached.
    """
    from alembic import command

    try:
        with engine.begin() as conn:
            command.upgrade(_alembic_config(conn), revision)
    except OperationalError as exc:
        raise StoreError(f"cannot reach the database {engine.url!r}: {exc.orig}") from None


def current_revision(engine: Engine) -> str | None:
    """The Alembic revision the database is at (``None`` for an empty database)."""
    from alembic.runtime.migration import MigrationContext

    with engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


def head_revision() -> str:
    """The newest revision shipped with this software."""
    from alembic.script import ScriptDirectory

    script = ScriptDirectory(str(resources.files("hotspotwatch.store") / "migrations"))
    head = script.get_current_head()
    assert head is not None
    return head


def has_tables(engine: Engine) -> bool:
    """Whether the database already holds HotspotWatch tables."""
    return "events" in inspect(engine).get_table_names()
