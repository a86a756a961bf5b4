"""``_repr_html_`` of every result type: one function per type, a generic one for the rest.

The registry :data:`TABLES` maps ``"module:Class"`` (as :func:`~hotspotwatch.notebook.type_key`
spells it) to a function returning the HTML. Types not in it get :func:`generic`.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from typing import Any

import numpy as np

from hotspotwatch.notebook import type_key
from hotspotwatch.notebook._format import (
    DASH,
    Raw,
    interval,
    num,
    pct,
    pval,
    scalar_rows,
    table,
)

TABLES: dict[str, Callable[[Any], str]] = {}

_A = "hotspotwatch.analysis."


def _register(*keys: str) -> Callable[[Callable[[Any], str]], Callable[[Any], str]]:
    def deco(fn: Callable[[Any], str]) -> Callable[[Any], str]:
        for k in keys:
            TABLES[_A + k] = fn
        return fn

    return deco


def render(result: Any) -> str:
    """The HTML table of ``result`` (its registered renderer, or :func:`generic`)."""
    return TABLES.get(type_key(result), generic)(result)


def generic(result: Any) -> str:
    """Key/value table of a dataclass's scalar fields (arrays and lists by their size)."""
    if not dataclasses.is_dataclass(result):
        return table(None, [("value", Raw(num(result)) if not isinstance(result, str) else result)])
    return table(None, scalar_rows(result), caption=type(result).__name__)


def _label(code: str) -> str:
    """A code word as text: ``no_detectable_change`` -> ``no detectable change``."""
    return code.replace("_", " ")


def _effect_row(label: str, irr: Any, low: Any, high: Any, p: Any) -> tuple[Any, ...]:
    return (label, irr, Raw(interval(low, high)), Raw(pval(p)))


# ---------------------------------------------------------------- evaluation
@_register("evaluate.did:DiDResult")
def did(r: Any) -> str:
    """Rate ratio with its interval, and the four counts behind it."""
    rows = [
        ("incidence rate ratio", r.irr),
        (f"{100 * (1 - r.alpha):.0f}% interval", Raw(interval(r.ci_low, r.ci_high))),
        ("p-value", Raw(pval(r.p_value))),
        ("treated before / after", Raw(f"{num(r.treated_pre)} / {num(r.treated_post)}")),
        ("control before / after", Raw(f"{num(r.control_pre)} / {num(r.control_post)}")),
        ("model", f"{r.family}, {r.cov} errors"),
        ("observations", r.n_obs),
    ]
    return table(None, rows, caption="Difference in differences")


@_register("evaluate.verdict:Verdict")
def verdict(v: Any) -> str:
    """The verdict with the numbers it rests on."""
    rows = [
        ("verdict", _label(v.label)),
        ("subject", v.subject),
        ("rate ratio", v.irr),
        (f"{100 * (1 - v.alpha):.0f}% interval", Raw(interval(v.ci_low, v.ci_high))),
        ("p-value (adjusted)", Raw(f"{pval(v.p_value)} ({pval(v.p_adjusted)})")),
        ("smallest detectable ratio", v.min_detectable_ratio),
    ]
    low_adj, high_adj = getattr(v, "ci_low_adjusted", None), getattr(v, "ci_high_adjusted", None)
    if low_adj is not None and np.isfinite(low_adj):
        alpha = getattr(v, "adjusted_alpha", None)
        level = f"{100 * (1 - alpha):.1f}% " if alpha is not None and np.isfinite(alpha) else ""
        rows.insert(4, (f"{level}interval, adjusted for multiple places",
                        Raw(interval(low_adj, high_adj))))
    if getattr(v, "near_threshold", False):
        rows.append(("near the threshold", True))
    if getattr(v, "reason", ""):
        rows.append(("reason", _label(v.reason)))
    return table(None, rows, caption="Verdict")


