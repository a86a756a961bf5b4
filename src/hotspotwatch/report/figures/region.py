"""The regional map of the renewal report: every designated place coloured by its verdict.

Harm per display cell is drawn in greys under the places, so that the verdict colours
(:data:`~hotspotwatch.report.figures.charts.FOREST_COLOURS`, the forest plot's and the
badges' palette) read at a glance. Places are numbered as in the list under the map; the
numbers, the zone codes and the commune names are placed without overlapping
(:mod:`~hotspotwatch.report.figures.labels`), with a leader line where a number had to move
away from its place. The legend sits to the right of the map.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import matplotlib.pyplot as plt
import numpy as np
from matplotlib import patheffects
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch, PathPatch
from matplotlib.transforms import Bbox
from shapely.geometry.base import BaseGeometry

from hotspotwatch.report.disclosure import Disclosure
from hotspotwatch.report.figures import primitives as prim
from hotspotwatch.report.figures.charts import FOREST_COLOURS
from hotspotwatch.report.figures.labels import Label, box_of, place_labels
from hotspotwatch.report.figures.primitives import (
    COMMUNE_LINE,
    INK,
    NOT_EVALUATED,
    PERIMETER,
    REGION_HARM_COLOURS,
    STREET_LINE,
)

#: The order of the verdicts in the legend (the summary's order).
VERDICT_ORDER = ("reduction", "no_detectable_change", "increase", "too_early", "uncertain")
ZONE_COLOUR = "#4a4a4a"
MARKER_PT = 5.5
#: Free space (points) kept around every label box of the regional map.
LABEL_PAD_PT = 2.0
EXTRA_COLOUR = "#6a1b9a"


def verdict_colour(verdict: str | None) -> str:
    """The colour of a place on the regional map: its verdict's, white when not evaluated."""
    return FOREST_COLOURS.get(verdict or "", NOT_EVALUATED)


#: Stands for "no verdicts given": every place in the perimeter blue, one legend entry.
_UNCOLOURED = "__perimeter__"


def _clip_to(ax: Any, image: Any, region: BaseGeometry) -> None:
    """Clip the harm grid image to the region outline."""
    from matplotlib.path import Path as MPath

    verts, codes = [], []
    for poly in prim.polys(region):
        for ring in [poly.exterior, *poly.interiors]:
            v = np.asarray(ring.coords)[:, :2]
            c = np.full(len(v), MPath.LINETO)
            c[0] = MPath.MOVETO
            verts.append(v)
            codes.append(c)
    clip = PathPatch(MPath(np.concatenate(verts), np.concatenate(codes)),
                     transform=ax.transData, facecolor="none", edgecolor="none")
    ax.add_patch(clip)
    image.set_clip_path(clip)


def _marker_box(ax: Any, x: float, y: float, size_pt: float) -> Bbox:
    cx, cy = ax.transData.transform((x, y))
    half = size_pt * ax.figure.dpi / 72.0 / 2 + 1
    return Bbox.from_extents(cx - half, cy - half, cx + half, cy + half)


def regional_figure(
    *,
    region: BaseGeometry,
    zones: Sequence[tuple[str, str, BaseGeometry]],
    perimeters: Sequence[tuple[str, BaseGeometry]],
    counts: np.ndarray | None,
    extent: tuple[float, float, float, float] | None,
    extra_places: Sequence[tuple[float, float, str]],
    disclosure: Disclosure,
    labels: Mapping[str, str],
    verdicts: Sequence[str | None] | None = None,
    communes: Sequence[tuple[str, str, BaseGeometry]] = (),
    streets: BaseGeometry | None = None,
) -> Figure:
    """The regional map as a matplotlib figure (see :func:`regional_map`).

    Text labels carry a ``gid``: ``"place:<number>"``, ``"zone:<code>"``,
    ``"commune:<name>"``; each place's marker ``"marker:<number>"`` with its verdict colour.
    """
    with plt.rc_context(prim.RC):
        return _regional_figure(
            region=region, zones=zones, perimeters=perimeters, counts=counts, extent=extent,
            extra_places=extra_places, disclosure=disclosure, labels=labels,
            verdicts=verdicts, communes=communes, streets=streets,
        )


