"""Across places: the multiple-testing adjustment and its intervals, the synthetic-control
check, and the region's interrupted time series (split from :mod:`.strategy`).
"""

from __future__ import annotations

import dataclasses
import datetime as dt

import numpy as np

from hotspotwatch.analysis.evaluate.did import did_interval
from hotspotwatch.analysis.evaluate.hotspot import (
    EventArrays,
    HotspotEvaluation,
)
from hotspotwatch.analysis.evaluate.its import ITSResult, interrupted_time_series
from hotspotwatch.analysis.evaluate.months import (
    MonthPlan,
    masked_months,
    month_plan,
)
from hotspotwatch.analysis.evaluate.synth import disagreement
from hotspotwatch.analysis.evaluate.verdict import (
    buffer_verdict,
    downgrade_to_uncertain,
    fcr_alpha,
    verdict,
)
from hotspotwatch.analysis.multitest import adjust_pvalues
from hotspotwatch.periods import AnchoredMonth, counts


def _adjust(
    results: list[HotspotEvaluation], *, fdr: str, alpha: float
) -> list[HotspotEvaluation]:
    """Adjust across hotspots and read the verdicts from the adjusted intervals.

    The family of a place's verdict is the places that are not too early (a too-early place
    is not tested: its ``p_adjusted`` is NaN). Every place, too-early ones included, gets
    the false-coverage-rate adjusted interval at the family's level
    (:func:`~hotspotwatch.analysis.evaluate.verdict.fcr_alpha`); the buffers form their own
    family of every place.
    """
    judged = [i for i, r in enumerate(results) if r.verdict.label != "too_early"]
    p_t = np.full(len(results), np.nan)
    if judged:
        adj = adjust_pvalues([results[i].did.p_value for i in judged], method=fdr, alpha=alpha)  # type: ignore[arg-type]
        p_t[judged] = adj.p_adjusted
    adj_b = adjust_pvalues([r.buffer_did.p_value for r in results], method=fdr, alpha=alpha)  # type: ignore[arg-type]
    a_t, _, _ = fcr_alpha([results[i].did.p_value for i in judged], alpha=alpha, method=fdr)
    a_b, _, _ = fcr_alpha([r.buffer_did.p_value for r in results], alpha=alpha, method=fdr)
    final = []
    for r, p, pb in zip(results, p_t, adj_b.p_adjusted, strict=True):
        lo_a, hi_a = did_interval(r.did, a_t)
        v = verdict(
            r.did.irr,
            r.did.ci_low,
            r.did.ci_high,
            p_value=r.did.p_value,
            p_adjusted=float(p),
            min_detectable_ratio=r.min_detectable_ratio,
            alpha=alpha,
            ci_low_adjusted=lo_a,
            ci_high_adjusted=hi_a,
            adjusted_alpha=a_t,
            too_early=r.verdict.reason if r.verdict.label == "too_early" else "",
        )
        lo_b, hi_b = did_interval(r.buffer_did, a_b)
        vb = buffer_verdict(
            r.buffer_did.irr,
            r.buffer_did.ci_low,
            r.buffer_did.ci_high,
            p_value=r.buffer_did.p_value,
            p_adjusted=float(pb),
            alpha=alpha,
            place=v.label,
            ci_low_adjusted=lo_b,
            ci_high_adjusted=hi_b,
            adjusted_alpha=a_b,
        )
        final.append(
            dataclasses.replace(
                r, p_adjusted=float(p), buffer_p_adjusted=float(pb), verdict=v, buffer_verdict=vb
            )
        )
    return final


def synth_check(ev: HotspotEvaluation) -> HotspotEvaluation:
    """The place's verdict made ``"uncertain"`` where its synthetic control contradicts it.

    The rule is :func:`~hotspotwatch.analysis.evaluate.synth.disagreement` on the verdict's
    label and estimate: the synthetic-control interval lies wholly on the other side of 1
    from the DiD estimate, or the DiD finds a reduction or an increase that the synthetic
    control, finding no change, rules out. The verdict keeps its numbers and gets the
    reason ``"synthetic_control"``
    (:func:`~hotspotwatch.analysis.evaluate.verdict.downgrade_to_uncertain`); a too-early
    place stays too early; the buffer label is read again
    (:meth:`HotspotEvaluation.with_verdict`).
    """
    v = ev.verdict
    if v.label in ("too_early", "uncertain") or disagreement(v.label, v.irr, ev.synth) is None:
        return ev
    return ev.with_verdict(downgrade_to_uncertain(v, reason="synthetic_control"))


def _region_its(
    arrays: EventArrays,
    results: list[HotspotEvaluation],
    until: dt.date,
    alpha: float,
    rule: str = "anchored_months",
    missing: frozenset[int] = frozenset(),
) -> ITSResult | None:
    """Segmented regression of the region's outcome on whole months of the months rule.

    Month 0 starts on the first designation day (under calendar months, on the first of
    the month after it, the designation month being left out); months a source does not
    cover are left out of the fit.
    """
    first = min(r.designated for r in results)
    start = month_plan(first, until, 1, rule, arrays.timezone)
    if start is None:
        return None
    am = AnchoredMonth(start.anchor, arrays.timezone)
    codes = arrays.months(start.anchor)
    lo = int(codes[arrays.outcome].min()) + 1  # first whole month
    hi = start.hi if rule == "calendar_months" else am.code_of(until) - 1  # last whole month
    if lo >= 0 or hi < 1:
        return None
    plan = MonthPlan(start.anchor, lo, hi, am.lengths(lo, hi), start.transition,
                     am.start(hi + 1) - dt.timedelta(days=1))
    left_out = masked_months(plan, set(missing), arrays.timezone)
    if int((~left_out[:-lo]).sum()) < 2 or int((~left_out[-lo:]).sum()) < 2:
        return None
    return interrupted_time_series(
        counts(codes[arrays.outcome], lo, hi),
        interruption=-lo,
        month_of_year=[am.start(k).month for k in range(lo, hi + 1)],
        exposure=plan.days,
        alpha=alpha,
        missing=left_out,
    )
