"""A workspace: a folder with ``hotspotwatch.toml`` and (by default) an SQLite store.

The :class:`Workspace` is the Python entry point for analysts::

    from hotspotwatch import Workspace
    ws = Workspace.open("brussels")
    shootings = ws.events(categories=["shooting"], start="2024-01-01")
    zones = ws.areas("police_zone")
"""

from __future__ import annotations

import datetime as dt
import os
import zoneinfo
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeAlias

from hotspotwatch.config import (
    CONFIG_FILE,
    SQLITE_FILE,
    Config,
    ConfigError,
    check_crs,
    check_timezone,
)
from hotspotwatch.domain.taxonomy import Role, Taxonomy
from hotspotwatch.store import counts, fingerprint
from hotspotwatch.store.engine import StoreError, display_url, make_engine, migrate, sqlite_url
from hotspotwatch.store.postgis import srid_of
from hotspotwatch.workspace_writes import WorkspaceWrites

# Opening a workspace and counting (``hotspotwatch info``) loads SQLAlchemy only: pandas,
# geopandas, shapely and numpy are imported by the methods that build frames or geometries
# (issue 14: the fixed cost of a command < 0.5 s; tests/cli/test_lazy_start.py checks it).
if TYPE_CHECKING:
    import geopandas as gpd
    import pandas as pd
    from shapely.geometry.base import BaseGeometry
    from sqlalchemy import Engine

    from hotspotwatch.domain.designation import Period
    from hotspotwatch.store import runs
    from hotspotwatch.store.hashing import row_hashes

TimeLike: TypeAlias = "str | dt.date | dt.datetime | pd.Timestamp"


class WorkspaceError(RuntimeError):
    """A workspace cannot be created or opened; the message says what to do."""


#: How to give a workspace its study area (the message of :class:`StudyAreaError`).
STUDY_AREA_HINT = "run `hotspotwatch import areas FILE --layer region`"


class StudyAreaError(WorkspaceError):
    """The workspace has no study area (no area layer at all).

    The message names the command that gives it one; the command line adds its own
    alternative (``--study-area hull``).
    """


def software_version() -> str:
    """Installed HotspotWatch version."""
    from hotspotwatch import __version__

    return __version__


