"""The renewal report's dose and cost section: activity, not results.

:class:`DoseData` holds the stored runs the section shows
(:func:`hotspotwatch.workflows.dose_report.gather_dose`: ``dose.presence``,
``dose.deterrence``, ``dose.cost`` and ``dose.resources`` up to the review date);
:func:`dose_context` words and formats them for ``templates/_dose.html.j2``, included at the
end of each place page (``p`` defined) and of the strategy page. Nothing is counted here.

The public audience sees only the strategy's total staff-hours and cost (never a place's).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from hotspotwatch.i18n.dose import currency_name, format_money, unit_type_label

if TYPE_CHECKING:
    from hotspotwatch.analysis.dose.cost import CostPerHarm, CostSummary
    from hotspotwatch.analysis.dose.deterrence import KoperCurve
    from hotspotwatch.analysis.dose.resources import ResourceTotals
    from hotspotwatch.analysis.dose.summary import HotspotPresence, PresenceSummary
    from hotspotwatch.report.data import RenewalData
    from hotspotwatch.report.fmt import Fmt

_REASONS = {
    "too few events": "too_few_events",
    "no deterrence detected": "no_deterrence",
    "threshold not identified": "not_identified",
}
_STATUS = {
    "computed": "computed",
    "cannot be computed: no detectable effect": "no_effect",
    "cannot be computed: harm increased": "increase",
    "cannot be computed: no cost recorded": "no_cost",
}


@dataclass(frozen=True)
class StrategyPresence:
    """The strategy's presence, summed over places by the workflow (the layout never counts).

    Attributes
    ----------
    minutes, sessions, places : float, int, int
        Minutes of presence, sessions and places with any session.
    weeks : int
        Weeks from the first to the last week with presence anywhere.
    minutes_per_week : float
    minutes_per_week_by_unit_type : dict
    """

    minutes: float
    sessions: int
    places: int
    weeks: int
    minutes_per_week: float
    minutes_per_week_by_unit_type: dict[str, float]


@dataclass(frozen=True)
class DoseData:
    """The dose and cost section's runs (``None`` where a run could not be had)."""

    presence: PresenceSummary | None
    deterrence: KoperCurve | None
    cost: CostSummary | None
    resources: ResourceTotals | None
    strategy: StrategyPresence | None
    has_presence: bool
    has_resources: bool
    unit_types: tuple[str, ...] = ()
    currency: str = "EUR"


def _f(value: Any) -> float | None:
    try:
        v = float(value)
    except (TypeError, ValueError):
        return None
    return v if math.isfinite(v) else None


def _money(f: Fmt, value: Any, currency: str) -> str:
    return format_money(value, currency, f.lang)


def _cost_line(f: Fmt, c: CostPerHarm | None, currency: str) -> dict[str, Any] | None:
    """The cost per harm prevented of a place or the strategy: a range, or why not."""
    if c is None:
        return None
    status = _STATUS.get(c.status, "no_effect")
    out: dict[str, Any] = {
        "status": status,
        "text": f.t(f"dose.status.{status}"),
        "prevented": None,
    }
    if status == "computed":
        low = _money(f, c.cost_per_prevented_low, currency)
        high = _money(f, c.cost_per_prevented_high, currency)
        out["text"] = f.t("dose.cpp_range", low=low, high=high)
        out["range"] = f"{low}\u2013{high}"
        out["prevented"] = f.t(
            "dose.prevented", low=f.num(c.prevented_low, 0), high=f.num(c.prevented_high, 0)
        )
    return out


def _length_rows(f: Fmt, edges: tuple[float, ...], counts: tuple[int, ...]) -> list[list[str]]:
    rows = []
    for i, n in enumerate(counts):
        lo, hi = edges[i], edges[i + 1]
        label = (
            f.t("dose.length_bin_open", low=f.num(lo, 0))
            if not math.isfinite(hi)
            else f.t("dose.length_bin", low=f.num(lo, 0), high=f.num(hi, 0))
        )
        rows.append([label, f.num(n, 0)])
    return rows


