"""The report's forest plot draws the intervals that decide the verdicts, in their colours.

Issue 16: verdicts follow the FDR-adjusted intervals, so the thick bar of each place is its
adjusted interval and its colour is its verdict's (a bar clear of 1 is never grey).
"""

from __future__ import annotations

import datetime as dt
import itertools

import matplotlib.pyplot as plt
import pytest
from matplotlib.colors import to_hex
from shapely.geometry import box
from tests.analysis.evaluate.test_strategy import UNTIL, _frames
from tests.workflows.evaluate_fixture import X0, Y0

from hotspotwatch.analysis.evaluate.strategy import evaluate_frames
from hotspotwatch.report.context import forest_row
from hotspotwatch.report.figures import FOREST_COLOURS, ForestRow, forest_figure

LABELS = {"pooled": "All", "axis": "Rate ratio", "fewer": "fewer", "more": "more"}


def _lines(fig) -> dict[str, object]:
    return {ln.get_gid(): ln for ln in fig.axes[0].lines if ln.get_gid()}


@pytest.fixture(scope="module")
def evaluation():
    ev, hs, des = _frames()
    des = des.copy()
    des.loc[des["hotspot"] == "South", "start"] = dt.date(2024, 8, 1)  # too early
    return evaluate_frames(ev, hs, des, box(X0, Y0, X0 + 10_000, Y0 + 10_000), until=UNTIL)


def test_each_place_is_drawn_in_the_colour_of_its_verdict(evaluation):
    rows = [forest_row(h.name, h) for h in evaluation.hotspots]
    labels = {r.name: r.verdict for r in rows}
    assert labels["North"] == "reduction" and labels["South"] == "too_early"
    fig = forest_figure(rows=rows, pooled=(0.8, 0.6, 1.0), labels=LABELS)
    lines = _lines(fig)
    for h in evaluation.hotspots:
        colour = FOREST_COLOURS[h.verdict.label]
        adj, raw, est = (lines[f"{k}:{h.name}"] for k in ("adjusted", "unadjusted", "estimate"))
        assert {to_hex(x.get_color()) for x in (adj, raw, est)} == {colour}
        # the thick bar is the adjusted interval the verdict is read from
        assert list(adj.get_xdata()) == pytest.approx(
            [h.verdict.ci_low_adjusted, h.verdict.ci_high_adjusted])
        assert list(raw.get_xdata()) == pytest.approx([h.did.ci_low, h.did.ci_high])
        assert adj.get_linewidth() > raw.get_linewidth()
        clear = h.verdict.ci_high_adjusted < 1 or h.verdict.ci_low_adjusted > 1
        if h.verdict.label != "too_early":
            assert clear == (colour in (FOREST_COLOURS["reduction"], FOREST_COLOURS["increase"]))
    plt.close(fig)


def test_colours_are_distinct_and_cover_every_label():
    rows = [
        ForestRow(label, 1.0, 0.8, 1.2, 0.7, 1.3, label)
        for label in ("reduction", "no_detectable_change", "increase", "too_early", "uncertain")
    ]
    fig = forest_figure(rows=rows, pooled=None, labels=LABELS)
    lines = _lines(fig)
    got = {r.name: to_hex(lines[f"adjusted:{r.name}"].get_color()) for r in rows}
    assert got == {k: FOREST_COLOURS[k] for k in got}
    assert len(set(got.values())) == 5
    plt.close(fig)


def test_place_page_reads_the_adjusted_interval_and_words_power_without_contradiction(
    evaluation,
):
    import dataclasses

    from hotspotwatch.report.context import hotspot_effect
    from hotspotwatch.report.disclosure import Disclosure
    from hotspotwatch.report.fmt import Fmt

    f = Fmt("en", Disclosure("council", 5))
    north = evaluation.hotspot("North")
    assert north.verdict.label == "reduction" and north.min_detectable_ratio < 1
    e = hotspot_effect(f, north)
    # a verdict of change: no minimum detectable change beside it, words from the
    # adjusted interval, the adjusted interval printed with its level
    assert e["mdr"] is None and e["near"] is None
    v = north.verdict
    assert e["ci_adjusted"] == f"{v.ci_low_adjusted:.2f} – {v.ci_high_adjusted:.2f}"
    assert f"{100 * (1 - v.ci_high_adjusted):.0f} %" in e["words"]
    # the same place with no detectable change: the planned power is stated
    flat = north.with_verdict(dataclasses.replace(v, label="no_detectable_change"))
    assert "80 % chance" in hotspot_effect(f, flat)["mdr"]
    # near the threshold: said on the page
    near = north.with_verdict(dataclasses.replace(v, near_threshold=True))
    assert hotspot_effect(f, near)["near"].startswith("An end of the adjusted interval")
    # too early: the reason, never a verdict of change
    south = evaluation.hotspot("South")
    e = hotspot_effect(f, south, min_post_months=6)
    assert e["verdict"] == "too_early" and e["mdr"] is None
    assert e["words"].startswith("Only 3.") and "at least 6" in e["words"]