class Workspace(WorkspaceWrites):
    """An open workspace.

    Use :meth:`create` or :meth:`open` rather than the constructor.

    Attributes
    ----------
    path : Path
        The workspace folder.
    config : Config
        Its configuration.
    engine : sqlalchemy.Engine
        The store's engine (SQLite file or PostgreSQL).
    """

    engine: Engine

    def __init__(self, path: Path, config: Config, engine: Engine) -> None:
        self.path = path
        self.config = config
        self.engine = engine

    # ------------------------------------------------------------------ lifecycle
    @classmethod
    def create(
        cls,
        path: str | os.PathLike[str],
        *,
        crs: str = "EPSG:3812",
        timezone: str = "Europe/Brussels",
        database_url: str | None = None,
        name: str | None = None,
        disclosure_k: int = 5,
        exist_ok: bool = False,
    ) -> Workspace:
        """Create a workspace folder with its config and an empty, migrated store.

        Parameters
        ----------
        path : path-like
            Folder to create (may exist but must not hold a workspace unless ``exist_ok``).
        crs : str
            Projected CRS in metres (e.g. ``"EPSG:3812"``).
        timezone : str
            IANA time zone for calendar bins.
        database_url : str, optional
            ``postgresql+psycopg://...`` to keep the store on PostgreSQL; default the
            embedded SQLite file ``hotspotwatch.sqlite`` in the folder.
        name : str, optional
            Display name.
        disclosure_k : int
            Public outputs suppress counts below ``k``.
        exist_ok : bool
            Re-open instead of failing when the folder already is a workspace.

        Examples
        --------
        >>> import tempfile
        >>> ws = Workspace.create(tempfile.mkdtemp(), crs="EPSG:3812")
        >>> ws.config.timezone
        'Europe/Brussels'
        """
        folder = Path(path)
        cfg_path = folder / CONFIG_FILE
        if cfg_path.exists():
            if exist_ok:
                return cls.open(folder, database_url=database_url)
            raise WorkspaceError(
                f"{folder} is already a workspace ({CONFIG_FILE} exists); open it instead"
            )
        if folder.exists() and not folder.is_dir():
            raise WorkspaceError(f"{folder} exists and is not a folder")
        try:
            config = Config(
                crs=check_crs(crs, where="--crs"),
                timezone=check_timezone(timezone, where="--timezone"),
                name=name or folder.resolve().name,
                database_url=database_url,
                disclosure_k=disclosure_k,
            )
        except ConfigError as exc:
            raise WorkspaceError(str(exc)) from None
        folder.mkdir(parents=True, exist_ok=True)
        engine = make_engine(database_url or sqlite_url(folder / SQLITE_FILE))
        migrate(engine, srid=srid_of(config.crs))
        tmp = cfg_path.with_suffix(".toml.tmp")
        tmp.write_text(config.to_toml(), encoding="utf-8")
        tmp.replace(cfg_path)
        return cls(folder, config, engine)

    @classmethod
    def open(
        cls, path: str | os.PathLike[str] | None = None, *, database_url: str | None = None
    ) -> Workspace:
        """Open an existing workspace (and upgrade its store schema if this version is newer).

        Parameters
        ----------
        path : path-like, optional
            The folder; default ``$HOTSPOTWATCH_WORKSPACE`` or the current folder.
        database_url : str, optional
            Overrides the config's database (same workspace on another server).

        Raises
        ------
        WorkspaceError
            If the folder holds no ``hotspotwatch.toml`` or its config is invalid.
        """
        folder = Path(path if path is not None else os.environ.get("HOTSPOTWATCH_WORKSPACE", "."))
        try:
            config = Config.from_toml(folder / CONFIG_FILE)
        except ConfigError as exc:
            raise WorkspaceError(str(exc)) from None
        if database_url:
            config = config.with_database_url(database_url)
        engine = make_engine(config.database_url or sqlite_url(folder / SQLITE_FILE))
        migrate(engine, srid=srid_of(config.crs))
        return cls(folder, config, engine)

    def close(self) -> None:
        """Release database connections."""
        self.engine.dispose()

    def __enter__(self) -> Workspace:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"Workspace({str(self.path)!r}, crs={self.config.crs!r}, db={self.engine.url.get_backend_name()!r})"

    # ------------------------------------------------------------------ helpers
    @property
    def taxonomy(self) -> Taxonomy:
        """The workspace's categories with roles and harm weights."""
        return self.config.taxonomy

    @property
    def tz(self) -> zoneinfo.ZoneInfo:
        """The workspace time zone."""
        return zoneinfo.ZoneInfo(self.config.timezone)

    def to_utc(self, value: TimeLike) -> dt.datetime:
        """Interpret a date or naive time in the workspace time zone; return naive UTC.

        ``"2024-03-28"`` means local midnight that day; aware timestamps keep their instant.
        """
        import pandas as pd

        ts = pd.Timestamp(value)
        if ts.tzinfo is None:
            ts = ts.tz_localize(self.config.timezone, ambiguous="NaT", nonexistent="shift_forward")
            if pd.isna(ts):
                raise ValueError(
                    f"time {value!r} is ambiguous in {self.config.timezone}; give an offset"
                )
        return ts.tz_convert("UTC").tz_localize(None).to_pydatetime()

    def _categories_for(
        self, categories: Iterable[str] | None, roles: Role | Iterable[Role] | None
    ) -> list[str] | None:
        cats: set[str] | None = None
        if categories is not None:
            cats = set()
            for c in [categories] if isinstance(categories, str) else categories:
                if c not in self.taxonomy:
                    raise ValueError(self.taxonomy.unknown_message(c))
                cats.add(c)
        if roles is not None:
            by_role = set(self.taxonomy.names(role=roles))
            cats = by_role if cats is None else cats & by_role
        return sorted(cats) if cats is not None else None

    # ------------------------------------------------------------------ reads
    def events(
        self,
        categories: Iterable[str] | None = None,
        roles: Role | Iterable[Role] | None = None,
        start: TimeLike | None = None,
        end: TimeLike | None = None,
        bbox: tuple[float, float, float, float] | None = None,
    ) -> gpd.GeoDataFrame:
        """Events as a GeoDataFrame in the workspace CRS.

        Parameters
        ----------
        categories : iterable of str, optional
            Only these categories.
        roles : {"harm", "enforcement", "prevention"} or iterable, optional
            Only categories of these roles.
        start, end : date, datetime or str, optional
            ``[start, end)``; dates and naive times are in the workspace time zone.
        bbox : (xmin, ymin, xmax, ymax), optional
            In the workspace CRS.

        Returns
        -------
        GeoDataFrame
            Columns ``event_id, x, y, lon, lat, occurred_at`` (UTC), ``time_precision,
            category, role, source, source_id, harm_weight, attrs, geometry``.
        """
        from hotspotwatch.store import events as store_events

        return store_events.read_events(
            self.engine,
            crs=self.config.crs,
            taxonomy=self.taxonomy,
            categories=self._categories_for(categories, roles),
            start=self.to_utc(start) if start is not None else None,
            end=self.to_utc(end) if end is not None else None,
            bbox=bbox,
        )

    def database_label(self) -> str:
        """The store's URL with any password hidden (for messages and ``info``)."""
        return display_url(self.engine)

    def event_stats(self) -> dict[str, dict[str, Any]]:
        """Events per category: ``{category: {"count", "first", "last", "first_local",
        "last_local"}}``; ``first``/``last`` are UTC instants, ``first_local``/``last_local``
        the local dates (ISO) in the workspace time zone."""
        stats: dict[str, dict[str, Any]] = dict(counts.event_stats(self.engine))
        for v in stats.values():
            for key in ("first", "last"):
                # the store keeps naive UTC instants; people read local calendar days
                instant = _utc_instant(str(v[key]))
                v[f"{key}_local"] = instant.astimezone(self.tz).date().isoformat()
        return stats

    def count_events(self) -> int:
        """Number of stored events."""
        return counts.count_events(self.engine)

    def areas(self, layer: str) -> gpd.GeoDataFrame:
        """Polygons of one area layer (e.g. ``"police_zone"``) in the workspace CRS.

        Raises
        ------
        KeyError
            If the layer does not exist (the message lists the layers there are).
        """
        import geopandas as gpd

        from hotspotwatch.store import places

        frame = places.select_areas(self.engine, layer)
        if frame.empty:
            layers = counts.area_layers(self.engine)
            raise KeyError(
                f"no area layer {layer!r} in this workspace; layers: {', '.join(layers) or 'none yet'}"
            )
        return gpd.GeoDataFrame(frame, geometry="geometry", crs=self.config.crs)

    def area_layers(self) -> list[str]:
        """Names of the area layers."""
        return counts.area_layers(self.engine)

    def area_counts(self) -> dict[str, int]:
        """Number of areas per layer, ``{layer: n}`` (a count: no geometry is read)."""
        return counts.area_counts(self.engine)

    def hotspot_names(self) -> list[str]:
        """Names of the hotspots, in the order of :meth:`hotspots` (no geometry is read)."""
        return counts.hotspot_names(self.engine)

    def hotspots(self) -> gpd.GeoDataFrame:
        """Designated places (perimeters) in the workspace CRS."""
        import geopandas as gpd

        from hotspotwatch.store import places

        frame = places.select_hotspots(self.engine)
        return gpd.GeoDataFrame(frame, geometry="geometry", crs=self.config.crs)

    def designations(self) -> pd.DataFrame:
        """Every recorded decision (designate / extend / end), oldest first."""
        from hotspotwatch.store import places

        return places.select_designations(self.engine)

    def hotspot_periods(self) -> dict[str, list[Period]]:
        """Active designation periods per hotspot name (half-open, local dates)."""
        from hotspotwatch.domain.designation import active_periods

        return active_periods(self.designations())

    def study_area(self) -> BaseGeometry:
        """The study-area polygon: the union of the ``region`` layer, else of all areas.

        Set it with ``hotspotwatch init DIR --study-area FILE`` or ``hotspotwatch import
        areas FILE --layer region`` (:func:`hotspotwatch.workflows.ingest_places.import_study_area`).

        Raises
        ------
        StudyAreaError
            If the workspace has no areas yet (a :class:`WorkspaceError`).
        """
        import shapely

        from hotspotwatch.store import places

        frame = places.select_areas(self.engine, "region")
        if frame.empty:
            frame = places.select_areas(self.engine, None)
        if frame.empty:
            raise StudyAreaError(f"no study area: {STUDY_AREA_HINT}")
        return shapely.union_all(frame["geometry"].to_numpy())

    def study_area_m2(self) -> float:
        """Area of :meth:`study_area` in square metres (the workspace CRS's unit).

        A one-polygon ``region`` layer (what ``init --study-area`` and ``import areas
        --layer region`` write) is measured from its WKB without loading shapely; any
        other case builds the union (:meth:`study_area`).

        Raises
        ------
        StudyAreaError
            If the workspace has no areas yet.
        """
        from hotspotwatch.geo.wkb_area import polygon_area

        region = counts.area_wkb(self.engine, "region")
        if len(region) == 1:
            try:
                return polygon_area(region[0])
            except ValueError:  # not a plain (multi)polygon: let shapely read it
                pass
        return float(self.study_area().area)

    def has_study_area(self) -> bool:
        """Whether :meth:`study_area` has a polygon (some area layer exists)."""
        return bool(counts.area_layers(self.engine))

    def extent(self) -> tuple[float, float, float, float] | None:
        """Accepted extent for event import: the config's, else the areas' bounds + 1 km."""
        if self.config.extent is not None:
            return self.config.extent
        bounds = counts.area_bounds(self.engine)
        if bounds is None:
            return None
        margin = 1000.0
        return (bounds[0] - margin, bounds[1] - margin, bounds[2] + margin, bounds[3] + margin)

    # ------------------------------------------------------------------ analysis runs
    def data_fingerprint(self) -> str:
        """SHA-256 that changes whenever stored data change (events, areas, hotspots, decisions).

        Built from every import's file fingerprint and counts, row counts and maximum ids per
        table, and the designations; cheap enough to compute on every analysis run.
        """
        return fingerprint.data_fingerprint(self.engine)

    def config_fingerprint(self) -> str:
        """SHA-256 of the configuration that can change a number (see
        :meth:`hotspotwatch.config.Config.fingerprint`)."""
        return self.config.fingerprint()

    def save_run(
        self, kind: str, parameters: Mapping[str, Any], result: Any
    ) -> runs.StoredRun[Any]:
        """Store a typed run with both fingerprints and the software version.

        ``parameters`` are the run's canonical parameters (every option, filters included);
        ``result`` must be of the type :data:`hotspotwatch.store.runs.RUN_KINDS` registers
        for ``kind``. A stored run with the same key is replaced.
        """
        from hotspotwatch.store import runs

        data_fp, config_fp = self.data_fingerprint(), self.config_fingerprint()
        with self.engine.begin() as conn:
            return runs.save_run(
                conn,
                kind=kind,
                parameters=parameters,
                result=result,
                data_fingerprint=data_fp,
                config_fingerprint=config_fp,
                software_version=software_version(),
            )

    def find_run(self, kind: str, parameters: Mapping[str, Any]) -> runs.StoredRun[Any] | None:
        """The stored run of ``kind`` with exactly these parameters on the current data and
        configuration, or ``None`` (then compute it: see
        :func:`hotspotwatch.workflows.runs.ensure_run`)."""
        from hotspotwatch.store import runs

        data_fp, config_fp = self.data_fingerprint(), self.config_fingerprint()
        with self.engine.connect() as conn:
            return runs.find_run(
                conn,
                kind=kind,
                parameters=parameters,
                data_fingerprint=data_fp,
                config_fingerprint=config_fp,
            )

    def get_run(self, key: str) -> runs.StoredRun[Any] | None:
        """The stored run whose key is (or starts with) ``key``."""
        from hotspotwatch.store import runs

        with self.engine.connect() as conn:
            return runs.get_run(conn, key)

    def run_infos(self, kind: str | None = None) -> list[runs.RunInfo]:
        """Stored runs' provenance (no results), newest first."""
        from hotspotwatch.store import runs

        with self.engine.connect() as conn:
            return runs.list_runs(conn, kind)

    def run_count(self) -> int:
        """Number of stored analysis runs."""
        return fingerprint.count_runs(self.engine)

    def _repr_html_(self) -> str:
        """Events per role, area layers, hotspots and stored runs as HTML tables (Jupyter)."""
        from hotspotwatch import notebook

        roles: dict[str, dict[str, Any]] = {}
        for name, st in self.event_stats().items():
            role = self.taxonomy[name].role if name in self.taxonomy else "unknown"
            r = roles.setdefault(role, {"categories": [], "events": 0, "first": None, "last": None})
            r["categories"].append(name)
            r["events"] += st["count"]
            r["first"] = min(filter(None, [r["first"], st["first_local"]]))
            r["last"] = max(filter(None, [r["last"], st["last_local"]]))
        for r in roles.values():
            r["categories"] = ", ".join(r["categories"])
        hotspots = self.hotspots()
        designations = self.designations()
        per_hotspot = designations.groupby("hotspot_id").size().to_dict() if len(designations) else {}
        kinds: dict[str, int] = {}
        for info in self.run_infos():
            kinds[info.kind] = kinds.get(info.kind, 0) + 1
        summary = {
            "path": str(self.path), "crs": self.config.crs, "timezone": self.config.timezone,
            "database": self.database_label(), "roles": roles,
            "layers": {layer: len(self.areas(layer)) for layer in self.area_layers()},
            "hotspots": {str(n): int(per_hotspot.get(i, 0))
                         for i, n in zip(hotspots["hotspot_id"], hotspots["name"], strict=True)},
            "runs": dict(sorted(kinds.items())),
        }
        return notebook.workspace_html(summary)


def _utc_instant(text: str) -> dt.datetime:
    """A stored naive-UTC instant (its text) as an aware UTC datetime."""
    try:
        instant = dt.datetime.fromisoformat(text)
    except ValueError:  # a form fromisoformat does not read: pandas does
        import pandas as pd

        instant = pd.Timestamp(text).to_pydatetime()
    if instant.tzinfo is None:
        return instant.replace(tzinfo=dt.UTC)
    return instant.astimezone(dt.UTC)


def __getattr__(name: str) -> Any:
    # ``from hotspotwatch.workspace import row_hashes`` keeps working; imported on first use
    # (it needs numpy and pandas).
    if name == "row_hashes":
        from hotspotwatch.store.hashing import row_hashes

        return row_hashes
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def json_default(obj: Any) -> Any:
    """``json.dumps`` default for dates and numpy values."""
    from hotspotwatch.analysis._result import to_jsonable

    return to_jsonable(obj)


__all__ = [
    "StoreError",
    "Workspace",
    "WorkspaceError",
    "json_default",
    "row_hashes",
    "software_version",
]
