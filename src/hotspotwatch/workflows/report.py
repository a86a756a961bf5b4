"""Gather what the renewal report needs, and build it.

The report layer lays out; it computes no statistics. This workflow is where the report's
inputs come from:

- the **evaluation** (effects, intervals, verdicts, power, pooled estimate) is the evaluation
  workflow's stored run (``ws.latest_run("evaluate")``), run afresh when missing or when the
  data changed since;
- the **regional picture** (concentration, undesignated statistical hotspots, emerging places,
  border clusters) and the **near-repeat** table are read from the detection and space-time
  workflows' stored runs when they exist;
- **data preparation** for tables and charts happens here: events counted per calendar month
  (workspace time zone) inside each perimeter and its buffer ring, before/after totals, dose
  (enforcement and prevention activity) per hotspot, harm counts on a display grid for the
  maps, quarantined rows per source and coverage by police zone and month.

:func:`build_renewal_report` is the entry point the CLI and ``hotspotwatch demo`` call.
"""

from __future__ import annotations

import datetime as dt
import json
import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
import shapely
from shapely.geometry.base import BaseGeometry

from hotspotwatch.domain.designation import Period

if TYPE_CHECKING:
    from hotspotwatch.workspace import Workspace

DEFAULT_BUFFER_M = 250.0
DEFAULT_PRE_MONTHS = 12
MAP_MARGIN_M = 350.0
MAP_CELL_M = 100.0
REGION_CELL_M = 500.0
DISPLAY_TOLERANCE_M = 5.0
EVALUATION_KIND = "evaluate"

# Run kinds of the other workflows whose stored results the regional picture reads. Each
# entry is tried in order; the first stored run wins.
DETECT_KINDS: dict[str, tuple[str, ...]] = {
    "concentration": ("detect.concentration", "concentration"),
    "coverage": ("detect.coverage", "coverage"),
    "borders": ("detect.borders", "borders"),
    "gistar": ("detect.gistar", "gistar"),
    "emerging": ("spacetime.emerging", "emerging"),
    "knox": ("spacetime.knox", "knox"),
}


@dataclass(frozen=True)
class MonthlySeries:
    """Harm events per calendar month inside a perimeter and its buffer ring."""

    months: list[dt.date]
    """First day of each month."""
    treated: np.ndarray
    buffer: np.ndarray


@dataclass(frozen=True)
class GridCounts:
    """Event counts on a square display grid (row 0 at the bottom)."""

    counts: np.ndarray
    extent: tuple[float, float, float, float]
    cell_size: float


@dataclass(frozen=True)
class OutcomeRow:
    """Before/after counts of one comparison area."""

    area: str
    """``treated``, ``buffer`` or ``control``."""
    before: float | None
    after: float | None
    months_before: int
    months_after: int


@dataclass
class HotspotSection:
    """Everything one hotspot page shows."""

    name: str
    code: str | None
    zone: str | None
    commune: str | None
    approximate: bool
    geometry: BaseGeometry
    buffer_rings: list[BaseGeometry]
    periods: list[Period]
    first_designated: dt.date | None
    evaluation: dict[str, Any] | None
    other_outcomes: list[dict[str, Any]]
    monthly: MonthlySeries
    outcome_table: list[OutcomeRow]
    dose: list[tuple[str, str, float, float]]
    """``(role, category, before, after)`` counts inside the perimeter."""
    shootings_after: int
    grid: GridCounts
    points: np.ndarray
    """Harm event coordinates (n × 2) in the map window, post period (council maps only)."""
    controls: list[BaseGeometry]


@dataclass
class RenewalData:
    """All inputs of the renewal report (no layout, no wording)."""

    workspace_name: str
    until: dt.date
    pre_start: dt.date
    first_designation: dt.date | None
    disclosure_k: int
    hotspots: list[HotspotSection]
    pooled: dict[str, Any] | None
    evaluation_run: dict[str, Any] | None
    previous_verdicts: dict[str, str] | None
    regional: dict[str, Any]
    knox: dict[str, Any] | None
    region: BaseGeometry | None
    zones: list[tuple[str, str, BaseGeometry]]
    """``(code, name, geometry)`` of the police zones (empty if the layer is missing)."""
    region_grid: GridCounts | None
    quarantine: pd.DataFrame
    """Per source: ``source, imports, read, inserted, quarantined, reasons``."""
    coverage: pd.DataFrame
    """Events per police zone (rows) and month (columns)."""
    fingerprint: str
    software_version: str
    generated: dt.datetime
    parameters: dict[str, Any] = field(default_factory=dict)


