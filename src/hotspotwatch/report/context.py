"""The renewal report's page context: the summary and one page per hotspot.

Everything here reads typed results by attribute (:class:`HotspotEvaluation`,
:class:`StrategyEvaluation`) and writes words and formatted numbers; it counts nothing. The
monthly series, the rings, the control cells and the dose come from the evaluation run
(anchored months), so a table and a chart on a page agree with the estimate beside them.
"""

from __future__ import annotations

import base64
import datetime as dt
import math
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np
from shapely.geometry.base import BaseGeometry

from hotspotwatch.domain.taxonomy import outcome_label
from hotspotwatch.i18n import format_month_short
from hotspotwatch.i18n.verdicts import reason_text, verdict_text
from hotspotwatch.report import figures
from hotspotwatch.report.fmt import Fmt

if TYPE_CHECKING:
    from hotspotwatch.analysis.evaluate.strategy import HotspotEvaluation, StrategyEvaluation
    from hotspotwatch.report.data import HotspotSection, RenewalData

VERDICTS = ("reduction", "no_detectable_change", "increase")
#: Every place verdict: the three groups of the summary, then the places too early to
#: judge and those a robustness check left uncertain (listed under the groups).
ALL_VERDICTS = (*VERDICTS, "too_early", "uncertain")
#: Every buffer label of :data:`hotspotwatch.analysis.evaluate.verdict.BufferLabel`, in the
#: order the summary lists them.
BUFFER_LABELS = (
    "displacement",
    "diffusion",
    "rise_around",
    "fall_around",
    "rise_in_place_and_around",
    "rise_in_place_fall_around",
    "no_detectable_change",
)


#: Room (inches) page 2 gives the forest plot in its main column: the A4 text block
#: (297 mm less the 17 mm margins of report.css: 10.35 in) less the page's heading and the
#: caption and pooled line under the plot, with room to spare for the longest language.
#: The rows spread to fill it (:func:`hotspotwatch.report.figures.forest_layout`), so the
#: page is not left half empty; a plot of many places stays as tall as its rows need.
FOREST_PAGE_HEIGHT_IN = 7.6


def data_uri(png: bytes) -> str:
    """A PNG as a ``data:`` URI (the HTML is self-contained)."""
    return "data:image/png;base64," + base64.b64encode(png).decode("ascii")


def finite(value: Any) -> float | None:
    """``value`` as a finite float, else ``None``."""
    try:
        v = float(value)
    except (TypeError, ValueError):
        return None
    return v if math.isfinite(v) else None


def verdict_of(ev: HotspotEvaluation | None) -> str | None:
    """The verdict label of a hotspot's evaluation (``None``: not evaluated)."""
    if ev is None:
        return None
    label = ev.verdict.label
    return label if label in ALL_VERDICTS else None


def interval(f: Fmt, lo: Any, hi: Any, digits: int = 2) -> str:
    """``lo – hi`` in the language's number format."""
    return f"{f.num(lo, digits)} – {f.num(hi, digits)}"


def effect_sentence(f: Fmt, verdict: str | None, irr: Any, lo: Any, hi: Any) -> str:
    """Plain words for a rate ratio and its interval (a reading of the numbers, not a test)."""
    irr_f, lo_f, hi_f = finite(irr), finite(lo), finite(hi)
    if irr_f is None or lo_f is None or hi_f is None:
        return f.t("report.effect.not_estimated")
    if verdict == "reduction":
        return f.t(
            "report.effect.words.reduction", a=f.pct(100 * (1 - hi_f)), b=f.pct(100 * (1 - lo_f))
        )
    if verdict == "increase":
        return f.t(
            "report.effect.words.increase", a=f.pct(100 * (lo_f - 1)), b=f.pct(100 * (hi_f - 1))
        )
    if lo_f < 1 < hi_f:
        return f.t("report.effect.words.none", a=f.pct(100 * (1 - lo_f)), b=f.pct(100 * (hi_f - 1)))
    return f.t("report.effect.words.none_edge", irr=f.num(irr_f))


