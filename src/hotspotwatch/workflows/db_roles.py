"""Database roles for GIS clients (QGIS) on a PostGIS store, with the API's scopes.

``hotspotwatch user add NAME --role ROLE --db-role DBROLE`` gives the PostgreSQL role
``DBROLE`` what ``ROLE`` may read through the API: see
:func:`hotspotwatch.store.postgis.grant_db_role` (row-level security on events, the
aggregate layers for everyone).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from hotspotwatch.store import postgis

if TYPE_CHECKING:
    from hotspotwatch.workspace import Workspace


def check(ws: Workspace, db_role: str) -> None:
    """Fail early (``ValueError`` with the fix) if ``db_role`` cannot be granted here."""
    postgis.check_db_role(ws.engine, db_role)


def grant(ws: Workspace, db_role: str, *, role: str, zones: Iterable[str] = ()) -> dict[str, Any]:
    """Create or update the database role's grants and row-level security policy.

    Returns ``{"db_role", "created", "role", "zones", "policy"}``.
    """
    return postgis.grant_db_role(
        ws.engine, db_role, role=role, zones=zones, zone_layer=ws.config.zone_layer
    )


__all__ = ["check", "grant"]
