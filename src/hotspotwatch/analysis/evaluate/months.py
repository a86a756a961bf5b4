"""Which months an evaluation counts: time precision, month rule and data coverage.

Two rules decide the evaluation's months (issue 14):

**Time precision.** Events of ``time_precision == "month"`` (police.uk style: every event on
the 1st of its month) cannot be placed in months that start on a designation day: an event
of "March" dated 1 March would fall before a designation on 15 March, whatever its true day.
So, when any counted event has month precision, the evaluation counts in *calendar months*
(:func:`period_rule`): the post-period starts on the first of the month after designation
(or on the designation day when it is the 1st); the designation month itself, partly before
and partly after, is a *transition month*, left out of the comparison; the post-period ends
with the last whole calendar month. Asking for anchored months on such data is refused.

**Coverage.** A month a source does not cover is *missing*, not zero. A source covers a
calendar month when it delivered at least one event dated in it (any category, anywhere);
within the span of the data, a month without a single event of a source that delivers
outcome events is missing for that source (:func:`source_coverage`). Every evaluation month
that overlaps a missing calendar month is left out of the comparison (its counts are NaN in
the series, its exposure 0), and the result lists it. The rule assumes a source delivers
at least one event a month; a very sparse source would see its empty months read as
missing, which errs on the side of not counting.

Examples
--------
>>> period_rule("month", "auto"), period_rule("day", "auto")
('calendar_months', 'anchored_months')
>>> p = month_plan(dt.date(2024, 3, 15), dt.date(2024, 6, 20), 3, "calendar_months")
>>> p.anchor, p.lo, p.hi, p.transition, p.last
(datetime.date(2024, 4, 1), -4, 1, -1, datetime.date(2024, 5, 31))
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike, NDArray

from hotspotwatch.analysis._result import ResultMixin
from hotspotwatch.periods import AnchoredMonth, CalendarMonth, add_months, month_ordinal

#: The ``months`` option of the evaluation.
MONTH_OPTIONS = ("auto", "anchored", "calendar")


def period_rule(precision: str, months: str = "auto") -> str:
    """``"anchored_months"`` or ``"calendar_months"`` for data of ``precision``.

    Parameters
    ----------
    precision : str
        Coarsest ``time_precision`` of the counted events.
    months : {"auto", "anchored", "calendar"}
        ``"auto"``: calendar months for month-precision data, else anchored months.

    Raises
    ------
    ValueError
        For anchored months on month-precision data, or an unknown ``months``.
    """
    if months not in MONTH_OPTIONS:
        raise ValueError(f"months must be one of {', '.join(MONTH_OPTIONS)}, not {months!r}")
    if precision == "month":
        if months == "anchored":
            raise ValueError(
                "some events have month precision (every event on the 1st of its month): they "
                "cannot be placed in months that start on the designation day; evaluate on "
                "calendar months (months='calendar', `--months calendar`, the default 'auto' "
                "does it) or leave the month-precision source out"
            )
        return "calendar_months"
    return "calendar_months" if months == "calendar" else "anchored_months"


@dataclass(frozen=True)
class MonthPlan:
    """The months one hotspot is counted on.

    Attributes
    ----------
    anchor : datetime.date
        Start of month 0 (the designation day, or under calendar months the first of the
        month after it).
    lo, hi : int
        First and last month code (``lo = -pre_months``, one more before a transition).
    days : ndarray
        Days of each month ``lo .. hi`` (the last anchored month may be partial).
    transition : int or None
        Code of the designation month left out under calendar months (``-1``), else None.
    last : datetime.date
        Last day counted (the end of the last whole month under calendar months).
    window : tuple of int
        Codes of the selection window: the months just before the decision, left out of
        both the treated and the control series (neither before nor after).
    """

    anchor: dt.date
    lo: int
    hi: int
    days: NDArray[np.float64]
    transition: int | None
    last: dt.date
    window: tuple[int, ...] = ()

    @property
    def baseline(self) -> tuple[int, int]:
        """First and last code of the pre-period (before the window and the transition)."""
        top = min([*self.window, *([] if self.transition is None else [self.transition]), 0])
        return self.lo, top - 1


def month_plan(
    first: dt.date,
    last: dt.date,
    pre_months: int,
    rule: str,
    timezone: str = "UTC",
    *,
    selection_window: int = 0,
) -> MonthPlan | None:
    """Months of a hotspot designated on ``first`` with a post-period up to ``last``.

    ``pre_months`` months of baseline end where the ``selection_window`` months before the
    decision begin (under calendar months, before the designation month too). Returns
    ``None`` when not a single (whole, under calendar months) post month fits.

    Examples
    --------
    >>> p = month_plan(dt.date(2024, 3, 15), dt.date(2024, 6, 20), 3, "anchored_months",
    ...                selection_window=2)
    >>> p.lo, p.window, p.baseline
    (-5, (-2, -1), (-5, -3))
    """
    if selection_window < 0:
        raise ValueError(f"selection_window must be >= 0, got {selection_window!r}")
    plan = _month_plan(first, last, pre_months + selection_window, rule, timezone)
    if plan is None or selection_window == 0:
        return plan
    top = -1 if plan.transition is None else plan.transition - 1
    return dataclasses.replace(plan, window=tuple(range(top - selection_window + 1, top + 1)))


def _month_plan(
    first: dt.date, last: dt.date, pre_months: int, rule: str, timezone: str = "UTC"
) -> MonthPlan | None:
    if rule == "calendar_months":
        anchor = first if first.day == 1 else add_months(first.replace(day=1), 1)
        am = AnchoredMonth(anchor, timezone)
        hi = am.code_of(last)
        if last + dt.timedelta(days=1) != am.start(hi + 1):
            hi -= 1  # the last month is not over: month-precision events cannot be cut
        if hi < 0:
            return None
        transition = None if anchor == first else -1
        lo = -pre_months - (0 if transition is None else 1)
        return MonthPlan(anchor, lo, hi, am.lengths(lo, hi), transition,
                         am.start(hi + 1) - dt.timedelta(days=1))
    am = AnchoredMonth(first, timezone)
    hi = am.code_of(last)
    if hi < 0:
        return None
    days = am.lengths(-pre_months, hi)
    days[-1] = (last - am.start(hi)).days + 1  # the last post month may be partial
    return MonthPlan(first, -pre_months, hi, days, None, last)


@dataclass(frozen=True)
class SourceCoverage(ResultMixin):
    """Events per source and calendar month, and the months each source does not cover.

    Attributes
    ----------
    sources : tuple of str
        Sources with events in the span (sorted).
    months : tuple of datetime.date
        First day of each calendar month of the span.
    counts : ndarray, shape (n_sources, n_months)
        Events of each source dated in each month.
    outcome_sources : tuple of str
        Sources that delivered outcome events: their missing months are left out.
    """

    sources: tuple[str, ...]
    months: tuple[dt.date, ...]
    counts: NDArray[np.float64]
    outcome_sources: tuple[str, ...]

    def missing(self) -> list[tuple[str, dt.date]]:
        """``(source, month)`` of every month an outcome source does not cover."""
        c = np.asarray(self.counts, dtype=float).reshape(len(self.sources), len(self.months))
        return [
            (s, self.months[j])
            for i, s in enumerate(self.sources)
            if s in self.outcome_sources
            for j in np.nonzero(c[i] <= 0)[0]
        ]

    def missing_codes(self) -> set[int]:
        """Calendar month codes (:class:`~hotspotwatch.periods.CalendarMonth`) missing."""
        return {month_ordinal(m) for _, m in self.missing()}


def source_coverage(
    sources: ArrayLike,
    instants: ArrayLike,
    outcome: ArrayLike,
    *,
    timezone: str,
    first: dt.date | None = None,
    last: dt.date | None = None,
) -> SourceCoverage:
    """Coverage of each source per calendar month from the events themselves.

    Parameters
    ----------
    sources : array_like of str
        Source of each event.
    instants : array_like
        Instants (UTC).
    outcome : array_like of bool
        Events counted as the outcome (their sources' gaps are left out).
    timezone : str
        Calendar time zone.
    first, last : datetime.date, optional
        Span (default: the months of the first and last event).

    Examples
    --------
    >>> import pandas as pd
    >>> ts = pd.DatetimeIndex(["2024-01-05", "2024-03-02", "2024-01-09"], tz="UTC")
    >>> cov = source_coverage(["a", "a", "b"], ts, [True, True, False], timezone="UTC")
    >>> cov.missing()
    [('a', datetime.date(2024, 2, 1))]
    """
    cal = CalendarMonth(timezone)
    src = np.asarray(sources, dtype=object).astype(str)
    codes = cal.codes(instants)
    out = np.asarray(outcome, dtype=bool)
    if codes.size == 0:
        return SourceCoverage((), (), np.zeros((0, 0)), ())
    lo = cal.code_of(first) if first is not None else int(codes.min())
    hi = cal.code_of(last) if last is not None else int(codes.max())
    names = tuple(sorted(set(src.tolist())))
    inside = (codes >= lo) & (codes <= hi)
    table = np.zeros((len(names), hi - lo + 1))
    pos = {n: i for i, n in enumerate(names)}
    rows = np.array([pos[s] for s in src[inside]], dtype=np.intp)
    np.add.at(table, (rows, codes[inside] - lo), 1.0)
    present = table.sum(axis=1) > 0
    keep = [i for i in range(len(names)) if present[i]]
    outcome_sources = tuple(sorted(set(src[inside & out].tolist())))
    return SourceCoverage(
        sources=tuple(names[i] for i in keep),
        months=tuple(cal.start(k) for k in range(lo, hi + 1)),
        counts=table[keep],
        outcome_sources=outcome_sources,
    )


def masked_months(
    plan: MonthPlan, missing: set[int], timezone: str = "UTC"
) -> NDArray[np.bool_]:
    """Months ``plan.lo .. plan.hi`` left out: the transition month and every month that
    overlaps a missing calendar month (codes of :class:`~hotspotwatch.periods.CalendarMonth`).
    """
    am = AnchoredMonth(plan.anchor, timezone)
    out = np.zeros(plan.hi - plan.lo + 1, dtype=bool)
    for i, k in enumerate(range(plan.lo, plan.hi + 1)):
        if k == plan.transition:
            out[i] = True
            continue
        start = am.start(k)
        end = min(am.start(k + 1) - dt.timedelta(days=1), plan.last)
        out[i] = any(c in missing for c in range(month_ordinal(start), month_ordinal(end) + 1))
    return out


__all__ = [
    "MONTH_OPTIONS",
    "MonthPlan",
    "SourceCoverage",
    "masked_months",
    "month_plan",
    "period_rule",
    "source_coverage",
]
