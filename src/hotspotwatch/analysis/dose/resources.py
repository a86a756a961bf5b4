"""Resources spent at the hotspots: staff-hours and cost per place and kind, and in total.

A resource record gives staff-hours and a cost for one hotspot, one period (both days
inclusive) and one kind (police, prevention, liveability, other). What a place received over
a window is each record's figures prorated by the days of its period inside the window:

.. math::

    H_p = \\sum_r h_r \\,\\frac{|[a_r, b_r] \\cap W_p|}{|[a_r, b_r]|},

with :math:`W_p` the days the place was designated up to the review date. The strategy's
totals are the sums over places. These are inputs, *activity, not results*: they say what was
spent, not what it bought (see :mod:`hotspotwatch.analysis.dose.cost`).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from hotspotwatch.analysis._result import ResultMixin


@dataclass(frozen=True)
class PlaceResources(ResultMixin):
    """Staff-hours and cost one place received in its window.

    Attributes
    ----------
    hotspot : str
    staff_hours, cost : float
        Prorated sums (0 when no record overlaps the window).
    by_kind : dict
        ``{kind: {"staff_hours": float, "cost": float}}`` for the kinds with a record.
    records : int
        Records overlapping the window.
    """

    hotspot: str
    staff_hours: float
    cost: float
    by_kind: dict[str, dict[str, float]]
    records: int


@dataclass(frozen=True)
class ResourceTotals(ResultMixin):
    """The ``dose.resources`` run: what each place and the whole strategy received.

    Attributes
    ----------
    places : tuple of PlaceResources
        Designated places, by name.
    staff_hours, cost : float
        The strategy's totals (sums over places).
    start, end : str
        First and last day counted (ISO; empty when no record overlaps any window).
    simulated : bool
        Whether any record counted is simulated.
    currency : str
        ISO 4217 code of the costs.
    records : int
        Records counted (overlapping a window).
    """

    places: tuple[PlaceResources, ...]
    staff_hours: float
    cost: float
    start: str
    end: str
    simulated: bool
    currency: str
    records: int
    label: str = "activity, not results"

    schema_version = 1

    def place(self, name: str) -> PlaceResources | None:
        """The row of ``name`` (``None`` if it has no window)."""
        return next((p for p in self.places if p.hotspot == name), None)


def _overlap_days(a: int, b: int, windows: Sequence[tuple[int, int]]) -> int:
    """Days of ``[a, b]`` (inclusive ordinals) inside the union of inclusive ``windows``."""
    return sum(max(0, min(b, hi) - max(a, lo) + 1) for lo, hi in windows)


def resource_totals(
    *,
    hotspot: Sequence[str],
    start_day: Sequence[int],
    end_day: Sequence[int],
    kind: Sequence[str],
    staff_hours: Sequence[float],
    cost: Sequence[float],
    simulated: Sequence[bool],
    windows: Mapping[str, Sequence[tuple[int, int]]],
    currency: str = "EUR",
) -> ResourceTotals:
    """Prorate resource records over each place's windows and sum them.

    Parameters
    ----------
    hotspot, kind : sequences of str
        Place and kind of each record.
    start_day, end_day : sequences of int
        First and last day of each record's period (proleptic ordinals, inclusive).
    staff_hours, cost : sequences of float
        The record's figures (NaN: not given; counted as nothing).
    simulated : sequence of bool
    windows : mapping
        ``{place: [(first, last), ...]}`` inclusive ordinal day ranges (disjoint) to count;
        a place without windows is left out.
    currency : str
        Recorded with the totals.

    Returns
    -------
    ResourceTotals

    Examples
    --------
    >>> import datetime as dt
    >>> d = lambda s: dt.date.fromisoformat(s).toordinal()
    >>> r = resource_totals(hotspot=["A", "A"], start_day=[d("2024-01-01"), d("2024-01-01")],
    ...     end_day=[d("2024-01-10"), d("2024-01-10")], kind=["police", "prevention"],
    ...     staff_hours=[100.0, 50.0], cost=[1000.0, float("nan")], simulated=[False, False],
    ...     windows={"A": [(d("2024-01-06"), d("2024-01-20"))]})
    >>> r.staff_hours, r.cost, r.places[0].by_kind["police"]
    (75.0, 500.0, {'staff_hours': 50.0, 'cost': 500.0})
    """
    n = len(hotspot)
    if not (len(start_day) == len(end_day) == len(kind) == len(staff_hours) == len(cost) == n):
        raise ValueError("resource arrays must have equal lengths")
    per: dict[str, dict[str, list[float]]] = {name: {} for name in windows if windows[name]}
    counted: dict[str, int] = dict.fromkeys(per, 0)
    first: int | None = None
    last: int | None = None
    any_sim = False
    for i in range(n):
        name = str(hotspot[i])
        if name not in per:
            continue
        a, b = int(start_day[i]), int(end_day[i])
        if b < a:
            raise ValueError(f"record {i}: the period ends before it starts")
        inside = _overlap_days(a, b, windows[name])
        if inside <= 0:
            continue
        share = inside / (b - a + 1)
        h = float(staff_hours[i])
        c = float(cost[i])
        acc = per[name].setdefault(str(kind[i]), [0.0, 0.0])
        acc[0] += h * share if math.isfinite(h) else 0.0
        acc[1] += c * share if math.isfinite(c) else 0.0
        counted[name] += 1
        any_sim = any_sim or bool(simulated[i])
        lo = max(a, min(w[0] for w in windows[name]))
        hi = min(b, max(w[1] for w in windows[name]))
        first = lo if first is None else min(first, lo)
        last = hi if last is None else max(last, hi)
    places = tuple(
        PlaceResources(
            hotspot=name,
            staff_hours=float(sum(v[0] for v in kinds.values())),
            cost=float(sum(v[1] for v in kinds.values())),
            by_kind={k: {"staff_hours": v[0], "cost": v[1]} for k, v in sorted(kinds.items())},
            records=counted[name],
        )
        for name, kinds in sorted(per.items())
    )
    import datetime as dt

    return ResourceTotals(
        places=places,
        staff_hours=float(np.sum([p.staff_hours for p in places])) if places else 0.0,
        cost=float(np.sum([p.cost for p in places])) if places else 0.0,
        start=dt.date.fromordinal(first).isoformat() if first is not None else "",
        end=dt.date.fromordinal(last).isoformat() if last is not None else "",
        simulated=any_sim,
        currency=str(currency),
        records=int(sum(counted.values())),
    )


__all__ = ["PlaceResources", "ResourceTotals", "resource_totals"]
