"""The renewal report's descriptive counts: what no analysis run produces.

The report lays out runs; it does not recount what they counted. Three things in it are not
the answer of any run and are counted here, for display only (the methods page says so):

- the **display grids** of the maps: harm events since designation per square cell
  (:data:`MAP_CELL_M` m around each place, :data:`REGION_CELL_M` m over the region), with
  :meth:`hotspotwatch.geo.grid.Grid.count`;
- the **data coverage** table: events of every role per zone of the zone layer and calendar
  month (:class:`hotspotwatch.periods.CalendarMonth`, workspace time zone);
- the **import summary**: rows read, stored and quarantined per source, a file imported
  twice counted once (:func:`hotspotwatch.store.import_summary.source_summaries`).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np
import shapely
from shapely.geometry.base import BaseGeometry

from hotspotwatch.geo.grid import Grid
from hotspotwatch.periods import CalendarMonth, add_months, counts
from hotspotwatch.report.data import CoverageTable, GridCounts, SourceRow

if TYPE_CHECKING:
    from hotspotwatch.workspace import Workspace

MAP_MARGIN_M = 350.0
MAP_CELL_M = 100.0
REGION_CELL_M = 500.0
DISPLAY_TOLERANCE_M = 5.0


def display_grid(
    x: np.ndarray, y: np.ndarray, extent: tuple[float, float, float, float], cell: float
) -> GridCounts:
    """Points per square cell of ``cell`` metres over ``extent`` (the last row and column
    reach past the extent's edge to hold whole cells)."""
    x0, y0, x1, y1 = extent
    nx = max(1, int(np.ceil((x1 - x0) / cell - 1e-9)))
    ny = max(1, int(np.ceil((y1 - y0) / cell - 1e-9)))
    grid = Grid(
        kind="square",
        cell_size=float(cell),
        x0=float(x0),
        y0=float(y0),
        shape=(ny, nx),
        mask=np.ones((ny, nx), dtype=bool),
    )
    return GridCounts(counts=grid.count(x, y), extent=grid.extent, cell_size=float(cell))


def map_window(
    perimeter: BaseGeometry, rings: Sequence[BaseGeometry], margin: float = MAP_MARGIN_M
) -> tuple[float, float, float, float]:
    """A square window around a perimeter and its rings, with ``margin`` metres around."""
    outer = shapely.union_all([perimeter, *rings]) if rings else perimeter
    minx, miny, maxx, maxy = outer.bounds
    half = max(maxx - minx, maxy - miny) / 2 + margin
    cx, cy = (minx + maxx) / 2, (miny + maxy) / 2
    return (cx - half, cy - half, cx + half, cy + half)


def in_window(
    x: np.ndarray, y: np.ndarray, window: tuple[float, float, float, float]
) -> np.ndarray:
    """Whether each point lies in ``window`` (half-open on the upper edges)."""
    return (x >= window[0]) & (x < window[2]) & (y >= window[1]) & (y < window[3])


def data_coverage(ws: Workspace, first: dt.date, until: dt.date) -> CoverageTable:
    """Events (every role) per zone of the zone layer and calendar month, from ``first``'s
    month to ``until``.

    A point on a border between two zones is counted in the first zone holding it.
    """
    binning = CalendarMonth(ws.config.timezone)
    lo, hi = binning.code_of(first), binning.code_of(until)
    months = tuple(binning.start(c) for c in range(lo, hi + 1))
    layer = ws.config.zone_layer
    if layer not in ws.area_layers() or not months:
        return CoverageTable((), months, np.zeros((0, len(months))))
    zf = ws.areas(layer)
    zones = list(zip(zf["code"], zf["name"], zf.geometry, strict=True))
    ev = ws.events(start=binning.start(lo), end=until + dt.timedelta(days=1))
    x, y = ev["x"].to_numpy(float), ev["y"].to_numpy(float)
    codes = binning.codes(ev["occurred_at"]) if len(ev) else np.array([], dtype=np.int64)
    taken = np.zeros(x.size, dtype=bool)
    rows = []
    for _code, _name, geom in zones:
        inside = shapely.contains_xy(geom, x, y) & ~taken
        taken |= inside
        rows.append(counts(codes[inside], lo, hi))
    return CoverageTable(tuple(str(c) for c, _n, _g in zones), months, np.vstack(rows))


def quarantine_by_source(ws: Workspace) -> list[SourceRow]:
    """Rows read, stored and quarantined per source (a file imported twice counts once)."""
    from hotspotwatch.store.import_summary import source_summaries

    return [
        SourceRow(
            source=s.source,
            files=s.files,
            imports=s.imports,
            read=s.read,
            stored=s.stored,
            quarantined=s.quarantined,
            reasons=s.reasons,
        )
        for s in source_summaries(ws.engine)
    ]


def first_of_evaluation(first_designation: dt.date, pre_months: int) -> dt.date:
    """First day of the evaluation's earliest month: ``pre_months`` before the first
    designation (the data-coverage table starts there)."""
    return add_months(first_designation, -pre_months)


def default_until(ws: Workspace) -> dt.date:
    """The last day with data (:func:`hotspotwatch.workflows.views.last_data_day`: the
    local date of the newest event, the dashboard's prevention log left out, as the
    dashboard's review day); today if there are none."""
    from hotspotwatch.workflows.views import last_data_day

    day = last_data_day(ws)
    return dt.date.today() if day is None else day


def zone_outlines(ws: Workspace) -> list[tuple[str, str, BaseGeometry]]:
    """``(code, name, outline)`` of the zones of ``ws.config.zone_layer`` (simplified by
    :data:`DISPLAY_TOLERANCE_M` for drawing; empty when the layer is missing)."""
    layer = ws.config.zone_layer
    if layer not in ws.area_layers():
        return []
    zf = ws.areas(layer)
    return [
        (str(c), str(n), g.simplify(DISPLAY_TOLERANCE_M))
        for c, n, g in zip(zf["code"], zf["name"], zf.geometry, strict=True)
    ]


#: The area layer of communes drawn (with their names) on the report's maps.
COMMUNE_LAYER = "commune"


def commune_outlines(ws: Workspace) -> list[tuple[str, dict[str, str], BaseGeometry]]:
    """``(code, {"en", "fr", "nl"} names, outline)`` of the :data:`COMMUNE_LAYER` areas
    (simplified for drawing; empty when the workspace has no such layer). A language
    without its own name takes the ``name`` field."""
    if COMMUNE_LAYER not in ws.area_layers():
        return []
    cf = ws.areas(COMMUNE_LAYER)
    out = []
    for rec, g in zip(cf.to_dict("records"), cf.geometry, strict=True):
        name = str(rec["name"])
        fr, nl = rec.get("name_fr"), rec.get("name_nl")  # None or NaN when not given
        names = {
            "en": name,
            "fr": fr if isinstance(fr, str) and fr else name,
            "nl": nl if isinstance(nl, str) and nl else name,
        }
        out.append((str(rec["code"]), names, g.simplify(DISPLAY_TOLERANCE_M)))
    return out


def street_lines(ws: Workspace) -> BaseGeometry | None:
    """The ``streets`` line layer as one MultiLineString, simplified by
    :data:`DISPLAY_TOLERANCE_M` for drawing (``None`` when the workspace has none;
    ``hotspotwatch import lines FILE --layer streets``)."""
    from hotspotwatch.store.lines import lines_of
    from hotspotwatch.workflows.ingest_lines import STREET_LAYER

    geoms = lines_of(ws.engine, STREET_LAYER)
    if not geoms:
        return None
    parts = shapely.get_parts(shapely.simplify(np.asarray(geoms, dtype=object),
                                               DISPLAY_TOLERANCE_M))
    street: BaseGeometry = shapely.MultiLineString(list(parts))
    return street


__all__ = [
    "COMMUNE_LAYER",
    "DISPLAY_TOLERANCE_M",
    "MAP_CELL_M",
    "MAP_MARGIN_M",
    "REGION_CELL_M",
    "commune_outlines",
    "data_coverage",
    "default_until",
    "display_grid",
    "first_of_evaluation",
    "in_window",
    "map_window",
    "quarantine_by_source",
    "street_lines",
    "zone_outlines",
]
