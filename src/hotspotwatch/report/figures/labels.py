"""Label placement for the report's maps: greedy, deterministic, no overlaps.

Each label is tried at a fixed list of positions around its anchor (nearest first, in a
fixed order of directions); the first position whose box lies inside the axes and touches no
box already taken (labels placed before it, markers, the scale bar) is kept. A label set
further than ``leader_from`` points from its anchor gets a thin leader line back to it.
Labels are placed in the order given, so the caller puts the important ones first (the
places, then the zones, then the communes). The same input gives the same figure.

This is the classic greedy point-feature labelling with candidate positions
(Christensen, Marks & Shieber 1995, "An empirical study of algorithms for point-feature
label placement", ACM Transactions on Graphics 14(3)): a short list of candidates per label,
the first free one wins.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

from matplotlib.axes import Axes
from matplotlib.text import Text
from matplotlib.transforms import Bbox

#: Directions tried at every radius, as (dx, dy): right, upper right, up, upper left, left,
#: lower left, down, lower right, then the eight in between.
DIRECTIONS: tuple[tuple[float, float], ...] = tuple(
    (math.cos(math.radians(a)), math.sin(math.radians(a)))
    for a in (0, 45, 90, 135, 180, 225, 270, 315, 22.5, 67.5, 112.5, 157.5, 202.5, 247.5,
              292.5, 337.5)
)
#: Distances (points) from the anchor tried in turn.
RADII: tuple[float, ...] = (0.0, 4.0, 8.0, 13.0, 19.0, 26.0, 34.0, 44.0, 56.0, 70.0)


@dataclass(frozen=True)
class Label:
    """One label to place.

    ``x, y`` is the anchor in data coordinates; ``min_radius`` (points) keeps the label off
    a symbol drawn at the anchor, ``max_radius`` keeps an area's label near its anchor; ``optional`` labels (e.g. commune names) are left out when
    no free position is found, required ones take the last candidate tried inside the axes.
    ``style`` is passed to :meth:`matplotlib.axes.Axes.text`.
    """

    x: float
    y: float
    text: str
    gid: str
    min_radius: float = 0.0
    max_radius: float = RADII[-1]
    optional: bool = False
    style: dict[str, Any] = field(default_factory=dict)


HAlign = Literal["left", "center", "right"]
VAlign = Literal["bottom", "center", "top"]


def _alignment(dx: float, dy: float, radius: float) -> tuple[HAlign, VAlign]:
    if radius == 0:
        return "center", "center"
    ha: HAlign = "left" if dx > 0.3 else "right" if dx < -0.3 else "center"
    va: VAlign = "bottom" if dy > 0.3 else "top" if dy < -0.3 else "center"
    return ha, va


def box_of(artist: Any, renderer: Any, pad: float = 0.0) -> Bbox:
    """Display-space box of ``artist``, grown by ``pad`` pixels on every side."""
    b = artist.get_window_extent(renderer)
    return Bbox.from_extents(b.x0 - pad, b.y0 - pad, b.x1 + pad, b.y1 + pad)


def _inside(inner: Bbox, outer: Bbox) -> bool:
    return (
        inner.x0 >= outer.x0 and inner.y0 >= outer.y0 and inner.x1 <= outer.x1
        and inner.y1 <= outer.y1
    )


def place_labels(
    ax: Axes,
    labels: Sequence[Label],
    *,
    taken: Sequence[Bbox] = (),
    pad: float = 1.5,
    leader_from: float = 12.0,
    leader_colour: str = "#4a4a4a",
) -> list[Text]:
    """Put ``labels`` on ``ax`` without overlaps, inside the axes (greedy, in order).

    Call it after the axes' limits and aspect are set. ``taken`` are display boxes already
    occupied (markers, the scale bar); ``pad`` (pixels) is kept free around every label box.

    Returns
    -------
    list of Text
        The labels drawn, each with its ``gid``; an optional label without a free place is
        left out.

    Examples
    --------
    >>> import matplotlib.pyplot as plt
    >>> fig, ax = plt.subplots()
    >>> ax.set_xlim(0, 10); ax.set_ylim(0, 10)  # doctest: +ELLIPSIS
    (...)
    >>> texts = place_labels(ax, [Label(5, 5, "one", "a"), Label(5, 5, "two", "b")])
    >>> a, b = (t.get_window_extent() for t in texts)
    >>> bool(a.overlaps(b))
    False
    >>> plt.close(fig)
    """
    fig = ax.figure
    ax.apply_aspect()
    renderer = fig.canvas.get_renderer()  # type: ignore[attr-defined]
    frame = ax.get_window_extent(renderer)
    occupied = list(taken)
    scale = fig.dpi / 72.0
    out: list[Text] = []
    for lab in labels:
        ax_xy = ax.transData.transform((lab.x, lab.y))
        text = ax.text(lab.x, lab.y, lab.text, gid=lab.gid, zorder=9, **lab.style)
        chosen: tuple[float, float, float] | None = None
        fallback: tuple[float, float, float] | None = None
        for radius in RADII:
            if radius < lab.min_radius and radius != 0.0:
                continue
            if (radius == 0.0 and lab.min_radius > 0) or radius > lab.max_radius:
                continue
            for dx, dy in DIRECTIONS if radius else ((0.0, 0.0),):
                px = ax_xy[0] + dx * radius * scale
                py = ax_xy[1] + dy * radius * scale
                ha, va = _alignment(dx, dy, radius)
                text.set_position(tuple(ax.transData.inverted().transform((px, py))))
                text.set_horizontalalignment(ha)
                text.set_verticalalignment(va)
                b = box_of(text, renderer, pad)
                if not _inside(b, frame):
                    continue
                fallback = (px, py, radius)
                if not any(b.overlaps(o) for o in occupied):
                    chosen = (px, py, radius)
                    break
            if chosen is not None:
                break
        if chosen is None and (lab.optional or fallback is None):
            text.remove()
            continue
        px, py, radius = chosen if chosen is not None else fallback  # type: ignore[misc]
        # Put the text back where the chosen candidate was (the loop moved it on).
        dx = (px - ax_xy[0]) / (radius * scale) if radius else 0.0
        dy = (py - ax_xy[1]) / (radius * scale) if radius else 0.0
        ha, va = _alignment(dx, dy, radius)
        text.set_position(tuple(ax.transData.inverted().transform((px, py))))
        text.set_horizontalalignment(ha)
        text.set_verticalalignment(va)
        occupied.append(box_of(text, renderer, pad))
        if radius >= leader_from:
            end = ax.transData.inverted().transform((px, py))
            ax.plot(
                [lab.x, end[0]], [lab.y, end[1]], color=leader_colour, lw=0.4, zorder=8.5,
                gid=f"leader:{lab.gid}",
            )
        out.append(text)
    return out


def overlapping(texts: Sequence[Text], renderer: Any | None = None) -> list[tuple[str, str]]:
    """Pairs of ``gid`` whose rendered text boxes intersect (a test helper, public)."""
    boxes = [(str(t.get_gid()), t.get_window_extent(renderer)) for t in texts]
    return [
        (a, b)
        for i, (a, ba) in enumerate(boxes)
        for b, bb in boxes[i + 1:]
        if ba.overlaps(bb)
    ]


__all__ = ["DIRECTIONS", "RADII", "Label", "box_of", "overlapping", "place_labels"]
