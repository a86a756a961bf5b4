"""Figures: public maps never draw event points; public charts never plot a count below k."""

from __future__ import annotations

import datetime as dt

import numpy as np
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