def mdr_text(f: Fmt, mdr: Any) -> str | None:
    """The smallest change the design could detect, in words (planned power: fixed by the
    counts before designation and the months after, not by the outcome)."""
    v = finite(mdr)
    if v is None or v <= 0:
        return None
    if v < 1:
        return f.t("report.effect.mdr_reduction", pct=f.pct(100 * (1 - v)), ratio=f.num(v))
    return f.t("report.effect.mdr_ratio", ratio=f.num(v))


def mdr_short(f: Fmt, mdr: Any) -> str | None:
    """"≥ x %": the smallest detectable reduction, for the summary's groups."""
    v = finite(mdr)
    if v is None or v <= 0 or v >= 1:
        return None
    return "≥ " + f.pct(100 * (1 - v)) + "\u00a0%"


def ring_name(f: Fmt, inner: float, outer: float) -> str:
    """"Ring 0–250 m" in the language."""
    return f.t("report.area.ring", inner=f.num(inner, 0), outer=f.num(outer, 0))


def _ci(f: Fmt, lo: Any, hi: Any) -> str | None:
    """A WDD interval (one decimal), ``None`` when not estimated."""
    if finite(lo) is None or finite(hi) is None:
        return None
    return interval(f, lo, hi, 1)


def baseline_text(f: Fmt, ev: HotspotEvaluation) -> str | None:
    """The baseline used and the selection window left out, in one sentence."""
    if ev.pre_start is None or ev.pre_end is None:
        return None
    key = "report.effect.baseline_window" if ev.selection_window_months else (
        "report.effect.baseline"
    )
    return f.t(
        key,
        start=f.date(ev.pre_start),
        end=f.date(ev.pre_end),
        months=f.months(float(ev.pre_months)),
        window=f.months(float(ev.selection_window_months)),
    )


def hotspot_effect(
    f: Fmt, ev: HotspotEvaluation, *, min_post_months: float | None = None
) -> dict[str, Any]:
    """The estimates of one hotspot's page as the report prints them (the dashboard's
    hotspot page shows the same numbers).

    The verdict is read from the adjusted interval (``ci_adjusted``), which the words
    describe; the minimum detectable change is given only beside a verdict that claims no
    change (beside "reduction" it would read as a contradiction).
    """
    verdict = verdict_of(ev)
    buffer = ev.buffer_verdict.label
    v = ev.verdict
    words = effect_sentence(f, verdict, ev.did.irr, v.ci_low_adjusted, v.ci_high_adjusted)
    if verdict == "too_early":
        words = reason_text(v, f.lang, post_months=ev.post_months,
                            min_post_months=min_post_months)
    elif verdict == "uncertain":
        words = reason_text(v, f.lang) or words
    return {
        "irr": f.num(ev.did.irr),
        "ci": interval(f, ev.did.ci_low, ev.did.ci_high),
        "ci_adjusted": interval(f, v.ci_low_adjusted, v.ci_high_adjusted),
        "adjusted_level": f.num(100 * (1 - v.adjusted_alpha), 1),
        "near": f.t("report.effect.near") if v.near_threshold and verdict in VERDICTS
        else None,
        "baseline": baseline_text(f, ev),
        "p": f.pvalue(ev.did.p_value),
        "p_adj": f.pvalue(ev.p_adjusted) if finite(ev.p_adjusted) is not None else None,
        "wdq": f.num(ev.wdq.wdq),
        "tne": f.num(ev.wdq.total_net_effect, 1) if finite(ev.wdq.total_net_effect) else None,
        "wdd": f.num(ev.wdd.estimate, 1),
        "wdd_ci": _ci(f, ev.wdd.ci_low, ev.wdd.ci_high),
        "wdd_local": f.num(ev.wdd.local, 1),
        "wdd_local_ci": _ci(f, ev.wdd.local_ci_low, ev.wdd.local_ci_high),
        "mdr": mdr_text(f, ev.min_detectable_ratio)
        if verdict == "no_detectable_change" else None,
        "verdict": verdict,
        "verdict_label": f.t(f"report.verdict.{verdict}") if verdict else f.t(
            "report.verdict.unknown"
        ),
        "words": words,
        "buffer": f.t(f"report.buffer.{buffer}") if buffer in BUFFER_LABELS else None,
        "buffer_label": buffer,
        "buffer_sentence": buffer_sentence(f, ev),
        "synth": synth_cell(f, ev),
    }


