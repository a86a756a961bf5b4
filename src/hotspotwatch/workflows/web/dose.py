"""The dashboard's presence panel and resource entry (issue 18): activity, not results.

- :func:`presence_view`: minutes of presence per week and unit type at one hotspot, from the
  stored ``dose.presence`` run for the dashboard's review day (the renewal report's run);
- :func:`resource_rows`: the resource records of one hotspot;
- :func:`enter_resource`: one record entered in the dashboard, checked by the same rules as
  ``hotspotwatch import resources`` (:func:`hotspotwatch.io.resources.normalise_resources`)
  and written with its import record in one transaction; a record with the same hotspot,
  period, kind and source updates the stored one.

Who may enter resources (admin; a partner for its own places) is the web layer's decision
(:mod:`hotspotwatch.web.policy`); it also audits every write.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import math
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from hotspotwatch.io.raw import RawTable
from hotspotwatch.io.resources import KINDS, RESOURCE_SOURCE, normalise_resources
from hotspotwatch.store import presence as store_presence
from hotspotwatch.store import resources as store_resources
from hotspotwatch.store.imports import ImportRecord
from hotspotwatch.workflows.presence import presence_spec
from hotspotwatch.workflows.runs import ensure_run
from hotspotwatch.workflows.web.runs import provenance, review_day

if TYPE_CHECKING:
    from hotspotwatch.workspace import Workspace

#: What the import record of a dashboard entry names as its file.
DASHBOARD_FILE = "<dashboard>"
RESOURCE_KINDS = KINDS


def presence_view(ws: Workspace, name: str) -> dict[str, Any]:
    """Presence at hotspot ``name`` per week and unit type, with the run it comes from.

    Returns
    -------
    dict
        ``label`` ("activity, not results"), ``has_presence`` (any session stored),
        ``until``, ``run`` (provenance; ``None`` without sessions), ``unit_types``,
        ``weeks`` (``[{"week", "unit_type", "minutes", "sessions"}]``, Mondays, weeks with
        presence) and ``summary`` (``sessions, minutes, minutes_per_week, weeks,
        minutes_by_unit_type, high_harm_covered_share, high_harm_hours, median_minutes``;
        ``None`` without a session at the place).
    """
    until = review_day(ws)
    out: dict[str, Any] = {
        "hotspot": name,
        "label": "activity, not results",
        "has_presence": False,
        "until": until.isoformat() if until else None,
        "run": None,
        "unit_types": list(ws.config.unit_types),
        "weeks": [],
        "summary": None,
    }
    if until is None or store_presence.count_sessions(ws.engine) == 0:
        return out
    run = ensure_run(ws, presence_spec(ws, until=until))
    res = run.result
    out["has_presence"] = True
    out["run"] = provenance(run)
    out["weeks"] = [
        {"week": r.week, "unit_type": r.unit_type, "minutes": r.minutes, "sessions": r.sessions}
        for r in res.weeks
        if r.hotspot == name
    ]
    seen = {w["unit_type"] for w in out["weeks"]}
    out["unit_types"] += sorted(seen - set(out["unit_types"]))
    h = next((x for x in res.hotspots if x.hotspot == name), None)
    if h is not None and h.sessions:
        out["summary"] = {
            "sessions": h.sessions,
            "minutes": h.minutes,
            "minutes_per_week": h.minutes_per_week,
            "weeks": h.weeks,
            "minutes_by_unit_type": dict(h.minutes_by_unit_type),
            "high_harm_covered_share": _finite(h.high_harm_hours.covered_share),
            "high_harm_hours": len(h.high_harm_hours.hours),
            "median_minutes": _finite(h.lengths.median),
        }
    return out


def _finite(v: Any) -> float | None:
    f = float(v)
    return f if math.isfinite(f) else None


def resource_rows(ws: Workspace, name: str) -> list[dict[str, Any]]:
    """The resource records of hotspot ``name``, by period and kind."""
    frame = store_resources.read_resources(ws.engine)
    frame = frame[frame["hotspot"] == name]
    return [
        {
            "start": r.period_start.isoformat(),
            "end": r.period_end.isoformat(),
            "kind": r.kind,
            "staff_hours": None
            if r.staff_hours is None or r.staff_hours != r.staff_hours
            else float(r.staff_hours),
            "cost": None if r.cost_eur is None or r.cost_eur != r.cost_eur else float(r.cost_eur),
            "source": r.source,
            "simulated": bool(r.simulated),
        }
        for r in frame.itertuples(index=False)
    ]


def _text(v: Any) -> str:
    if v is None or (isinstance(v, float) and not math.isfinite(v)):
        return ""
    return str(v)


def enter_resource(
    ws: Workspace,
    *,
    hotspot: str,
    start: dt.date | str,
    end: dt.date | str,
    kind: str,
    staff_hours: float | None,
    cost: float | None,
    source: str,
    user: str,
) -> dict[str, Any]:
    """Store one resource record entered in the dashboard (one transaction).

    The record goes through the resource file's rules (known hotspot, ISO dates, the period
    not ending before it starts, a known kind, non-negative figures, at least one figure, a
    source); nothing is stored when one fails.

    Returns
    -------
    dict
        ``{"inserted", "updated", "unchanged", "import_id", "record"}``.

    Raises
    ------
    ValueError
        The rule the record breaks, with its fix (one line).
    """
    row = {
        "hotspot": _text(hotspot),
        "start": start.isoformat() if isinstance(start, dt.date) else _text(start),
        "end": end.isoformat() if isinstance(end, dt.date) else _text(end),
        "kind": _text(kind),
        "staff_hours": _text(staff_hours),
        "cost": _text(cost),
        "source": _text(source).strip(),
    }
    raw = RawTable(
        path=Path(DASHBOARD_FILE),
        fmt="dashboard",
        frame=pd.DataFrame([row], dtype=str),
        row_numbers=np.array([1], dtype=np.int64),
    )
    names = {str(n): None for n in ws.hotspots()["name"]}
    records, quarantine, _ = normalise_resources(raw, hotspots=names)
    if len(quarantine):
        raise ValueError(str(quarantine["reason"].iloc[0]))
    body = json.dumps(row, sort_keys=True) + f"|{user}|{dt.datetime.now(dt.UTC).isoformat()}"
    record = ImportRecord(
        file=DASHBOARD_FILE,
        fingerprint=hashlib.sha256(body.encode("utf-8")).hexdigest(),
        fmt="dashboard",
        source=RESOURCE_SOURCE,
        user=user,
        kind="resources",
    )
    import_id, counts = store_resources.import_resources(
        ws.engine, records, record=record, quarantine=quarantine, read=1
    )
    stored = resource_rows(ws, str(records["hotspot"].iloc[0]))
    key = (row["start"], row["end"], str(records["kind"].iloc[0]), row["source"])
    mine = next((r for r in stored if (r["start"], r["end"], r["kind"], r["source"]) == key), None)
    return {
        "inserted": counts["inserted"],
        "updated": counts["updated"],
        "unchanged": counts["unchanged"],
        "import_id": import_id,
        "record": mine,
    }


__all__ = [
    "DASHBOARD_FILE",
    "RESOURCE_KINDS",
    "enter_resource",
    "presence_view",
    "resource_rows",
]
