"""Dose measures of presence sessions: minutes per place and week, high-harm hours covered,
session lengths and the dose–response of harm on presence.

Times enter as *local wall-clock* seconds (the workspace time zone, written as if it were UTC:
``local.tz_localize(None)`` in nanoseconds // 10**9), so weeks start on Monday 00:00 local and
the hour of the week is the local one. A session is split at week and hour boundaries.

Presence is **activity, not results**, and it is not randomised: places get more presence when
harm is high (Sherman & Weisburd 1995), so the dose–response slope is an association that the
allocation can bias either way; it is reported with that caveat.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np

from hotspotwatch.analysis._result import ResultMixin

WEEK_S = 7 * 86400
HOUR_S = 3600
_MONDAY = 3 * 86400  # 1970-01-01 was a Thursday: +3 days puts week starts on Mondays
_EPOCH = dt.date(1970, 1, 1)
LENGTH_EDGES = (0.0, 5.0, 10.0, 15.0, 20.0, 30.0, 45.0, 60.0, 120.0, float("inf"))


def week_index(local_s: np.ndarray) -> np.ndarray:
    """Week number (weeks since the Monday 1969-12-29) of local wall-clock seconds."""
    return np.floor_divide(np.asarray(local_s, dtype=np.int64) + _MONDAY, WEEK_S)


def week_start(index: int) -> dt.date:
    """The Monday starting week ``index`` (see :func:`week_index`).

    Examples
    --------
    >>> week_start(int(week_index(np.array([1_709_251_200]))[0]))  # 2024-03-01 (a Friday)
    datetime.date(2024, 2, 26)
    """
    return _EPOCH + dt.timedelta(days=int(index) * 7 - 3)


def hour_of_week(local_s: np.ndarray) -> np.ndarray:
    """Local hour of the week, 0 (Monday 00:00–01:00) to 167."""
    return np.floor_divide(np.mod(np.asarray(local_s, dtype=np.int64) + _MONDAY, WEEK_S), HOUR_S)


@dataclass(frozen=True)
class WeeklyPresence(ResultMixin):
    """Minutes of presence per place, week and unit type (one row per combination with any).

    Attributes
    ----------
    place, unit_type : ndarray of int
        Codes of the place and the unit type.
    week : ndarray of int
        :func:`week_index` of the week; :func:`week_start` gives its Monday.
    minutes : ndarray of float
        Minutes of presence in that week (a session is split at week boundaries; overlapping
        sessions of two units both count: unit-minutes).
    sessions : ndarray of int
        Sessions starting in that week.
    """

    place: np.ndarray
    unit_type: np.ndarray
    week: np.ndarray
    minutes: np.ndarray
    sessions: np.ndarray


def weekly_minutes(
    place: np.ndarray, unit_type: np.ndarray, start_local_s: np.ndarray, end_local_s: np.ndarray
) -> WeeklyPresence:
    """Minutes of presence per place, week and unit type.

    Examples
    --------
    >>> monday = 1_709_510_400  # 2024-03-04 00:00
    >>> w = weekly_minutes(np.array([0, 0]), np.array([1, 1]),
    ...                    np.array([monday - 600, monday + 3600]), np.array([monday + 1200, monday + 4200]))
    >>> [str(week_start(i)) for i in w.week], w.minutes.tolist(), w.sessions.tolist()
    (['2024-02-26', '2024-03-04'], [10.0, 30.0], [1, 1])
    """
    p = np.asarray(place, dtype=np.int64)
    u = np.asarray(unit_type, dtype=np.int64)
    s = np.asarray(start_local_s, dtype=np.int64)
    e = np.asarray(end_local_s, dtype=np.int64)
    if p.size == 0:
        z = np.zeros(0, dtype=np.int64)
        return WeeklyPresence(z, z, z, np.zeros(0), z)
    w0 = week_index(s)
    w1 = week_index(np.maximum(e - 1, s))
    parts_p, parts_u, parts_w, parts_m = [], [], [], []
    for k in range(int((w1 - w0).max()) + 1):
        wk = w0 + k
        has = wk <= w1
        lo = np.maximum(s, wk * WEEK_S - _MONDAY)
        hi = np.minimum(e, (wk + 1) * WEEK_S - _MONDAY)
        parts_p.append(p[has])
        parts_u.append(u[has])
        parts_w.append(wk[has])
        parts_m.append(np.maximum(hi - lo, 0)[has] / 60.0)
    pp, uu, ww, mm = (np.concatenate(v) for v in (parts_p, parts_u, parts_w, parts_m))
    key = np.stack([pp, uu, ww], axis=1)
    uniq, inv = np.unique(key, axis=0, return_inverse=True)
    minutes = np.bincount(inv.ravel(), weights=mm, minlength=len(uniq))
    skey = np.stack([p, u, w0], axis=1)
    pos = {tuple(r): i for i, r in enumerate(uniq.tolist())}
    sessions = np.zeros(len(uniq), dtype=np.int64)
    for r in skey.tolist():
        sessions[pos[tuple(r)]] += 1
    return WeeklyPresence(
        place=uniq[:, 0], unit_type=uniq[:, 1], week=uniq[:, 2], minutes=minutes, sessions=sessions
    )


def minutes_by_hour_of_week(start_local_s: np.ndarray, end_local_s: np.ndarray) -> np.ndarray:
    """Presence minutes falling in each of the 168 hours of the week (sessions split at hours)."""
    s = np.asarray(start_local_s, dtype=np.int64)
    e = np.asarray(end_local_s, dtype=np.int64)
    out = np.zeros(168)
    if s.size == 0:
        return out
    h0 = np.floor_divide(s, HOUR_S)
    h1 = np.floor_divide(np.maximum(e - 1, s), HOUR_S)
    for k in range(int((h1 - h0).max()) + 1):
        hk = h0 + k
        has = hk <= h1
        secs = np.minimum(e, (hk + 1) * HOUR_S) - np.maximum(s, hk * HOUR_S)
        np.add.at(out, hour_of_week(hk[has] * HOUR_S), np.maximum(secs[has], 0) / 60.0)
    return out


@dataclass(frozen=True)
class HighHarmCoverage(ResultMixin):
    """Share of a place's high-harm hours covered by presence.

    Attributes
    ----------
    hours : tuple of int
        The high-harm hours of the week (0 = Monday 00:00–01:00): the ``top_hours`` hours
        with most harm events at the place over the period (ties: earlier hour first).
    harm_share : float
        Share of the place's harm in those hours.
    covered_share : float
        Presence minutes in those hours divided by their length over the period
        (``60 * len(hours) * weeks``); can exceed 1 when units overlap.
    weeks : float
        Length of the period in weeks.
    """

    hours: tuple[int, ...]
    harm_share: float
    covered_share: float
    weeks: float


def high_harm_coverage(
    harm_local_s: np.ndarray,
    start_local_s: np.ndarray,
    end_local_s: np.ndarray,
    *,
    weeks: float,
    top_hours: int = 42,
) -> HighHarmCoverage:
    """How much of a place's high-harm hours (default the 42 worst hours of the week, a
    quarter) presence covered over ``weeks`` weeks.

    Examples
    --------
    >>> harm = np.array([3600 * 10 + 60] * 5 + [3600 * 50])  # Thu 1970-01-01 10h x5, Fri 2h
    >>> c = high_harm_coverage(harm, np.array([36000]), np.array([36000 + 1800]), weeks=1, top_hours=1)
    >>> c.hours, round(c.harm_share, 3), c.covered_share
    ((82,), 0.833, 0.5)
    """
    counts = np.bincount(hour_of_week(np.asarray(harm_local_s, dtype=np.int64)), minlength=168)
    order = np.lexsort((np.arange(168), -counts))
    top = np.sort(order[:top_hours])
    mins = minutes_by_hour_of_week(start_local_s, end_local_s)
    total = counts.sum()
    return HighHarmCoverage(
        hours=tuple(int(h) for h in top),
        harm_share=float(counts[top].sum() / total) if total else float("nan"),
        covered_share=float(mins[top].sum() / (60.0 * top_hours * weeks))
        if weeks > 0
        else float("nan"),
        weeks=float(weeks),
    )


@dataclass(frozen=True)
class LengthDistribution(ResultMixin):
    """Session lengths (minutes): count, mean, quantiles and a histogram.

    Attributes
    ----------
    sessions : int
    mean, p10, p25, median, p75, p90 : float
    edges : tuple of float
        Histogram edges (minutes; the last is infinite).
    counts : tuple of int
        Sessions per bin ``(edges[i], edges[i+1]]`` (the first bin includes 0).
    """

    sessions: int
    mean: float
    p10: float
    p25: float
    median: float
    p75: float
    p90: float
    edges: tuple[float, ...]
    counts: tuple[int, ...]


def length_distribution(
    minutes: np.ndarray, *, edges: tuple[float, ...] = LENGTH_EDGES
) -> LengthDistribution:
    """Distribution of session lengths.

    Examples
    --------
    >>> d = length_distribution(np.array([3.0, 12, 12, 40]))
    >>> d.median, d.counts[:4]
    (12.0, (1, 0, 2, 0))
    """
    m = np.asarray(minutes, dtype=float)
    nan = float("nan")
    q = np.quantile(m, [0.1, 0.25, 0.5, 0.75, 0.9]) if m.size else np.full(5, nan)
    idx = np.searchsorted(np.asarray(edges[1:-1]), m, side="left")
    counts = np.bincount(idx, minlength=len(edges) - 1) if m.size else np.zeros(len(edges) - 1, int)
    return LengthDistribution(
        sessions=int(m.size),
        mean=float(m.mean()) if m.size else nan,
        p10=float(q[0]),
        p25=float(q[1]),
        median=float(q[2]),
        p75=float(q[3]),
        p90=float(q[4]),
        edges=tuple(float(v) for v in edges),
        counts=tuple(int(c) for c in counts),
    )


MIN_CLUSTERS = 10
"""Fewest places for a cluster-robust interval of the dose-response.

