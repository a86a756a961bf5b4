"""Per-month rates of an evaluated place, before and after designation.

The before and after periods of an evaluation rarely have the same length (24 months of
baseline against 15 to 21 months since designation in the Brussels demo), so their totals
cannot be set side by side. :func:`place_rates` divides each stored total of a
:class:`~hotspotwatch.analysis.evaluate.hotspot.HotspotEvaluation` (perimeter, each buffer
ring, the comparison areas, each dose category and role) by the months of exposure the
difference-in-differences used for that period (``series.exposure``: months left out, the
selection window among them, count zero). Nothing is counted again: the totals and the
exposure are the stored run's.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from hotspotwatch.analysis.evaluate.hotspot import HotspotEvaluation


@dataclass(frozen=True)
class PeriodRate:
    """A total before and after designation, and its rate per month of each period.

    Attributes
    ----------
    pre_total, post_total : float
        Events in the months compared before and after designation.
    pre_months, post_months : float
        Months of exposure of each period (average months of 30.44 days).

    Examples
    --------
    >>> r = PeriodRate(pre_total=300, post_total=136, pre_months=24.0, post_months=14.9)
    >>> round(r.pre_per_month, 2), round(r.post_per_month, 2), round(r.change, 3)
    (12.5, 9.13, -0.27)
    """

    pre_total: float
    post_total: float
    pre_months: float
    post_months: float

    @property
    def pre_per_month(self) -> float:
        """Events per month before designation (NaN without exposure)."""
        return self.pre_total / self.pre_months if self.pre_months > 0 else math.nan

    @property
    def post_per_month(self) -> float:
        """Events per month after designation (NaN without exposure)."""
        return self.post_total / self.post_months if self.post_months > 0 else math.nan

    @property
    def ratio(self) -> float:
        """Rate after over rate before (NaN when nothing happened before)."""
        pre = self.pre_per_month
        return self.post_per_month / pre if pre > 0 else math.nan

    @property
    def change(self) -> float:
        """Relative change of the monthly rate (``ratio - 1``; -0.27: 27 % fewer per month)."""
        return self.ratio - 1.0


@dataclass(frozen=True)
class RingRate:
    """A buffer ring's rates (``inner_m``–``outer_m`` metres around the perimeter)."""

    inner_m: float
    outer_m: float
    rate: PeriodRate


@dataclass(frozen=True)
class DoseRate:
    """A dose category's rates inside the perimeter (``role``: enforcement or prevention)."""

    category: str
    role: str
    rate: PeriodRate


@dataclass(frozen=True)
class PlaceRates:
    """Every before/after total of one evaluated place, per month of its periods.

    Attributes
    ----------
    pre_months, post_months : float
        Months of exposure before and after designation (the DiD's).
    treated, control : PeriodRate
        Harm in the perimeter and in its comparison areas (all control cells together).
    rings : tuple of RingRate
        Harm in each buffer ring, inside out.
    dose : tuple of DoseRate
        Police and prevention activity per category inside the perimeter, ordered by role
        then category; categories with nothing before and after are left out.
    roles : dict
        Activity per role (``"enforcement"``, ``"prevention"``) over all its categories.
    """

    pre_months: float
    post_months: float
    treated: PeriodRate
    rings: tuple[RingRate, ...]
    control: PeriodRate
    dose: tuple[DoseRate, ...]
    roles: dict[str, PeriodRate]


def place_rates(ev: HotspotEvaluation) -> PlaceRates:
    """The per-month rates of one evaluated place, from its stored totals and exposure.

    Parameters
    ----------
    ev : HotspotEvaluation
        A stored evaluation of one place.

    Returns
    -------
    PlaceRates

    Notes
    -----
    The periods are those of the difference-in-differences: the months of the series with
    exposure before the designation day (``series.pre_mask``) and after it, each month
    weighted by its exposure (a partial last month counts as the fraction of a month it
    covers). Months left out (missing sources, the selection window) are NaN in the series
    and have zero exposure, so they count in neither the totals nor the months.
    """
    s = ev.series
    pre = s.pre_mask
    exposure = np.asarray(s.exposure, dtype=float)
    m0, m1 = float(exposure[pre].sum()), float(exposure[~pre].sum())

    def rate(before: float, after: float) -> PeriodRate:
        return PeriodRate(float(before), float(after), m0, m1)

    ds = ev.dose_series
    counts = np.asarray(ds.counts, dtype=float).reshape(len(ds.categories), -1)
    dose = []
    for i in sorted(range(len(ds.categories)), key=lambda i: (ds.roles[i], ds.categories[i])):
        before, after = float(np.nansum(counts[i, pre])), float(np.nansum(counts[i, ~pre]))
        if before == 0 and after == 0:
            continue
        dose.append(DoseRate(ds.categories[i], ds.roles[i], rate(before, after)))
    roles: dict[str, PeriodRate] = {}
    for role in sorted(set(ds.roles)):
        rows = [i for i, r in enumerate(ds.roles) if r == role]
        # NaN: months left out of the comparison (no exposure), not zero
        roles[role] = rate(float(np.nansum(counts[rows][:, pre])),
                           float(np.nansum(counts[rows][:, ~pre])))
    return PlaceRates(
        pre_months=m0,
        post_months=m1,
        treated=rate(ev.treated_pre, ev.treated_post),
        rings=tuple(RingRate(r.inner_m, r.outer_m, rate(r.pre, r.post)) for r in ev.rings),
        control=rate(ev.control_pre, ev.control_post),
        dose=tuple(dose),
        roles=roles,
    )


__all__ = ["DoseRate", "PeriodRate", "PlaceRates", "RingRate", "place_rates"]
