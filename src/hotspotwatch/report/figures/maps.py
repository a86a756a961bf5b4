"""Maps of the renewal report: one hotspot with its rings, and the region.

Drawn from geometries and prepared counts: no web tiles, no network. Text comes from the
caller (already translated). Public maps never show event points and leave cells below
``k`` blank (:class:`~hotspotwatch.report.disclosure.Disclosure`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import matplotlib.pyplot as plt
import numpy as np
import shapely
from matplotlib.lines import Line2D
from matplotlib.patches import Patch
from shapely.geometry.base import BaseGeometry

from hotspotwatch.report.disclosure import Disclosure
from hotspotwatch.report.figures import primitives as prim
from hotspotwatch.report.figures.primitives import BUFFER, CONTROL, INK, MUTED, PERIMETER


def hotspot_map(
    *,
    perimeter: BaseGeometry,
    buffer_rings: Sequence[BaseGeometry],
    counts: np.ndarray,
    extent: tuple[float, float, float, float],
    zones: Sequence[tuple[str, str, BaseGeometry]],
    other_perimeters: Sequence[BaseGeometry],
    points: np.ndarray | None,
    region: BaseGeometry | None,
    controls: Sequence[BaseGeometry],
    disclosure: Disclosure,
    labels: Mapping[str, str],
) -> bytes:
    """Map of one hotspot: harm counts per cell, perimeter, buffer rings, zone borders.

    An inset locates the place in the region and shows the control places, if any.
    ``points`` (council only) are drawn as small dots; public maps never get them.
    """
    with plt.rc_context(prim.RC):
        fig = plt.figure(figsize=(3.1, 3.1))
        ax = fig.add_axes((0.0, 0.0, 1.0, 1.0))
        ax.set_xlim(extent[0], extent[2])
        ax.set_ylim(extent[1], extent[3])
        ax.set_aspect("equal")
        ax.set_facecolor("#f7f7f4")
        layer = prim.harm_layer(ax, counts, extent, disclosure)
        for g in other_perimeters:
            prim.fill(ax, g, facecolor="none", edgecolor=PERIMETER, lw=0.8, ls=(0, (2, 1.5)), zorder=3)
        from shapely.geometry import box

        win = box(*extent)
        clipped = [(code, zg.intersection(win)) for code, _n, zg in zones]
        for _code, _n, zg in zones:
            prim.lines(
                ax,
                zg.boundary.intersection(win.buffer(50)),
                color="#3b3b3b",
                lw=1.1,
                ls=(0, (6, 2, 1, 2)),
                zorder=4,
            )
        for ring in buffer_rings:
            prim.fill(ax, ring, facecolor="none", edgecolor=BUFFER, lw=1.0, ls=(0, (3, 2)), zorder=4)
        prim.fill(ax, perimeter, facecolor="none", edgecolor=PERIMETER, lw=2.0, zorder=5)
        if points is not None and len(points) and not disclosure.public:
            ax.scatter(points[:, 0], points[:, 1], s=1.5, c=INK, lw=0, alpha=0.55, zorder=5)
        # Zone codes where a zone covers part of the window.
        for code, zg in clipped:
            part = zg.intersection(win)
            if part.is_empty or part.area < 0.04 * win.area:
                continue
            # Keep the zone label off the perimeter and its buffer.
            away = part.difference(shapely.union_all([perimeter, *buffer_rings]).buffer(60))
            p = (away if not away.is_empty else part).representative_point()
            ax.text(
                p.x,
                p.y,
                f"{labels['zone']} {code}",
                fontsize=6.5,
                color="#3b3b3b",
                ha="center",
                va="center",
                zorder=6,
                bbox={"boxstyle": "round,pad=0.2", "fc": "white", "ec": "none", "alpha": 0.75},
            )
        prim.scale_bar(ax, extent)
        ax.set_xticks([])
        ax.set_yticks([])
        for s in ax.spines.values():
            s.set_color(MUTED)
            s.set_linewidth(0.6)
        handles: list[Any] = [
            Line2D([], [], color=PERIMETER, lw=2.0, label=labels["perimeter"]),
            Line2D([], [], color=BUFFER, lw=1.0, ls=(0, (3, 2)), label=labels["buffer"]),
            Line2D(
                [], [], color="#3b3b3b", lw=1.1, ls=(0, (6, 2, 1, 2)), label=labels["zone_border"]
            ),
        ]
        if layer is not None:
            cmap, norm, edges = layer
            handles.append(Patch(facecolor=cmap(cmap.N - 1), label=labels["harm_cells"]))
        if points is not None and len(points) and not disclosure.public:
            handles.append(
                Line2D([], [], marker="o", ms=2, lw=0, color=INK, label=labels["events"])
            )
        ax.legend(
            handles=handles,
            loc="upper left",
            fontsize=6,
            handlelength=2.2,
            frameon=True,
            facecolor="white",
            edgecolor="none",
            framealpha=0.85,
        ).set_zorder(10)
        if region is not None and not region.is_empty:
            inset = fig.add_axes((0.70, 0.70, 0.29, 0.29))
            prim.fill(inset, region, facecolor="#eceae4", edgecolor=MUTED, lw=0.5)
            for _c, _n, zg in zones:
                prim.outline(inset, zg, color=MUTED, lw=0.3)
            for cg in controls:
                prim.fill(inset, cg, facecolor=CONTROL, edgecolor=CONTROL, lw=0.5)
            centre = perimeter.centroid
            inset.plot(
                [centre.x], [centre.y], marker="o", ms=3.5, color="#c0392b", mec="white", mew=0.5
            )
            minx, miny, maxx, maxy = region.bounds
            inset.set_xlim(minx, maxx)
            inset.set_ylim(miny, maxy)
            inset.set_aspect("equal")
            inset.set_xticks([])
            inset.set_yticks([])
            inset.set_facecolor("white")
            for s in inset.spines.values():
                s.set_color(MUTED)
                s.set_linewidth(0.4)
            if controls:
                inset.text(
                    0.5,
                    -0.02,
                    labels["controls"],
                    transform=inset.transAxes,
                    ha="center",
                    va="top",
                    fontsize=5.5,
                    color=CONTROL,
                )
        if layer is not None:
            cmap, norm, edges = layer
            from matplotlib.patches import Rectangle

            # A white card behind the colour scale keeps its ticks legible over dark cells.
            fig.patches.append(
                Rectangle(
                    (0.675, 0.005),
                    0.315,
                    0.105,
                    transform=fig.transFigure,
                    facecolor="white",
                    edgecolor="none",
                    alpha=0.88,
                    zorder=0.5,
                )
            )
            cax = fig.add_axes((0.70, 0.075, 0.26, 0.025))
            cax.set_zorder(1)
            cb = fig.colorbar(
                plt.cm.ScalarMappable(norm=norm, cmap=cmap), cax=cax, orientation="horizontal"
            )
            cb.set_ticks([*edges[:-1], edges[-1]])
            cb.ax.set_xticklabels([f"{int(e)}" for e in edges[:-1]] + [""], fontsize=5.5)
            cb.outline.set_linewidth(0.3)
            cax.set_title(labels["cell_legend"], fontsize=5.5, color=INK, pad=2)
        return prim.png(fig)


def regional_map(
    *,
    region: BaseGeometry,
    zones: Sequence[tuple[str, str, BaseGeometry]],
    perimeters: Sequence[tuple[str, BaseGeometry]],
    counts: np.ndarray | None,
    extent: tuple[float, float, float, float] | None,
    extra_places: Sequence[tuple[float, float, str]],
    disclosure: Disclosure,
    labels: Mapping[str, str],
) -> bytes:
    """The region: harm per cell, zones, designated perimeters (numbered) and places
    flagged by the detection workflow (undesignated or emerging statistical hotspots)."""
    with plt.rc_context(prim.RC):
        fig = plt.figure(figsize=(6.6, 3.8))
        ax = fig.add_axes((0.0, 0.0, 0.70, 1.0))
        minx, miny, maxx, maxy = region.bounds
        pad = 300
        ax.set_xlim(minx - pad, maxx + pad)
        ax.set_ylim(miny - pad, maxy + pad)
        ax.set_aspect("equal")
        prim.fill(ax, region, facecolor="#f4f3ef", edgecolor="none", zorder=0)
        layer = None
        if counts is not None and extent is not None:
            layer = prim.harm_layer(ax, counts, extent, disclosure, alpha=0.9)
            # Clip the grid to the region outline.
            if ax.images:
                from matplotlib.patches import PathPatch
                from matplotlib.path import Path as MPath

                verts, codes = [], []
                for poly in prim.polys(region):
                    for ring in [poly.exterior, *poly.interiors]:
                        v = np.asarray(ring.coords)
                        c = np.full(len(v), MPath.LINETO)
                        c[0] = MPath.MOVETO
                        verts.append(v)
                        codes.append(c)
                clip = PathPatch(
                    MPath(np.concatenate(verts), np.concatenate(codes)),
                    transform=ax.transData,
                    facecolor="none",
                    edgecolor="none",
                )
                ax.add_patch(clip)
                ax.images[-1].set_clip_path(clip)
        for code, _name, zg in zones:
            prim.outline(ax, zg, color="#4a4a4a", lw=0.8)
            p = zg.representative_point()
            ax.text(
                p.x,
                p.y,
                code,
                fontsize=7,
                color="#4a4a4a",
                ha="center",
                va="center",
                bbox={"boxstyle": "round,pad=0.15", "fc": "white", "ec": "none", "alpha": 0.7},
                zorder=7,
            )
        prim.outline(ax, region, color=INK, lw=1.0)
        for number, (_name, g) in enumerate(perimeters, start=1):
            prim.fill(ax, g, facecolor=PERIMETER, edgecolor=PERIMETER, lw=0.8, alpha=0.9, zorder=5)
            centre = g.centroid
            ax.annotate(
                str(number),
                (centre.x, centre.y),
                xytext=(4, 4),
                textcoords="offset points",
                fontsize=6.5,
                color=PERIMETER,
                fontweight="bold",
                zorder=8,
            )
        for x, y, kind in extra_places:
            marker = "D" if kind == "emerging" else "^"
            ax.plot([x], [y], marker=marker, ms=5, mfc="none", mec="#6a1b9a", mew=1.1, zorder=6)
        prim.scale_bar(ax, (minx - pad, miny - pad, maxx + pad, maxy + pad))
        ax.set_xticks([])
        ax.set_yticks([])
        for s in ax.spines.values():
            s.set_visible(False)
        handles: list[Any] = [
            Patch(facecolor=PERIMETER, label=labels["perimeter"]),
            Line2D([], [], color="#4a4a4a", lw=0.8, label=labels["zone_border"]),
        ]
        if any(k == "undesignated" for _x, _y, k in extra_places):
            handles.append(
                Line2D(
                    [],
                    [],
                    marker="^",
                    lw=0,
                    mfc="none",
                    mec="#6a1b9a",
                    label=labels["undesignated"],
                )
            )
        if any(k == "emerging" for _x, _y, k in extra_places):
            handles.append(
                Line2D(
                    [], [], marker="D", lw=0, mfc="none", mec="#6a1b9a", label=labels["emerging"]
                )
            )
        if layer is not None:
            cmap, _norm, edges = layer
            for i in range(len(edges) - 1):
                lo, hi = int(edges[i]), int(edges[i + 1]) - 1
                text = f"{lo}–{hi}" if hi > lo else f"{lo}"
                handles.append(Patch(facecolor=cmap(i), label=text))
        leg = ax.legend(
            handles=handles,
            loc="upper left",
            bbox_to_anchor=(1.0, 1.0),
            fontsize=6.5,
            title=labels["legend_title"],
            title_fontsize=7,
            alignment="left",
        )
        leg.get_title().set_color(INK)
        return prim.png(fig)


__all__ = ["hotspot_map", "regional_map"]
