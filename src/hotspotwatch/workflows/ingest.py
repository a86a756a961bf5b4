"""Import events, areas and hotspots into a workspace; export them again.

One file is one transaction: the import record, the events and the quarantine of a file are
written inside ``ws.engine.begin()``, so an interruption (Ctrl-C, a crash, a killed process)
leaves the store exactly as it was, and every completed file satisfies::

    read == inserted + updated + unchanged + quarantined

Re-importing a file changes nothing (``unchanged == read - quarantined``); a corrected file
updates only the rows whose content changed.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import re
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

import numpy as np
import pandas as pd

from hotspotwatch.io.errors import SourceError
from hotspotwatch.io.importer import NormalisedImport, normalise, read_source
from hotspotwatch.io.mapping import EventMapping, load_mapping
from hotspotwatch.io.raw import check_file

if TYPE_CHECKING:
    from hotspotwatch.workspace import Workspace

COUNT_KEYS: tuple[str, ...] = ("read", "inserted", "updated", "unchanged", "quarantined")
ProgressCallback = Callable[[str, str, int, int], None]
"""``progress(file, stage, done, total)``; stages are ``read``, ``check`` and ``store``."""


@dataclass(frozen=True)
class ImportReport:
    """What happened to one file.

    Attributes
    ----------
    file : str
        The file.
    source : str
        The mapping's source name.
    fmt : str
        File format read.
    read, inserted, updated, unchanged, quarantined : int
        Row counts; ``read == inserted + updated + unchanged + quarantined``.
    import_id : int
        Id of the import record (quarantined rows point to it).
    reasons : tuple of (str, int)
        Quarantine reasons grouped by kind, most frequent first.
    examples : tuple of dict
        The first quarantined rows (``row_number``, ``field``, ``reason``).
    """

    file: str
    source: str
    fmt: str
    read: int
    inserted: int
    updated: int
    unchanged: int
    quarantined: int
    import_id: int
    reasons: tuple[tuple[str, int], ...] = ()
    examples: tuple[dict[str, Any], ...] = ()

    def counts(self) -> dict[str, int]:
        """The five counts, exactly the keys ``read, inserted, updated, unchanged, quarantined``."""
        return {k: int(getattr(self, k)) for k in COUNT_KEYS}


def total_counts(reports: Sequence[ImportReport]) -> dict[str, int]:
    """Sum of :meth:`ImportReport.counts` over several files."""
    return {k: sum(int(getattr(r, k)) for r in reports) for k in COUNT_KEYS}


def resolve_mapping(
    ws: Workspace, mapping: str | Path | EventMapping | None, fmt: str | None
) -> EventMapping:
    """The mapping to use: a file, an :class:`EventMapping`, or ``fmt="police-uk"``.

    Raises
    ------
    SourceError
        If neither or both are given, or the mapping is invalid.
    """
    if fmt is not None and mapping is not None:
        raise SourceError("give either a mapping (--mapping MAP.toml) or --format police-uk, not both")
    if fmt is not None:
        if fmt.replace("_", "-").lower() != "police-uk":
            raise SourceError(
                f"unknown --format {fmt!r}; the built-in format is 'police-uk' (for other files "
                "write a mapping, see docs/mapping.md)"
            )
        from hotspotwatch.io.police_uk import police_uk_mapping

        return police_uk_mapping(taxonomy=ws.taxonomy)
    if mapping is None:
        raise SourceError(
            "say how to read the file: --mapping MAP.toml (see docs/mapping.md) or --format police-uk"
        )
    if isinstance(mapping, EventMapping):
        return mapping
    return load_mapping(mapping, taxonomy=ws.taxonomy)


def file_fingerprint(path: Path) -> str:
    """SHA-256 of the file's bytes."""
    h = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def reason_kind(reason: str) -> str:
    """Group a quarantine reason: ``unknown category 'X'`` keeps the value, others their head."""
    m = re.match(r"(unknown category '[^']*'|duplicate id)", reason)
    if m:
        return m.group(1)
    head = re.split(r"[:;(\u2014]| '|'", reason, maxsplit=1)[0].strip()
    return head or reason[:40]


