"""Shared fixtures: workspaces on both store backends.

PostgreSQL tests use a fresh schema per test in the database named by
``HOTSPOTWATCH_TEST_PG_URL`` (default ``postgresql+psycopg://postgres@127.0.0.1:5432/test``).
When the server is unreachable they are skipped on a laptop, and FAIL when ``CI=true``
(a skipped backend must never pass as green in CI).
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from hotspotwatch import Workspace

PG_URL = os.environ.get(
    "HOTSPOTWATCH_TEST_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)
IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")


def _pg_available() -> str | None:
    try:
        import sqlalchemy as sa

        engine = sa.create_engine(PG_URL, connect_args={"connect_timeout": 3})
        with engine.connect() as conn:
            conn.execute(sa.text("select 1"))
        engine.dispose()
        return None
    except Exception as exc:
        return f"{type(exc).__name__}: {exc}"


_PG_PROBLEM: str | bool | None = False


def require_postgres() -> None:
    """Skip (or fail under CI=true) when PostgreSQL is unreachable."""
    global _PG_PROBLEM
    if _PG_PROBLEM is False:
        _PG_PROBLEM = _pg_available()
    if _PG_PROBLEM:
        msg = f"PostgreSQL not reachable at {PG_URL}: {_PG_PROBLEM}"
        if IN_CI:
            pytest.fail(msg + " (CI=true: a PostgreSQL test may not be skipped)")
        pytest.skip(msg)


@pytest.fixture
def pg_url() -> Iterator[str]:
    """URL of a fresh, empty PostgreSQL schema, dropped afterwards."""
    require_postgres()
    import sqlalchemy as sa

    schema = f"hw_test_{uuid.uuid4().hex[:12]}"
    admin = sa.create_engine(PG_URL)
    with admin.begin() as conn:
        conn.execute(sa.text(f'CREATE SCHEMA "{schema}"'))
    sep = "&" if "?" in PG_URL else "?"
    yield f"{PG_URL}{sep}options=-csearch_path%3D{schema}"
    with admin.begin() as conn:
        conn.execute(sa.text(f'DROP SCHEMA "{schema}" CASCADE'))
    admin.dispose()


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def backend(request: pytest.FixtureRequest) -> str:
    """The store backend under test."""
    return str(request.param)


@pytest.fixture
def workspace(backend: str, tmp_path: Path, request: pytest.FixtureRequest) -> Iterator[Workspace]:
    """An empty Brussels-style workspace (EPSG:3812, Europe/Brussels) on each backend."""
    url = request.getfixturevalue("pg_url") if backend == "postgresql" else None
    ws = Workspace.create(
        tmp_path / "ws", crs="EPSG:3812", timezone="Europe/Brussels", database_url=url
    )
    yield ws
    ws.close()


@pytest.fixture
def sqlite_workspace(tmp_path: Path) -> Iterator[Workspace]:
    """An empty workspace on the embedded SQLite store."""
    ws = Workspace.create(tmp_path / "ws", crs="EPSG:3812", timezone="Europe/Brussels")
    yield ws
    ws.close()