# --------------------------------------------------------------------------- helpers


def _month_floor(day: dt.date) -> dt.date:
    return dt.date(day.year, day.month, 1)


def _add_months(day: dt.date, months: int) -> dt.date:
    index = day.year * 12 + day.month - 1 + months
    year, month = divmod(index, 12)
    last = [
        31,
        29 if year % 4 == 0 and (year % 100 or year % 400 == 0) else 28,
        31,
        30,
        31,
        30,
        31,
        31,
        30,
        31,
        30,
        31,
    ][month]
    return dt.date(year, month + 1, min(day.day, last))


def _month_range(start: dt.date, end_inclusive: dt.date) -> list[dt.date]:
    out = []
    cur = _month_floor(start)
    while cur <= end_inclusive:
        out.append(cur)
        cur = _add_months(cur, 1)
    return out


def _local_dates(frame: pd.DataFrame, tz: str) -> np.ndarray:
    """Local calendar dates (numpy datetime64[D]) of the events' instants."""
    if frame.empty:
        return np.array([], dtype="datetime64[D]")
    local = pd.to_datetime(frame["occurred_at"], utc=True).dt.tz_convert(tz).dt.tz_localize(None)
    return local.to_numpy().astype("datetime64[D]")


def _month_index(dates: np.ndarray, months: Sequence[dt.date]) -> np.ndarray:
    """Index of each date's month in ``months`` (-1 outside)."""
    if len(months) == 0:
        return np.full(dates.shape, -1)
    month_of = dates.astype("datetime64[M]")
    first = np.datetime64(months[0], "M")
    idx = (month_of - first).astype(int)
    idx[(idx < 0) | (idx >= len(months))] = -1
    return idx


def _as_float(value: Any) -> float | None:
    try:
        out = float(value)
    except (TypeError, ValueError):
        return None
    return out if math.isfinite(out) else None


def _first_value(mapping: Mapping[str, Any], keys: Sequence[str]) -> Any:
    for key in keys:
        if key in mapping and mapping[key] is not None:
            return mapping[key]
    return None


def _pair(value: Any) -> tuple[float | None, float | None] | None:
    """``(before, after)`` from a 2-sequence or a ``{"before","after"}`` mapping."""
    if isinstance(value, Mapping):
        b = _first_value(value, ("before", "pre", "b"))
        a = _first_value(value, ("after", "post", "a"))
        return (_as_float(b), _as_float(a)) if (b is not None or a is not None) else None
    if isinstance(value, (list, tuple)) and len(value) == 2:
        return (_as_float(value[0]), _as_float(value[1]))
    return None


def evaluation_counts(row: Mapping[str, Any]) -> dict[str, tuple[float | None, float | None]]:
    """Before/after counts per comparison area that the evaluation used, if it reports them.

    Reads ``row["counts"]`` (``{"treated"|"target": [before, after], "buffer": …,
    "control": …}``) or, failing that, the WDD's inputs (``row["wdd"]["target"]`` …).
    """
    found: dict[str, tuple[float | None, float | None]] = {}
    flat = row.get("counts")
    if isinstance(flat, Mapping):
        # The evaluation workflow's shape: {"treated_pre", "treated_post", "buffer_pre", ...}.
        for area in ("treated", "buffer", "control"):
            if f"{area}_pre" in flat and f"{area}_post" in flat:
                found[area] = (_as_float(flat[f"{area}_pre"]), _as_float(flat[f"{area}_post"]))
    for source in (row.get("counts"), row.get("wdd"), row.get("wdq")):
        if not isinstance(source, Mapping):
            continue
        for area, keys in (
            ("treated", ("treated", "target")),
            ("buffer", ("buffer",)),
            ("control", ("control",)),
        ):
            if area in found:
                continue
            for key in keys:
                pair = _pair(source.get(key))
                if pair is not None:
                    found[area] = pair
                    break
    return found


