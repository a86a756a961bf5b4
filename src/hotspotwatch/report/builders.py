"""Lay out the renewal report: wording, numbers as text, figures, HTML and PDF.

The builder receives :class:`~hotspotwatch.workflows.report.RenewalData` (gathered by the
workflow) and turns it into a page context for the Jinja2 template. It formats, translates
and applies the disclosure rule; it computes no statistics. Every estimate printed comes
straight from the evaluation run, so the council and public versions (and the three
languages) carry the same numbers.
"""

from __future__ import annotations

import base64
import datetime as dt
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import jinja2
import numpy as np
from shapely.geometry.base import BaseGeometry

from hotspotwatch.i18n import LANGUAGES, catalogs, translate
from hotspotwatch.report import figures
from hotspotwatch.report.disclosure import Disclosure, check_audience

if TYPE_CHECKING:
    from hotspotwatch.workflows.report import HotspotSection, RenewalData

FORMATS = ("pdf", "html")
VERDICTS = ("reduction", "no_detectable_change", "increase")


def check_lang(lang: str) -> str:
    """Validate the report language."""
    if lang not in LANGUAGES:
        raise ValueError(
            f"lang must be one of {', '.join(LANGUAGES)}, got {lang!r}; use --lang fr|nl|en"
        )
    return lang


def check_format(fmt: str) -> str:
    """Validate the output format."""
    if fmt not in FORMATS:
        raise ValueError(
            f"format must be one of {', '.join(FORMATS)}, got {fmt!r}; use --format html|pdf"
        )
    return fmt


@dataclass(frozen=True)
class Fmt:
    """Number, date and count formatting for one language and audience."""

    lang: str
    disclosure: Disclosure

    def t(self, key: str, **params: Any) -> str:
        return translate(key, self.lang, **params)

    def num(self, value: Any, digits: int = 2) -> str:
        """A decimal number with the language's decimal separator ("–" if missing)."""
        try:
            v = float(value)
        except (TypeError, ValueError):
            return "–"
        if not math.isfinite(v):
            return "–"
        text = f"{abs(v):,.{digits}f}".replace(",", "\u202f")
        if v < 0 and float(text.replace("\u202f", "")) != 0:
            text = "−" + text  # typographic minus, as in the percent changes
        return text.replace(".", ",") if self.lang in ("fr", "nl") else text

    def pct(self, value: float, digits: int = 0) -> str:
        return self.num(value, digits)

    def pvalue(self, value: Any) -> str:
        try:
            v = float(value)
        except (TypeError, ValueError):
            return "–"
        if not math.isfinite(v):
            return "–"
        if v < 0.001:
            return "< " + self.num(0.001, 3)
        return self.num(v, 3)

    def date(self, day: dt.date | None) -> str:
        if day is None:
            return "–"
        months = self.t("report.months").split(",")
        name = months[day.month - 1].strip()
        if self.lang == "en":
            return f"{day.day} {name} {day.year}"
        return f"{day.day} {name} {day.year}"

    def month_year(self, day: dt.date) -> str:
        months = self.t("report.months").split(",")
        return f"{months[day.month - 1].strip()} {day.year}"

    def count(self, value: float | None) -> str:
        return self.disclosure.cell(value, self.t("report.suppressed_cell", k=self.disclosure.k))

    def change(self, before: float | None, after: float | None, m_before: int, m_after: int) -> str:
        """Change in the monthly rate between two periods (hidden when a count is hidden)."""
        if before is None or after is None or m_before <= 0 or m_after <= 0:
            return "–"
        if self.disclosure.suppressed(before) or self.disclosure.suppressed(after) or before == 0:
            return "–"
        rel = 100.0 * ((after / m_after) / (before / m_before) - 1.0)
        sign = "+" if rel > 0 else ("−" if rel < 0 else "±")
        return f"{sign}{self.num(abs(rel), 0)} %"


def _category_label(name: str, lang: str) -> str:
    key = f"report.category.{name}"
    if key in catalogs()[lang]:
        return translate(key, lang)
    return name.replace("_", " ")