def _place_presence(f: Fmt, h: HotspotPresence, dose: DoseData) -> dict[str, Any]:
    weeks = max(h.weeks, 1)
    units = [u for u in (dose.unit_types or tuple(h.minutes_by_unit_type)) if u]
    rows = [
        {
            "unit": unit_type_label(u, f.lang),
            "per_week": f.num(h.minutes_by_unit_type.get(u, 0.0) / weeks, 0),
            "hours": f.num(h.minutes_by_unit_type.get(u, 0.0) / 60.0, 0),
        }
        for u in units
        if u in h.minutes_by_unit_type
    ]
    cov = h.high_harm_hours
    lengths = h.lengths
    return {
        "units": f.t(
            "dose.units_line", units=f.listing(f"{r['unit']} {r['per_week']}" for r in rows)
        ),
        "covered": f.num(100.0 * cov.covered_share, 1)
        if _f(cov.covered_share) is not None
        else "–",
        "median": f.num(lengths.median, 0),
        "sessions": f.num(h.sessions, 0),
        "per_unit": {u: f.num(h.minutes_by_unit_type.get(u, 0.0) / weeks, 0) for u in units},
        "line": f.t(
            "dose.place_line",
            sessions=f.p("dose.sessions", h.sessions),
            weeks=f.p("dose.n_weeks", h.weeks),
            hours=f.num(h.minutes / 60.0, 0),
            per_week=f.num(h.minutes_per_week, 0),
        ),
        "rows": rows,
        "total": {
            "per_week": f.num(h.minutes_per_week, 0),
            "hours": f.num(h.minutes / 60.0, 0),
        },
        "high_harm": f.t(
            "dose.high_harm",
            covered=f.num(100.0 * cov.covered_share, 1),
            hours=f.num(len(cov.hours), 0),
            share=f.num(100.0 * cov.harm_share, 0),
        )
        if _f(cov.covered_share) is not None and _f(cov.harm_share) is not None
        else None,
        "lengths": f.t(
            "dose.lengths",
            median=f.num(lengths.median, 0),
            p25=f.num(lengths.p25, 0),
            p75=f.num(lengths.p75, 0),
        )
        if _f(lengths.median) is not None
        else None,
        "length_rows": _length_rows(f, lengths.edges, lengths.counts),
    }


def _koper(f: Fmt, k: KoperCurve) -> dict[str, Any]:
    """The Koper curve's sentence and figure."""
    from hotspotwatch.report.context import data_uri
    from hotspotwatch.report.figures.dose import koper_figure

    b, d = k.best_session_minutes, k.deterrence_minutes
    if k.can_tell:
        text = f.t(
            "dose.koper_found",
            t=f.num(b.estimate, 0),
            t_lo=f.num(b.ci_low, 0),
            t_hi=f.num(b.ci_high, 0),
            d=f.num(d.estimate, 0),
            d_lo=f.num(d.ci_low, 0),
            d_hi=f.num(d.ci_high, 0),
            hr=f.num(k.hazard_ratio, 2),
            hr_lo=f.num(k.hr_ci_low, 2),
            hr_hi=f.num(k.hr_ci_high, 2),
        )
    else:
        text = f.t(
            "dose.koper_cannot",
            reason=f.t(f"dose.reason.{_REASONS.get(k.reason, 'no_deterrence')}"),
            events=f.p("dose.n_events", k.events),
            sessions=f.p("dose.sessions", k.follow_ups),
        )
    window = f.num(k.window_minutes, 0)
    figure = koper_figure(
        bin_low=[x.low for x in k.bins],
        bin_high=[x.high for x in k.bins],
        bin_share=[_f(x.harm_within) for x in k.bins],
        smooth_minutes=[float(v) for v in k.smooth_minutes],
        smooth_share=[_f(v) for v in k.smooth_harm_within],
        threshold=(b.estimate, b.ci_low, b.ci_high) if k.can_tell else None,
        decimal=f.num(0.5, 1)[1],
        labels={
            "x": f.t("dose.koper_x"),
            "y": f.t("dose.koper_y", window=window),
            "threshold": f.t("dose.koper_threshold"),
        },
    )
    return {
        "can_tell": k.can_tell,
        "text": text,
        "figure": data_uri(figure),
        "caption": f.t("dose.koper_caption", window=window),
        "caveat": f.t("dose.koper_caveat"),
        "reference": f.t("dose.koper_ref"),
    }


def _unavailable(data: RenewalData, f: Fmt, section: str) -> str | None:
    if section not in data.unavailable:
        return None
    from hotspotwatch.report.methods import unavailable_reason

    return unavailable_reason(data, section, f)


