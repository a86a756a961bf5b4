"""The events a space-time run reads: filters, time precision and exact duplicates.

Every time-based run reads the events' ``time_precision`` (see
:mod:`hotspotwatch.analysis.precision`): time bands or steps finer than the coarsest
precision of the selected events are refused with a one-line :class:`PrecisionError` that
names the precision and the fix; ``min_precision`` drops the coarser events instead (and the
result says how many). Exact duplicates (same source, time, place and category: one incident
recorded once per offence) are counted once by default.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from hotspotwatch.analysis import precision as tp

# One definition of exact duplicates, shared with the import report (re-exported here).
from hotspotwatch.domain.duplicates import DUPLICATE_KEY as DUPLICATE_KEY
from hotspotwatch.domain.duplicates import duplicate_mask as duplicate_mask
from hotspotwatch.periods import Day
from hotspotwatch.workflows.runs import RunSpec, record


class PrecisionError(ValueError):
    """Time bands or steps finer than the events' time precision (a one-line message)."""


@dataclass(frozen=True)
class Selection:
    """Events of a run after the precision and duplicate rules.

    Attributes
    ----------
    frame : DataFrame
        The events used.
    precision : str
        Coarsest ``time_precision`` of the events used: the precision the run used.
    n_dropped_precision : int
        Events dropped by ``min_precision``.
    n_duplicates : int
        Exact duplicate rows not counted (0 when duplicates are included).
    """

    frame: pd.DataFrame
    precision: str
    n_dropped_precision: int
    n_duplicates: int


def local_days(occurred_at: pd.Series, timezone: str) -> np.ndarray:
    """Whole calendar days (since 1970-01-01) of UTC instants in the workspace time zone."""
    return Day(timezone).codes(occurred_at).astype(float)


def _iso(value: Any) -> str | None:
    if value is None or value == "":
        return None
    if isinstance(value, dt.datetime):
        return value.date().isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    return dt.date.fromisoformat(str(value)[:10]).isoformat()


def _sorted(values: Iterable[str] | None) -> list[str] | None:
    return sorted(set(values)) if values else None


def _events(ws: Any, categories: Iterable[str] | None, roles: Iterable[str] | None,
            start: Any, end: Any) -> pd.DataFrame:
    frame = ws.events(categories=list(categories) if categories else None,
                      roles=list(roles) if roles else None, start=start, end=end)
    if len(frame) < 2:
        raise ValueError("fewer than 2 events match the filters; widen --category/--start/--end")
    return frame


def _record(ws: Any, spec: RunSpec, result: Any) -> str:
    return record(ws, spec, result).short_key


def check_min_precision(value: str | None) -> str | None:
    """``None`` or a known precision (``ValueError`` naming the choices otherwise)."""
    if value is None:
        return None
    tp.rank(value)
    return str(value)


def select(ws: Any, params: Mapping[str, Any], *, include_duplicates: bool = True) -> Selection:
    """The events of a spec's filters, after ``min_precision`` and the duplicate rule."""
    frame = _events(ws, params.get("categories"), params.get("roles"), params.get("start"),
                    params.get("end"))
    flt = tp.select(frame["time_precision"].to_numpy(dtype=object), params.get("min_precision"))
    if flt.n_dropped:
        frame = frame[flt.keep]
        if len(frame) < 2:
            raise PrecisionError(
                f"--min-precision {params.get('min_precision')} drops {flt.n_dropped} of "
                f"{flt.n_dropped + len(frame)} events ({flt.dropped_precision} precision) and "
                "leaves fewer than 2; choose coarser bands or steps instead")
    n_dup = 0
    if not include_duplicates:
        dup = duplicate_mask(frame)
        n_dup = int(dup.sum())
        frame = frame[~dup]
    return Selection(frame=frame.reset_index(drop=True), precision=flt.precision,
                     n_dropped_precision=flt.n_dropped, n_duplicates=n_dup)


def _coarse_count(frame: pd.DataFrame, precision: str) -> int:
    return int((frame["time_precision"] == precision).sum())


def refuse_finer_bands(sel: Selection, width_days: float, *, what: str, option: str,
                       coarser_hint: str) -> None:
    """Raise :class:`PrecisionError` when ``width_days`` is finer than the data's precision.

    The message names the precision, how many events have it, and both fixes: coarser
    bands (``coarser_hint``) or ``--min-precision`` to drop the coarser events.
    """
    if not tp.finer_than(width_days, sel.precision):
        return
    n = _coarse_count(sel.frame, sel.precision)
    finer = [p for p in tp.PRECISIONS if tp.rank(p) < tp.rank(sel.precision)]
    drop = f"--min-precision {finer[-1]}" if finer else "--min-precision"
    raise PrecisionError(
        f"{what}: {option} of {width_days:g} day(s) are finer than the events' time precision "
        f"({n} of {len(sel.frame)} events are known only to the {sel.precision}); use "
        f"{coarser_hint}, or {drop} (min_precision=) to drop those events")