def _regional_figure(
    *,
    region: BaseGeometry,
    zones: Sequence[tuple[str, str, BaseGeometry]],
    perimeters: Sequence[tuple[str, BaseGeometry]],
    counts: np.ndarray | None,
    extent: tuple[float, float, float, float] | None,
    extra_places: Sequence[tuple[float, float, str]],
    disclosure: Disclosure,
    labels: Mapping[str, str],
    verdicts: Sequence[str | None] | None,
    communes: Sequence[tuple[str, str, BaseGeometry]],
    streets: BaseGeometry | None,
) -> Figure:
    fig = plt.figure(figsize=(6.6, 3.8), dpi=prim.DPI)
    ax = fig.add_axes((0.0, 0.0, 0.70, 1.0))
    minx, miny, maxx, maxy = region.bounds
    pad = 300
    window = (minx - pad, miny - pad, maxx + pad, maxy + pad)
    ax.set_xlim(window[0], window[2])
    ax.set_ylim(window[1], window[3])
    ax.set_aspect("equal")
    prim.fill(ax, region, facecolor="#f4f3ef", edgecolor="none", zorder=0)
    layer = None
    if counts is not None and extent is not None:
        layer = prim.harm_layer(ax, counts, extent, disclosure, alpha=0.9,
                                palette=REGION_HARM_COLOURS)
        if ax.images:
            _clip_to(ax, ax.images[-1], region)
    if streets is not None and not streets.is_empty:
        prim.lines(ax, streets.intersection(region), color=STREET_LINE, lw=0.2, alpha=0.45,
                   zorder=1.5)
    for _c, _n, cg in communes:
        prim.outline(ax, cg, color=COMMUNE_LINE, lw=0.4, zorder=2)
    for _code, _name, zg in zones:
        prim.outline(ax, zg, color=ZONE_COLOUR, lw=0.9, zorder=3)
    prim.outline(ax, region, color=INK, lw=1.0, zorder=3)
    verdict_list: list[str | None] = (
        list(verdicts) if verdicts is not None else [_UNCOLOURED] * len(perimeters)
    )
    ax.apply_aspect()
    taken: list[Bbox] = []
    for number, ((_name, g), verdict) in enumerate(zip(perimeters, verdict_list, strict=True),
                                                     start=1):
        colour = PERIMETER if verdict == _UNCOLOURED else verdict_colour(verdict)
        prim.fill(ax, g, facecolor=colour, edgecolor=INK, lw=0.4, zorder=5)
        c = g.centroid
        ax.plot([c.x], [c.y], marker="o", ms=MARKER_PT, mfc=colour, mec=INK, mew=0.6, lw=0,
                zorder=6, gid=f"marker:{number}")
        taken.append(_marker_box(ax, c.x, c.y, MARKER_PT))
    for x, y, kind in extra_places:
        marker = "D" if kind == "emerging" else "^"
        ax.plot([x], [y], marker=marker, ms=5, mfc="none", mec=EXTRA_COLOUR, mew=1.1, zorder=6)
        taken.append(_marker_box(ax, x, y, 5))
    bar = prim.scale_bar(ax, window)
    renderer = fig.canvas.get_renderer()  # type: ignore[attr-defined]
    taken += [box_of(a, renderer, 2) for a in bar]
    wanted = [
        Label(g.centroid.x, g.centroid.y, str(number), f"place:{number}", min_radius=4.0,
              style={"fontsize": 6.5, "color": INK, "fontweight": "bold"})
        for number, (_name, g) in enumerate(perimeters, start=1)
    ]
    wanted += [
        Label(*_anchor(zg), code, f"zone:{code}", max_radius=19.0,
              style={"fontsize": 7, "color": ZONE_COLOUR,
                     "bbox": {"boxstyle": "round,pad=0.15", "fc": "white", "ec": "none",
                              "alpha": 0.75}})
        for code, _name, zg in zones
    ]
    wanted += [
        Label(*_anchor(cg), name, f"commune:{name}", max_radius=13.0, optional=True,
              style={"fontsize": 5.0, "color": "#4f555c", "fontstyle": "italic",
                     "path_effects": [patheffects.withStroke(linewidth=1.6, foreground="white")]})
        for _c, name, cg in communes
    ]
    # LABEL_PAD_PT around every label box: numbers in the central cluster kept ~1.4 pt apart
    # (boxes only touching) read as one run of digits; 2 pt a side leaves a visible gap.
    place_labels(ax, wanted, taken=taken, pad=LABEL_PAD_PT * fig.dpi / 72.0, leader_from=9.0)
    ax.set_xticks([])
    ax.set_yticks([])
    for s in ax.spines.values():
        s.set_visible(False)
    _legends(fig, ax, renderer, verdict_list, extra_places, layer, labels, bool(communes),
             streets is not None and not streets.is_empty)
    return fig


def _anchor(g: BaseGeometry) -> tuple[float, float]:
    from shapely.ops import polylabel

    pieces = prim.polys(g)
    if not pieces:
        p = g.representative_point()
        return float(p.x), float(p.y)
    big = max(pieces, key=lambda p: p.area)
    p = polylabel(big, tolerance=max(big.length / 200, 1.0))
    return float(p.x), float(p.y)