def verdict_label(row: Mapping[str, Any] | None) -> str | None:
    """The verdict label of an evaluation row (a string, or a mapping with ``label``)."""
    if row is None:
        return None
    v = row.get("verdict")
    if isinstance(v, Mapping):
        v = v.get("label")
    return str(v) if v is not None else None


def buffer_label(row: Mapping[str, Any] | None) -> str | None:
    """The displacement/diffusion verdict of an evaluation row, when reported."""
    if row is None:
        return None
    for key in ("buffer_verdict", "displacement_verdict", "displacement", "buffer"):
        v = row.get(key)
        if isinstance(v, Mapping) and "verdict" in v:
            v = v.get("verdict")
        if isinstance(v, Mapping):
            v = v.get("label")
        if isinstance(v, str):
            return v
    return None


# --------------------------------------------------------------------------- store reads


def quarantine_by_source(ws: Workspace) -> pd.DataFrame:
    """Rows read, stored and quarantined per source, with the main quarantine reasons.

    Returns
    -------
    DataFrame
        Columns ``source, imports, read, inserted, quarantined, reasons`` where ``reasons`` is
        a list of ``(reason, count)``, most frequent first (at most three).
    """
    from sqlalchemy import func, select

    from hotspotwatch.store.schema import imports, quarantine

    with ws.engine.connect() as conn:
        rows = conn.execute(
            select(
                imports.c.source,
                func.count(),
                func.sum(imports.c.read),
                func.sum(imports.c.inserted + imports.c.updated + imports.c.unchanged),
                func.sum(imports.c.quarantined),
            )
            .where(imports.c.kind.in_(("events", "scenario")))
            .group_by(imports.c.source)
            .order_by(imports.c.source)
        ).all()
        reasons = conn.execute(
            select(imports.c.source, quarantine.c.reason, func.count())
            .join(imports, imports.c.import_id == quarantine.c.import_id)
            .group_by(imports.c.source, quarantine.c.reason)
        ).all()
    by_source: dict[str, list[tuple[str, int]]] = {}
    for source, reason, n in reasons:
        short = str(reason).split(":")[0].strip()[:80]
        by_source.setdefault(source, []).append((short, int(n)))
    records = []
    for source, n_imports, read, stored, quarantined in rows:
        merged: dict[str, int] = {}
        for reason, n in by_source.get(source, []):
            merged[reason] = merged.get(reason, 0) + n
        top = sorted(merged.items(), key=lambda kv: (-kv[1], kv[0]))[:3]
        records.append(
            {
                "source": source,
                "imports": int(n_imports),
                "read": int(read or 0),
                "inserted": int(stored or 0),
                "quarantined": int(quarantined or 0),
                "reasons": top,
            }
        )
    return pd.DataFrame(
        records, columns=["source", "imports", "read", "inserted", "quarantined", "reasons"]
    )


def _latest_result(ws: Workspace, kinds: Sequence[str]) -> dict[str, Any] | None:
    for kind in kinds:
        run = ws.latest_run(kind)
        if run is not None:
            return run
    return None


def evaluation_run(
    ws: Workspace,
    *,
    until: dt.date,
    explicit_until: bool = False,
    runner: Callable[..., Any] | None = None,
) -> dict[str, Any] | None:
    """The evaluation run the report presents.

    The newest stored ``evaluate`` run is used when its data fingerprint matches the data;
    (and, when ``explicit_until``, it was run up to ``until``); otherwise the evaluation
    workflow is run (``runner(ws, until=until)``, default
    :func:`hotspotwatch.workflows.evaluate.evaluate_strategy`) and its stored run is returned.
    """
    run = ws.latest_run(EVALUATION_KIND)
    fresh = run is not None and run.get("data_fingerprint") == ws.data_fingerprint()
    if fresh and explicit_until:
        ran_until = (run or {}).get("parameters", {}).get("until")
        fresh = ran_until is not None and str(ran_until)[:10] == until.isoformat()
    if fresh:
        return run
    if runner is None:
        runner = _evaluation_runner()
    if runner is None:
        return run
    runner(ws, until=until)
    return ws.latest_run(EVALUATION_KIND) or run


def _evaluation_runner() -> Callable[..., Any] | None:
    try:
        from hotspotwatch.workflows import evaluate as wf_eval
    except ImportError:
        return None
    for name in ("evaluate_strategy", "evaluate", "run_evaluation"):
        fn = getattr(wf_eval, name, None)
        if callable(fn):
            return fn
    return None


