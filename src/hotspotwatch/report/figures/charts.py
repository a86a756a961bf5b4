"""Charts of the renewal report: monthly series, forest plot, data coverage strip.

Series are drawn as given (the evaluation's anchored months, the coverage table's calendar
months); nothing is counted here. For the public, a value below ``k`` is drawn as a range,
never as a value.
"""

from __future__ import annotations

import datetime as dt
import itertools
from collections.abc import Callable, Mapping, Sequence
from typing import Any, NamedTuple

import matplotlib.dates as mdates
import matplotlib.pyplot as plt
import numpy as np
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch

from hotspotwatch.domain.designation import Period
from hotspotwatch.report.disclosure import Disclosure
from hotspotwatch.report.figures import primitives as prim
from hotspotwatch.report.figures.primitives import (
    DESIGNATED_FILL,
    INK,
    MUTED,
    PERIMETER,
    TREATED_LINE,
)

RING_COLOURS = ("#d9822b", "#b5651d", "#8c4a12", "#633207")
CONTROL_LINE = "#5f8f3e"


def per_month(values: np.ndarray, exposure: np.ndarray) -> np.ndarray:
    """Counts per month of exposure; NaN (a gap in the chart, never a zero) where the month
    is missing (NaN count, or no exposure: a source did not cover it)."""
    v = np.asarray(values, float)
    e = np.asarray(exposure, float)
    out = np.full(v.shape, np.nan)
    ok = np.isfinite(v) & (e > 0)
    out[ok] = v[ok] / e[ok]
    return out


def _overlapping(labels: Sequence[Any], renderer: Any) -> bool:
    """Whether two neighbouring visible tick labels' boxes intersect (or touch)."""
    boxes = [t.get_window_extent(renderer) for t in labels if t.get_visible() and t.get_text()]
    boxes.sort(key=lambda b: b.x0)
    return any(a.x1 + 1.0 > b.x0 for a, b in itertools.pairwise(boxes))


