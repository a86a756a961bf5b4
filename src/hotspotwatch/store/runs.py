"""Analysis runs: what was computed, with which parameters, on which data and configuration.

One registry (:data:`RUN_KINDS`) maps each run kind to its result type. A result type is a
frozen dataclass with ``to_dict()``, ``from_dict()`` and a ``schema_version`` class attribute
(see :class:`hotspotwatch.analysis._result.ResultMixin`). A stored run keeps:

- its kind and its result (the type's ``to_dict()``; no translated sentences);
- its parameters, canonical (every option, filters included, defaults filled in);
- the data fingerprint and the config fingerprint it was computed on;
- the result type's schema version, the software version and when it was created;
- its key: SHA-256 of kind, parameters and both fingerprints (:func:`run_key`).

A reader asks for a run by kind and parameters (:func:`find_run`); it gets one only when the
key matches, i.e. when the stored run answers exactly the question asked on exactly the data
and configuration there are now. Nothing downstream guesses keys or takes "the latest run".
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import importlib
import json
import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from sqlalchemy import Connection, delete, insert, select

from hotspotwatch.analysis._result import to_jsonable
from hotspotwatch.store.schema import analysis_runs

R = TypeVar("R")

#: Run kind -> ``"module:Class"`` of its result type (imported on first use, so that reading
#: the registry does not import every analysis module).
RUN_KINDS: dict[str, str] = {
    "evaluate": "hotspotwatch.analysis.evaluate.strategy:StrategyEvaluation",
    "evaluate.incidents": "hotspotwatch.analysis.evaluate.incidents:IncidentsInContext",
    "detect.gistar": "hotspotwatch.analysis.detect.gridded:GiStarRun",
    "detect.lisa": "hotspotwatch.analysis.detect.gridded:LocalMoranRun",
    "detect.kde": "hotspotwatch.analysis.detect.gridded:KDERun",
    "detect.concentration": "hotspotwatch.analysis.detect.concentration:ConcentrationResult",
    "detect.classify": "hotspotwatch.analysis.detect.gridded:ClassifyRun",
    "detect.coverage": "hotspotwatch.analysis.detect.coverage:CoverageSummary",
    "detect.borders": "hotspotwatch.analysis.detect.borders:BorderResult",
    "spacetime.knox": "hotspotwatch.analysis.spacetime.results:KnoxRun",
    "spacetime.emerging": "hotspotwatch.analysis.spacetime.results:EmergingRun",
    "spacetime.alerts": "hotspotwatch.analysis.spacetime.results:RecentAlerts",
    "dose.presence": "hotspotwatch.analysis.dose.summary:PresenceSummary",
    "dose.deterrence": "hotspotwatch.analysis.dose.deterrence:KoperCurve",
    "dose.cost": "hotspotwatch.analysis.dose.cost:CostSummary",
    "dose.resources": "hotspotwatch.analysis.dose.resources:ResourceTotals",
}


class RunKindError(KeyError):
    """An unknown run kind, or a result that is not of the kind's registered type."""


def result_type(kind: str) -> type[Any]:
    """The result type registered for ``kind``.

    Raises
    ------
    RunKindError
        If ``kind`` is not in :data:`RUN_KINDS`.

    Examples
    --------
    >>> result_type("spacetime.knox").__name__
    'KnoxRun'
    """
    try:
        target = RUN_KINDS[kind]
    except KeyError:
        raise RunKindError(
            f"unknown run kind {kind!r}; known: {', '.join(sorted(RUN_KINDS))}"
        ) from None
    module, _, name = target.partition(":")
    return getattr(importlib.import_module(module), name)


def canonical(value: Any) -> Any:
    """Parameters in one canonical JSON form, so that equal questions get equal keys.

    Dates become ISO strings, tuples lists, whole floats integers (``250.0`` and ``250`` are
    one buffer width), non-finite floats ``None`` and mapping keys strings.

    Examples
    --------
    >>> canonical({"buffer_widths": (250.0, 500), "until": __import__("datetime").date(2025, 1, 31)})
    {'buffer_widths': [250, 500], 'until': '2025-01-31'}
    """
    value = to_jsonable(value)
    if isinstance(value, float):
        if not math.isfinite(value):
            return None
        return int(value) if value.is_integer() and abs(value) < 2**53 else value
    if isinstance(value, Mapping):
        return {str(k): canonical(v) for k, v in sorted(value.items(), key=lambda kv: str(kv[0]))}
    if isinstance(value, list):
        return [canonical(v) for v in value]
    return value


