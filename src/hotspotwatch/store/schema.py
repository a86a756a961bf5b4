"""SQLAlchemy Core schema: the same tables on SQLite and PostgreSQL.

Geometry is kept as projected x/y columns (workspace CRS, metres) plus lon/lat for points, and
as WKB for polygons (with a bounding box for cheap filtering). Instants are stored as naive
UTC timestamps (SQLite has no time zones; the store converts at the boundary).

The schema is created and changed only by Alembic migrations in ``store/migrations``;
``tests/store/test_migrations.py`` checks that the migrated database matches this metadata.
"""

from __future__ import annotations

from sqlalchemy import (
    Boolean,
    Column,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
)

NAMING = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

metadata = MetaData(naming_convention=NAMING)

imports = Table(
    "imports",
    metadata,
    Column("import_id", Integer, primary_key=True, autoincrement=True),
    Column("kind", String(32), nullable=False),  # events | areas | hotspots | scenario
    Column("file", Text, nullable=False),
    Column("fingerprint", String(64), nullable=False),  # sha256 of the file bytes
    Column("format", String(32), nullable=False),
    Column("source", String(200), nullable=False),
    Column("read", Integer, nullable=False, default=0),
    Column("inserted", Integer, nullable=False, default=0),
    Column("updated", Integer, nullable=False, default=0),
    Column("unchanged", Integer, nullable=False, default=0),
    Column("quarantined", Integer, nullable=False, default=0),
    Column("started_at", DateTime, nullable=False),
    Column("finished_at", DateTime, nullable=True),
    Column("imported_by", String(200), nullable=False),
)

events = Table(
    "events",
    metadata,
    Column("event_id", Integer, primary_key=True, autoincrement=True),
    Column("source", String(200), nullable=False),
    Column("source_id", String(200), nullable=False),
    Column("category", String(64), nullable=False),
    Column("occurred_at", DateTime, nullable=False),  # naive UTC
    Column("time_precision", String(16), nullable=False, default="instant"),
    Column("x", Float, nullable=False),
    Column("y", Float, nullable=False),
    Column("lon", Float, nullable=False),
    Column("lat", Float, nullable=False),
    Column("attrs", Text, nullable=True),  # JSON
    Column("row_hash", String(40), nullable=False),
    Column("import_id", Integer, ForeignKey("imports.import_id"), nullable=True),
    # An event's identity. A unique index rather than a table constraint, so that a bulk
    # insert on SQLite can drop and rebuild it like the others (migration 0005).
    Index(None, "source", "source_id", unique=True),
    # Time ranges over all categories use this index too (a skip-scan on SQLite, one probe
    # per category); a separate time index cost 10% of a bulk import (migration 0003).
    Index(None, "category", "occurred_at"),
    # Small boxes (a hotspot, a map tile): 2 ms instead of a 70 ms scan at 1M events.
    Index(None, "x", "y"),
)

quarantine = Table(
    "quarantine",
    metadata,
    Column("quarantine_id", Integer, primary_key=True, autoincrement=True),
    Column("import_id", Integer, ForeignKey("imports.import_id"), nullable=False),
    Column("file", Text, nullable=False),
    Column("row_number", Integer, nullable=True),  # data row: header and empty rows not counted
    Column("raw_row", Text, nullable=True),  # JSON of the raw row
    Column("field", String(200), nullable=True),
    Column("reason", Text, nullable=False),
    Index(None, "import_id"),
    # migration 0010: the file line where the row starts (NULL: no lines, or stored before)
    Column("line", Integer, nullable=True),
)

# migration 0006: presence sessions (issue 18). No names or badge numbers: a session is a unit
# type, two instants and a place (a hotspot name, a point, or a polygon as WKB).
presence_sessions = Table(
    "presence_sessions",
    metadata,
    Column("session_id", Integer, primary_key=True, autoincrement=True),
    Column("source", String(200), nullable=False),
    Column("source_id", String(200), nullable=False),
    Column("unit_type", String(64), nullable=False),
    Column("started_at", DateTime, nullable=False),  # naive UTC
    Column("ended_at", DateTime, nullable=False),  # naive UTC
    Column("hotspot", String(200), nullable=True),  # a hotspot name, or NULL (x/y or polygon)
    Column("x", Float, nullable=True),  # workspace CRS (a polygon: a point on its surface)
    Column("y", Float, nullable=True),
    Column("geometry", LargeBinary, nullable=True),  # WKB polygon, workspace CRS
    Column("row_hash", String(40), nullable=False),
    Column("import_id", Integer, ForeignKey("imports.import_id"), nullable=True),
    UniqueConstraint("source", "source_id"),
    Index(None, "started_at"),
)