With few clusters the cluster-robust (sandwich) variance is biased down and Wald intervals are
too narrow: tests over-reject, badly below ~10 clusters and noticeably up to 20-50 (Cameron &
Miller 2015, "A Practitioner's Guide to Cluster-Robust Inference", Journal of Human Resources
50(2): 317-372, section VI). Below this many places no interval is given."""


@dataclass(frozen=True)
class DoseResponse(ResultMixin):
    """Harm per place-week on presence hours (Poisson, place and week fixed effects).

    Attributes
    ----------
    rate_ratio, ci_low, ci_high : float
        Harm rate ratio per ``per_hours`` more hours of presence in a place-week (Wald
        interval, cluster-robust by place). The interval is NaN when there are fewer than
        ``min_places`` places (see ``interval_note``).
    per_hours : float
        The dose step.
    place_weeks, places : int
        Observations and places.
    caveat : str
        ``"dose is not randomised"``: the allocation of presence follows harm.
    min_places : int
        Fewest places for a cluster-robust interval (:data:`MIN_CLUSTERS`).
    interval_note : str or None
        Why there is no interval although there is a rate ratio, e.g. ``"too few places for
        a cluster-robust interval: 4 < 10"``; None when the interval is given.

    Notes
    -----
    The place is the cluster: its weeks are not independent. With fewer than ``min_places``
    places a cluster-robust interval is unreliable (Cameron & Miller 2015), so the data cannot
    tell how uncertain the rate ratio is, and no interval is reported rather than a narrow one.
    """

    rate_ratio: float
    ci_low: float
    ci_high: float
    per_hours: float
    place_weeks: int
    places: int
    caveat: str = "dose is not randomised"
    min_places: int = MIN_CLUSTERS
    interval_note: str | None = None

    @property
    def has_interval(self) -> bool:
        """Whether the cluster-robust interval is reported (enough places, a finite fit)."""
        return self.interval_note is None and bool(np.isfinite(self.ci_low))


def dose_response(
    harm: np.ndarray,
    presence_hours: np.ndarray,
    *,
    per_hours: float = 10.0,
    alpha: float = 0.05,
    min_places: int = MIN_CLUSTERS,
) -> DoseResponse:
    """Poisson regression of harm counts on presence hours with place and week fixed effects.

    Parameters
    ----------
    harm, presence_hours : ndarray, shape (places, weeks)
        Harm events and presence hours per place and week.
    per_hours : float, default 10
        Hours of presence the rate ratio is given for.
    min_places : int, default :data:`MIN_CLUSTERS`
        Fewest places for the cluster-robust interval; with fewer, the rate ratio is given
        without an interval and ``interval_note`` says why.

    Notes
    -----
    :math:`\\log E[y_{pw}] = a_p + b_w + \\beta h_{pw}`; the rate ratio is
    :math:`e^{\\beta \\cdot \\text{per\\_hours}}`. Standard errors are clustered by place;
    they need enough places (Cameron & Miller 2015): see :data:`MIN_CLUSTERS`.

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> hours = rng.uniform(0, 20, (4, 30))
    >>> dr = dose_response(rng.poisson(3, (4, 30)), hours)
    >>> dr.interval_note
    'too few places for a cluster-robust interval: 4 < 10'
    >>> bool(np.isnan(dr.ci_low))
    True
    """
    import statsmodels.api as sm
    from scipy import stats

    y = np.asarray(harm, dtype=float)
    h = np.asarray(presence_hours, dtype=float)
    n_p, n_w = y.shape
    nan = float("nan")
    if n_p < 2 or n_w < 2 or not np.any(h != h[0, 0]) or y.sum() == 0:
        return DoseResponse(nan, nan, nan, float(per_hours), int(y.size), int(n_p))
    pi = np.repeat(np.arange(n_p), n_w)
    wi = np.tile(np.arange(n_w), n_p)
    x = np.zeros((y.size, 1 + (n_p - 1) + (n_w - 1)))
    x[:, 0] = h.ravel()
    x[np.arange(y.size)[pi > 0], pi[pi > 0]] = 1.0
    x[np.arange(y.size)[wi > 0], n_p - 1 + wi[wi > 0]] = 1.0
    x = sm.add_constant(x, prepend=False)
    try:
        res = sm.GLM(y.ravel(), x, family=sm.families.Poisson()).fit(
            cov_type="cluster", cov_kwds={"groups": pi}
        )
        b, se = float(res.params[0]), float(res.bse[0])
    except (ValueError, np.linalg.LinAlgError):
        # too few harm events for the fixed effects (a place or week with none): no slope
        return DoseResponse(nan, nan, nan, float(per_hours), int(y.size), int(n_p))
    if not (np.isfinite(b) and np.isfinite(se)):
        return DoseResponse(nan, nan, nan, float(per_hours), int(y.size), int(n_p))
    if n_p < min_places:
        return DoseResponse(
            rate_ratio=float(np.exp(b * per_hours)),
            ci_low=nan,
            ci_high=nan,
            per_hours=float(per_hours),
            place_weeks=int(y.size),
            places=int(n_p),
            min_places=int(min_places),
            interval_note=(
                f"too few places for a cluster-robust interval: {n_p} < {min_places}"
            ),
        )
    z = float(stats.norm.ppf(1 - alpha / 2))
    return DoseResponse(
        rate_ratio=float(np.exp(b * per_hours)),
        ci_low=float(np.exp((b - z * se) * per_hours)),
        ci_high=float(np.exp((b + z * se) * per_hours)),
        per_hours=float(per_hours),
        place_weeks=int(y.size),
        places=int(n_p),
        min_places=int(min_places),
    )


__all__ = [
    "LENGTH_EDGES",
    "MIN_CLUSTERS",
    "DoseResponse",
    "HighHarmCoverage",
    "LengthDistribution",
    "WeeklyPresence",
    "dose_response",
    "high_harm_coverage",
    "hour_of_week",
    "length_distribution",
    "minutes_by_hour_of_week",
    "week_index",
    "week_start",
    "weekly_minutes",
]
