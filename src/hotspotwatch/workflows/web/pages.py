"""What the dashboard's hotspot and strategy pages show, and export, from the stored run.

Everything here is read from the typed evaluation the dashboard shows (the renewal report's
run for the review day: :func:`hotspotwatch.workflows.web.runs.evaluation_run`); nothing is
recounted. The hotspot chart's lines are the evaluation's own anchored-month series, per
month of exposure as the report draws them: the place, its first buffer ring and its
comparison areas, the latter on the place's scale before designation exactly as the
report's trend chart draws them
(:func:`hotspotwatch.report.context.hotspot_page`): a reading aid, not an estimate.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

import numpy as np
import shapely
from shapely.geometry.base import BaseGeometry

from hotspotwatch.domain.collation import sort_key
from hotspotwatch.workflows.web._geo import geojson, to_lonlat_geoms
from hotspotwatch.workflows.web.cache import memoised
from hotspotwatch.workflows.web.hotspots import hotspot_geometry, hotspots_geojson
from hotspotwatch.workflows.web.runs import (
    NotComputedError,
    evaluation_run,
    hotspot_evaluation,
    hotspot_summary,
    provenance,
)

if TYPE_CHECKING:
    from hotspotwatch.analysis.evaluate.hotspot import HotspotEvaluation
    from hotspotwatch.analysis.evaluate.strategy import StrategyEvaluation
    from hotspotwatch.workspace import Workspace

#: Perimeters of other places within this distance (metres) of the outer ring are drawn.
NEIGHBOUR_M = 1500.0
#: Parameters of the evaluation run a page states beside its numbers (in this order).
STATED_PARAMETERS: tuple[str, ...] = (
    "until",
    "outcome",
    "pre_months",
    "selection_window_months",
    "buffer_widths",
    "cell_size",
    "fdr",
    "alpha",
    "weighted",
)


def _values(arr: Any) -> list[float | None]:
    """An array as JSON numbers, ``NaN`` (months left out) as ``None``."""
    return [float(v) if math.isfinite(float(v)) else None for v in np.asarray(arr, dtype=float)]


def per_month(values: Any, exposure: Any) -> np.ndarray:
    """Counts per month of exposure, as the report's trend chart draws them (a partial last
    month per whole month); ``NaN`` where the count is missing or the month has no exposure."""
    v = np.asarray(values, dtype=float)
    e = np.asarray(exposure, dtype=float)
    out = np.full(v.shape, np.nan)
    ok = np.isfinite(v) & (e > 0)
    out[ok] = v[ok] / e[ok]
    return out


def scaled_control(h: HotspotEvaluation) -> np.ndarray | None:
    """The comparison areas' series on the place's pre-designation scale, as the report
    draws it: ``control * treated_pre / control_pre`` (``None`` when ``control_pre`` is 0)."""
    if not h.control_pre > 0:
        return None
    return np.asarray(h.series.control, dtype=float) * (h.treated_pre / h.control_pre)


def dose_by_role(h: HotspotEvaluation) -> dict[str, list[float | None]]:
    """Enforcement and prevention events per anchored month inside the perimeter: sums over
    the categories of the evaluation's :class:`DoseSeries` (activity, not results), counts
    (not per month of exposure)."""
    ds = h.dose_series
    n = len(h.series.codes)
    counts = np.asarray(ds.counts, dtype=float).reshape(len(ds.categories), n)
    roles = np.asarray(ds.roles, dtype=object)
    out: dict[str, list[float | None]] = {}
    for role in ("enforcement", "prevention"):
        rows = counts[roles == role]
        if len(rows) == 0:
            out[role] = [0.0] * n
            continue
        # a month every category left out (NaN) stays missing
        total = np.where(np.isnan(rows).all(axis=0), np.nan, np.nansum(rows, axis=0))
        out[role] = _values(total)
    return out


def evaluation_chart(h: HotspotEvaluation) -> dict[str, Any]:
    """The hotspot chart's series (anchored months of the evaluation), per month of
    exposure as the report draws them (:func:`per_month`: a partial last month is drawn per
    whole month).

    Returns ``{"months": [iso first days], "codes": [...], "exposure": [...], "designated":
    iso, "treated": [...], "buffer": [...], "buffer_ring": [inner_m, outer_m], "control":
    [...], "n_controls": int, "dose": {"enforcement": [...], "prevention": [...]}}``;
    ``None`` in a series is a month the evaluation left out (missing data, the selection
    window). The counts themselves are in the series CSV (:func:`series_rows`).
    """
    s = h.series
    ring = h.rings[0] if h.rings else None
    control = scaled_control(h)
    dose = dose_by_role(h)
    exp = np.asarray(s.exposure, dtype=float)

    def drawn(values: Any) -> list[float | None]:
        return _values(per_month(values, exp))

    return {
        "months": [m.isoformat() for m in s.months],
        "codes": [int(c) for c in s.codes],
        "exposure": _values(exp),
        "designated": h.designated.isoformat(),
        "treated": drawn(s.treated),
        "buffer": drawn(ring.counts) if ring is not None else None,
        "buffer_ring": [ring.inner_m, ring.outer_m] if ring is not None else None,
        "control": drawn(control) if control is not None else None,
        "n_controls": int(s.n_controls),
        "dose": {
            role: drawn([np.nan if v is None else v for v in values])
            for role, values in dose.items()
        },
    }


def stated_parameters(run: Any) -> dict[str, Any]:
    """The parameters of ``run`` a page states beside its numbers."""
    return {k: run.parameters.get(k) for k in STATED_PARAMETERS if k in run.parameters}


def until_text(run: Any, lang: str) -> str | None:
    """The run's ``until`` as a date in words in ``lang`` (Babel: "1er décembre 2025")."""
    import datetime as dt

    from hotspotwatch.i18n import format_date

    until = run.parameters.get("until")
    return format_date(dt.date.fromisoformat(str(until)), lang) if until else None


