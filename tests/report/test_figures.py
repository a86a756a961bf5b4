"""Figures: public maps never draw event points; public charts never plot a count below k."""

from __future__ import annotations

import datetime as dt
import itertools

import numpy as np
import pytest
from shapely.geometry import Point, box

from hotspotwatch.domain.designation import Period
from hotspotwatch.report import figures
from hotspotwatch.report.disclosure import Disclosure

LABELS = {
    k: k
    for k in (
        "perimeter",
        "buffer",
        "zone_border",
        "harm_cells",
        "events",
        "controls",
        "cell_legend",
        "zone",
        "per_month",
        "treated",
        "designated",
        "suppressed",
    )
}


def _map(disclosure: Disclosure, points: np.ndarray | None) -> bytes:
    counts = np.zeros((10, 10))
    counts[4, 4], counts[5, 5], counts[2, 7] = 12, 7, 2
    perimeter = Point(500, 500).buffer(150)
    return figures.hotspot_map(
        perimeter=perimeter,
        buffer_rings=[perimeter.buffer(250).difference(perimeter)],
        counts=counts,
        extent=(0, 0, 1000, 1000),
        zones=[("1", "One", box(-500, -500, 600, 1500)), ("2", "Two", box(600, -500, 1500, 1500))],
        other_perimeters=[],
        points=points,
        region=box(-500, -500, 1500, 1500),
        controls=[],
        disclosure=disclosure,
        labels=LABELS,
    )


def test_public_map_is_identical_with_or_without_event_points():
    pts = np.array([[450.0, 480.0], [520.0, 530.0], [210.0, 740.0]])
    public = Disclosure("public", 5)
    assert _map(public, pts) == _map(public, None)
    council = Disclosure("council", 5)
    assert _map(council, pts) != _map(council, None)


def test_public_map_leaves_cells_below_k_blank():
    # The cell with 2 events changes the council map but not the public one.
    counts_small = np.zeros((10, 10))
    counts_small[4, 4], counts_small[5, 5] = 12, 7
    public = Disclosure("public", 5)
    with_two = _map(public, None)
    perimeter = Point(500, 500).buffer(150)
    without_two = figures.hotspot_map(
        perimeter=perimeter,
        buffer_rings=[perimeter.buffer(250).difference(perimeter)],
        counts=counts_small,
        extent=(0, 0, 1000, 1000),
        zones=[("1", "One", box(-500, -500, 600, 1500)), ("2", "Two", box(600, -500, 1500, 1500))],
        other_perimeters=[],
        points=None,
        region=box(-500, -500, 1500, 1500),
        controls=[],
        disclosure=public,
        labels=LABELS,
    )
    assert with_two == without_two


def test_public_trend_chart_does_not_depend_on_the_value_of_a_suppressed_month():
    months = [dt.date(2024, m, 1) for m in range(1, 13)]
    treated = np.array([9, 8, 7, 3, 9, 10, 12, 8, 6, 7, 9, 11], float)
    other = treated.copy()
    other[3] = 1  # still below k: the public chart must be the same
    buffer = np.full(12, 6.0)
    kw = dict(
        months=months,
        buffer=buffer,
        periods=[Period(dt.date(2024, 3, 28), None)],
        until=dt.date(2024, 12, 31),
        labels=LABELS,
    )
    public = Disclosure("public", 5)
    assert figures.trend_chart(treated=treated, disclosure=public, **kw) == figures.trend_chart(
        treated=other, disclosure=public, **kw
    )
    council = Disclosure("council", 5)
    assert figures.trend_chart(treated=treated, disclosure=council, **kw) != figures.trend_chart(
        treated=other, disclosure=council, **kw
    )


def _month_label(lang: str):
    from hotspotwatch.i18n import format_month_short

    return lambda day: format_month_short(day, lang)


def _tick_boxes(fig):
    ax = fig.axes[0]
    fig.canvas.draw()
    renderer = fig.canvas.get_renderer()
    lo, hi = ax.get_xlim()
    return [
        t.get_window_extent(renderer)
        for t, x in zip(ax.get_xticklabels(), ax.get_xticks(), strict=True)
        if t.get_visible() and t.get_text() and lo <= x <= hi
    ]


def _trend(months, lang):
    n = len(months)
    rng = np.random.default_rng(3)
    return figures.trend_figure(
        months=months,
        treated=rng.poisson(12, n).astype(float),
        rings=[rng.poisson(9, n).astype(float)],
        ring_labels=["0–250 m"],
        control=rng.poisson(10, n).astype(float),
        periods=[Period(months[n // 2], None)],
        until=months[-1] + dt.timedelta(days=30),
        disclosure=Disclosure("council", 5),
        labels=LABELS,
        month_label=_month_label(lang),
    )


@pytest.mark.parametrize("lang", ["fr", "nl"])
@pytest.mark.parametrize("n_months", [60, 30, 12])
def test_trend_chart_date_labels_never_overlap(lang, n_months):
    # 60 months from January 2021: the old "%m/%y" labels every 6 months ran together
    # ("01/2207/22..."); every pair of neighbouring tick labels must leave a gap.
    months = [dt.date(2021 + i // 12, i % 12 + 1, 1) for i in range(n_months)]
    fig = _trend(months, lang)
    boxes = sorted(_tick_boxes(fig), key=lambda b: b.x0)
    assert len(boxes) >= 2
    for a, b in itertools.pairwise(boxes):
        assert a.x1 < b.x0, (a, b)
    assert all(fig.bbox.x0 <= b.x0 and b.x1 <= fig.bbox.x1 for b in boxes)  # none cut off
    texts = [t.get_text() for t in fig.axes[0].get_xticklabels() if t.get_text()]
    if n_months > 18:
        assert all(t.isdigit() and len(t) == 4 for t in texts), texts  # years, "2022"
    else:
        assert texts[0] == _month_label(lang)(dt.date(2021, 1, 1))  # Babel's short month
