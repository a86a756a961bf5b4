"""The dashboard's cache: values per workspace, valid while the data and the config stay put.

The dashboard asks for the same hotspot series, layers and stored runs many times; computing
them again only when something changed keeps page loads fast under many concurrent users.

- A value's key holds the *stamp* (:func:`current_stamp`): the store's cheap data stamp
  (:func:`hotspotwatch.store.dashboard.data_stamp`), the config fingerprint and the number
  of times the config was read again. The stamp is
  re-read at most every :data:`STAMP_TTL_S`; at that moment an edited ``hotspotwatch.toml``
  is read again (:func:`reload_config`), so a harm weight changed in the file changes the
  config fingerprint and every value computed under the old one misses.
- Concurrent callers that miss the same key wait for one computation (single flight).
- A value older than :data:`CACHE_TTL_S` (rows corrected in place do not change the stamp) is
  served once more while one background thread recomputes it (stale-while-revalidate).
- The values held stay under a byte budget (``[web] cache_mb``, default
  :data:`CACHE_BUDGET_MB`; sizes estimated by :func:`approx_bytes`): the oldest go first,
  and a value over a quarter of the budget is served but not kept. Routes with free
  parameters (an event grid, event pages) are not cached at all.
- Stored runs are held parsed per run key (:func:`held_run` / :func:`hold_run`), so that a
  stamp change that leaves a run's fingerprints as they were does not parse it again.

Cached values are shared: callers must not mutate them.
"""

from __future__ import annotations

import dataclasses
import functools
import logging
import sys
import threading
import time
import weakref
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, TypeVar

import numpy as np

from hotspotwatch.config import CONFIG_FILE, Config, ConfigError
from hotspotwatch.store import dashboard as dashboard_store

if TYPE_CHECKING:
    from hotspotwatch.store.runs import StoredRun
    from hotspotwatch.workspace import Workspace

log = logging.getLogger(__name__)

CACHE_TTL_S = 30.0
"""A cached value older than this is recomputed in the background (served meanwhile)."""
STAMP_TTL_S = 1.0
"""Data added (or the config edited) less than this ago may not show yet."""
_CACHE_SIZE = 512
CACHE_BUDGET_MB = 256
"""Default byte budget of one workspace's cache (``[web] cache_mb``)."""
_RUNS_KEPT = 32
_F = TypeVar("_F", bound=Callable[..., Any])


@dataclass
class _Store:
    """One workspace's cache: values, computations in flight, the stamp, parsed runs."""

    lock: threading.Lock = field(default_factory=threading.Lock)
    values: dict[Any, tuple[float, Any, int]] = field(default_factory=dict)
    bytes: int = 0
    inflight: dict[Any, Future[Any]] = field(default_factory=dict)
    stamp: tuple[float, Any] | None = None
    config_file: tuple[int, int] | None = None
    config_generation: int = 0
    runs: dict[str, StoredRun[Any]] = field(default_factory=dict)


_CACHE: weakref.WeakKeyDictionary[Any, _Store] = weakref.WeakKeyDictionary()
_CACHE_LOCK = threading.Lock()
_REFRESHER: ThreadPoolExecutor | None = None


def _store(ws: Workspace) -> _Store | None:
    with _CACHE_LOCK:
        try:
            return _CACHE.setdefault(ws, _Store())
        except TypeError:  # not weak-referenceable: no cache
            return None


def _refresher() -> ThreadPoolExecutor:
    global _REFRESHER
    with _CACHE_LOCK:
        if _REFRESHER is None:
            _REFRESHER = ThreadPoolExecutor(max_workers=1, thread_name_prefix="hw-cache")
        return _REFRESHER


def data_stamp(ws: Workspace) -> tuple[Any, ...]:
    """A cheap stamp that changes when events, places, decisions or actions are added.

    Stored runs are not part of it: a run answers a question on data and config, and is
    found again by its key (storing a run the dashboard computed must not empty the cache).
    """
    return dashboard_store.data_stamp(ws.engine, runs=False)