def synth_cell(f: Fmt, ev: HotspotEvaluation) -> str | None:
    """The synthetic control beside the DiD: ``ratio (low – high)``, as evaluated.

    ``None`` when the evaluation has none; an unbounded interval (too few donors or
    post-period events to reject anything) is said in words.
    """
    sc = ev.synth
    if sc is None or finite(sc.irr) is None:
        return None
    lo, hi = finite(sc.ci_low), finite(sc.ci_high)
    if lo is None or hi is None or lo <= 0:
        return f"{f.num(sc.irr)} ({f.t('report.effect.synth_open')})"
    return f"{f.num(sc.irr)} ({interval(f, lo, hi)})"


def buffer_sentence(f: Fmt, ev: HotspotEvaluation) -> str:
    """The buffer verdict in one sentence in the reader's language (every buffer label,
    :func:`hotspotwatch.i18n.verdicts.verdict_text`)."""
    return verdict_text(
        ev.buffer_verdict, f.lang, name=ev.name, outcome=outcome_label(ev.outcome, f.lang)
    )


def outcome_rows(f: Fmt, ev: HotspotEvaluation) -> list[dict[str, Any]]:
    """Before/after totals of the perimeter, each ring and the controls, as evaluated."""
    pre = ev.series.pre_mask
    m_before = float(ev.series.exposure[pre].sum())
    m_after = float(ev.series.exposure[~pre].sum())
    rows = [("treated", f.t("report.area.treated"), ev.treated_pre, ev.treated_post)]
    for ring in ev.rings:
        rows.append(("ring", ring_name(f, ring.inner_m, ring.outer_m), ring.pre, ring.post))
    rows.append(("control", f.t("report.area.control"), ev.control_pre, ev.control_post))
    return [
        {
            "kind": kind,
            "area": label,
            "before": f.count(before),
            "after": f.count(after),
            "change": f.change(before, after, m_before, m_after),
        }
        for kind, label, before, after in rows
    ]


def missing_rows(f: Fmt, ev: HotspotEvaluation) -> list[dict[str, Any]]:
    """The evaluation's months a source does not cover (``ev.missing_months``: NaN in the
    series, exposure 0), each with its first and last day and "missing"."""
    s = ev.series
    starts = list(s.months)
    ends = [*starts[1:], ev.last_day + dt.timedelta(days=1)]
    rows = []
    for start, end in zip(starts, ends, strict=True):
        if start not in ev.missing_months:
            continue
        rows.append(
            {
                "start": start,
                "month": f"{f.date(start)} – {f.date(end - dt.timedelta(days=1))}",
                "status": f.t("report.missing.cell"),
            }
        )
    return rows


def dose_rows(f: Fmt, ev: HotspotEvaluation) -> list[dict[str, Any]]:
    """Dose per category inside the perimeter, before and after, from the evaluation."""
    ds = ev.dose_series
    pre = ev.series.pre_mask
    counts = np.asarray(ds.counts, dtype=float).reshape(len(ds.categories), -1)
    order = sorted(range(len(ds.categories)), key=lambda i: (ds.roles[i], ds.categories[i]))
    rows = []
    for i in order:
        # NaN: months left out (missing, or the selection window before the decision)
        before, after = float(np.nansum(counts[i, pre])), float(np.nansum(counts[i, ~pre]))
        if before == 0 and after == 0:
            continue
        rows.append(
            {
                "role_key": ds.roles[i],
                "role": f.t(f"report.dose.role.{ds.roles[i]}"),
                "category": f.category(ds.categories[i]),
                "before": f.count(before),
                "after": f.count(after),
            }
        )
    return rows