def _data_uri(png: bytes) -> str:
    return "data:image/png;base64," + base64.b64encode(png).decode("ascii")


def _verdict(row: Mapping[str, Any] | None) -> str | None:
    from hotspotwatch.workflows.report import verdict_label

    label = verdict_label(row)
    return label if label in VERDICTS else None


def _pooled_verdict(pooled: Mapping[str, Any]) -> str:
    given = pooled.get("verdict")
    if isinstance(given, Mapping):
        given = given.get("label")
    if given in VERDICTS:
        return str(given)
    lo, hi = pooled.get("ci_low"), pooled.get("ci_high")
    if lo is not None and hi is not None and float(hi) < 1:
        return "reduction"
    if lo is not None and hi is not None and float(lo) > 1:
        return "increase"
    return "no_detectable_change"


def _effect_sentence(f: Fmt, verdict: str | None, irr: Any, lo: Any, hi: Any) -> str:
    """Plain words for a rate ratio and its interval (a reading of the numbers, not a test)."""
    try:
        irr_f, lo_f, hi_f = float(irr), float(lo), float(hi)
    except (TypeError, ValueError):
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


def _mdr_text(f: Fmt, mdr: Any) -> str | None:
    try:
        v = float(mdr)
    except (TypeError, ValueError):
        return None
    if not math.isfinite(v) or v <= 0:
        return None
    if v < 1:
        return f.t("report.effect.mdr_reduction", pct=f.pct(100 * (1 - v)), ratio=f.num(v))
    return f.t("report.effect.mdr_ratio", ratio=f.num(v))


def _mdr_short(f: Fmt, mdr: Any) -> str | None:
    try:
        v = float(mdr)
    except (TypeError, ValueError):
        return None
    if not math.isfinite(v) or v <= 0 or v >= 1:
        return None
    return "≥ " + f.pct(100 * (1 - v)) + " %"


def _wdq_value(row: Mapping[str, Any]) -> tuple[str | None, str | None]:
    w = row.get("wdq")
    if isinstance(w, Mapping):
        return (
            None if w.get("wdq") is None else str(w.get("wdq")),
            None if w.get("total_net_effect") is None else str(w.get("total_net_effect")),
        )
    return (None if w is None else str(w), None)


def _wdd_values(row: Mapping[str, Any]) -> tuple[Any, Any, Any]:
    w = row.get("wdd")
    if isinstance(w, Mapping):
        est = w.get("estimate", w.get("wdd"))
        return est, w.get("ci_low"), w.get("ci_high")
    return w, None, None


