"""Read hotspot perimeters and their designation decisions from GeoJSON.

The format is in ``docs/mapping.md``: a FeatureCollection of Polygon/MultiPolygon features
with ``name`` (unique), optional ``code, zone, commune, approximate, note`` and a list of
``designations`` (``action, start, end, body, decision_ref, note``).
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import numpy as np

from hotspotwatch.geo.crs import transformer
from hotspotwatch.io.errors import SourceError
from hotspotwatch.io.raw import check_file

HOTSPOT_PROPERTIES: tuple[str, ...] = ("name", "code", "zone", "commune", "approximate", "note", "designations")
DESIGNATION_KEYS: tuple[str, ...] = ("action", "start", "end", "body", "decision_ref", "note")


def _parse_date(value: Any, where: str) -> dt.date | None:
    if value is None or value == "":
        return None
    try:
        return dt.date.fromisoformat(str(value)[:10])
    except ValueError:
        raise SourceError(f"{where}: {value!r} is not a date; use YYYY-MM-DD") from None


def read_hotspots(
    path: str | Path, *, crs: str, extent: tuple[float, float, float, float] | None = None
) -> list[dict[str, Any]]:
    """Parse a hotspot GeoJSON file (format in ``docs/mapping.md``) into plain records.

    Geometries are transformed from WGS84 (or the file's legacy ``crs`` member) to ``crs``;
    with ``extent`` (the workspace's, in ``crs``), a perimeter wholly outside it is refused,
    saying when its coordinates look swapped.

    Raises
    ------
    SourceError
        Naming the feature and the property at fault.
    """
    import shapely
    from shapely.geometry import shape

    p = check_file(path)
    try:
        doc = json.loads(p.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise SourceError(f"{p}: not valid GeoJSON ({exc})") from None
    if not isinstance(doc, dict) or doc.get("type") != "FeatureCollection":
        raise SourceError(f'{p}: expected a GeoJSON FeatureCollection ("type": "FeatureCollection")')
    src = "EPSG:4326"
    legacy = (doc.get("crs") or {}).get("properties", {}).get("name") if isinstance(doc.get("crs"), dict) else None
    if legacy:
        src = str(legacy)
    tr = transformer(src, crs)
    out = []
    seen: set[str] = set()
    for i, feat in enumerate(doc.get("features") or [], start=1):
        props = dict(feat.get("properties") or {})
        name = str(props.get("name") or "").strip()
        where = f"{p}: feature {i}" + (f" ({name!r})" if name else "")
        if not name:
            raise SourceError(f"{where}: property 'name' is required")
        if name in seen:
            raise SourceError(f"{where}: the name appears twice; hotspot names must be unique")
        seen.add(name)
        unknown = sorted(set(props) - set(HOTSPOT_PROPERTIES))
        try:
            geom = shape(feat.get("geometry"))
        except Exception as exc:
            raise SourceError(f"{where}: invalid geometry ({exc})") from None
        if geom.is_empty or geom.geom_type not in ("Polygon", "MultiPolygon"):
            raise SourceError(f"{where}: the perimeter must be a Polygon or MultiPolygon, got {geom.geom_type}")
        drawn = geom
        geom = shapely.transform(geom, lambda xy: np.column_stack(tr.transform(xy[:, 0], xy[:, 1])))
        if extent is not None and not geom.intersects(shapely.box(*extent)):
            # a perimeter outside the workspace would be counted on no event at all
            swapped = shapely.transform(
                drawn, lambda xy: np.column_stack(tr.transform(xy[:, 1], xy[:, 0])))
            fix = ("GeoJSON coordinates are [longitude, latitude]: they look swapped"
                   if swapped.intersects(shapely.box(*extent)) else
                   "check its coordinates (GeoJSON: WGS84 longitude, latitude)")
            raise SourceError(
                f"{where}: the perimeter lies outside the workspace extent "
                f"[{', '.join(f'{v:.0f}' for v in extent)}] ({crs}); {fix}")
        if not geom.is_valid:
            geom = shapely.make_valid(geom)
        decisions = []
        for j, d in enumerate(props.get("designations") or [], start=1):
            dwhere = f"{where}: designations[{j}]"
            if not isinstance(d, dict):
                raise SourceError(f"{dwhere}: must be an object with action, start, end, body")
            action = str(d.get("action", "designate"))
            if action not in ("designate", "extend", "end"):
                raise SourceError(f"{dwhere}: action {action!r} is not designate, extend or end")
            start = _parse_date(d.get("start"), f"{dwhere} start")
            if start is None:
                raise SourceError(f"{dwhere}: 'start' (YYYY-MM-DD) is required")
            end = _parse_date(d.get("end"), f"{dwhere} end")
            if end is not None and end < start:
                raise SourceError(f"{dwhere}: end {end} is before start {start}")
            body = str(d.get("body") or "").strip()
            if not body:
                raise SourceError(f"{dwhere}: 'body' (the deciding body) is required")
            decisions.append({
                "action": action, "start": start, "end": end, "body": body,
                "decision_ref": d.get("decision_ref"), "note": d.get("note"),
            })
        note = props.get("note")
        if unknown:
            extra = {k: props[k] for k in unknown}
            note = (f"{note} " if note else "") + json.dumps(extra, ensure_ascii=False, default=str)
        out.append({
            "name": name,
            "code": props.get("code"),
            "zone": None if props.get("zone") is None else str(props.get("zone")),
            "commune": props.get("commune"),
            "approximate": bool(props.get("approximate", False)),
            "note": note,
            "geometry": geom,
            "designations": decisions,
        })
    return out


__all__ = ["DESIGNATION_KEYS", "HOTSPOT_PROPERTIES", "read_hotspots"]
