"""Time binning: one small object per kind of bin, each with one method, :meth:`codes`.

Every analysis that puts instants into days, weeks or months uses these (like xarray's
``Grouper`` objects). Instants are UTC; the local calendar of the workspace time zone decides
which bin an instant falls in.

- :class:`CalendarMonth` -- calendar months (month-precision data, public partitions,
  coverage tables). Codes are month ordinals (``year * 12 + month - 1``).
- :class:`AnchoredMonth` -- months starting on a designation day, the evaluation's months:
  month 0 is ``[anchor, anchor + 1 month)``, month -1 the month before.
- :class:`Week` -- weeks starting on Monday. Codes are week ordinals.
- :class:`Day` -- local calendar days. Codes are day ordinals (days since 1970-01-01).
- :class:`DesignationPeriod` -- the designation periods of one hotspot; code ``i`` for the
  ``i``-th period, ``-1`` outside every period.

Each object also turns codes back into dates (:meth:`start`, :meth:`days`) so that tables and
charts label bins the same way the analysis counted them.

Examples
--------
>>> import datetime as dt, pandas as pd
>>> ts = pd.DatetimeIndex(["2024-03-27 23:30", "2024-03-31 22:30"], tz="UTC")
>>> CalendarMonth("Europe/Brussels").codes(ts).tolist()   # 00:30 on 28 Mar; 00:30 on 1 Apr
[24290, 24291]
>>> AnchoredMonth(dt.date(2024, 3, 28), "Europe/Brussels").codes(ts).tolist()
[0, 0]
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from numpy.typing import NDArray

from hotspotwatch.domain.designation import Period

EPOCH = dt.date(1970, 1, 1)
EPOCH_MONDAY = dt.date(1969, 12, 29)


def local_days(instants: Any, timezone: str) -> pd.DatetimeIndex:
    """Local calendar days (naive midnight) of UTC instants.

    ``instants`` is a Series or index of tz-aware timestamps, or naive timestamps taken as
    UTC.
    """
    idx = pd.DatetimeIndex(pd.to_datetime(instants, utc=True))
    return idx.tz_convert(timezone).tz_localize(None).normalize()


def add_months(day: dt.date, months: int) -> dt.date:
    """``day`` plus whole months, the day clamped to the month's length.

    Examples
    --------
    >>> add_months(dt.date(2024, 1, 31), 1)
    datetime.date(2024, 2, 29)
    """
    return (pd.Timestamp(day) + pd.DateOffset(months=months)).date()


def month_ordinal(day: dt.date) -> int:
    """``year * 12 + month - 1`` of a date (the :class:`CalendarMonth` code)."""
    return day.year * 12 + day.month - 1


@dataclass(frozen=True)
class CalendarMonth:
    """Calendar months in ``timezone``; code = ``year * 12 + month - 1``."""

    timezone: str

    def codes(self, instants: Any) -> NDArray[np.int64]:
        """Month ordinal of each instant's local date."""
        local = local_days(instants, self.timezone)
        return np.asarray(local.year * 12 + local.month - 1, dtype=np.int64)

    def start(self, code: int) -> dt.date:
        """First day of month ``code``."""
        year, month0 = divmod(int(code), 12)
        return dt.date(year, month0 + 1, 1)

    def days(self, code: int) -> int:
        """Length of month ``code`` in days."""
        return (self.start(code + 1) - self.start(code)).days

    def code_of(self, day: dt.date) -> int:
        """Code of the month holding ``day``."""
        return month_ordinal(day)

    def label(self, code: int) -> str:
        """``YYYY-MM``."""
        return self.start(code).strftime("%Y-%m")


@dataclass(frozen=True)
class AnchoredMonth:
    """Months anchored on a day: month ``k`` is ``[anchor + k months, anchor + (k+1) months)``.

    The evaluation counts in these: month 0 starts on the designation day, so before and
    after are whole months of equal standing.
    """

    anchor: dt.date
    timezone: str

    def codes(self, instants: Any) -> NDArray[np.int64]:
        """Anchored month number of each instant (negative before the anchor)."""
        local = local_days(instants, self.timezone)
        a = pd.Timestamp(self.anchor)
        months = (local.year - a.year) * 12 + (local.month - a.month)
        # month k starts on the anchor's day of month, clamped to the month's length (an
        # anchor on the 31st starts a month on 30 April), exactly as :meth:`start` says
        start_day = np.minimum(a.day, np.asarray(local.days_in_month))
        before = np.asarray(local.day) < start_day
        return np.asarray(np.asarray(months) - before.astype(int), dtype=np.int64)

    def start(self, code: int) -> dt.date:
        """First day of anchored month ``code``."""
        return add_months(self.anchor, int(code))

    def days(self, code: int) -> int:
        """Length of anchored month ``code`` in days."""
        return (self.start(code + 1) - self.start(code)).days

    def code_of(self, day: dt.date) -> int:
        """Code of the anchored month holding ``day``."""
        a = self.anchor
        k = (day.year - a.year) * 12 + (day.month - a.month)
        return k - 1 if day < self.start(k) else k

    def lengths(self, first: int, last: int) -> NDArray[np.float64]:
        """Days in months ``first .. last`` (inclusive)."""
        return np.array([self.days(k) for k in range(first, last + 1)], dtype=float)