# migration 0007: resources per hotspot and period (issue 18 item 2): staff-hours and cost by
# kind, with where the figures come from. Identity: (hotspot, period_start, period_end, kind,
# source).
resources = Table(
    "resources",
    metadata,
    Column("resource_id", Integer, primary_key=True, autoincrement=True),
    Column("hotspot", String(200), nullable=False),
    Column("period_start", Date, nullable=False),
    Column("period_end", Date, nullable=False),  # inclusive
    Column("kind", String(32), nullable=False),  # police | prevention | liveability | other
    Column("staff_hours", Float, nullable=True),
    Column("cost_eur", Float, nullable=True),
    Column("source", String(200), nullable=False),  # where the figures come from
    Column("simulated", Boolean, nullable=False, default=False),
    Column("row_hash", String(40), nullable=False),
    Column("import_id", Integer, ForeignKey("imports.import_id"), nullable=True),
    UniqueConstraint("hotspot", "period_start", "period_end", "kind", "source"),
)

areas = Table(
    "areas",
    metadata,
    Column("area_id", Integer, primary_key=True, autoincrement=True),
    Column("layer", String(64), nullable=False),
    Column("code", String(100), nullable=False),
    Column("name", String(300), nullable=False),
    Column("name_fr", String(300), nullable=True),
    Column("name_nl", String(300), nullable=True),
    Column("attrs", Text, nullable=True),  # JSON
    Column("geometry", LargeBinary, nullable=False),  # WKB, workspace CRS
    Column("min_x", Float, nullable=False),
    Column("min_y", Float, nullable=False),
    Column("max_x", Float, nullable=False),
    Column("max_y", Float, nullable=False),
    UniqueConstraint("layer", "code"),
)

#: Line layers drawn on the maps (streets): display only, never counted, never part of the
#: data fingerprint (migration 0009_lines).
lines = Table(
    "lines",
    metadata,
    Column("line_id", Integer, primary_key=True, autoincrement=True),
    Column("layer", String(64), nullable=False),
    Column("name", String(300), nullable=True),
    Column("kind", String(64), nullable=True),  # e.g. an OpenStreetMap highway class
    Column("geometry", LargeBinary, nullable=False),  # WKB (Multi)LineString, workspace CRS
    Column("min_x", Float, nullable=False),
    Column("min_y", Float, nullable=False),
    Column("max_x", Float, nullable=False),
    Column("max_y", Float, nullable=False),
    Column("import_id", Integer, ForeignKey("imports.import_id"), nullable=True),
    Index(None, "layer"),
)

hotspots = Table(
    "hotspots",
    metadata,
    Column("hotspot_id", Integer, primary_key=True, autoincrement=True),
    Column("name", String(200), nullable=False, unique=True),
    Column("code", String(100), nullable=True),
    Column("zone", String(100), nullable=True),  # police zone(s), e.g. "5341" or "5339+5341"
    Column("commune", String(200), nullable=True),
    Column("approximate", Boolean, nullable=False, default=False),
    Column("note", Text, nullable=True),
    Column("geometry", LargeBinary, nullable=False),  # WKB polygon, workspace CRS
    Column("min_x", Float, nullable=False),
    Column("min_y", Float, nullable=False),
    Column("max_x", Float, nullable=False),
    Column("max_y", Float, nullable=False),
    Column("created_at", DateTime, nullable=False),
)

designations = Table(
    "designations",
    metadata,
    Column("designation_id", Integer, primary_key=True, autoincrement=True),
    Column("hotspot_id", Integer, ForeignKey("hotspots.hotspot_id"), nullable=False),
    Column("action", String(16), nullable=False),  # designate | extend | end
    Column("start", Date, nullable=False),
    Column("end", Date, nullable=True),
    Column("body", String(300), nullable=False),
    Column("decision_ref", String(300), nullable=True),
    Column("note", Text, nullable=True),
    Column("recorded_at", DateTime, nullable=False),
    Column("recorded_by", String(200), nullable=True),
    Index(None, "hotspot_id", "start"),
)

