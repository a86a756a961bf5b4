"""Map furniture shared by the detection and space-time figures: kilometre axes, a scale
bar, and the colours of the emerging-hot-spot categories.

Projected coordinates in metres (a UTM or Lambert CRS puts them around 10⁵–10⁶) make
matplotlib print an offset such as ``1e6`` beside the ticks; the maps instead show whole
kilometres of the workspace CRS, with the CRS named in the axis label, and a scale bar.
"""

from __future__ import annotations

import math
from typing import Any

#: One colour per ArcGIS Pro emerging-hot-spot category (hot: reds/oranges, cold: blues,
#: both ordered as ArcGIS Pro lists the patterns; no pattern: light grey). All distinct.
EMERGING_COLOURS: dict[str, str] = {
    "new_hot": "#fcbba1", "consecutive_hot": "#fc9272", "intensifying_hot": "#a50f15",
    "persistent_hot": "#de2d26", "diminishing_hot": "#fd8d3c", "sporadic_hot": "#fed976",
    "oscillating_hot": "#e7298a", "historical_hot": "#8c6d31",
    "new_cold": "#c6dbef", "consecutive_cold": "#9ecae1", "intensifying_cold": "#08306b",
    "persistent_cold": "#2171b5", "diminishing_cold": "#6baed6", "sporadic_cold": "#a1d99b",
    "oscillating_cold": "#756bb1", "historical_cold": "#636363",
    "no_pattern": "#f0f0f0",
}


def nice_length(span_m: float) -> float:
    """A round scale-bar length (1, 2 or 5 × 10ᵏ metres) of about a fifth of ``span_m``.

    >>> nice_length(12_000), nice_length(900), nice_length(60_000)
    (2000.0, 100.0, 10000.0)
    """
    target = max(span_m, 1e-9) / 5.0
    power = 10.0 ** math.floor(math.log10(target))
    best = power
    for m in (1.0, 2.0, 5.0):
        if m * power <= target:
            best = m * power
    return float(best)


def _km(value: float, _pos: Any = None) -> str:
    km = value / 1000.0
    return f"{km:.0f}" if abs(km - round(km)) < 1e-6 else f"{km:g}"


def km_axes(ax: Any, crs: str | None = None) -> None:
    """Label ``ax`` in kilometres of the projected CRS (no offset, no scientific notation)."""
    from matplotlib.ticker import FuncFormatter, MaxNLocator

    unit = f"km, {crs}" if crs else "km"
    for axis in (ax.xaxis, ax.yaxis):
        axis.set_major_locator(MaxNLocator(nbins=6, steps=[1, 2, 5, 10], integer=False))
        axis.set_major_formatter(FuncFormatter(_km))
    ax.set_xlabel(f"x ({unit})")
    ax.set_ylabel(f"y ({unit})")
    ax.tick_params(labelsize=7)


def scale_bar(ax: Any) -> Any:
    """Add a scale bar (lower right) sized from the axes' x-range; returns the artist."""
    from matplotlib.font_manager import FontProperties
    from mpl_toolkits.axes_grid1.anchored_artists import AnchoredSizeBar

    x0, x1 = ax.get_xlim()
    length = nice_length(abs(x1 - x0))
    label = f"{length / 1000:g} km" if length >= 1000 else f"{length:g} m"
    bar = AnchoredSizeBar(ax.transData, length, label, "lower right", pad=0.4, color="black",
                          frameon=True, size_vertical=abs(x1 - x0) / 200,
                          fontproperties=FontProperties(size=7))
    bar.set_label("scale bar")
    ax.add_artist(bar)
    return bar


def map_axes(ax: Any, crs: str | None = None) -> None:
    """Kilometre axes, equal aspect and a scale bar (call after the data are drawn)."""
    ax.set_aspect("equal")
    km_axes(ax, crs)
    scale_bar(ax)


__all__ = ["EMERGING_COLOURS", "km_axes", "map_axes", "nice_length", "scale_bar"]
