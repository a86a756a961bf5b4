"""Time precision of events and the time resolution an analysis may use.

Each stored event carries a ``time_precision``: ``"instant"`` (a full time stamp), ``"hour"``
(the hour is known), ``"day"`` (the day only, local midnight) or ``"month"`` (the month only:
police.uk-style data, every event on the 1st of its month). A time-based analysis must not
read the data finer than its coarsest precision: a 7-day Knox band on month-only dates, or a
weekly cube built from them, reports structure that is only the calendar.

The rule is one table (:data:`RESOLUTION_DAYS`, the longest span an event's true time may be
spread over) and two checks: :func:`coarsest` and :func:`finer_than`.

Examples
--------
>>> coarsest(["day", "instant", "month"])
'month'
>>> finer_than(7.0, "month"), finer_than(7.0, "day"), finer_than(0.5, "day")
(True, False, True)
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike, NDArray

#: From finest to coarsest.
PRECISIONS: tuple[str, ...] = ("instant", "hour", "day", "month")

#: Longest span (days) over which an event of each precision may really have happened
#: (a month holds up to 31 days). A band or step narrower than this is finer than the data.
RESOLUTION_DAYS: dict[str, float] = {"instant": 0.0, "hour": 1.0 / 24.0, "day": 1.0,
                                     "month": 31.0}

#: The finest precision each calendar step of a cube or a classification needs.
STEP_NEEDS: dict[str, str] = {"day": "day", "week": "day", "month": "month", "quarter": "month"}


def rank(precision: str) -> int:
    """Position in :data:`PRECISIONS` (0 finest); unknown values raise ``ValueError``."""
    try:
        return PRECISIONS.index(precision)
    except ValueError:
        raise ValueError(
            f"time precision {precision!r} is not one of {', '.join(PRECISIONS)}"
        ) from None


def coarsest(precisions: Iterable[str]) -> str:
    """The coarsest precision among ``precisions`` (``"instant"`` for none)."""
    found = {str(p) for p in precisions}
    return max(found, key=rank) if found else PRECISIONS[0]


def finer_than(width_days: float, precision: str) -> bool:
    """Whether a time band or step of ``width_days`` is finer than ``precision`` resolves."""
    return float(width_days) < RESOLUTION_DAYS[PRECISIONS[rank(precision)]]


def finest_band(edges: ArrayLike) -> float:
    """Width (days) of the narrowest finite time band; a band ``[0, 0+)`` (same day) is one
    day wide, the day being what it compares."""
    e = np.asarray(edges, dtype=float)
    e = e[np.isfinite(e)]
    if e.size < 2:
        return float("inf")
    widths = np.diff(e)
    widths[widths < 1e-9] = 1.0  # the degenerate "same day" band
    return float(widths.min())


@dataclass(frozen=True)
class PrecisionFilter:
    """Which events an analysis keeps for a minimal time precision.

    Attributes
    ----------
    keep : ndarray of bool
        Events at least as precise as ``min_precision`` (all when it is ``None``).
    n_dropped : int
        Events dropped because they are coarser.
    precision : str
        Coarsest precision of the kept events: the precision the analysis used.
    dropped_precision : str or None
        Coarsest precision among the dropped events.
    """

    keep: NDArray[np.bool_]
    n_dropped: int
    precision: str
    dropped_precision: str | None


def select(precisions: ArrayLike, min_precision: str | None) -> PrecisionFilter:
    """Keep the events at least as precise as ``min_precision``.

    Parameters
    ----------
    precisions : array_like of str
        ``time_precision`` of each event.
    min_precision : str, optional
        ``"instant"``, ``"hour"``, ``"day"`` or ``"month"``; ``None`` keeps every event.

    Returns
    -------
    PrecisionFilter

    Examples
    --------
    >>> f = select(["day", "month", "instant"], "day")
    >>> f.keep.tolist(), f.n_dropped, f.precision
    ([True, False, True], 1, 'day')
    """
    p = np.asarray(precisions, dtype=object).ravel()
    if min_precision is None:
        keep = np.ones(p.size, dtype=bool)
    else:
        limit = rank(min_precision)
        ranks = np.array([rank(str(v)) for v in p], dtype=int)
        keep = ranks <= limit
    dropped = p[~keep]
    return PrecisionFilter(keep=keep, n_dropped=int((~keep).sum()),
                           precision=coarsest(p[keep].tolist()),
                           dropped_precision=coarsest(dropped.tolist()) if dropped.size else None)