def dumps(value: Any) -> str:
    """Canonical, compact JSON text of ``value``."""
    return json.dumps(canonical(value), sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def run_key(
    kind: str, parameters: Mapping[str, Any], data_fingerprint: str, config_fingerprint: str
) -> str:
    """SHA-256 identifying a run: its kind, canonical parameters and both fingerprints.

    Examples
    --------
    >>> a = run_key("spacetime.knox", {"categories": ["shooting"]}, "d", "c")
    >>> a == run_key("spacetime.knox", {"categories": ["shooting"]}, "d", "c")
    True
    >>> a == run_key("spacetime.knox", {"categories": ["burglary"]}, "d", "c")
    False
    """
    h = hashlib.sha256()
    for part in (kind, dumps(dict(parameters)), data_fingerprint, config_fingerprint):
        h.update(part.encode("utf-8"))
        h.update(b"\x1e")
    return h.hexdigest()


@dataclass(frozen=True)
class StoredRun(Generic[R]):
    """One stored analysis run with its provenance.

    Attributes
    ----------
    key : str
        :func:`run_key` of the run (64 hex digits; the first 12 identify it to people).
    kind : str
        Run kind (a key of :data:`RUN_KINDS`).
    parameters : dict
        Canonical parameters, filters included.
    result : object
        The typed result (the kind's registered type).
    data_fingerprint, config_fingerprint : str
        What the run was computed on.
    schema_version : int
        The result type's schema version when it was stored.
    software_version : str
        HotspotWatch version that computed it.
    created_at : datetime
        When it was stored (naive UTC).
    """

    key: str
    kind: str
    parameters: dict[str, Any]
    result: R
    data_fingerprint: str
    config_fingerprint: str
    schema_version: int
    software_version: str
    created_at: dt.datetime

    @property
    def short_key(self) -> str:
        """The first 12 hex digits of the key (how reports and the CLI name a run)."""
        return self.key[:12]

    def provenance(self) -> dict[str, Any]:
        """Everything but the result, JSON-ready (for methods pages and ``--json``)."""
        return {
            "run": self.short_key,
            "key": self.key,
            "kind": self.kind,
            "parameters": self.parameters,
            "data_fingerprint": self.data_fingerprint,
            "config_fingerprint": self.config_fingerprint,
            "schema_version": self.schema_version,
            "software_version": self.software_version,
            "created_at": self.created_at.replace(microsecond=0).isoformat() + "Z",
        }

    def to_dict(self) -> dict[str, Any]:
        """Provenance plus the result's ``to_dict()``."""
        out = self.provenance()
        out["result"] = _result_dict(self.result)
        return out


def _result_dict(result: Any) -> dict[str, Any]:
    if isinstance(result, Mapping):
        return dict(result)
    return dict(result.to_dict())


def _check_type(kind: str, result: Any) -> int:
    """The schema version of ``result``; it must be an instance of the kind's type."""
    cls = result_type(kind)
    if not isinstance(result, cls):
        raise RunKindError(
            f"a {kind!r} run stores a {cls.__name__}, not a {type(result).__name__}"
        )
    return int(getattr(cls, "schema_version", 1))


def save_run(
    conn: Connection,
    *,
    kind: str,
    parameters: Mapping[str, Any],
    result: Any,
    data_fingerprint: str,
    config_fingerprint: str,
    software_version: str,
) -> StoredRun[Any]:
    """Store a run (replacing a stored run with the same key) and return it.

    Raises
    ------
    RunKindError
        If ``kind`` is unknown or ``result`` is not of its registered type.
    """
    version = _check_type(kind, result)
    params = canonical(dict(parameters))
    key = run_key(kind, params, data_fingerprint, config_fingerprint)
    created = dt.datetime.now(dt.UTC).replace(tzinfo=None)
    conn.execute(delete(analysis_runs).where(analysis_runs.c.run_key == key))
    conn.execute(
        insert(analysis_runs).values(
            kind=kind,
            parameters=dumps(params),
            result=json.dumps(canonical(_result_dict(result)), separators=(",", ":")),
            data_fingerprint=data_fingerprint,
            config_fingerprint=config_fingerprint,
            software_version=software_version,
            schema_version=version,
            run_key=key,
            created_at=created,
        )
    )
    return StoredRun(
        key=key,
        kind=kind,
        parameters=params,
        result=result,
        data_fingerprint=data_fingerprint,
        config_fingerprint=config_fingerprint,
        schema_version=version,
        software_version=software_version,
        created_at=created,
    )


def _parse(row: Any) -> StoredRun[Any] | None:
    """A typed run from a row, or ``None`` when its schema version is not the current one."""
    m = row._mapping
    cls = result_type(m["kind"])
    if m["schema_version"] != int(getattr(cls, "schema_version", 1)):
        return None
    return StoredRun(
        key=m["run_key"],
        kind=m["kind"],
        parameters=json.loads(m["parameters"]),
        result=cls.from_dict(json.loads(m["result"])),
        data_fingerprint=m["data_fingerprint"],
        config_fingerprint=m["config_fingerprint"],
        schema_version=int(m["schema_version"]),
        software_version=m["software_version"],
        created_at=m["created_at"],
    )


def find_run(
    conn: Connection,
    *,
    kind: str,
    parameters: Mapping[str, Any],
    data_fingerprint: str,
    config_fingerprint: str,
) -> StoredRun[Any] | None:
    """The stored run answering exactly this question on this data and config, or ``None``.

    A run stored with another result schema version counts as absent (it is recomputed).
    """
    key = run_key(kind, canonical(dict(parameters)), data_fingerprint, config_fingerprint)
    return get_run(conn, key)


def get_run(conn: Connection, key: str) -> StoredRun[Any] | None:
    """The run whose key is ``key`` or starts with it (at least 8 hex digits), or ``None``.

    Raises
    ------
    ValueError
        If a prefix shorter than 8 digits is given, or it names several runs.
    """
    if len(key) < 8:
        raise ValueError(f"run key {key!r} is too short; give at least 8 hex digits")
    if len(key) == 64:
        rows = conn.execute(select(analysis_runs).where(analysis_runs.c.run_key == key)).all()
    else:
        rows = conn.execute(
            select(analysis_runs).where(analysis_runs.c.run_key.like(f"{key}%")).limit(2)
        ).all()
        if len(rows) > 1:
            raise ValueError(f"run key prefix {key!r} names several runs; give more digits")
    return _parse(rows[0]) if rows else None


@dataclass(frozen=True)
class RunInfo:
    """A stored run's provenance without its result (for listings)."""

    key: str | None
    kind: str
    parameters: dict[str, Any]
    data_fingerprint: str
    config_fingerprint: str | None
    schema_version: int | None
    software_version: str
    created_at: dt.datetime

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready fields; ``run`` is the 12-digit short key."""
        out = {f.name: getattr(self, f.name) for f in dataclasses.fields(self)}
        out["run"] = self.key[:12] if self.key else None
        out["created_at"] = self.created_at.replace(microsecond=0).isoformat() + "Z"
        return out


def list_runs(conn: Connection, kind: str | None = None) -> list[RunInfo]:
    """Stored runs' provenance, newest first."""
    cols = [c for c in analysis_runs.c if c.name != "result"]
    stmt = select(*cols).order_by(analysis_runs.c.created_at.desc(), analysis_runs.c.run_id.desc())
    if kind is not None:
        stmt = stmt.where(analysis_runs.c.kind == kind)
    return [
        RunInfo(
            key=m["run_key"],
            kind=m["kind"],
            parameters=json.loads(m["parameters"]),
            data_fingerprint=m["data_fingerprint"],
            config_fingerprint=m["config_fingerprint"],
            schema_version=m["schema_version"],
            software_version=m["software_version"],
            created_at=m["created_at"],
        )
        for m in (r._mapping for r in conn.execute(stmt))
    ]


def count_runs(conn: Connection) -> int:
    """Number of stored runs."""
    from sqlalchemy import func

    return int(conn.execute(select(func.count()).select_from(analysis_runs)).scalar() or 0)


__all__ = [
    "RUN_KINDS",
    "RunInfo",
    "RunKindError",
    "StoredRun",
    "canonical",
    "count_runs",
    "dumps",
    "find_run",
    "get_run",
    "list_runs",
    "result_type",
    "run_key",
    "save_run",
]
