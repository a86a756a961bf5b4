"""Store functions that take a connection *or* the engine.

Store functions are written against an open :class:`~sqlalchemy.Connection` so that a caller
can compose several of them in one transaction (one file, one transaction). Decorated with
:func:`reads` or :func:`writes`, the same function also accepts the
:class:`~sqlalchemy.Engine`: it then opens a connection (reads) or a transaction that
commits on success (writes) for that one call. The Workspace and the workflows pass the
engine and never open connections themselves.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Concatenate, ParamSpec, TypeAlias, TypeVar

from sqlalchemy import Connection, Engine

P = ParamSpec("P")
R = TypeVar("R")
Database: TypeAlias = Connection | Engine
"""An open connection (the caller's transaction) or the engine (one call, one transaction)."""


def reads(
    fn: Callable[Concatenate[Connection, P], R],
) -> Callable[Concatenate[Database, P], R]:
    """Let ``fn(conn, ...)`` be called with the engine: it runs on a fresh connection.

    Examples
    --------
    >>> from sqlalchemy import create_engine, text
    >>> @reads
    ... def one(conn):
    ...     return conn.execute(text("SELECT 1")).scalar()
    >>> one(create_engine("sqlite://"))
    1
    """

    @functools.wraps(fn)
    def run(db: Database, /, *args: P.args, **kwargs: P.kwargs) -> R:
        if isinstance(db, Engine):
            with db.connect() as conn:
                return fn(conn, *args, **kwargs)
        return fn(db, *args, **kwargs)

    return run


def writes(
    fn: Callable[Concatenate[Connection, P], R],
) -> Callable[Concatenate[Database, P], R]:
    """Let ``fn(conn, ...)`` be called with the engine: it runs in its own transaction.

    With a connection it joins the caller's transaction (and never commits).
    """

    @functools.wraps(fn)
    def run(db: Database, /, *args: P.args, **kwargs: P.kwargs) -> R:
        if isinstance(db, Engine):
            with db.begin() as conn:
                return fn(conn, *args, **kwargs)
        return fn(db, *args, **kwargs)

    return run


__all__ = ["Database", "reads", "writes"]
