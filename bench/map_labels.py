"""Labels of the report's maps on a real workspace: how many, how many overlap, how many leave
the map (issue 17, "maps people can find their way on").

Run: ``.venv/bin/python bench/map_labels.py --workspace DIR [--until D] [--lang en]``; writes
``bench/results/map_labels.json``. It gathers the renewal report's inputs (stored runs are
reused; pass a copy of the workspace, e.g. of the Brussels demo, since a run it lacks is
computed and stored), draws every place's map and the regional map exactly as the report does
(``hotspotwatch.report.figures``, the shared colour steps, the communes, the streets) and
measures the rendered text boxes (matplotlib ``get_window_extent`` at the PNG's resolution):
pairs of labels that intersect, labels outside the map axes, and the place numbers that
needed a leader line. Target: no overlap, nothing outside, every place and zone labelled.
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path
from typing import Any

RESULTS = Path(__file__).resolve().parent / "results" / "map_labels.json"


def _outside(fig: Any, texts: list[Any]) -> int:
    r = fig.canvas.get_renderer()
    frame = fig.axes[0].get_window_extent(r)
    n = 0
    for t in texts:
        b = t.get_window_extent(r)
        if b.x0 < frame.x0 or b.y0 < frame.y0 or b.x1 > frame.x1 or b.y1 > frame.y1:
            n += 1
    return n


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workspace", required=True, type=Path)
    parser.add_argument("--until", default=None)
    parser.add_argument("--lang", default="en", choices=["en", "fr", "nl"])
    args = parser.parse_args()

    import matplotlib.pyplot as plt

    from hotspotwatch import Workspace
    from hotspotwatch.report import figures
    from hotspotwatch.report.context import ALL_VERDICTS, verdict_of
    from hotspotwatch.report.disclosure import Disclosure
    from hotspotwatch.report.figures.labels import overlapping
    from hotspotwatch.report.regional import commune_names
    from hotspotwatch.report.render import NEIGHBOUR_M
    from hotspotwatch.workflows.report import gather_renewal

    ws = Workspace.open(args.workspace)
    try:
        data = gather_renewal(ws, until=args.until)
    finally:
        ws.close()
    d = Disclosure("council", data.disclosure_k)
    keys = ["perimeter", "buffer", "zone_border", "harm_cells", "events", "controls",
            "cell_legend", "zone", "other_perimeter", "commune_border", "streets"]
    labels = {k: k for k in keys}
    communes = commune_names(data, args.lang)
    breaks = figures.harm_breaks([s.grid.counts for s in data.hotspots], d)
    perimeters = [(s.name, s.geometry) for s in data.hotspots]
    places = []
    t0 = time.perf_counter()
    for sec in data.hotspots:
        near = sec.geometry.buffer(NEIGHBOUR_M)
        fig = figures.hotspot_figure(
            perimeter=sec.geometry, buffer_rings=sec.rings, counts=sec.grid.counts,
            extent=sec.grid.extent, zones=data.zones,
            other_perimeters=[g for n, g in perimeters if n != sec.name and g.intersects(near)],
            points=sec.points, region=data.region, controls=sec.controls, disclosure=d,
            labels=labels, breaks=breaks, communes=communes, streets=data.streets,
        )
        fig.set_dpi(figures.primitives.DPI)
        fig.canvas.draw()
        texts = [t for t in fig.axes[0].texts
                 if str(t.get_gid()).startswith(("zone:", "commune:"))]
        places.append({
            "place": sec.name,
            "zone_labels": sum(str(t.get_gid()).startswith("zone:") for t in texts),
            "commune_labels": sum(str(t.get_gid()).startswith("commune:") for t in texts),
            "overlapping_pairs": len(overlapping(texts, fig.canvas.get_renderer())),
            "outside_map": _outside(fig, texts),
        })
        plt.close(fig)
    seconds_places = time.perf_counter() - t0
    region = {}
    if data.region is not None:
        grid = data.region_grid
        rl = {k: k for k in ("zone_border", "undesignated", "emerging", "legend_title",
                             "verdict_title", "verdict.none", "commune_border", "streets",
                             "perimeter")}
        rl.update({f"verdict.{v}": v for v in ALL_VERDICTS})
        fig = figures.regional_figure(
            region=data.region, zones=data.zones, perimeters=perimeters,
            counts=grid.counts if grid is not None else None,
            extent=grid.extent if grid is not None else None,
            extra_places=[(float(i.x), float(i.y), "undesignated")
                          for i in (data.coverage.undesignated if data.coverage else [])],
            disclosure=d, labels=rl, verdicts=[verdict_of(s.evaluation) for s in data.hotspots],
            communes=communes, streets=data.streets,
        )
        fig.set_dpi(figures.primitives.DPI)
        fig.canvas.draw()
        ax = fig.axes[0]
        texts = [t for t in ax.texts
                 if str(t.get_gid()).startswith(("place:", "zone:", "commune:"))]
        region = {
            "places": len(perimeters),
            "place_labels": sum(str(t.get_gid()).startswith("place:") for t in texts),
            "zones": len(data.zones),
            "zone_labels": sum(str(t.get_gid()).startswith("zone:") for t in texts),
            "communes": len(communes),
            "commune_labels": sum(str(t.get_gid()).startswith("commune:") for t in texts),
            "leader_lines": sum(str(x.get_gid()).startswith("leader:") for x in ax.lines),
            "overlapping_pairs": len(overlapping(texts, fig.canvas.get_renderer())),
            "outside_map": _outside(fig, texts),
        }
        plt.close(fig)
    out = {
        "workspace": str(args.workspace),
        "until": str(data.until),
        "lang": args.lang,
        "colour_steps": breaks,
        "streets": data.streets is not None,
        "place_maps": places,
        "place_maps_total": {
            "labels": sum(p["zone_labels"] + p["commune_labels"] for p in places),
            "overlapping_pairs": sum(p["overlapping_pairs"] for p in places),
            "outside_map": sum(p["outside_map"] for p in places),
            "seconds": round(seconds_places, 2),
        },
        "regional_map": region,
    }
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(out, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    print(json.dumps({"place_maps_total": out["place_maps_total"], "regional_map": region}))


if __name__ == "__main__":
    main()
