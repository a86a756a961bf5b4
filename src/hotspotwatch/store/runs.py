"""Analysis runs: what was computed, on which data, with which software."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from sqlalchemy import Connection, insert, select

from hotspotwatch.analysis._result import to_jsonable
from hotspotwatch.store.schema import analysis_runs


def record_run(
    conn: Connection,
    *,
    kind: str,
    parameters: dict[str, Any],
    result: dict[str, Any],
    data_fingerprint: str,
    software_version: str,
) -> int:
    """Store one analysis run; return its id."""
    res = conn.execute(
        insert(analysis_runs).values(
            kind=kind,
            parameters=json.dumps(to_jsonable(parameters), sort_keys=True),
            result=json.dumps(to_jsonable(result)),
            data_fingerprint=data_fingerprint,
            software_version=software_version,
            created_at=dt.datetime.now(dt.UTC).replace(tzinfo=None),
        )
    )
    pk = res.inserted_primary_key
    assert pk is not None
    return int(pk[0])


def as_dict(row: Any) -> dict[str, Any]:
    """A stored run row as ``id, kind, parameters, result, data_fingerprint,
    software_version, created_at`` (JSON parsed)."""
    m = dict(row._mapping)
    return {
        "id": m["run_id"],
        "kind": m["kind"],
        "parameters": json.loads(m["parameters"]),
        "result": json.loads(m["result"]),
        "data_fingerprint": m["data_fingerprint"],
        "software_version": m["software_version"],
        "created_at": m["created_at"].isoformat() if m["created_at"] else None,
    }


def latest_run(conn: Connection, kind: str) -> dict[str, Any] | None:
    """The newest run of ``kind`` or ``None``."""
    row = conn.execute(
        select(analysis_runs)
        .where(analysis_runs.c.kind == kind)
        .order_by(analysis_runs.c.created_at.desc(), analysis_runs.c.run_id.desc())
        .limit(1)
    ).first()
    return as_dict(row) if row is not None else None


def list_runs(conn: Connection, kind: str | None = None) -> list[dict[str, Any]]:
    """Runs (without their results' bodies trimmed), newest first."""
    stmt = select(analysis_runs).order_by(analysis_runs.c.run_id.desc())
    if kind is not None:
        stmt = stmt.where(analysis_runs.c.kind == kind)
    return [as_dict(r) for r in conn.execute(stmt)]
