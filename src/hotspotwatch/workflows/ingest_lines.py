"""Import a line layer (streets) into a workspace: ``hotspotwatch import lines``.

The lines of a GeoPackage, GeoJSON, Shapefile or GeoParquet file the user supplies (for
example an OpenStreetMap extract) are transformed to the workspace CRS, clipped to the
study area and stored as WKB in the ``lines`` table (:mod:`hotspotwatch.store.lines`), the
way :func:`hotspotwatch.workflows.ingest_places.import_areas` stores polygons. Importing a
layer again replaces it in one transaction: the same file gives the same lines, and a file
that fails leaves the old layer untouched. A line layer is display only (the report draws
the ``streets`` layer on its maps): it is not part of the data fingerprint, so importing
one changes no stored result.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from hotspotwatch.io.errors import SourceError
from hotspotwatch.io.raw import check_file, file_fingerprint
from hotspotwatch.store import lines as store_lines
from hotspotwatch.store.fingerprint import LINE_IMPORT_KIND
from hotspotwatch.store.imports import ImportRecord
from hotspotwatch.workflows.ingest_places import _field, _read_polygon_file

if TYPE_CHECKING:
    from hotspotwatch.workspace import Workspace

#: The line layer the report draws (thin grey, under everything else on its maps).
STREET_LAYER = "streets"
#: Fields used for a line's name and kind when the options are not given and the file has
#: them (OpenStreetMap extracts: ``name`` and ``highway``).
DEFAULT_NAME_FIELD = "name"
DEFAULT_KIND_FIELD = "highway"
LINE_TYPES = ("LineString", "MultiLineString")


@dataclass(frozen=True)
class LineImportReport:
    """Outcome of a line import: ``written`` lines replaced layer ``layer``.

    ``read`` features were read; ``outside`` of them lie wholly outside the study area and
    were left out; the others were clipped to it.
    """

    file: str
    layer: str
    read: int
    written: int
    outside: int
    import_id: int


def _lines_only(geom: Any) -> Any:
    """The line parts of a clipped geometry (a clip can leave points on the boundary)."""
    import shapely

    if geom is None or geom.is_empty:
        return None
    if geom.geom_type in LINE_TYPES:
        return geom
    parts = [p for p in shapely.get_parts(geom) if p.geom_type in LINE_TYPES and not p.is_empty]
    if not parts:
        return None
    flat = [q for p in parts for q in shapely.get_parts(p)]
    return flat[0] if len(flat) == 1 else shapely.multilinestrings(flat)


def import_lines(
    ws: Workspace,
    file: str | Path,
    *,
    layer: str = STREET_LAYER,
    name_field: str | None = None,
    kind_field: str | None = None,
    source_layer: str | None = None,
    user: str | None = None,
) -> LineImportReport:
    """Replace the line layer ``layer`` with the lines of a vector file, clipped to the
    study area.

    Parameters
    ----------
    ws : Workspace
        The workspace (it needs a study area: ``import areas FILE --layer region``).
    file : str or Path
        GeoPackage, GeoJSON, Shapefile or GeoParquet with LineString/MultiLineString
        features, in any CRS the file declares.
    layer : str
        The line layer to (re)place; the report draws ``streets``.
    name_field, kind_field : str, optional
        Fields holding a line's name and kind (default ``name`` and ``highway`` when the
        file has them).
    source_layer : str, optional
        The layer of a multi-layer GeoPackage.
    user : str, optional
        Who imports (recorded).

    Returns
    -------
    LineImportReport

    Raises
    ------
    SourceError
        Missing file, layer or field; no CRS; a feature without geometry or not a line
        (the message names the file, the feature number and the fix).
    hotspotwatch.workspace.StudyAreaError
        If the workspace has no study area.

    Examples
    --------
    >>> import json, tempfile, shapely
    >>> from hotspotwatch import Workspace
    >>> from hotspotwatch.workflows.ingest_places import import_study_area
    >>> d = tempfile.mkdtemp()
    >>> def write(path, geoms, props):
    ...     feats = [{"type": "Feature", "properties": p, "geometry": g.__geo_interface__}
    ...              for g, p in zip(geoms, props)]
    ...     with open(path, "w") as f:
    ...         json.dump({"type": "FeatureCollection", "features": feats}, f)
    >>> write(f"{d}/area.geojson", [shapely.box(4.34, 50.84, 4.36, 50.85)], [{}])
    >>> street = shapely.LineString([(4.30, 50.845), (4.40, 50.845)])  # crosses the area
    >>> write(f"{d}/streets.geojson", [street], [{"name": "Rue Haute", "highway": "primary"}])
    >>> ws = Workspace.create(f"{d}/ws", crs="EPSG:3812")
    >>> _ = import_study_area(ws, f"{d}/area.geojson")
    >>> rep = import_lines(ws, f"{d}/streets.geojson")
    >>> rep.layer, rep.read, rep.written, rep.outside
    ('streets', 1, 1, 0)
    >>> round(store_lines.lines_of(ws.engine, "streets")[0].length, -1)  # clipped: ~1.4 km
    1410.0
    >>> ws.close()
    """
    import shapely

    path = check_file(file)
    if not layer or not re.fullmatch(r"[A-Za-z0-9_\-]+", layer):
        raise SourceError(f"--layer {layer!r}: use letters, digits, _ or - (e.g. streets)")
    area = ws.study_area()
    gdf = _read_polygon_file(path, source_layer)
    cols = [c for c in gdf.columns if c != gdf.geometry.name]
    name_col = (
        _field(cols, name_field, "--name-field", path) if name_field
        else DEFAULT_NAME_FIELD if DEFAULT_NAME_FIELD in cols else None
    )
    kind_col = (
        _field(cols, kind_field, "--kind-field", path) if kind_field
        else DEFAULT_KIND_FIELD if DEFAULT_KIND_FIELD in cols else None
    )
    geoms = gdf.geometry.to_numpy()
    for i, g in enumerate(geoms):
        if g is None or g.is_empty:
            raise SourceError(
                f"{path}: feature {i + 1} has no geometry; every feature of a line layer "
                "needs a LineString (drop it, or fix it in the file)"
            )
        if g.geom_type not in LINE_TYPES:
            hint = (
                "polygons go to `hotspotwatch import areas`" if "Polygon" in g.geom_type
                else "drop the points, or keep only the line layer of the file "
                "(--source-layer)"
            )
            raise SourceError(
                f"{path}: feature {i + 1} has {g.geom_type}; a line layer takes LineString or "
                f"MultiLineString features ({hint})"
            )
    geoms = shapely.force_2d(gdf.to_crs(ws.config.crs).geometry.to_numpy())
    shapely.prepare(area)
    touches = shapely.intersects(area, geoms)
    inside = touches & shapely.contains(area, geoms)
    clipped = np.array(geoms, dtype=object)
    cut = touches & ~inside
    if cut.any():
        clipped[cut] = [_lines_only(g) for g in shapely.intersection(geoms[cut], area)]
    keep = touches & np.array([g is not None for g in clipped])
    records = pd.DataFrame({
        "geometry": clipped[keep],
        "name": gdf[name_col].to_numpy()[keep] if name_col else None,
        "kind": gdf[kind_col].to_numpy()[keep] if kind_col else None,
    })
    record = ImportRecord(
        kind=LINE_IMPORT_KIND,
        file=str(path),
        fingerprint=file_fingerprint(path),
        fmt=path.suffix.lstrip(".").lower() or "vector",
        source=layer,
        user=user,
    )
    import_id, written = store_lines.import_line_layer(
        ws.engine, layer, records, record=record, read=len(gdf)
    )
    return LineImportReport(
        file=str(path), layer=layer, read=len(gdf), written=written,
        outside=int(len(gdf) - keep.sum()), import_id=import_id,
    )


__all__ = ["STREET_LAYER", "LineImportReport", "import_lines"]