def _previous_verdicts(ws: Workspace, current: dict[str, Any] | None) -> dict[str, str] | None:
    """Verdicts of the evaluation run before the current one (the previous review period)."""
    if current is None:
        return None
    current_until = (current.get("parameters") or {}).get("until")
    for run in ws.runs(EVALUATION_KIND):
        if run["id"] == current["id"]:
            continue
        until = (run.get("parameters") or {}).get("until")
        if current_until is not None and until is not None and str(until) >= str(current_until):
            continue
        rows = (run.get("result") or {}).get("hotspots") or []
        return {
            str(r.get("name")): str(verdict_label(r))
            for r in rows
            if r.get("outcome", "harm") == "harm"
        }
    return None


# --------------------------------------------------------------------------- gathering


def _grid_counts(
    x: np.ndarray, y: np.ndarray, extent: tuple[float, float, float, float], cell: float
) -> GridCounts:
    x0, y0, x1, y1 = extent
    nx = max(1, math.ceil((x1 - x0) / cell))
    ny = max(1, math.ceil((y1 - y0) / cell))
    ext = (x0, y0, x0 + nx * cell, y0 + ny * cell)
    counts, _, _ = np.histogram2d(y, x, bins=(ny, nx), range=((ext[1], ext[3]), (ext[0], ext[2])))
    return GridCounts(counts=counts, extent=ext, cell_size=cell)


def default_until(ws: Workspace) -> dt.date:
    """The last day with data (local date of the newest event); today if there are none."""
    from sqlalchemy import func, select

    from hotspotwatch.store.schema import events

    with ws.engine.connect() as conn:
        newest = conn.execute(select(func.max(events.c.occurred_at))).scalar()
    if newest is None:
        return dt.date.today()
    ts = pd.Timestamp(newest).tz_localize("UTC").tz_convert(ws.config.timezone)
    return ts.date()


def _coerce_date(value: str | dt.date | dt.datetime | None, name: str) -> dt.date | None:
    if value is None:
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value))
    except ValueError:
        raise ValueError(f"{name} must be a date like 2025-09-03, got {value!r}") from None


