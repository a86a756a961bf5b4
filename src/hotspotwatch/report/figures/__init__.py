"""Figures of the renewal report (matplotlib, Agg backend, PNG).

- :mod:`~hotspotwatch.report.figures.primitives`: style, colours, outlines, fills, harm cells;
- :mod:`~hotspotwatch.report.figures.maps`: a hotspot's map and the regional map;
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
    forest_plot,
    trend_chart,
)
from hotspotwatch.report.figures.maps import hotspot_map, regional_map

__all__ = [
    "FOREST_COLOURS",
    "ForestRow",
    "coverage_chart",
    "forest_figure",
    "forest_plot",
    "hotspot_map",
    "regional_map",
    "trend_chart",
]