def prepare_file(
    ws: Workspace, path: str | Path, mapping: EventMapping, *, fmt: str | None = None
) -> NormalisedImport:
    """Read and normalise one file for this workspace (nothing is written)."""
    raw = read_source(path, mapping, fmt=fmt)
    return normalise(
        raw,
        mapping,
        crs=ws.config.crs,
        timezone=ws.config.timezone,
        taxonomy=ws.taxonomy,
        extent=ws.extent(),
    )


def import_events(
    ws: Workspace,
    files: Sequence[str | Path],
    *,
    mapping: str | Path | EventMapping | None = None,
    fmt: str | None = None,
    user: str | None = None,
    progress: ProgressCallback | None = None,
) -> list[ImportReport]:
    """Import event files, one transaction per file.

    Parameters
    ----------
    ws : Workspace
        Target workspace.
    files : sequence of path
        CSV, Parquet, GeoJSON or GeoPackage files (all checked to exist before any import).
    mapping : path or EventMapping, optional
        The mapping (see ``docs/mapping.md``); required unless ``fmt`` is given.
    fmt : {"police-uk"}, optional
        A built-in format instead of a mapping.
    user : str, optional
        Recorded as who imported (default: the login name).
    progress : callable, optional
        ``progress(file, stage, done, total)`` for progress bars.

    Returns
    -------
    list of ImportReport
        One per file, in order.

    Raises
    ------
    SourceError
        Missing file, invalid mapping, wrong delimiter or encoding, missing mapped column:
        one line naming the file and the fix. Files before the failing one stay imported.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> from hotspotwatch import Workspace
    >>> ws = Workspace.create(pathlib.Path(tempfile.mkdtemp()) / "ws", crs="EPSG:27700",
    ...                       timezone="Europe/London")
    >>> csv = pathlib.Path(tempfile.mkdtemp()) / "street.csv"
    >>> _ = csv.write_text("Crime ID,Month,Reported by,Falls within,Longitude,Latitude,Location,"
    ...     "LSOA code,LSOA name,Crime type,Last outcome category,Context\\n"
    ...     ",2024-03,Met,Met,-0.1355,51.5131,On or near Soho Square,E01,W 013B,"
    ...     "Anti-social behaviour,,\\n")
    >>> [r.counts() for r in import_events(ws, [csv], fmt="police-uk")]
    [{'read': 1, 'inserted': 1, 'updated': 0, 'unchanged': 0, 'quarantined': 0}]
    >>> import_events(ws, [csv], fmt="police-uk")[0].unchanged
    1
    """
    from hotspotwatch.store import events as store_events
    from hotspotwatch.store.engine import bulk_transaction

    m = resolve_mapping(ws, mapping, fmt)
    paths = [check_file(f) for f in files]
    if not paths:
        raise SourceError("no files to import; give one or more file paths")
    reports = []
    for path in paths:
        name = str(path)

        def tick(stage: str, done: int, total: int, _name: str = name) -> None:
            if progress is not None:
                progress(_name, stage, done, total)

        tick("read", 0, 1)
        raw = read_source(path, m)
        tick("read", 1, 1)
        tick("check", 0, raw.read)
        norm = normalise(
            raw,
            m,
            crs=ws.config.crs,
            timezone=ws.config.timezone,
            taxonomy=ws.taxonomy,
            extent=ws.extent(),
        )
        del raw
        tick("check", norm.read, norm.read)
        fingerprint = file_fingerprint(path)
        label = "police-uk" if m.source == "police-uk" and fmt else norm.fmt
        tick("store", 0, norm.read)
        with bulk_transaction(ws.engine) as conn:
            import_id = store_events.record_import(
                conn,
                kind="events",
                file=name,
                fingerprint=fingerprint,
                fmt=label,
                source=m.source,
                user=user,
            )
            ins, upd, unch = store_events.upsert_events(conn, norm.events, import_id=import_id)
            if ins + upd + unch != len(norm.events):  # pragma: no cover - store contract
                raise RuntimeError(
                    f"store accounted {ins + upd + unch} rows for {len(norm.events)} events"
                )
            store_events.add_quarantine(conn, import_id, name, norm.quarantine)
            counts = {
                "read": norm.read,
                "inserted": ins,
                "updated": upd,
                "unchanged": unch,
                "quarantined": len(norm.quarantine),
            }
            store_events.finish_import(conn, import_id, counts)
        tick("store", norm.read, norm.read)
        q = norm.quarantine
        kinds = Counter(reason_kind(str(r)) for r in q["reason"])
        examples = tuple(
            {"row_number": int(r.row_number), "field": r.field, "reason": r.reason}
            for r in q.head(5).itertuples(index=False)
        )
        reports.append(
            ImportReport(
                file=name,
                source=m.source,
                fmt=label,
                import_id=import_id,
                reasons=tuple(kinds.most_common()),
                examples=examples,
                **counts,
            )
        )
    return reports


