"""Page 1 of the renewal report, and the plain-words parts of each place's page.

Page 1 holds one line per place: its verdict, its estimate with the adjusted interval the
verdict is read from, what happened next door (the buffer ring's verdict and rate ratio),
the trend of police and prevention activity per month (activity, not results) and a note
saying what the evidence allows one to say. The note never recommends renewing or ending a
designation: that is the deciding body's call.

The place pages get the buffer in words (the ring's monthly rate before and after), one
sentence each for the WDQ and the WDD, and tables of monthly rates. Every number is read
from the stored evaluation (:class:`~hotspotwatch.analysis.evaluate.hotspot.HotspotEvaluation`,
its rates from :func:`~hotspotwatch.analysis.evaluate.period_rates.place_rates`); nothing
is counted here.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from hotspotwatch.analysis.evaluate.period_rates import PeriodRate, PlaceRates, place_rates
from hotspotwatch.report.context import BUFFER_LABELS, finite, interval, ring_name, verdict_of
from hotspotwatch.report.fmt import Fmt

if TYPE_CHECKING:
    from hotspotwatch.analysis.evaluate.strategy import HotspotEvaluation
    from hotspotwatch.report.data import RenewalData

#: A WDD resting on fewer events than this, in the perimeter and its first ring together,
#: before or after designation, is not printed as a number. Its normal interval (Wheeler &
#: Ratcliffe 2018) assumes Poisson counts large enough for a normal approximation; with
#: fewer than about 20 events per period the figure would look more precise than it is
#: (a count of 20 has a relative standard error of about 22 %).
MIN_WDD_EVENTS = 20
#: Activity per month within ±10 % of its level before designation is "about the same".
TREND_BAND = 0.10
#: Buffer labels that say something about next door (the rest: nothing to add).
_NEXT_NOTES = tuple(b for b in BUFFER_LABELS if b != "no_detectable_change")


def rate_num(f: Fmt, value: float) -> str:
    """A monthly rate: one decimal, two below 1 (0.04 arrests a month is not "0.0")."""
    v = finite(value)
    if v is None:
        return "–"
    return f.num(v, 2 if 0 < abs(v) < 1 else 1)


def pct_change(f: Fmt, change: float) -> str:
    """``+18 %``, ``−27 %`` or ``±0 %`` (a relative change of a monthly rate)."""
    v = finite(change)
    if v is None:
        return "–"
    rel = 100.0 * v
    sign = "+" if rel > 0.5 else ("\u2212" if rel < -0.5 else "±")
    return f"{sign}{f.num(abs(rel), 0)}\u00a0%"


# ---------------------------------------------------------------------------- page 1
def dose_trend(f: Fmt, ev: HotspotEvaluation) -> list[str]:
    """Police and prevention activity per month after designation against before, in words
    (``["police ↑ ×6.5", "prevention ↑ ×3.0"]``), from the evaluation's stored ``dose``."""
    parts = []
    for role in ("enforcement", "prevention"):
        pre = finite(ev.dose.get(f"{role}_pre_per_month"))
        post = finite(ev.dose.get(f"{role}_post_per_month"))
        ratio = finite(ev.dose.get(f"{role}_ratio"))
        if pre is None or post is None:
            continue
        if pre == 0:
            trend = f.t("report.decide.trend.new") if post > 0 else f.t(
                "report.decide.trend.none"
            )
        elif ratio is None:
            continue
        elif ratio >= 1 + TREND_BAND:
            trend = f.t("report.decide.trend.up", ratio=f.num(ratio, 1))
        elif ratio <= 1 - TREND_BAND:
            trend = f.t("report.decide.trend.down", ratio=f.num(ratio, 1))
        else:
            trend = f.t("report.decide.trend.stable")
        parts.append(f.t(f"report.decide.activity.{role}", trend=trend))
    return parts or ["–"]


