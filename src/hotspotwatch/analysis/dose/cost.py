"""Cost per harm prevented: a range, never a single number.

For a place (or the strategy) with observed post-period harm :math:`O` and rate ratio
:math:`\\theta` (interval :math:`[\\theta_l, \\theta_h]`) from the evaluation, the harm expected
without the strategy is :math:`O/\\theta`, so the harm prevented is

.. math::

    P = O/\\theta - O = O\\,(1/\\theta - 1), \\qquad [\\,O(1/\\theta_h - 1),\\; O(1/\\theta_l - 1)\\,],

and the cost per harm prevented, for a cost :math:`C` over the same period, lies in
:math:`[\\,C / (O(1/\\theta_l - 1)),\\; C / (O(1/\\theta_h - 1))\\,]`. When the interval of
:math:`\\theta` includes 1 the strategy may have prevented nothing: the cost per harm prevented
*cannot be computed: no detectable effect*. When it lies above 1 harm rose. The same with
harm-weighted :math:`O` gives the cost per unit of weighted harm prevented.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from hotspotwatch.analysis._result import ResultMixin

NO_EFFECT = "cannot be computed: no detectable effect"
INCREASE = "cannot be computed: harm increased"
NO_COST = "cannot be computed: no cost recorded"
COMPUTED = "computed"


@dataclass(frozen=True)
class CostPerHarm(ResultMixin):
    """Harm prevented and the cost per harm prevented, as ranges.

    Attributes
    ----------
    name : str
        The place, or ``"strategy"``.
    observed : float
        Observed harm in the post-period (counts, or harm-weighted).
    prevented, prevented_low, prevented_high : float
        Harm prevented :math:`O(1/\\theta - 1)` and its interval.
    cost_eur : float
        Cost over the post-period.
    cost_per_prevented_low, cost_per_prevented_high : float
        The range of the cost per harm prevented (NaN unless ``status == "computed"``).
    status : str
        ``"computed"`` or why not (:data:`NO_EFFECT`, :data:`INCREASE`, :data:`NO_COST`).
    """

    name: str
    observed: float
    prevented: float
    prevented_low: float
    prevented_high: float
    cost_eur: float
    cost_per_prevented_low: float
    cost_per_prevented_high: float
    status: str


def cost_per_harm_prevented(
    *, name: str, observed: float, irr: float, irr_low: float, irr_high: float, cost_eur: float
) -> CostPerHarm:
    """Cost per harm prevented from an evaluation's rate ratio and a cost.

    Examples
    --------
    >>> c = cost_per_harm_prevented(name="A", observed=80, irr=0.8, irr_low=0.64, irr_high=0.95,
    ...                             cost_eur=100_000)
    >>> c.status, round(c.prevented, 1), round(c.cost_per_prevented_low), round(c.cost_per_prevented_high)
    ('computed', 20.0, 2222, 23750)
    >>> cost_per_harm_prevented(name="B", observed=80, irr=0.9, irr_low=0.7, irr_high=1.1,
    ...                         cost_eur=1e5).status
    'cannot be computed: no detectable effect'
    """
    nan = math.nan
    ok = all(math.isfinite(v) and v > 0 for v in (irr, irr_low, irr_high))
    prevented = observed * (1 / irr - 1) if ok else nan
    p_low = observed * (1 / irr_high - 1) if ok else nan
    p_high = observed * (1 / irr_low - 1) if ok else nan
    if not ok or irr_low <= 1.0 <= irr_high:
        status = NO_EFFECT
    elif irr_low > 1.0:
        status = INCREASE
    elif not (math.isfinite(cost_eur) and cost_eur > 0):
        status = NO_COST
    else:
        status = COMPUTED
    low = high = nan
    if status == COMPUTED:
        low, high = cost_eur / p_high, cost_eur / p_low
    return CostPerHarm(
        name=name,
        observed=float(observed),
        prevented=float(prevented),
        prevented_low=float(p_low),
        prevented_high=float(p_high),
        cost_eur=float(cost_eur) if math.isfinite(cost_eur) else nan,
        cost_per_prevented_low=float(low),
        cost_per_prevented_high=float(high),
        status=status,
    )


@dataclass(frozen=True)
class CostSummary(ResultMixin):
    """The ``dose.cost`` run: cost per harm prevented per place and for the strategy.

    Attributes
    ----------
    places, places_weighted : tuple of CostPerHarm
        Per hotspot, on harm counts and on harm-weighted harm.
    strategy, strategy_weighted : CostPerHarm or None
        The strategy (pooled rate ratio, all places' observed harm and cost).
    resources_simulated : bool
        Whether any cost used is a simulated record.
    currency : str
        ISO 4217 code of every cost (``[resources] currency``; the ``cost_eur`` fields keep
        their name whatever the currency).
    """

    places: tuple[CostPerHarm, ...]
    places_weighted: tuple[CostPerHarm, ...]
    strategy: CostPerHarm | None
    strategy_weighted: CostPerHarm | None
    resources_simulated: bool
    currency: str = "EUR"

    schema_version = 2


__all__ = [
    "COMPUTED",
    "INCREASE",
    "NO_COST",
    "NO_EFFECT",
    "CostPerHarm",
    "CostSummary",
    "cost_per_harm_prevented",
]