# ----------------------------------------------------------------------------- areas


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

    from hotspotwatch.store import events as store_events
    from hotspotwatch.store import places

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
    with ws.engine.begin() as conn:
        import_id = store_events.record_import(
            conn, kind="areas", file=str(path), fingerprint=file_fingerprint(path),
            fmt=path.suffix.lstrip(".").lower() or "vector", source=layer, user=user,
        )
        written = places.replace_area_layer(conn, layer, records)
        store_events.finish_import(
            conn, import_id, {"read": len(gdf), "inserted": written, "updated": 0, "unchanged": 0,
                              "quarantined": 0},
        )
    return AreaImportReport(
        file=str(path), layer=layer, read=len(gdf), written=written, repaired=int(invalid.sum()),
        import_id=import_id,
    )


# -------------------------------------------------------------------------- hotspots

HOTSPOT_PROPERTIES: tuple[str, ...] = ("name", "code", "zone", "commune", "approximate", "note", "designations")
DESIGNATION_KEYS: tuple[str, ...] = ("action", "start", "end", "body", "decision_ref", "note")


@dataclass(frozen=True)
class HotspotImportReport:
    """Outcome of a hotspot import."""

    file: str
    hotspots: int
    designations_added: int
    designations_unchanged: int
    names: tuple[str, ...] = field(default_factory=tuple)


def _parse_date(value: Any, where: str) -> dt.date | None:
    if value is None or value == "":
        return None
    try:
        return dt.date.fromisoformat(str(value)[:10])
    except ValueError:
        raise SourceError(f"{where}: {value!r} is not a date; use YYYY-MM-DD") from None


def read_hotspots(path: str | Path, *, crs: str) -> list[dict[str, Any]]:
    """Parse a hotspot GeoJSON file (format in ``docs/mapping.md``) into plain records.

    Geometries are transformed from WGS84 (or the file's legacy ``crs`` member) to ``crs``.

    Raises
    ------
    SourceError
        Naming the feature and the property at fault.
    """
    import shapely
    from pyproj import Transformer
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
    tr = Transformer.from_crs(src, crs, always_xy=True)
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
        geom = shapely.transform(geom, lambda xy: np.column_stack(tr.transform(xy[:, 0], xy[:, 1])))
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