# ---------------------------------------------------------------------------------- strategy
def _row(h: HotspotEvaluation, lang: str, hotspot_id: int | None) -> dict[str, Any]:
    s = hotspot_summary(h, lang)
    keep = (
        "name", "outcome", "outcome_label", "irr", "ci_low", "ci_high", "ci_low_adjusted",
        "ci_high_adjusted", "p_value", "p_adjusted", "wdq", "min_detectable_ratio", "verdict",
        "buffer_verdict", "buffer_verdict_label", "buffer_p_adjusted", "near_threshold",
    )
    row = {k: s[k] for k in keep}
    row["adjusted_level"] = _level(h)
    row["hotspot_id"] = hotspot_id
    return row


def _level(h: HotspotEvaluation) -> float | None:
    alpha = float(h.verdict.adjusted_alpha)
    return round(100 * (1 - alpha), 1) if math.isfinite(alpha) else None


@memoised
def strategy_table(ws: Workspace, *, lang: str = "en") -> dict[str, Any]:
    """The strategy page's table: one row per evaluated place (alphabetically,
    :func:`hotspotwatch.domain.collation.sort_key`), from the dashboard's run.

    Each row holds the DiD rate ratio and its interval, the interval adjusted for testing
    many places (the one the verdict is read from, at ``adjusted_level`` %), the p-value and
    the adjusted p (FDR), the WDQ, the minimum detectable ratio, the verdict and the buffer's
    verdict (label in ``lang``) with its adjusted p, and ``hotspot_id`` (``None`` if the
    place is no longer in the workspace). ``run`` is the run's provenance, ``parameters``
    the stated ones (:data:`STATED_PARAMETERS`).

    Raises
    ------
    NotComputedError
        If the evaluation cannot be computed on this workspace.
    """
    run = evaluation_run(ws)
    ev: StrategyEvaluation = run.result
    ids = {f["properties"]["name"]: int(f["id"]) for f in hotspots_geojson(ws)["features"]}
    return {
        "run": provenance(run),
        "parameters": stated_parameters(run),
        "until_text": until_text(run, lang),
        # alphabetical (domain.collation, as the report's forest plot): never a ranking
        "rows": [_row(h, lang, ids.get(h.name))
                 for h in sorted(ev.hotspots, key=lambda h: sort_key(h.name))],
    }


#: Columns of the strategy table's CSV (``strategy_table`` rows), in order.
STRATEGY_COLUMNS: tuple[str, ...] = (
    "name", "outcome", "irr", "ci_low", "ci_high", "ci_low_adjusted", "ci_high_adjusted",
    "adjusted_level", "p_value", "p_adjusted", "wdq", "min_detectable_ratio", "verdict",
    "buffer_verdict", "buffer_p_adjusted",
)


# ---------------------------------------------------------------------------------- hotspot
def _evaluated(ws: Workspace, hotspot_id: int) -> tuple[str, BaseGeometry, Any, Any]:
    name, geom = hotspot_geometry(ws, hotspot_id)
    try:
        run, h = hotspot_evaluation(ws, name)
    except NotComputedError:
        run, h = None, None
    return name, geom, run, h


@memoised
def hotspot_chart(ws: Workspace, hotspot_id: int, *, lang: str = "en") -> dict[str, Any]:
    """``{"run": provenance, "parameters": {...}, "until_text": str, "chart":
    evaluation_chart(...)}`` of one place (``until_text``: the run's ``until`` in words in
    ``lang``); ``chart`` is ``None`` when the place is not in the evaluation.

    Raises
    ------
    KeyError
        If there is no hotspot ``hotspot_id``.
    """
    _name, _geom, run, h = _evaluated(ws, hotspot_id)
    return {
        "run": provenance(run) if run is not None else None,
        "parameters": stated_parameters(run) if run is not None else None,
        "until_text": until_text(run, lang) if run is not None else None,
        "chart": evaluation_chart(h) if h is not None else None,
    }


