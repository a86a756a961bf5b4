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
    zone_layer = "police_zone"     # the layer of borders, zone-scoped users and the report
    zone_label = { en = "police zone", fr = "zone de police", nl = "politiezone" }

    [report]                       # wording of the renewal report (neutral when absent)
    title = { en = "...", fr = "...", nl = "..." }
    body = { en = "Regional Security Council", fr = "...", nl = "..." }
    strategy = { en = "hotspot strategy", fr = "...", nl = "..." }
    harm_focus = { en = "drug-related harm", fr = "...", nl = "..." }
    near_repeat_categories = ["shooting"]   # default: every harm category
    incident_category = "shooting"  # recent incidents in context; default shooting, else the most severe

    [public]                       # the public version (hotspotwatch.config_public)
    rare_categories = ["shooting", "homicide", "stabbing"]  # region-wide only, never per place

    [evaluation]                   # defaults of `evaluate` and of the report's evaluation
    buffer_widths = [250]
    pre_months = 24                # baseline before the selection window (fewer if no data)
    selection_window_months = 6    # months before each decision left out (0: keep them)
    min_post_months = 6            # fewer months after designation: "too early"
    max_mdr = 0.5                  # "too early" if only a fall of over 50 % is detectable
    cell_size = 500

    [presence]                     # unit types of presence sessions (import presence)
    unit_types = ["police_taskforce", "peacekeepers", "liveability_team"]

    [resources]                    # costs of import resources and dose cost
    currency = "EUR"               # ISO 4217 code of the cost column (default EUR)

    [categories.drive_in_dealing]  # extend or override the taxonomy
    role = "enforcement"
    harm_weight = 0

    [harm_weights]                 # shorthand to override weights only
    nuisance = 0.5
