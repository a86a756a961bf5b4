"""The public version's numbers: what the council report shows, minus what stigmatises.

:func:`gather_public` turns the renewal report's inputs
(:func:`hotspotwatch.workflows.report.gather_renewal`: the same stored runs) into
:class:`~hotspotwatch.report.public_data.PublicData`:

- per designated place, no count: its verdict and an index of its change over time
  (:func:`place_change`: harm per month since designation as a percentage of harm per month
  in its baseline, both from the evaluation run), hidden when either count is below ``k``
  and withheld when the verdict is too early or uncertain;
  places in the documented alphabetical order (:mod:`hotspotwatch.domain.collation`);
- the rare serious categories (``[public] rare_categories``) only region-wide, per complete
  calendar year, with primary and complementary suppression (:func:`rare_table`);
- the strategy's staff-hours and cost (:func:`strategy_totals`, issue 18 item 8: the dose
  workflow's figures).

Undesignated statistical hot spots, police activity and all-years totals per place are not
part of it. The web's public page (:mod:`hotspotwatch.workflows.web.public`) calls the same
functions, so the report and the page publish the same partition.
"""

from __future__ import annotations

import datetime as dt
import math
from typing import TYPE_CHECKING, Any

import numpy as np

from hotspotwatch.analysis.differencing import protect, table_release
from hotspotwatch.analysis.evaluate.verdict import UNDECIDED
from hotspotwatch.domain.collation import sort_key
from hotspotwatch.domain.disclosure import is_suppressed
from hotspotwatch.periods import CalendarMonth
from hotspotwatch.report.public_data import PublicData, PublicPlace, RareTable, StrategyResources

if TYPE_CHECKING:
    from hotspotwatch.analysis.evaluate.hotspot import HotspotEvaluation
    from hotspotwatch.report.data import RenewalData
    from hotspotwatch.workspace import Workspace


def _finite(value: Any) -> float | None:
    try:
        v = float(value)
    except (TypeError, ValueError):
        return None
    return v if math.isfinite(v) else None


def place_change(ev: HotspotEvaluation, k: int) -> tuple[int | None, float, float]:
    """``(index, months_before, months_after)`` of one place, from its evaluation.

    ``index`` is ``100 * (treated_post / months_after) / (treated_pre / months_before)``
    rounded to a whole number -- harm per month since designation as a percentage of harm
    per month in the baseline -- and ``None`` when either count is below ``k`` (zero
    included), a period has no month, or the verdict says the data cannot tell yet
    (:data:`~hotspotwatch.analysis.evaluate.verdict.UNDECIDED`: too early, uncertain; a
    plain before/after reading beside "too early to be judged" would be read as the
    judgement). The months are the evaluation's exposure (whole anchored months, missing
    months left out), the counts its treated series: the index is a plain reading of the
    numbers the verdict is estimated from, not a second estimate.

    Examples
    --------
    >>> from types import SimpleNamespace as NS
    >>> s = NS(exposure=np.ones(24), pre_mask=np.arange(24) < 12)
    >>> judged, early = NS(label="reduction"), NS(label="too_early")
    >>> place_change(NS(treated_pre=120.0, treated_post=90.0, series=s, verdict=judged), 5)
    (75, 12.0, 12.0)
    >>> place_change(NS(treated_pre=120.0, treated_post=4.0, series=s, verdict=judged), 5)[0] is None
    True
    >>> place_change(NS(treated_pre=120.0, treated_post=90.0, series=s, verdict=early), 5)
    (None, 12.0, 12.0)
    """
    s = ev.series
    pre = np.asarray(s.pre_mask, bool)
    exposure = np.asarray(s.exposure, float)
    m_before = float(np.nansum(exposure[pre]))
    m_after = float(np.nansum(exposure[~pre]))
    before, after = float(ev.treated_pre), float(ev.treated_post)
    if ev.verdict.label in UNDECIDED:
        return None, m_before, m_after
    if is_suppressed(before, k) or is_suppressed(after, k) or m_before <= 0 or m_after <= 0:
        return None, m_before, m_after
    return round(100 * (after / m_after) / (before / m_before)), m_before, m_after


