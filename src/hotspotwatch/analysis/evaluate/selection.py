"""The selection check of an evaluation: the placebo per designation date, and its correction.

For every date on which places were first designated, the designation rule (the places with
most harm in the selection window before the decision) is applied to the *control cells*
(never designated, outside every buffer), at that date and at earlier ones
(:func:`~hotspotwatch.analysis.evaluate.placebo.selection_placebo`). Twice: with the
evaluation's own periods (the pre-period ends where the selection window starts), and with
the naive 12-month pre-period that includes the window, to show the size of the trap.

When the placebo of the evaluation's own design finds a selection effect (its interval
excludes 1), each place designated on that date has it removed from its DiD estimate and its
interval widened by the placebo's uncertainty (:meth:`SelectionPlacebo.correct`); otherwise
estimates are left as they are and the check is reported.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import functools
import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import ClassVar

import numpy as np
from scipy import stats

from hotspotwatch.analysis._result import ResultMixin
from hotspotwatch.analysis.evaluate.design import ControlGrid
from hotspotwatch.analysis.evaluate.did import DiDResult
from hotspotwatch.analysis.evaluate.hotspot import EventArrays, HotspotEvaluation
from hotspotwatch.analysis.evaluate.months import MonthPlan, masked_months, month_plan
from hotspotwatch.analysis.evaluate.placebo import SelectionPlacebo, selection_placebo
from hotspotwatch.analysis.evaluate.series import DAYS_PER_MONTH
from hotspotwatch.periods import Day

__all__ = ["PLACEBO_OFFSETS", "SelectionCheck", "apply_selection_checks", "selection_checks"]

#: Placebo decision months relative to the real one (the rule at the real date on the
#: undesignated cells, then every six months back as far as the data give a baseline).
PLACEBO_OFFSETS: tuple[int, ...] = (0, -6, -12, -18, -24)

#: Pre-period of the naive comparison (the window included).
NAIVE_PRE_MONTHS = 12


@dataclass(frozen=True)
class SelectionCheck(ResultMixin):
    """The selection placebo of the places first designated on one date.

    Attributes
    ----------
    designated : datetime.date
        First designation day of the places.
    places : tuple of str
        Names of the places designated that day (the rule picks as many cells).
    default : SelectionPlacebo
        Placebo with the evaluation's periods (selection window left out).
    naive : SelectionPlacebo
        Placebo with the 12 months just before the decision as pre-period.
    corrected : bool
        Whether the places' estimates had the ``default`` bias removed (only when its
        interval excludes 1).
    """

    schema_version: ClassVar[int] = 1

    designated: dt.date
    places: tuple[str, ...]
    default: SelectionPlacebo
    naive: SelectionPlacebo
    corrected: bool


def _panel(
    events: EventArrays,
    grid: ControlGrid,
    plan: MonthPlan,
    missing: frozenset[int],
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Outcome counts of every eligible control cell in months ``plan.lo .. plan.hi``."""
    months = events.months(plan.anchor)
    day_last = Day(events.timezone).code_of(plan.last)
    sel = (
        events.outcome
        & (events.control_cell >= 0)
        & (months >= plan.lo)
        & (months <= plan.hi)
        & (events.day() <= day_last)
    )
    n_m = plan.hi - plan.lo + 1
    n_u = int(grid.eligible.size)
    flat = events.control_cell[sel] * n_m + (months[sel] - plan.lo)
    w = None if events.weights is None else events.weights[sel]
    panel = np.bincount(flat, weights=w, minlength=n_u * n_m).reshape(n_u, n_m).astype(float)
    masked = masked_months(plan, set(missing), events.timezone)
    panel[:, masked] = np.nan
    codes = np.arange(plan.lo, plan.hi + 1)
    return panel, codes, plan.days / DAYS_PER_MONTH


