"""Typed workspace configuration (``hotspotwatch.toml``).

A workspace folder holds ``hotspotwatch.toml`` and, by default, the embedded SQLite database
``hotspotwatch.sqlite``. Example::

    [workspace]
    name = "Brussels-Capital Region"
    crs = "EPSG:3812"              # projected, metres; every input is transformed to it
    timezone = "Europe/Brussels"   # calendar bins (day, week, month) use it; instants are UTC
    # database_url = "postgresql+psycopg://user@127.0.0.1:5432/hotspotwatch"
    disclosure_k = 5               # public outputs suppress counts below k
    # extent = [xmin, ymin, xmax, ymax]   # in the workspace CRS; default: the region layer

    [categories.drive_in_dealing]  # extend or override the taxonomy
    role = "enforcement"
    harm_weight = 0

    [harm_weights]                 # shorthand to override weights only
    nuisance = 0.5
"""

from __future__ import annotations

import tomllib
import zoneinfo
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from hotspotwatch.domain.taxonomy import Taxonomy

CONFIG_FILE = "hotspotwatch.toml"
SQLITE_FILE = "hotspotwatch.sqlite"


class ConfigError(ValueError):
    """The workspace configuration is invalid; the message names the file, key and fix."""


def check_crs(crs: str, *, where: str = "crs") -> str:
    """Validate that ``crs`` is a projected CRS in metres and return its canonical ``EPSG:n`` form.

    Raises
    ------
    ConfigError
        If pyproj does not know it or it is geographic (degrees) or not in metres.
    """
    from pyproj import CRS
    from pyproj.exceptions import CRSError

    try:
        parsed = CRS.from_user_input(crs)
    except CRSError as exc:
        raise ConfigError(
            f"{where}: {crs!r} is not a known CRS ({exc}); use e.g. EPSG:3812"
        ) from None
    if not parsed.is_projected:
        raise ConfigError(
            f"{where}: {crs!r} is geographic (degrees); a workspace needs a projected CRS in metres, "
            "e.g. EPSG:3812 (Belgian Lambert 2008) or a UTM zone"
        )
    unit = parsed.axis_info[0].unit_name if parsed.axis_info else "metre"
    if unit not in ("metre", "meter"):
        raise ConfigError(f"{where}: {crs!r} has units {unit!r}; use a CRS in metres")
    epsg = parsed.to_epsg()
    return f"EPSG:{epsg}" if epsg else parsed.to_string()


def check_timezone(tz: str, *, where: str = "timezone") -> str:
    """Validate an IANA time zone name such as ``Europe/Brussels``."""
    try:
        zoneinfo.ZoneInfo(tz)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        raise ConfigError(
            f"{where}: {tz!r} is not an IANA time zone; use e.g. Europe/Brussels"
        ) from None
    return tz


