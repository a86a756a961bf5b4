"""Figures of the renewal report (matplotlib, Agg backend, PNG at a modest resolution).

Every figure is drawn from geometries and prepared counts: no web tiles, no network. Text on
the figures comes from the caller (already translated), so one function serves every
language. Public figures never show event points, and mask or bracket counts below ``k``
(:class:`~hotspotwatch.report.disclosure.Disclosure`).
"""

from __future__ import annotations

import datetime as dt
import io
import math
from collections.abc import Mapping, Sequence
from typing import Any

import matplotlib

matplotlib.use("Agg")

import matplotlib.dates as mdates
import matplotlib.pyplot as plt
import numpy as np
import shapely
from matplotlib.axes import Axes
from matplotlib.colors import BoundaryNorm, ListedColormap
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch
from shapely.geometry.base import BaseGeometry

from hotspotwatch.domain.designation import Period
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

_RC: Any = {
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


def _png(fig: Figure) -> bytes:
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=DPI, facecolor="white", pil_kwargs={"compress_level": 2})
    plt.close(fig)
    return buf.getvalue()


def _polys(geom: BaseGeometry) -> list[Any]:
    if geom is None or geom.is_empty:
        return []
    if geom.geom_type == "Polygon":
        return [geom]
    if hasattr(geom, "geoms"):
        out: list[Any] = []
        for g in geom.geoms:
            out.extend(_polys(g))
        return out
    return []


def _outline(ax: Axes, geom: BaseGeometry, **kw: Any) -> None:
    """Draw the rings of a (multi)polygon as lines (one collection)."""
    from matplotlib.collections import LineCollection

    segs = []
    for poly in _polys(geom):
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


def _lines(ax: Axes, geom: BaseGeometry, **kw: Any) -> None:
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


def _paths(geom: BaseGeometry) -> list[Any]:
    from matplotlib.path import Path as MPath

    out = []
    for poly in _polys(geom):
        verts = [np.asarray(poly.exterior.coords)[:, :2]]
        verts += [np.asarray(r.coords)[:, :2] for r in poly.interiors]
        codes = []
        for v in verts:
            c = np.full(len(v), MPath.LINETO, dtype=np.uint8)
            c[0] = MPath.MOVETO
            codes.append(c)
        out.append(MPath(np.concatenate(verts), np.concatenate(codes)))
    return out


def _fill(ax: Axes, geom: BaseGeometry, **kw: Any) -> None:
    """Draw a (multi)polygon as one collection (no autoscaling: the caller sets limits)."""
    from matplotlib.collections import PathCollection

    paths = _paths(geom)
    if not paths:
        return
    kw = dict(kw)
    face = kw.pop("facecolor", "none")
    edge = kw.pop("edgecolor", "none")
    lw = kw.pop("lw", kw.pop("linewidth", 0.5))
    ls = kw.pop("ls", kw.pop("linestyle", "solid"))
    coll = PathCollection(
        paths,
        facecolors=face,
        edgecolors=edge,
        linewidths=lw,
        linestyles=ls,
        transform=ax.transData,
        **kw,
    )
    ax.add_collection(coll, autolim=False)


def _harm_layer(
    ax: Axes,
    counts: np.ndarray,
    extent: tuple[float, float, float, float],
    disclosure: Disclosure,
    *,
    alpha: float = 0.85,
) -> tuple[ListedColormap, BoundaryNorm, list[float]] | None:
    """Harm counts per cell, classed; cells below ``k`` are left blank for the public."""
    shown = disclosure.mask(counts)
    shown[shown <= 0] = np.nan
    if not np.isfinite(shown).any():
        return None
    top = float(np.nanmax(shown))
    low = float(disclosure.k) if disclosure.public else 1.0
    if top <= low:
        edges = [low, low + 1]
    else:
        raw = np.unique(np.round(np.geomspace(low, top + 1, num=min(6, int(top - low) + 2))))
        edges = [float(e) for e in raw]
        if len(edges) < 2:
            edges = [low, top + 1]
    n = len(edges) - 1
    colours = [HARM_COLOURS[round(i * (len(HARM_COLOURS) - 1) / max(n - 1, 1))] for i in range(n)]
    cmap = ListedColormap(colours)
    norm = BoundaryNorm(edges, n)
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