def public_places(data: RenewalData) -> tuple[PublicPlace, ...]:
    """Every designated place of ``data``, alphabetically, with its verdict and index."""
    k = data.disclosure_k
    out = []
    for sec in sorted(data.hotspots, key=lambda s: sort_key(s.name)):
        ev = sec.evaluation
        index, m_before, m_after = (None, 0.0, 0.0) if ev is None else place_change(ev, k)
        label = ev.verdict.label if ev is not None else None
        out.append(
            PublicPlace(
                name=sec.name,
                commune=sec.commune,
                first_designated=sec.first_designated,
                verdict=label,
                ci_low=_finite(ev.verdict.ci_low_adjusted) if ev is not None else None,
                ci_high=_finite(ev.verdict.ci_high_adjusted) if ev is not None else None,
                index_after=index,
                months_before=m_before,
                months_after=m_after,
            )
        )
    return tuple(out)


def complete_years(first: dt.date, until: dt.date) -> list[int]:
    """Calendar years from ``first``'s year whose 31 December is on or before ``until``.

    Examples
    --------
    >>> complete_years(dt.date(2021, 3, 4), dt.date(2024, 8, 31))
    [2021, 2022, 2023]
    >>> complete_years(dt.date(2021, 3, 4), dt.date(2023, 12, 31))
    [2021, 2022, 2023]
    """
    last = until.year if until >= dt.date(until.year, 12, 31) else until.year - 1
    return list(range(first.year, last + 1))


def rare_counts(
    ws: Workspace, categories: tuple[str, ...], years: list[int]
) -> np.ndarray:
    """Events of each category per calendar year, region-wide (workspace time zone)."""
    table = np.zeros((len(categories), len(years)), dtype=int)
    if not categories or not years:
        return table
    frame = ws.events(
        categories=list(categories),
        start=dt.date(years[0], 1, 1),
        end=dt.date(years[-1] + 1, 1, 1),
    )
    if len(frame):
        year = CalendarMonth(ws.config.timezone).codes(frame["occurred_at"]) // 12
        cat = frame["category"].to_numpy()
        for i, c in enumerate(categories):
            for j, y in enumerate(years):
                table[i, j] = int(((cat == c) & (year == y)).sum())
    return table


def rare_table(ws: Workspace, *, until: dt.date) -> RareTable | None:
    """The rare categories per complete calendar year with their totals, protected.

    Published values: each cell, each category's total over the years, each year's total
    of the rare categories together, and the grand total; counts below ``k`` are hidden
    and then more values until no hidden value can be narrowed below ``k`` by subtraction
    (:func:`hotspotwatch.analysis.differencing.protect`). Years run from the first year
    with any harm event to the last complete year up to ``until``. ``None`` when
    ``[public] rare_categories`` is not set.
    """
    cats = tuple(c for c in ws.config.public.rare_categories if c in ws.taxonomy)
    if not cats:
        return None
    k = int(ws.config.disclosure_k)
    stats = ws.event_stats()
    harm = set(ws.taxonomy.names(role="harm"))
    firsts = [dt.date.fromisoformat(v["first_local"]) for c, v in stats.items() if c in harm]
    years = complete_years(min(firsts), until) if firsts else []
    counts = rare_counts(ws, cats, years)
    release = table_release(counts, row_totals=True, column_totals=True)
    if counts.size:
        release = protect(release, k)
    else:
        release = release.with_shown(np.zeros(len(release.values), bool))
    return RareTable(categories=cats, years=tuple(years), release=release, k=k)


def strategy_totals(ws: Workspace, *, until: dt.date) -> StrategyResources | None:
    """Total staff-hours and cost of the whole strategy up to ``until``, never a place's.

    The figures of :func:`hotspotwatch.workflows.resources.strategy_totals` (the stored
    ``dose.resources`` run: each record prorated by the days of its period inside the
    place's designated periods), typed for the public layout. ``None`` without records.
    """
    from hotspotwatch.workflows import resources

    got = resources.strategy_totals(ws, until=until)
    if got is None:
        return None

    def day(value: Any) -> dt.date:
        return value if isinstance(value, dt.date) else dt.date.fromisoformat(str(value))

    return StrategyResources(
        staff_hours=float(got["staff_hours"]),
        cost=float(got["cost"]),
        currency=str(got["currency"]),
        start=day(got["start"]),
        end=day(got["end"]),
        simulated=bool(got["simulated"]),
    )


def gather_public(ws: Workspace, data: RenewalData) -> PublicData:
    """The public version's inputs from the renewal report's (same runs, same day)."""
    return PublicData(
        renewal=data,
        places=public_places(data),
        rare=rare_table(ws, until=data.until),
        resources=strategy_totals(ws, until=data.until),
    )


__all__ = [
    "complete_years",
    "gather_public",
    "place_change",
    "public_places",
    "rare_counts",
    "rare_table",
    "strategy_totals",
]