def series_rows(ws: Workspace, hotspot_id: int) -> list[dict[str, Any]]:
    """The hotspot chart's series as CSV rows, one per anchored month: the place, every
    buffer ring, the comparison areas (summed and on the place's scale) and the dose.

    Raises
    ------
    KeyError
        If there is no hotspot ``hotspot_id``.
    NotComputedError
        If the place is not in the dashboard's evaluation.
    """
    name, _geom, run, h = _evaluated(ws, hotspot_id)
    if h is None:
        raise NotComputedError(f"{name} is not in the dashboard's evaluation")
    s = h.series
    control = scaled_control(h)
    dose = dose_by_role(h)
    rings = [(f"buffer_{r.inner_m:g}_{r.outer_m:g}m", _values(r.counts)) for r in h.rings]
    treated, control_sum = _values(s.treated), _values(s.control)
    scaled = _values(control) if control is not None else [None] * len(s.codes)
    rows = []
    for i, (month, code) in enumerate(zip(s.months, s.codes, strict=True)):
        row: dict[str, Any] = {
            "hotspot": name,
            "month_start": month.isoformat(),
            "month_code": int(code),
            "days": float(s.days[i]),
            "exposure": float(s.exposure[i]),
            "treated": treated[i],
        }
        for col, values in rings:
            row[col] = values[i]
        row.update(
            {
                "control_sum": control_sum[i],
                "control_scaled": scaled[i],
                "n_controls": int(s.n_controls),
                "enforcement": dose["enforcement"][i],
                "prevention": dose["prevention"][i],
                "run": run.short_key,
                "until": run.parameters.get("until"),
            }
        )
        rows.append(row)
    return rows


@memoised
def hotspot_layers(ws: Workspace, hotspot_id: int) -> dict[str, Any]:
    """The hotspot page's map as a WGS84 FeatureCollection.

    Features carry ``properties.kind``: ``"perimeter"`` (the place), ``"buffer_ring"``
    (the evaluation's rings, ``inner_m``/``outer_m``; the configured widths when the place
    is not evaluated), ``"neighbour"`` (other places' perimeters within
    :data:`NEIGHBOUR_M` of the outer ring, with ``hotspot_id``) and ``"control_cell"`` (the
    evaluation's comparison cells). Every feature has a ``name``. ``run`` names the run the
    rings and cells come from (``None`` without one).

    Raises
    ------
    KeyError
        If there is no hotspot ``hotspot_id``.
    """
    from hotspotwatch.geo.rings import buffer_rings

    name, geom, run, h = _evaluated(ws, hotspot_id)
    frame = ws.hotspots()
    others = frame[frame["hotspot_id"] != hotspot_id]
    if h is not None and h.rings:
        rings = [(shapely.from_wkt(r.wkt), r.inner_m, r.outer_m) for r in h.rings]
    else:
        widths = [float(w) for w in ws.config.evaluation.get("buffer_widths", [250])]
        union = shapely.union_all(frame.geometry.to_numpy()) if len(frame) else None
        edges = np.cumsum([0.0, *widths])
        rings = [
            (g, float(edges[i]), float(edges[i + 1]))
            for i, g in enumerate(buffer_rings(geom, widths=widths, exclude=union))
        ]
    outer = geom.buffer(rings[-1][2] if rings else 0.0)
    near = outer.buffer(NEIGHBOUR_M)
    feats: list[tuple[BaseGeometry, dict[str, Any]]] = [
        (geom, {"kind": "perimeter", "name": name, "hotspot_id": hotspot_id})
    ]
    for g, inner, outer_m in rings:
        feats.append((g, {"kind": "buffer_ring", "name": f"{inner:g}–{outer_m:g} m",
                          "inner_m": inner, "outer_m": outer_m}))
    for r in others.to_dict("records"):
        if r["geometry"].intersects(near):
            feats.append((r["geometry"], {"kind": "neighbour", "name": r["name"],
                                          "hotspot_id": int(r["hotspot_id"])}))
    if h is not None:
        for box in h.control_boxes:
            feats.append((shapely.box(*box), {"kind": "control_cell", "name": "control"}))
    geoms = to_lonlat_geoms(ws, [g for g, _ in feats])
    return {
        "type": "FeatureCollection",
        "run": provenance(run) if run is not None else None,
        "features": [
            {"type": "Feature", "geometry": geojson(g), "properties": p}
            for g, (_, p) in zip(geoms, feats, strict=True)
        ],
    }


__all__ = [
    "NEIGHBOUR_M",
    "STATED_PARAMETERS",
    "STRATEGY_COLUMNS",
    "dose_by_role",
    "evaluation_chart",
    "hotspot_chart",
    "hotspot_layers",
    "per_month",
    "scaled_control",
    "series_rows",
    "stated_parameters",
    "strategy_table",
    "until_text",
]
