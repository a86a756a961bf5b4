"""Files written by the space-time commands: Knox JSON and heat map, alert GeoJSON, emerging
hot spot cells (GeoJSON) and map (PNG)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np

from hotspotwatch.analysis._result import to_jsonable
from hotspotwatch.analysis.spacetime import EmergingHotspotsResult, KnoxResult, NearRepeatAlert


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


def emerging_figure(cells: Any, *, title: str = "Emerging hot spots") -> Any:
    """Figure of the cells coloured by emerging-hot-spot category: one distinct colour per
    ArcGIS Pro category (:data:`~.detect_maps.EMERGING_COLOURS`), a legend of the categories
    present with their cell counts, km axes and a scale bar."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib.patches import Patch

    from hotspotwatch.analysis.spacetime.emerging import CATEGORIES
    from hotspotwatch.workflows.detect_maps import EMERGING_COLOURS, map_axes

    fig, ax = plt.subplots(figsize=(8, 6))
    counts = cells["category"].astype(str).value_counts()
    handles = []
    for cat in CATEGORIES:
        if cat not in counts.index:
            continue
        group = cells[cells["category"].astype(str) == cat]
        colour = EMERGING_COLOURS[cat]
        group.plot(ax=ax, color=colour, linewidth=0.1, edgecolor="#bdbdbd")
        handles.append(Patch(facecolor=colour, edgecolor="#636363", linewidth=0.5,
                             label=f"{cat.replace('_', ' ')} ({int(counts[cat])})"))
    crs = cells.crs.to_string() if getattr(cells, "crs", None) is not None else None
    if handles:
        ax.legend(handles=handles, loc="upper left", bbox_to_anchor=(1.01, 1.0), fontsize=7,
                  frameon=False, title="category (cells)", title_fontsize=8)
    ax.set_title(title)
    map_axes(ax, crs)
    fig.tight_layout()
    return fig


def write_emerging_outputs(run: dict[str, Any], folder: Path) -> list[Path]:
    """``emerging.geojson`` (cells with a category, WGS84) and ``emerging.png`` (map)."""
    import matplotlib.pyplot as plt

    folder.mkdir(parents=True, exist_ok=True)
    cells = run["cells"]
    paths = [folder / "emerging.geojson", folder / "emerging.png"]
    cells.to_crs("EPSG:4326").to_file(paths[0], driver="GeoJSON")
    fig = emerging_figure(cells)
    fig.savefig(paths[1], dpi=120, bbox_inches="tight")
    plt.close(fig)
    return paths


def emerging_result_dict(result: EmergingHotspotsResult) -> dict[str, Any]:
    """Compact JSON view (per-location categories and counts, not the full cube)."""
    return {"category_counts": result.category_counts, "category": list(result.category),
            "distance": result.distance, "time_window": result.time_window,
            "alpha": result.alpha, "correction": result.correction}


__all__ = ["emerging_figure", "emerging_result_dict", "write_alert_outputs", "write_emerging_outputs",
           "write_knox_outputs"]
