"""Areas, hotspots and designation decisions.

Each function takes an open connection (to join the caller's transaction) or the engine
(one call, one transaction; see :mod:`hotspotwatch.store.access`).
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Mapping
from typing import Any

import pandas as pd
import shapely
from shapely.geometry.base import BaseGeometry
from sqlalchemy import Connection, delete, insert, select, update

from hotspotwatch.store.access import reads, writes
from hotspotwatch.store.counts import area_bounds as area_bounds  # re-exported
from hotspotwatch.store.counts import area_layers as area_layers  # re-exported
from hotspotwatch.store.schema import areas, designations, hotspots

DESIGNATION_ACTIONS = ("designate", "extend", "end")


def _bounds(geom: BaseGeometry) -> dict[str, float]:
    xmin, ymin, xmax, ymax = geom.bounds
    return {"min_x": xmin, "min_y": ymin, "max_x": xmax, "max_y": ymax}


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC).replace(tzinfo=None)


@writes
def replace_area_layer(conn: Connection, layer: str, frame: pd.DataFrame) -> int:
    """Replace every area of ``layer`` with the rows of ``frame``.

    ``frame`` has ``code, name, geometry`` (shapely, workspace CRS) and optionally
    ``name_fr, name_nl, attrs`` (mapping). Returns the number of areas written.
    """
    conn.execute(delete(areas).where(areas.c.layer == layer))
    rows = []
    for rec in frame.to_dict("records"):
        geom = rec["geometry"]
        attrs = rec.get("attrs")
        rows.append(
            {
                "layer": layer,
                "code": str(rec["code"]),
                "name": str(rec["name"]),
                "name_fr": rec.get("name_fr"),
                "name_nl": rec.get("name_nl"),
                "attrs": json.dumps(attrs, default=str) if attrs else None,
                "geometry": shapely.to_wkb(geom),
                **_bounds(geom),
            }
        )
    if rows:
        conn.execute(insert(areas), rows)
    return len(rows)


@reads
def select_areas(conn: Connection, layer: str | None = None) -> pd.DataFrame:
    """Areas with a ``geometry`` column of shapely objects."""
    stmt = select(areas).order_by(areas.c.layer, areas.c.code)
    if layer is not None:
        stmt = stmt.where(areas.c.layer == layer)
    frame = pd.DataFrame([dict(r._mapping) for r in conn.execute(stmt)])
    if frame.empty:
        return pd.DataFrame(
            columns=["area_id", "layer", "code", "name", "name_fr", "name_nl", "attrs", "geometry"]
        )
    frame["geometry"] = shapely.from_wkb(frame["geometry"].to_numpy())
    frame["attrs"] = [json.loads(a) if a else {} for a in frame["attrs"]]
    return frame.drop(columns=["min_x", "min_y", "max_x", "max_y"])


@writes
def upsert_hotspot(
    conn: Connection,
    *,
    name: str,
    geometry: BaseGeometry,
    code: str | None = None,
    zone: str | None = None,
    commune: str | None = None,
    approximate: bool = False,
    note: str | None = None,
) -> int:
    """Insert a hotspot or update the one with the same name; return its id."""
    if geometry.is_empty or geometry.geom_type not in ("Polygon", "MultiPolygon"):
        raise ValueError(
            f"hotspot {name!r}: the perimeter must be a non-empty polygon, got {geometry.geom_type}"
        )
    values: dict[str, Any] = {
        "code": code,
        "zone": zone,
        "commune": commune,
        "approximate": bool(approximate),
        "note": note,
        "geometry": shapely.to_wkb(geometry),
        **_bounds(geometry),
    }
    existing = conn.execute(select(hotspots.c.hotspot_id).where(hotspots.c.name == name)).scalar()
    if existing is not None:
        conn.execute(update(hotspots).where(hotspots.c.hotspot_id == existing).values(**values))
        return int(existing)
    res = conn.execute(insert(hotspots).values(name=name, created_at=_now(), **values))
    pk = res.inserted_primary_key
    assert pk is not None
    return int(pk[0])


@reads
def hotspot_id(conn: Connection, name: str) -> int:
    """Id of the hotspot called ``name``.

    Raises
    ------
    KeyError
        With the closest names when there is no such hotspot.
    """
    found = conn.execute(select(hotspots.c.hotspot_id).where(hotspots.c.name == name)).scalar()
    if found is None:
        import difflib

        names = [r[0] for r in conn.execute(select(hotspots.c.name))]
        close = difflib.get_close_matches(name, names, n=3, cutoff=0.5)
        hint = (
            f"; did you mean {', '.join(repr(c) for c in close)}?"
            if close
            else (f"; known hotspots: {', '.join(sorted(names)) or 'none yet'}")
        )
        raise KeyError(f"no hotspot called {name!r}{hint}")
    return int(found)


@reads
def select_hotspots(conn: Connection) -> pd.DataFrame:
    """Hotspots with a ``geometry`` column of shapely objects."""
    frame = pd.DataFrame(
        [dict(r._mapping) for r in conn.execute(select(hotspots).order_by(hotspots.c.name))]
    )
    if frame.empty:
        return pd.DataFrame(
            columns=[
                "hotspot_id",
                "name",
                "code",
                "zone",
                "commune",
                "approximate",
                "note",
                "geometry",
            ]
        )
    frame["geometry"] = shapely.from_wkb(frame["geometry"].to_numpy())
    frame["approximate"] = frame["approximate"].astype(bool)
    return frame.drop(columns=["min_x", "min_y", "max_x", "max_y", "created_at"])


@writes
def add_designation(
    conn: Connection,
    *,
    hotspot_id: int,
    action: str,
    start: dt.date,
    end: dt.date | None,
    body: str,
    decision_ref: str | None = None,
    note: str | None = None,
    recorded_by: str | None = None,
) -> int:
    """Record a decision about a hotspot; return its id.

    Raises
    ------
    ValueError
        For an unknown action or an end before the start.
    """
    if action not in DESIGNATION_ACTIONS:
        raise ValueError(f"action must be one of {', '.join(DESIGNATION_ACTIONS)}, got {action!r}")
    if end is not None and end < start:
        raise ValueError(f"designation ends ({end}) before it starts ({start})")
    res = conn.execute(
        insert(designations).values(
            hotspot_id=hotspot_id,
            action=action,
            start=start,
            end=end,
            body=body,
            decision_ref=decision_ref,
            note=note,
            recorded_at=_now(),
            recorded_by=recorded_by,
        )
    )
    pk = res.inserted_primary_key
    assert pk is not None
    return int(pk[0])


@reads
def select_designations(conn: Connection) -> pd.DataFrame:
    """All decisions, oldest first, with the hotspot name."""
    stmt = (
        select(designations, hotspots.c.name.label("hotspot"))
        .join(hotspots, hotspots.c.hotspot_id == designations.c.hotspot_id)
        .order_by(designations.c.start, designations.c.designation_id)
    )
    cols = [
        "designation_id",
        "hotspot_id",
        "hotspot",
        "action",
        "start",
        "end",
        "body",
        "decision_ref",
        "note",
        "recorded_at",
        "recorded_by",
    ]
    frame = pd.DataFrame([dict(r._mapping) for r in conn.execute(stmt)], columns=cols)
    return frame[cols]


@writes
def add_designation_for(
    conn: Connection,
    hotspot: str,
    *,
    action: str,
    start: dt.date,
    end: dt.date | None,
    body: str,
    decision_ref: str | None = None,
    note: str | None = None,
    recorded_by: str | None = None,
) -> int:
    """Record a decision about the hotspot called ``hotspot`` (see :func:`add_designation`)."""
    return add_designation(
        conn,
        hotspot_id=hotspot_id(conn, hotspot),
        action=action,
        start=start,
        end=end,
        body=body,
        decision_ref=decision_ref,
        note=note,
        recorded_by=recorded_by,
    )


def area_record(rec: Mapping[str, Any]) -> dict[str, Any]:
    """Normalise an area mapping for :func:`replace_area_layer` (helper for callers)."""
    return {k: rec.get(k) for k in ("code", "name", "name_fr", "name_nl", "attrs", "geometry")}