def hotspot_page(
    sec: HotspotSection,
    data: RenewalData,
    f: Fmt,
    labels_map: Mapping[str, str],
    labels_chart: Mapping[str, str],
    others: Sequence[BaseGeometry],
    map_kw: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """Context of one hotspot's page.

    ``map_kw``: the map layers shared by every place's map (``breaks``, ``communes``,
    ``streets``: :func:`hotspotwatch.report.figures.hotspot_map`).
    """
    d = f.disclosure
    ev = sec.evaluation
    map_png = figures.hotspot_map(
        perimeter=sec.geometry,
        buffer_rings=sec.rings,
        counts=sec.grid.counts,
        extent=sec.grid.extent,
        zones=data.zones,
        other_perimeters=others,
        points=None if d.public else sec.points,
        region=data.region,
        controls=sec.controls,
        disclosure=d,
        labels=labels_map,
        **(map_kw or {}),
    )
    chart = None
    months_before = months_after = ""
    if ev is not None:
        s = ev.series
        # The comparison areas on the perimeter's scale before designation: the trend the
        # difference-in-differences compares with (a reading aid, not an estimate).
        scaled = (
            s.control * (ev.treated_pre / ev.control_pre) if ev.control_pre > 0 else None
        )
        chart = data_uri(
            figures.trend_chart(
                months=list(s.months),
                treated=s.treated,
                rings=[r.counts for r in ev.rings],
                ring_labels=[ring_name(f, r.inner_m, r.outer_m) for r in ev.rings],
                control=scaled,
                exposure=s.exposure,
                periods=sec.periods,
                until=data.until,
                disclosure=d,
                labels=labels_chart,
                month_label=lambda day: format_month_short(day, f.lang),
            )
        )
        months_before = f.months(float(s.exposure[s.pre_mask].sum()))
        months_after = f.months(float(s.exposure[~s.pre_mask].sum()))
    periods_text = [
        f"{f.date(p.start)} – "
        + (f.date(p.end - dt.timedelta(days=1)) if p.end else f.t("report.hotspot.open_ended"))
        for p in sec.periods
    ]
    return {
        "name": sec.name,
        "anchor": f"hs-{sec.code or abs(hash(sec.name))}",
        "zone": f.t("report.hotspot.zone", label=f.zone(), zone=sec.zone) if sec.zone else None,
        "commune": sec.commune,
        "approximate": sec.approximate,
        "first": f.date(sec.first_designated),
        "periods": periods_text,
        "map": data_uri(map_png),
        "chart": chart,
        "effect": hotspot_effect(
            f,
            ev,
            min_post_months=data.evaluation.parameters.get("min_post_months")
            if data.evaluation is not None else None,
        )
        if ev is not None else None,
        "evaluated_to": f.date(ev.last_day) if ev is not None else None,
        "table": outcome_rows(f, ev) if ev is not None else [],
        "months_before": months_before,
        "months_after": months_after,
        "dose": dose_rows(f, ev) if ev is not None else [],
        "missing": missing_rows(f, ev) if ev is not None else [],
    }


def forest_row(name: str, ev: HotspotEvaluation | None) -> figures.ForestRow:
    """A place's row of the forest plot: the adjusted interval its verdict is read from,
    the unadjusted one, and the verdict that colours both."""
    if ev is None:
        return figures.ForestRow(name, None, None, None, None, None, None)
    v = ev.verdict
    return figures.ForestRow(
        name,
        finite(ev.did.irr),
        finite(ev.did.ci_low),
        finite(ev.did.ci_high),
        finite(v.ci_low_adjusted),
        finite(v.ci_high_adjusted),
        verdict_of(ev),
    )


def pooled_context(f: Fmt, evaluation: StrategyEvaluation | None) -> dict[str, Any] | None:
    """The strategy-level (pooled) estimate in numbers and words."""
    if evaluation is None or evaluation.pooled is None or evaluation.pooled_verdict is None:
        return None
    p = evaluation.pooled
    irr, lo, hi = math.exp(p.estimate), math.exp(p.ci_low), math.exp(p.ci_high)
    label = evaluation.pooled_verdict.label
    verdict = label if label in VERDICTS else "no_detectable_change"
    pi_lo, pi_hi = finite(p.prediction_low), finite(p.prediction_high)
    fe = evaluation.pooled_fixed  # inverse-variance pooling of the same ratios (may be None)
    fixed = None if fe is None else {
        "irr": f.num(math.exp(fe.estimate)),
        "ci": interval(f, math.exp(fe.ci_low), math.exp(fe.ci_high)),
    }
    return {
        "fixed": fixed,
        "irr": f.num(irr),
        "ci": interval(f, lo, hi),
        "verdict": verdict,
        "verdict_label": f.t(f"report.verdict.{verdict}"),
        "headline": f.p(
            "report.summary.pooled", p.k, irr=f.num(irr), lo=f.num(lo), hi=f.num(hi)
        ),
        "words": effect_sentence(f, verdict, irr, lo, hi),
        "i2": f.t("report.summary.i2", i2=f.num(100 * p.i2, 0)) if finite(p.i2) is not None
        else None,
        "pi": (
            f.t("report.summary.pi", lo=f.num(math.exp(pi_lo)), hi=f.num(math.exp(pi_hi)))
            if pi_lo is not None and pi_hi is not None
            else None
        ),
    }


def summary_context(data: RenewalData, f: Fmt, pages: Sequence[Mapping[str, Any]]) -> dict[str, Any]:
    """Verdict groups, changes since the previous review, displacement, forest plot."""
    t = f.t
    groups: dict[str, list[dict[str, Any]]] = {v: [] for v in ALL_VERDICTS}
    not_evaluated = []
    for sec, page in zip(data.hotspots, pages, strict=True):
        v = verdict_of(sec.evaluation)
        if v is None or sec.evaluation is None:
            not_evaluated.append(sec.name)
            continue
        groups[v].append(
            {
                "name": sec.name,
                "irr": page["effect"]["irr"],
                "ci": page["effect"]["ci"],
                "mdr_short": mdr_short(f, sec.evaluation.min_detectable_ratio)
                if v == "no_detectable_change" else None,
            }
        )
    changes: list[str] | None = None
    if data.previous is not None and data.previous.hotspots:
        changes = []
        for sec in data.hotspots:
            now = verdict_of(sec.evaluation)
            before = verdict_of(data.previous.hotspot(sec.name))
            if now and before and before != now:
                changes.append(
                    t(
                        "report.summary.change_item",
                        name=sec.name,
                        before=t(f"report.verdict.{before}"),
                        after=t(f"report.verdict.{now}"),
                    )
                )
            elif now and before is None:
                changes.append(t("report.summary.change_new", name=sec.name))
    buf = {label: 0 for label in BUFFER_LABELS}
    for sec in data.hotspots:
        if sec.evaluation is not None and sec.evaluation.buffer_verdict.label in buf:
            buf[sec.evaluation.buffer_verdict.label] += 1
    displacement = (
        t(
            "report.summary.displacement",
            parts=t("common.separator").join(
                f.p(f"report.summary.buffer_{label}", n) for label, n in buf.items() if n
            ),
        )
        if sum(buf.values())
        else t("report.summary.displacement_wdq")
    )
    evaluation = data.evaluation
    pooled = evaluation.pooled if evaluation is not None else None
    forest = figures.forest_plot(
        rows=[forest_row(s.name, s.evaluation) for s in data.hotspots],
        pooled=(
            (math.exp(pooled.estimate), math.exp(pooled.ci_low), math.exp(pooled.ci_high))
            if pooled is not None
            else None
        ),
        labels={
            "pooled": t("report.summary.pooled_label"),
            "axis": t("report.forest.axis"),
            "fewer": t("report.forest.fewer"),
            "more": t("report.forest.more"),
        },
        height=FOREST_PAGE_HEIGHT_IN,
    )
    return {
        "pooled": pooled_context(f, evaluation),
        "groups": groups,
        "not_evaluated": not_evaluated,
        "changes": changes,
        "previous_until": f.date(data.previous_until) if data.previous_until else None,
        "displacement_text": displacement,
        "forest": data_uri(forest),
    }


__all__ = [
    "ALL_VERDICTS",
    "BUFFER_LABELS",
    "VERDICTS",
    "buffer_sentence",
    "data_uri",
    "dose_rows",
    "effect_sentence",
    "forest_row",
    "hotspot_effect",
    "hotspot_page",
    "missing_rows",
    "outcome_rows",
    "pooled_context",
    "summary_context",
    "synth_cell",
    "verdict_of",
]
