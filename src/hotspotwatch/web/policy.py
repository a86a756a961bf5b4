"""Who may do what: one table of capabilities per role.

Routes declare the capability they need (``Depends(require("events.read"))``); this table is
the single place that grants it. Scope limits inside a capability are applied by the route:
a ``zone_analyst`` reads events only inside their police zones; a ``partner`` logs actions
only for the hotspots assigned to them; a ``zone_analyst`` only for hotspots in their zones.

``admin`` manages users and sees aggregates but not event-level data (separation of duties:
whoever administers accounts does not need to read police records).
"""

from __future__ import annotations

ADMIN = "admin"
REGIONAL = "regional_analyst"
ZONE = "zone_analyst"
PARTNER = "partner"
ALL_ROLES: frozenset[str] = frozenset({ADMIN, REGIONAL, ZONE, PARTNER})

CAPABILITIES: dict[str, frozenset[str]] = {
    # aggregated data: hotspots, monthly counts, analysis results, areas
    "aggregates.read": ALL_ROLES,
    # event-level data (points, near-repeat alerts at addresses)
    "events.read": frozenset({REGIONAL, ZONE}),
    # council (non-public) reports
    "reports.read": frozenset({ADMIN, REGIONAL, ZONE}),
    # prevention-action log
    "actions.write": frozenset({REGIONAL, ZONE, PARTNER}),
    # resource records (staff-hours, cost): admins, partners for their own places
    "resources.write": frozenset({ADMIN, PARTNER}),
    # accounts and the audit log
    "users.manage": frozenset({ADMIN}),
    "audit.read": frozenset({ADMIN}),
    # own session and tokens
    "self": ALL_ROLES,
}


def allowed(role: str | None, capability: str) -> bool:
    """Whether ``role`` holds ``capability`` (``None`` = anonymous holds none)."""
    if capability not in CAPABILITIES:
        raise KeyError(f"unknown capability {capability!r}")
    return role is not None and role in CAPABILITIES[capability]


def hotspot_in_zones(hotspot_zone: str | None, zones: tuple[str, ...]) -> bool:
    """Whether a hotspot's zone field (``"5341"`` or ``"5339+5341"``) meets any of ``zones``."""
    if not hotspot_zone:
        return False
    parts = {p.strip() for p in hotspot_zone.replace(",", "+").split("+")}
    return bool(parts & set(zones))