def gather_renewal(
    ws: Workspace,
    *,
    until: str | dt.date | None = None,
    evaluation: dict[str, Any] | None = None,
    run_evaluation: bool = True,
) -> RenewalData:
    """Collect the inputs of the renewal report.

    Parameters
    ----------
    ws : Workspace
        The workspace.
    until : date or ISO string, optional
        Last day of the period under review (inclusive); default the last day with data.
    evaluation : dict, optional
        An evaluation run (``{"parameters", "result", ...}``) to present instead of the stored
        one (used by tests and notebooks).
    run_evaluation : bool
        Run the evaluation workflow when no up-to-date run is stored.

    Returns
    -------
    RenewalData

    Raises
    ------
    ValueError
        If the workspace has no hotspots, or ``until`` is not a date.
    """
    until_day = _coerce_date(until, "until") or default_until(ws)
    tz = ws.config.timezone
    hotspots = ws.hotspots()
    if hotspots.empty:
        raise ValueError(
            "this workspace has no hotspots; add them with `hotspotwatch hotspot designate` "
            "before building a renewal report"
        )
    periods = ws.hotspot_periods()
    if evaluation is None:
        evaluation = evaluation_run(
            ws,
            until=until_day,
            explicit_until=until is not None,
            runner=None if run_evaluation else (lambda *a, **k: None),
        )
    params: dict[str, Any] = dict((evaluation or {}).get("parameters") or {})
    result: dict[str, Any] = dict((evaluation or {}).get("result") or {})
    buffer_m = _buffer_distances(params)
    pre_months = int(params.get("pre_months", DEFAULT_PRE_MONTHS) or DEFAULT_PRE_MONTHS)

    starts = [p[0].start for p in periods.values() if p]
    first_designation = min(starts) if starts else None
    pre_start = _add_months(_month_floor(first_designation or until_day), -pre_months)
    end_excl = until_day + dt.timedelta(days=1)
    months = _month_range(pre_start, until_day)

    harm = ws.events(roles="harm", start=pre_start, end=end_excl)
    dose = ws.events(roles=["enforcement", "prevention"], start=pre_start, end=end_excl)
    hx, hy = harm["x"].to_numpy(float), harm["y"].to_numpy(float)
    h_dates = _local_dates(harm, tz)
    h_month = _month_index(h_dates, months)
    dx, dy = dose["x"].to_numpy(float), dose["y"].to_numpy(float)
    d_dates = _local_dates(dose, tz)

    rows_by_name: dict[str, dict[str, Any]] = {}
    others: dict[str, list[dict[str, Any]]] = {}
    for r in result.get("hotspots") or []:
        name = str(r.get("name"))
        if r.get("outcome", "harm") == "harm" and name not in rows_by_name:
            rows_by_name[name] = dict(r)
        else:
            others.setdefault(name, []).append(dict(r))
    controls_by_name = _control_geometries(result)

    all_perimeters = shapely.union_all(hotspots.geometry.to_numpy())
    sections: list[HotspotSection] = []
    # Alphabetical order: the report never ranks places by how much harm they have.
    order = sorted(range(len(hotspots)), key=lambda i: str(hotspots["name"].iloc[i]).casefold())
    for i in order:
        rec = hotspots.iloc[i]
        name = str(rec["name"])
        geom = rec.geometry
        hp = periods.get(name, [])
        first = hp[0].start if hp else None
        rings = []
        inner = geom
        for dist in buffer_m:
            outer = geom.buffer(dist)
            rings.append(outer.difference(inner).difference(all_perimeters))
            inner = outer
        buffer_zone = shapely.union_all(rings) if rings else shapely.Polygon()

        in_t = shapely.contains_xy(geom, hx, hy)
        in_b = shapely.contains_xy(buffer_zone, hx, hy) & ~in_t
        n_m = len(months)
        treated_m = np.bincount(h_month[in_t & (h_month >= 0)], minlength=n_m)[:n_m]
        buffer_m_counts = np.bincount(h_month[in_b & (h_month >= 0)], minlength=n_m)[:n_m]

        # Before = the pre-period months before this place's first designation; after = from
        # the first designation to ``until``.
        anchor = first or until_day
        b0 = np.datetime64(_add_months(anchor, -pre_months))
        a0 = np.datetime64(anchor)
        a1 = np.datetime64(end_excl)
        before_mask = (h_dates >= b0) & (h_dates < a0)
        after_mask = (h_dates >= a0) & (h_dates < a1)
        row = rows_by_name.get(name)
        design = (row or {}).get("design") or {}
        months_after = round(float(design.get("post_months") or 0)) or max(
            0,
            (until_day.year - anchor.year) * 12
            + until_day.month
            - anchor.month
            + (1 if until_day.day >= anchor.day else 0),
        )
        reported = evaluation_counts(row) if row else {}
        table = []
        for area, mask in (("treated", in_t), ("buffer", in_b), ("control", None)):
            if area in reported:
                b, a = reported[area]
            elif mask is not None:
                b, a = float(np.sum(mask & before_mask)), float(np.sum(mask & after_mask))
            else:
                continue
            table.append(OutcomeRow(area, b, a, pre_months, months_after))

        in_dose = shapely.contains_xy(geom, dx, dy)
        dose_rows = []
        if in_dose.any():
            d_before = in_dose & (d_dates >= b0) & (d_dates < a0)
            d_after = in_dose & (d_dates >= a0) & (d_dates < a1)
            cats = dose.loc[in_dose, ["role", "category"]].drop_duplicates()
            for role, cat in sorted(cats.itertuples(index=False, name=None)):
                is_cat = (dose["category"] == cat).to_numpy()
                dose_rows.append(
                    (
                        str(role),
                        str(cat),
                        float(np.sum(is_cat & d_before)),
                        float(np.sum(is_cat & d_after)),
                    )
                )
        shootings = (
            int(np.sum(in_t & after_mask & (harm["category"] == "shooting").to_numpy()))
            if len(harm)
            else 0
        )

        minx, miny, maxx, maxy = (buffer_zone if not buffer_zone.is_empty else geom).bounds
        half = max(maxx - minx, maxy - miny) / 2 + MAP_MARGIN_M
        cx, cy = (minx + maxx) / 2, (miny + maxy) / 2
        window = (cx - half, cy - half, cx + half, cy + half)
        in_win = (hx >= window[0]) & (hx < window[2]) & (hy >= window[1]) & (hy < window[3])
        sel = in_win & after_mask
        grid = _grid_counts(hx[sel], hy[sel], window, MAP_CELL_M)
        sections.append(
            HotspotSection(
                name=name,
                code=_str_or_none(rec.get("code")),
                zone=_str_or_none(rec.get("zone")),
                commune=_str_or_none(rec.get("commune")),
                approximate=bool(rec.get("approximate", False)),
                geometry=geom,
                buffer_rings=rings,
                periods=hp,
                first_designated=first,
                evaluation=row,
                other_outcomes=others.get(name, []),
                monthly=MonthlySeries(
                    months, treated_m.astype(float), buffer_m_counts.astype(float)
                ),
                outcome_table=table,
                dose=dose_rows,
                shootings_after=shootings,
                grid=grid,
                points=np.column_stack([hx[sel], hy[sel]]) if sel.any() else np.empty((0, 2)),
                controls=controls_by_name.get(name, []),
            )
        )

    try:
        # Outlines are simplified for drawing only (5 m: invisible at report scale).
        region: BaseGeometry | None = ws.study_area().simplify(DISPLAY_TOLERANCE_M)
    except Exception:
        region = None
    zones: list[tuple[str, str, BaseGeometry]] = []
    if "police_zone" in ws.area_layers():
        zf = ws.areas("police_zone")
        zones = [
            (str(c), str(n), g.simplify(DISPLAY_TOLERANCE_M))
            for c, n, g in zip(zf["code"], zf["name"], zf.geometry, strict=True)
        ]

    region_grid = None
    if region is not None and not region.is_empty:
        post = (h_dates >= np.datetime64(first_designation or pre_start)) & (
            h_dates < np.datetime64(end_excl)
        )
        region_grid = _grid_counts(hx[post], hy[post], region.bounds, REGION_CELL_M)

    coverage = _coverage(ws, zones, months, pre_start, end_excl)
    regional = {
        key: (run.get("result") if run else None)
        for key, kinds in DETECT_KINDS.items()
        for run in [_latest_result(ws, kinds)]
    }
    knox = regional.pop("knox", None)
    _locate_in_zones(regional.get("coverage"), zones)
    data_params = {
        "until": until_day.isoformat(),
        "pre_months": pre_months,
        "buffer_m": list(buffer_m),
        "display_grid_m": MAP_CELL_M,
        "disclosure_k": ws.config.disclosure_k,
        "evaluation_run": (evaluation or {}).get("id"),
        "evaluation_parameters": params,
    }
    from hotspotwatch.workspace import software_version

    return RenewalData(
        workspace_name=ws.config.name or ws.path.name,
        until=until_day,
        pre_start=pre_start,
        first_designation=first_designation,
        disclosure_k=int(ws.config.disclosure_k),
        hotspots=sections,
        pooled=result.get("pooled"),
        evaluation_run=evaluation,
        previous_verdicts=_previous_verdicts(ws, evaluation)
        if evaluation and "id" in evaluation
        else None,
        regional=regional,
        knox=knox,
        region=region,
        zones=zones,
        region_grid=region_grid,
        quarantine=quarantine_by_source(ws),
        coverage=coverage,
        fingerprint=ws.data_fingerprint(),
        software_version=software_version(),
        generated=dt.datetime.now(dt.UTC).replace(microsecond=0),
        parameters=data_params,
    )


