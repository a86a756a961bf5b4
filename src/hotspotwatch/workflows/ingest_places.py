"""Import area layers and hotspots (with their designation decisions) into a workspace.

One file is one transaction: the import record and the polygons (or the hotspots and their
new decisions) are written together (:mod:`hotspotwatch.store.imports`).
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd
from shapely.geometry.base import BaseGeometry

from hotspotwatch.io.errors import SourceError
from hotspotwatch.io.hotspots import read_hotspots
from hotspotwatch.io.raw import check_file, file_fingerprint
from hotspotwatch.store import imports as store_imports
from hotspotwatch.store.imports import ImportRecord

if TYPE_CHECKING:
    from hotspotwatch.workspace import Workspace

@dataclass(frozen=True)
class AreaImportReport:
    """Outcome of an area import: ``written`` polygons replaced layer ``layer``.

    For the study area (:func:`import_study_area`), ``events`` stored events of which
    ``events_outside`` lie outside it (many outside: a wrong CRS, of the file or the events);
    ``None`` for other layers.
    """

    file: str
    layer: str
    read: int
    written: int
    repaired: int
    import_id: int
    events: int | None = None
    events_outside: int | None = None

#: The area layer that is the workspace's study area.
STUDY_AREA_LAYER = "region"
#: The line layer of streets: not an area layer (``hotspotwatch import lines``,
#: :mod:`hotspotwatch.workflows.ingest_lines`).
LINE_LAYER = "streets"


def _read_polygon_file(path: Path, source_layer: str | None) -> Any:
    """The features of a GeoPackage/GeoJSON/Shapefile/GeoParquet layer, with its CRS."""
    import geopandas as gpd

    if path.suffix.lower() in (".parquet", ".geoparquet"):
        try:
            gdf = gpd.read_parquet(path)
        except Exception as exc:
            raise SourceError(f"{path}: not a readable GeoParquet file ({exc})") from None
    else:
        from hotspotwatch.io.vector import list_layers

        layers = list_layers(path)
        if source_layer is None and len(layers) > 1:
            raise SourceError(f"{path}: has layers {', '.join(layers)}; choose one with --source-layer")
        try:
            gdf = gpd.read_file(path, layer=source_layer, engine="pyogrio")
        except Exception as exc:
            raise SourceError(f"{path}: cannot read features ({exc})") from None
    if gdf.crs is None:
        raise SourceError(f"{path}: the file has no CRS; save it with one (GeoJSON is WGS84; "
                          "a Shapefile needs its .prj)")
    return gdf


@dataclass(frozen=True)
class StudyArea:
    """A study-area polygon read from a file (workspace CRS) and what it was made of."""

    file: str
    geometry: BaseGeometry
    features: int

    @property
    def area_km2(self) -> float:
        """Its area in km²."""
        return float(self.geometry.area) / 1e6


def read_study_area(
    file: str | Path, *, crs: str, source_layer: str | None = None,
    extent: tuple[float, float, float, float] | None = None,
) -> StudyArea:
    """Read a polygon layer as one study-area polygon in ``crs``, checking it first.

    The features (GeoPackage, GeoJSON, Shapefile or GeoParquet, in any CRS) are
    reprojected to ``crs`` and dissolved (:func:`hotspotwatch.geo.study_area.dissolve`).

    Parameters
    ----------
    file : path
        The polygon layer.
    crs : str
        The workspace CRS.
    source_layer : str, optional
        Layer of a multi-layer GeoPackage.
    extent : (xmin, ymin, xmax, ymax), optional
        The workspace's accepted extent (``[workspace] extent``); the polygon must meet it.

    Raises
    ------
    SourceError
        One line naming the file and the fix: no features, a feature that is not a polygon
        or not valid, no CRS, or a polygon outside the CRS's area of use (or ``extent``).
    """
    import numpy as np
    import shapely
    from pyproj import CRS

    from hotspotwatch.geo.study_area import dissolve, polygon_problems

    path = check_file(file)
    gdf = _read_polygon_file(path, source_layer)
    if len(gdf) == 0:
        raise SourceError(f"{path}: has no features; the study area needs at least one polygon "
                          "(export the boundary layer again)")
    geoms = list(gdf.geometry.to_numpy())
    problems = polygon_problems(geoms)
    if problems:
        i, reason = problems[0]
        more = f" (and {len(problems) - 1} more)" if len(problems) > 1 else ""
        if reason.startswith("invalid"):
            fix = ("repair it (QGIS: Processing > Fix geometries; or shapely.make_valid) and "
                   "import the file again")
            what = f"is not a valid polygon ({reason[len('invalid: '):]})"
        else:
            fix = "give the boundary as polygons (GeoPackage, GeoJSON or Shapefile)"
            what = "has no geometry" if reason == "no geometry" else f"is a {reason}, not a polygon"
        raise SourceError(f"{path}: feature {i + 1}{more} {what}; {fix}")
    try:
        lonlat = gdf.to_crs("EPSG:4326").total_bounds
        projected = gdf.to_crs(crs)
    except Exception as exc:
        raise SourceError(f"{path}: cannot reproject from {gdf.crs} to {crs} ({exc})") from None
    use = CRS.from_user_input(crs).area_of_use
    geometry = dissolve(list(projected.geometry.to_numpy()))
    bounds = np.asarray(geometry.bounds, dtype=float)
    where = (f"lon {lonlat[0]:.3f} to {lonlat[2]:.3f}, lat {lonlat[1]:.3f} to {lonlat[3]:.3f}")
    outside = not np.isfinite(bounds).all() or geometry.is_empty or not geometry.area > 0
    if use is not None and not outside:
        outside = (lonlat[2] < use.west or lonlat[0] > use.east or lonlat[3] < use.south
                   or lonlat[1] > use.north)
    if not (-180 <= lonlat[0] <= lonlat[2] <= 180 and -90 <= lonlat[1] <= lonlat[3] <= 90):
        raise SourceError(
            f"{path}: the coordinates (x {lonlat[0]:.0f} to {lonlat[2]:.0f}, y {lonlat[1]:.0f} "
            f"to {lonlat[3]:.0f}) are not degrees though the file's CRS is "
            f"{gdf.crs.to_string()}; save the file with the CRS it was drawn in"
        )
    if outside:
        of_use = (f" (lon {use.west:g} to {use.east:g}, lat {use.south:g} to {use.north:g})"
                  if use is not None else "")
        raise SourceError(
            f"{path}: the polygons ({where}, read as {gdf.crs.to_string()}) lie outside the area "
            f"of use of the workspace CRS {crs}{of_use}; check the file's CRS, or create the "
            "workspace with the --crs of that place"
        )
    if extent is not None and not geometry.intersects(shapely.box(*extent)):
        raise SourceError(
            f"{path}: the polygons ({where}) do not meet the workspace's [workspace] extent "
            f"{list(extent)}; check the file's CRS or the extent in hotspotwatch.toml"
        )
    return StudyArea(file=str(path), geometry=geometry, features=len(gdf))


def write_study_area(
    ws: Workspace, area: StudyArea, *, user: str | None = None, name: str | None = None,
) -> AreaImportReport:
    """Replace the ``region`` layer (the study area) with ``area``, in one transaction."""
    path = Path(area.file)
    records = pd.DataFrame({
        "code": [STUDY_AREA_LAYER], "name": [name or ws.config.name or path.stem],
        "name_fr": [None], "name_nl": [None], "attrs": [None], "geometry": [area.geometry],
    })
    record = ImportRecord(
        kind="areas", file=str(path), fingerprint=file_fingerprint(path),
        fmt=path.suffix.lstrip(".").lower() or "vector", source=STUDY_AREA_LAYER, user=user,
    )
    import_id, written = store_imports.import_area_layer(
        ws.engine, STUDY_AREA_LAYER, records, record=record, read=area.features
    )
    import shapely

    ev = ws.events()
    inside = shapely.intersects_xy(area.geometry, ev["x"].to_numpy(float), ev["y"].to_numpy(float))
    return AreaImportReport(file=str(path), layer=STUDY_AREA_LAYER, read=area.features,
                            written=written, repaired=0, import_id=import_id, events=len(ev),
                            events_outside=int(len(ev) - inside.sum()))


def import_study_area(
    ws: Workspace, file: str | Path, *, source_layer: str | None = None, user: str | None = None,
) -> AreaImportReport:
    """Set (or replace) the workspace's study area from a polygon layer.

    What ``hotspotwatch init DIR --study-area FILE`` and ``hotspotwatch import areas FILE
    --layer region`` do: :func:`read_study_area` (any CRS, reprojected; features dissolved;
    checked), then the ``region`` layer is replaced by that one polygon (code ``region``).

    Raises
    ------
    SourceError
        See :func:`read_study_area`.

    Examples
    --------
    >>> import json, tempfile, shapely
    >>> from hotspotwatch import Workspace
    >>> d = tempfile.mkdtemp()
    >>> square = shapely.box(4.34, 50.84, 4.36, 50.85).__geo_interface__
    >>> with open(f"{d}/area.geojson", "w") as f:
    ...     _ = f.write(json.dumps({"type": "FeatureCollection", "features": [
    ...         {"type": "Feature", "properties": {}, "geometry": square}]}))
    >>> ws = Workspace.create(f"{d}/ws", crs="EPSG:3812")
    >>> rep = import_study_area(ws, f"{d}/area.geojson")
    >>> rep.layer, rep.written, round(ws.study_area().area / 1e6, 1)
    ('region', 1, 1.6)
    >>> ws.close()
    """
    area = read_study_area(file, crs=ws.config.crs, source_layer=source_layer,
                           extent=ws.config.extent)
    return write_study_area(ws, area, user=user)



def _field(columns: Sequence[str], name: str, option: str, path: Path) -> str:
    if name in columns:
        return name
    import difflib

    close = difflib.get_close_matches(name, list(columns), n=3, cutoff=0.5)
    hint = f"closest: {', '.join(repr(c) for c in close)}" if close else f"fields: {', '.join(map(repr, columns))}"
    raise SourceError(f"{path}: no field {name!r} for {option} — {hint}")


def import_areas(
    ws: Workspace,
    file: str | Path,
    *,
    layer: str,
    code_field: str | None = None,
    name_field: str | None = None,
    name_fr_field: str | None = None,
    name_nl_field: str | None = None,
    source_layer: str | None = None,
    user: str | None = None,
) -> AreaImportReport:
    """Replace the area layer ``layer`` with the polygons of a GeoJSON/GeoPackage/GeoParquet file.

    Polygons are transformed to the workspace CRS; invalid rings are repaired with
    ``shapely.make_valid`` (counted in ``repaired``); other properties go to ``attrs``.
    The ``region`` layer is the study area: without ``code_field`` and ``name_field`` it is
    imported by :func:`import_study_area` (features dissolved into one checked polygon).

    Raises
    ------
    SourceError
        Missing file or field, a feature that is not a polygon, no CRS, duplicate codes.
    """
    import shapely

    path = check_file(file)
    if not layer or not re.fullmatch(r"[A-Za-z0-9_\-]+", layer):
        raise SourceError(f"--layer {layer!r}: use letters, digits, _ or - (e.g. police_zone)")
    if layer == LINE_LAYER:
        raise SourceError(
            f"--layer {layer} is a line layer, not an area layer: import it with "
            f"`hotspotwatch import lines {path} --layer {layer}`"
        )
    if code_field is None or name_field is None:
        if layer == STUDY_AREA_LAYER and code_field is None and name_field is None:
            return import_study_area(ws, path, source_layer=source_layer, user=user)
        raise SourceError(
            f"--layer {layer}: give --code-field and --name-field (only the study area, "
            f"--layer {STUDY_AREA_LAYER}, can do without: its features are dissolved into one polygon)"
        )
    gdf = _read_polygon_file(path, source_layer)
    cols = [c for c in gdf.columns if c != gdf.geometry.name]
    code_col = _field(cols, code_field, "--code-field", path)
    name_col = _field(cols, name_field, "--name-field", path)
    fr_col = _field(cols, name_fr_field, "--name-fr-field", path) if name_fr_field else None
    nl_col = _field(cols, name_nl_field, "--name-nl-field", path) if name_nl_field else None
    geoms = gdf.geometry.to_numpy()
    bad = [i for i, g in enumerate(geoms) if g is None or g.is_empty or g.geom_type not in ("Polygon", "MultiPolygon")]
    if bad:
        g = geoms[bad[0]]
        kind = "no geometry" if g is None or g.is_empty else g.geom_type
        hint = (
            f" (for lines such as streets: `hotspotwatch import lines {path} --layer {LINE_LAYER}`)"
            if "LineString" in kind else ""
        )
        raise SourceError(
            f"{path}: feature {bad[0] + 1} ({gdf[code_col].iloc[bad[0]]!r}) has {kind}; areas must be polygons{hint}"
        )
    codes = gdf[code_col].astype(str).str.strip()
    dup = codes[codes.duplicated()]
    if len(dup):
        raise SourceError(f"{path}: code {dup.iloc[0]!r} appears more than once in {code_field!r}")
    gdf = gdf.to_crs(ws.config.crs)
    geoms = gdf.geometry.to_numpy()
    invalid = ~shapely.is_valid(geoms)
    if invalid.any():
        fixed = shapely.make_valid(geoms[invalid])
        fixed = [
            shapely.union_all([p for p in shapely.get_parts(f) if p.geom_type in ("Polygon", "MultiPolygon")])
            for f in fixed
        ]
        geoms = geoms.copy()
        geoms[invalid] = fixed
    extra = [c for c in cols if c not in {code_col, name_col, fr_col, nl_col}]
    records = pd.DataFrame({
        "code": codes.to_numpy(),
        "name": gdf[name_col].astype(str).to_numpy(),
        "name_fr": gdf[fr_col].astype(str).to_numpy() if fr_col else None,
        "name_nl": gdf[nl_col].astype(str).to_numpy() if nl_col else None,
        "attrs": [json.loads(pd.Series(r).to_json()) for r in gdf[extra].to_dict("records")]
        if extra else None,
        "geometry": geoms,
    })
    record = ImportRecord(
        kind="areas",
        file=str(path),
        fingerprint=file_fingerprint(path),
        fmt=path.suffix.lstrip(".").lower() or "vector",
        source=layer,
        user=user,
    )
    import_id, written = store_imports.import_area_layer(
        ws.engine, layer, records, record=record, read=len(gdf)
    )
    return AreaImportReport(
        file=str(path), layer=layer, read=len(gdf), written=written, repaired=int(invalid.sum()),
        import_id=import_id,
    )


@dataclass(frozen=True)
class HotspotImportReport:
    """Outcome of a hotspot import."""

    file: str
    hotspots: int
    designations_added: int
    designations_unchanged: int
    names: tuple[str, ...] = field(default_factory=tuple)


def import_hotspots(ws: Workspace, file: str | Path, *, user: str | None = None) -> HotspotImportReport:
    """Add or update hotspots (by name) and their designation decisions from GeoJSON.

    A decision already recorded (same hotspot, action, start, end, body and reference) is
    not added again, so re-importing a file is a no-op. One transaction for the file.
    """
    path = check_file(file)
    records = read_hotspots(path, crs=ws.config.crs, extent=ws.extent())
    existing = ws.designations()
    known = {
        (r.hotspot, r.action, r.start, r.end if not pd.isna(r.end) else None, r.body,
         r.decision_ref if isinstance(r.decision_ref, str) else None)
        for r in existing.itertuples(index=False)
    }
    record = ImportRecord(
        kind="hotspots",
        file=str(path),
        fingerprint=file_fingerprint(path),
        fmt="geojson",
        source="hotspots",
        user=user,
    )
    _, added, unchanged = store_imports.import_hotspots(
        ws.engine, records, record=record, known=known
    )
    return HotspotImportReport(
        file=str(path), hotspots=len(records), designations_added=added,
        designations_unchanged=unchanged, names=tuple(r["name"] for r in records),
    )


__all__ = ["STUDY_AREA_LAYER", "AreaImportReport", "HotspotImportReport", "StudyArea",
           "import_areas", "import_hotspots", "import_study_area", "read_study_area",
           "write_study_area"]