def _hotspot_context(
    sec: HotspotSection,
    data: RenewalData,
    f: Fmt,
    labels_map: Mapping[str, str],
    labels_chart: Mapping[str, str],
    others: Sequence[BaseGeometry],
) -> dict[str, Any]:
    d = f.disclosure
    row = sec.evaluation
    verdict = _verdict(row)
    effect: dict[str, Any] | None = None
    if row is not None:
        wdq, tne = _wdq_value(row)
        wdd, wdd_lo, wdd_hi = _wdd_values(row)
        effect = {
            "irr": f.num(row.get("irr")),
            "ci": f"{f.num(row.get('ci_low'))} – {f.num(row.get('ci_high'))}",
            "p": f.pvalue(row.get("p_value")),
            "p_adj": f.pvalue(row.get("p_adjusted")) if row.get("p_adjusted") is not None else None,
            "wdq": f.num(wdq) if wdq is not None else "–",
            "tne": f.num(tne, 1) if tne is not None else None,
            "wdd": f.num(wdd, 1) if wdd is not None else "–",
            "wdd_ci": (
                f"{f.num(wdd_lo, 1)} – {f.num(wdd_hi, 1)}"
                if wdd_lo is not None and wdd_hi is not None
                else None
            ),
            "mdr": _mdr_text(f, row.get("min_detectable_ratio")),
            "verdict": verdict,
            "verdict_label": f.t(f"report.verdict.{verdict}")
            if verdict
            else f.t("report.verdict.unknown"),
            "words": _effect_sentence(
                f, verdict, row.get("irr"), row.get("ci_low"), row.get("ci_high")
            ),
            "buffer": None,
        }
        from hotspotwatch.workflows.report import buffer_label

        bl = buffer_label(row)
        if bl in ("displacement", "diffusion", "no_detectable_change"):
            effect["buffer"] = f.t(f"report.buffer.{bl}")
    other_rows = [
        {
            "outcome": _category_label(str(o.get("outcome")), f.lang),
            "irr": f.num(o.get("irr")),
            "ci": f"{f.num(o.get('ci_low'))} – {f.num(o.get('ci_high'))}",
            "verdict": f.t(f"report.verdict.{_verdict(o)}") if _verdict(o) else "–",
        }
        for o in sec.other_outcomes
    ]
    table = [
        {
            "area": f.t(f"report.area.{r.area}"),
            "before": f.count(r.before),
            "after": f.count(r.after),
            "change": f.change(r.before, r.after, r.months_before, r.months_after),
        }
        for r in sec.outcome_table
    ]
    months_after = sec.outcome_table[0].months_after if sec.outcome_table else 0
    months_before = sec.outcome_table[0].months_before if sec.outcome_table else 0
    dose = [
        {
            "role": f.t(f"report.dose.role.{role}"),
            "category": _category_label(cat, f.lang),
            "before": f.count(b),
            "after": f.count(a),
        }
        for role, cat, b, a in sec.dose
    ]
    buffer_label_text = labels_map["buffer"]
    map_png = figures.hotspot_map(
        perimeter=sec.geometry,
        buffer_rings=sec.buffer_rings,
        counts=sec.grid.counts,
        extent=sec.grid.extent,
        zones=data.zones,
        other_perimeters=others,
        points=None if d.public else sec.points,
        region=data.region,
        controls=sec.controls,
        disclosure=d,
        labels={**labels_map, "buffer": buffer_label_text},
    )
    chart_png = figures.trend_chart(
        months=sec.monthly.months,
        treated=sec.monthly.treated,
        buffer=sec.monthly.buffer,
        periods=sec.periods,
        until=data.until,
        disclosure=d,
        labels=labels_chart,
    )
    periods_text = [
        f"{f.date(p.start)} – {f.date(p.end - dt.timedelta(days=1)) if p.end else f.t('report.hotspot.open_ended')}"
        for p in sec.periods
    ]
    return {
        "name": sec.name,
        "anchor": f"hs-{sec.code or abs(hash(sec.name))}",
        "zone": sec.zone,
        "commune": sec.commune,
        "approximate": sec.approximate,
        "first": f.date(sec.first_designated),
        "periods": periods_text,
        "map": _data_uri(map_png),
        "chart": _data_uri(chart_png),
        "effect": effect,
        "other_outcomes": other_rows,
        "table": table,
        "months_before": months_before,
        "months_after": months_after,
        "dose": dose,
        "shootings": f.count(float(sec.shootings_after)),
    }


def _knox_context(knox: Mapping[str, Any] | None, f: Fmt) -> dict[str, Any] | None:
    """The near-repeat finding in words, from the space-time workflow's stored Knox run.

    Reads the closest band (first space band × first time band) of the stored table and the
    stored near-repeat alert (radius and days of raised risk); nothing is re-estimated.
    """
    if not knox:
        return None
    table = knox.get("knox") if isinstance(knox.get("knox"), Mapping) else None
    alert = knox.get("alert") if isinstance(knox.get("alert"), Mapping) else None
    summary = knox.get("summary") if isinstance(knox.get("summary"), Mapping) else None
    try:
        if table is not None:
            ratio = float(table["ratio"][0][0])
            p = float(table["p_value"][0][0])
            d = float(table["space_bands"][1])
            t = float(table["time_bands"][1])
        elif summary is not None:
            ratio, p = float(summary["ratio"]), float(summary["p_value"])
            d, t = float(summary["distance_m"]), float(summary["days"])
        else:
            return None
    except (KeyError, IndexError, TypeError, ValueError):
        return None
    advice = None
    if alert is not None and alert.get("elevated"):
        advice = f.t(
            "report.nearrepeat.advice",
            d=f.num(alert.get("radius_m"), 0),
            t=f.num(alert.get("days"), 0),
        )
    if math.isfinite(ratio) and p <= 0.05 and ratio > 1:
        if advice is None and table is None:
            advice = f.t("report.nearrepeat.advice", d=f.num(d, 0), t=f.num(t, 0))
        return {
            "text": f.t(
                "report.nearrepeat.regional",
                d=f.num(d, 0),
                t=f.num(t, 0),
                ratio=f.num(ratio, 1),
                p=f.pvalue(p),
            ),
            "advice": advice,
        }
    return {"text": f.t("report.nearrepeat.no_signal"), "advice": advice}


