"""The Koper curve figure: harm after a session by the session's length, and the threshold."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import numpy as np

from hotspotwatch.report.figures.primitives import INK, MUTED, PERIMETER, RC, png

THRESHOLD_FILL = "#e3e6ea"


def koper_figure(
    *,
    bin_low: Sequence[float],
    bin_high: Sequence[float | None],
    bin_share: Sequence[float | None],
    smooth_minutes: Sequence[float],
    smooth_share: Sequence[float | None],
    threshold: tuple[float, float, float] | None,
    labels: Mapping[str, str],
    decimal: str = ".",
    width_in: float = 6.2,
    height_in: float = 2.0,
) -> bytes:
    """Probability of harm within the window after a session, by session length (PNG).

    Parameters
    ----------
    bin_low, bin_high, bin_share :
        The length bins (minutes; an open last bin has ``high`` ``None``/infinite) and the
        Kaplan–Meier probability of harm after sessions of each bin (``None``: no session).
    smooth_minutes, smooth_share :
        The smoothed curve (the run's kernel-weighted Kaplan–Meier).
    threshold : (estimate, low, high) or None
        The estimated threshold and its interval (``None`` when the data cannot tell: no
        line is drawn).
    labels : mapping
        ``x``, ``y`` and ``threshold`` texts in the report's language.
    decimal : str
        The language's decimal separator (tick labels).
    """
    with plt.rc_context(RC):
        fig, ax = plt.subplots(figsize=(width_in, height_in))
        xs, ys = [], []
        for lo, hi, share in zip(bin_low, bin_high, bin_share, strict=True):
            if share is None or not math.isfinite(float(share)):
                continue
            top = 75.0 if hi is None or not math.isfinite(float(hi)) else float(hi)
            xs.append((float(lo) + top) / 2.0)
            ys.append(100.0 * float(share))
        sm = [
            (float(m), 100.0 * float(v))
            for m, v in zip(smooth_minutes, smooth_share, strict=True)
            if v is not None and math.isfinite(float(v))
        ]
        ymax = max([*ys, *(v for _, v in sm), 1.0]) * 1.25
        if threshold is not None:
            est, lo, hi = threshold
            ax.axvspan(lo - 0.5, hi + 0.5, color=THRESHOLD_FILL, lw=0, zorder=0)
            ax.axvline(est, color=PERIMETER, lw=1.0, ls="--", zorder=1)
            ax.text(
                est + 0.8,
                ymax * 0.92,
                f"{labels['threshold']} {est:g}",
                color=PERIMETER,
                fontsize=7,
                va="top",
            )
        if sm:
            ax.plot([m for m, _ in sm], [v for _, v in sm], color=INK, lw=1.4, zorder=2)
        ax.scatter(xs, ys, s=14, color=MUTED, zorder=3)
        ax.set_xlim(0, 75)
        ax.set_ylim(0, ymax)
        ax.set_xlabel(labels["x"])
        ax.set_ylabel(labels["y"])
        ax.yaxis.set_major_formatter(
            matplotlib.ticker.FuncFormatter(lambda v, _: f"{v:g}".replace(".", decimal) + "\u00a0%")
        )
        for side in ("top", "right"):
            ax.spines[side].set_visible(False)
        ax.set_xticks(np.arange(0, 76, 15))
        fig.tight_layout()
        return png(fig)


__all__ = ["koper_figure"]
