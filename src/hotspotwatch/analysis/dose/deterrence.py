"""Residual deterrence after a presence session: the Koper curve and its threshold.

Koper (1995) found that police stops of about 10–16 minutes deter best: the longer a stop,
the longer the place stays free of crime after the police leave, up to a point. Wollman, Koper
& Oestmo replicated it with patrol-session data and survival analysis. This module asks the
same question of presence sessions and the harm events of the place.

Follow-up
---------
Each session opens a follow-up at its end, in its place. The follow-up ends at the first harm
event of the place after the session end (an *event*), or is censored at the start of the
place's next session (presence again), or after ``max_follow_minutes``. A session whose end
falls inside another session of the same place (presence continues) has no follow-up.

The model
---------
A stratified Cox model (Efron ties) of the time to the next harm event, with strata the
hour-of-week block of the session end (default 4-hour blocks, 42 strata: the baseline hazard
is free for every block of the week, which adjusts for when sessions happen) and one
time-varying covariate

.. math::

    z_i(t) = 1\\{L_i > T\\}\\,1\\{t \\le D\\},

the session lasted longer than the threshold :math:`T` and the follow-up is within the
deterrence duration :math:`D`. :math:`e^{\\beta}` is the hazard ratio of harm in the
:math:`D` minutes after a long session against the place's usual hazard at that hour of the
week. :math:`(T, D)` are estimated by profile likelihood over a grid (thresholds of 1 to 45
minutes by 1, durations of 5 to 120 minutes by 5; the best pair with :math:`\\beta < 0`), and
the interval of each is the set of grid values whose profile log-likelihood is within
:math:`\\chi^2_{1, 0.95}/2` of the best (Hinkley 1970; profile-likelihood intervals for change
points), with its ends moved out by one grid step: a change point between two grid values
cannot be told from either, so the interval is stated at the grid's resolution (1 minute for
the threshold, 5 for the duration). The final model at :math:`(\\hat T, \\hat D)` is fitted with ``statsmodels`` PHReg on
the follow-ups split at :math:`\\hat D` (counting-process form, entry/exit), whose
coefficient the grid's own Efron likelihood reproduces (tests: statsmodels against lifelines
within 1e-6, both Efron).

The data *cannot tell* when the likelihood-ratio statistic of the best pair against no
deterrence is below :math:`\\chi^2_{3, 0.95}` (one degree of freedom for :math:`\\beta` and one
for each searched change point, a conservative rule for a supremum over a grid; Davies 1987),
or when the threshold's interval spans the whole grid.

Why statsmodels: it is already a dependency of HotspotWatch (evaluation GLMs), its PHReg has
Efron ties, strata and entry times (left truncation, which the split follow-ups need); lifelines
is used only as the test reference.

The caveat: presence is not randomised. Long sessions may be placed where and when harm is
low anyway; the hour-of-week strata remove only the weekly rhythm.

References
----------
Koper, C. S. (1995). Just enough police presence: reducing crime and disorderly behavior by
optimizing patrol time in crime hot spots. *Justice Quarterly*, 12(4), 649–672.
Hinkley, D. V. (1970). Inference about the change-point in a sequence of random variables.
*Biometrika*, 57(1), 1–17.
Davies, R. B. (1987). Hypothesis testing when a nuisance parameter is present only under the
alternative. *Biometrika*, 74(1), 33–43.
Beran, R. (1981). Nonparametric regression with randomly censored survival data. Technical
report, University of California, Berkeley (the kernel-weighted Kaplan–Meier smooth).
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from typing import Any

import numpy as np
from scipy import stats

from hotspotwatch.analysis._result import ResultMixin
from hotspotwatch.analysis.dose.cox import BETA_BOUND, _efron, _newton, _Profile  # noqa: F401

THRESHOLDS = tuple(float(v) for v in range(1, 46))
"""Default threshold grid (minutes of session)."""
DURATIONS = tuple(float(v) for v in range(5, 121, 5))
"""Default deterrence-duration grid (minutes after the session)."""
MAX_FOLLOW_MINUTES = 120.0
BLOCK_HOURS = 4
LENGTH_BINS = (0.0, 5.0, 10.0, 15.0, 20.0, 30.0, 45.0, 60.0, float("inf"))


@dataclass(frozen=True)
class FollowUps(ResultMixin):
    """One follow-up per session with one (see the module notes).

    Attributes
    ----------
    session : ndarray of int
        Index of the session in the input arrays.
    place : ndarray of int
        Place code.
    length_min : ndarray of float
        Session length, minutes.
    time_min : ndarray of float
        Follow-up time, minutes (to the harm event or the censoring).
    event : ndarray of bool
        A harm event ended the follow-up.
    stratum : ndarray of int
        Hour-of-week block of the session end.
    covered : int
        Sessions left out because another session of the place was still going on.
    """

    session: np.ndarray
    place: np.ndarray
    length_min: np.ndarray
    time_min: np.ndarray
    event: np.ndarray
    stratum: np.ndarray
    covered: int

    def __len__(self) -> int:
        return int(self.time_min.size)


def follow_ups(
    place: np.ndarray,
    start_s: np.ndarray,
    end_s: np.ndarray,
    end_hour_of_week: np.ndarray,
    harm_place: np.ndarray,
    harm_s: np.ndarray,
    *,
    max_follow_minutes: float = MAX_FOLLOW_MINUTES,
    block_hours: int = BLOCK_HOURS,
) -> FollowUps:
    """Follow-ups after each session: time to the place's next harm event.

    Parameters
    ----------
    place : array of int
        Place code of each session (non-negative).
    start_s, end_s : array of int64
        Session start and end, seconds.
    end_hour_of_week : array of int
        Local hour of the week (0 = Monday 00:00–01:00 … 167) of each session end.
    harm_place, harm_s : arrays
        Place code and instant (seconds) of each harm event in a place.
    max_follow_minutes : float, default 120
        Longest follow-up.
    block_hours : int, default 4
        Width of the hour-of-week strata.

    Returns
    -------
    FollowUps

    Examples
    --------
    >>> f = follow_ups(np.array([0, 0]), np.array([0, 4000]), np.array([600, 4600]),
    ...                np.array([10, 11]), np.array([0]), np.array([1800]))
    >>> f.time_min.tolist(), f.event.tolist()
    ([20.0, 120.0], [True, False])
    """
    place = np.asarray(place, dtype=np.int64)
    start = np.asarray(start_s, dtype=np.int64)
    end = np.asarray(end_s, dtype=np.int64)
    how = np.asarray(end_hour_of_week, dtype=np.int64)
    hp = np.asarray(harm_place, dtype=np.int64)
    ht = np.asarray(harm_s, dtype=np.int64)
    n = place.size
    if not (start.size == end.size == how.size == n) or hp.size != ht.size:
        raise ValueError("session arrays (and harm arrays) must have equal lengths")
    if n and (end < start).any():
        raise ValueError("a session ends before it starts")
    lo = min(int(start.min()) if n else 0, int(ht.min()) if ht.size else 0)
    hi = max(int(end.max()) if n else 0, int(ht.max()) if ht.size else 0)
    span = hi - lo + 2 + int(max_follow_minutes * 60)
    # one sorted key per place and instant: place-major, so searches stay within a place
    start_key = place * span + (start - lo)
    end_key = place * span + (end - lo)
    order = np.argsort(start_key, kind="stable")
    sk = start_key[order]
    ends_sorted = end_key[order]
    prefix_max_end = np.maximum.accumulate(ends_sorted) if n else ends_sorted
    k = np.searchsorted(sk, end_key, side="right")  # sessions started at or before my end
    covered = (k > 0) & (prefix_max_end[np.maximum(k - 1, 0)] > end_key)
    next_start = np.where(k < n, sk[np.minimum(k, n - 1)] if n else 0, np.iinfo(np.int64).max)
    next_start = np.where(next_start // span == place, next_start, np.iinfo(np.int64).max)
    harm_key = np.sort(hp * span + (ht - lo))
    j = np.searchsorted(harm_key, end_key, side="right")
    nh = harm_key.size
    next_harm = np.where(
        j < nh, harm_key[np.minimum(j, nh - 1)] if nh else 0, np.iinfo(np.int64).max
    )
    next_harm = np.where(next_harm // span == place, next_harm, np.iinfo(np.int64).max)
    max_s = round(max_follow_minutes * 60)
    to_harm = np.where(
        next_harm < np.iinfo(np.int64).max, next_harm - end_key, np.iinfo(np.int64).max
    )
    to_next = np.where(
        next_start < np.iinfo(np.int64).max, next_start - end_key, np.iinfo(np.int64).max
    )
    event = (to_harm <= to_next) & (to_harm <= max_s)
    time_s = np.minimum(np.minimum(to_harm, to_next), max_s)
    keep = ~covered & (time_s > 0)
    stratum = how // int(block_hours)
    return FollowUps(
        session=np.flatnonzero(keep),
        place=place[keep],
        length_min=(end - start)[keep] / 60.0,
        time_min=time_s[keep] / 60.0,
        event=event[keep],
        stratum=stratum[keep],
        covered=int(covered.sum()),
    )


# --------------------------------------------------------------------------- Efron profile


@dataclass(frozen=True)
class Interval(ResultMixin):
    """An estimate with its interval (``None``/NaN when the data cannot tell)."""

    estimate: float
    ci_low: float
    ci_high: float


@dataclass(frozen=True)
class LengthBin(ResultMixin):
    """Sessions of one length bin and the harm after them.

    Attributes
    ----------
    low, high : float
        Bin edges, minutes (``high`` may be infinite, stored as ``None``).
    sessions, events : int
        Follow-ups in the bin and those ended by a harm event.
    harm_within : float
        Kaplan–Meier probability of a harm event within ``window_minutes`` after the session.
    """

    low: float
    high: float
    sessions: int
    events: int
    harm_within: float


@dataclass(frozen=True)
class KoperCurve(ResultMixin):
    """The Koper curve: residual deterrence as a function of session length.

    Attributes
    ----------
    best_session_minutes : Interval
        The estimated threshold :math:`\\hat T` (sessions longer than it deter) and its
        profile-likelihood interval; NaN when the data cannot tell.
    deterrence_minutes : Interval
        The estimated deterrence duration :math:`\\hat D` and its interval.
    hazard_ratio, hr_ci_low, hr_ci_high : float
        :math:`e^{\\hat\\beta}` (harm hazard in the first :math:`\\hat D` minutes after a
        session longer than :math:`\\hat T`, against the usual hazard) with its Wald interval
        from PHReg at :math:`(\\hat T, \\hat D)`.
    coef, se : float
        :math:`\\hat\\beta` and its standard error (statsmodels PHReg, Efron ties).
    lr_statistic, lr_critical : float
        Likelihood ratio of the best pair against no deterrence and the value it must exceed.
    can_tell : bool
        Whether the data name a threshold (see the module notes).
    reason : str
        ``""`` when they do; otherwise why not (``"too few events"``, ``"no deterrence
        detected"``, ``"threshold not identified"``).
    sessions, follow_ups, events, covered : int
        Sessions given, follow-ups, follow-ups ended by harm, sessions without follow-up.
    bins : tuple of LengthBin
        Harm within ``window_minutes`` after sessions, by session length.
    smooth_minutes, smooth_harm_within : ndarray
        Kernel-weighted Kaplan–Meier (Beran) probability of harm within ``window_minutes``
        at a grid of session lengths.
    window_minutes : float
        The window of ``bins`` and the smooth (:math:`\\hat D`, or 30 minutes when the data
        cannot tell).
    thresholds, durations : ndarray
        The searched grids.
    profile : ndarray
        Profile log-likelihood over the grid, shape ``(len(thresholds), len(durations))``,
        relative to no deterrence.
    alpha : float
        Level of the intervals.
    """

    best_session_minutes: Interval
    deterrence_minutes: Interval
    hazard_ratio: float
    hr_ci_low: float
    hr_ci_high: float
    coef: float
    se: float
    lr_statistic: float
    lr_critical: float
    can_tell: bool
    reason: str
    sessions: int
    follow_ups: int
    events: int
    covered: int
    bins: tuple[LengthBin, ...]
    smooth_minutes: np.ndarray
    smooth_harm_within: np.ndarray
    window_minutes: float
    thresholds: np.ndarray
    durations: np.ndarray
    profile: np.ndarray
    alpha: float
    max_follow_minutes: float
    block_hours: int

    schema_version = 1


def profile_grid(
    f: FollowUps, *, thresholds: np.ndarray, durations: np.ndarray
) -> tuple[np.ndarray, np.ndarray, float]:
    """Profile log-likelihood and ``beta`` over the grid, and the null log-likelihood.

    Returns ``(loglik (T×D), beta (T×D), loglik at beta = 0)``.
    """
    prof = _Profile(f)
    ll = np.full((len(thresholds), len(durations)), np.nan)
    bb = np.full_like(ll, np.nan)
    zeros = np.zeros_like(prof.tau)
    null = prof.loglik(0.0, zeros, zeros)
    for i, thr in enumerate(thresholds):
        n1_all, m1_all = prof.counts(float(thr))
        for j, dur in enumerate(durations):
            within = prof.tau <= dur
            b, value, _ = prof.fit(np.where(within, n1_all, 0.0), np.where(within, m1_all, 0.0))
            ll[i, j] = value
            bb[i, j] = b
    return ll, bb, null


def split_at(f: FollowUps, threshold: float, duration: float) -> dict[str, np.ndarray]:
    """Counting-process rows of the model at ``(threshold, duration)``.

    A follow-up of a session longer than ``threshold`` is split at ``duration``: ``(0, min(time,
    duration)]`` with ``z = 1`` and, if it lasts longer, ``(duration, time]`` with ``z = 0``.
    Returns arrays ``entry, exit, event, z, stratum, follow_up``.
    """
    long = f.length_min > threshold
    first_exit = np.where(long, np.minimum(f.time_min, duration), f.time_min)
    first_event = f.event & (~long | (f.time_min <= duration))
    second = long & (f.time_min > duration)
    idx = np.arange(len(f))
    return {
        "entry": np.concatenate([np.zeros(len(f)), np.full(int(second.sum()), float(duration))]),
        "exit": np.concatenate([first_exit, f.time_min[second]]),
        "event": np.concatenate([first_event, f.event[second]]),
        "z": np.concatenate([long.astype(float), np.zeros(int(second.sum()))]),
        "stratum": np.concatenate([f.stratum, f.stratum[second]]),
        "follow_up": np.concatenate([idx, idx[second]]),
    }


ENTRY_NUDGE = 1e-9
"""Minutes added to entry times for PHReg (see :func:`phreg_model`)."""


def phreg_model(rows: dict[str, np.ndarray]) -> Any:
    """The statsmodels PHReg model of the split rows (Efron ties, strata, entry times).

    A row is at risk at the event times ``tau`` with ``entry < tau <= exit`` (the
    counting-process convention, as in lifelines and in the grid's likelihood). PHReg counts
    a row at risk at ``tau == entry`` too, which matters when follow-ups are recorded to the
    minute and some end exactly at the split ``D``: entries are moved later by
    :data:`ENTRY_NUDGE` minutes, less than any recorded time step.
    """
    from statsmodels.duration.hazard_regression import PHReg

    entry = np.where(rows["entry"] > 0, rows["entry"] + ENTRY_NUDGE, 0.0)
    return PHReg(
        rows["exit"],
        rows["z"][:, None],
        status=rows["event"].astype(float),
        entry=entry,
        strata=rows["stratum"],
        ties="efron",
    )


def phreg_fit(rows: dict[str, np.ndarray]) -> tuple[float, float]:
    """``(coef, se)`` of ``z`` from statsmodels PHReg (Efron ties, strata, entry times)."""
    model = phreg_model(rows)
    res = model.fit(method="newton", tol=1e-12, maxiter=200, disp=False)
    return float(res.params[0]), float(res.bse[0])


def _km_within(
    time: np.ndarray, event: np.ndarray, window: float, weights: np.ndarray | None = None
) -> float:
    """(Weighted) Kaplan–Meier probability of an event by ``window``."""
    if time.size == 0:
        return float("nan")
    w = np.ones(time.size) if weights is None else weights
    order = np.argsort(time, kind="stable")
    t, e, w = time[order], event[order], w[order]
    at_risk = np.cumsum(w[::-1])[::-1]
    uniq, first = np.unique(t, return_index=True)
    risk = at_risk[first]
    fails = np.bincount(np.searchsorted(uniq, t), weights=w * e, minlength=uniq.size)
    use = (uniq <= window) & (risk > 0)
    surv = np.prod(1.0 - fails[use] / risk[use])
    return float(1.0 - surv)


def _outward(grid: np.ndarray, kept: np.ndarray) -> tuple[float, float]:
    """Ends of a profile-likelihood interval on ``grid``, moved out by one grid step.

    The profile is searched on grid values only, so a change point that lies between two grid
    values cannot be told from either of them: the interval is stated at the grid's resolution,
    from the grid value below the lowest kept one to the value above the highest (clipped to
    the grid). Without this, a planted 14.5-minute threshold is "missed" by an interval
    [15, 15] although the data locate it as well as a 1-minute grid can
    (``bench/presence_recovery.py --threshold 14.5``).
    """
    lo = int(np.searchsorted(grid, kept.min()))
    hi = int(np.searchsorted(grid, kept.max()))
    return float(grid[max(lo - 1, 0)]), float(grid[min(hi + 1, grid.size - 1)])


def koper_curve(
    f: FollowUps,
    *,
    sessions: int | None = None,
    thresholds: tuple[float, ...] = THRESHOLDS,
    durations: tuple[float, ...] = DURATIONS,
    alpha: float = 0.05,
    min_events: int = 20,
    length_bins: tuple[float, ...] = LENGTH_BINS,
    max_follow_minutes: float = MAX_FOLLOW_MINUTES,
    block_hours: int = BLOCK_HOURS,
) -> KoperCurve:
    """Estimate the Koper curve, the threshold and the deterrence duration.

    Parameters
    ----------
    f : FollowUps
        From :func:`follow_ups`.
    sessions : int, optional
        Sessions given to :func:`follow_ups` (for the record; default ``len(f) + f.covered``).
    thresholds, durations : tuple of float
        Grids searched (minutes).
    alpha : float, default 0.05
        Level of the intervals and of the "can tell" test.
    min_events : int, default 20
        Fewer harm events than this: the data cannot tell.
    length_bins : tuple of float
        Edges of the session-length bins (minutes).
    max_follow_minutes, block_hours :
        Recorded (they were used to build ``f``).

    Returns
    -------
    KoperCurve

    Examples
    --------
    >>> rng = np.random.default_rng(1)
    >>> n = 4000
    >>> length = rng.uniform(1, 40, n)
    >>> t = rng.exponential(60, n)
    >>> # a planted effect: sessions over 15 min halve the hazard for 30 min (by thinning)
    >>> keep = ~((length > 15) & (t <= 30) & (rng.random(n) < 0.6))
    >>> t = np.where(keep, t, 30 + rng.exponential(60, n))
    >>> f = FollowUps(np.arange(n), np.zeros(n, int), length, np.minimum(t, 120.0), t <= 120,
    ...               np.zeros(n, int), 0)
    >>> k = koper_curve(f)
    >>> k.can_tell, 10 <= k.best_session_minutes.estimate <= 20
    (True, True)
    """
    thr = np.asarray(thresholds, dtype=float)
    dur = np.asarray(durations, dtype=float)
    n_events = int(f.event.sum())
    crit_1 = float(stats.chi2.ppf(1 - alpha, 1))
    crit = float(stats.chi2.ppf(1 - alpha, 3))
    nan = float("nan")
    n_sessions = int(sessions if sessions is not None else len(f) + f.covered)
    profile = np.full((thr.size, dur.size), np.nan)
    reason = ""
    best_t = best_d = nan
    t_int = d_int = Interval(nan, nan, nan)
    coef = se = lr = nan
    if n_events < min_events:
        reason = "too few events"
    else:
        ll, beta, null = profile_grid(f, thresholds=thr, durations=dur)
        profile = ll - null
        deterring = np.where(beta < 0, ll, -np.inf)
        i, j = np.unravel_index(int(np.argmax(deterring)), deterring.shape)
        top = float(deterring[i, j])
        lr = 2.0 * (top - null) if np.isfinite(top) else 0.0
        best_t, best_d = float(thr[i]), float(dur[j])
        near = deterring >= top - crit_1 / 2.0
        t_ok = thr[near.any(axis=1)]
        d_ok = dur[near.any(axis=0)]
        t_int = Interval(best_t, *_outward(thr, t_ok))
        d_int = Interval(best_d, *_outward(dur, d_ok))
        coef, se = phreg_fit(split_at(f, best_t, best_d))
        if not np.isfinite(top) or lr < crit:
            reason = "no deterrence detected"
        elif t_ok.min() <= thr[0] and t_ok.max() >= thr[-1]:
            reason = "threshold not identified"
    can_tell = reason == ""
    z = float(stats.norm.ppf(1 - alpha / 2))
    window = best_d if can_tell else 30.0
    bins = []
    for lo_, hi_ in itertools.pairwise(length_bins):
        inb = (f.length_min > lo_) & (f.length_min <= hi_) if lo_ > 0 else f.length_min <= hi_
        bins.append(
            LengthBin(
                low=float(lo_),
                high=float(hi_),
                sessions=int(inb.sum()),
                events=int((f.event & inb).sum()),
                harm_within=_km_within(f.time_min[inb], f.event[inb], window),
            )
        )
    grid = np.array([2.0, 5, 7.5, 10, 12.5, 15, 20, 25, 30, 40, 50, 60])
    smooth = np.full(grid.size, np.nan)
    if len(f):
        logl = np.log(np.maximum(f.length_min, 0.1))
        h = 0.25
        for g_i, g in enumerate(grid):
            w = np.exp(-0.5 * ((logl - np.log(g)) / h) ** 2)
            if w.sum() >= 10:
                smooth[g_i] = _km_within(f.time_min, f.event, window, w)
    return KoperCurve(
        best_session_minutes=t_int if can_tell else Interval(nan, t_int.ci_low, t_int.ci_high),
        deterrence_minutes=d_int if can_tell else Interval(nan, d_int.ci_low, d_int.ci_high),
        hazard_ratio=float(np.exp(coef)) if np.isfinite(coef) else nan,
        hr_ci_low=float(np.exp(coef - z * se)) if np.isfinite(se) else nan,
        hr_ci_high=float(np.exp(coef + z * se)) if np.isfinite(se) else nan,
        coef=coef,
        se=se,
        lr_statistic=float(lr),
        lr_critical=crit,
        can_tell=can_tell,
        reason=reason,
        sessions=n_sessions,
        follow_ups=len(f),
        events=n_events,
        covered=int(f.covered),
        bins=tuple(bins),
        smooth_minutes=grid,
        smooth_harm_within=smooth,
        window_minutes=float(window),
        thresholds=thr,
        durations=dur,
        profile=profile,
        alpha=float(alpha),
        max_follow_minutes=float(max_follow_minutes),
        block_hours=int(block_hours),
    )


__all__ = [
    "BLOCK_HOURS",
    "DURATIONS",
    "LENGTH_BINS",
    "MAX_FOLLOW_MINUTES",
    "THRESHOLDS",
    "FollowUps",
    "Interval",
    "KoperCurve",
    "LengthBin",
    "follow_ups",
    "koper_curve",
    "phreg_fit",
    "phreg_model",
    "profile_grid",
    "split_at",
]