@_register("evaluate.synth:SynthResult")
def synth(s: Any) -> str:
    """Synthetic control: ratio, interval, placebo p-value, fit and top donors."""
    top = ", ".join(f"{d} ({w:.2f})" for d, w in s.weights[:5]) or DASH
    rows = [
        ("rate ratio", s.irr),
        (f"{100 * (1 - s.alpha):.0f}% interval", Raw(interval(s.ci_low, s.ci_high))),
        ("placebo p-value", Raw(pval(s.p_value))),
        ("pre / post RMSPE", Raw(f"{num(s.pre_rmspe)} / {num(s.post_rmspe)}")),
        ("donors", s.donors),
        ("largest weights", top),
        ("months before / after", Raw(f"{s.pre_months} / {s.post_months}")),
    ]
    return table(None, rows, caption="Synthetic control")


@_register("evaluate.pooling:PooledResult")
def pooled(p: Any) -> str:
    """Random-effects pooled ratio, heterogeneity and prediction interval."""
    rows = [
        ("pooled rate ratio", float(np.exp(p.estimate))),
        ("95% interval", Raw(interval(np.exp(p.ci_low), np.exp(p.ci_high)))),
        ("p-value", Raw(pval(p.p_value))),
        ("prediction interval", Raw(interval(np.exp(p.prediction_low), np.exp(p.prediction_high)))),
        ("I²", Raw(pct(p.i2))),
        ("τ²", p.tau2),
        ("Q (p)", Raw(f"{num(p.q)} ({pval(p.q_p_value)})")),
        ("places", p.k),
        ("method", p.method),
    ]
    return table(None, rows, caption="Pooled over places")


@_register("evaluate.its:ITSResult")
def its(r: Any) -> str:
    """Interrupted time series of the region: level and slope changes."""
    rows = [
        _effect_row("level change", r.level_irr, r.level_ci_low, r.level_ci_high, r.level_p_value),
        _effect_row("monthly slope change", r.slope_irr, r.slope_ci_low, r.slope_ci_high, r.slope_p_value),
        ("at the end", r.end_irr, Raw(interval(r.end_ci_low, r.end_ci_high)), ""),
    ]
    return table(["", "rate ratio", "interval", "p-value"], rows,
                 caption="Interrupted time series (region)",
                 note=f"{r.n_periods} months, seasonal: {'yes' if r.seasonal else 'no'}")


def _hotspot_row(h: Any) -> tuple[Any, ...]:
    v = h.verdict
    return (h.name, h.designated, h.post_months, _label(v.label), h.did.irr,
            Raw(interval(h.did.ci_low, h.did.ci_high)),
            Raw(interval(getattr(v, "ci_low_adjusted", None), getattr(v, "ci_high_adjusted", None))),
            Raw(pval(h.p_adjusted)),
            h.min_detectable_ratio, h.buffer_did.irr, _label(h.buffer_verdict.label))


_HOTSPOT_HEADER = ["place", "designated", "months after", "verdict", "rate ratio", "95% interval",
                   "adjusted interval (verdict)", "p (adjusted)", "smallest detectable", "buffer ratio", "buffer verdict"]


@_register("evaluate.hotspot:HotspotEvaluation")
def hotspot(h: Any) -> str:
    """One place: verdict, DiD in the place and its buffer, WDQ, synthetic control."""
    rows = [_hotspot_row(h)]
    out = table(_HOTSPOT_HEADER, rows, caption=f"Evaluation of {h.name} ({h.outcome})")
    extra = [("weighted displacement quotient", h.wdq.wdq),
             ("controls", h.n_controls),
             ("treated before / after", Raw(f"{num(h.treated_pre)} / {num(h.treated_post)}"))]
    if h.synth is not None:
        extra.append(("synthetic control ratio", Raw(f"{num(h.synth.irr)} ({interval(h.synth.ci_low, h.synth.ci_high)})")))
    return out + table(None, extra)


@_register("evaluate.strategy:StrategyEvaluation")
def strategy(s: Any) -> str:
    """Per place: verdict, rate ratio with interval, adjusted p; then the pooled ratio."""
    rows = [_hotspot_row(h) for h in s.hotspots]
    if s.pooled is not None:
        p = s.pooled
        label = _label(s.pooled_verdict.label) if s.pooled_verdict is not None else ""
        rows.append(("all places (pooled)", "", "", label, float(np.exp(p.estimate)),
                     Raw(interval(np.exp(p.ci_low), np.exp(p.ci_high))), "", Raw(pval(p.p_value)),
                     "", "", ""))
    outcome = s.hotspots[0].outcome if s.hotspots else ""
    return table(_HOTSPOT_HEADER, rows, caption=f"Strategy evaluation ({outcome})",
                 note="rate ratio < 1: fewer events than the controls predict; the verdict reads "
                      "the interval adjusted for the number of places (false coverage rate)")