"""

from __future__ import annotations

import hashlib
import json
import tomllib
import zoneinfo
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from hotspotwatch.config_crs import KNOWN_METRIC_EPSG as KNOWN_METRIC_EPSG
from hotspotwatch.config_crs import ConfigError, check_crs
from hotspotwatch.config_public import PublicConfig, parse_public
from hotspotwatch.domain.taxonomy import Taxonomy

CONFIG_FILE = "hotspotwatch.toml"
SQLITE_FILE = "hotspotwatch.sqlite"
LANGUAGES = ("en", "fr", "nl")
DEFAULT_ZONE_LAYER = "police_zone"
#: Keys of the ``[report]`` table that are words (one text per language, or one for all).
REPORT_TEXTS = ("title", "body", "strategy", "harm_focus")
#: Keys of the ``[evaluation]`` table and their types.
EVALUATION_KEYS: dict[str, type | tuple[type, ...]] = {
    "buffer_widths": list,
    "pre_months": int,
    "selection_window_months": int,
    "min_post_months": int,
    "max_mdr": (int, float),
    "cell_size": (int, float),
    "n_controls": int,
    "seed": int,
    "alpha": float,
    "fdr": str,
    "pool_method": str,
    "family": str,
    "cov": str,
    "weighted": bool,
}


# ConfigError and the CRS check live in config_crs (re-exported: import them from here).


def _texts(value: Any, *, where: str) -> dict[str, str]:
    """``{"en": ..., "fr": ..., "nl": ...}`` from a string (all languages) or a table."""
    if isinstance(value, str):
        return {lang: value for lang in LANGUAGES}
    if isinstance(value, Mapping):
        unknown = set(value) - set(LANGUAGES)
        if unknown:
            raise ConfigError(
                f"{where}: unknown language(s) {sorted(unknown)}; use {', '.join(LANGUAGES)}"
            )
        if not all(isinstance(v, str) and v.strip() for v in value.values()):
            raise ConfigError(f"{where}: every language's text must be a non-empty string")
        return {str(k): str(v) for k, v in value.items()}
    raise ConfigError(
        f'{where}: give a text, or one per language: {{ en = "...", fr = "...", nl = "..." }}'
    )


@dataclass(frozen=True)
class ReportConfig:
    """Wording of the renewal report (``[report]`` table); neutral wording when absent.

    Attributes
    ----------
    title, body, strategy, harm_focus : dict of str to str
        Texts per language (``en``, ``fr``, ``nl``); empty when not configured.
    near_repeat_categories : tuple of str or None
        Categories of the report's near-repeat (Knox) section; ``None``: every harm category.
    incident_category : str or None
        Category of the report's and the dashboard's "recent incidents in context"
        (:func:`hotspotwatch.workflows.incidents.incident_category`); ``None``: among the harm
        categories with stored events (all before any), shooting if there, else the most severe.
    """

    title: Mapping[str, str] = field(default_factory=dict)
    body: Mapping[str, str] = field(default_factory=dict)
    strategy: Mapping[str, str] = field(default_factory=dict)
    harm_focus: Mapping[str, str] = field(default_factory=dict)
    near_repeat_categories: tuple[str, ...] | None = None
    incident_category: str | None = None

    def text(self, key: str, lang: str) -> str | None:
        """The configured text ``key`` in ``lang`` (English when that language is missing)."""
        texts: Mapping[str, str] = getattr(self, key)
        return texts.get(lang) or texts.get("en")

    def to_mapping(self) -> dict[str, Any]:
        """The ``[report]`` table (only configured keys)."""
        out: dict[str, Any] = {k: dict(getattr(self, k)) for k in REPORT_TEXTS if getattr(self, k)}
        if self.near_repeat_categories is not None:
            out["near_repeat_categories"] = list(self.near_repeat_categories)
        if self.incident_category is not None:
            out["incident_category"] = self.incident_category
        return out


def timezone_fix(tz: str) -> str:
    """The fix for a time zone name that is not IANA's: the closest name, or an example.

    Examples
    --------
    >>> timezone_fix("Europe/Pariss"), timezone_fix("europe/paris"), timezone_fix("CET+1")
    ("did you mean 'Europe/Paris'?", "did you mean 'Europe/Paris'?", 'use e.g. Europe/Brussels')
    """
    import difflib

    names = sorted(zoneinfo.available_timezones())
    folded = {n.casefold(): n for n in names}
    close = [folded[m] for m in difflib.get_close_matches(
        str(tz).casefold(), list(folded), n=1, cutoff=0.8)]
    return f"did you mean {close[0]!r}?" if close else "use e.g. Europe/Brussels"


def check_timezone(tz: str, *, where: str = "timezone") -> str:
    """Validate an IANA time zone name such as ``Europe/Brussels``."""
    try:
        zoneinfo.ZoneInfo(tz)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        raise ConfigError(
            f"{where}: {tz!r} is not an IANA time zone; {timezone_fix(tz)}"
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
    zone_layer : str
        Area layer of the zones that borders, zone-scoped users and the report use.
    zone_label : dict of str to str
        What a zone of that layer is called, per language.
    name_label : dict of str to str
        The workspace's name per language, when ``[workspace] name`` is a table
        (``{ en = "...", fr = "...", nl = "..." }``); ``name`` is then its English text.
    report : ReportConfig
        Wording of the renewal report.
    evaluation : dict
        Defaults of the evaluation (``[evaluation]`` table): ``buffer_widths``,
        ``pre_months``, ``cell_size``, ...
    unit_types : tuple of str
        Unit types of presence sessions (``[presence] unit_types``); empty: presence cannot
        be imported until they are configured.
    currency : str
        ISO 4217 code of the costs (``[resources] currency``, default ``"EUR"``); the
        ``dose cost`` text and JSON name it.
    public : PublicConfig
        The ``[public]`` table (:mod:`hotspotwatch.config_public`): rare categories.
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
    zone_layer: str = DEFAULT_ZONE_LAYER
    zone_label: Mapping[str, str] = field(default_factory=dict)
    name_label: Mapping[str, str] = field(default_factory=dict)
    report: ReportConfig = field(default_factory=ReportConfig)
    evaluation: Mapping[str, Any] = field(default_factory=dict)
    unit_types: tuple[str, ...] = ()
    currency: str = "EUR"
    public: PublicConfig = field(default_factory=PublicConfig)

    def workspace_name(self, lang: str) -> str:
        """The workspace's name in ``lang`` (a report's or page's title in French names
        "Région de Bruxelles-Capitale", not its English name); ``name`` without a table.

        Examples
        --------
        >>> c = Config.from_mapping({"workspace": {"name": {"en": "Ghent", "nl": "Gent"}}})
        >>> c.workspace_name("nl"), c.workspace_name("fr"), c.name
        ('Gent', 'Ghent', 'Ghent')
        """
        return self.name_label.get(lang) or self.name

    def zone_name(self, lang: str) -> str | None:
        """The configured name of a zone in ``lang`` (``None``: use the neutral "zone")."""
        return self.zone_label.get(lang) or self.zone_label.get("en")

    def fingerprint(self) -> str:
        """SHA-256 of everything in the config that can change a number.

        Taxonomy (categories, roles, harm weights), disclosure k, CRS, time zone, extent,
        zone layer, the ``[analysis]`` and ``[evaluation]`` tables and the report's
        near-repeat categories. Names, wording, the database URL and web settings are left
        out: they change no number. A stored run whose config fingerprint differs is stale.

        Examples
        --------
        >>> a = Config()
        >>> b = Config.from_mapping({"harm_weights": {"nuisance": 0.25}})
        >>> a.fingerprint() == Config().fingerprint(), a.fingerprint() == b.fingerprint()
        (True, False)
        """
        payload = {
            "crs": self.crs,
            "timezone": self.timezone,
            "disclosure_k": self.disclosure_k,
            "extent": list(self.extent) if self.extent else None,
            "taxonomy": sorted(
                (c.name, str(c.role), float(c.harm_weight)) for c in self.taxonomy
            ),
            "zone_layer": self.zone_layer,
            "analysis": dict(self.analysis),
            "evaluation": dict(self.evaluation),
            "near_repeat_categories": (
                sorted(self.report.near_repeat_categories)
                if self.report.near_repeat_categories is not None
                else None
            ),
        }
        text = json.dumps(payload, sort_keys=True, default=str, separators=(",", ":"))
        return hashlib.sha256(text.encode("utf-8")).hexdigest()

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
        known = {
            "crs",
            "timezone",
            "name",
            "database_url",
            "disclosure_k",
            "extent",
            "zone_layer",
            "zone_label",
        }
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
        zone_layer = ws.get("zone_layer", DEFAULT_ZONE_LAYER)
        if not isinstance(zone_layer, str) or not zone_layer.strip():
            raise ConfigError(
                f'{source}: [workspace] zone_layer must be a layer name, e.g. "police_zone"'
            )
        zone_label = (
            _texts(ws["zone_label"], where=f"{source}: [workspace] zone_label")
            if "zone_label" in ws
            else {}
        )
        raw_name = ws.get("name", "HotspotWatch workspace")
        name_label = (
            _texts(raw_name, where=f"{source}: [workspace] name")
            if isinstance(raw_name, Mapping)
            else {}
        )
        if name_label:
            name = name_label.get("en") or next(iter(name_label.values()))
        else:
            name = str(raw_name)
        report = _report_config(dict(data.get("report", {})), taxonomy, source=source)
        evaluation = _evaluation_config(dict(data.get("evaluation", {})), source=source)
        unit_types = _presence_config(dict(data.get("presence", {})), source=source)
        currency = _resources_config(dict(data.get("resources", {})), source=source)
        try:
            public = parse_public(dict(data.get("public", {})), taxonomy)
        except ValueError as exc:
            raise ConfigError(f"{source}: {exc}") from None
        return cls(
            crs=crs,
            timezone=tz,
            name=name,
            name_label=name_label,
            database_url=str(url) if url else None,
            disclosure_k=k,
            extent=extent,
            taxonomy=taxonomy,
            analysis=dict(data.get("analysis", {})),
            category_overrides=overrides,
            web=dict(data.get("web", {})),
            zone_layer=zone_layer,
            zone_label=zone_label,
            report=report,
            evaluation=evaluation,
            unit_types=unit_types,
            currency=currency,
            public=public,
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
            f"name = {_inline(self.name_label, q) if self.name_label else q(self.name)}",
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
        if self.zone_layer != DEFAULT_ZONE_LAYER:
            lines.append(f"zone_layer = {q(self.zone_layer)}")
        if self.zone_label:
            lines.append(f"zone_label = {_inline(self.zone_label, q)}")
        for name, spec in self.category_overrides.items():
            lines.append("")
            lines.append(f"[categories.{name}]")
            lines.extend(f"{k} = {q(v)}" for k, v in spec.items())
        for table, content in (
            ("analysis", self.analysis),
            ("evaluation", self.evaluation),
            ("presence", {"unit_types": list(self.unit_types)} if self.unit_types else {}),
            ("resources", {"currency": self.currency} if self.currency != "EUR" else {}),
            ("report", self.report.to_mapping()),
            ("public", self.public.to_mapping()),
            ("web", self.web),
        ):
            if content:
                lines.append("")
                lines.append(f"[{table}]")
                lines.extend(
                    f"{k} = {_inline(v, q) if isinstance(v, Mapping) else q(v)}"
                    for k, v in content.items()
                )
        return "\n".join(lines) + "\n"


def _inline(table: Mapping[str, Any], q: Any) -> str:
    return "{ " + ", ".join(f"{k} = {q(v)}" for k, v in table.items()) + " }"


def _report_config(table: dict[str, Any], taxonomy: Taxonomy, *, source: str) -> ReportConfig:
    known = {*REPORT_TEXTS, "near_repeat_categories", "incident_category"}
    unknown = set(table) - known
    if unknown:
        raise ConfigError(
            f"{source}: unknown key(s) {sorted(unknown)} in [report]; known: {sorted(known)}"
        )
    texts = {
        k: _texts(table[k], where=f"{source}: [report] {k}") for k in REPORT_TEXTS if k in table
    }
    cats = table.get("near_repeat_categories")
    near: tuple[str, ...] | None = None
    if cats is not None:
        if not isinstance(cats, list) or not cats or not all(isinstance(c, str) for c in cats):
            raise ConfigError(
                f'{source}: [report] near_repeat_categories must be a list of categories, '
                'e.g. ["shooting"]'
            )
        harm = set(taxonomy.names(role="harm"))
        for c in cats:
            if c not in taxonomy:
                raise ConfigError(f"{source}: [report] near_repeat_categories: "
                                  + taxonomy.unknown_message(c))
            if c not in harm:
                raise ConfigError(
                    f"{source}: [report] near_repeat_categories: {c!r} is not a harm category "
                    "(enforcement and prevention are dose, never near-repeat outcomes)"
                )
        near = tuple(sorted(set(cats)))
    incident = table.get("incident_category")
    if incident is not None:
        if not isinstance(incident, str) or incident not in taxonomy:
            raise ConfigError(
                f"{source}: [report] incident_category: "
                + (taxonomy.unknown_message(incident) if isinstance(incident, str)
                   else 'must be a category name, e.g. "shooting"')
            )
        if taxonomy[incident].role != "harm":
            raise ConfigError(
                f"{source}: [report] incident_category: {incident!r} is not a harm category "
                "(enforcement and prevention are dose, never outcomes)"
            )
    return ReportConfig(near_repeat_categories=near, incident_category=incident, **texts)


def _presence_config(table: dict[str, Any], *, source: str) -> tuple[str, ...]:
    unknown = set(table) - {"unit_types"}
    if unknown:
        raise ConfigError(
            f"{source}: unknown key(s) {sorted(unknown)} in [presence]; known: ['unit_types']"
        )
    types = table.get("unit_types", [])
    if not isinstance(types, list) or not all(
        isinstance(t, str) and t.strip() and len(t) <= 64 for t in types
    ):
        raise ConfigError(
            f'{source}: [presence] unit_types must be a list of names, e.g. ["police_taskforce", '
            '"peacekeepers", "liveability_team"]'
        )
    if len(set(types)) != len(types):
        raise ConfigError(f"{source}: [presence] unit_types lists a unit type twice")
    return tuple(t.strip() for t in types)


def _resources_config(table: dict[str, Any], *, source: str) -> str:
    unknown = set(table) - {"currency"}
    if unknown:
        raise ConfigError(
            f"{source}: unknown key(s) {sorted(unknown)} in [resources]; known: ['currency']"
        )
    from babel.numbers import is_currency

    code = table.get("currency", "EUR")
    if not isinstance(code, str) or not is_currency(code):
        raise ConfigError(
            f"{source}: [resources] currency must be an ISO 4217 code in capitals, "
            f'e.g. "EUR" or "GBP", got {code!r}'
        )
    return code


def _evaluation_config(table: dict[str, Any], *, source: str) -> dict[str, Any]:
    unknown = set(table) - set(EVALUATION_KEYS)
    if unknown:
        raise ConfigError(
            f"{source}: unknown key(s) {sorted(unknown)} in [evaluation]; "
            f"known: {sorted(EVALUATION_KEYS)}"
        )
    for key, value in table.items():
        want = EVALUATION_KEYS[key]
        if isinstance(value, bool) and want is not bool:
            ok = False
        else:
            ok = isinstance(value, want) or (want is float and isinstance(value, int))
        if not ok:
            raise ConfigError(f"{source}: [evaluation] {key} has the wrong type ({value!r})")
    widths = table.get("buffer_widths")
    if widths is not None and (
        not widths or not all(isinstance(w, (int, float)) and w > 0 for w in widths)
    ):
        raise ConfigError(
            f"{source}: [evaluation] buffer_widths must be positive ring widths in metres, "
            "e.g. [250] or [250, 250]"
        )
    for key, low in (("pre_months", 3), ("selection_window_months", 0), ("min_post_months", 0)):
        if key in table and table[key] < low:
            raise ConfigError(
                f"{source}: [evaluation] {key} must be {low} or more, got {table[key]!r}"
            )
    if "max_mdr" in table and not 0 < table["max_mdr"] <= 1:
        raise ConfigError(
            f"{source}: [evaluation] max_mdr is a fraction of reduction in (0, 1], e.g. 0.5 "
            "(too early when only a fall of more than 50 % is detectable), "
            f"got {table['max_mdr']!r}"
        )
    return table
