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
from typing import TYPE_CHECKING

import pandas as pd

from hotspotwatch.io.errors import SourceError
from hotspotwatch.io.hotspots import read_hotspots
from hotspotwatch.io.raw import check_file, file_fingerprint
from hotspotwatch.store import imports as store_imports
from hotspotwatch.store.imports import ImportRecord

if TYPE_CHECKING:
    from hotspotwatch.workspace import Workspace

@dataclass(frozen=True)
class AreaImportReport:
    """Outcome of an area import: ``written`` polygons replaced layer ``layer``."""

    file: str
    layer: str
    read: int
    written: int
    repaired: int
    import_id: int


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
    code_field: str,
    name_field: str,
    name_fr_field: str | None = None,
    name_nl_field: str | None = None,
    source_layer: str | None = None,
    user: str | None = None,
) -> AreaImportReport:
    """Replace the area layer ``layer`` with the polygons of a GeoJSON/GeoPackage/GeoParquet file.

    Polygons are transformed to the workspace CRS; invalid rings are repaired with
    ``shapely.make_valid`` (counted in ``repaired``); other properties go to ``attrs``.

    Raises
    ------
    SourceError
        Missing file or field, a feature that is not a polygon, no CRS, duplicate codes.
    """
    import geopandas as gpd
    import shapely

    path = check_file(file)
    if not layer or not re.fullmatch(r"[A-Za-z0-9_\-]+", layer):
        raise SourceError(f"--layer {layer!r}: use letters, digits, _ or - (e.g. police_zone)")
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
        raise SourceError(f"{path}: the file has no CRS; save it with one (GeoJSON is WGS84)")
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
        raise SourceError(
            f"{path}: feature {bad[0] + 1} ({gdf[code_col].iloc[bad[0]]!r}) has {kind}; areas must be polygons"
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
    records = read_hotspots(path, crs=ws.config.crs)
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


__all__ = ["AreaImportReport", "HotspotImportReport", "import_areas", "import_hotspots"]