def date_axis(
    ax: Any,
    *,
    first: dt.date,
    last: dt.date,
    month_label: Callable[[dt.date], str] | None = None,
) -> None:
    """Few, readable date ticks on ``ax``'s x axis, spanning ``first`` .. ``last``.

    Up to 18 months: a tick each January and July, labelled ``month_label(day)`` (the
    caller passes the language's short month name from Babel, e.g.
    :func:`hotspotwatch.i18n.format_month_short`; default "01/24"). Longer: a tick each
    January labelled with the year ("2024"), every second or more year when long. If the
    labels would still touch once drawn, every other tick is dropped until they do not; a
    label that would stick out of the figure is dropped.
    """
    months = (last.year - first.year) * 12 + last.month - first.month + 1
    if months <= 18:
        locator: Any = mdates.MonthLocator(bymonth=(1, 7))
        name = month_label or (lambda d: d.strftime("%m/%y"))

        def fmt(value: float, _pos: Any = None) -> str:
            return name(mdates.num2date(value).date())
    else:
        locator = mdates.YearLocator(max(1, months // 72 + 1))

        def fmt(value: float, _pos: Any = None) -> str:
            return str(mdates.num2date(value).year)

    ax.xaxis.set_major_locator(locator)
    ax.xaxis.set_major_formatter(plt.FuncFormatter(fmt))
    fig = ax.figure
    # the labels' extents need the layout, not pixels: a draw that rasterises nothing
    fig.draw_without_rendering()
    renderer = fig.canvas.get_renderer()
    ticks = [t for t in ax.get_xticks() if ax.get_xlim()[0] <= t <= ax.get_xlim()[1]]
    step = 1
    while step < len(ticks) and _overlapping(ax.get_xticklabels(), renderer):
        step *= 2
        ax.set_xticks(ticks[::step])
        fig.draw_without_rendering()
    # a label cut by the figure's edge ("janv. 2" at the right) is dropped, not clipped
    edge = fig.bbox
    inside = [
        x
        for x, t in zip(ax.get_xticks(), ax.get_xticklabels(), strict=True)
        if ax.get_xlim()[0] <= x <= ax.get_xlim()[1]
        and edge.x0 <= t.get_window_extent(renderer).x0
        and t.get_window_extent(renderer).x1 <= edge.x1
    ]
    if inside:
        ax.set_xticks(inside)


def trend_figure(
    *,
    months: Sequence[dt.date],
    treated: np.ndarray,
    buffer: np.ndarray | None = None,
    rings: Sequence[np.ndarray] = (),
    control: np.ndarray | None = None,
    periods: Sequence[Period],
    until: dt.date,
    disclosure: Disclosure,
    labels: Mapping[str, str],
    ring_labels: Sequence[str] = (),
    exposure: np.ndarray | None = None,
    month_label: Callable[[dt.date], str] | None = None,
) -> Figure:
    """The monthly series chart as a matplotlib figure (see :func:`trend_chart`)."""
    series_rings = list(rings) if rings else ([buffer] if buffer is not None else [])
    names = list(ring_labels) or [labels.get("buffer", "")] * len(series_rings)
    with plt.rc_context(prim.RC):
        fig, ax = plt.subplots(figsize=(3.1, 1.9))
        _draw_trend(
            fig,
            ax,
            months=months,
            treated=treated,
            series_rings=series_rings,
            names=names,
            control=control,
            periods=periods,
            until=until,
            disclosure=disclosure,
            labels=labels,
            exposure=exposure,
        )
        if months:
            date_axis(ax, first=months[0], last=months[-1], month_label=month_label)
    return fig


def trend_chart(
    *,
    months: Sequence[dt.date],
    treated: np.ndarray,
    buffer: np.ndarray | None = None,
    rings: Sequence[np.ndarray] = (),
    control: np.ndarray | None = None,
    periods: Sequence[Period],
    until: dt.date,
    disclosure: Disclosure,
    labels: Mapping[str, str],
    ring_labels: Sequence[str] = (),
    exposure: np.ndarray | None = None,
    month_label: Callable[[dt.date], str] | None = None,
) -> bytes:
    """Monthly harm in the perimeter, in each buffer ring and in the comparison areas.

    ``months`` are the first days of the evaluation's months; each value is drawn at the
    middle of its month. ``buffer`` is one ring (kept for callers with a single ring);
    ``rings`` one series per ring, labelled ``ring_labels``; ``control`` the comparison
    areas' series (drawn as given, e.g. the mean per control cell). Designation periods are
    shaded. With ``exposure`` (months of exposure per value, e.g. 0.5 for a half month),
    each value is drawn per whole month. For the public, a month below ``k`` is not drawn as a
    value but as a bracket from 0 to k−1 (the range the true count lies in). Date ticks:
    :func:`date_axis` (``month_label`` names a month on short series).
    """
    fig = trend_figure(
        months=months,
        treated=treated,
        buffer=buffer,
        rings=rings,
        control=control,
        periods=periods,
        until=until,
        disclosure=disclosure,
        labels=labels,
        ring_labels=ring_labels,
        exposure=exposure,
        month_label=month_label,
    )
    with plt.rc_context(prim.RC):
        return prim.png(fig)


def _draw_trend(
    fig: Figure,
    ax: Any,
    *,
    months: Sequence[dt.date],
    treated: np.ndarray,
    series_rings: Sequence[np.ndarray],
    names: Sequence[str],
    control: np.ndarray | None,
    periods: Sequence[Period],
    until: dt.date,
    disclosure: Disclosure,
    labels: Mapping[str, str],
    exposure: np.ndarray | None,
) -> None:
    fig.subplots_adjust(left=0.145, right=0.98, top=0.79, bottom=0.15)
    starts = [np.datetime64(m, "D") for m in months]
    if starts:
        ends = [*starts[1:], starts[-1] + np.timedelta64(30, "D")]
        x = np.array([a + (b - a) / 2 for a, b in zip(starts, ends, strict=True)])
    else:
        x = np.array([], dtype="datetime64[D]")
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
    drawn: list[tuple[np.ndarray, str, str, str]] = [
        (np.asarray(treated, float), TREATED_LINE, "o", labels["treated"])
    ]
    for i, (ring, name) in enumerate(zip(series_rings, names, strict=False)):
        drawn.append((np.asarray(ring, float), RING_COLOURS[i % len(RING_COLOURS)], "s", name))
    if control is not None:
        drawn.append((np.asarray(control, float), CONTROL_LINE, "^", labels.get("control", "")))
    handles: list[Any] = []
    scale = np.ones(len(x)) if exposure is None else np.asarray(exposure, float)
    for series, colour, marker, name in drawn:
        shown = per_month(disclosure.mask(series), scale)
        ax.plot(x, shown, color=colour, lw=1.2, marker=marker, ms=2.2, zorder=3)
        # suppressed below k (public), not missing: a month without data is a gap
        hidden = disclosure.public & np.isfinite(series) & ~np.isfinite(shown)
        if np.any(hidden):
            ax.vlines(x[hidden], 0, disclosure.k - 1, color=colour, lw=2.2, alpha=0.35, zorder=2)
        if np.isfinite(shown).any():
            top = max(top, float(np.nanmax(shown)))
        handles.append(Line2D([], [], color=colour, lw=1.2, marker=marker, ms=2.2, label=name))
    top = max(top, float(disclosure.k) if disclosure.public else 1.0)
    ax.set_ylim(0, top * 1.15 + 0.5)
    ax.yaxis.set_major_locator(plt.MaxNLocator(5, integer=True))
    ax.spines[["top", "right"]].set_visible(False)
    ax.set_ylabel(labels["per_month"])
    ax.grid(axis="y", color="#e3e3e3", lw=0.5, zorder=0)
    handles.append(Patch(facecolor=DESIGNATED_FILL, label=labels["designated"]))
    if disclosure.public:
        handles.append(Line2D([], [], color=MUTED, lw=2.2, alpha=0.5, label=labels["suppressed"]))
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


#: Colour of each verdict in the forest plot (and the report's badges, report.css): green
#: reduction, red increase, dark grey no detectable change, light grey too early, amber
#: uncertain. A place's square and intervals take the colour of its verdict.
FOREST_COLOURS: dict[str, str] = {
    "reduction": "#2e7d32",
    "increase": "#b23b3b",
    "no_detectable_change": INK,
    "too_early": "#a3acb5",
    "uncertain": "#c77c02",
}


#: Font size (pt) of the forest plot's place names, and the height of one row in lines of
#: that size (DejaVu Sans's box is ~1.17 lines: 1.45 leaves a visible gap between names).
FOREST_LABEL_PT = 6.5
FOREST_ROW_LINES = 1.45
#: When the plot is given a height to fill (``height=``), its rows spread out and the names
#: grow with them, up to this size (pt), and a row is at most this many lines of the names'
#: size (beyond that, rows float apart and the eye loses the name-to-bar line): a plot of
#: few places stays shorter than the height it was given.
FOREST_LABEL_MAX_PT = 7.5
FOREST_ROW_MAX_LINES = 3.5
#: Margins of the plot (inches): above the rows ("fewer" / "more"), below (ticks, axis).
FOREST_TOP_IN, FOREST_BOTTOM_IN = 0.2, 0.42


def forest_layout(units: float, height: float | None = None) -> tuple[float, float]:
    """``(label_pt, figure_height_in)`` of a forest plot spanning ``units`` rows.

    Without ``height`` (or when the rows at their closest need more), each row is
    :data:`FOREST_ROW_LINES` lines of :data:`FOREST_LABEL_PT`; with it, the rows spread to
    fill ``height`` with names up to :data:`FOREST_LABEL_MAX_PT`, a row never more than
    :data:`FOREST_ROW_MAX_LINES` lines.

    Examples
    --------
    >>> forest_layout(19.0)[0], round(forest_layout(19.0)[1], 2)
    (6.5, 3.11)
    >>> label, h = forest_layout(19.0, 7.4)
    >>> label, round(h, 2)
    (7.5, 7.4)
    >>> round(forest_layout(3.0, 7.4)[1], 2)  # three places: not stretched over a page
    1.71
    """
    margins = FOREST_TOP_IN + FOREST_BOTTOM_IN
    natural_row = FOREST_LABEL_PT * FOREST_ROW_LINES / 72
    natural = natural_row * units + margins
    if height is None or height <= natural or units <= 0:
        return FOREST_LABEL_PT, natural
    row_in = (height - margins) / units
    label_pt = min(FOREST_LABEL_MAX_PT, row_in * 72 / FOREST_ROW_LINES)
    row_in = min(row_in, label_pt * FOREST_ROW_MAX_LINES / 72)
    return label_pt, row_in * units + margins


class ForestRow(NamedTuple):
    """One place of the forest plot: estimate, unadjusted and adjusted intervals, verdict."""

    name: str
    irr: float | None
    ci_low: float | None
    ci_high: float | None
    ci_low_adjusted: float | None
    ci_high_adjusted: float | None
    verdict: str | None


def forest_figure(
    *,
    rows: Sequence[ForestRow],
    pooled: tuple[float | None, float | None, float | None] | None,
    labels: Mapping[str, str],
    height: float | None = None,
) -> Figure:
    """The forest plot as a matplotlib figure (see :func:`forest_plot`).

    Each place is drawn at ``y = len(rows) - 1 - i (+ 2 with a pooled row)``: its adjusted
    interval (the one its verdict is read from) as a thick line with the ``gid``
    ``"adjusted:<name>"``, the unadjusted 95 % interval as a thin line above it
    (``"unadjusted:<name>"``) and the estimate as a square (``"estimate:<name>"``), all in
    :data:`FOREST_COLOURS` of the verdict.
    """
    n = len(rows) + (2 if pooled else 0)
    y_low, y_high = (-0.2 if pooled else -0.7), n - 0.3
    # The height follows the number of rows: each row is FOREST_ROW_LINES times the label's
    # font size, so neighbouring place names never touch (17 places, 30 places alike);
    # given a height (the page's), the rows spread to fill it (forest_layout).
    label_pt, fig_h = forest_layout(y_high - y_low, height)
    grow = label_pt / FOREST_LABEL_PT  # marks and lines grow with the names
    top_in, bottom_in = FOREST_TOP_IN, FOREST_BOTTOM_IN
    with plt.rc_context(prim.RC):
        fig, ax = plt.subplots(figsize=(4.1, fig_h))
        fig.subplots_adjust(
            left=0.43, right=0.98, top=1 - top_in / fig_h, bottom=bottom_in / fig_h
        )
        ys = np.arange(len(rows))[::-1] + (2 if pooled else 0)
        lo_all, hi_all = [1.0], [1.0]
        for y, row in zip(ys, rows, strict=True):
            if row.irr is None:
                continue
            c = FOREST_COLOURS.get(row.verdict or "", INK)
            if row.ci_low is not None and row.ci_high is not None:
                ax.plot(
                    [row.ci_low, row.ci_high],
                    [y + 0.28, y + 0.28],
                    color=c,
                    lw=0.5 * grow,
                    gid=f"unadjusted:{row.name}",
                )
                lo_all.append(row.ci_low)
                hi_all.append(row.ci_high)
            if row.ci_low_adjusted is not None and row.ci_high_adjusted is not None:
                ax.plot(
                    [row.ci_low_adjusted, row.ci_high_adjusted],
                    [y, y],
                    color=c,
                    lw=1.6 * grow,
                    solid_capstyle="butt",
                    gid=f"adjusted:{row.name}",
                )
                lo_all.append(row.ci_low_adjusted)
                hi_all.append(row.ci_high_adjusted)
            ax.plot([row.irr], [y], marker="s", ms=3.8 * grow, color=c, gid=f"estimate:{row.name}")
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
        ytick_lab = [r.name for r in rows] + ([labels["pooled"]] if pooled else [])
        ax.set_yticks(ytick_pos)
        ax.set_yticklabels(ytick_lab, fontsize=label_pt)
        ax.set_ylim(y_low, y_high)
        ax.spines[["top", "right", "left"]].set_visible(False)
        ax.tick_params(axis="y", length=0)
        # The names get the room they need on the left (never cut off), the bars the rest;
        # measured at the PNG's resolution (text hinting makes widths depend on it).
        fig.set_dpi(prim.DPI)
        renderer = fig.canvas.get_renderer()  # type: ignore[attr-defined]
        widest = max((lab.get_window_extent(renderer).width for lab in ax.get_yticklabels()),
                     default=0.0) / prim.DPI
        left = max(0.43, (widest + 0.12) / 4.1)
        fig.subplots_adjust(left=left)
        xlabel = ax.set_xlabel(labels["axis"])
        # A long axis title (French, Dutch) that would run off the figure's right edge when
        # centred under the bars ends at their right end instead.
        half = xlabel.get_window_extent(renderer).width / prim.DPI / 2
        if half > (0.98 - left) * 4.1 / 2 + 0.02 * 4.1:
            ax.set_xlabel(labels["axis"], loc="right")
        ax.text(
            0.0,
            1.0,
            labels["fewer"],
            transform=ax.transAxes,
            ha="left",
            va="bottom",
            fontsize=6 * grow,
            color=FOREST_COLOURS["reduction"],
        )
        ax.text(
            1.0,
            1.0,
            labels["more"],
            transform=ax.transAxes,
            ha="right",
            va="bottom",
            fontsize=6 * grow,
            color=FOREST_COLOURS["increase"],
        )
    return fig


def forest_plot(
    *,
    rows: Sequence[ForestRow],
    pooled: tuple[float | None, float | None, float | None] | None,
    labels: Mapping[str, str],
    height: float | None = None,
) -> bytes:
    """Rate ratios per hotspot (alphabetical) and the pooled estimate, as a PNG.

    Each place shows its adjusted interval (thick: the interval its verdict is read from),
    its unadjusted 95 % interval (thin, just above) and its estimate, in the colour of its
    verdict (:data:`FOREST_COLOURS`); the pooled estimate is a diamond. ``height``
    (inches): the room the page gives the plot, which its rows spread to fill
    (:func:`forest_layout`); ``None``: as tall as its rows need.
    """
    fig = forest_figure(rows=rows, pooled=pooled, labels=labels, height=height)
    with plt.rc_context(prim.RC):
        return prim.png(fig)


def coverage_chart(
    *,
    table: np.ndarray,
    rows: Sequence[str],
    columns: Sequence[str],
    disclosure: Disclosure,
    labels: Mapping[str, str],
) -> bytes:
    """Events per zone and month as a heat strip; a gap (white) means no data.

    For the public, months with fewer than ``k`` events in a zone are hatched, not valued.
    """
    with plt.rc_context(prim.RC):
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
        return prim.png(fig)


__all__ = [
    "FOREST_COLOURS",
    "ForestRow",
    "coverage_chart",
    "date_axis",
    "forest_figure",
    "forest_layout",
    "forest_plot",
    "per_month",
    "trend_chart",
    "trend_figure",
]