@_register("evaluate.incidents:IncidentsInContext")
def incidents(r: Any) -> str:
    """Incidents in designated places against their baseline share."""
    rows = [
        ("category", r.category),
        ("window", f"{r.start.isoformat()} {DASH} {r.end.isoformat()}"),
        ("incidents (in designated places)", Raw(f"{num(r.n)} ({num(r.k)})")),
        ("expected in designated places", r.expected_k),
        ("baseline share", Raw(pct(r.expected_share))),
        ("p-value (model)", Raw(f"{pval(r.p_value)} ({pval(r.p_value_model)})")),
        ("years to detect a change", r.years_to_detect),
        ("status", _label(r.status)),
    ]
    out = table(None, rows, caption="Incidents in context")
    if r.places:
        out += table(["place", "first designated", "baseline count", "region count", "share"],
                     [(p.name, p.first_designated, p.count, p.region_count, Raw(pct(p.share)))
                      for p in r.places])
    return out


# ---------------------------------------------------------------- detection
_BIN_NAMES = {3: "hot 99%", 2: "hot 95%", 1: "hot 90%", 0: "not significant",
              -1: "cold 90%", -2: "cold 95%", -3: "cold 99%"}


@_register("detect.gridded:GiStarRun")
def gistar_run(r: Any) -> str:
    """Cells per Gi* confidence bin, events and cell size."""
    counts = r.bin_counts()
    rows = [(_BIN_NAMES[b], counts[b]) for b in (3, 2, 1, 0, -1, -2, -3)]
    return table(["Gi* bin", "cells"], rows, caption="Getis-Ord Gi*",
                 note=f"{r.n_events:,} events (harm {num(r.harm)}), {r.grid.n_cells:,} cells of "
                      f"{num(r.grid.cell_size)} m; p-values {r.gistar.correction}, "
                      f"{r.gistar.permutations} permutations")


_CLUSTERS = {1: "high-high", 2: "low-high", 3: "low-low", 4: "high-low", 0: "not significant"}


@_register("detect.gridded:LocalMoranRun")
def lisa_run(r: Any) -> str:
    """Cells per LISA cluster type."""
    counts = r.cluster_counts()
    rows = [(name, counts[str(code)]) for code, name in _CLUSTERS.items()]
    return table(["local Moran cluster", "cells"], rows, caption="Local Moran's I",
                 note=f"{r.n_events:,} events, {r.grid.n_cells:,} cells of {num(r.grid.cell_size)} m; "
                      f"alpha {num(r.lisa.alpha)}, {r.lisa.correction}")


@_register("detect.gridded:KDERun", "detect.kde:KDEResult")
def kde(r: Any) -> str:
    """Bandwidth and its rule, kernel, cell size, events, peak density."""
    k = getattr(r, "kde", r)
    peak = float(np.nanmax(k.density)) if np.isfinite(k.density).any() else float("nan")
    rows = [
        ("bandwidth (m)", k.bandwidth),
        ("bandwidth rule", k.bandwidth_rule),
        ("kernel", k.kernel),
        ("cell (m)", Raw(f"{num(k.cell_size[0])} × {num(k.cell_size[1])}")),
        ("events (weight)", Raw(f"{num(k.n_events)} ({num(k.total_weight)})")),
        ("peak density per km²", peak * 1e6),
        ("mass inside the area", Raw(pct(k.mass))),
    ]
    return table(None, rows, caption="Kernel density")


