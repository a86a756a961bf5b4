"""Maps people can find their way on (issue 17): labels that do not overlap and stay inside
the map, places coloured by verdict, one set of colour steps for every place, a scale bar and
every symbol in the legend."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pytest
from matplotlib.colors import to_hex
from matplotlib.text import Text
from shapely.geometry import LineString, MultiLineString, Point, box

from hotspotwatch.report import figures
from hotspotwatch.report.disclosure import Disclosure
from hotspotwatch.report.figures.charts import FOREST_COLOURS
from hotspotwatch.report.figures.labels import Label, overlapping, place_labels
from hotspotwatch.report.figures.primitives import NOT_EVALUATED, harm_breaks

COUNCIL = Disclosure("council", 5)
PUBLIC = Disclosure("public", 5)

MAP_LABELS = {
    "perimeter": "Perimeter",
    "buffer": "Buffer rings (0–250 m)",
    "zone_border": "Police zone border",
    "harm_cells": "Harm events per 100 m cell",
    "events": "Harm event",
    "controls": "comparison areas",
    "cell_legend": "events per cell",
    "zone": "Police zone",
    "other_perimeter": "Other designated place",
    "commune_border": "Commune border",
    "streets": "Streets",
}
REGION_LABELS = {
    "perimeter": "Perimeter",
    "zone_border": "Police zone border",
    "undesignated": "hot spot, not designated",
    "emerging": "emerging place",
    "legend_title": "Harm events per 500 m cell",
    "verdict_title": "Verdict",
    "verdict.none": "Not evaluated",
    "commune_border": "Commune border",
    "streets": "Streets",
    "verdict.reduction": "Reduction",
    "verdict.no_detectable_change": "No detectable change",
    "verdict.increase": "Increase",
    "verdict.too_early": "Too early to judge",
    "verdict.uncertain": "Uncertain",
}


def _texts(fig, prefix: str) -> list[Text]:  # type: ignore[no-untyped-def]
    return [
        t for ax in fig.axes for t in ax.texts if str(t.get_gid() or "").startswith(prefix)
    ]


def _inside(fig, ax, texts: list[Text]) -> list[str]:  # type: ignore[no-untyped-def]
    renderer = fig.canvas.get_renderer()
    frame = ax.get_window_extent(renderer)
    out = []
    for t in texts:
        b = t.get_window_extent(renderer)
        if b.x0 < frame.x0 or b.y0 < frame.y0 or b.x1 > frame.x1 or b.y1 > frame.y1:
            out.append(str(t.get_gid()))
    return out


def _region():  # type: ignore[no-untyped-def]
    """A 10 km square region: four zones, nine communes, twelve places crowded in 1 km²."""
    region = box(0, 0, 10_000, 10_000)
    zones = [
        ("5339", "Centre", box(0, 5000, 5000, 10_000)),
        ("5340", "West", box(0, 0, 5000, 5000)),
        ("5341", "South", box(5000, 0, 10_000, 5000)),
        ("5344", "North", box(5000, 5000, 10_000, 10_000)),
    ]
    communes = [
        (f"c{i}{j}", f"Commune {i}{j} /\nGemeente {i}{j}",
         box(i * 3333, j * 3333, (i + 1) * 3333, (j + 1) * 3333))
        for i in range(3) for j in range(3)
    ]
    rng = np.random.default_rng(7)
    centres = rng.uniform(4600, 5600, size=(12, 2))
    perimeters = [(f"P{i}", Point(x, y).buffer(90)) for i, (x, y) in enumerate(centres)]
    return region, zones, communes, perimeters


VERDICTS = [
    "reduction", "increase", "no_detectable_change", "too_early", "uncertain", None,
    "reduction", "reduction", "increase", "no_detectable_change", "too_early", "uncertain",
]


def _regional(**kw):  # type: ignore[no-untyped-def]
    region, zones, communes, perimeters = _region()
    counts = np.zeros((20, 20))
    counts[8:12, 8:12] = 30
    counts[3, 4] = 2
    args = dict(
        region=region, zones=zones, perimeters=perimeters, counts=counts,
        extent=(0, 0, 10_000, 10_000), extra_places=[(2000.0, 8000.0, "undesignated")],
        disclosure=COUNCIL, labels=REGION_LABELS, verdicts=VERDICTS, communes=communes,
    )
    args.update(kw)
    return figures.regional_figure(**args)


def test_regional_labels_do_not_overlap_and_stay_inside_the_map():
    fig = _regional()
    ax = fig.axes[0]
    places = _texts(fig, "place:")
    zones = _texts(fig, "zone:")
    communes = _texts(fig, "commune:")
    # Every place and every zone is labelled; crowded places moved out with a leader line.
    assert sorted(int(str(t.get_gid()).split(":")[1]) for t in places) == list(range(1, 13))
    assert {t.get_text() for t in zones} == {"5339", "5340", "5341", "5344"}
    assert len(communes) >= 6
    every = places + zones + communes
    fig.canvas.draw()
    assert overlapping(every, fig.canvas.get_renderer()) == []
    assert _inside(fig, ax, every) == []
    assert any(str(line.get_gid()).startswith("leader:place:") for line in ax.lines)
    plt.close(fig)


def test_the_label_boxes_of_the_saved_png_do_not_overlap_either():
    """The check holds at the resolution the PNG is written at (DPI), not only on screen."""
    fig = _regional()
    fig.set_dpi(figures.primitives.DPI)
    fig.canvas.draw()
    every = _texts(fig, "place:") + _texts(fig, "zone:") + _texts(fig, "commune:")
    assert overlapping(every, fig.canvas.get_renderer()) == []
    plt.close(fig)


def test_regional_places_take_the_colour_of_their_verdict():
    fig = _regional()
    ax = fig.axes[0]
    markers = {str(m.get_gid()): m for m in ax.lines if str(m.get_gid()).startswith("marker:")}
    assert len(markers) == 12
    for number, verdict in enumerate(VERDICTS, start=1):
        want = FOREST_COLOURS[verdict] if verdict else NOT_EVALUATED
        assert to_hex(markers[f"marker:{number}"].get_markerfacecolor()) == to_hex(want)
    legend_texts = {t.get_text() for leg in ax.get_children() if hasattr(leg, "get_texts")
                    for t in leg.get_texts()}
    for v in ("reduction", "increase", "no_detectable_change", "too_early", "uncertain"):
        assert REGION_LABELS[f"verdict.{v}"] in legend_texts
    assert "Not evaluated" in legend_texts
    # The palette is the forest plot's: one palette for the report.
    assert figures.VERDICT_COLOURS is FOREST_COLOURS
    plt.close(fig)


def test_regional_legend_lists_only_the_verdicts_present():
    fig = _regional(verdicts=["reduction"] * 12)
    ax = fig.axes[0]
    texts = {t.get_text() for leg in ax.get_children() if hasattr(leg, "get_texts")
             for t in leg.get_texts()}
    assert "Reduction" in texts
    assert not {"Increase", "Uncertain", "Not evaluated"} & texts
    plt.close(fig)


def test_regional_map_without_verdicts_keeps_the_perimeter_legend():
    fig = _regional(verdicts=None)
    ax = fig.axes[0]
    texts = {t.get_text() for leg in ax.get_children() if hasattr(leg, "get_texts")
             for t in leg.get_texts()}
    assert "Perimeter" in texts and "Reduction" not in texts
    plt.close(fig)


def _hotspot(**kw):  # type: ignore[no-untyped-def]
    perimeter = Point(500, 500).buffer(150)
    counts = np.zeros((10, 10))
    counts[4, 4], counts[5, 5], counts[2, 7] = 12, 7, 2
    args = dict(
        perimeter=perimeter,
        buffer_rings=[perimeter.buffer(250).difference(perimeter)],
        counts=counts,
        extent=(0, 0, 1000, 1000),
        # The right-hand zone is a thin strip at the edge: its label used to be cut off.
        zones=[("5339", "One", box(-500, -500, 880, 1500)),
               ("5344", "Two", box(880, -500, 1500, 1500))],
        other_perimeters=[Point(120, 880).buffer(60)],
        points=np.array([[450.0, 480.0], [520.0, 530.0]]),
        region=box(-2000, -2000, 3000, 3000),
        controls=[box(-1500, -1500, -1300, -1300)],
        disclosure=COUNCIL,
        labels=MAP_LABELS,
        communes=[("a", "Ixelles /\nElsene", box(-500, -500, 500, 1500)),
                  ("b", "Saint-Gilles /\nSint-Gillis", box(500, -500, 1500, 1500))],
        streets=MultiLineString([[(0, 300), (1000, 320)], [(700, 0), (690, 1000)]]),
    )
    args.update(kw)
    return figures.hotspot_figure(**args)


def test_zone_labels_are_inside_the_map_and_the_legend_outside_it():
    fig = _hotspot()
    ax = fig.axes[0]
    zones = _texts(fig, "zone:")
    assert {t.get_text() for t in zones} == {"Police zone 5339", "Police zone 5344"}
    communes = _texts(fig, "commune:")
    fig.canvas.draw()
    renderer = fig.canvas.get_renderer()
    assert _inside(fig, ax, zones + communes) == []
    assert overlapping(zones + communes, renderer) == []
    (legend,) = fig.legends
    assert not legend.get_window_extent(renderer).overlaps(ax.get_window_extent(renderer))
    plt.close(fig)


def test_every_symbol_drawn_is_in_the_legend():
    fig = _hotspot()
    (legend,) = fig.legends
    texts = {t.get_text() for t in legend.get_texts()}
    for key in ("perimeter", "buffer", "other_perimeter", "zone_border", "commune_border",
                "streets", "events", "controls"):
        assert MAP_LABELS[key] in texts, key
    plt.close(fig)
    # Nothing drawn, nothing listed: no neighbours, communes, streets, points or controls.
    bare = _hotspot(other_perimeters=[], communes=(), streets=None, points=None, controls=[])
    texts = {t.get_text() for t in bare.legends[0].get_texts()}
    assert texts == {MAP_LABELS[k] for k in ("perimeter", "buffer", "zone_border")}
    plt.close(bare)


@pytest.mark.parametrize("which", ["hotspot", "regional"])
def test_every_map_has_a_scale_bar(which: str):
    fig = _hotspot() if which == "hotspot" else _regional()
    ax = fig.axes[0]
    bars = [a for a in [*ax.lines, *ax.texts] if a.get_gid() == "scale_bar"]
    assert len(bars) == 2  # the bar and its length
    text = next(a for a in bars if isinstance(a, Text))
    assert text.get_text() in {"200 m", "2 km"}
    plt.close(fig)


def test_harm_breaks_are_one_set_for_all_places():
    grids = [np.array([[0, 3], [1, 0]]), np.array([[40, 1], [0, 0]]), np.zeros((2, 2))]
    edges = harm_breaks(grids, COUNCIL)
    assert edges[0] == 1 and edges[-1] == 41  # from 1 to one above the largest count shown
    assert all(e == int(e) for e in edges)
    assert edges == sorted(set(edges)) and len(edges) - 1 <= 5
    # Public: the steps start at k (counts below k are not shown) and ignore hidden cells.
    pub = harm_breaks([np.array([[3, 4]]), np.array([[12, 2]])], PUBLIC)
    assert pub[0] == 5 and pub[-1] == 13
    assert harm_breaks([np.array([[3, 4]])], PUBLIC) == [5, 6]  # nothing shown


def _cell_colour(fig, row: int, col: int) -> str:  # type: ignore[no-untyped-def]
    image = fig.axes[0].images[0]
    rgba = image.cmap(image.norm(image.get_array()[row, col]))
    return to_hex(rgba)


def test_the_same_count_has_the_same_colour_on_every_places_map():
    quiet = np.zeros((10, 10))
    quiet[4, 4] = 3
    busy = np.zeros((10, 10))
    busy[4, 4], busy[1, 1] = 3, 60
    breaks = harm_breaks([quiet, busy], COUNCIL)
    a = _hotspot(counts=quiet, breaks=breaks)
    b = _hotspot(counts=busy, breaks=breaks)
    assert _cell_colour(a, 4, 4) == _cell_colour(b, 4, 4)
    assert list(a.axes[0].images[0].norm.boundaries) == list(b.axes[0].images[0].norm.boundaries)
    plt.close(a)
    plt.close(b)
    # Without shared breaks each map scales to its own largest count: the colours differ.
    a = _hotspot(counts=quiet)
    b = _hotspot(counts=busy)
    assert _cell_colour(a, 4, 4) != _cell_colour(b, 4, 4)
    plt.close(a)
    plt.close(b)


def test_maps_are_deterministic():
    kw = dict(
        perimeter=Point(500, 500).buffer(150), buffer_rings=[], counts=np.eye(10) * 4,
        extent=(0, 0, 1000, 1000), zones=[("1", "One", box(-500, -500, 1500, 1500))],
        other_perimeters=[], points=None, region=box(-500, -500, 1500, 1500), controls=[],
        disclosure=PUBLIC, labels=MAP_LABELS,
    )
    assert figures.hotspot_map(**kw) == figures.hotspot_map(**kw)
    region, zones, communes, perimeters = _region()
    rk = dict(region=region, zones=zones, perimeters=perimeters, counts=None, extent=None,
              extra_places=[], disclosure=COUNCIL, labels=REGION_LABELS, verdicts=VERDICTS,
              communes=communes)
    assert figures.regional_map(**rk) == figures.regional_map(**rk)


def test_place_labels_never_overlap_even_on_one_anchor():
    fig, ax = plt.subplots(figsize=(3, 3))
    ax.set_xlim(0, 10)
    ax.set_ylim(0, 10)
    labels = [Label(5, 5, f"label {i}", f"l:{i}", min_radius=3) for i in range(20)]
    texts = place_labels(ax, labels)
    assert len(texts) == 20
    assert overlapping(texts) == []
    plt.close(fig)


def test_optional_labels_are_left_out_when_there_is_no_room():
    fig, ax = plt.subplots(figsize=(1.5, 1.5))
    ax.set_xlim(0, 1)
    ax.set_ylim(0, 1)
    labels = [Label(0.5, 0.5, "a long name", f"c:{i}", optional=True, style={"fontsize": 6})
              for i in range(60)]
    texts = place_labels(ax, labels)
    assert 0 < len(texts) < 30
    assert overlapping(texts) == []
    plt.close(fig)


def test_streets_are_drawn_under_the_outlines():
    fig = _hotspot()
    ax = fig.axes[0]
    from matplotlib.collections import LineCollection

    streets = [c for c in ax.collections if isinstance(c, LineCollection)
               and to_hex(c.get_colors()[0]) == to_hex(figures.primitives.STREET_LINE)]
    assert len(streets) == 1
    others = [c.get_zorder() for c in ax.collections if c is not streets[0]]
    assert streets[0].get_zorder() < min(others)  # communes, zones, rings, perimeters
    assert streets[0].get_zorder() > ax.images[0].get_zorder()
    plt.close(fig)


def test_a_street_longer_than_the_window_is_drawn_clipped_to_it():
    fig = _hotspot(streets=LineString([(-5000, 500), (5000, 500)]))
    (street,) = [
        c for c in fig.axes[0].collections
        if hasattr(c, "get_segments") and len(c.get_colors())
        and to_hex(c.get_colors()[0]) == to_hex(figures.primitives.STREET_LINE)
    ]
    xs = np.concatenate([seg[:, 0] for seg in street.get_segments()])
    assert xs.min() == pytest.approx(0) and xs.max() == pytest.approx(1000)
    plt.close(fig)


def test_the_report_passes_one_set_of_steps_and_named_communes_to_every_place():
    """render.map_layers: the steps over every place's cells, communes in the reader's language."""
    from types import SimpleNamespace

    from hotspotwatch.report.render import map_layers

    grids = [np.array([[0, 3]]), np.array([[0, 57]]), np.array([[9, 0]])]
    data = SimpleNamespace(
        hotspots=[SimpleNamespace(grid=SimpleNamespace(counts=g)) for g in grids],
        communes=[("21009", {"en": "Ixelles / Elsene", "fr": "Ixelles", "nl": "Elsene"},
                   box(0, 0, 1, 1))],
        streets=None,
    )
    layers = map_layers(data, "nl", COUNCIL)  # type: ignore[arg-type]
    assert layers["breaks"] == harm_breaks(grids, COUNCIL)
    assert layers["breaks"][-1] == 58  # the busiest place sets the top step for all
    assert [name for _c, name, _g in layers["communes"]] == ["Elsene"]
    en = map_layers(data, "en", COUNCIL)  # type: ignore[arg-type]
    assert [name for _c, name, _g in en["communes"]] == ["Ixelles /\nElsene"]
    assert map_layers(data, "en", PUBLIC)["breaks"][0] == 5  # type: ignore[arg-type]


def _gap_pt(a, b, dpi: float) -> float:  # type: ignore[no-untyped-def]
    """Free space between two display boxes, in points (0 when they touch or overlap)."""
    dx = max(b.x0 - a.x1, a.x0 - b.x1, 0.0)
    dy = max(b.y0 - a.y1, a.y0 - b.y1, 0.0)
    return float(np.hypot(dx, dy)) * 72.0 / dpi


def test_crowded_place_numbers_keep_a_visible_gap():
    """Issue 17 (polish): in the central cluster the numbers' boxes did not overlap but only
    touched (~1.4 pt apart at the PNG's resolution) and read as one run of digits."""
    import itertools

    fig = _regional()
    fig.set_dpi(figures.primitives.DPI)
    fig.canvas.draw()
    renderer = fig.canvas.get_renderer()
    labels = [
        t.get_window_extent(renderer)
        for t in _texts(fig, "place:") + _texts(fig, "zone:") + _texts(fig, "commune:")
    ]
    markers = [
        ln.get_window_extent(renderer)
        for ln in fig.axes[0].lines
        if str(ln.get_gid()).startswith("marker:")
    ]
    dpi = fig.dpi
    assert min(_gap_pt(a, b, dpi) for a, b in itertools.combinations(labels, 2)) >= 3.0
    places = [t.get_window_extent(renderer) for t in _texts(fig, "place:")]
    assert min(_gap_pt(a, m, dpi) for a in places for m in markers) >= 2.0
    plt.close(fig)
