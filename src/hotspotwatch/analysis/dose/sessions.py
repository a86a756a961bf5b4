"""Presence sessions built from GPS pings: the gap-and-radius rule.

A **session** is a maximal run of one unit's consecutive pings (ordered by time) such that

- no two consecutive pings are more than ``gap_s`` seconds apart, and
- every ping lies within ``radius_m`` metres of the run's *first* ping (its anchor).

The first ping that breaks either rule starts the next session (and becomes its anchor). A
session starts at its first ping and ends at its last; its place is the mean of its pings.
Runs shorter than ``min_duration_s`` (or of a single ping) are passing traffic and are not
sessions; they are counted in :attr:`PingSessions.dropped_pings`.

The rule is the one used for patrol-session data by Wollman, Koper & Oestmo (a unit that stays
put within a small radius is "present"; a gap in the pings or a move ends the stay). The gap
split is one vectorised pass; the radius split is resolved iteratively, each pass adding at most
one break per run and only revisiting the runs that still have a ping out of radius, so the cost
is close to one pass over the pings (see ``bench/presence_sessions.py``).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from hotspotwatch.analysis._result import ResultMixin

GAP_S = 300
"""Default largest gap between two pings of one session: 5 minutes."""
RADIUS_M = 100.0
"""Default radius around the session's first ping: 100 metres."""
MIN_DURATION_S = 60
"""Default shortest session: 1 minute (shorter runs are passing traffic)."""


@dataclass(frozen=True)
class PingSessions(ResultMixin):
    """Sessions built from pings by the gap-and-radius rule.

    Attributes
    ----------
    unit : ndarray of int
        Index of the session's unit in the ``unit`` codes given.
    start_s, end_s : ndarray of int64
        First and last ping of the session (the time unit of the input, seconds).
    x, y : ndarray of float
        Mean position of the session's pings.
    pings : ndarray of int
        Pings in the session.
    first_ping : ndarray of int
        Position (in the input order) of the session's first ping.
    dropped_pings : int
        Pings in runs too short to be a session.
    gap_s, radius_m, min_duration_s : float
        The rule's parameters.
    """

    unit: np.ndarray
    start_s: np.ndarray
    end_s: np.ndarray
    x: np.ndarray
    y: np.ndarray
    pings: np.ndarray
    first_ping: np.ndarray
    dropped_pings: int
    gap_s: float
    radius_m: float
    min_duration_s: float

    @property
    def duration_s(self) -> np.ndarray:
        """Length of each session (``end_s - start_s``)."""
        return self.end_s - self.start_s

    def __len__(self) -> int:
        return int(self.start_s.size)