def renewal_note(
    f: Fmt, ev: HotspotEvaluation | None, *, min_post_months: float | None = None
) -> str:
    """What the evidence allows one to say about a place, in plain words (never a
    recommendation: renewing is the deciding body's call)."""
    verdict = verdict_of(ev)
    if ev is None or verdict is None:
        return f.t("report.decide.note.not_evaluated")
    v = ev.verdict
    mdr = finite(ev.min_detectable_ratio)
    if verdict == "no_detectable_change":
        note = (
            f.t("report.decide.note.no_detectable_change", pct=f.pct(100 * (1 - mdr)))
            if mdr is not None and 0 < mdr < 1
            else f.t("report.decide.note.no_detectable_change_nopower")
        )
    elif verdict == "too_early":
        if v.reason == "post_months":
            note = f.t(
                "report.decide.note.too_early_months",
                months=f.months(ev.post_months),
                min=f.months(float(min_post_months)) if min_post_months is not None else "–",
            )
        elif mdr is not None and 0 < mdr < 1:
            note = f.t("report.decide.note.too_early_mdr", pct=f.pct(100 * (1 - mdr)))
        else:
            note = f.t("report.decide.note.too_early_mdr_none")
    elif verdict == "uncertain":
        key = "report.decide.note.uncertain" if v.reason == "synthetic_control" else (
            "report.decide.note.uncertain_other"
        )
        note = f.t(key)
    else:
        note = f.t(f"report.decide.note.{verdict}")
    buffer = ev.buffer_verdict.label
    if verdict in ("reduction", "no_detectable_change", "increase") and buffer in _NEXT_NOTES:
        note += " " + f.t(f"report.decide.note.next.{buffer}")
    if v.near_threshold and verdict in ("reduction", "no_detectable_change", "increase"):
        note += " " + f.t("report.decide.note.near")
    return note


def next_door(f: Fmt, ev: HotspotEvaluation) -> dict[str, str]:
    """The buffer ring's verdict in short words and its rate ratio with the adjusted
    interval (the same comparison as the place's, on ring 0)."""
    b = ev.buffer_verdict
    label = b.label if b.label in BUFFER_LABELS else "no_detectable_change"
    lo = b.ci_low_adjusted if finite(b.ci_low_adjusted) is not None else b.ci_low
    hi = b.ci_high_adjusted if finite(b.ci_high_adjusted) is not None else b.ci_high
    return {
        "label": label,
        "words": f.t(f"report.decide.next.{label}"),
        "ratio": f"{f.num(ev.buffer_did.irr)} ({interval(f, lo, hi)})"
        if finite(ev.buffer_did.irr) is not None
        else "–",
    }


def decision_rows(data: RenewalData, f: Fmt) -> list[dict[str, Any]]:
    """One line per place, in the report's (alphabetical) order."""
    params = data.evaluation.parameters if data.evaluation is not None else {}
    min_post = params.get("min_post_months")
    rows = []
    for sec in data.hotspots:
        ev = sec.evaluation
        verdict = verdict_of(ev)
        row: dict[str, Any] = {
            "name": sec.name,
            "verdict": verdict or "unknown",
            "verdict_label": f.t(f"report.verdict.{verdict}") if verdict else f.t(
                "report.verdict.unknown"
            ),
            "note": renewal_note(f, ev, min_post_months=min_post),
            "estimate": None,
            "next": None,
            "activity": None,
        }
        if ev is not None and verdict is not None:
            v = ev.verdict
            row["estimate"] = f.num(ev.did.irr)
            row["interval"] = interval(f, v.ci_low_adjusted, v.ci_high_adjusted)
            row["next"] = next_door(f, ev)
            row["activity"] = dose_trend(f, ev)
        rows.append(row)
    return rows


def decision_context(data: RenewalData, f: Fmt) -> dict[str, Any]:
    """Page 1's table, its column heads and the note under it."""
    evs = [s.evaluation for s in data.hotspots if verdict_of(s.evaluation) is not None]
    levels = sorted(
        {
            f.num(100 * (1 - e.verdict.adjusted_alpha), 1)
            for e in evs
            if e is not None and finite(e.verdict.adjusted_alpha) is not None
        }
    )
    ring = next(
        (ring_name(f, e.rings[0].inner_m, e.rings[0].outer_m).lower() for e in evs if e and e.rings),
        None,
    )
    level = " / ".join(levels) if levels else "–"
    return {
        "rows": decision_rows(data, f),
        "ring": ring,
        "level": level,
        "legend": f.p("report.decide.legend", len(evs), level=level, ring=ring or "–"),
        "no_recommendation": f.t("report.decide.no_recommendation", body=f.body()),
    }


# ---------------------------------------------------------------------- place pages
def ring_sentence(f: Fmt, ev: HotspotEvaluation, rates: PlaceRates) -> str | None:
    """The first ring's harm per month before and after, in one sentence (+27 %: "rose")."""
    if not rates.rings:
        return None
    r = rates.rings[0]
    rate = r.rate
    if f.disclosure.public and (
        f.disclosure.suppressed(rate.pre_total) or f.disclosure.suppressed(rate.post_total)
    ):
        return None
    change = finite(rate.change)
    if change is None:
        return None
    params = {
        "ring": ring_name(f, r.inner_m, r.outer_m).lower(),
        "pre": rate_num(f, rate.pre_per_month),
        "post": rate_num(f, rate.post_per_month),
        "change": pct_change(f, change).lstrip("+\u2212±"),
    }
    key = "rose" if change > 0.005 else ("fell" if change < -0.005 else "same")
    return f.t(f"report.decide.ring.{key}", **params)


