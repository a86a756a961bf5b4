"""PostGIS layers of a PostgreSQL store, for QGIS and other GIS clients.

Where the PostGIS extension is available, migration ``0008_postgis_layers`` adds, on top of
the portable schema (which is unchanged, and the same as SQLite's):

- **generated geometry columns** ``geom`` on ``events`` (``geometry(Point, SRID)``),
  ``areas`` and ``hotspots`` (``geometry(MultiPolygon, SRID)``), each with a GiST index.
  They are ``GENERATED ALWAYS AS (...) STORED`` from the x/y (or WKB) columns the
  application writes, so they can never disagree with them and need no trigger;
- **views** ``gis_events`` (security invoker: row-level security applies to the reader),
  ``gis_areas`` and ``gis_hotspots`` (with each hotspot's current designation) over them;
- **materialised views** of the stored results, one row per cell or polygon, for the
  *current* runs: for each run kind and parameter set, the newest stored run (by
  ``created_at``, then ``run_id``; runs stored before migration 0004 have no key and are
  left out). ``gis_gistar``, ``gis_lisa``, ``gis_kde``, ``gis_classify``, ``gis_emerging``
  (grid cells as polygons) and ``gis_buffers``, ``gis_controls`` (the buffer rings and
  control cells of the current ``evaluate`` runs). A trigger on ``analysis_runs`` refreshes
  the views of a kind when a run of that kind is stored or deleted;
- **row-level security** on ``events``: the table's owner (the role HotspotWatch connects
  as) and superusers read every row, as before; any other role reads only the rows a policy
  created by ``hotspotwatch user add --db-role ROLE`` gives it (:func:`grant_db_role`).

Why generated columns for the tables and materialised views for the results: events,
areas and hotspots are written often and must be indexed; a view over x/y cannot be, a
trigger-kept copy doubles the event table, and a generated column is maintained by
PostgreSQL in the same row write. Results are stored as JSON, written rarely and must be
unnested into cells; a materialised view holds that unnested form with its own GiST index
and is rebuilt only when a run of its kind is stored.

Everything is in the store's schema (the connection's ``current_schema()``), in the
workspace CRS (the SRID of the workspace's ``EPSG:`` code). Every layer has a typmod
geometry column (listed by ``geometry_columns``) and a unique integer first column
(``event_id``, ``area_id``, ``hotspot_id``, ``fid``), so QGIS opens each one directly.
"""

from __future__ import annotations

import re
import sys
from typing import Any

from sqlalchemy import Connection, text

from hotspotwatch.store.access import reads, writes

#: Layers for GIS clients: name -> geometry type.
LAYERS: dict[str, str] = {
    "gis_events": "POINT",
    "gis_areas": "MULTIPOLYGON",
    "gis_hotspots": "MULTIPOLYGON",
    "gis_buffers": "MULTIPOLYGON",
    "gis_controls": "POLYGON",
    "gis_gistar": "POLYGON",
    "gis_lisa": "POLYGON",
    "gis_kde": "POLYGON",
    "gis_classify": "POLYGON",
    "gis_emerging": "POLYGON",
}

#: Materialised views refreshed when a run of the kind is stored or deleted.
RUN_VIEWS: dict[str, tuple[str, ...]] = {
    "detect.gistar": ("gis_gistar",),
    "detect.lisa": ("gis_lisa",),
    "detect.kde": ("gis_kde",),
    "detect.classify": ("gis_classify",),
    "spacetime.emerging": ("gis_emerging",),
    "evaluate": ("gis_buffers", "gis_controls"),
}

#: Tables given a generated ``geom`` column.
GEOMETRY_TABLES = ("events", "areas", "hotspots")

#: Columns of ``events`` a database role may read (the same fields as the API's ``/events``,
#: plus the projected coordinates; never ``source_id``, ``attrs``, ``row_hash``).
EVENT_COLUMNS = (
    "event_id",
    "source",
    "category",
    "occurred_at",
    "time_precision",
    "x",
    "y",
    "geom",
)

#: Roles of ``hotspotwatch user add`` that a database role can mirror.
EVENT_ROLES = ("regional_analyst", "zone_analyst")