analysis_runs = Table(
    "analysis_runs",
    metadata,
    Column("run_id", Integer, primary_key=True, autoincrement=True),
    Column("kind", String(64), nullable=False),
    Column("parameters", Text, nullable=False),  # JSON
    Column("data_fingerprint", String(64), nullable=False),
    Column("result", Text, nullable=False),  # JSON
    Column("software_version", String(64), nullable=False),
    Column("created_at", DateTime, nullable=False),
    # migration 0004: a run's identity (kind + canonical parameters + data and config
    # fingerprints, SHA-256), the config fingerprint and the result type's schema version.
    # Runs stored before 0004 have no key and are never reused.
    Column("run_key", String(64), nullable=True),
    Column("config_fingerprint", String(64), nullable=True),
    Column("schema_version", Integer, nullable=True),
    Index(None, "kind", "created_at"),
    Index(None, "run_key", unique=True),
)

# ---------------------------------------------------------------------- web (migration 0002_web)
# Users of the dashboard and API, their session/API tokens (only SHA-256 hashes are stored),
# the append-only audit log, login attempts (rate limiting) and prevention actions logged by
# partners for the hotspots assigned to them.

users = Table(
    "users",
    metadata,
    Column("user_id", Integer, primary_key=True, autoincrement=True),
    Column("username", String(100), nullable=False, unique=True),
    Column("password_hash", String(300), nullable=False),  # argon2id
    Column("role", String(32), nullable=False),  # admin | regional_analyst | zone_analyst | partner
    Column("zones", Text, nullable=True),  # JSON list of police-zone codes (zone analysts)
    Column("hotspots", Text, nullable=True),  # JSON list of hotspot names (partners)
    Column("active", Boolean, nullable=False, default=True),
    Column("created_at", DateTime, nullable=False),
)

api_tokens = Table(
    "api_tokens",
    metadata,
    Column("token_id", Integer, primary_key=True, autoincrement=True),
    Column("user_id", Integer, ForeignKey("users.user_id"), nullable=False),
    Column("token_hash", String(64), nullable=False, unique=True),  # sha256 hex of the token
    Column("kind", String(16), nullable=False),  # session | api
    Column("csrf_token", String(64), nullable=True),  # sessions only
    Column("label", String(200), nullable=True),
    Column("created_at", DateTime, nullable=False),
    Column("expires_at", DateTime, nullable=True),
    Column("revoked_at", DateTime, nullable=True),
    Index(None, "user_id"),
)

audit_log = Table(
    "audit_log",
    metadata,
    Column("audit_id", Integer, primary_key=True, autoincrement=True),
    Column("at", DateTime, nullable=False),  # naive UTC
    Column("username", String(100), nullable=True),  # None: anonymous
    Column("role", String(32), nullable=True),
    Column("action", String(64), nullable=False),  # e.g. events.read, action.create, user.add
    Column("target", Text, nullable=True),  # what: route, hotspot, user...
    Column("rows", Integer, nullable=False, default=0),
    Column("detail", Text, nullable=True),  # JSON: filters, ids
    Column("client", String(100), nullable=True),  # IP address
    Index(None, "at"),
    Index(None, "username", "at"),
)

login_attempts = Table(
    "login_attempts",
    metadata,
    Column("attempt_id", Integer, primary_key=True, autoincrement=True),
    Column("username", String(100), nullable=False),
    Column("client", String(100), nullable=True),
    Column("at", DateTime, nullable=False),
    Column("success", Boolean, nullable=False),
    Index(None, "username", "at"),
    Index(None, "client", "at"),
)

prevention_actions = Table(
    "prevention_actions",
    metadata,
    Column("action_id", Integer, primary_key=True, autoincrement=True),
    Column("hotspot_id", Integer, ForeignKey("hotspots.hotspot_id"), nullable=False),
    Column("occurred_on", Date, nullable=False),
    Column("kind", String(64), nullable=False),  # outreach | patrol | lighting | cleaning | ...
    Column("description", Text, nullable=True),
    Column("hours", Float, nullable=True),
    Column("contacts", Integer, nullable=True),
    Column("recorded_by", String(100), nullable=False),
    Column("recorded_at", DateTime, nullable=False),
    Index(None, "hotspot_id", "occurred_on"),
)
