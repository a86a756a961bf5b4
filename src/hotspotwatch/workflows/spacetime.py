"""Space-time workflows: Knox near-repeat table, near-repeat alert, emerging hot spots.

Reads events through the Workspace, calls ``analysis.spacetime``, records each run and
writes outputs (JSON, GeoJSON, PNG) to a folder on request.
"""

from __future__ import annotations

import datetime as dt
import json
import math
from collections.abc import Iterable, Sequence
from dataclasses import fields
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from hotspotwatch.analysis._result import to_jsonable
from hotspotwatch.analysis.spacetime import (
    EmergingHotspotsResult,
    KnoxResult,
    NearRepeatAlert,
    alert_summary,
    alert_zones,
    emerging_hotspots,
    emerging_summary,
    knox,
    knox_summary,
    near_repeat_alert,
    space_time_cube,
    time_step_index,
)
from hotspotwatch.domain.taxonomy import category_label

DEFAULT_SPACE_BANDS: tuple[float, ...] = (0, 100, 200, 300, 400, math.inf)
DEFAULT_TIME_BANDS: tuple[float, ...] = (0, 7, 14, 21, 28, math.inf)
STEPS = ("week", "month", "quarter")


def local_days(occurred_at: pd.Series, timezone: str) -> np.ndarray:
    """Whole calendar days (since 1970-01-01) of UTC instants in the workspace time zone."""
    ts = pd.to_datetime(occurred_at, utc=True).dt.tz_convert(timezone).dt.tz_localize(None)
    return ((ts.dt.normalize() - pd.Timestamp("1970-01-01")) // pd.Timedelta(days=1)).to_numpy(
        dtype=float)


def _events(ws: Any, categories: Iterable[str] | None, roles: Iterable[str] | None,
            start: Any, end: Any) -> pd.DataFrame:
    frame = ws.events(categories=list(categories) if categories else None,
                      roles=list(roles) if roles else None, start=start, end=end)
    if len(frame) < 2:
        raise ValueError("fewer than 2 events match the filters; widen --category/--start/--end")
    return frame


def _event_label(ws: Any, categories: Sequence[str] | None, lang: str) -> str:
    if categories and len(categories) == 1:
        return category_label(categories[0], lang, getattr(ws, "taxonomy", None)).lower()
    return {"en": "incident", "fr": "incident", "nl": "incident"}.get(lang, "incident")


def run_knox(
    ws: Any,
    *,
    categories: Sequence[str] | None = None,
    roles: Sequence[str] | None = None,
    start: Any = None,
    end: Any = None,
    space_bands: Sequence[float] = DEFAULT_SPACE_BANDS,
    time_bands: Sequence[float] = DEFAULT_TIME_BANDS,
    metric: str = "manhattan",
    permutations: int = 999,
    seed: int | None = None,
    same_location: bool = False,
    same_day: bool = False,
    alpha: float = 0.05,
    lang: str = "en",
    record: bool = True,
) -> dict[str, Any]:
    """Knox near-repeat table for the filtered events, with alert and summaries.

    Returns
    -------
    dict
        ``knox`` (KnoxResult), ``alert`` (NearRepeatAlert), ``summary`` and
        ``alert_summary`` (lists of sentences), ``n_events`` and ``run_id``.
    """
    frame = _events(ws, categories, roles, start, end)
    days = local_days(frame["occurred_at"], ws.config.timezone)
    result = knox(frame["x"].to_numpy(float), frame["y"].to_numpy(float), days, space_bands,
                  time_bands, metric=metric,  # type: ignore[arg-type]
                  permutations=permutations, seed=seed, same_location=same_location,
                  same_day=same_day)
    event = _event_label(ws, categories, lang)
    alert = near_repeat_alert(result, alpha=alpha) if permutations else None
    out: dict[str, Any] = {
        "knox": result,
        "alert": alert,
        "summary": knox_summary(result, lang, event=event, alpha=alpha) if permutations else [],
        "alert_summary": alert_summary(alert, lang, event=event) if alert else [],
        "n_events": len(frame),
        "run_id": None,
    }
    if record:
        params = {"categories": list(categories or []), "roles": list(roles or []),
                  "start": str(start) if start else None, "end": str(end) if end else None,
                  "space_bands": [float(v) for v in space_bands],
                  "time_bands": [float(v) for v in time_bands], "metric": metric,
                  "permutations": permutations, "seed": result.seed,
                  "same_location": same_location, "same_day": same_day, "alpha": alpha}
        out["run_id"] = ws.record_run("spacetime.knox", to_jsonable(params), {
            "knox": result.to_dict(), "alert": alert.to_dict() if alert else None})
    return out


