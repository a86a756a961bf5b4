"""bulk_transaction: a large SQLite page cache for the write, the normal one back afterwards."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import text

from hotspotwatch.store.engine import (
    SQLITE_BULK_CACHE_KIB,
    SQLITE_CACHE_KIB,
    bulk_transaction,
    make_engine,
    sqlite_url,
)


def _cache(conn) -> int:  # type: ignore[no-untyped-def]
    return int(conn.exec_driver_sql("PRAGMA cache_size").scalar())


def test_cache_is_raised_for_the_write_and_restored_after_commit_and_rollback(
    tmp_path: Path,
) -> None:
    engine = make_engine(sqlite_url(tmp_path / "x.sqlite"))
    with bulk_transaction(engine) as conn:
        assert _cache(conn) == -SQLITE_BULK_CACHE_KIB
        conn.execute(text("CREATE TABLE t (a INTEGER)"))
        conn.execute(text("INSERT INTO t VALUES (1)"))
    with pytest.raises(RuntimeError, match="interrupted"), bulk_transaction(engine) as conn:
        conn.execute(text("INSERT INTO t VALUES (2)"))
        raise RuntimeError("interrupted")
    # one pooled connection served all three: it is back to the normal cache
    with engine.connect() as conn:
        assert _cache(conn) == -SQLITE_CACHE_KIB
        assert conn.execute(text("SELECT a FROM t")).scalars().all() == [1]
    assert engine.pool.checkedout() == 0
    engine.dispose()
