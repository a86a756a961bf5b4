"""The regional page and the near-repeat box: sentences from the detection and space-time runs.

Each section reads the typed result of the run the report asked for
(:func:`hotspotwatch.workflows.views.renewal_specs`) by attribute: the Knox table and its
alert for the configured near-repeat categories, the concentration of all harm, the
designation coverage, the border view of the workspace's zone layer, the Gi* hot cells and
the emerging hot spots. Nothing is re-estimated here.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np
import shapely

from hotspotwatch.domain.collation import alphabetical
from hotspotwatch.report import figures
from hotspotwatch.report.context import data_uri, finite
from hotspotwatch.report.fmt import Fmt
from hotspotwatch.report.nearrepeat import categories_label, knox_context

if TYPE_CHECKING:
    from hotspotwatch.report.data import RenewalData

EMERGING_ORDER = (
    "new_hot",
    "consecutive_hot",
    "intensifying_hot",
    "persistent_hot",
    "diminishing_hot",
    "sporadic_hot",
    "oscillating_hot",
    "historical_hot",
)


def _capital(text: str) -> str:
    return text[:1].upper() + text[1:]


def incidents_context(data: RenewalData, f: Fmt) -> dict[str, str | None] | None:
    """Recent incidents in context, from the stored run: the sentence and what it covers
    (the heading names the category and the period; ``window`` adds the rule).

    The council report only: the counts of one month are small, and the public version
    hides counts below ``disclosure_k``, so it leaves the section out (``None``). When the
    run cannot be had, ``text`` is ``None`` and ``unavailable`` says why.
    """
    from hotspotwatch.i18n.incidents import incidents_heading, incidents_text, window_text
    from hotspotwatch.report.methods import unavailable_reason

    if f.disclosure.public:
        return None
    run = data.incidents
    if run is None:
        if "incidents" not in data.unavailable:
            return None
        return {
            "heading": f.t("incidents.heading"),
            "text": None,
            "window": None,
            "unavailable": unavailable_reason(data, "incidents", f),
        }
    return {
        "heading": incidents_heading(run, f.lang),
        "text": incidents_text(run, f.lang),
        "window": window_text(run, data.until, f.lang),
        "unavailable": None,
    }


def _zone_of(data: RenewalData, x: float, y: float) -> str | None:
    return next((code for code, _n, g in data.zones if shapely.contains_xy(g, x, y)), None)


def regional_context(data: RenewalData, f: Fmt) -> dict[str, Any]:
    """Sentences and lists for the regional page, from the detection and space-time runs."""
    t = f.t
    zone = f.zone()
    out: dict[str, Any] = {
        "concentration": None,
        "coverage": None,
        "undesignated": [],
        "emerging": None,
        "borders": None,
        "hot_cells": None,
        "places": [],
        "window": "",
    }
    out["incidents"] = incidents_context(data, f)
    knox = knox_context(data, f)
    cats = data.knox_categories
    out["knox"] = knox
    out["knox_heading"] = t("report.nearrepeat.heading", categories=categories_label(data, f, cats))
    window = data.display.get("regional_window")
    if window:
        out["window"] = t(
            "report.regional.window", start=f.date(window[0]), until=f.date(window[1])
        )
    conc = data.concentration
    if conc is not None:
        table = conc.harm
        shares = [
            t("report.regional.share", harm=f.num(100 * ev, 0), places=f.num(100 * pl, 1))
            for ev, pl in zip(table.event_shares, table.place_shares, strict=True)
            if finite(ev) is not None and finite(pl) is not None
        ]
        lines = [" ".join(shares)] if shares else []
        if finite(table.gini_generalized) is not None:
            lines.append(t("report.regional.gini", gini=f.num(table.gini_generalized)))
        out["concentration"] = lines or None
    gi = data.gistar
    if gi is not None:
        bins = np.asarray(gi.gistar.bins)[np.asarray(gi.grid.mask, dtype=bool)]
        n_hot = int((bins >= 2).sum())
        out["hot_cells"] = f.p(
            "report.regional.hot_cells",
            n_hot,
            cell=f.num(gi.grid.cell_size, 0),
            total=f.num(bins.size, 0),
        )
    cov = data.coverage
    if cov is not None:
        rows = list(cov.table)
        if rows:
            hot = [r for r in rows if r.statistical_hotspot]
            not_hot = alphabetical(r.hotspot for r in rows if not r.statistical_hotspot)
            pre = data.evaluation.parameters.get("pre_months") if data.evaluation else None
            lines = [
                f.p(
                    "report.regional.coverage",
                    len(hot),
                    total=f.num(len(rows), 0),
                    months=f.months(float(pre)) if pre is not None else "–",
                )
            ]
            if not_hot:
                lines.append(t("report.regional.coverage_not", names=f.listing(not_hot)))
            pai = finite(rows[0].pai_all)
            if pai is not None:
                lines.append(t("report.regional.pai", pai=f.num(pai, 1)))
            out["coverage"] = lines
        for item in cov.undesignated:
            code = _zone_of(data, item.x, item.y)
            out["undesignated"].append(
                f.p(
                    "report.regional.undesignated_item",
                    item.n_cells,
                    label=zone,
                    zone=code or "–",
                    date=f.date(item.designated_period_start),
                )
            )
            out["places"].append((float(item.x), float(item.y), "undesignated"))
    em = data.emerging
    if em is not None:
        counts = {str(k): int(v) for k, v in em.emerging.category_counts.items() if v}
        parts = [
            t("common.label_value", label=t("report.emerging." + cat), value=f.num(counts[cat], 0))
            for cat in EMERGING_ORDER
            if counts.get(cat)
        ]
        out["emerging"] = parts or [t("report.regional.emerging_none")]
    bord = data.borders
    if bord is not None and finite(bord.harm_share) is not None:
        lines = [
            t(
                "report.regional.border_share",
                label=zone,
                d=f.num(bord.distance, 0),
                harm=f.num(100 * float(bord.harm_share), 0),
                area=f.num(100 * float(bord.area_share or 0), 0),
            )
        ]
        pairs = sorted({" + ".join(map(str, c.zones)) for c in bord.straddling})
        if pairs:
            lines.append(
                f.p("report.regional.straddling", len(bord.straddling), pairs=t("common.separator").join(pairs))
            )
        else:
            lines.append(t("report.regional.straddling_none"))
        out["borders"] = lines
    return out


def commune_names(data: RenewalData, lang: str) -> list[tuple[str, str, Any]]:
    """``(code, name, outline)`` of the communes, named in ``lang``; a bilingual name
    ("Ixelles / Elsene") is set on two lines."""
    return [
        (code, names.get(lang, names.get("en", code)).replace(" / ", " /\n"), g)
        for code, names, g in data.communes
    ]


def regional_map(data: RenewalData, f: Fmt, reg: dict[str, Any]) -> str | None:
    """The regional map as a data URI (``None`` without a study area)."""
    if data.region is None:
        return None
    t = f.t
    from hotspotwatch.report.context import ALL_VERDICTS, verdict_of
    grid = data.region_grid
    cell = grid.cell_size if grid is not None else data.display.get("region_cell_m", 500)
    png = figures.regional_map(
        region=data.region,
        zones=data.zones,
        perimeters=[(s.name, s.geometry) for s in data.hotspots],
        verdicts=[verdict_of(s.evaluation) for s in data.hotspots],
        counts=grid.counts if grid is not None else None,
        extent=grid.extent if grid is not None else None,
        extra_places=reg["places"],
        disclosure=f.disclosure,
        communes=commune_names(data, f.lang),
        streets=data.streets,
        labels={
            "perimeter": t("report.map.perimeter"),
            "zone_border": _capital(t("report.map.zone_border", label=f.zone())),
            "undesignated": t("report.regional.undesignated_marker"),
            "emerging": t("report.regional.emerging_marker"),
            "legend_title": t("report.regional.legend_title", m=f.num(cell, 0)),
            "verdict_title": t("maps.verdict_title"),
            "verdict.none": t("maps.not_evaluated"),
            "commune_border": t("maps.commune_border"),
            "streets": t("maps.streets"),
            **{f"verdict.{v}": t(f"report.verdict.{v}") for v in ALL_VERDICTS},
        },
    )
    return data_uri(png)


__all__ = ["categories_label", "commune_names", "knox_context", "regional_context", "regional_map"]