def _scale_bar(ax: Axes, extent: tuple[float, float, float, float], label_unit: str = "m") -> None:
    width = extent[2] - extent[0]
    target = width / 5
    nice = 10 ** math.floor(math.log10(target))
    for m in (5, 2, 1):
        if m * nice <= target:
            nice *= m
            break
    x0 = extent[0] + width * 0.05
    y0 = extent[1] + (extent[3] - extent[1]) * 0.05
    ax.plot([x0, x0 + nice], [y0, y0], color=INK, lw=2, solid_capstyle="butt", zorder=6)
    text = f"{nice / 1000:g} km" if nice >= 1000 else f"{nice:g} {label_unit}"
    ax.text(
        x0 + nice / 2,
        y0 + width * 0.015,
        text,
        ha="center",
        va="bottom",
        fontsize=6.5,
        color=INK,
        zorder=6,
    )


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
    with plt.rc_context(_RC):
        fig = plt.figure(figsize=(3.1, 3.1))
        ax = fig.add_axes((0.0, 0.0, 1.0, 1.0))
        ax.set_xlim(extent[0], extent[2])
        ax.set_ylim(extent[1], extent[3])
        ax.set_aspect("equal")
        ax.set_facecolor("#f7f7f4")
        layer = _harm_layer(ax, counts, extent, disclosure)
        for g in other_perimeters:
            _fill(ax, g, facecolor="none", edgecolor=PERIMETER, lw=0.8, ls=(0, (2, 1.5)), zorder=3)
        from shapely.geometry import box

        win = box(*extent)
        clipped = [(code, zg.intersection(win)) for code, _n, zg in zones]
        for _code, _n, zg in zones:
            _lines(
                ax,
                zg.boundary.intersection(win.buffer(50)),
                color="#3b3b3b",
                lw=1.1,
                ls=(0, (6, 2, 1, 2)),
                zorder=4,
            )
        for ring in buffer_rings:
            _fill(ax, ring, facecolor="none", edgecolor=BUFFER, lw=1.0, ls=(0, (3, 2)), zorder=4)
        _fill(ax, perimeter, facecolor="none", edgecolor=PERIMETER, lw=2.0, zorder=5)
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
        _scale_bar(ax, extent)
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
            _fill(inset, region, facecolor="#eceae4", edgecolor=MUTED, lw=0.5)
            for _c, _n, zg in zones:
                _outline(inset, zg, color=MUTED, lw=0.3)
            for cg in controls:
                _fill(inset, cg, facecolor=CONTROL, edgecolor=CONTROL, lw=0.5)
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
        return _png(fig)


def trend_chart(
    *,
    months: Sequence[dt.date],
    treated: np.ndarray,
    buffer: np.ndarray,
    periods: Sequence[Period],
    until: dt.date,
    disclosure: Disclosure,
    labels: Mapping[str, str],
) -> bytes:
    """Monthly harm events in the perimeter and its buffer, designation periods shaded.

    For the public, a month with fewer than ``k`` events is not drawn as a value but as a
    bracket spanning 0 to k−1 (the range the true count lies in).
    """
    with plt.rc_context(_RC):
        fig, ax = plt.subplots(figsize=(3.1, 2.1))
        fig.subplots_adjust(left=0.145, right=0.98, top=0.84, bottom=0.14)
        x = np.array([np.datetime64(m, "D") + np.timedelta64(14, "D") for m in months])
        for p in periods:
            end = p.end or (until + dt.timedelta(days=1))
            ax.axvspan(
                mdates.date2num(p.start),
                mdates.date2num(end),
                color=DESIGNATED_FILL,
                lw=0,
                zorder=0,
            )
            ax.axvline(mdates.date2num(p.start), color=PERIMETER, lw=0.8, ls=":", zorder=1)
        top = 0.0
        for series, colour, marker in ((treated, TREATED_LINE, "o"), (buffer, BUFFER_LINE, "s")):
            shown = disclosure.mask(series)
            ax.plot(x, shown, color=colour, lw=1.2, marker=marker, ms=2.2, zorder=3)
            hidden = disclosure.public & ~np.isfinite(shown)
            if np.any(hidden):
                ax.vlines(
                    x[hidden], 0, disclosure.k - 1, color=colour, lw=2.2, alpha=0.35, zorder=2
                )
            if np.isfinite(shown).any():
                top = max(top, float(np.nanmax(shown)))
        top = max(top, float(disclosure.k) if disclosure.public else 1.0)
        ax.set_ylim(0, top * 1.15 + 0.5)
        ax.xaxis.set_major_locator(mdates.MonthLocator(bymonth=(1, 7)))
        ax.xaxis.set_major_formatter(mdates.DateFormatter("%m/%y"))
        ax.yaxis.set_major_locator(plt.MaxNLocator(5, integer=True))
        ax.spines[["top", "right"]].set_visible(False)
        ax.set_ylabel(labels["per_month"])
        ax.grid(axis="y", color="#e3e3e3", lw=0.5, zorder=0)
        handles: list[Any] = [
            Line2D([], [], color=TREATED_LINE, lw=1.2, marker="o", ms=2.2, label=labels["treated"]),
            Line2D([], [], color=BUFFER_LINE, lw=1.2, marker="s", ms=2.2, label=labels["buffer"]),
            Patch(facecolor=DESIGNATED_FILL, label=labels["designated"]),
        ]
        if disclosure.public:
            handles.append(
                Line2D([], [], color=MUTED, lw=2.2, alpha=0.5, label=labels["suppressed"])
            )
        ax.legend(
            handles=handles,
            loc="lower left",
            bbox_to_anchor=(0.0, 1.0),
            ncol=2,
            fontsize=6,
            handlelength=1.8,
            columnspacing=1.0,
            borderaxespad=0.2,
        )
        return _png(fig)


