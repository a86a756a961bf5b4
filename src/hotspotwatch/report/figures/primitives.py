"""Drawing primitives of the report's figures: style, colours, outlines, fills, harm cells.

Figures use the Agg backend and are written as PNG at a modest resolution. Every helper
draws one collection and never autoscales: the caller sets the limits.
"""

from __future__ import annotations

import io
import math
from collections.abc import Sequence
from typing import Any

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.axes import Axes
from matplotlib.colors import BoundaryNorm, ListedColormap
from matplotlib.figure import Figure
from shapely.geometry.base import BaseGeometry

from hotspotwatch.report.disclosure import Disclosure

DPI = 150
INK = "#1d2733"
MUTED = "#6b7785"
PERIMETER = "#0b4f8a"
BUFFER = "#d9822b"
TREATED_LINE = "#0b4f8a"
BUFFER_LINE = "#d9822b"
CONTROL = "#5f8f3e"
DESIGNATED_FILL = "#e8eef5"
HARM_COLOURS = ["#fff3d6", "#fdd49e", "#fc8d59", "#d7301f", "#7f0000"]
#: Harm cells of the regional map: a grey ramp, so that the places' verdict colours
#: (:data:`hotspotwatch.report.figures.charts.FOREST_COLOURS`) stand out on it.
REGION_HARM_COLOURS = ["#f0efeb", "#dcdad3", "#c3c0b7", "#a29e93", "#7d796e"]
#: A place without a verdict (not part of the evaluation).
NOT_EVALUATED = "#ffffff"
ZONE_LINE = "#3b3b3b"
COMMUNE_LINE = "#8a8f96"
STREET_LINE = "#9a9a9a"
OTHER_PERIMETER = "#6b7785"

RC: Any = {
    "font.family": "DejaVu Sans",
    "font.size": 7.5,
    "axes.edgecolor": MUTED,
    "axes.labelcolor": INK,
    "axes.linewidth": 0.6,
    "xtick.color": MUTED,
    "ytick.color": MUTED,
    "xtick.labelcolor": INK,
    "ytick.labelcolor": INK,
    "xtick.major.width": 0.5,
    "ytick.major.width": 0.5,
    "legend.frameon": False,
    "svg.fonttype": "none",
}


def png(fig: Figure) -> bytes:
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=DPI, facecolor="white", pil_kwargs={"compress_level": 2})
    plt.close(fig)
    return buf.getvalue()


def polys(geom: BaseGeometry) -> list[Any]:
    if geom is None or geom.is_empty:
        return []
    if geom.geom_type == "Polygon":
        return [geom]
    if hasattr(geom, "geoms"):
        out: list[Any] = []
        for g in geom.geoms:
            out.extend(polys(g))
        return out
    return []


def outline(ax: Axes, geom: BaseGeometry, **kw: Any) -> None:
    """Draw the rings of a (multi)polygon as lines (one collection)."""
    from matplotlib.collections import LineCollection

    segs = []
    for poly in polys(geom):
        segs.append(np.asarray(poly.exterior.coords)[:, :2])
        segs += [np.asarray(r.coords)[:, :2] for r in poly.interiors]
    if not segs:
        return
    kw = dict(kw)
    colour = kw.pop("color", INK)
    lw = kw.pop("lw", kw.pop("linewidth", 0.5))
    ls = kw.pop("ls", kw.pop("linestyle", "solid"))
    ax.add_collection(
        LineCollection(segs, colors=colour, linewidths=lw, linestyles=ls, **kw), autolim=False
    )


def lines(ax: Axes, geom: BaseGeometry, **kw: Any) -> None:
    """Draw (multi)line strings as one collection."""
    from matplotlib.collections import LineCollection

    if geom is None or geom.is_empty:
        return
    parts = list(geom.geoms) if hasattr(geom, "geoms") else [geom]
    segs = [
        np.asarray(g.coords)[:, :2] for g in parts if g.geom_type in ("LineString", "LinearRing")
    ]
    if not segs:
        return
    kw = dict(kw)
    colour = kw.pop("color", INK)
    lw = kw.pop("lw", 0.5)
    ls = kw.pop("ls", "solid")
    ax.add_collection(
        LineCollection(segs, colors=colour, linewidths=lw, linestyles=ls, **kw), autolim=False
    )


def paths(geom: BaseGeometry) -> list[Any]:
    from matplotlib.path import Path as MPath

    out = []
    for poly in polys(geom):
        verts = [np.asarray(poly.exterior.coords)[:, :2]]
        verts += [np.asarray(r.coords)[:, :2] for r in poly.interiors]
        codes = []
        for v in verts:
            c = np.full(len(v), MPath.LINETO, dtype=np.uint8)
            c[0] = MPath.MOVETO
            codes.append(c)
        out.append(MPath(np.concatenate(verts), np.concatenate(codes)))
    return out