def reload_config(ws: Workspace, store: _Store | None = None) -> bool:
    """Read ``hotspotwatch.toml`` again if it changed on disk; return whether it did.

    The web server keeps one workspace open for days while analysts edit its config (a harm
    weight, the evaluation defaults). The file's modification time and size are compared
    with the last seen; a changed, valid file replaces ``ws.config`` (the database URL the
    workspace was opened with is kept: the engine is not rebuilt). An invalid file (half
    written, a typo) is logged and the config in use stays.
    """
    path = ws.path / CONFIG_FILE
    try:
        st = path.stat()
    except OSError:
        return False
    seen = (st.st_mtime_ns, st.st_size)
    if store is not None:
        # First look: the file may have changed since the workspace was opened; parsing it
        # once tells (the comparison below).
        if store.config_file == seen:
            return False
        store.config_file = seen
    try:
        fresh = Config.from_toml(path)
    except (ConfigError, OSError) as exc:
        log.warning("%s changed but cannot be read (%s); the config in use stays", path, exc)
        return False
    fresh = fresh.with_database_url(ws.config.database_url)
    if fresh == ws.config:
        return False
    ws.config = fresh
    if store is not None:
        store.config_generation += 1
    return True


def current_stamp(ws: Workspace) -> Any:
    """``(data stamp, config fingerprint, config generation)``, re-read at most every
    :data:`STAMP_TTL_S`.

    The generation counts the configs read again (:func:`reload_config`): settings that
    change no stored number (``[web] review_day``, wording) are left out of the fingerprint
    but still change what the dashboard shows.
    """
    store = _store(ws)
    if store is None:
        return (data_stamp(ws), ws.config_fingerprint(), 0)
    return _current_stamp(ws, store)


def _current_stamp(ws: Workspace, store: _Store) -> Any:
    now = time.monotonic()
    held = store.stamp
    if held is not None and now - held[0] < STAMP_TTL_S:
        return held[1]
    reload_config(ws, store)
    stamp = (data_stamp(ws), ws.config_fingerprint(), store.config_generation)
    store.stamp = (now, stamp)
    return stamp


def memoised(fn: _F) -> _F:
    """Cache ``fn(ws, ...)`` per workspace until the data or the config change.

    See the module docstring: the key holds the stamp, concurrent misses compute once, and a
    value older than :data:`CACHE_TTL_S` is served while one background thread refreshes it.
    Arguments must be hashable (lists are turned into tuples).
    """

    @functools.wraps(fn)
    def wrapper(ws: Workspace, *args: Any, **kwargs: Any) -> Any:
        store = _store(ws)
        if store is None:
            return fn(ws, *args, **kwargs)
        stamp = _current_stamp(ws, store)
        frozen = tuple(tuple(a) if isinstance(a, list) else a for a in args)
        key = (fn, frozen, tuple(sorted(kwargs.items())), stamp)
        with store.lock:
            hit = store.values.get(key)
            flight = store.inflight.get(key)
            if hit is not None:
                if flight is None and time.monotonic() - hit[0] >= CACHE_TTL_S:
                    flight = store.inflight[key] = Future()
                    _refresher().submit(_compute, store, key, flight, fn, ws, args, kwargs)
                return hit[1]
            owner = flight is None
            if flight is None:
                flight = store.inflight[key] = Future()
        if owner:
            _compute(store, key, flight, fn, ws, args, kwargs)
        return flight.result()

    return wrapper  # type: ignore[return-value]


def _compute(
    store: _Store,
    key: Any,
    flight: Future[Any],
    fn: Callable[..., Any],
    ws: Workspace,
    args: tuple[Any, ...],
    kwargs: dict[str, Any],
) -> None:
    """Compute one cache entry and hand it (or the error) to everyone waiting for it."""
    try:
        value = fn(ws, *args, **kwargs)
    except BaseException as exc:
        with store.lock:
            # A failed refresh drops the stale value too: the next caller gets the error.
            dropped = store.values.pop(key, None)
            if dropped is not None:
                store.bytes -= dropped[2]
            store.inflight.pop(key, None)
        flight.set_exception(exc)
        return
    size = approx_bytes(value)
    budget = cache_budget(ws)
    with store.lock:
        old = store.values.pop(key, None)
        if old is not None:
            store.bytes -= old[2]
        if size <= budget // 4:  # a value too large for the budget is served, not kept
            while store.values and (
                store.bytes + size > budget or len(store.values) >= _CACHE_SIZE
            ):
                _, (_, _, freed) = _pop_oldest(store)
                store.bytes -= freed
            store.values[key] = (time.monotonic(), value, size)
            store.bytes += size
        store.inflight.pop(key, None)
    flight.set_result(value)