def build_sessions(
    unit: np.ndarray,
    time_s: np.ndarray,
    x: np.ndarray,
    y: np.ndarray,
    *,
    gap_s: float = GAP_S,
    radius_m: float = RADIUS_M,
    min_duration_s: float = MIN_DURATION_S,
) -> PingSessions:
    """Group GPS pings into presence sessions (gap-and-radius rule, see the module notes).

    Parameters
    ----------
    unit : array of int
        Unit code of each ping (e.g. from ``pandas.factorize``); pings of different units are
        never in one session.
    time_s : array of int64
        Ping instants in seconds (any origin; UTC epoch seconds in the workflow).
    x, y : array of float
        Ping positions in metres (a projected CRS).
    gap_s : float, default 300
        Largest gap between two consecutive pings of a session.
    radius_m : float, default 100
        Largest distance of a ping from the session's first ping.
    min_duration_s : float, default 60
        Shortest session kept; shorter runs (and single pings) are dropped.

    Returns
    -------
    PingSessions
        Sessions ordered by unit, then start.

    Raises
    ------
    ValueError
        Arrays of different lengths, non-finite positions or non-positive parameters.

    Examples
    --------
    >>> t = np.array([0, 60, 120, 180, 1000, 1060])
    >>> s = build_sessions(np.zeros(6, int), t, np.array([0, 5, 10, 500, 500, 505.]), np.zeros(6))
    >>> s.start_s.tolist(), s.end_s.tolist(), s.dropped_pings
    ([0, 1000], [120, 1060], 1)
    """
    unit = np.asarray(unit)
    time_s = np.asarray(time_s, dtype=np.int64)
    x = np.asarray(x, dtype=float)
    y = np.asarray(y, dtype=float)
    n = time_s.size
    if not (unit.size == n == x.size == y.size):
        raise ValueError("unit, time_s, x and y must have the same length")
    if gap_s <= 0 or radius_m <= 0 or min_duration_s < 0:
        raise ValueError("gap_s and radius_m must be positive and min_duration_s >= 0")
    if n and not (np.isfinite(x).all() and np.isfinite(y).all()):
        raise ValueError("ping positions must be finite")
    if n == 0:
        empty_i = np.zeros(0, dtype=np.int64)
        return PingSessions(
            empty_i,
            empty_i,
            empty_i,
            np.zeros(0),
            np.zeros(0),
            empty_i,
            empty_i,
            0,
            float(gap_s),
            float(radius_m),
            float(min_duration_s),
        )
    order = _order(unit, time_s)
    u = unit[order]
    t = time_s[order]
    px = x[order]
    py = y[order]
    start = np.ones(n, dtype=bool)
    # A step longer than the diameter always breaks (both pings cannot be within the radius
    # of one anchor): driving is split here in one pass, leaving only stays to resolve.
    step2 = np.diff(px) ** 2 + np.diff(py) ** 2
    start[1:] = (u[1:] != u[:-1]) | (np.diff(t) > gap_s) | (step2 > 4.0 * radius_m * radius_m)
    _split_by_radius(start, px, py, radius_m * radius_m)

    first = np.flatnonzero(start)
    counts = np.diff(np.append(first, n))
    last = first + counts - 1
    s_start = t[first]
    s_end = t[last]
    keep = (counts >= 2) & ((s_end - s_start) >= min_duration_s)
    sid = np.cumsum(start) - 1
    sum_x = np.bincount(sid, weights=px, minlength=first.size)
    sum_y = np.bincount(sid, weights=py, minlength=first.size)
    return PingSessions(
        unit=u[first][keep].astype(np.int64, copy=False),
        start_s=s_start[keep],
        end_s=s_end[keep],
        x=(sum_x / counts)[keep],
        y=(sum_y / counts)[keep],
        pings=counts[keep].astype(np.int64),
        first_ping=order[first][keep].astype(np.int64),
        dropped_pings=int(counts[~keep].sum()),
        gap_s=float(gap_s),
        radius_m=float(radius_m),
        min_duration_s=float(min_duration_s),
    )


def _order(unit: np.ndarray, time_s: np.ndarray) -> np.ndarray:
    """Stable order by unit, then time (no sort when the pings already are)."""
    if unit.size > 1:
        du = np.diff(unit)
        if (du >= 0).all() and ((du > 0) | (np.diff(time_s) >= 0)).all():
            return np.arange(unit.size)
    return np.lexsort((time_s, unit))


def _split_by_radius(start: np.ndarray, x: np.ndarray, y: np.ndarray, r2: float) -> None:
    """Add session starts (in place) where a ping leaves the radius around its anchor.

    Each pass measures every still-open ping against the anchor (first ping) of its run and
    starts a new run at the first ping out of radius in each run; pings before that break are
    settled and leave the working set, so later passes only see the unsettled tails.
    """
    idx = np.arange(start.size)
    while idx.size:
        st = start[idx]
        # the anchor of each ping = the latest start at or before it (within the working set,
        # whose first element is always a start)
        anchor = np.maximum.accumulate(np.where(st, idx, 0))
        far = (x[idx] - x[anchor]) ** 2 + (y[idx] - y[anchor]) ** 2 > r2
        if not far.any():
            return
        run = np.cumsum(st) - 1
        # first far ping of each run that has one
        far_pos = np.flatnonzero(far)
        first_far = far_pos[np.r_[True, run[far_pos][1:] != run[far_pos][:-1]]]
        start[idx[first_far]] = True
        # runs with a break stay open from the break on; runs without one are settled
        open_run = np.zeros(run[-1] + 1, dtype=bool)
        open_run[run[first_far]] = True
        pos = np.arange(idx.size)
        break_at = np.full(run[-1] + 1, idx.size, dtype=np.int64)
        break_at[run[first_far]] = first_far
        keep = open_run[run] & (pos >= break_at[run])
        idx = idx[keep]


__all__ = ["GAP_S", "MIN_DURATION_S", "RADIUS_M", "PingSessions", "build_sessions"]
