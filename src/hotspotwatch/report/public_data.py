"""What the public version shows, gathered once (no layout, no wording, no store).

:func:`hotspotwatch.workflows.public_version.gather_public` fills a :class:`PublicData` from
the renewal report's inputs (:class:`~hotspotwatch.report.data.RenewalData`: the same stored
runs) and from the few region-wide counts the public version adds (the rare categories per
calendar year, the strategy's resources). Every count in it has already been through the
disclosure rule: primary suppression below ``disclosure_k`` and complementary suppression
(:func:`hotspotwatch.analysis.differencing.protect`); the layout (:mod:`hotspotwatch.report.public`)
only formats. There is no per-place count at all: a place gets its verdict and an index of
its change over time.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from hotspotwatch.analysis.differencing import Release
    from hotspotwatch.report.data import RenewalData


@dataclass(frozen=True)
class PublicPlace:
    """One designated place as the public sees it: no count, a verdict and a change index.

    Attributes
    ----------
    name : str
    commune : str or None
    first_designated : date or None
    verdict : str or None
        The evaluation's verdict label (``None``: not evaluated).
    ci_low, ci_high : float or None
        The adjusted interval of the rate ratio its verdict is read from.
    index_after : int or None
        Harm per month in the place since designation, as a percentage of harm per month
        in its baseline (100: the same), rounded to a whole number; ``None`` when either
        count is below ``k`` (the index of two tiny counts says nothing and would point at
        single events) and when the verdict is too early or uncertain (the evaluation
        cannot tell yet, :data:`~hotspotwatch.analysis.evaluate.verdict.UNDECIDED`).
    months_before, months_after : float
        Lengths of the two periods the index compares (whole months of the evaluation).
    """

    name: str
    commune: str | None
    first_designated: dt.date | None
    verdict: str | None
    ci_low: float | None
    ci_high: float | None
    index_after: int | None
    months_before: float
    months_after: float

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready (dates as ISO strings)."""
        return {
            "name": self.name,
            "commune": self.commune,
            "first_designated": self.first_designated.isoformat()
            if self.first_designated else None,
            "verdict": self.verdict,
            "index_after": self.index_after,
            "months_before": self.months_before,
            "months_after": self.months_after,
        }


@dataclass(frozen=True)
class RareTable:
    """Region-wide counts of the rare serious categories per complete calendar year.

    ``release`` holds every published value (cells, each category's all-years total, each
    year's total of the rare categories, the grand total) as sums of the table's cells, with
    the suppression applied: :meth:`cell` and the totals return ``None`` for a hidden value.
    Only complete calendar years up to the review day are shown, so that two reviews publish
    the same cells and cannot be differenced against each other.
    """

    categories: tuple[str, ...]
    years: tuple[int, ...]
    release: Release
    k: int

    def _value(self, label: str) -> int | None:
        i = self.release.labels.index(label)
        return int(self.release.values[i]) if self.release.shown[i] else None

    def cell(self, i: int, j: int) -> int | None:
        """Category ``i`` in year ``j`` (``None``: hidden)."""
        return self._value(f"r{i}c{j}")

    def row_total(self, i: int) -> int | None:
        """Category ``i`` over all the table's years."""
        return self._value(f"r{i}+")

    def year_total(self, j: int) -> int | None:
        """Every rare category together in year ``j``."""
        return self._value(f"+c{j}")

    def grand_total(self) -> int | None:
        """Every rare category over all the table's years."""
        return self._value("++")

    def to_dict(self) -> dict[str, Any]:
        """JSON of the public API: ``null`` for every hidden value."""
        n, m = len(self.categories), len(self.years)
        return {
            "k": self.k,
            "categories": list(self.categories),
            "years": list(self.years),
            "counts": [[self.cell(i, j) for j in range(m)] for i in range(n)],
            "category_totals": [self.row_total(i) for i in range(n)],
            "year_totals": [self.year_total(j) for j in range(m)],
            "total": self.grand_total() if n and m else None,
            "suppression": "primary+complementary",
        }


@dataclass(frozen=True)
class StrategyResources:
    """Staff-hours and cost of the whole strategy over the review (issue 18, item 8).

    Attributes
    ----------
    staff_hours, cost : float
        Sums over every place's resource records, prorated by the days of each record's
        period inside ``[start, end]``.
    currency : str
    start, end : date
    simulated : bool
        Whether any record is marked simulated (the demo's are).
    """

    staff_hours: float
    cost: float
    currency: str
    start: dt.date
    end: dt.date
    simulated: bool

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready."""
        return {
            "staff_hours": self.staff_hours,
            "cost": self.cost,
            "currency": self.currency,
            "start": self.start.isoformat(),
            "end": self.end.isoformat(),
            "simulated": self.simulated,
        }


@dataclass(frozen=True)
class PublicData:
    """All inputs of the public version.

    Attributes
    ----------
    renewal : RenewalData
        The council report's inputs (names, perimeters, the evaluation, provenance); the
        public layout reads only what it may show of them.
    places : tuple of PublicPlace
        Designated places in the public order (:func:`hotspotwatch.domain.collation.sort_key`).
    rare : RareTable or None
        ``None`` when ``[public] rare_categories`` is not configured.
    resources : StrategyResources or None
        ``None`` when the workspace holds no resource record.
    """

    renewal: RenewalData
    places: tuple[PublicPlace, ...]
    rare: RareTable | None
    resources: StrategyResources | None


__all__ = ["PublicData", "PublicPlace", "RareTable", "StrategyResources"]
