"""The near-repeat box of the regional page: the Knox table, its finding and the advice.

The advice follows the table: the table shades the cells of raised risk the stored alert
kept (:class:`~hotspotwatch.analysis.spacetime.alert.NearRepeatAlert`: ``p <= alpha``, a
Knox ratio above 1, connected to the nearest distance band or the earliest time band), and
the sentence and the advice quote exactly those cells: the distance and days they reach,
the largest ratio and the smallest p-value among them, and for each run of distance bands
with the same reach in days, how far and how long to cover. Nothing is re-estimated.

The box appears once, on the regional page: the Knox run is regional (no place has its
own near-repeat result).
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

from hotspotwatch.analysis.spacetime.knox import SAME_EDGE
from hotspotwatch.i18n.spacetime import knox_notes
from hotspotwatch.report.fmt import Fmt

if TYPE_CHECKING:
    from hotspotwatch.analysis.spacetime.alert import NearRepeatAlert
    from hotspotwatch.report.data import RenewalData


def categories_label(data: RenewalData, f: Fmt, categories: Any) -> str:
    """The near-repeat categories in words ("every harm category" when not configured)."""
    if data.report_config.near_repeat_categories is None:
        return f.t("report.nearrepeat.all_harm")
    return f.listing(f.category_name(c) for c in categories)


def advice_bands(alert: NearRepeatAlert) -> list[tuple[float, float, float]]:
    """``(inner_m, outer_m, days)`` of the alert's rings, consecutive rings with the same
    days merged (nearest first): the distances and periods the advice names.

    Examples
    --------
    >>> from hotspotwatch.analysis.spacetime.alert import AlertZone, NearRepeatAlert
    >>> z = [AlertZone(0, 100, 28, 8.5, 0.001), AlertZone(100, 200, 28, 9.9, 0.001),
    ...      AlertZone(200, 300, 21, 11.1, 0.001)]
    >>> advice_bands(NearRepeatAlert(True, 300, 28, tuple(z), (), "manhattan", 0.05))
    [(0.0, 200.0, 28.0), (200.0, 300.0, 21.0)]
    """
    bands: list[tuple[float, float, float]] = []
    for z in alert.zones:
        inner = 0.0 if z.inner_m == SAME_EDGE else float(z.inner_m)
        if bands and bands[-1][2] == z.days and bands[-1][1] == inner:
            bands[-1] = (bands[-1][0], float(z.outer_m), float(z.days))
        else:
            bands.append((inner, float(z.outer_m), float(z.days)))
    return bands


def days_text(f: Fmt, days: float) -> str:
    """``28 days`` with the language's plural form (``common.n_days``)."""
    return f.p("common.n_days", round(days), n=f.num(days, 0))


def _label(f: Fmt, a: float, b: float, kind: str) -> str:
    """A band's label: ``0–100``, ``≥ 400``, or "same place" / "same day"."""
    if a == 0 and b == SAME_EDGE:
        return f.t(f"report.knox.same_{kind}")
    lo = 0.0 if a == SAME_EDGE else a
    if math.isinf(b):
        return f"≥\u00a0{f.num(lo, 0)}"
    return f"{f.num(lo, 0)}–{f.num(b, 0)}"


def knox_table(data: RenewalData, f: Fmt) -> dict[str, Any] | None:
    """The Knox table as rows of cells (ratio, shaded when in the alert)."""
    run = data.knox
    if run is None:
        return None
    k = run.knox
    kept = set(run.alert.cells) if run.alert is not None else set()
    s_edges, t_edges = list(k.space_bands), list(k.time_bands)
    rows = []
    for i in range(len(s_edges) - 1):
        cells = []
        for j in range(len(t_edges) - 1):
            ratio = float(k.ratio[i, j])
            cells.append(
                {
                    "ratio": f.num(ratio, 1) if math.isfinite(ratio) else "–",
                    "raised": (i, j) in kept,
                    "p": float(k.p_value[i, j]),
                }
            )
        rows.append({"label": _label(f, s_edges[i], s_edges[i + 1], "place"), "cells": cells})
    return {
        "columns": [_label(f, t_edges[j], t_edges[j + 1], "day") for j in range(len(t_edges) - 1)],
        "rows": rows,
        "caption": f.t("report.knox.caption", alpha=f.num(run.alpha)),
    }


def knox_context(data: RenewalData, f: Fmt) -> dict[str, Any] | None:
    """The near-repeat finding in words, its table and the advice read from the table.

    ``notes``: what the reader must know about its events (time precision, events dropped
    as too coarse, exact duplicates counted once, same-place/same-day pairs;
    :func:`hotspotwatch.i18n.spacetime.knox_notes`).
    """
    run = data.knox
    if run is None or run.knox.permutations == 0:
        return None
    names = categories_label(data, f, run.categories)
    n = f.num(run.knox.n_events, 0)
    notes = knox_notes(run, f.lang)
    alert = run.alert
    table = knox_table(data, f)
    if alert is None or not alert.elevated or not alert.zones:
        text = f.p("report.nearrepeat.no_signal", run.knox.n_events, categories=names, n=n)
        return {"text": text, "advice": None, "ratio": None, "p": None, "notes": notes,
                "table": table, "bands": []}
    ratio = max(z.max_ratio for z in alert.zones)
    p = min(z.min_p for z in alert.zones)
    text = f.t(
        "report.knox.text",
        categories=names,
        events=f.p("common.n_events", run.knox.n_events, n=n),
        d=f.num(alert.radius_m, 0),
        days=days_text(f, alert.days),
        ratio=f.num(ratio, 1),
        p=f.pvalue(p),
    )
    bands = advice_bands(alert)
    advice = f.t(
        "report.knox.advice",
        bands=f.listing(
            f.t("report.knox.band", inner=f.num(a, 0), outer=f.num(b, 0), days=days_text(f, t))
            for a, b, t in bands
        ),
    )
    return {
        "text": text,
        "advice": advice,
        "ratio": ratio,
        "p": p,
        "notes": notes,
        "table": table,
        "bands": bands,
    }


__all__ = ["advice_bands", "categories_label", "days_text", "knox_context", "knox_table"]