_ROLE_NAME = re.compile(r"^[a-z_][a-z0-9_]{0,62}$")
_EPSG = re.compile(r"^EPSG:(\d+)$", re.IGNORECASE)


class PostgisError(ValueError):
    """A PostGIS layer or database role cannot be made; the message says what to do."""


def srid_of(crs: str) -> int | None:
    """The SRID of an ``EPSG:n`` CRS string (``None`` for any other form).

    Examples
    --------
    >>> srid_of("EPSG:3812"), srid_of("epsg:32631"), srid_of("+proj=utm")
    (3812, 32631, None)
    """
    m = _EPSG.match(crs.strip())
    return int(m.group(1)) if m else None


def notice(message: str) -> None:
    """Print a one-line notice on standard error (standard output may carry JSON)."""
    sys.stderr.write(f"notice: {message}\n")


def _ident(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _literal(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def extension_schema(conn: Connection) -> str | None:
    """Schema of the installed PostGIS extension (``None`` if not installed)."""
    if conn.dialect.name != "postgresql":
        return None
    row = conn.execute(
        text(
            "SELECT n.nspname FROM pg_extension e JOIN pg_namespace n ON n.oid = e.extnamespace"
            " WHERE e.extname = 'postgis'"
        )
    ).first()
    return None if row is None else str(row[0])


def ensure_extension(conn: Connection) -> tuple[str | None, str | None]:
    """``CREATE EXTENSION IF NOT EXISTS postgis`` where the server has it.

    Returns ``(schema, None)`` with the extension's schema, or ``(None, reason)`` when
    PostGIS is not installed on the server or this role may not create it. The attempt
    runs in a savepoint, so a refusal leaves the caller's transaction usable.
    """
    schema = extension_schema(conn)
    if schema is not None:
        return schema, None
    available = conn.execute(
        text("SELECT 1 FROM pg_available_extensions WHERE name = 'postgis'")
    ).first()
    if available is None:
        return None, (
            "PostGIS is not installed on this PostgreSQL server "
            "(Debian: apt-get install postgresql-15-postgis-3)"
        )
    has_public = conn.execute(text("SELECT 1 FROM pg_namespace WHERE nspname = 'public'")).first()
    # Serialise concurrent creators (parallel test workers, two servers migrating at once).
    conn.execute(text("SELECT pg_advisory_xact_lock(hashtext('hotspotwatch.postgis'))"))
    try:
        with conn.begin_nested():
            conn.execute(
                text(
                    "CREATE EXTENSION IF NOT EXISTS postgis"
                    + (" SCHEMA public" if has_public else "")
                )
            )
    except Exception as exc:
        first = str(getattr(exc, "orig", exc)).splitlines()[0]
        return None, (
            f"cannot create the PostGIS extension ({first}); ask the database "
            "administrator to run CREATE EXTENSION postgis"
        )
    return extension_schema(conn), None


def _run_views_sql(g: str, s: str, srid: int) -> dict[str, str]:
    """``SELECT`` of each materialised view (``g``: PostGIS schema, ``s``: store schema)."""

    def current(kind: str) -> str:
        return (
            "SELECT DISTINCT ON (kind, parameters) run_id, kind, parameters, created_at,"
            f" result::jsonb AS r FROM {s}.analysis_runs"
            f" WHERE run_key IS NOT NULL AND kind = {_literal(kind)}"
            " ORDER BY kind, parameters, created_at DESC, run_id DESC"
        )

    def cells(kind: str) -> str:
        # Masked cells in row-major order: k is a cell's index in the per-cell arrays. The
        # cell rows stay narrow (no document in them): sorting them is then cheap.
        return (
            f"WITH cr AS MATERIALIZED ({current(kind)}),"
            " gr AS (SELECT run_id, r #>> '{grid,kind}' AS kind,"
            " (r #>> '{grid,cell_size}')::float8 AS size, (r #>> '{grid,x0}')::float8 AS x0,"
            " (r #>> '{grid,y0}')::float8 AS y0 FROM cr),"
            " m AS (SELECT cr.run_id, (mr.ord - 1)::int AS row, (mc.ord - 1)::int AS col,"
            " (row_number() OVER (PARTITION BY cr.run_id ORDER BY mr.ord, mc.ord) - 1)::int AS k"
            " FROM cr, jsonb_array_elements(cr.r #> '{grid,mask}') WITH ORDINALITY AS mr(arr, ord),"
            " jsonb_array_elements(mr.arr) WITH ORDINALITY AS mc(v, ord)"
            " WHERE mc.v = 'true'::jsonb),"
        )

    def head(cols: str) -> str:
        return (
            " v AS (SELECT m.run_id, cr.created_at, cr.parameters, m.row, m.col, m.k AS cell, "
            + cols
            + ","
            f" {s}.gis_cell(gr.kind, gr.size, gr.x0, gr.y0, m.row, m.col,"
            f" {srid})::{g}.geometry(Polygon, {srid}) AS geom"
            " FROM m JOIN cr ON cr.run_id = m.run_id JOIN gr ON gr.run_id = m.run_id)"
            " SELECT (row_number() OVER (ORDER BY v.run_id, v.row, v.col))::int AS fid, v.*"
            " FROM v"
        )

    # Grid-shaped arrays (ny x nx) are read at [row][col]; per-cell arrays at [k]. A path
    # (#>>) walks the stored document: `->` chains would copy each sub-document per cell.
    return {
        "gis_gistar": cells("detect.gistar")
        + head(
            "(cr.r #>> ARRAY['counts', m.row::text, m.col::text])::float8 AS count,"
            " (cr.r #>> ARRAY['gistar', 'z', m.row::text, m.col::text])::float8 AS z,"
            " (cr.r #>> ARRAY['gistar', 'p_norm', m.row::text, m.col::text])::float8 AS p_norm,"
            " (cr.r #>> ARRAY['gistar', 'p_sim', m.row::text, m.col::text])::float8 AS p_sim,"
            " (cr.r #>> ARRAY['gistar', 'p_adjusted', m.row::text, m.col::text])::float8 AS p_adjusted,"
            " (cr.r #>> ARRAY['bins', m.row::text, m.col::text])::int AS bin"
        ),
        "gis_lisa": cells("detect.lisa")
        + head(
            "(cr.r #>> ARRAY['counts', m.row::text, m.col::text])::float8 AS count,"
            " (cr.r #>> ARRAY['lisa', 'Is', m.k::text])::float8 AS local_i,"
            " (cr.r #>> ARRAY['lisa', 'z_norm', m.k::text])::float8 AS z_norm,"
            " (cr.r #>> ARRAY['lisa', 'p_sim', m.k::text])::float8 AS p_sim,"
            " (cr.r #>> ARRAY['lisa', 'quadrant', m.k::text])::int AS quadrant,"
            " (cr.r #>> ARRAY['lisa', 'cluster', m.k::text])::int AS cluster"
        ),
        "gis_kde": cells("detect.kde")
        + head("(cr.r #>> ARRAY['kde', 'density', m.row::text, m.col::text])::float8 AS density"),
        "gis_classify": cells("detect.classify")
        + head(
            "(cr.r #>> ARRAY['totals', m.row::text, m.col::text])::float8 AS total,"
            " (cr.r #>> ARRAY['classify', 'category', m.k::text]) AS category,"
            " (cr.r #>> ARRAY['classify', 'hot_share', m.k::text])::float8 AS hot_share,"
            " (cr.r #>> ARRAY['classify', 'cold_share', m.k::text])::float8 AS cold_share"
        ),
        "gis_emerging": cells("spacetime.emerging")
        + head(
            "(cr.r #>> ARRAY['emerging', 'category', m.k::text]) AS category,"
            " (cr.r #>> ARRAY['emerging', 'trend_z', m.k::text])::float8 AS trend_z,"
            " (cr.r #>> ARRAY['emerging', 'trend_p', m.k::text])::float8 AS trend_p,"
            " (cr.r #>> ARRAY['emerging', 'count_trend_tau', m.k::text])::float8 AS count_trend_tau"
        ),
        "gis_buffers": (
            f"WITH cr AS ({current('evaluate')}) SELECT"
            " (row_number() OVER (ORDER BY cr.run_id, h.ord, b.ord))::int AS fid,"
            " cr.run_id, cr.created_at, cr.parameters, h.v->>'name' AS hotspot,"
            " (b.ord - 1)::int AS ring, (b.v->>'inner_m')::float8 AS inner_m,"
            " (b.v->>'outer_m')::float8 AS outer_m,"
            f" {g}.ST_Multi({g}.ST_CollectionExtract({g}.ST_GeomFromText(b.v->>'wkt', {srid}), 3))"
            f"::{g}.geometry(MultiPolygon, {srid}) AS geom"
            " FROM cr, jsonb_array_elements(cr.r->'hotspots') WITH ORDINALITY AS h(v, ord),"
            " jsonb_array_elements(h.v->'rings') WITH ORDINALITY AS b(v, ord)"
        ),
        "gis_controls": (
            f"WITH cr AS ({current('evaluate')}) SELECT"
            " (row_number() OVER (ORDER BY cr.run_id, h.ord, b.ord))::int AS fid,"
            " cr.run_id, cr.created_at, cr.parameters, h.v->>'name' AS hotspot,"
            " (b.ord - 1)::int AS control,"
            f" {g}.ST_MakeEnvelope((b.v->>0)::float8, (b.v->>1)::float8, (b.v->>2)::float8,"
            f" (b.v->>3)::float8, {srid})::{g}.geometry(Polygon, {srid}) AS geom"
            " FROM cr, jsonb_array_elements(cr.r->'hotspots') WITH ORDINALITY AS h(v, ord),"
            " jsonb_array_elements(h.v->'controls') WITH ORDINALITY AS b(v, ord)"
        ),
    }


def create_layers(conn: Connection, *, srid: int, postgis_schema: str) -> None:
    """Create every PostGIS object of this module (inside the caller's transaction).

    Parameters
    ----------
    conn : Connection
        A PostgreSQL connection whose ``current_schema()`` holds the HotspotWatch tables.
    srid : int
        The workspace CRS's SRID.
    postgis_schema : str
        Schema of the PostGIS extension (its types and functions are schema-qualified, so
        the store's ``search_path`` need not include it).
    """
    g = _ident(postgis_schema)
    s = _ident(str(conn.execute(text("SELECT current_schema()")).scalar()))
    srid = int(srid)
    point = f"{g}.ST_SetSRID({g}.ST_MakePoint(x, y), {srid})"
    polygons = (
        f"{g}.ST_Multi({g}.ST_CollectionExtract("
        f"{g}.ST_SetSRID({g}.ST_GeomFromWKB(geometry), {srid}), 3))"
    )
    ddl = [
        f"ALTER TABLE {s}.events ADD COLUMN geom {g}.geometry(Point, {srid})"
        f" GENERATED ALWAYS AS ({point}) STORED",
        f"ALTER TABLE {s}.areas ADD COLUMN geom {g}.geometry(MultiPolygon, {srid})"
        f" GENERATED ALWAYS AS ({polygons}) STORED",
        f"ALTER TABLE {s}.hotspots ADD COLUMN geom {g}.geometry(MultiPolygon, {srid})"
        f" GENERATED ALWAYS AS ({polygons}) STORED",
        *(f"CREATE INDEX ix_{t}_geom ON {s}.{t} USING gist (geom)" for t in GEOMETRY_TABLES),
        # security_invoker: the reader's privileges and row-level security apply.
        f"CREATE VIEW {s}.gis_events WITH (security_invoker = true) AS"
        " SELECT event_id, category, occurred_at AT TIME ZONE 'UTC' AS occurred_at,"
        f" time_precision, source, x, y, geom FROM {s}.events",
        f"CREATE VIEW {s}.gis_areas AS SELECT area_id, layer, code, name, name_fr, name_nl,"
        f" geom FROM {s}.areas",
        # The decision in force today: the newest (by start) that has begun.
        f"CREATE VIEW {s}.gis_hotspots AS SELECT h.hotspot_id, h.name, h.code, h.zone,"
        " h.commune, h.approximate,"
        " (d.action IS NOT NULL AND d.action <> 'end'"
        '  AND (d."end" IS NULL OR d."end" >= CURRENT_DATE)) AS designated,'
        ' d.action AS decision, d.start AS decision_start, d."end" AS decision_end,'
        " d.body, d.decision_ref, h.geom"
        f" FROM {s}.hotspots h LEFT JOIN LATERAL (SELECT * FROM {s}.designations x"
        " WHERE x.hotspot_id = h.hotspot_id AND x.start <= CURRENT_DATE"
        " ORDER BY x.start DESC, x.designation_id DESC LIMIT 1) d ON true",
        # One grid cell as a polygon, the same as hotspotwatch.geo.grid.Grid.polygons():
        # square (r, c) = [x0 + c s, x0 + (c+1) s) x [y0 + r s, ...); hexagons pointy-top,
        # odd rows shifted right by s/2, rows s*sqrt(3)/2 apart, circumradius s/sqrt(3).
        f"CREATE FUNCTION {s}.gis_cell(kind text, s float8, x0 float8, y0 float8,"
        f" r int, c int, srid int) RETURNS {g}.geometry LANGUAGE sql IMMUTABLE AS $$"
        f" SELECT CASE WHEN kind = 'hex' THEN {g}.ST_SetSRID({g}.ST_MakePolygon({g}.ST_MakeLine("
        f"  ARRAY(SELECT {g}.ST_MakePoint("
        "   x0 + (c + 0.5 * (r % 2)) * s + s / sqrt(3) * cos(radians(30 + 60 * (i % 6))),"
        "   y0 + r * s * sqrt(3) / 2 + s / sqrt(3) * sin(radians(30 + 60 * (i % 6))))"
        "   FROM generate_series(0, 6) AS i ORDER BY i))), srid)"
        f" ELSE {g}.ST_MakeEnvelope(x0 + c * s, y0 + r * s, x0 + (c + 1) * s,"
        "  y0 + (r + 1) * s, srid) END $$",
    ]
    for name, select in _run_views_sql(g, s, srid).items():
        ddl += [
            f"CREATE MATERIALIZED VIEW {s}.{name} AS {select}",
            f"CREATE UNIQUE INDEX ix_{name}_fid ON {s}.{name} (fid)",
            f"CREATE INDEX ix_{name}_geom ON {s}.{name} USING gist (geom)",
        ]
    branches = " ".join(
        f"WHEN {_literal(kind)} THEN "
        + " ".join(f"REFRESH MATERIALIZED VIEW {s}.{v};" for v in views)
        for kind, views in RUN_VIEWS.items()
    )
    ddl += [
        f"CREATE FUNCTION {s}.gis_refresh_run_views() RETURNS trigger LANGUAGE plpgsql AS $$"
        " DECLARE k text := CASE WHEN TG_OP = 'DELETE' THEN OLD.kind ELSE NEW.kind END;"
        f" BEGIN CASE k {branches} ELSE NULL; END CASE; RETURN NULL; END $$",
        "CREATE TRIGGER gis_refresh_run_views AFTER INSERT OR UPDATE OR DELETE ON"
        f" {s}.analysis_runs FOR EACH ROW EXECUTE FUNCTION {s}.gis_refresh_run_views()",
        # Default deny for every role but the owner (HotspotWatch itself) and superusers;
        # `hotspotwatch user add --db-role` adds one policy per database role.
        f"ALTER TABLE {s}.events ENABLE ROW LEVEL SECURITY",
    ]
    for statement in ddl:
        conn.execute(text(statement))


def drop_layers(conn: Connection) -> None:
    """Drop every object :func:`create_layers` made (policies on ``events`` included)."""
    s = _ident(str(conn.execute(text("SELECT current_schema()")).scalar()))
    for name in policies(conn):
        conn.execute(text(f"DROP POLICY IF EXISTS {_ident(name)} ON {s}.events"))
    ddl = [
        f"ALTER TABLE {s}.events DISABLE ROW LEVEL SECURITY",
        f"DROP TRIGGER IF EXISTS gis_refresh_run_views ON {s}.analysis_runs",
        f"DROP FUNCTION IF EXISTS {s}.gis_refresh_run_views()",
        *(f"DROP MATERIALIZED VIEW IF EXISTS {s}.{v}" for vs in RUN_VIEWS.values() for v in vs),
        f"DROP FUNCTION IF EXISTS {s}.gis_cell(text, float8, float8, float8, int, int, int)",
        *(f"DROP VIEW IF EXISTS {s}.{v}" for v in ("gis_events", "gis_areas", "gis_hotspots")),
        *(f"ALTER TABLE {s}.{t} DROP COLUMN IF EXISTS geom" for t in GEOMETRY_TABLES),
    ]
    for statement in ddl:
        conn.execute(text(statement))


def upgrade(conn: Connection, *, srid: int | None) -> bool:
    """Migration ``0008_postgis_layers``: the layers where PostGIS is available.

    A no-op on SQLite. On PostgreSQL without PostGIS (or without a known SRID) it prints
    one notice line and changes nothing. Returns whether the layers were created.
    """
    if conn.dialect.name != "postgresql":
        return False
    if srid is None:
        notice(
            "PostGIS layers not created: the workspace CRS has no EPSG code "
            "(open the store through its workspace)"
        )
        return False
    schema, reason = ensure_extension(conn)
    if schema is None:
        notice(f"PostGIS layers not created: {reason}")
        return False
    create_layers(conn, srid=srid, postgis_schema=schema)
    return True


@writes
def install(conn: Connection, *, srid: int | None) -> bool:
    """Build the layers on a store migrated before PostGIS was installed (idempotent).

    Returns whether the store has the layers afterwards.
    """
    if has_layers(conn):
        return True
    return upgrade(conn, srid=srid)


@reads
def has_layers(conn: Connection) -> bool:
    """Whether this store has the PostGIS layers (``gis_events`` exists)."""
    if conn.dialect.name != "postgresql":
        return False
    return bool(conn.execute(text("SELECT to_regclass('gis_events') IS NOT NULL")).scalar())


@reads
def layer_srid(conn: Connection) -> int | None:
    """SRID of the layers (``None`` without them)."""
    g = extension_schema(conn)
    if g is None or not has_layers(conn):
        return None
    row = conn.execute(
        text(
            f"SELECT srid FROM {_ident(g)}.geometry_columns"
            " WHERE f_table_schema = current_schema() AND f_table_name = 'gis_events'"
        )
    ).first()
    return None if row is None else int(row[0])


@reads
def policies(conn: Connection) -> dict[str, str]:
    """Row-level security policies on ``events``: name -> the expression rows must meet."""
    if conn.dialect.name != "postgresql":
        return {}
    rows = conn.execute(
        text(
            "SELECT policyname, qual FROM pg_policies WHERE schemaname = current_schema()"
            " AND tablename = 'events'"
        )
    )
    return {str(name): str(qual) for name, qual in rows}


def include_object(
    obj: Any, name: str | None, type_: str, reflected: bool, compare_to: Any
) -> bool:
    """Alembic ``include_object`` hook: leave out the PostGIS objects of this module.

    The portable schema (``store/schema.py``) is compared with the database without them:
    the generated ``geom`` columns and their indexes, and PostGIS's own tables.
    """
    if type_ == "column" and name == "geom" and reflected and compare_to is None:
        return getattr(getattr(obj, "table", None), "name", None) not in GEOMETRY_TABLES
    if (
        type_ == "index"
        and name is not None
        and name.startswith("ix_")
        and name.endswith("_geom")
        and compare_to is None
    ):
        return False
    return not (type_ == "table" and name in ("spatial_ref_sys",) and compare_to is None)


# the role functions live in postgis_roles (imported last: it reads this module's names)
from hotspotwatch.store.postgis_roles import (  # noqa: E402
    check_db_role,
    check_db_role_name,
    grant_db_role,
    policy_name,
    role_exists,
)

__all__ = [
    "EVENT_COLUMNS",
    "LAYERS",
    "RUN_VIEWS",
    "PostgisError",
    "check_db_role",
    "check_db_role_name",
    "create_layers",
    "drop_layers",
    "ensure_extension",
    "grant_db_role",
    "has_layers",
    "include_object",
    "install",
    "layer_srid",
    "policies",
    "policy_name",
    "role_exists",
    "srid_of",
    "upgrade",
]