def _legends(
    fig: Figure,
    ax: Any,
    renderer: Any,
    verdicts: Sequence[str | None],
    extra_places: Sequence[tuple[float, float, str]],
    layer: Any,
    labels: Mapping[str, str],
    communes: bool,
    streets: bool,
) -> None:
    """Two legends right of the map: the verdicts, then every other symbol and the steps."""
    present = [v for v in VERDICT_ORDER if v in verdicts]
    places: list[Any] = [
        Line2D([], [], marker="o", ms=MARKER_PT, mfc=verdict_colour(v), mec=INK, mew=0.6, lw=0,
               label=labels[f"verdict.{v}"])
        for v in present
    ]
    if _UNCOLOURED in verdicts:
        places = [Line2D([], [], marker="o", ms=MARKER_PT, mfc=PERIMETER, mec=INK, mew=0.6,
                         lw=0, label=labels["perimeter"])]
    elif any(v not in VERDICT_ORDER for v in verdicts):
        places.append(Line2D([], [], marker="o", ms=MARKER_PT, mfc=NOT_EVALUATED, mec=INK,
                             mew=0.6, lw=0, label=labels["verdict.none"]))
    title = None if _UNCOLOURED in verdicts else labels["verdict_title"]
    first = ax.legend(handles=places, loc="upper left", bbox_to_anchor=(1.0, 1.0),
                      fontsize=6.5, title=title, title_fontsize=7,
                      alignment="left")
    first.get_title().set_color(INK)
    ax.add_artist(first)
    handles: list[Any] = [Line2D([], [], color=ZONE_COLOUR, lw=0.9, label=labels["zone_border"])]
    if communes:
        handles.append(Line2D([], [], color=COMMUNE_LINE, lw=0.6, label=labels["commune_border"]))
    if streets:
        handles.append(Line2D([], [], color=STREET_LINE, lw=0.6, label=labels["streets"]))
    if any(k == "undesignated" for _x, _y, k in extra_places):
        handles.append(Line2D([], [], marker="^", lw=0, mfc="none", mec=EXTRA_COLOUR,
                              label=labels["undesignated"]))
    if any(k == "emerging" for _x, _y, k in extra_places):
        handles.append(Line2D([], [], marker="D", lw=0, mfc="none", mec=EXTRA_COLOUR,
                              label=labels["emerging"]))
    if layer is not None:
        cmap, _norm, edges = layer
        handles.append(Patch(facecolor="none", edgecolor="none", label=labels["legend_title"]))
        for i in range(len(edges) - 1):
            lo, hi = int(edges[i]), int(edges[i + 1]) - 1
            text = f"{lo}–{hi}" if hi > lo else f"{lo}"
            handles.append(Patch(facecolor=cmap(i), edgecolor="#b9b6ad", lw=0.3, label=text))
    top = first.get_window_extent(renderer)
    y = ax.transAxes.inverted().transform((0, top.y0 - 4))[1]
    ax.legend(handles=handles, loc="upper left", bbox_to_anchor=(1.0, y), fontsize=6.5,
              alignment="left")


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
    verdicts: Sequence[str | None] | None = None,
    communes: Sequence[tuple[str, str, BaseGeometry]] = (),
    streets: BaseGeometry | None = None,
) -> bytes:
    """The region as a PNG: every designated place (numbered) in the colour of its verdict,
    harm per cell in greys, zones and communes with their names, streets when present, and
    the places flagged by the detection workflow (undesignated or emerging hot spots).

    ``verdicts`` (one per perimeter: ``reduction``, ``no_detectable_change``, ``increase``,
    ``too_early``, ``uncertain`` or ``None`` when not evaluated) colour the places with
    :data:`~hotspotwatch.report.figures.charts.FOREST_COLOURS`; without ``verdicts`` every
    place is drawn in the perimeter blue under one legend entry (``labels["perimeter"]``). ``labels`` needs
    ``zone_border, undesignated, emerging, legend_title, verdict_title, verdict.<label>``
    for each verdict shown, ``verdict.none`` when a place has none, and
    ``commune_border``/``streets`` when those layers are drawn.
    """
    fig = regional_figure(
        region=region, zones=zones, perimeters=perimeters, counts=counts, extent=extent,
        extra_places=extra_places, disclosure=disclosure, labels=labels, verdicts=verdicts,
        communes=communes, streets=streets,
    )
    with plt.rc_context(prim.RC):
        return prim.png(fig)


__all__ = ["VERDICT_ORDER", "regional_figure", "regional_map", "verdict_colour"]
