"""Figures of the renewal report (matplotlib, Agg backend, PNG).

- :mod:`~hotspotwatch.report.figures.primitives`: style, colours, outlines, fills, harm cells;
- :mod:`~hotspotwatch.report.figures.maps`: a hotspot's map;
- :mod:`~hotspotwatch.report.figures.region`: the regional map (places coloured by verdict);
- :mod:`~hotspotwatch.report.figures.labels`: label placement without overlaps;
- :mod:`~hotspotwatch.report.figures.charts`: monthly series, forest plot, coverage strip.

Every figure is drawn from geometries and prepared numbers; text comes from the caller, so
one function serves every language.
"""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")  # before pyplot is imported by the submodules

from hotspotwatch.report.figures.charts import (
    FOREST_COLOURS,
    ForestRow,
    coverage_chart,
    forest_figure,
    forest_layout,
    forest_plot,
    trend_chart,
    trend_figure,
)
from hotspotwatch.report.figures.maps import hotspot_figure, hotspot_map
from hotspotwatch.report.figures.primitives import harm_breaks
from hotspotwatch.report.figures.region import regional_figure, regional_map

#: The one palette of verdict colours (the forest plot's, the regional map's).
VERDICT_COLOURS = FOREST_COLOURS

__all__ = [
    "FOREST_COLOURS",
    "VERDICT_COLOURS",
    "ForestRow",
    "coverage_chart",
    "forest_figure",
    "forest_layout",
    "forest_plot",
    "harm_breaks",
    "hotspot_figure",
    "hotspot_map",
    "regional_figure",
    "regional_map",
    "trend_chart",
    "trend_figure",
]