def selection_checks(
    events: EventArrays,
    grid: ControlGrid,
    results: Sequence[HotspotEvaluation],
    *,
    selection_window: int,
    pre_months: int,
    rule: str,
    missing: frozenset[int] = frozenset(),
    offsets: Sequence[int] = PLACEBO_OFFSETS,
    alpha: float = 0.05,
    seed: int = 0,
) -> tuple[SelectionCheck, ...]:
    """Selection placebo for each first-designation date of ``results``.

    Parameters
    ----------
    events : EventArrays
        The evaluation's events (outcome mask and harm weights as evaluated).
    grid : ControlGrid
        The evaluation's control cells (the units the rule is applied to).
    results : sequence of HotspotEvaluation
        Evaluated places (grouped by ``designated``; the post-period is the longest of the
        group's, cut at its ``last_day``).
    selection_window : int
        Months of the rule's window, left out of the evaluation's pre-period (0: the
        evaluation does not leave one out, and the placebo ranks on the 6 months before).
    pre_months : int
        Months of the evaluation's pre-period.
    rule : str
        Months rule of the evaluation.
    missing : frozenset of int
        Calendar month codes a source does not cover (left out).
    offsets : sequence of int
        Placebo decision months relative to each real one.
    alpha, seed
        Level of the intervals; seed of the rule's tie-break.

    Returns
    -------
    tuple of SelectionCheck
        One per date, earliest first; dates whose data give no placebo at all are kept
        with unavailable placebos (NaN ratios).
    """
    by_date: dict[dt.date, list[HotspotEvaluation]] = {}
    for r in results:
        by_date.setdefault(r.designated, []).append(r)
    window = selection_window if selection_window > 0 else 6
    reach = pre_months + window - min(offsets, default=0)
    data_first = _first_month(events)
    out: list[SelectionCheck] = []
    for day in sorted(by_date):
        group = by_date[day]
        last = max(r.last_day for r in group)
        plan = month_plan(day, last, reach, rule, events.timezone)
        if plan is None:
            continue
        if data_first is not None:
            # months before the data start are absent, not zero; the first month may be partial
            first_code = int(events.months(plan.anchor)[data_first]) + 1
            if first_code > plan.lo:
                cut = first_code - plan.lo
                if cut > plan.hi - plan.lo:
                    continue
                plan = dataclasses.replace(plan, lo=first_code, days=plan.days[cut:])
        panel, codes, exposure = _panel(events, grid, plan, missing)
        run = functools.partial(
            selection_placebo,
            panel,
            codes,
            n_select=len(group),
            selection_window=window,
            post_months=max(plan.hi + 1, 1),
            offsets=offsets,
            exposure=exposure,
            alpha=alpha,
            seed=seed,
        )
        default = run(pre_months=pre_months, exclude_window=selection_window > 0)
        naive = run(pre_months=NAIVE_PRE_MONTHS, exclude_window=False)
        out.append(
            SelectionCheck(
                designated=day,
                places=tuple(r.name for r in group),
                default=default,
                naive=naive,
                corrected=default.detected,
            )
        )
    return tuple(out)


def _first_month(events: EventArrays) -> int | None:
    """Index of the earliest outcome event (None without any)."""
    idx = np.nonzero(events.outcome)[0]
    if idx.size == 0:
        return None
    ts = events.occurred_at.to_numpy()
    return int(idx[np.argmin(ts[idx])])


def _corrected(d: DiDResult, placebo: SelectionPlacebo) -> DiDResult:
    """``d`` with the placebo's bias removed and its uncertainty added."""
    if not (math.isfinite(d.log_irr) and math.isfinite(d.se)):
        return d
    b, se = placebo.correct(d.log_irr, d.se)
    z = float(stats.norm.ppf(1 - d.alpha / 2))
    zs = b / se if se > 0 else math.nan
    return dataclasses.replace(
        d,
        irr=math.exp(b),
        ci_low=math.exp(b - z * se),
        ci_high=math.exp(b + z * se),
        log_irr=b,
        se=se,
        z=zs,
        p_value=float(2 * stats.norm.sf(abs(zs))) if math.isfinite(zs) else math.nan,
    )


def apply_selection_checks(
    results: Sequence[HotspotEvaluation], checks: Sequence[SelectionCheck]
) -> list[HotspotEvaluation]:
    """Remove the detected selection bias from the DiD of the places it concerns.

    Places of a date whose check is not ``corrected`` are returned unchanged. The corrected
    DiD replaces ``did`` (its ``cov`` gains ``+selection``), before the adjustment across
    places and the verdicts, so that verdicts and intervals read the corrected estimate.
    """
    fix = {c.designated: c.default for c in checks if c.corrected}
    out = []
    for r in results:
        placebo = fix.get(r.designated)
        if placebo is None:
            out.append(r)
            continue
        d = _corrected(r.did, placebo)
        out.append(dataclasses.replace(r, did=dataclasses.replace(d, cov=f"{d.cov}+selection")))
    return out
