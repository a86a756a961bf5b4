"""Maps of the renewal report: one hotspot with its rings (here) and the region
(:mod:`~hotspotwatch.report.figures.region`).

Drawn from geometries and prepared counts: no web tiles, no network. Text comes from the
caller (already translated). Public maps never show event points and leave cells below
``k`` blank (:class:`~hotspotwatch.report.disclosure.Disclosure`).

A hotspot's map is a square window with the legend, the colour steps and the locator map in
a strip below it, so nothing covers the map. Labels (zones, communes) are placed inside the
map without overlapping (:mod:`~hotspotwatch.report.figures.labels`); a scale bar sits in its
lower left corner. Every place's map uses the same colour steps when the caller passes the
shared ``breaks`` (:func:`~hotspotwatch.report.figures.primitives.harm_breaks`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import matplotlib.pyplot as plt
import numpy as np
import shapely
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch, Rectangle
from shapely.geometry.base import BaseGeometry

from hotspotwatch.report.disclosure import Disclosure
from hotspotwatch.report.figures import primitives as prim
from hotspotwatch.report.figures.labels import Label, box_of, place_labels
from hotspotwatch.report.figures.primitives import (
    BUFFER,
    COMMUNE_LINE,
    CONTROL,
    INK,
    MUTED,
    OTHER_PERIMETER,
    PERIMETER,
    STREET_LINE,
    ZONE_LINE,
)
from hotspotwatch.report.figures.region import regional_figure, regional_map

#: Width of the map (inches: a report column), its height, and the height of the strip
#: below it (legend, colour steps, locator map). The square window of the place is shown
#: a little cropped at the top and bottom (its margin), never into the buffer rings.
MAP_SIDE_IN = 3.1
MAP_HEIGHT_IN = 2.45
STRIP_IN = 0.6

ZONE_STYLE: dict[str, Any] = {"color": ZONE_LINE, "lw": 1.1, "ls": (0, (6, 2, 1, 2))}
COMMUNE_STYLE: dict[str, Any] = {"color": COMMUNE_LINE, "lw": 0.6, "ls": "solid"}
STREET_STYLE: dict[str, Any] = {"color": STREET_LINE, "lw": 0.35, "alpha": 0.8}
OTHER_STYLE: dict[str, Any] = {"color": OTHER_PERIMETER, "lw": 0.9, "ls": (0, (2, 1.5))}


def _area_anchor(part: BaseGeometry, keep_off: BaseGeometry) -> tuple[float, float]:
    """Where to label an area seen through the map window: the point farthest inside its
    largest piece away from the place (polylabel), else inside the part."""
    from shapely.ops import polylabel

    away = part.difference(keep_off)
    target = away if not away.is_empty and away.area > 0.15 * part.area else part
    pieces = prim.polys(target)
    if not pieces:
        p = target.representative_point()
        return float(p.x), float(p.y)
    big = max(pieces, key=lambda g: g.area)
    p = polylabel(big, tolerance=max(big.length / 200, 1.0))
    return float(p.x), float(p.y)


def area_labels(
    window: BaseGeometry,
    areas: Sequence[tuple[str, BaseGeometry]],
    keep_off: BaseGeometry,
    *,
    gid: str,
    min_share: float,
    optional: bool,
    style: Mapping[str, Any],
) -> list[Label]:
    """One label per area covering at least ``min_share`` of ``window``, largest first."""
    parts = []
    for text, g in areas:
        part = g.intersection(window)
        if part.is_empty or part.area < min_share * window.area:
            continue
        parts.append((part.area, text, part))
    parts.sort(key=lambda r: (-r[0], r[1]))
    out = []
    for _a, text, part in parts:
        x, y = _area_anchor(part, keep_off)
        out.append(
            Label(x, y, text, f"{gid}:{text}", optional=optional, max_radius=26.0,
                  style=dict(style))
        )
    return out


def hotspot_figure(
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
    breaks: Sequence[float] | None = None,
    communes: Sequence[tuple[str, str, BaseGeometry]] = (),
    streets: BaseGeometry | None = None,
) -> Figure:
    """The map of one hotspot as a matplotlib figure (see :func:`hotspot_map`).

    Labels carry a ``gid``: ``"zone:<label>"``, ``"commune:<name>"``; the scale bar
    ``"scale_bar"``; the map is ``fig.axes[0]``.
    """
    with plt.rc_context(prim.RC):
        return _hotspot_figure(
            perimeter=perimeter, buffer_rings=buffer_rings, counts=counts, extent=extent,
            zones=zones, other_perimeters=other_perimeters, points=points, region=region,
            controls=controls, disclosure=disclosure, labels=labels, breaks=breaks,
            communes=communes, streets=streets,
        )


def _hotspot_figure(
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
    breaks: Sequence[float] | None,
    communes: Sequence[tuple[str, str, BaseGeometry]],
    streets: BaseGeometry | None,
) -> Figure:
    side, strip = MAP_SIDE_IN, STRIP_IN
    shown = _shown_window(extent, perimeter, buffer_rings, MAP_HEIGHT_IN / side)
    map_h = side * (shown[3] - shown[1]) / (shown[2] - shown[0])
    height = map_h + strip
    public = disclosure.public
    show_points = points is not None and len(points) > 0 and not public
    fig = plt.figure(figsize=(side, height), dpi=prim.DPI)
    ax = fig.add_axes((0.0, strip / height, 1.0, map_h / height))
    ax.set_xlim(shown[0], shown[2])
    ax.set_ylim(shown[1], shown[3])
    ax.set_aspect("equal")
    ax.set_facecolor("#f7f7f4")
    layer = prim.harm_layer(ax, counts, extent, disclosure, edges=breaks)
    win = shapely.box(*shown)
    # Only the neighbours the window shows are drawn (and so listed in the legend).
    other_perimeters = [g for g in other_perimeters if g.intersects(win)]
    if streets is not None and not streets.is_empty:
        prim.lines(ax, shapely.clip_by_rect(streets, *shown), zorder=1.5, **STREET_STYLE)
    for _code, _n, cg in communes:
        prim.lines(ax, cg.boundary.intersection(win.buffer(50)), zorder=2, **COMMUNE_STYLE)
    for g in other_perimeters:
        prim.fill(ax, g, facecolor="none", edgecolor=OTHER_STYLE["color"], lw=OTHER_STYLE["lw"],
                  ls=OTHER_STYLE["ls"], zorder=3)
    for _code, _n, zg in zones:
        prim.lines(ax, zg.boundary.intersection(win.buffer(50)), zorder=4, **ZONE_STYLE)
    for ring in buffer_rings:
        prim.fill(ax, ring, facecolor="none", edgecolor=BUFFER, lw=1.0, ls=(0, (3, 2)), zorder=4)
    prim.fill(ax, perimeter, facecolor="none", edgecolor=PERIMETER, lw=2.0, zorder=5)
    if show_points:
        assert points is not None
        ax.scatter(points[:, 0], points[:, 1], s=1.5, c=INK, lw=0, alpha=0.55, zorder=5)
    bar = prim.scale_bar(ax, shown)
    ax.set_xticks([])
    ax.set_yticks([])
    for s in ax.spines.values():
        s.set_color(MUTED)
        s.set_linewidth(0.6)
    # Labels: zones first (required), then communes (left out where no room is free).
    keep_off = shapely.union_all([perimeter, *buffer_rings]).buffer(60)
    box_style = {"boxstyle": "round,pad=0.18", "fc": "white", "ec": "none", "alpha": 0.8}
    wanted = area_labels(
        win, [(f"{labels['zone']} {code}", zg) for code, _n, zg in zones], keep_off,
        gid="zone", min_share=0.02, optional=False,
        style={"fontsize": 6.3, "color": ZONE_LINE, "fontweight": "bold", "bbox": box_style},
    )
    wanted += area_labels(
        win, [(name, cg) for _c, name, cg in communes], keep_off,
        gid="commune", min_share=0.03, optional=True,
        style={"fontsize": 5.8, "color": "#4f555c", "fontstyle": "italic", "bbox": box_style},
    )
    renderer = fig.canvas.get_renderer()  # type: ignore[attr-defined]
    ax.apply_aspect()
    centre_box = box_of(_data_box(ax, perimeter.bounds), renderer)
    place_labels(ax, wanted, taken=[box_of(a, renderer, 2) for a in bar] + [centre_box])

    handles: list[Any] = [
        Line2D([], [], color=PERIMETER, lw=2.0, label=labels["perimeter"]),
        Line2D([], [], color=BUFFER, lw=1.0, ls=(0, (3, 2)), label=labels["buffer"]),
    ]
    if other_perimeters:
        handles.append(Line2D([], [], label=labels["other_perimeter"], **OTHER_STYLE))
    handles.append(Line2D([], [], label=labels["zone_border"], **ZONE_STYLE))
    if communes:
        handles.append(Line2D([], [], label=labels["commune_border"], **COMMUNE_STYLE))
    if streets is not None and not streets.is_empty:
        handles.append(Line2D([], [], label=labels["streets"], color=STREET_LINE, lw=0.6))
    if show_points:
        handles.append(Line2D([], [], marker="o", ms=2, lw=0, color=INK, label=labels["events"]))
    if controls:
        handles.append(Patch(facecolor=CONTROL, edgecolor=CONTROL, label=labels["controls"]))
    inset_w = (strip - 0.04) / side
    fig.legend(
        handles=handles,
        loc="upper left",
        bbox_to_anchor=(inset_w + 0.02, (strip - 0.03) / height),
        ncol=2,
        fontsize=5.2,
        handlelength=1.9,
        handletextpad=0.5,
        columnspacing=0.9,
        labelspacing=0.22,
        borderaxespad=0.0,
        borderpad=0.0,
        frameon=False,
    )
    if region is not None and not region.is_empty:
        _locator(fig, (0.005, 0.02 / height, inset_w, (strip - 0.04) / height), region, zones,
                 controls, perimeter, extent)
    if layer is not None:
        cmap, norm, edges = layer
        left = inset_w + 0.025
        title = fig.text(left, 0.115 / height, labels["cell_legend"], fontsize=5.2, color=INK,
                         ha="left", va="center")
        title_w = title.get_window_extent(renderer).width / (fig.dpi * side)
        bar_left = left + title_w + 0.02
        cax = fig.add_axes((bar_left, 0.09 / height, 0.975 - bar_left, 0.05 / height))
        cb = fig.colorbar(
            plt.cm.ScalarMappable(norm=norm, cmap=cmap), cax=cax, orientation="horizontal"
        )
        # Class i holds counts edges[i] .. edges[i+1] - 1: the ticks name the first count
        # of each class and the last count of the top class.
        cb.set_ticks([*edges[:-1], edges[-1]])
        cb.ax.set_xticklabels([f"{int(e)}" for e in edges[:-1]] + [f"{int(edges[-1]) - 1}"],
                              fontsize=5.0)
        cb.ax.tick_params(length=1.2, pad=0.8)
        cb.outline.set_linewidth(0.3)
    return fig


def _shown_window(
    extent: tuple[float, float, float, float],
    perimeter: BaseGeometry,
    rings: Sequence[BaseGeometry],
    ratio: float,
) -> tuple[float, float, float, float]:
    """``extent`` cut to ``ratio`` (height / width) about its middle, or whole when the cut
    would reach the perimeter or its rings."""
    w = extent[2] - extent[0]
    cy = (extent[1] + extent[3]) / 2
    lo, hi = cy - ratio * w / 2, cy + ratio * w / 2
    outer = shapely.union_all([perimeter, *rings]).bounds
    if ratio >= (extent[3] - extent[1]) / w or outer[1] < lo + 20 or outer[3] > hi - 20:
        return extent
    return (extent[0], lo, extent[2], hi)


def _data_box(ax: Any, bounds: tuple[float, float, float, float]) -> Any:
    """A rectangle patch (not drawn) over ``bounds``, to ask its display box."""
    r = Rectangle((bounds[0], bounds[1]), bounds[2] - bounds[0], bounds[3] - bounds[1],
                  transform=ax.transData, visible=False)
    ax.add_patch(r)
    return r


def _locator(
    fig: Figure,
    rect: tuple[float, float, float, float],
    region: BaseGeometry,
    zones: Sequence[tuple[str, str, BaseGeometry]],
    controls: Sequence[BaseGeometry],
    perimeter: BaseGeometry,
    extent: tuple[float, float, float, float],
) -> None:
    """The small map of the region below the map: where the place is, where the window is,
    and the comparison areas."""
    inset = fig.add_axes(rect)
    prim.fill(inset, region, facecolor="#eceae4", edgecolor=MUTED, lw=0.5)
    for _c, _n, zg in zones:
        prim.outline(inset, zg, color=MUTED, lw=0.3)
    if controls:  # one collection for every cell (hundreds of them): one draw call
        prim.fill(inset, shapely.MultiPolygon([p for g in controls for p in prim.polys(g)]),
                  facecolor=CONTROL, edgecolor=CONTROL, lw=0.5)
    inset.add_patch(Rectangle((extent[0], extent[1]), extent[2] - extent[0],
                              extent[3] - extent[1], fill=False, ec=INK, lw=0.6, zorder=3))
    centre = perimeter.centroid
    inset.plot([centre.x], [centre.y], marker="o", ms=2.5, color="#c0392b", mec="white",
               mew=0.4, zorder=4)
    minx, miny, maxx, maxy = region.bounds
    inset.set_xlim(minx, maxx)
    inset.set_ylim(miny, maxy)
    inset.set_aspect("equal")
    inset.set_xticks([])
    inset.set_yticks([])
    inset.set_facecolor("white")
    for s in inset.spines.values():
        s.set_visible(False)


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
    breaks: Sequence[float] | None = None,
    communes: Sequence[tuple[str, str, BaseGeometry]] = (),
    streets: BaseGeometry | None = None,
) -> bytes:
    """Map of one hotspot as a PNG: harm counts per cell, perimeter, buffer rings, zone and
    commune borders with their names, streets when the workspace has them, the scale bar.

    Below the map: the legend (every symbol drawn, neighbouring perimeters included), the
    colour steps (``breaks``: the same for every place, from
    :func:`~hotspotwatch.report.figures.primitives.harm_breaks`) and a locator map of the
    region with the map window and the comparison areas. ``points`` (council only) are drawn
    as small dots; public maps never get them.

    ``labels`` needs ``perimeter, buffer, zone_border, harm_cells, events, controls,
    cell_legend, zone`` and, when those layers are drawn, ``other_perimeter,
    commune_border, streets``.
    """
    with plt.rc_context(prim.RC):
        fig = hotspot_figure(
            perimeter=perimeter, buffer_rings=buffer_rings, counts=counts, extent=extent,
            zones=zones, other_perimeters=other_perimeters, points=points, region=region,
            controls=controls, disclosure=disclosure, labels=labels, breaks=breaks,
            communes=communes, streets=streets,
        )
        return prim.png(fig)


__all__ = ["area_labels", "hotspot_figure", "hotspot_map", "regional_figure", "regional_map"]