def _regional_context(data: RenewalData, f: Fmt) -> dict[str, Any]:
    """Sentences and lists for the regional page, from the detection and space-time runs."""
    reg = data.regional
    out: dict[str, Any] = {
        "concentration": None,
        "coverage": None,
        "undesignated": [],
        "emerging": None,
        "borders": None,
        "places": [],
    }
    conc = reg.get("concentration")
    if isinstance(conc, Mapping):
        table = conc.get("harm") if isinstance(conc.get("harm"), Mapping) else conc.get("count")
        lines = []
        if isinstance(table, Mapping):
            for ev, pl in zip(
                table.get("event_shares") or [], table.get("place_shares") or [], strict=False
            ):
                if ev is not None and pl is not None:
                    lines.append(
                        f.t(
                            "report.regional.share",
                            harm=f.num(100 * ev, 0),
                            places=f.num(100 * pl, 1),
                        )
                    )
            gini = table.get("gini_generalized", table.get("gini"))
            if gini is not None:
                lines.append(f.t("report.regional.gini", gini=f.num(gini)))
        out["concentration"] = lines or None
    cov = reg.get("coverage")
    if isinstance(cov, Mapping):
        rows = [r for r in cov.get("table") or [] if isinstance(r, Mapping)]
        if rows:
            hot = [r for r in rows if r.get("statistical_hotspot")]
            not_hot = sorted(
                str(r.get("hotspot")) for r in rows if not r.get("statistical_hotspot")
            )
            lines = [f.t("report.regional.coverage", n=len(hot), total=len(rows))]
            if not_hot:
                lines.append(f.t("report.regional.coverage_not", names=", ".join(not_hot)))
            pai = rows[0].get("pai_all")
            if pai is not None:
                lines.append(f.t("report.regional.pai", pai=f.num(pai, 1)))
            out["coverage"] = lines
        for item in cov.get("undesignated") or []:
            if not isinstance(item, Mapping):
                continue
            zone = item.get("zone")
            label = f.t(
                "report.regional.undesignated_item",
                zone=zone or "–",
                cells=int(item.get("n_cells") or 0),
            )
            out["undesignated"].append(label)
            if item.get("x") is not None and item.get("y") is not None:
                out["places"].append((float(item["x"]), float(item["y"]), "undesignated"))
    em = reg.get("emerging")
    if isinstance(em, Mapping) and isinstance(em.get("category_counts"), Mapping):
        counts = {
            str(k): int(v) for k, v in em["category_counts"].items() if v and str(k).endswith("hot")
        }
        parts = []
        for cat in (
            "new_hot",
            "consecutive_hot",
            "intensifying_hot",
            "persistent_hot",
            "diminishing_hot",
            "sporadic_hot",
            "oscillating_hot",
            "historical_hot",
        ):
            if counts.get(cat):
                parts.append(f"{f.t('report.emerging.' + cat)}: {counts[cat]}")
        out["emerging"] = parts or [f.t("report.regional.emerging_none")]
    bord = reg.get("borders")
    if isinstance(bord, Mapping) and bord.get("harm_share") is not None:
        lines = [
            f.t(
                "report.regional.border_share",
                d=f.num(bord.get("distance"), 0),
                harm=f.num(100 * float(bord["harm_share"]), 0),
                area=f.num(100 * float(bord.get("area_share") or 0), 0),
            )
        ]
        pairs = sorted(
            {
                " + ".join(map(str, c.get("zones") or []))
                for c in bord.get("straddling") or []
                if isinstance(c, Mapping)
            }
        )
        if pairs:
            lines.append(
                f.t(
                    "report.regional.straddling",
                    n=len(bord.get("straddling") or []),
                    pairs="; ".join(pairs),
                )
            )
        else:
            lines.append(f.t("report.regional.straddling_none"))
        out["borders"] = lines
    return out


