"""The prevention log: partners record what they did at a hotspot.

Each logged action is stored twice, in one transaction: as a row of the log (who, what,
hours, contacts) and as a prevention *event* at the hotspot, so that the evaluation counts it
as preventive dose (never as an outcome). The event goes through the store's one event-write
path, :func:`hotspotwatch.store.event_writes.write_events` (inside
:func:`hotspotwatch.store.prevention.record_action`).
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

import pandas as pd

from hotspotwatch.store import prevention as prevention_store

if TYPE_CHECKING:
    from hotspotwatch.workspace import Workspace

PREVENTION_KINDS: tuple[str, ...] = (
    "outreach",
    "peacekeeper_patrol",
    "lighting",
    "cleaning",
    "social_support",
    "meeting",
    "other",
)

#: Kinds the dashboard offers unless ``[web] prevention_kinds`` lists others: every kind but
#: the Brussels peacekeepers' patrols (a city without them never sees the word).
DEFAULT_PREVENTION_KINDS: tuple[str, ...] = tuple(
    k for k in PREVENTION_KINDS if k != "peacekeeper_patrol"
)

# Prevention-log kinds → workspace prevention categories (dose, never outcome).
ACTION_CATEGORY: dict[str, str] = {
    "outreach": "prevention_contact",
    "peacekeeper_patrol": "peacekeeper_patrol",
    "lighting": "liveability_work",
    "cleaning": "liveability_work",
    "social_support": "prevention_contact",
    "meeting": "prevention_contact",
    "other": "prevention_contact",
}
ACTION_SOURCE = "prevention-log"


def offered_kinds(web: Mapping[str, Any]) -> tuple[str, ...]:
    """The prevention-log kinds the dashboard offers (``[web] prevention_kinds``).

    Parameters
    ----------
    web : mapping
        The workspace's ``[web]`` table (``ws.config.web``).

    Returns
    -------
    tuple of str
        In :data:`PREVENTION_KINDS` order; :data:`DEFAULT_PREVENTION_KINDS` when not set.
        The API still accepts every kind of :data:`PREVENTION_KINDS`.

    Raises
    ------
    ValueError
        If the setting is not a list of known kinds.

    Examples
    --------
    >>> offered_kinds({})[:2], offered_kinds({"prevention_kinds": ["peacekeeper_patrol"]})
    (('outreach', 'lighting'), ('peacekeeper_patrol',))
    """
    asked = web.get("prevention_kinds")
    if asked is None:
        return DEFAULT_PREVENTION_KINDS
    if not isinstance(asked, list) or not asked or any(k not in PREVENTION_KINDS for k in asked):
        raise ValueError(
            f"[web] prevention_kinds must be a list of {', '.join(PREVENTION_KINDS)}; got {asked!r}"
        )
    return tuple(k for k in PREVENTION_KINDS if k in asked)


def log_prevention_action(
    ws: Workspace,
    *,
    hotspot_id: int,
    occurred_on: dt.date,
    kind: str,
    recorded_by: str,
    description: str | None = None,
    hours: float | None = None,
    contacts: int | None = None,
) -> dict[str, Any]:
    """Record one prevention action at a hotspot; return it as stored.

    Raises
    ------
    KeyError
        Unknown hotspot.
    ValueError
        Unknown kind, a date in the future, or negative hours / contacts.
    """
    if kind not in PREVENTION_KINDS:
        raise ValueError(f"kind must be one of {', '.join(PREVENTION_KINDS)}, got {kind!r}")
    if occurred_on > dt.date.today() + dt.timedelta(days=1):
        raise ValueError("occurred_on is in the future; log actions once they took place")
    if hours is not None and not (0 <= hours <= 10_000):
        raise ValueError("hours must be between 0 and 10000")
    if contacts is not None and not (0 <= contacts <= 1_000_000):
        raise ValueError("contacts must be between 0 and 1000000")
    # The action also becomes a prevention event inside the perimeter, in the same
    # transaction, so that the evaluation counts it as preventive dose.
    action_id = prevention_store.record_action(
        ws.engine,
        hotspot_id=hotspot_id,
        occurred_on=occurred_on,
        kind=kind,
        recorded_by=recorded_by,
        event=lambda perimeter, action_id: action_event(
            ws,
            perimeter=perimeter,
            hotspot_id=hotspot_id,
            action_id=action_id,
            kind=kind,
            occurred_on=occurred_on,
        ),
        crs=ws.config.crs,
        description=description,
        hours=hours,
        contacts=contacts,
    )
    return next(a for a in list_prevention_actions(ws, hotspot_id) if a["action_id"] == action_id)


def action_event(
    ws: Workspace,
    *,
    perimeter: Any,
    hotspot_id: int,
    action_id: int,
    kind: str,
    occurred_on: dt.date,
) -> pd.DataFrame:
    """The prevention event of one logged action: a point inside the perimeter, at noon
    local time of the day it took place (day precision); the store's write path completes
    lon/lat and the row hash."""
    point = perimeter.representative_point()
    when = (
        pd.Timestamp(occurred_on).replace(hour=12).tz_localize(ws.config.timezone).tz_convert("UTC")
    )
    frame = pd.DataFrame(
        {
            "source": [ACTION_SOURCE],
            "source_id": [f"action-{action_id}"],
            "category": [ACTION_CATEGORY.get(kind, "prevention_contact")],
            "occurred_at": [when],
            "time_precision": ["day"],
            "x": [point.x],
            "y": [point.y],
            "attrs": [json.dumps({"action_id": action_id, "kind": kind, "hotspot_id": hotspot_id})],
        }
    )
    return frame


def list_prevention_actions(ws: Workspace, hotspot_id: int) -> list[dict[str, Any]]:
    """Prevention actions logged at a hotspot, newest first (dates as ISO text)."""
    rows = prevention_store.select_actions(ws.engine, hotspot_id)
    for r in rows:
        r["occurred_on"] = r["occurred_on"].isoformat()
        r["recorded_at"] = r["recorded_at"].isoformat() + "Z"
    return rows


def prevention_summary(ws: Workspace, hotspot_id: int) -> dict[str, Any]:
    """Totals of logged prevention actions at a hotspot (count, hours, contacts, by kind)."""
    acts = list_prevention_actions(ws, hotspot_id)
    by_kind: dict[str, int] = {}
    for a in acts:
        by_kind[a["kind"]] = by_kind.get(a["kind"], 0) + 1
    return {
        "actions": len(acts),
        "hours": round(sum(a["hours"] or 0.0 for a in acts), 2),
        "contacts": int(sum(a["contacts"] or 0 for a in acts)),
        "by_kind": by_kind,
    }


__all__ = [
    "ACTION_CATEGORY",
    "ACTION_SOURCE",
    "DEFAULT_PREVENTION_KINDS",
    "PREVENTION_KINDS",
    "action_event",
    "list_prevention_actions",
    "log_prevention_action",
    "offered_kinds",
    "prevention_summary",
]