def forest_plot(
    *,
    rows: Sequence[tuple[str, float | None, float | None, float | None, str | None]],
    pooled: tuple[float | None, float | None, float | None] | None,
    labels: Mapping[str, str],
) -> bytes:
    """Rate ratios with 95 % intervals per hotspot (alphabetical) and the pooled estimate.

    ``rows`` are ``(name, irr, ci_low, ci_high, verdict label)``.
    """
    colour_of = {"reduction": "#2e7d32", "increase": "#b23b3b"}
    n = len(rows) + (2 if pooled else 0)
    with plt.rc_context(_RC):
        fig, ax = plt.subplots(figsize=(4.1, 0.11 * n + 0.55))
        fig.subplots_adjust(
            left=0.43, right=0.98, top=1 - 0.2 / (0.11 * n + 0.55), bottom=0.42 / (0.11 * n + 0.55)
        )
        ys = np.arange(len(rows))[::-1] + (2 if pooled else 0)
        lo_all, hi_all = [1.0], [1.0]
        for y, (_name, irr, lo, hi, verdict) in zip(ys, rows, strict=True):
            if irr is None:
                continue
            c = colour_of.get(verdict or "", INK)
            if lo is not None and hi is not None:
                ax.plot([lo, hi], [y, y], color=c, lw=1.1)
                lo_all.append(lo)
                hi_all.append(hi)
            ax.plot([irr], [y], marker="s", ms=3.8, color=c)
        if pooled and pooled[0] is not None:
            p_irr = float(pooled[0])
            p_lo = float(pooled[1]) if pooled[1] is not None else p_irr
            p_hi = float(pooled[2]) if pooled[2] is not None else p_irr
            ax.fill([p_lo, p_irr, p_hi, p_irr], [0.5, 0.8, 0.5, 0.2], color=PERIMETER)
            lo_all.append(p_lo)
            hi_all.append(p_hi)
            ax.axhline(1.25, color="#cccccc", lw=0.5)
        ax.axvline(1.0, color=MUTED, lw=0.7, ls="--")
        ax.set_xscale("log")
        lo_x = max(min(lo_all) / 1.15, 0.05)
        hi_x = min(max(hi_all) * 1.15, 20.0)
        ax.set_xlim(lo_x, hi_x)
        ticks = [
            t for t in (0.1, 0.2, 0.3, 0.5, 0.7, 1.0, 1.5, 2.0, 3.0, 5.0, 10.0) if lo_x <= t <= hi_x
        ]
        ax.set_xticks(ticks)
        ax.set_xticklabels([f"{t:g}" for t in ticks])
        ax.minorticks_off()
        ytick_pos = list(ys) + ([0.5] if pooled else [])
        ytick_lab = [r[0] for r in rows] + ([labels["pooled"]] if pooled else [])
        ax.set_yticks(ytick_pos)
        ax.set_yticklabels(ytick_lab, fontsize=6.8)
        ax.set_ylim(-0.2 if pooled else -0.7, n - 0.3)
        ax.spines[["top", "right", "left"]].set_visible(False)
        ax.tick_params(axis="y", length=0)
        ax.set_xlabel(labels["axis"])
        ax.text(
            0.0,
            1.0,
            labels["fewer"],
            transform=ax.transAxes,
            ha="left",
            va="bottom",
            fontsize=6,
            color="#2e7d32",
        )
        ax.text(
            1.0,
            1.0,
            labels["more"],
            transform=ax.transAxes,
            ha="right",
            va="bottom",
            fontsize=6,
            color="#b23b3b",
        )
        return _png(fig)


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
    """The region: harm per cell, police zones, designated perimeters (numbered) and places
    flagged by the detection workflow (undesignated or emerging statistical hotspots)."""
    with plt.rc_context(_RC):
        fig = plt.figure(figsize=(6.6, 4.3))
        ax = fig.add_axes((0.0, 0.0, 0.70, 1.0))
        minx, miny, maxx, maxy = region.bounds
        pad = 300
        ax.set_xlim(minx - pad, maxx + pad)
        ax.set_ylim(miny - pad, maxy + pad)
        ax.set_aspect("equal")
        _fill(ax, region, facecolor="#f4f3ef", edgecolor="none", zorder=0)
        layer = None
        if counts is not None and extent is not None:
            layer = _harm_layer(ax, counts, extent, disclosure, alpha=0.9)
            # Clip the grid to the region outline.
            if ax.images:
                from matplotlib.patches import PathPatch
                from matplotlib.path import Path as MPath

                verts, codes = [], []
                for poly in _polys(region):
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
            _outline(ax, zg, color="#4a4a4a", lw=0.8)
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
        _outline(ax, region, color=INK, lw=1.0)
        for number, (_name, g) in enumerate(perimeters, start=1):
            _fill(ax, g, facecolor=PERIMETER, edgecolor=PERIMETER, lw=0.8, alpha=0.9, zorder=5)
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
        _scale_bar(ax, (minx - pad, miny - pad, maxx + pad, maxy + pad))
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
        return _png(fig)