def renewal_html(data: RenewalData, *, lang: str = "en", audience: str = "council") -> str:
    """Render the renewal report as one self-contained HTML document (figures embedded).

    Parameters
    ----------
    data : RenewalData
        Inputs gathered by :func:`hotspotwatch.workflows.report.gather_renewal`.
    lang : {"en", "fr", "nl"}
    audience : {"council", "public"}

    Returns
    -------
    str
    """
    check_lang(lang)
    aud = check_audience(audience)
    d = Disclosure(aud, data.disclosure_k)
    f = Fmt(lang, d)
    t = f.t
    k = d.k
    buffer_m = data.parameters.get("buffer_m") or [250]
    labels_map = {
        "perimeter": t("report.map.perimeter"),
        "buffer": t("report.map.buffer", m=", ".join(f"{int(b)}" for b in buffer_m)),
        "zone_border": t("report.map.zone_border"),
        "harm_cells": t("report.map.harm_cells", m=int(data.parameters.get("display_grid_m", 100))),
        "events": t("report.map.events"),
        "controls": t("report.map.controls"),
        "cell_legend": t("report.map.cell_legend"),
        "zone": t("report.map.zone"),
    }
    labels_chart = {
        "per_month": t("report.chart.per_month"),
        "treated": t("report.chart.treated"),
        "buffer": t("report.chart.buffer"),
        "designated": t("report.chart.designated"),
        "suppressed": t("report.chart.suppressed", k=k),
    }
    perimeters = [(s.name, s.geometry) for s in data.hotspots]
    pages = []
    for sec in data.hotspots:
        others = [
            g for n, g in perimeters if n != sec.name and g.intersects(sec.geometry.buffer(1500))
        ]
        pages.append(_hotspot_context(sec, data, f, labels_map, labels_chart, others))

    # Summary ----------------------------------------------------------------------------
    groups: dict[str, list[dict[str, Any]]] = {v: [] for v in VERDICTS}
    not_evaluated = []
    for sec, page in zip(data.hotspots, pages, strict=True):
        v = _verdict(sec.evaluation)
        if v is None:
            not_evaluated.append(sec.name)
            continue
        item = {
            "name": sec.name,
            "irr": page["effect"]["irr"],
            "ci": page["effect"]["ci"],
            "mdr_short": _mdr_short(f, (sec.evaluation or {}).get("min_detectable_ratio")),
        }
        groups[v].append(item)
    pooled = data.pooled or None
    pooled_ctx = None
    if pooled and pooled.get("irr") is not None:
        pv = _pooled_verdict(pooled)
        pooled_ctx = {
            "irr": f.num(pooled.get("irr")),
            "ci": f"{f.num(pooled.get('ci_low'))} – {f.num(pooled.get('ci_high'))}",
            "verdict": pv,
            "verdict_label": t(f"report.verdict.{pv}"),
            "headline": t(
                "report.summary.pooled",
                n=len([s for s in data.hotspots if s.evaluation is not None]),
                irr=f.num(pooled.get("irr")),
                lo=f.num(pooled.get("ci_low")),
                hi=f.num(pooled.get("ci_high")),
            ),
            "words": _effect_sentence(
                f, pv, pooled.get("irr"), pooled.get("ci_low"), pooled.get("ci_high")
            ),
            "i2": (
                t(
                    "report.summary.i2",
                    i2=f.num(
                        100 * float(pooled["i2"])
                        if float(pooled["i2"]) <= 1
                        else float(pooled["i2"]),
                        0,
                    ),
                )
                if pooled.get("i2") is not None
                else None
            ),
            "pi": (
                t(
                    "report.summary.pi",
                    lo=f.num(pooled["prediction_low"]),
                    hi=f.num(pooled["prediction_high"]),
                )
                if pooled.get("prediction_low") is not None
                and pooled.get("prediction_high") is not None
                else None
            ),
        }
    changes: list[str] | None = None
    if data.previous_verdicts is not None:
        changes = []
        for sec in data.hotspots:
            now = _verdict(sec.evaluation)
            before = data.previous_verdicts.get(sec.name)
            if now and before and before in VERDICTS and before != now:
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
    from hotspotwatch.workflows.report import buffer_label

    buf_counts = {"displacement": 0, "diffusion": 0, "no_detectable_change": 0}
    for sec in data.hotspots:
        bl = buffer_label(sec.evaluation)
        if bl in buf_counts:
            buf_counts[bl] += 1
    displacement_text = (
        t(
            "report.summary.displacement",
            displacement=buf_counts["displacement"],
            diffusion=buf_counts["diffusion"],
            none=buf_counts["no_detectable_change"],
        )
        if sum(buf_counts.values())
        else t("report.summary.displacement_wdq")
    )
    forest_rows = [
        (
            s.name,
            _float(s.evaluation, "irr"),
            _float(s.evaluation, "ci_low"),
            _float(s.evaluation, "ci_high"),
            _verdict(s.evaluation),
        )
        for s in data.hotspots
    ]
    forest = figures.forest_plot(
        rows=forest_rows,
        pooled=(_float(pooled, "irr"), _float(pooled, "ci_low"), _float(pooled, "ci_high"))
        if pooled
        else None,
        labels={
            "pooled": t("report.summary.pooled_label"),
            "axis": t("report.forest.axis"),
            "fewer": t("report.forest.fewer"),
            "more": t("report.forest.more"),
        },
    )

    # Regional picture ---------------------------------------------------------------------
    regional = _regional_context(data, f)
    regional_png = None
    if data.region is not None:
        regional_png = _data_uri(
            figures.regional_map(
                region=data.region,
                zones=data.zones,
                perimeters=perimeters,
                counts=data.region_grid.counts if data.region_grid else None,
                extent=data.region_grid.extent if data.region_grid else None,
                extra_places=regional["places"],
                disclosure=d,
                labels={
                    "perimeter": t("report.map.perimeter"),
                    "zone_border": t("report.map.zone_border"),
                    "undesignated": t("report.regional.undesignated_marker"),
                    "emerging": t("report.regional.emerging_marker"),
                    "legend_title": t(
                        "report.regional.legend_title",
                        m=int(data.region_grid.cell_size if data.region_grid else 500),
                    ),
                },
            )
        )
    # Data quality ---------------------------------------------------------------------------
    quarantine_rows = [
        {
            "source": r.source,
            "imports": r.imports,
            "read": f.count(r.read),
            "stored": f.count(r.inserted),
            "quarantined": f.count(r.quarantined),
            "share": (f.num(100.0 * r.quarantined / r.read, 1) + " %")
            if r.read and not d.suppressed(r.quarantined)
            else "–",
            "reasons": "; ".join(f"{reason} ({f.count(n)})" for reason, n in (r.reasons or []))
            or "–",
        }
        for r in data.quarantine.itertuples(index=False)
    ]
    coverage_png = None
    if not data.coverage.empty:
        coverage_png = _data_uri(
            figures.coverage_chart(
                table=data.coverage.to_numpy(dtype=float),
                rows=[str(i) for i in data.coverage.index],
                columns=list(data.coverage.columns),
                disclosure=d,
                labels={"relative": t("report.quality.relative")},
            )
        )
        empty_months = int(np.sum(data.coverage.to_numpy() == 0))
    else:
        empty_months = 0

    params_text = ", ".join(
        f"{key} = {value}"
        for key, value in data.parameters.items()
        if key != "evaluation_parameters"
    )
    eval_params = data.parameters.get("evaluation_parameters") or {}
    eval_run = data.evaluation_run or {}
    context = {
        "lang": lang,
        "t": t,
        "f": f,
        "k": k,
        "public": d.public,
        "title": t("report.title"),
        "region": data.workspace_name,
        "until": f.date(data.until),
        "until_iso": data.until.isoformat(),
        "pre_start": f.date(data.pre_start),
        "first_designation": f.date(data.first_designation),
        "audience_label": t(f"report.audience.{aud}"),
        "generated": f.date(data.generated.date()),
        "n_hotspots": len(data.hotspots),
        "pooled": pooled_ctx,
        "groups": groups,
        "not_evaluated": not_evaluated,
        "changes": changes,
        "displacement_text": displacement_text,
        "forest": _data_uri(forest),
        "pages": pages,
        "regional": regional,
        "regional_map": regional_png,
        "knox": _knox_context(data.knox, f),
        "quarantine": quarantine_rows,
        "coverage_map": coverage_png,
        "empty_months": empty_months,
        "fingerprint": data.fingerprint,
        "software_version": data.software_version,
        "params_text": params_text,
        "eval_params_text": ", ".join(f"{a} = {b}" for a, b in sorted(eval_params.items()))
        if eval_params
        else "–",
        "eval_run_id": eval_run.get("id"),
        "eval_run_date": str(eval_run.get("created_at") or "–")[:19],
        "eval_fingerprint": eval_run.get("data_fingerprint"),
        "eval_stale": bool(eval_run.get("data_fingerprint"))
        and eval_run.get("data_fingerprint") != data.fingerprint,
        "command": f"hotspotwatch report renewal --until {data.until.isoformat()} --lang {lang} --audience {aud} --format pdf",
        "css": _css(),
    }
    return _env().get_template("renewal.html.j2").render(**context)