def _place(data: RenewalData, f: Fmt, dose: DoseData, name: str) -> dict[str, Any]:
    out: dict[str, Any] = {
        "name": name,
        "presence": None,
        "presence_missing": None,
        "cost_missing": None,
        "cost_line": None,
        "staff_hours": "–",
        "cost_total": "–",
    }
    if not dose.has_presence:
        out["presence_missing"] = f.t("dose.no_presence_data")
    elif dose.presence is None:
        out["presence_missing"] = _unavailable(data, f, "dose_presence")
    else:
        h = next((x for x in dose.presence.hotspots if x.hotspot == name), None)
        if h is None or h.sessions == 0:
            out["presence_missing"] = f.t("dose.no_sessions")
        else:
            out["presence"] = _place_presence(f, h, dose)
    out["resources"] = None
    out["resources_missing"] = None
    out["cost"] = out["cost_weighted"] = None
    cur = dose.currency
    if not dose.has_resources:
        out["resources_missing"] = f.t("dose.no_resources_data")
    else:
        r = dose.resources.place(name) if dose.resources is not None else None
        if dose.resources is None:
            out["resources_missing"] = _unavailable(data, f, "dose_resources")
        elif r is None or r.records == 0:
            out["resources_missing"] = f.t("dose.no_resources")
        else:
            out["resources"] = f.t(
                "dose.resources_line",
                hours=f.num(r.staff_hours, 0),
                cost=_money(f, r.cost, cur),
                start=f.date(_day(dose.resources.start)),
                end=f.date(_day(dose.resources.end)),
            )
            out["staff_hours"] = f.num(r.staff_hours, 0)
            out["cost_total"] = _money(f, r.cost, cur)
        if dose.cost is not None:
            out["cost"] = _cost_line(f, _by_name(dose.cost.places, name), cur)
            out["cost_weighted"] = _cost_line(f, _by_name(dose.cost.places_weighted, name), cur)
            if out["cost"] is not None:
                weighted = out["cost_weighted"]
                out["cost_line"] = f.t(
                    "dose.cost_line",
                    cpp=out["cost"]["text"],
                    cpp_weighted=weighted["text"] if weighted else "–",
                )
        else:
            out["cost_missing"] = _unavailable(data, f, "dose_cost")
    return out


def _short(f: Fmt, line: dict[str, Any] | None) -> str:
    """A cost per harm prevented for a table cell: the range, or the reason in short."""
    if line is None:
        return "–"
    if line["status"] == "computed":
        return str(line["range"])
    return f.t(f"dose.status_short.{line['status']}")


def _by_name(rows: tuple[CostPerHarm, ...], name: str) -> CostPerHarm | None:
    return next((c for c in rows if c.name == name), None)


def _day(text: str) -> Any:
    import datetime as dt

    return dt.date.fromisoformat(text) if text else None


def _strategy(data: RenewalData, f: Fmt, dose: DoseData) -> dict[str, Any]:
    cur = dose.currency
    out: dict[str, Any] = {
        "public_line": None,
        "presence": None,
        "presence_missing": None,
        "koper": None,
        "koper_missing": None,
        "dose_response": None,
        "cost": None,
        "cost_weighted": None,
        "cost_missing": None,
        "resources_missing": None,
        "length_rows": [],
        "lengths": None,
    }
    res = dose.resources
    if res is not None and res.records:
        out["public_line"] = f.t(
            "dose.public_line",
            hours=f.num(res.staff_hours, 0),
            cost=_money(f, res.cost, cur),
            start=f.date(_day(res.start)),
            end=f.date(_day(res.end)),
        )
    elif not dose.has_resources:
        out["resources_missing"] = f.t("dose.no_resources_data")
    else:
        out["resources_missing"] = _unavailable(data, f, "dose_resources")
    if f.disclosure.public:
        return out
    if not dose.has_presence:
        out["presence_missing"] = f.t("dose.no_presence_data")
    elif dose.presence is None or dose.strategy is None:
        out["presence_missing"] = _unavailable(data, f, "dose_presence")
    else:
        s = dose.strategy
        out["presence"] = {
            "line": f.t(
                "dose.strategy_line",
                hours=f.num(s.minutes / 60.0, 0),
                sessions=f.p("dose.sessions", s.sessions),
                places=f.p("dose.n_places", s.places),
                per_week=f.num(s.minutes_per_week, 0),
            ),
            "rows": [
                {"unit": unit_type_label(u, f.lang), "per_week": f.num(m, 0)}
                for u, m in s.minutes_per_week_by_unit_type.items()
            ],
        }
        lengths = dose.presence.lengths
        if _f(lengths.median) is not None:
            out["lengths"] = f.t(
                "dose.lengths",
                median=f.num(lengths.median, 0),
                p25=f.num(lengths.p25, 0),
                p75=f.num(lengths.p75, 0),
            )
        out["length_rows"] = _length_rows(f, lengths.edges, lengths.counts)
        dr = dose.presence.dose_response
        if _f(dr.rate_ratio) is None:
            out["dose_response"] = f.t("dose.dose_response_none")
        elif _f(dr.ci_low) is None or _f(dr.ci_high) is None:
            # the analysis gave no interval (too few places): say so, never a bare ratio
            out["dose_response"] = f.t(
                "dose.dose_response_few_places",
                places=f.p("common.n_places", dr.places, n=f.count(dr.places)),
                min=f.count(dr.min_places),
            )
        else:
            out["dose_response"] = f.t(
                "dose.dose_response",
                per=f.num(dr.per_hours, 0),
                rr=f.num(dr.rate_ratio, 3),
                lo=f.num(dr.ci_low, 3),
                hi=f.num(dr.ci_high, 3),
            )
    if dose.has_presence:
        if dose.deterrence is not None:
            out["koper"] = _koper(f, dose.deterrence)
        else:
            out["koper_missing"] = _unavailable(data, f, "dose_deterrence")
    if dose.has_resources:
        if dose.cost is not None:
            out["cost"] = _cost_line(f, dose.cost.strategy, cur)
            out["cost_weighted"] = _cost_line(f, dose.cost.strategy_weighted, cur)
        else:
            out["cost_missing"] = _unavailable(data, f, "dose_cost")
    return out