@dataclass(frozen=True)
class Config:
    """Workspace configuration.

    Attributes
    ----------
    crs : str
        Projected CRS of the workspace (metres), e.g. ``"EPSG:3812"``.
    timezone : str
        IANA time zone for calendar bins.
    name : str
        Display name.
    database_url : str or None
        SQLAlchemy URL; ``None`` means the embedded SQLite file in the workspace folder.
    disclosure_k : int
        Public outputs suppress counts below this.
    extent : tuple of float or None
        ``(xmin, ymin, xmax, ymax)`` in the workspace CRS; events outside are quarantined.
    taxonomy : Taxonomy
        Categories with roles and harm weights.
    analysis : dict
        Free-form defaults for analyses (``[analysis]`` table).
    """

    crs: str = "EPSG:3812"
    timezone: str = "Europe/Brussels"
    name: str = "HotspotWatch workspace"
    database_url: str | None = None
    disclosure_k: int = 5
    extent: tuple[float, float, float, float] | None = None
    taxonomy: Taxonomy = field(default_factory=Taxonomy.default)
    analysis: Mapping[str, Any] = field(default_factory=dict)
    category_overrides: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)
    web: Mapping[str, Any] = field(default_factory=dict)

    @classmethod
    def from_toml(cls, path: Path) -> Config:
        """Read and validate ``hotspotwatch.toml``.

        Raises
        ------
        ConfigError
            With the file and key at fault.
        """
        try:
            data = tomllib.loads(path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            raise ConfigError(
                f"{path}: no workspace here; create one with `hotspotwatch init DIR` "
                "or pass --workspace DIR"
            ) from None
        except tomllib.TOMLDecodeError as exc:
            raise ConfigError(f"{path}: not valid TOML ({exc})") from None
        return cls.from_mapping(data, source=str(path))

    @classmethod
    def from_mapping(cls, data: Mapping[str, Any], *, source: str = "config") -> Config:
        """Build a config from parsed TOML (see the module docstring for keys)."""
        ws = dict(data.get("workspace", {}))
        known = {"crs", "timezone", "name", "database_url", "disclosure_k", "extent"}
        unknown = set(ws) - known
        if unknown:
            raise ConfigError(
                f"{source}: unknown key(s) {sorted(unknown)} in [workspace]; known: {sorted(known)}"
            )
        crs = check_crs(str(ws.get("crs", "EPSG:3812")), where=f"{source}: [workspace] crs")
        tz = check_timezone(
            str(ws.get("timezone", "Europe/Brussels")), where=f"{source}: [workspace] timezone"
        )
        k = ws.get("disclosure_k", 5)
        if not isinstance(k, int) or k < 1:
            raise ConfigError(
                f"{source}: [workspace] disclosure_k must be a whole number >= 1, got {k!r}"
            )
        extent = ws.get("extent")
        if extent is not None:
            if len(extent) != 4 or not (extent[0] < extent[2] and extent[1] < extent[3]):
                raise ConfigError(
                    f"{source}: [workspace] extent must be [xmin, ymin, xmax, ymax] with min < max"
                )
            extent = tuple(float(v) for v in extent)
        overrides: dict[str, dict[str, Any]] = {
            str(k2): dict(v) for k2, v in dict(data.get("categories", {})).items()
        }
        for name, weight in dict(data.get("harm_weights", {})).items():
            overrides.setdefault(str(name), {})["harm_weight"] = weight
        try:
            taxonomy = Taxonomy.default().with_overrides(overrides)
        except ValueError as exc:
            raise ConfigError(f"{source}: {exc}") from None
        url = ws.get("database_url") or None
        return cls(
            crs=crs,
            timezone=tz,
            name=str(ws.get("name", "HotspotWatch workspace")),
            database_url=str(url) if url else None,
            disclosure_k=k,
            extent=extent,
            taxonomy=taxonomy,
            analysis=dict(data.get("analysis", {})),
            category_overrides=overrides,
            web=dict(data.get("web", {})),
        )

    def with_database_url(self, url: str | None) -> Config:
        """Return a copy that uses another database."""
        return replace(self, database_url=url)

    def to_toml(self) -> str:
        """Serialise to TOML text (round-trips through :meth:`from_mapping`)."""

        def q(v: Any) -> str:
            if isinstance(v, str):
                return '"' + v.replace("\\", "\\\\").replace('"', '\\"') + '"'
            if isinstance(v, bool):
                return "true" if v else "false"
            if isinstance(v, (list, tuple)):
                return "[" + ", ".join(q(x) for x in v) + "]"
            return repr(v)

        lines = [
            "[workspace]",
            f"name = {q(self.name)}",
            f"crs = {q(self.crs)}",
            f"timezone = {q(self.timezone)}",
            f"disclosure_k = {self.disclosure_k}",
        ]
        if self.database_url:
            lines.append(f"database_url = {q(self.database_url)}")
        else:
            lines.append(
                '# database_url = "postgresql+psycopg://user@127.0.0.1:5432/db"  '
                "(default: the embedded SQLite file)"
            )
        if self.extent:
            lines.append(f"extent = {q(list(self.extent))}")
        for name, spec in self.category_overrides.items():
            lines.append("")
            lines.append(f"[categories.{name}]")
            lines.extend(f"{k} = {q(v)}" for k, v in spec.items())
        for table, content in (("analysis", self.analysis), ("web", self.web)):
            if content:
                lines.append("")
                lines.append(f"[{table}]")
                lines.extend(f"{k} = {q(v)}" for k, v in content.items())
        return "\n".join(lines) + "\n"