BRUSSELS = [
    "Aumale", "Bonnevie", "Chaussée d'Anvers", "Clemenceau", "Gare du Midi", "Gare du Nord",
    "Marbotin", "Matongé", "Paal / Kolom", "Peterbos", "Porte de Hal", "Querelle (Marolles)",
    "Ribaucourt", "Saint-Antoine", "Versailles (Neder-Over-Heembeek)", "Yser", "Étangs Noirs",
]


@pytest.mark.parametrize("n_rows", [17, 30])
@pytest.mark.parametrize("pooled", [(0.83, 0.75, 0.93), None])
def test_place_names_never_touch(n_rows, pooled):
    # 17 places crowded into 0.09 in per row (labels 6.8 pt) touched each other; the height
    # now follows the number of rows. Label boxes measured after drawing the canvas.
    names = [BRUSSELS[i % 17] + ("" if i < 17 else f" {i}") for i in range(n_rows)]
    rows = [
        ForestRow(name, 0.8 + 0.02 * i, 0.6, 1.1, 0.55, 1.2, "no_detectable_change")
        for i, name in enumerate(names)
    ]
    fig = forest_figure(rows=rows, pooled=pooled, labels=LABELS)
    fig.canvas.draw()
    renderer = fig.canvas.get_renderer()
    boxes = sorted(
        (t.get_window_extent(renderer) for t in fig.axes[0].get_yticklabels() if t.get_text()),
        key=lambda b: b.y0,
    )
    assert len(boxes) == n_rows + (1 if pooled else 0)
    for low, high in itertools.pairwise(boxes):
        assert low.y1 < high.y0, (low, high)
    assert all(b.x0 >= 0 for b in boxes)  # the longest name is not cut at the left edge
    plt.close(fig)


def test_given_the_page_s_height_the_rows_fill_it_and_no_name_is_cut_off():
    """Page 2 gives the plot its height (it used to be drawn as short as its rows allow and
    leave half the page empty): 17 places fill it, with the longest Brussels name and the
    Dutch axis title inside the figure."""
    from hotspotwatch.report.context import FOREST_PAGE_HEIGHT_IN
    from hotspotwatch.report.figures import primitives as prim

    names = ["Versailles (Neder-Over-Heembeek)", "Aumale", "Étangs Noirs"] * 5 + ["Yser", "Peterbos"]
    rows = [ForestRow(n, 0.8, 0.6, 1.1, 0.5, 1.3, "no_detectable_change") for n in names]
    labels = {**LABELS, "axis": "Ratio (log-schaal; 1 = ongewijzigd)"}
    natural = forest_figure(rows=rows, pooled=(0.8, 0.7, 0.9), labels=labels)
    fig = forest_figure(rows=rows, pooled=(0.8, 0.7, 0.9), labels=labels,
                        height=FOREST_PAGE_HEIGHT_IN)
    assert natural.get_figheight() < 0.5 * FOREST_PAGE_HEIGHT_IN
    assert 0.95 * FOREST_PAGE_HEIGHT_IN <= fig.get_figheight() <= FOREST_PAGE_HEIGHT_IN
    fig.set_dpi(prim.DPI)
    fig.canvas.draw()
    width = fig.bbox.width
    ax = fig.axes[0]
    for text in [*ax.get_yticklabels(), ax.xaxis.label]:
        box = text.get_window_extent()
        assert box.x0 >= 0 and box.x1 <= width, text.get_text()
    # a handful of places is not stretched over the page
    few = forest_figure(rows=rows[:3], pooled=None, labels=LABELS, height=FOREST_PAGE_HEIGHT_IN)
    assert few.get_figheight() < 0.4 * FOREST_PAGE_HEIGHT_IN
    for f in (natural, fig, few):
        plt.close(f)