def dose_context(data: RenewalData, f: Fmt, *, place_blocks: bool = False) -> dict[str, Any]:
    """Context of ``_dose.html.j2``.

    ``dose_strategy`` (``None`` when the workspace has no presence or resource data) holds
    the strategy's numbers and, for the council, one row per place (``places``: every
    per-place figure); ``dose_pages`` (by place name) the per-place blocks the include
    prints at the end of each place page when ``place_blocks`` is true (``dose_place_blocks``;
    off while the place page has no room left: a block would spill one near-empty page per
    place, so the per-place figures are then on the strategy's dose page only).
    """
    dose = getattr(data, "dose", None)
    if dose is None:
        return {
            "dose_pages": {},
            "dose_strategy": None,
            "dose_text": {},
            "dose_place_blocks": place_blocks,
        }
    text = {
        "heading": f.t("dose.heading"),
        "strategy_heading": f.t("dose.strategy_heading"),
        "flag": f.t("dose.flag"),
        "intro": f.t("dose.intro"),
        "presence_heading": f.t("dose.presence_heading"),
        "unit": f.t("dose.unit_label"),
        "per_week": f.t("dose.minutes_per_week"),
        "hours": f.t("dose.hours_total"),
        "all_units": f.t("dose.all_units"),
        "high_harm_note": f.t("dose.high_harm_note"),
        "lengths_heading": f.t("dose.lengths_heading"),
        "cost_heading": f.t("dose.cost_heading"),
        "cpp": f.t("dose.cpp"),
        "cpp_weighted": f.t("dose.cpp_weighted"),
        "cost_note": f.t("dose.cost_note", currency=currency_name(dose.currency, f.lang)),
        "simulated": f.t("dose.simulated")
        if (dose.cost is not None and dose.cost.resources_simulated)
        or (dose.resources is not None and dose.resources.simulated)
        else None,
        "koper_heading": f.t("dose.koper_heading"),
        "public_note": f.t("dose.public_note"),
    }
    pages = (
        {}
        if f.disclosure.public
        else {sec.name: _place(data, f, dose, sec.name) for sec in data.hotspots}
    )
    strategy = _strategy(data, f, dose)
    units = [
        u
        for u in dose.unit_types
        if dose.strategy and u in dose.strategy.minutes_per_week_by_unit_type
    ]
    strategy["unit_columns"] = [unit_type_label(u, f.lang) for u in units]
    strategy["places"] = [
        {
            "name": name,
            "per_unit": [
                (pg["presence"]["per_unit"].get(u, "–") if pg["presence"] else "–") for u in units
            ],
            "covered": pg["presence"]["covered"] if pg["presence"] else "–",
            "median": pg["presence"]["median"] if pg["presence"] else "–",
            "staff_hours": pg["staff_hours"],
            "cost_total": pg["cost_total"],
            "cpp": _short(f, pg["cost"]),
            "cpp_status": pg["cost"]["status"] if pg["cost"] else "none",
            "cpp_weighted": _short(f, pg["cost_weighted"]),
            "cpp_weighted_status": pg["cost_weighted"]["status"] if pg["cost_weighted"] else "none",
            "sessions": pg["presence"]["sessions"] if pg["presence"] else "–",
        }
        for name, pg in pages.items()
    ]
    text.update(
        {
            "place": f.t("dose.place"),
            "covered": f.t("dose.covered_short"),
            "median": f.t("dose.median_short"),
            "staff_hours": f.t("dose.staff_hours"),
            "cost_total": f.t("dose.cost_total"),
            "per_place_heading": f.t("dose.per_place_heading"),
            "per_week_short": f.t("dose.per_week_short"),
            "sessions_short": f.t("dose.sessions_short"),
            "cpp_weighted_short": f.t("dose.cpp_weighted_short"),
            "table_note": f.t("dose.table_note"),
        }
    )
    return {
        "dose_pages": pages,
        "dose_strategy": strategy,
        "dose_text": text,
        "dose_place_blocks": place_blocks,
    }


__all__ = ["DoseData", "StrategyPresence", "dose_context"]