def _float(row: Mapping[str, Any] | None, key: str) -> float | None:
    if row is None:
        return None
    try:
        v = float(row.get(key))  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return None
    return v if math.isfinite(v) else None


def _env() -> jinja2.Environment:
    return jinja2.Environment(
        loader=jinja2.PackageLoader("hotspotwatch.report", "templates"),
        autoescape=jinja2.select_autoescape(["html", "j2"]),
        trim_blocks=True,
        lstrip_blocks=True,
        undefined=jinja2.StrictUndefined,
    )


def _css() -> str:
    from importlib import resources

    return (resources.files("hotspotwatch.report") / "templates" / "report.css").read_text(
        encoding="utf-8"
    )


def html_to_pdf(html: str, output: Path) -> Path:
    """Write ``html`` as a PDF with WeasyPrint (A4, fonts embedded)."""
    import logging

    import weasyprint

    logging.getLogger("weasyprint").setLevel(logging.ERROR)
    logging.getLogger("fontTools").setLevel(logging.ERROR)
    weasyprint.HTML(string=html).write_pdf(str(output))
    return output


def render_renewal(data: RenewalData, *, lang: str, fmt: str, audience: str, output: Path) -> Path:
    """Render the renewal report to ``output`` as HTML or PDF.

    Raises
    ------
    ValueError
        If ``lang``, ``fmt`` or ``audience`` is not supported.
    """
    check_lang(lang)
    check_format(fmt)
    check_audience(audience)
    html = renewal_html(data, lang=lang, audience=audience)
    output = Path(output)
    output.parent.mkdir(parents=True, exist_ok=True)
    if fmt == "html":
        output.write_text(html, encoding="utf-8")
        return output
    return html_to_pdf(html, output)


__all__ = [
    "FORMATS",
    "Fmt",
    "check_format",
    "check_lang",
    "html_to_pdf",
    "render_renewal",
    "renewal_html",
]