@dataclass(frozen=True)
class Week:
    """Weeks starting on Monday in ``timezone``; code = weeks since 1969-12-29."""

    timezone: str

    def codes(self, instants: Any) -> NDArray[np.int64]:
        """Week ordinal of each instant's local date."""
        local = local_days(instants, self.timezone)
        days = (local - pd.Timestamp(EPOCH_MONDAY)).days
        return np.asarray(np.floor_divide(np.asarray(days), 7), dtype=np.int64)

    def start(self, code: int) -> dt.date:
        """The Monday starting week ``code``."""
        return EPOCH_MONDAY + dt.timedelta(weeks=int(code))

    def days(self, code: int) -> int:
        """Seven."""
        return 7

    def code_of(self, day: dt.date) -> int:
        """Code of the week holding ``day``."""
        return (day - EPOCH_MONDAY).days // 7


@dataclass(frozen=True)
class Day:
    """Local calendar days in ``timezone``; code = days since 1970-01-01."""

    timezone: str

    def codes(self, instants: Any) -> NDArray[np.int64]:
        """Day ordinal of each instant's local date."""
        local = local_days(instants, self.timezone)
        return np.asarray((local - pd.Timestamp(EPOCH)).days, dtype=np.int64)

    def start(self, code: int) -> dt.date:
        """The day ``code``."""
        return EPOCH + dt.timedelta(days=int(code))

    def days(self, code: int) -> int:
        """One."""
        return 1

    def code_of(self, day: dt.date) -> int:
        """Code of ``day``."""
        return (day - EPOCH).days


@dataclass(frozen=True)
class DesignationPeriod:
    """The designation periods of one hotspot (half-open, local dates).

    Code ``i`` for an instant inside ``periods[i]``, ``-1`` outside every period.
    """

    periods: tuple[Period, ...]
    timezone: str

    def codes(self, instants: Any) -> NDArray[np.int64]:
        """Index of the period holding each instant, ``-1`` when none does."""
        days = local_days(instants, self.timezone).to_numpy().astype("datetime64[D]")
        out = np.full(days.shape, -1, dtype=np.int64)
        for i, p in enumerate(self.periods):
            lo = np.datetime64(p.start, "D")
            inside = days >= lo
            if p.end is not None:
                inside &= days < np.datetime64(p.end, "D")
            out[inside & (out < 0)] = i
        return out

    def start(self, code: int) -> dt.date:
        """First day of period ``code``."""
        return self.periods[int(code)].start

    def days(self, code: int) -> int | None:
        """Length of period ``code`` in days (``None`` when open-ended)."""
        p = self.periods[int(code)]
        return None if p.end is None else (p.end - p.start).days


Binning = CalendarMonth | AnchoredMonth | Week | Day | DesignationPeriod


def counts(
    codes: NDArray[np.int64], first: int, last: int, *, weights: Sequence[float] | None = None
) -> NDArray[np.float64]:
    """Events (or weights) per bin ``first .. last`` (inclusive); codes outside are dropped.

    Examples
    --------
    >>> counts(np.array([0, 0, 2, 5]), 0, 2).tolist()
    [2.0, 0.0, 1.0]
    """
    codes = np.asarray(codes, dtype=np.int64)
    keep = (codes >= first) & (codes <= last)
    w = None if weights is None else np.asarray(weights, dtype=float)[keep]
    return np.bincount(codes[keep] - first, weights=w, minlength=last - first + 1).astype(float)


__all__ = [
    "AnchoredMonth",
    "Binning",
    "CalendarMonth",
    "Day",
    "DesignationPeriod",
    "Week",
    "add_months",
    "counts",
    "local_days",
    "month_ordinal",
]