def import_hotspots(ws: Workspace, file: str | Path, *, user: str | None = None) -> HotspotImportReport:
    """Add or update hotspots (by name) and their designation decisions from GeoJSON.

    A decision already recorded (same hotspot, action, start, end, body and reference) is
    not added again, so re-importing a file is a no-op. One transaction for the file.
    """
    from hotspotwatch.store import events as store_events
    from hotspotwatch.store import places

    path = check_file(file)
    records = read_hotspots(path, crs=ws.config.crs)
    existing = ws.designations()
    known = {
        (r.hotspot, r.action, r.start, r.end if not pd.isna(r.end) else None, r.body,
         r.decision_ref if isinstance(r.decision_ref, str) else None)
        for r in existing.itertuples(index=False)
    }
    added = unchanged = 0
    with ws.engine.begin() as conn:
        import_id = store_events.record_import(
            conn, kind="hotspots", file=str(path), fingerprint=file_fingerprint(path),
            fmt="geojson", source="hotspots", user=user,
        )
        for rec in records:
            hid = places.upsert_hotspot(
                conn, name=rec["name"], geometry=rec["geometry"], code=rec["code"], zone=rec["zone"],
                commune=rec["commune"], approximate=rec["approximate"], note=rec["note"],
            )
            for d in rec["designations"]:
                ref = d["decision_ref"] if d["decision_ref"] else None
                key = (rec["name"], d["action"], d["start"], d["end"], d["body"], ref)
                if key in known:
                    unchanged += 1
                    continue
                known.add(key)
                places.add_designation(
                    conn, hotspot_id=hid, action=d["action"], start=d["start"], end=d["end"],
                    body=d["body"], decision_ref=ref, note=d["note"], recorded_by=user,
                )
                added += 1
        store_events.finish_import(
            conn, import_id, {"read": len(records), "inserted": added, "updated": 0,
                              "unchanged": unchanged, "quarantined": 0},
        )
    return HotspotImportReport(
        file=str(path), hotspots=len(records), designations_added=added,
        designations_unchanged=unchanged, names=tuple(r["name"] for r in records),
    )


# ---------------------------------------------------------------------------- export

ExportWhat = Literal["events", "areas", "hotspots"]
ExportFormat = Literal["geojson", "gpkg", "csv", "parquet"]


def export(
    ws: Workspace,
    what: str,
    fmt: str,
    path: str | Path,
    *,
    layer: str | None = None,
) -> int:
    """Write events, areas or hotspots to a file; return the number of features written.

    GeoJSON is written in WGS84 (RFC 7946); GeoPackage and GeoParquet in the workspace CRS
    (declared in the file, so QGIS places it right); CSV has x/y (workspace CRS) and lon/lat
    for events and WKT geometry for polygons. Hotspot exports carry their designations
    (a GeoJSON export can be imported again with ``import hotspots``).

    Raises
    ------
    ValueError
        For an unknown ``what`` or ``fmt``.
    """
    from hotspotwatch.io.writers import write_frame

    if what == "events":
        gdf = ws.events()
    elif what == "areas":
        layers = [layer] if layer else ws.area_layers()
        frames = [ws.areas(name) for name in layers]
        import geopandas as gpd

        gdf = (
            gpd.GeoDataFrame(pd.concat(frames, ignore_index=True), geometry="geometry", crs=ws.config.crs)
            if frames
            else gpd.GeoDataFrame({"geometry": []}, geometry="geometry", crs=ws.config.crs)
        )
    elif what == "hotspots":
        gdf = ws.hotspots()
        des = ws.designations()
        per: dict[str, list[dict[str, Any]]] = {}
        for r in des.itertuples(index=False):
            per.setdefault(str(r.hotspot), []).append({
                "action": r.action,
                "start": str(r.start),
                "end": None if r.end is None or pd.isna(r.end) else str(r.end),
                "body": r.body,
                "decision_ref": r.decision_ref if isinstance(r.decision_ref, str) else None,
                "note": r.note if isinstance(r.note, str) else None,
            })
        gdf = gdf.copy()
        gdf["designations"] = [per.get(str(n), []) for n in gdf["name"]]
    else:
        raise ValueError(f"what must be events, areas or hotspots, got {what!r}")
    if gdf.crs is None:
        gdf = gdf.set_crs(ws.config.crs)
    return write_frame(gdf, fmt, path, layer_name=what)