def wdq_sentence(f: Fmt, ev: HotspotEvaluation) -> str:
    """The weighted displacement quotient in one plain sentence (Bowers & Johnson 2003;
    reading of Guerette 2009, appendix C). It is read only after a reduction in the place:
    without a fall there is no gain to displace or to spread."""
    w = ev.wdq
    value = finite(w.wdq)
    if verdict_of(ev) != "reduction" or value is None or not w.success_measure < 0:
        return f.t("report.decide.wdq.not_read")
    if value > 1:
        key = "diffusion_large"
    elif value > 0:
        key = "diffusion"
    elif value >= -1:
        key = "displacement"
    else:
        key = "displacement_large"
    return f.t(f"report.decide.wdq.{key}", wdq=f.num(value))


def wdd_context(f: Fmt, ev: HotspotEvaluation) -> dict[str, Any]:
    """The weighted displacement difference in one sentence; below :data:`MIN_WDD_EVENTS`
    events (perimeter and ring 0, before or after) it is not given as a number."""
    pre = ev.treated_pre + ev.buffer_pre
    post = ev.treated_post + ev.buffer_post
    w = ev.wdd
    if min(pre, post) < MIN_WDD_EVENTS or finite(w.estimate) is None:
        return {
            "shown": False,
            "sentence": f.t(
                "report.decide.wdd.few",
                pre=f.p("common.n_events", pre, n=f.count(pre)),
                post=f.count(post),
                min=f.num(MIN_WDD_EVENTS, 0),
            ),
        }
    local_ci = interval(f, w.local_ci_low, w.local_ci_high, 1)
    total_ci = interval(f, w.ci_low, w.ci_high, 1)
    return {
        "shown": True,
        "local": f.num(w.local, 1),
        "local_ci": local_ci,
        "total": f.num(w.estimate, 1),
        "total_ci": total_ci,
        "sentence": None,
    }


def _rate_cells(f: Fmt, rate: PeriodRate) -> dict[str, str]:
    d = f.disclosure
    hidden = d.suppressed(rate.pre_total) or d.suppressed(rate.post_total)
    return {
        "before": "–" if d.suppressed(rate.pre_total) else rate_num(f, rate.pre_per_month),
        "after": "–" if d.suppressed(rate.post_total) else rate_num(f, rate.post_per_month),
        "before_total": f.count(rate.pre_total),
        "after_total": f.count(rate.post_total),
        "change": "–" if hidden or rate.pre_total == 0 else pct_change(f, rate.change),
    }


def harm_rate_rows(f: Fmt, rates: PlaceRates) -> list[dict[str, Any]]:
    """Harm per month before and after in the perimeter, each ring and the controls."""
    rows: list[tuple[str, str, PeriodRate]] = [("treated", f.t("report.area.treated"), rates.treated)]
    rows += [("ring", ring_name(f, r.inner_m, r.outer_m), r.rate) for r in rates.rings]
    rows.append(("control", f.t("report.area.control"), rates.control))
    return [{"kind": k, "area": label, **_rate_cells(f, r)} for k, label, r in rows]


def dose_rate_rows(f: Fmt, rates: PlaceRates) -> list[dict[str, Any]]:
    """Activity per month before and after, per category inside the perimeter."""
    return [
        {
            "role_key": d.role,
            "role": f.t(f"report.dose.role.{d.role}"),
            "category": f.category(d.category),
            **_rate_cells(f, d.rate),
        }
        for d in rates.dose
    ]


def place_decide(f: Fmt, ev: HotspotEvaluation) -> dict[str, Any]:
    """The plain-words parts and rate tables of one place's page."""
    rates = place_rates(ev)
    return {
        "ring_sentence": ring_sentence(f, ev, rates),
        "wdq_sentence": wdq_sentence(f, ev),
        "wdd": wdd_context(f, ev),
        "harm_rates": harm_rate_rows(f, rates),
        "dose_rates": dose_rate_rows(f, rates),
        "months_before": f.months(rates.pre_months),
        "months_after": f.months(rates.post_months),
    }


__all__ = [
    "MIN_WDD_EVENTS",
    "TREND_BAND",
    "decision_context",
    "decision_rows",
    "dose_trend",
    "harm_rate_rows",
    "next_door",
    "place_decide",
    "rate_num",
    "renewal_note",
    "ring_sentence",
    "wdd_context",
    "wdq_sentence",
]