def coverage_chart(
    *,
    table: np.ndarray,
    rows: Sequence[str],
    columns: Sequence[str],
    disclosure: Disclosure,
    labels: Mapping[str, str],
) -> bytes:
    """Events per police zone and month as a heat strip; a gap (white) means no data.

    For the public, months with fewer than ``k`` events in a zone are hatched, not valued.
    """
    with plt.rc_context(_RC):
        fig, ax = plt.subplots(figsize=(6.6, 0.28 * max(len(rows), 1) + 0.8))
        fig.subplots_adjust(
            left=0.1, right=0.86, top=0.95, bottom=0.35 / (0.28 * max(len(rows), 1) + 0.8)
        )
        shown = disclosure.mask(table.astype(float))
        if np.isfinite(shown).any():
            rel = shown / np.nanmax(shown, axis=1, keepdims=True).clip(min=1)
        else:
            rel = shown
        im = ax.imshow(
            np.ma.masked_invalid(rel),
            aspect="auto",
            cmap="Blues",
            vmin=0,
            vmax=1,
            interpolation="nearest",
        )
        hidden = ~np.isfinite(shown)
        yy, xx = np.nonzero(hidden)
        for r, c in zip(yy, xx, strict=True):
            ax.add_patch(
                plt.Rectangle(
                    (c - 0.5, r - 0.5), 1, 1, fill=False, hatch="////", edgecolor="#b0b0b0", lw=0
                )
            )
        ax.set_yticks(range(len(rows)))
        ax.set_yticklabels(rows)
        # One tick per January (columns are "YYYY-MM"), labelled with the year.
        jan = [i for i, c in enumerate(columns) if str(c).endswith("-01")] or [0]
        ax.set_xticks(jan)
        ax.set_xticklabels([str(columns[i])[:4] for i in jan])
        ax.tick_params(length=0)
        cb = fig.colorbar(im, ax=ax, fraction=0.03, pad=0.01)
        cb.set_label(labels["relative"], fontsize=6)
        cb.outline.set_linewidth(0.3)
        return _png(fig)


__all__ = ["coverage_chart", "forest_plot", "hotspot_map", "regional_map", "trend_chart"]