def fill(ax: Axes, geom: BaseGeometry, **kw: Any) -> None:
    """Draw a (multi)polygon as one collection (no autoscaling: the caller sets limits)."""
    from matplotlib.collections import PathCollection

    shapes = paths(geom)
    if not shapes:
        return
    kw = dict(kw)
    face = kw.pop("facecolor", "none")
    edge = kw.pop("edgecolor", "none")
    lw = kw.pop("lw", kw.pop("linewidth", 0.5))
    ls = kw.pop("ls", kw.pop("linestyle", "solid"))
    coll = PathCollection(
        shapes,
        facecolors=face,
        edgecolors=edge,
        linewidths=lw,
        linestyles=ls,
        transform=ax.transData,
        **kw,
    )
    ax.add_collection(coll, autolim=False)


def harm_breaks(grids: Sequence[np.ndarray], disclosure: Disclosure) -> list[float]:
    """One set of class edges for the harm cells of several maps, so they compare.

    Geometric steps from 1 (the public: ``k``, the smallest count shown) to one above the
    largest count shown on any of ``grids``; at most five classes, each edge an integer.
    A cell of count ``c`` falls in class ``i`` when ``edges[i] <= c < edges[i + 1]``.

    Examples
    --------
    >>> from hotspotwatch.report.disclosure import Disclosure
    >>> harm_breaks([np.array([[0, 3]]), np.array([[40, 1]])], Disclosure("council", 5))
    [1.0, 2.0, 4.0, 9.0, 20.0, 41.0]
    """
    tops = []
    for counts in grids:
        shown = disclosure.mask(np.asarray(counts, float))
        shown[shown <= 0] = np.nan
        if np.isfinite(shown).any():
            tops.append(float(np.nanmax(shown)))
    low = float(disclosure.k) if disclosure.public else 1.0
    top = max(tops, default=low)
    if top <= low:
        return [low, low + 1]
    raw = np.unique(np.round(np.geomspace(low, top + 1, num=min(6, int(top - low) + 2))))
    edges = [float(e) for e in raw]
    return edges if len(edges) >= 2 else [low, top + 1]


def harm_layer(
    ax: Axes,
    counts: np.ndarray,
    extent: tuple[float, float, float, float],
    disclosure: Disclosure,
    *,
    alpha: float = 0.85,
    edges: Sequence[float] | None = None,
    palette: Sequence[str] = HARM_COLOURS,
) -> tuple[ListedColormap, BoundaryNorm, list[float]] | None:
    """Harm counts per cell, classed; cells below ``k`` are left blank for the public.

    ``edges``: class edges shared with other maps (:func:`harm_breaks`); by default the
    edges of these counts alone. Returns the colour map, its norm and the edges (``None``
    when no cell is shown).
    """
    shown = disclosure.mask(counts)
    shown[shown <= 0] = np.nan
    if not np.isfinite(shown).any():
        return None
    edges = list(edges) if edges is not None else harm_breaks([counts], disclosure)
    n = len(edges) - 1
    colours = [palette[round(i * (len(palette) - 1) / max(n - 1, 1))] for i in range(n)]
    cmap = ListedColormap(colours)
    norm = BoundaryNorm(edges, n)
    # A count above the last edge (not possible with shared edges) takes the top class.
    shown = np.minimum(shown, edges[-1] - 0.5)
    ax.imshow(
        np.ma.masked_invalid(shown),
        origin="lower",
        extent=(extent[0], extent[2], extent[1], extent[3]),
        cmap=cmap,
        norm=norm,
        interpolation="nearest",
        alpha=alpha,
        zorder=1,
    )
    return cmap, norm, edges


def scale_bar(
    ax: Axes, extent: tuple[float, float, float, float], label_unit: str = "m"
) -> list[Any]:
    """A scale bar in the lower left corner (about a fifth of the width, a round length).

    Returns its artists (the bar and its text, ``gid`` ``"scale_bar"``), so that labels can
    keep clear of them.
    """
    width = extent[2] - extent[0]
    target = width / 5
    nice = 10 ** math.floor(math.log10(target))
    for m in (5, 2, 1):
        if m * nice <= target:
            nice *= m
            break
    x0 = extent[0] + width * 0.05
    y0 = extent[1] + (extent[3] - extent[1]) * 0.05
    (bar,) = ax.plot(
        [x0, x0 + nice], [y0, y0], color=INK, lw=2, solid_capstyle="butt", zorder=6,
        gid="scale_bar",
    )
    text = f"{nice / 1000:g} km" if nice >= 1000 else f"{nice:g} {label_unit}"
    label = ax.text(
        x0 + nice / 2,
        y0 + width * 0.015,
        text,
        ha="center",
        va="bottom",
        fontsize=6.5,
        color=INK,
        zorder=6,
        gid="scale_bar",
        bbox={"boxstyle": "square,pad=0.1", "fc": "white", "ec": "none", "alpha": 0.7},
    )
    return [bar, label]


__all__ = [
    "BUFFER",
    "BUFFER_LINE",
    "COMMUNE_LINE",
    "CONTROL",
    "DESIGNATED_FILL",
    "DPI",
    "HARM_COLOURS",
    "INK",
    "MUTED",
    "NOT_EVALUATED",
    "OTHER_PERIMETER",
    "PERIMETER",
    "RC",
    "REGION_HARM_COLOURS",
    "STREET_LINE",
    "TREATED_LINE",
    "ZONE_LINE",
    "fill",
    "harm_breaks",
    "harm_layer",
    "lines",
    "outline",
    "paths",
    "png",
    "polys",
    "scale_bar",
]
