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




__all__ = ["emerging_result_dict", "write_alert_outputs", "write_emerging_outputs",
           "write_knox_outputs"]
