"""Engines and migrations for the embedded SQLite store and PostgreSQL."""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator
from contextlib import contextmanager
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine, create_engine, event, inspect, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, DBAPIError, OperationalError

from hotspotwatch.config import ConfigError


class StoreError(RuntimeError):
    """The database cannot be reached or is not a HotspotWatch store; the message says why."""


SQLITE_CACHE_KIB = 65_536
"""SQLite page cache per connection, in KiB (64 MB, allocated only as pages are used).

The dashboard keeps up to 15 pooled connections, each of which could otherwise grow a large
cache; readers lean on the operating system's file cache as well."""
SQLITE_BULK_CACHE_KIB = 262_144
"""Page cache of the connection running a bulk write (:func:`bulk_transaction`), in KiB.

Upserting into a large event table touches index pages all over the file: with a 2 MB
cache an import is 2-4x slower, and 256 MB holds the indexes of a few million events."""


@contextmanager
def bulk_transaction(engine: Engine) -> Iterator[Connection]:
    """``engine.begin()`` for a bulk write: one transaction, with a large SQLite page cache.

    The connection's cache is raised to :data:`SQLITE_BULK_CACHE_KIB` for the transaction
    and set back afterwards (committed or rolled back), so the pooled connection does not
    keep a bulk-sized cache for the readers that get it next. PostgreSQL is unchanged.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> engine = make_engine(sqlite_url(pathlib.Path(tempfile.mkdtemp()) / "x.sqlite"))
    >>> with bulk_transaction(engine) as conn:
    ...     conn.exec_driver_sql("PRAGMA cache_size").scalar()
    -262144
    >>> with engine.connect() as conn:
    ...     conn.exec_driver_sql("PRAGMA cache_size").scalar()
    -65536
    """
    with engine.connect() as conn:
        raw: Any = conn.connection.dbapi_connection if conn.dialect.name == "sqlite" else None
        if raw is not None:
            # On the DBAPI connection: a statement through SQLAlchemy would begin the
            # transaction before ``conn.begin()``; a PRAGMA opens none in pysqlite.
            raw.execute(f"PRAGMA cache_size=-{SQLITE_BULK_CACHE_KIB}")
        try:
            with conn.begin():
                yield conn
        finally:
            if raw is not None:
                raw.execute(f"PRAGMA cache_size=-{SQLITE_CACHE_KIB}")


def sqlite_url(path: Path) -> str:
    """SQLAlchemy URL of an SQLite file."""
    return f"sqlite+pysqlite:///{path}"


def display_url(engine: Engine) -> str:
    """The engine's URL with any password hidden (for messages)."""
    return engine.url.render_as_string(hide_password=True)


def make_engine(url: str) -> Engine:
    """Create an engine; SQLite gets WAL, foreign keys, a busy timeout and a large page cache.

    The page cache is :data:`SQLITE_CACHE_KIB` per connection (allocated lazily, so small
    workspaces do not pay for it); bulk writes raise it for their transaction
    (:func:`bulk_transaction`).

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


def _alembic_config(connection: Any, *, srid: int | None = None) -> Any:
    from alembic.config import Config as AlembicConfig

    cfg = AlembicConfig()
    cfg.set_main_option(
        "script_location", str(resources.files("hotspotwatch.store") / "migrations")
    )
    cfg.attributes["connection"] = connection
    cfg.attributes["srid"] = srid  # the workspace CRS, for the PostGIS layers (0005)
    return cfg


_REVISION_LINE = re.compile(r"^(down_revision|revision)\s*(?::[^=]*)?=\s*(.+?)\s*$", re.MULTILINE)


@cache
def shipped_heads() -> frozenset[str]:
    """The newest revision(s) shipped with this software, read from the migration files.

    The same answer as Alembic's ``ScriptDirectory.get_heads()`` (a test compares them),
    without importing Alembic, so opening an up-to-date store stays cheap.
    """
    revisions: set[str] = set()
    parents: set[str] = set()
    versions = resources.files("hotspotwatch.store") / "migrations" / "versions"
    for script in versions.iterdir():
        if not script.name.endswith(".py") or script.name.startswith("_"):
            continue
        for key, value in _REVISION_LINE.findall(script.read_text(encoding="utf-8")):
            parsed = ast.literal_eval(value)
            names = {parsed} if isinstance(parsed, str) else set(parsed or ())
            (revisions if key == "revision" else parents).update(names)
    return frozenset(revisions - parents)


def _at_head(engine: Engine) -> bool:
    """Whether the store's recorded revision is the shipped head (False when unsure)."""
    heads = shipped_heads()
    try:
        with engine.connect() as conn:
            stored = {
                row[0] for row in conn.execute(text("SELECT version_num FROM alembic_version"))
            }
    except DBAPIError:  # no version table yet, or unreachable: let Alembic decide and report
        return False
    return len(heads) == 1 and stored == heads


def migrate(engine: Engine, revision: str = "head", *, srid: int | None = None) -> None:
    """Bring the schema up to ``revision`` (default: the newest) in one transaction.

    A store already at the newest revision is left as it is without loading Alembic (one
    ``SELECT`` on ``alembic_version``), so every command's start stays cheap. ``srid`` is
    the workspace CRS's EPSG code: on PostgreSQL with PostGIS, migration
    ``0008_postgis_layers`` builds its geometry layers in it (without it, that migration
    prints a notice and builds none).

    Raises
    ------
    StoreError
        If the database cannot be reached.
    """
    if revision == "head" and _at_head(engine):
        return
    from alembic import command

    try:
        with engine.begin() as conn:
            command.upgrade(_alembic_config(conn, srid=srid), revision)
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
