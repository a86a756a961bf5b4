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
import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from hotspotwatch.analysis import precision as tp

# One definition of exact duplicates, shared with the import report (re-exported here).
from hotspotwatch.domain.duplicates import DUPLICATE_KEY as DUPLICATE_KEY
from hotspotwatch.domain.duplicates import duplicate_mask as duplicate_mask
from hotspotwatch.i18n import format_number, plural, translate
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


def refuse_finer_bands(sel: Selection, width_days: float, *, lang: str = "en") -> None:
    """Raise :class:`PrecisionError` when Knox time bands of ``width_days`` are finer than
    the data's precision.

    The message names the precision and how many events have it, then the fixes: time
    bands as wide as the precision resolves, or ``--min-precision`` with the coarsest
    precision fine enough for the bands, to drop the coarser events. When no event has that
    precision (``--min-precision`` would drop them all), it says so and gives the coarser
    bands alone. Day counts take the language's plural forms (catalogue
    ``i18n/catalogs/spacetime.toml``).
    """
    if not tp.finer_than(width_days, sel.precision):
        return
    w = max(1, math.ceil(tp.RESOLUTION_DAYS[sel.precision]))
    coarser = plural("spacetime.refuse.coarser", w, lang, w=format_number(w, lang, digits=None),
                     example=f"0,{w},{2 * w},{3 * w},inf")
    # the coarsest precision that resolves the bands (instant resolves any)
    fine = [p for p in tp.PRECISIONS
            if tp.rank(p) < tp.rank(sel.precision) and not tp.finer_than(width_days, p)]
    minimum = fine[-1] if fine else tp.PRECISIONS[0]
    ranks = np.array([tp.rank(str(p)) for p in sel.frame["time_precision"]])
    n_fine = int((ranks <= tp.rank(minimum)).sum())
    if n_fine >= 2:  # a Knox table needs two events
        fix = translate("spacetime.refuse.drop", lang, coarser=coarser, min=minimum)
    else:
        fix = translate("spacetime.refuse.none_finer", lang, coarser=coarser, min=minimum,
                        precision=translate(f"spacetime.precision.{minimum}", lang))
    n = _coarse_count(sel.frame, sel.precision)
    count = plural(f"spacetime.refuse.count.{sel.precision}", n, lang,
                   total=format_number(len(sel.frame), lang, digits=None))
    raise PrecisionError(plural("spacetime.refuse.bands", width_days, lang,
                                width=format_number(width_days, lang, digits=None),
                                count=count, fix=fix))