@_register("detect.concentration:ConcentrationResult")
def concentration(r: Any) -> str:
    """Share of places holding 25/50/75% of events and of harm; Gini."""
    rows = []
    for share, p_count, p_harm in zip(r.count.event_shares, r.count.place_shares,
                                      r.harm.place_shares, strict=True):
        rows.append((f"{100 * share:.0f}% of events", Raw(pct(p_count)), Raw(pct(p_harm))))
    rows.append(("places with any event", Raw(pct(r.count.places_with_events)),
                 Raw(pct(r.harm.places_with_events))))
    rows.append(("Gini (generalised)", Raw(f"{num(r.count.gini)} ({num(r.count.gini_generalized)})"),
                 Raw(f"{num(r.harm.gini)} ({num(r.harm.gini_generalized)})")))
    return table(["", "share of places (counts)", "(harm)"], rows, caption="Concentration",
                 note=f"{r.n_cells:,} cells of {num(r.cell_size)} m")


def _category_table(counts: dict[str, int], caption: str, note: str | None = None) -> str:
    rows = [(k.replace("_", " "), v) for k, v in sorted(counts.items(), key=lambda kv: -kv[1])]
    return table(["category", "cells"], rows, caption=caption, note=note)


@_register("detect.gridded:ClassifyRun")
def classify_run(r: Any) -> str:
    """Cells per hot-spot class over the periods."""
    return _category_table(r.classify.counts(), "Hot-spot classification",
                           f"{r.classify.n_periods} periods from {r.period_edges[0].isoformat()} "
                           f"to {r.period_edges[-1].isoformat()}")


@_register("detect.coverage:CoverageSummary")
def coverage(r: Any) -> str:
    """Per designated place: statistical hot spot?, share of harm inside, PAI."""
    rows = [(c.hotspot, c.designated, c.statistical_hotspot, c.max_bin, c.max_z,
             Raw(pct(c.hot_area_share)), c.harm_inside, c.pai_all) for c in r.table]
    out = table(["place", "designated", "statistical hot spot", "max bin", "max z",
                 "hot area share", "harm inside", "PAI"], rows, caption="Coverage of hot spots")
    if r.undesignated:
        out += table(["undesignated cluster from", "cells", "harm", "max z"],
                     [(u.designated_period_start, u.n_cells, u.harm, u.max_z) for u in r.undesignated])
    return out


@_register("detect.borders:BorderResult")
def borders(r: Any) -> str:
    """Harm near zone borders against the area there."""
    rows = [("band width (m)", r.distance), ("share of harm", Raw(pct(r.harm_share))),
            ("share of area", Raw(pct(r.area_share))), ("location quotient", r.location_quotient),
            ("border length (km)", r.border_length / 1000), ("straddling clusters", len(r.straddling))]
    return table(None, rows, caption="Harm near zone borders")


# ---------------------------------------------------------------- space-time
@_register("spacetime.knox:KnoxResult", "spacetime.results:KnoxRun")
def knox(r: Any) -> str:
    """Observed/expected ratio per space × time band, with adjusted p-values."""
    k = getattr(r, "knox", r)
    header = ["distance \\ days", *k.time_labels]
    rows = []
    for i, s in enumerate(k.space_labels):
        rows.append((s, *(Raw(f"{num(k.ratio[i, j])} <small>(p {pval(k.p_value_adjusted[i, j])})</small>")
                          for j in range(len(k.time_labels)))))
    note = f"{k.n_events:,} events, {k.n_pairs:,} pairs, {k.permutations} permutations; ratio = observed / expected"
    out = table(header, rows, caption="Knox near-repeat ratios", note=note)
    alert = getattr(r, "alert", None)
    if alert is not None:
        out += table(None, [("elevated", alert.elevated), ("radius (m)", alert.radius_m),
                            ("days", alert.days)], caption="Near-repeat alert rule")
    return out


@_register("spacetime.results:EmergingRun", "spacetime.emerging:EmergingHotspotsResult")
def emerging(r: Any) -> str:
    """Cells per emerging hot-spot category."""
    e = getattr(r, "emerging", r)
    counts: dict[str, int] = {}
    for c in e.category:
        counts[c] = counts.get(c, 0) + 1
    steps = getattr(r, "steps", ())
    note = f"{len(steps)} {getattr(r, 'step', 'step')}s" if steps else None
    return _category_table(counts, "Emerging hot spots", note)