def _locate_in_zones(
    coverage: dict[str, Any] | None, zones: Sequence[tuple[str, str, BaseGeometry]]
) -> None:
    """Label each undesignated statistical hotspot with the police zone(s) it lies in."""
    if not coverage or not zones:
        return
    for item in coverage.get("undesignated") or []:
        x, y = _as_float(item.get("x")), _as_float(item.get("y"))
        if x is None or y is None:
            continue
        item["zone"] = next((code for code, _n, g in zones if shapely.contains_xy(g, x, y)), None)


def _str_or_none(value: Any) -> str | None:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return None
    return str(value)


def _buffer_distances(params: Mapping[str, Any]) -> list[float]:
    raw = _first_value(params, ("buffer_widths", "buffer_m", "buffers", "buffer", "buffer_rings"))
    if raw is None:
        return [DEFAULT_BUFFER_M]
    values = raw if isinstance(raw, (list, tuple)) else [raw]
    out = [float(v) for v in values if _as_float(v) and float(v) > 0]
    return out or [DEFAULT_BUFFER_M]


def _control_geometries(result: Mapping[str, Any]) -> dict[str, list[BaseGeometry]]:
    """Control places per hotspot, if the evaluation stored them (WKT, GeoJSON or boxes)."""
    out: dict[str, list[BaseGeometry]] = {}
    for r in result.get("hotspots") or []:
        raw = r.get("controls") or r.get("control_geometries")
        if not raw:
            continue
        geoms = []
        for item in raw if isinstance(raw, list) else [raw]:
            geom = _geometry_from(item)
            if geom is not None:
                geoms.append(geom)
        if geoms:
            out.setdefault(str(r.get("name")), []).extend(geoms)
    return out