def knox_from_dict(data: dict[str, Any]) -> KnoxResult:
    """Rebuild a KnoxResult from its ``to_dict()`` (JSON turns inf/NaN into None)."""
    values: dict[str, Any] = {}
    for f in fields(KnoxResult):
        v = data[f.name]
        if f.name in ("space_labels", "time_labels"):
            values[f.name] = tuple(v)
        elif f.name == "observed":
            values[f.name] = np.asarray(v, dtype=np.int64)
        elif isinstance(v, list):
            arr = np.array(v, dtype=object)
            arr[arr == None] = np.nan  # noqa: E711 - elementwise on an object array
            arr = arr.astype(float)
            if f.name in ("space_bands", "time_bands"):
                arr[np.isnan(arr)] = np.inf
            values[f.name] = arr
        else:
            values[f.name] = v
    return KnoxResult(**values)


def run_alert(
    ws: Any,
    *,
    x: float,
    y: float,
    when: dt.date,
    alpha: float = 0.05,
    lang: str = "en",
    event: str = "incident",
    **knox_kwargs: Any,
) -> dict[str, Any]:
    """Alert area and days for a new incident at ``(x, y)`` on ``when``.

    Uses the latest recorded Knox run when the data have not changed since (same data
    fingerprint), otherwise fits a new table with ``knox_kwargs``.
    """
    latest = ws.latest_run("spacetime.knox")
    result: KnoxResult | None = None
    if latest and not knox_kwargs and latest.get("data_fingerprint") == ws.data_fingerprint():
        result = knox_from_dict(latest["result"]["knox"])
    if result is None or result.permutations == 0:
        result = run_knox(ws, lang=lang, alpha=alpha, **knox_kwargs)["knox"]
    alert = near_repeat_alert(result, alpha=alpha)
    day0 = dt.date(1970, 1, 1)
    t_day = float((when - day0).days)
    zones = [(geom, day0 + dt.timedelta(days=int(until)))
             for geom, until in alert_zones(alert, x, y, t_day)]
    return {"alert": alert, "knox": result, "zones": zones, "x": x, "y": y, "when": when,
            "summary": alert_summary(alert, lang, event=event)}


def _step_edges(start: pd.Timestamp, end: pd.Timestamp, step: str) -> pd.DatetimeIndex:
    freq = {"week": "W-MON", "month": "MS", "quarter": "QS"}[step]
    first = start.to_period({"week": "W-SUN", "month": "M", "quarter": "Q"}[step]).start_time
    edges = pd.date_range(first, end + pd.Timedelta(days=1), freq=freq)
    if len(edges) == 0 or edges[0] > first:
        edges = edges.insert(0, first)
    if edges[-1] <= end:
        edges = edges.append(pd.DatetimeIndex([edges[-1] + pd.tseries.frequencies.to_offset(freq)]))
    return edges


