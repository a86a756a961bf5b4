"""Database roles for the PostGIS layers: checks, grants and row-level security policies
(split from :mod:`hotspotwatch.store.postgis`)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sqlalchemy import Connection, text

from hotspotwatch.store.access import reads, writes
from hotspotwatch.store.postgis import (
    _ROLE_NAME,
    EVENT_COLUMNS,
    EVENT_ROLES,
    PostgisError,
    _ident,
    _literal,
    extension_schema,
    has_layers,
)


def check_db_role_name(name: str) -> str:
    """Validate a database role name (lower-case letters, digits, ``_``; at most 63).

    Examples
    --------
    >>> check_db_role_name("zone_5341")
    'zone_5341'
    """
    if not _ROLE_NAME.match(name):
        raise PostgisError(
            f"--db-role {name!r} is not valid; use 1-63 lower-case letters, digits or _, "
            "starting with a letter (e.g. --db-role analyst_5341)"
        )
    return name


@reads
def role_exists(conn: Connection, db_role: str) -> bool:
    """Whether the database role exists."""
    found = conn.execute(text("SELECT 1 FROM pg_roles WHERE rolname = :n"), {"n": db_role})
    return found.first() is not None


@reads
def check_db_role(conn: Connection, db_role: str) -> None:
    """Refuse a role that row-level security would not restrict.

    Raises
    ------
    PostgisError
        If the role is a superuser, has ``BYPASSRLS`` or is (a member of) the owner of the
        store's ``events`` table, or the store has no PostGIS layers.
    """
    check_db_role_name(db_role)
    if not has_layers(conn):
        raise PostgisError(
            "--db-role needs a PostgreSQL store with the PostGIS layers (migration "
            "0008_postgis_layers); install PostGIS on the server and see the README's "
            "'QGIS on the PostGIS store'"
        )
    row = conn.execute(
        text(
            "SELECT r.rolsuper OR r.rolbypassrls OR pg_has_role(r.oid, t.tableowner, 'USAGE')"
            " FROM pg_roles r, pg_tables t WHERE r.rolname = :n"
            " AND t.schemaname = current_schema() AND t.tablename = 'events'"
        ),
        {"n": db_role},
    ).first()
    if row is not None and row[0]:
        raise PostgisError(
            f"database role {db_role!r} bypasses row-level security (superuser, BYPASSRLS "
            "or owner of the store's tables); pass a role of its own to --db-role"
        )


def policy_name(db_role: str) -> str:
    """Name of the row-level security policy of a database role."""
    return f"hotspotwatch_{db_role}"[:63]


@writes
def grant_db_role(
    conn: Connection,
    db_role: str,
    *,
    role: str,
    zones: Iterable[str] = (),
    zone_layer: str = "police_zone",
) -> dict[str, Any]:
    """Give a database role the layers a HotspotWatch ``role`` may read, as the API does.

    The role is created (``NOLOGIN``) if it does not exist; the administrator then gives it
    a login (``ALTER ROLE name LOGIN PASSWORD '...'``) or grants it to login roles.

    - every role: ``USAGE`` on the schema and ``SELECT`` on the aggregate layers
      (``gis_areas``, ``gis_hotspots``, ``gis_buffers``, ``gis_controls`` and the result
      layers); ``partner`` and ``admin`` read no count column (``count``, ``total``,
      ``density``), as the API gives them counts only on its fixed, suppressed partition;
    - ``regional_analyst``: ``SELECT`` on ``gis_events`` (and on the event columns it reads),
      and a policy ``hotspotwatch_ROLE`` letting it read every event;
    - ``zone_analyst``: the same, with a policy that keeps only events strictly inside its
      zones (``ST_Contains`` of the ``zone_layer`` polygons with those codes, the rule of
      the API's ``/events``);
    - ``partner``, ``admin``: no privilege on events and no policy (row-level security
      leaves them no row even if someone grants the table).

    Raises
    ------
    PostgisError
        If the store has no PostGIS layers, the name is invalid, or the role bypasses
        row-level security (superuser, ``BYPASSRLS``, owner of ``events``).
    """
    check_db_role(conn, db_role)
    s = _ident(str(conn.execute(text("SELECT current_schema()")).scalar()))
    r = _ident(db_role)
    created = not role_exists(conn, db_role)
    if created:
        conn.execute(text(f"CREATE ROLE {r} NOLOGIN"))
    conn.execute(text(f"GRANT USAGE ON SCHEMA {s} TO {r}"))
    g = extension_schema(conn)
    if g is not None and g != "public":
        conn.execute(text(f"GRANT USAGE ON SCHEMA {_ident(g)} TO {r}"))
    counts = {
        "gis_gistar": "count",
        "gis_lisa": "count",
        "gis_kde": "density",
        "gis_classify": "total",
    }
    for layer in ("gis_areas", "gis_hotspots", "gis_buffers", "gis_controls", *counts):
        if role in EVENT_ROLES or layer not in counts:
            conn.execute(text(f"GRANT SELECT ON {s}.{layer} TO {r}"))
        else:
            cols = [c for c in _columns(conn, layer) if c != counts[layer]]
            conn.execute(
                text(f"GRANT SELECT ({', '.join(map(_ident, cols))}) ON {s}.{layer} TO {r}")
            )
    conn.execute(text(f"GRANT SELECT ON {s}.gis_emerging TO {r}"))
    policy = _ident(policy_name(db_role))
    conn.execute(text(f"DROP POLICY IF EXISTS {policy} ON {s}.events"))
    zones = sorted({str(z) for z in zones})
    if role in EVENT_ROLES:
        conn.execute(text(f"GRANT SELECT ON {s}.gis_events TO {r}"))
        conn.execute(text(f"GRANT SELECT ({', '.join(EVENT_COLUMNS)}) ON {s}.events TO {r}"))
        if role == "zone_analyst":
            if not zones:
                raise PostgisError("a zone_analyst's database role needs its zones (--zone)")
            codes = ", ".join(_literal(z) for z in zones)
            using = (
                f"EXISTS (SELECT 1 FROM {s}.gis_areas z WHERE z.layer = {_literal(zone_layer)}"
                f" AND z.code IN ({codes}) AND {_ident(g or 'public')}.ST_Contains(z.geom,"
                " events.geom))"
            )
        else:
            using = "true"
        conn.execute(
            text(f"CREATE POLICY {policy} ON {s}.events FOR SELECT TO {r} USING ({using})")
        )
    return {
        "db_role": db_role,
        "created": created,
        "role": role,
        "zones": zones,
        "policy": policy_name(db_role) if role in EVENT_ROLES else None,
    }


def _columns(conn: Connection, relation: str) -> list[str]:
    rows = conn.execute(
        text(
            "SELECT attname FROM pg_attribute WHERE attrelid = to_regclass(:r)"
            " AND attnum > 0 AND NOT attisdropped ORDER BY attnum"
        ),
        {"r": relation},
    )
    return [str(r[0]) for r in rows]