def _geometry_from(item: Any) -> BaseGeometry | None:
    from shapely.geometry import box, shape

    try:
        if isinstance(item, str):
            return shapely.from_wkt(item)
        if isinstance(item, Mapping):
            if "type" in item and "coordinates" in item:
                return shape(dict(item))
            if "geometry" in item:
                return _geometry_from(item["geometry"])
            if {"xmin", "ymin", "xmax", "ymax"} <= set(item):
                return box(item["xmin"], item["ymin"], item["xmax"], item["ymax"])
        if isinstance(item, (list, tuple)) and len(item) == 4:
            x0, y0, x1, y1 = (float(v) for v in item)
            return box(x0, y0, x1, y1)
    except Exception:
        return None
    return None


def _coverage(
    ws: Workspace,
    zones: Sequence[tuple[str, str, BaseGeometry]],
    months: Sequence[dt.date],
    start: dt.date,
    end_excl: dt.date,
) -> pd.DataFrame:
    """Events (all roles) per police zone and month: gaps show missing deliveries."""
    labels = [m.strftime("%Y-%m") for m in months]
    if not zones:
        return pd.DataFrame(columns=labels)
    ev = ws.events(start=start, end=end_excl)
    x, y = ev["x"].to_numpy(float), ev["y"].to_numpy(float)
    idx = _month_index(_local_dates(ev, ws.config.timezone), months)
    table = {}
    for code, _name, geom in zones:
        inside = shapely.contains_xy(geom, x, y) & (idx >= 0)
        table[code] = np.bincount(idx[inside], minlength=len(months))[: len(months)]
    return pd.DataFrame.from_dict(table, orient="index", columns=labels)


# --------------------------------------------------------------------------- build


def build_renewal_report(
    ws: Workspace,
    *,
    until: str | dt.date | None = None,
    lang: str = "en",
    fmt: str = "pdf",
    audience: str = "council",
    output: str | Path,
    data: RenewalData | None = None,
) -> Path:
    """Build the renewal report and write it to ``output``.

    Parameters
    ----------
    ws : Workspace
        The workspace.
    until : date or ISO string, optional
        Last day of the period under review; default the last day with data.
    lang : {"en", "fr", "nl"}
        Language.
    fmt : {"pdf", "html"}
        Output format (HTML is self-contained: figures are embedded).
    audience : {"council", "public"}
        ``public`` hides event points and suppresses counts below the workspace's
        ``disclosure_k`` everywhere.
    output : path
        File to write.
    data : RenewalData, optional
        Inputs gathered by :func:`gather_renewal` (reuse them to build several languages
        or audiences without gathering again).

    Returns
    -------
    Path
        The written file.
    """
    from hotspotwatch.report.builders import render_renewal

    if data is None:
        data = gather_renewal(ws, until=until)
    return render_renewal(data, lang=lang, fmt=fmt, audience=audience, output=Path(output))


def dumps_parameters(params: Mapping[str, Any]) -> str:
    """Compact, stable JSON of run parameters for the reproducibility footer."""
    from hotspotwatch.analysis._result import to_jsonable

    return json.dumps(to_jsonable(dict(params)), sort_keys=True, ensure_ascii=False)


__all__ = [
    "GridCounts",
    "HotspotSection",
    "MonthlySeries",
    "OutcomeRow",
    "RenewalData",
    "build_renewal_report",
    "default_until",
    "evaluation_counts",
    "evaluation_run",
    "gather_renewal",
    "quarantine_by_source",
    "verdict_label",
]