def run_emerging(
    ws: Any,
    *,
    categories: Sequence[str] | None = None,
    roles: Sequence[str] | None = None,
    start: Any = None,
    end: Any = None,
    cell_size: float = 250.0,
    step: str = "month",
    distance: float | None = None,
    time_window: int = 1,
    alpha: float = 0.05,
    lang: str = "en",
    record: bool = True,
) -> dict[str, Any]:
    """Emerging hot spot analysis on a square grid × calendar steps (workspace time zone).

    Returns
    -------
    dict
        ``result`` (EmergingHotspotsResult), ``cells`` (GeoDataFrame with ``category``),
        ``steps`` (step start dates), ``summary`` and ``run_id``.
    """
    import geopandas as gpd

    from hotspotwatch.geo.grid import make_grid

    if step not in STEPS:
        raise ValueError(f"step must be one of {', '.join(STEPS)}; got {step!r}")
    frame = _events(ws, categories, roles, start, end)
    x = frame["x"].to_numpy(float)
    y = frame["y"].to_numpy(float)
    try:
        area = ws.study_area()
    except Exception:  # no region layer: the events' extent is the study area
        area = None
    if area is not None and getattr(area, "is_empty", False):
        area = None
    grid = make_grid(area, points=(x, y), cell_size=cell_size)
    rows, cols = grid.cell_index(x, y)
    ny, nx = grid.shape
    flat_cells = np.flatnonzero(grid.mask.ravel())
    lookup = np.full(ny * nx, -1)
    lookup[flat_cells] = np.arange(flat_cells.size)
    ok = rows >= 0
    cell = np.full(x.size, -1)
    cell[ok] = lookup[rows[ok] * nx + cols[ok]]
    cx_all, cy_all = grid.centres()
    cx = np.asarray(cx_all).ravel()[flat_cells]
    cy = np.asarray(cy_all).ravel()[flat_cells]

    local = pd.to_datetime(frame["occurred_at"], utc=True).dt.tz_convert(
        ws.config.timezone).dt.tz_localize(None)
    edges = _step_edges(local.min(), local.max(), step)
    step_of = time_step_index(local.to_numpy().astype("datetime64[s]").astype(np.int64),
                              edges.to_numpy().astype("datetime64[s]").astype(np.int64))
    cube = space_time_cube(cell, step_of, cell_x=cx, cell_y=cy, n_steps=len(edges) - 1)
    result = emerging_hotspots(cube.counts, cx, cy,
                               distance=distance if distance else 1.5 * grid.cell_size,
                               time_window=time_window, alpha=alpha)
    polys = np.asarray(grid.polygons())  # already restricted to the mask, row-major
    cells = gpd.GeoDataFrame({
        "cell": np.arange(flat_cells.size),
        "category": list(result.category),
        "total": cube.counts.sum(axis=1),
        "trend_z": result.trend_z,
        "count_trend_p": result.count_trend_p,
        "hot_steps": result.hot.sum(axis=1),
        "cold_steps": result.cold.sum(axis=1),
    }, geometry=list(polys), crs=ws.config.crs)
    out: dict[str, Any] = {
        "result": result,
        "cells": cells,
        "steps": [d.date() for d in edges[:-1]],
        "summary": emerging_summary(result, lang),
        "n_events": len(frame),
        "run_id": None,
    }
    if record:
        params = {"categories": list(categories or []), "roles": list(roles or []),
                  "start": str(start) if start else None, "end": str(end) if end else None,
                  "cell_size": grid.cell_size, "step": step,
                  "distance": result.distance, "time_window": time_window, "alpha": alpha}
        out["run_id"] = ws.record_run("spacetime.emerging", params, {
            "category_counts": result.category_counts,
            "steps": [str(s) for s in out["steps"]],
            "cells": [{"cell": int(i), "category": c} for i, c in enumerate(result.category)
                      if c != "no_pattern"],
        })
    return out


# ---------------------------------------------------------------- outputs (files)

def write_knox_outputs(run: dict[str, Any], folder: Path) -> list[Path]:
    """``knox.json`` and ``knox_ratios.png`` (Knox ratio heat map, p <= 0.05 outlined)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    folder.mkdir(parents=True, exist_ok=True)
    res: KnoxResult = run["knox"]
    paths = [folder / "knox.json", folder / "knox_ratios.png"]
    paths[0].write_text(json.dumps(to_jsonable({
        "knox": res, "alert": run.get("alert"), "summary": run.get("summary")}),
        indent=2, ensure_ascii=False), encoding="utf-8")
    fig, ax = plt.subplots(figsize=(1.6 + 1.3 * len(res.time_labels),
                                    1.2 + 0.6 * len(res.space_labels)))
    ratio = np.nan_to_num(res.ratio, nan=1.0)
    im = ax.imshow(ratio, cmap="RdBu_r", vmin=0, vmax=max(2.0, float(ratio.max())))
    for i in range(ratio.shape[0]):
        for j in range(ratio.shape[1]):
            sig = res.p_value[i, j] <= 0.05 and ratio[i, j] > 1
            ax.text(j, i, f"{ratio[i, j]:.2f}", ha="center", va="center",
                    fontweight="bold" if sig else "normal", fontsize=8)
    ax.set_xticks(range(len(res.time_labels)), [f"{s} d" for s in res.time_labels])
    ax.set_yticks(range(len(res.space_labels)), [f"{s} m" for s in res.space_labels])
    ax.set_title("Knox ratio (bold: p ≤ 0.05)")
    fig.colorbar(im, ax=ax, shrink=0.8)
    fig.tight_layout()
    fig.savefig(paths[1], dpi=120)
    plt.close(fig)
    return paths


def write_alert_outputs(run: dict[str, Any], folder: Path, crs: str) -> list[Path]:
    """``alert.geojson``: one ring per zone with the day the alert ends (WGS84)."""
    import geopandas as gpd

    folder.mkdir(parents=True, exist_ok=True)
    alert: NearRepeatAlert = run["alert"]
    rows = [{"inner_m": z.inner_m, "outer_m": z.outer_m, "days": z.days,
             "until": until.isoformat(), "max_ratio": z.max_ratio}
            for z, (_, until) in zip(alert.zones, run["zones"], strict=True)]
    frame = gpd.GeoDataFrame(rows, geometry=[g for g, _ in run["zones"]], crs=crs)
    path = folder / "alert.geojson"
    frame.to_crs("EPSG:4326").to_file(path, driver="GeoJSON")
    return [path]


def write_emerging_outputs(run: dict[str, Any], folder: Path) -> list[Path]:
    """``emerging.geojson`` (cells with a category, WGS84) and ``emerging.png`` (map)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    folder.mkdir(parents=True, exist_ok=True)
    cells = run["cells"]
    paths = [folder / "emerging.geojson", folder / "emerging.png"]
    cells.to_crs("EPSG:4326").to_file(paths[0], driver="GeoJSON")
    colours = {"new_hot": "#fdd49e", "consecutive_hot": "#fdbb84", "intensifying_hot": "#d7301f",
               "persistent_hot": "#ef6548", "diminishing_hot": "#fc8d59",
               "sporadic_hot": "#fee8c8", "oscillating_hot": "#e7298a",
               "historical_hot": "#bdbdbd", "no_pattern": "#f7f7f7"}
    fig, ax = plt.subplots(figsize=(7, 6))
    for cat, group in cells.groupby("category"):
        group.plot(ax=ax, color=colours.get(str(cat), "#6baed6"), linewidth=0,
                   label=str(cat).replace("_", " "))
    ax.set_axis_off()
    ax.legend(loc="lower left", fontsize=7, frameon=False)
    ax.set_title("Emerging hot spots")
    fig.tight_layout()
    fig.savefig(paths[1], dpi=120)
    plt.close(fig)
    return paths


