"""Designation periods derived from the decisions recorded for each hotspot.

Decisions are ``designate`` (a new period from ``start`` to ``end``), ``extend`` (the period
is prolonged: a new stretch from ``start`` to ``end``) and ``end`` (the designation stops on
``start``, whatever was planned). The active periods of a hotspot are the union of the
designate/extend stretches, cut at any ``end`` decision.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pandas as pd


@dataclass(frozen=True)
class Period:
    """A half-open calendar period ``[start, end)``; ``end=None`` means open-ended."""

    start: dt.date
    end: dt.date | None

    def contains(self, day: dt.date) -> bool:
        """Whether ``day`` falls in the period."""
        return self.start <= day and (self.end is None or day < self.end)


def active_periods(decisions: pd.DataFrame) -> dict[str, list[Period]]:
    """Active designation periods per hotspot.

    Parameters
    ----------
    decisions : DataFrame
        Columns ``hotspot, action, start, end`` (``Workspace.designations()``). A decision's
        ``end`` is the last day covered (inclusive, as orders are written); the returned periods
        are half-open, so ``Period.end`` is the day after.

    Returns
    -------
    dict
        ``{hotspot name: [Period, ...]}`` sorted and merged.

    Examples
    --------
    >>> import datetime as d, pandas as pd
    >>> dec = pd.DataFrame({"hotspot": ["A", "A"], "action": ["designate", "extend"],
    ...     "start": [d.date(2024, 3, 28), d.date(2024, 10, 4)],
    ...     "end": [d.date(2024, 10, 3), d.date(2025, 4, 3)]})
    >>> active_periods(dec)["A"]
    [Period(start=datetime.date(2024, 3, 28), end=datetime.date(2025, 4, 4))]
    """
    out: dict[str, list[Period]] = {}
    if decisions.empty:
        return out
    one_day = dt.timedelta(days=1)
    for name, group in decisions.sort_values(["start"], kind="mergesort").groupby(
        "hotspot", sort=True
    ):
        stretches: list[tuple[dt.date, dt.date | None]] = []
        cut: dt.date | None = None
        for rec in group.itertuples(index=False):
            start = pd.Timestamp(rec.start).date()
            end_raw = rec.end
            end = (
                None
                if end_raw is None or pd.isna(end_raw)
                else pd.Timestamp(end_raw).date() + one_day
            )
            if rec.action == "end":
                cut = start if cut is None else min(cut, start)
                # A later designate re-opens the hotspot: apply the cut to earlier stretches only.
                stretches = [
                    (s, e if e is not None and e <= start else start)
                    for s, e in stretches
                    if s < start
                ]
                cut = None
                continue
            stretches.append((start, end))
        merged: list[Period] = []
        for s, e in sorted(stretches, key=lambda p: p[0]):
            if merged and (merged[-1].end is None or s <= merged[-1].end):
                last = merged[-1]
                new_end = None if last.end is None or e is None else max(last.end, e)
                merged[-1] = Period(last.start, new_end)
            else:
                merged.append(Period(s, e))
        out[str(name)] = merged
    return out
