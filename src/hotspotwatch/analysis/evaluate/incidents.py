"""Incidents in context: were a handful of recent incidents "too many" at designated places?

"Three of the four shootings last week happened at hotspots: is the strategy failing?" The
question compares a count ``k`` of ``N`` with the share of that kind of incident the
designated places held *before* they were designated. If the strategy changed nothing, each
incident falls in a designated place with that share; ``k`` or more of ``N`` then happens by
chance with a binomial upper-tail probability. Whether a *change* could be seen at all
depends on how many such incidents there are a year: :func:`years_to_detect` says how many
years of data a 20 % change needs (:mod:`~hotspotwatch.analysis.evaluate.power`).

:func:`incidents_in_context` takes plain arrays (no database): the incidents of one category
(their possible local days, which perimeters hold them), the places' designation periods and
the first day of data. The workflow (:mod:`hotspotwatch.workflows.incidents`) reads them from
a workspace and stores the :class:`IncidentsInContext`; sentences are written from it by
:func:`hotspotwatch.i18n.incidents.incidents_text`.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, ClassVar

import numpy as np
from numpy.typing import NDArray
from scipy import optimize

from hotspotwatch.analysis._result import ResultMixin
from hotspotwatch.analysis.evaluate.power import min_detectable_ratio
from hotspotwatch.domain.designation import Period
from hotspotwatch.periods import add_months

#: Months before a place's first designation that give its expected share.
BASELINE_MONTHS = 24
#: The change whose detectability ``years_to_detect`` gives: a fall to 0.8 or a rise to 1.2.
TARGET_CHANGE = 0.2
#: Days per year for rates (Julian year).
DAYS_PER_YEAR = 365.25


@dataclass(frozen=True)
class PlaceBaseline:
    """One designated place's share of the category before its first designation.

    Attributes
    ----------
    name : str
        Place (hotspot) name.
    first_designated : date
        First day of its first designation period.
    baseline_start, baseline_end : date
        The window the share is measured on, ``[start, end)``: the :data:`BASELINE_MONTHS`
        months before the first designation, cut at the first day of data (whole calendar
        months when the category's events are known only to the month).
    baseline_months : float
        Length of that window in months (days / 30.44); below :data:`BASELINE_MONTHS` when
        the data start later.
    count : int
        Incidents in the window inside the perimeter (an incident in several perimeters
        counts for the earliest designated one, then by name).
    region_count : int
        Incidents in the window in the whole region.
    share : float
        ``count / region_count`` (NaN when the region has none in the window).
    irr : float
        Rate ratio of the place in the evaluation used by the model share (NaN: none, taken
        as 1).
    """

    name: str
    first_designated: dt.date
    baseline_start: dt.date
    baseline_end: dt.date
    baseline_months: float
    count: int
    region_count: int
    share: float
    irr: float = math.nan


@dataclass(frozen=True)
class IncidentsInContext(ResultMixin):
    """How many recent incidents fell in designated places, against chance and power.

    Attributes
    ----------
    category : str
        Incident category.
    start, end : date
        The window, both days inclusive (workspace time zone).
    n : int
        Incidents in the window (``n_left_out`` excluded).
    k : int
        Of those, incidents inside the perimeter of a place designated on the incident's day.
    expected_share : float or None
        Share of the category the designated places held before their first designation,
        unrounded: the sum of each place's :attr:`PlaceBaseline.share`. When the set of
        designated places changes within the window, the mean over the incidents of the
        share of the places designated on each one's day. ``None``: no place designated,
        or no incident of the category in a baseline window.
    expected_share_model : float or None
        The share expected under the current model: each place's share multiplied by its
        evaluation rate ratio, the rest of the region unchanged (the evaluation compares
        each place with control areas),
        :math:`\\sum s_p r_p / (1 - \\sum s_p + \\sum s_p r_p)`.
    p_value : float or None
        :math:`P(K \\ge k)` for :math:`K \\sim \\mathrm{Binomial}(N, \\pi)`,
        :math:`\\pi` = ``expected_share`` (Poisson-binomial over the incidents when the
        designated set changes within the window). ``None`` when ``n == 0`` or no share.
    p_value_model : float or None
        The same under ``expected_share_model``.
    expected_k : float or None
        Incidents expected in designated places by chance (sum of the incidents' shares).
    years_to_detect : float or None
        Years after designation (compared with as many years before) needed to detect a
        :data:`TARGET_CHANGE` change (fall to 0.8 or rise to 1.2, whichever needs longer) in
        the category in the designated places, at their pre-designation rate
        (:func:`years_to_detect`); ``None`` without a rate (no incident before).
    years_to_detect_reduction, years_to_detect_increase : float or None
        Both directions.
    designated_per_year, region_per_year : float or None
        Incidents a year in the designated places (sum over places of count / years of
        their window) and in the region (in the earliest place's window).
    places : tuple of PlaceBaseline
        The places designated on at least one day of the window.
    n_left_out : int
        Incidents whose time is known only to a span (month precision) during which the
        designated places changed: they cannot be placed and are left out of ``n``.
    designated_sets : int
        Number of different sets of designated places among the incidents (1 normally).
    time_precision : str
        Coarsest time precision of the category's events.
    status : str
        ``"ok"``, ``"no_incidents"`` (``n == 0``), ``"no_designations"`` (no place
        designated in the window) or ``"no_baseline"`` (no incident of the category in a
        place's baseline window, e.g. no data before designation).
    parameters : dict
        ``baseline_months``, ``target_change``, ``alpha``, ``power``, ``design`` and what the
        model share used.
    """

    schema_version: ClassVar[int] = 1

    category: str
    start: dt.date
    end: dt.date
    n: int
    k: int
    expected_share: float | None
    expected_share_model: float | None
    p_value: float | None
    p_value_model: float | None
    expected_k: float | None
    years_to_detect: float | None
    years_to_detect_reduction: float | None
    years_to_detect_increase: float | None
    designated_per_year: float | None
    region_per_year: float | None
    places: tuple[PlaceBaseline, ...]
    n_left_out: int
    designated_sets: int
    time_precision: str
    status: str
    parameters: dict[str, Any] = field(default_factory=dict)

    @property
    def short_baseline(self) -> bool:
        """Whether a place's baseline window is shorter than asked (data start later)."""
        want = float(self.parameters.get("baseline_months", BASELINE_MONTHS))
        return any(p.baseline_months < want - 0.5 for p in self.places)


def poisson_binomial_sf(k: int, probabilities: Sequence[float]) -> float:
    """:math:`P(K \\ge k)` for a sum of independent Bernoulli trials.

    Parameters
    ----------
    k : int
        Threshold.
    probabilities : sequence of float
        Success probability of each trial.

    Returns
    -------
    float
        Equal to ``scipy.stats.binom.sf(k - 1, n, p)`` when every probability is ``p``.

    Notes
    -----
    Exact convolution of the trials' distributions (:math:`O(n^2)`).

    Examples
    --------
    >>> round(poisson_binomial_sf(3, [0.35] * 4), 4)
    0.1265
    """
    if k <= 0:
        return 1.0
    dist = np.zeros(len(probabilities) + 1)
    dist[0] = 1.0
    for i, p in enumerate(probabilities):
        p = float(p)
        dist[1 : i + 2] = dist[1 : i + 2] * (1 - p) + dist[: i + 1] * p
        dist[0] *= 1 - p
    return float(min(1.0, max(0.0, dist[k:].sum())))


def years_to_detect(
    annual_count: float,
    ratio: float,
    *,
    alpha: float = 0.05,
    power: float = 0.8,
) -> float:
    """Years of data before and after that make a rate ratio ``ratio`` detectable.

    Parameters
    ----------
    annual_count : float
        Expected incidents a year before the change (> 0).
    ratio : float
        Rate ratio to detect (0.8 for a 20 % fall, 1.2 for a 20 % rise).
    alpha, power : float
        Two-sided level and power of the Wald test on the log rate ratio.

    Returns
    -------
    float
        The :math:`T` for which :func:`~hotspotwatch.analysis.evaluate.power.min_detectable_ratio`
        of a pre-post comparison of :math:`T` years against :math:`T` years (baseline
        ``annual_count * T``, Poisson) equals ``ratio``.

    Notes
    -----
    For Poisson counts this has the closed form
    :math:`T = (z_{1-\\alpha/2} + z_{1-\\beta})^2 (1 + 1/R) / (\\lambda \\log^2 R)`
    (the variance of a log rate ratio, Zhu & Lakkis 2014); it is solved here through the
    project's power module so that both agree by construction of the test, not by copy.

    Examples
    --------
    >>> round(years_to_detect(70, 0.8), 2)
    5.07
    """
    if not (annual_count > 0 and math.isfinite(annual_count)):
        raise ValueError(f"annual_count must be positive, got {annual_count!r}")
    if not (ratio > 0 and ratio != 1):
        raise ValueError(f"ratio must be positive and not 1, got {ratio!r}")

    def gap(log_t: float) -> float:
        r = min_detectable_ratio(annual_count * math.exp(log_t), "pre-post", alpha, power)
        limit = r.ratio if ratio < 1 else r.increase_ratio
        if not math.isfinite(limit):
            return 1.0  # nothing short of (near) elimination is detectable yet
        return 1.0 - math.log(ratio) / math.log(limit)  # <= 0 once ratio is detectable

    lo, hi = math.log(1e-9), math.log(1e9)
    if gap(lo) <= 0:
        return math.exp(lo)
    if gap(hi) > 0:
        raise ValueError(f"a ratio of {ratio} is not detectable within 1e9 years")
    return math.exp(optimize.brentq(gap, lo, hi, xtol=1e-13, rtol=1e-13))


def _day(ordinal: int) -> dt.date:
    return dt.date.fromordinal(int(ordinal))


def _window(first: dt.date, months: int, *, whole_months: bool) -> tuple[dt.date, dt.date]:
    end = first.replace(day=1) if whole_months else first
    return add_months(end, -months), end


def _designated(
    periods: Sequence[Period], lo: NDArray[np.int64], hi: NDArray[np.int64]
) -> tuple[NDArray[np.bool_], NDArray[np.bool_]]:
    """Per span ``[lo, hi]`` (ordinals): designated on every day; on some day."""
    full = np.zeros(lo.shape, dtype=bool)
    some = np.zeros(lo.shape, dtype=bool)
    for p in periods:
        s = p.start.toordinal()
        e = p.end.toordinal() if p.end is not None else np.iinfo(np.int64).max
        full |= (lo >= s) & (hi < e)
        some |= (hi >= s) & (lo < e)
    return full, some


def incidents_in_context(
    *,
    category: str,
    start: dt.date,
    end: dt.date,
    first_day: NDArray[np.int64],
    last_day: NDArray[np.int64],
    inside: NDArray[np.bool_],
    places: Sequence[str],
    periods: Mapping[str, Sequence[Period]],
    data_start: dt.date,
    time_precision: str = "instant",
    baseline_months: int = BASELINE_MONTHS,
    target_change: float = TARGET_CHANGE,
    alpha: float = 0.05,
    power: float = 0.8,
    model_irr: Mapping[str, float] | None = None,
    model: Mapping[str, Any] | None = None,
) -> IncidentsInContext:
    """Set the incidents of a window against the designated places' earlier share.

    Parameters
    ----------
    category : str
        The incidents' category (for the record).
    start, end : date
        The window, both inclusive (local days).
    first_day, last_day : array of int
        For every incident of the category (all dates, not only the window): the first and
        last local day it may have happened on, as :meth:`datetime.date.toordinal` (equal
        for day or finer precision; the month's first and last day for month precision).
    inside : array of bool, shape (n_incidents, n_places)
        Whether each incident lies inside each place's perimeter.
    places : sequence of str
        Place names, in the columns' order.
    periods : mapping
        Designation periods of each place (:func:`hotspotwatch.domain.designation.active_periods`).
    data_start : date
        First day of data: baseline windows are cut there.
    time_precision : str
        Coarsest time precision of the incidents; ``"month"`` puts baseline windows on
        whole calendar months (ending on the 1st of the designation month).
    baseline_months : int
        Months before the first designation that give the expected share.
    target_change : float
        Relative change whose detectability is reported (0.2: a fall to 0.8 or a rise to
        1.2).
    alpha, power : float
        Level and power of the detectability computation.
    model_irr : mapping, optional
        Rate ratio of each place under the current model (an evaluation's estimates);
        places without one (or NaN) count as 1.
    model : mapping, optional
        What ``model_irr`` comes from (recorded in ``parameters["model"]``).

    Returns
    -------
    IncidentsInContext

    Examples
    --------
    >>> import datetime as dt, numpy as np
    >>> from hotspotwatch.domain.designation import Period
    >>> days = np.array([dt.date(2023, m, 1).toordinal() for m in range(1, 13)]
    ...                 + [dt.date(2025, 1, d).toordinal() for d in (2, 3, 4, 5)])
    >>> inside = np.array([[m <= 4] for m in range(1, 13)] + [[True], [True], [True], [False]])
    >>> r = incidents_in_context(category="shooting", start=dt.date(2025, 1, 1),
    ...     end=dt.date(2025, 1, 7), first_day=days, last_day=days, inside=inside,
    ...     places=["A"], periods={"A": [Period(dt.date(2024, 6, 1), None)]},
    ...     data_start=dt.date(2023, 1, 1))
    >>> r.n, r.k, round(r.expected_share, 4), round(r.p_value, 4)
    (4, 3, 0.3333, 0.1111)
    """
    lo_all = np.asarray(first_day, dtype=np.int64)
    hi_all = np.asarray(last_day, dtype=np.int64)
    inside = np.asarray(inside, dtype=bool).reshape(lo_all.size, len(places))
    names = [str(p) for p in places]
    whole_months = time_precision == "month"
    s_ord, e_ord = start.toordinal(), end.toordinal()
    params: dict[str, Any] = {
        "baseline_months": int(baseline_months),
        "target_change": float(target_change),
        "alpha": float(alpha),
        "power": float(power),
        "design": "pre-post, equal years before and after, Poisson",
        "model": dict(model or {}),
    }
    irr = {str(k): float(v) for k, v in (model_irr or {}).items()}

    first_of: dict[str, dt.date] = {}
    for name in names:
        ps = sorted(periods.get(name, []), key=lambda p: p.start)
        if ps:
            first_of[name] = ps[0].start

    # The incidents of the window, and who was designated when each happened.
    in_window = (lo_all >= s_ord) & (hi_all <= e_ord)
    idx = np.nonzero(in_window)[0]
    lo, hi = lo_all[idx], hi_all[idx]
    full = np.zeros((idx.size, len(names)), dtype=bool)
    some = np.zeros((idx.size, len(names)), dtype=bool)
    for j, name in enumerate(names):
        full[:, j], some[:, j] = _designated(periods.get(name, []), lo, hi)
    placeable = ~(some & ~full).any(axis=1)  # the designated set did not change in its span
    n_left_out = int((~placeable).sum())
    idx, full = idx[placeable], full[placeable]
    n = int(idx.size)
    k = int((inside[idx] & full).any(axis=1).sum()) if n else 0
    win_lo = np.array([s_ord], dtype=np.int64)
    win_hi = np.array([e_ord], dtype=np.int64)
    in_window_places = [
        name for name in names if _designated(periods.get(name, []), win_lo, win_hi)[1][0]
    ]

    def baselines(members: Sequence[str]) -> list[PlaceBaseline]:
        order = sorted(members, key=lambda m: (first_of[m], m))
        cols = [names.index(m) for m in order]
        taken = np.zeros(lo_all.size, dtype=bool)
        out: list[PlaceBaseline] = []
        for m, c in zip(order, cols, strict=True):
            ws, we = _window(first_of[m], baseline_months, whole_months=whole_months)
            clip = data_start
            if whole_months and clip.day != 1:  # whole months only: the next 1st
                clip = add_months(clip.replace(day=1), 1)
            ws = min(max(ws, clip), we)
            sel = (lo_all >= ws.toordinal()) & (hi_all < we.toordinal())
            mine = inside[:, c] & ~taken
            taken |= inside[:, c]
            region = int(sel.sum())
            count = int((sel & mine).sum())
            out.append(
                PlaceBaseline(
                    name=m,
                    first_designated=first_of[m],
                    baseline_start=ws,
                    baseline_end=we,
                    baseline_months=(we - ws).days / (DAYS_PER_YEAR / 12),
                    count=count,
                    region_count=region,
                    share=count / region if region else math.nan,
                    irr=irr.get(m, math.nan),
                )
            )
        return out

    def shares(members: Sequence[str]) -> tuple[float, float]:
        """(share, model share) of a set of places; NaN when a baseline has no incident."""
        if not members:
            return 0.0, 0.0
        rows = baselines(members)
        if any(not math.isfinite(r.share) for r in rows):
            return math.nan, math.nan
        s = sum(r.share for r in rows)
        sr = sum(r.share * (r.irr if math.isfinite(r.irr) and r.irr > 0 else 1.0) for r in rows)
        return s, sr / (1.0 - s + sr) if (1.0 - s + sr) > 0 else math.nan

    # One share per distinct set of designated places among the incidents.
    sets: dict[tuple[bool, ...], tuple[float, float]] = {}
    pi = np.empty(n)
    pi_model = np.empty(n)
    for i, row in enumerate(full):
        key = tuple(bool(v) for v in row)
        if key not in sets:
            sets[key] = shares([m for m, on in zip(names, key, strict=True) if on])
        pi[i], pi_model[i] = sets[key]

    place_rows = tuple(baselines(in_window_places))
    status = "ok"
    share: float | None
    share_model: float | None
    if not in_window_places:
        status, share, share_model = "no_designations", None, None
    elif any(not math.isfinite(r.share) for r in place_rows) or (n and not np.isfinite(pi).all()):
        status, share, share_model = "no_baseline", None, None
    elif n == 0:
        status = "no_incidents"
        share, share_model = shares(in_window_places)
    else:
        share, share_model = float(pi.mean()), float(pi_model.mean())
    p_value = p_model = expected_k = None
    if share is not None and n:
        p_value = poisson_binomial_sf(k, pi.tolist())
        expected_k = float(pi.sum())
        if share_model is not None and math.isfinite(share_model):
            p_model = poisson_binomial_sf(k, pi_model.tolist())
    if share_model is not None and not math.isfinite(share_model):
        share_model = None

    per_year = region_year = None
    y_red = y_inc = y_both = None
    if place_rows and all(r.baseline_months > 0 for r in place_rows):
        per_year = sum(r.count / (r.baseline_months / 12) for r in place_rows)
        first_row = min(place_rows, key=lambda r: r.first_designated)
        region_year = first_row.region_count / (first_row.baseline_months / 12)
        if per_year > 0:
            y_red = years_to_detect(per_year, 1 - target_change, alpha=alpha, power=power)
            y_inc = years_to_detect(per_year, 1 + target_change, alpha=alpha, power=power)
            y_both = max(y_red, y_inc)
    return IncidentsInContext(
        category=category,
        start=start,
        end=end,
        n=n,
        k=k,
        expected_share=share,
        expected_share_model=share_model,
        p_value=p_value,
        p_value_model=p_model,
        expected_k=expected_k,
        years_to_detect=y_both,
        years_to_detect_reduction=y_red,
        years_to_detect_increase=y_inc,
        designated_per_year=per_year,
        region_per_year=region_year,
        places=place_rows,
        n_left_out=n_left_out,
        designated_sets=len(sets),
        time_precision=time_precision,
        status=status,
        parameters=params,
    )


__all__ = [
    "BASELINE_MONTHS",
    "TARGET_CHANGE",
    "IncidentsInContext",
    "PlaceBaseline",
    "incidents_in_context",
    "poisson_binomial_sf",
    "years_to_detect",
]