def emerging_result_dict(result: EmergingHotspotsResult) -> dict[str, Any]:
    """Compact JSON view (per-location categories and counts, not the full cube)."""
    return {"category_counts": result.category_counts, "category": list(result.category),
            "distance": result.distance, "time_window": result.time_window,
            "alpha": result.alpha, "correction": result.correction}


def run_recent_alerts(
    ws: Any,
    *,
    category: str = "shooting",
    days: int = 30,
    as_of: dt.date | None = None,
    alpha: float = 0.05,
    lang: str = "en",
    record: bool = True,
) -> dict[str, Any]:
    """Near-repeat alerts for every ``category`` incident of the last ``days`` days.

    Uses the latest Knox run for the same data (see :func:`run_alert`). Each alert lists the
    incident's place (x/y in the workspace CRS and lon/lat), its day, the alert radius and the
    last day of raised risk; the run is recorded as ``spacetime.alerts`` with
    ``{"alerts": [...]}`` for the dashboard (event-level: only roles allowed to see events get it).

    Returns
    -------
    dict
        ``alerts`` (list of dicts), ``as_of`` and ``run_id``.
    """
    frame = ws.events(categories=[category])
    if frame.empty:
        return {"alerts": [], "as_of": as_of, "run_id": None}
    local = frame["occurred_at"].dt.tz_convert(ws.config.timezone)
    last = as_of or local.max().date()
    recent = frame[(local.dt.date > last - dt.timedelta(days=days)) & (local.dt.date <= last)]
    alerts: list[dict[str, Any]] = []
    for row in recent.itertuples(index=False):
        when = pd.Timestamp(row.occurred_at).tz_convert(ws.config.timezone).date()
        run = run_alert(ws, x=float(row.x), y=float(row.y), when=when, alpha=alpha, lang=lang,
                        event=category)
        alert = run["alert"]
        until = max((u for _, u in run["zones"]), default=when)
        alerts.append({
            "event_id": int(row.event_id), "category": category, "x": float(row.x), "y": float(row.y),
            "lon": float(row.lon), "lat": float(row.lat), "when": when.isoformat(),
            "until": until.isoformat(), "active": until >= last, "elevated": bool(alert.elevated),
            "radius_m": float(alert.radius_m), "days": float(alert.days),
            "summary": run["summary"],
        })
    out: dict[str, Any] = {"alerts": alerts, "as_of": last.isoformat(), "run_id": None}
    if record:
        out["run_id"] = ws.record_run(
            "spacetime.alerts", {"category": category, "days": days, "as_of": last.isoformat(), "alpha": alpha},
            {"alerts": alerts, "as_of": last.isoformat()},
        )
    return out