@_register("spacetime.results:RecentAlerts")
def alerts(r: Any) -> str:
    """One row per recent incident: when, until when, elevated, active."""
    rows = [(str(a.event_id), a.category, a.when, a.until, a.elevated, a.active, a.radius_m, a.days)
            for a in r.alerts]
    return table(["event", "category", "on", "alert until", "elevated", "active", "radius (m)", "days"],
                 rows, caption=f"Near-repeat alerts (as of {r.as_of.isoformat() if r.as_of else DASH})",
                 note=f"{len(r.alerts)} alerts over the last {r.days} days")


# ---------------------------------------------------------------- dose
@_register("dose.summary:PresenceSummary")
def presence(r: Any) -> str:
    """Minutes of presence per place and week."""
    rows = [(h.hotspot, h.sessions, h.minutes, h.minutes_per_week, h.weeks,
             Raw(pct(h.high_harm_hours.covered_share))) for h in r.hotspots]
    dr = r.dose_response
    return table(["place", "sessions", "minutes", "minutes per week", "weeks", "high-harm hours covered"],
                 rows, caption=f"Presence ({r.label})",
                 note=f"dose-response rate ratio {num(dr.rate_ratio)} ({interval(dr.ci_low, dr.ci_high)}) "
                      f"per {num(dr.per_hours)} h; {r.sessions_elsewhere} sessions elsewhere")


@_register("dose.cost:CostSummary")
def cost(r: Any) -> str:
    """Cost per harm prevented per place and for the strategy: a range, or why not."""
    places = [*r.places, *([r.strategy] if r.strategy is not None else [])]
    rows = [(c.name, Raw(interval(c.prevented_low, c.prevented_high)), c.cost_eur,
             Raw(interval(c.cost_per_prevented_low, c.cost_per_prevented_high)
                 if c.status == "computed" else c.status)) for c in places]
    return table(["place", "harm prevented", "cost (EUR)", "cost per harm prevented"], rows,
                 caption="Cost per harm prevented (harm counts)",
                 note="simulated costs included" if r.resources_simulated else None)


@_register("dose.resources:ResourceTotals")
def resources(r: Any) -> str:
    """Staff-hours and cost per place and for the strategy (activity, not results)."""
    rows = [(p.hotspot, p.staff_hours, p.cost, p.records) for p in r.places]
    rows.append(("strategy", r.staff_hours, r.cost, r.records))
    return table(["place", "staff-hours", f"cost ({r.currency})", "records"], rows,
                 caption=f"Resources {r.start} to {r.end} ({r.label})",
                 note="simulated records included" if r.simulated else None)


@_register("dose.deterrence:KoperCurve")
def koper(r: Any) -> str:
    """The best session length and how long deterrence lasts, with intervals."""
    rows = [
        ("best session (minutes)", r.best_session_minutes.estimate,
         Raw(interval(r.best_session_minutes.ci_low, r.best_session_minutes.ci_high))),
        ("deterrence (minutes)", r.deterrence_minutes.estimate,
         Raw(interval(r.deterrence_minutes.ci_low, r.deterrence_minutes.ci_high))),
        ("hazard ratio", r.hazard_ratio, Raw(interval(r.hr_ci_low, r.hr_ci_high))),
    ]
    out = table(["", "estimate", "interval"], rows, caption="Koper curve",
                note=f"{r.sessions:,} sessions, {r.events:,} events; "
                     + ("can tell" if r.can_tell else f"cannot tell: {r.reason}"))
    return out


# ---------------------------------------------------------------- workspace
def workspace(s: dict[str, Any]) -> str:
    """Events per role, layers, hotspots and runs of a workspace summary."""
    head = table(None, [("folder", s["path"]), ("CRS", s["crs"]), ("time zone", s["timezone"]),
                        ("database", s["database"])], caption="HotspotWatch workspace")
    roles = table(["role", "categories", "events", "first", "last"],
                  [(r, v["categories"], v["events"], v["first"], v["last"]) for r, v in s["roles"].items()])
    layers = table(["area layer", "areas"], list(s["layers"].items()) or [(DASH, 0)])
    hotspots = table(["hotspot", "designations"], list(s["hotspots"].items()) or [(DASH, 0)])
    runs = table(["run kind", "stored runs"], list(s["runs"].items()) or [(DASH, 0)])
    return head + roles + layers + hotspots + runs