def _pop_oldest(store: _Store) -> tuple[Any, tuple[float, Any, int]]:
    key = next(iter(store.values))
    return key, store.values.pop(key)


def cache_budget(ws: Workspace) -> int:
    """The cache's byte budget: ``[web] cache_mb`` (default :data:`CACHE_BUDGET_MB`)."""
    try:
        mb = float(ws.config.web.get("cache_mb", CACHE_BUDGET_MB))
    except (TypeError, ValueError):
        mb = CACHE_BUDGET_MB
    return int(max(mb, 0.0) * 1024 * 1024)


def approx_bytes(value: Any, _depth: int = 0) -> int:
    """A rough, never-zero estimate of the memory a cached value holds.

    Walks dicts, lists, tuples, sets and dataclasses; counts arrays, frames and geometries
    by their buffers. Over-estimates rather than under-estimates.
    """
    if _depth > 50:
        return 64
    if isinstance(value, (str, bytes)):
        return sys.getsizeof(value)
    if isinstance(value, (int, float, bool)) or value is None:
        return 32
    if isinstance(value, np.ndarray):
        return int(value.nbytes) + 112
    if isinstance(value, dict):
        return sys.getsizeof(value) + sum(
            approx_bytes(k, _depth + 1) + approx_bytes(v, _depth + 1) for k, v in value.items()
        )
    if isinstance(value, (list, tuple, set, frozenset)):
        return sys.getsizeof(value) + sum(approx_bytes(v, _depth + 1) for v in value)
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return 64 + sum(
            approx_bytes(getattr(value, f.name), _depth + 1) for f in dataclasses.fields(value)
        )
    memory_usage = getattr(value, "memory_usage", None)
    if callable(memory_usage):  # pandas / geopandas
        try:
            return int(np.sum(memory_usage(deep=True))) + 256
        except (TypeError, ValueError):
            pass
    wkb = getattr(value, "wkb", None)  # shapely geometry
    if isinstance(wkb, bytes):
        return len(wkb) * 2 + 64
    return sys.getsizeof(value)


def cache_stats(ws: Workspace) -> dict[str, int]:
    """Entries, estimated bytes and byte budget of ``ws``'s cache."""
    store = _store(ws)
    if store is None:
        return {"entries": 0, "bytes": 0, "budget": cache_budget(ws)}
    with store.lock:
        return {"entries": len(store.values), "bytes": store.bytes, "budget": cache_budget(ws)}


def held_run(ws: Workspace, key: str) -> StoredRun[Any] | None:
    """The parsed run with this key, if the cache holds it."""
    store = _store(ws)
    if store is None:
        return None
    with store.lock:
        return store.runs.get(key)


def hold_run(ws: Workspace, run: StoredRun[Any]) -> StoredRun[Any]:
    """Keep ``run`` parsed under its key (the oldest held run goes when full); return it."""
    store = _store(ws)
    if store is not None:
        with store.lock:
            if run.key not in store.runs and len(store.runs) >= _RUNS_KEPT:
                store.runs.pop(next(iter(store.runs)))
            store.runs[run.key] = run
    return run


__all__ = [
    "CACHE_BUDGET_MB",
    "CACHE_TTL_S",
    "STAMP_TTL_S",
    "approx_bytes",
    "cache_budget",
    "cache_stats",
    "current_stamp",
    "data_stamp",
    "held_run",
    "hold_run",
    "memoised",
    "reload_config",
]
