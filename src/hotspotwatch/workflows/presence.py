"""Presence sessions: import them, and ask the dose questions of them.

Import (:func:`import_presence`) has the guarantees of event import
(:mod:`hotspotwatch.workflows.ingest`): every file is checked before any is stored (exists, of
its format), each file is one transaction (all files one with ``atomic``), every row is
accounted for (``read == inserted + updated + unchanged + quarantined`` for session files;
``read == pings in sessions + dropped pings + quarantined`` for ping files), quarantined rows
keep their reason and fix, and re-importing a file changes nothing. Columns naming people or
badge numbers are dropped on reading (:func:`hotspotwatch.io.presence.drop_personal`).

Questions (stored typed runs, :func:`hotspotwatch.workflows.runs.ensure_run`):

- ``dose.presence`` (:func:`presence_spec`): minutes of presence per hotspot and week, by unit
  type; share of high-harm hours covered; session lengths; dose–response of harm on presence.
- ``dose.deterrence`` (:func:`deterrence_spec`): the Koper curve, the threshold and the
  deterrence duration (:func:`hotspotwatch.analysis.dose.deterrence.koper_curve`).

A session belongs to a hotspot by name, or, given as a point or polygon, to the hotspot whose
perimeter contains its point (the first by name when perimeters overlap). Harm events belong
to a hotspot when its perimeter contains them.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from hotspotwatch.analysis.dose.deterrence import KoperCurve, follow_ups, koper_curve
from hotspotwatch.analysis.dose.presence import (
    HighHarmCoverage,
    dose_response,
    high_harm_coverage,
    hour_of_week,
    length_distribution,
    week_start,
    weekly_minutes,
)
from hotspotwatch.analysis.dose.summary import HotspotPresence, PresenceSummary, WeekRow
from hotspotwatch.analysis.precision import coarsest
from hotspotwatch.io.errors import SourceError
from hotspotwatch.io.importer import detect_format, read_source
from hotspotwatch.io.presence import (
    NormalisedPresence,
    PresenceMapping,
    load_presence_mapping,
    normalise_presence,
)
from hotspotwatch.io.raw import check_file, file_fingerprint
from hotspotwatch.io.sniff import check_content
from hotspotwatch.store import presence as store_presence
from hotspotwatch.store.engine import bulk_transaction
from hotspotwatch.store.imports import ImportRecord
from hotspotwatch.workflows.ingest import ImportStopped, reason_kind
from hotspotwatch.workflows.runs import RunSpec

if TYPE_CHECKING:
    from hotspotwatch.store.access import Database
    from hotspotwatch.workspace import Workspace

PRESENCE_KIND = "dose.presence"
DETERRENCE_KIND = "dose.deterrence"


@dataclass(frozen=True)
class PresenceImportReport:
    """What happened to one presence file.

    Attributes
    ----------
    file, source, fmt, kind : str
        The file, the mapping's source, the format read, ``sessions`` or ``pings``.
    read : int
        Rows in the file (pings for a ping file).
    inserted, updated, unchanged : int
        Sessions stored new, updated, or found identical.
    quarantined, already_quarantined : int
        Rows quarantined, and those an earlier import had already stored.
    sessions : int
        Sessions in the file (built from the pings for a ping file).
    pings_in_sessions, dropped_pings : int
        Ping files: pings that made sessions, and pings in runs too short to be one.
    dropped_columns : tuple of str
        Columns dropped as names or personal numbers (never stored).
    reasons : tuple of (str, int)
        Quarantine reasons by kind, most frequent first.
    import_id : int
    """

    file: str
    source: str
    fmt: str
    kind: str
    read: int
    inserted: int
    updated: int
    unchanged: int
    quarantined: int
    already_quarantined: int
    sessions: int
    pings_in_sessions: int
    dropped_pings: int
    dropped_columns: tuple[str, ...]
    reasons: tuple[tuple[str, int], ...]
    import_id: int
    warnings: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        """JSON keys: the counts first (``read, inserted, updated, unchanged, quarantined``)."""
        return {
            "read": self.read,
            "inserted": self.inserted,
            "updated": self.updated,
            "unchanged": self.unchanged,
            "quarantined": self.quarantined,
            "already_quarantined": self.already_quarantined,
            "sessions": self.sessions,
            "pings_in_sessions": self.pings_in_sessions,
            "dropped_pings": self.dropped_pings,
            "kind": self.kind,
            "file": self.file,
            "source": self.source,
            "dropped_columns": list(self.dropped_columns),
            "reasons": [list(r) for r in self.reasons],
            "warnings": list(self.warnings),
        }

    def describe(self) -> str:
        """One line for messages."""
        name = Path(self.file).name
        stored = self.inserted + self.updated
        text = f"{name}: {self.sessions:,} sessions" + (
            f" from {self.read:,} pings" if self.kind == "pings" else ""
        )
        text += f", {stored:,} stored ({self.inserted:,} new, {self.updated:,} updated)"
        if self.unchanged:
            text += f", {self.unchanged:,} unchanged"
        if self.quarantined:
            text += f", {self.quarantined:,} quarantined"
        return text


def resolve_presence_mapping(
    ws: Workspace, mapping: str | Path | PresenceMapping
) -> PresenceMapping:
    """The mapping, validated against the workspace's ``[presence] unit_types``."""
    if isinstance(mapping, PresenceMapping):
        return mapping
    if not ws.config.unit_types:
        raise SourceError(
            "this workspace has no presence unit types; add them to hotspotwatch.toml, e.g. "
            '[presence] unit_types = ["police_taskforce", "peacekeepers", "liveability_team"]'
        )
    return load_presence_mapping(mapping, unit_types=ws.config.unit_types)


def _hotspot_names(ws: Workspace) -> dict[str, Any]:
    hs = ws.hotspots()
    return {str(n): None for n in hs["name"]} if len(hs) else {}


def prepare_presence(ws: Workspace, path: str | Path, m: PresenceMapping) -> NormalisedPresence:
    """Read and normalise one presence file (nothing written)."""
    reader = m.reader()
    raw = read_source(path, reader)
    return normalise_presence(
        raw,
        m,
        crs=ws.config.crs,
        timezone=ws.config.timezone,
        hotspots=_hotspot_names(ws),
        extent=ws.extent(),
    )


def import_presence(
    ws: Workspace,
    files: Sequence[str | Path],
    *,
    mapping: str | Path | PresenceMapping,
    user: str | None = None,
    atomic: bool = False,
) -> list[PresenceImportReport]:
    """Import presence files (sessions or GPS pings), one transaction per file.

    Parameters
    ----------
    ws : Workspace
    files : sequence of path
        CSV, Parquet, GeoJSON or GeoPackage files.
    mapping : path or PresenceMapping
        The presence mapping (see :mod:`hotspotwatch.io.presence`).
    user : str, optional
        Recorded as who imported.
    atomic : bool
        All files in one transaction.

    Returns
    -------
    list of PresenceImportReport

    Raises
    ------
    SourceError
        One line naming the file and the fix (:class:`ImportStopped` after earlier files).
    """
    m = resolve_presence_mapping(ws, mapping)
    paths = [check_file(f) for f in files]
    if not paths:
        raise SourceError("no files to import; give one or more file paths")
    for p in paths:
        check_content(p, detect_format(p, m.reader()))
    reports: list[PresenceImportReport] = []

    def run(db: Database) -> None:
        for i, p in enumerate(paths):
            try:
                norm = prepare_presence(ws, p, m)
            except SourceError as exc:
                raise ImportStopped(
                    exc,
                    failed=str(p),
                    completed=[],  # presence reports differ
                    not_started=[str(q) for q in paths[i + 1 :]],
                    atomic=atomic,
                ) from None
            reports.append(_store(db, p, m, norm, user=user))

    if atomic:
        with bulk_transaction(ws.engine) as conn:
            run(conn)
    else:
        run(ws.engine)
    return reports


def _store(
    db: Database, path: Path, m: PresenceMapping, norm: NormalisedPresence, *, user: str | None
) -> PresenceImportReport:
    warnings = tuple(
        f"{Path(path).name}: column {c!r} dropped (names and badge numbers are never stored)"
        for c in norm.dropped_columns
    )
    if norm.read == 0:
        return PresenceImportReport(
            str(path),
            m.source,
            norm.fmt,
            m.kind,
            0,
            0,
            0,
            0,
            0,
            0,
            0,
            0,
            0,
            norm.dropped_columns,
            (),
            0,
            (*warnings, f"{path}: no data rows; nothing stored"),
        )
    record = ImportRecord(
        file=str(path),
        fingerprint=file_fingerprint(path),
        fmt=f"presence-{m.kind}",
        source=m.source,
        user=user,
        kind="presence",
    )
    import_id, counts = store_presence.import_presence(
        db, norm.sessions, record=record, quarantine=norm.quarantine, read=norm.read
    )
    kinds = Counter(reason_kind(str(r)) for r in norm.quarantine["reason"])
    return PresenceImportReport(
        file=str(path),
        source=m.source,
        fmt=norm.fmt,
        kind=m.kind,
        read=norm.read,
        inserted=counts["inserted"],
        updated=counts["updated"],
        unchanged=counts["unchanged"],
        quarantined=counts["quarantined"],
        already_quarantined=counts["already_quarantined"],
        sessions=len(norm.sessions),
        pings_in_sessions=norm.pings_in_sessions,
        dropped_pings=norm.dropped_pings,
        dropped_columns=norm.dropped_columns,
        reasons=tuple(kinds.most_common()),
        import_id=import_id,
        warnings=warnings,
    )


# --------------------------------------------------------------------------- analysis data


def _secs(values: pd.Series) -> np.ndarray:
    return np.asarray(pd.DatetimeIndex(values).as_unit("s").asi8, dtype=np.int64)


def _local_secs(values: pd.Series, tz: str) -> np.ndarray:
    idx = pd.DatetimeIndex(values).tz_convert(tz).tz_localize(None)
    return np.asarray(idx.as_unit("s").asi8, dtype=np.int64)


@dataclass(frozen=True)
class _Data:
    names: list[str]
    sessions: pd.DataFrame  # with place (code, -1 elsewhere)
    harm: pd.DataFrame  # harm events with place
    tz: str


def _before(frame: pd.DataFrame, column: str, end_utc: pd.Timestamp | None) -> pd.DataFrame:
    if end_utc is None or not len(frame):
        return frame
    return frame[pd.DatetimeIndex(frame[column]) < end_utc]


def _end_utc(ws: Workspace, until: str | None) -> pd.Timestamp | None:
    """The first instant after local day ``until`` (``None``: no bound)."""
    if until is None:
        return None
    day = pd.Timestamp(until) + pd.Timedelta(days=1)
    return day.tz_localize(ws.config.timezone).tz_convert("UTC")


def _data(ws: Workspace, hotspots: Sequence[str] | None, until: str | None = None) -> _Data:
    import shapely

    hs = ws.hotspots().sort_values("name")
    names = [str(n) for n in hs["name"]]
    if hotspots:
        unknown = [h for h in hotspots if h not in names]
        if unknown:
            raise ValueError(
                f"--hotspot: unknown hotspot {unknown[0]!r}; known: {', '.join(names)}"
            )
    code = {n: i for i, n in enumerate(names)}
    end = _end_utc(ws, until)
    s = _before(store_presence.read_sessions(ws.engine), "started_at", end)
    s = s.reset_index(drop=True)
    place = np.full(len(s), -1, dtype=np.int64)
    named = s["hotspot"].notna().to_numpy()
    place[named] = [code.get(str(v), -1) for v in s.loc[named, "hotspot"]]
    geoms = list(hs.geometry)
    pts = ~named & s["x"].notna().to_numpy()
    if pts.any():
        px, py = s.loc[pts, "x"].to_numpy(float), s.loc[pts, "y"].to_numpy(float)
        got = np.full(px.size, -1)
        for i, g in enumerate(geoms):
            inside = shapely.contains_xy(g, px, py) & (got < 0)
            got[inside] = i
        place[pts] = got
    s = s.assign(place=place)
    harm = ws.events(roles="harm", end=end) if end is not None else ws.events(roles="harm")
    hp = np.full(len(harm), -1, dtype=np.int64)
    if len(harm):
        ex, ey = harm["x"].to_numpy(float), harm["y"].to_numpy(float)
        for i, g in enumerate(geoms):
            inside = shapely.contains_xy(g, ex, ey) & (hp < 0)
            hp[inside] = i
    harm = pd.DataFrame({
        "occurred_at": harm["occurred_at"].to_numpy() if len(harm) else [], "place": hp,
        "time_precision": harm["time_precision"].astype(str).to_numpy()
        if len(harm) and "time_precision" in harm else np.full(len(harm), "instant"),
    })
    if len(harm):
        harm["occurred_at"] = (
            pd.DatetimeIndex(harm["occurred_at"]).tz_localize("UTC")
            if pd.DatetimeIndex(harm["occurred_at"]).tz is None
            else harm["occurred_at"]
        )
    return _Data(names=names, sessions=s, harm=harm, tz=ws.config.timezone)


# --------------------------------------------------------------------------- dose.presence


def _until_param(until: Any) -> dict[str, str]:
    """``{"until": ISO day}`` when a review day is given (no key otherwise: all the data)."""
    if until is None:
        return {}
    return {"until": until if isinstance(until, str) else until.isoformat()}


def presence_spec(
    ws: Workspace,
    *,
    hotspots: Sequence[str] | None = None,
    top_hours: int = 42,
    until: Any = None,
) -> RunSpec:
    """The question "presence per hotspot and week" (run kind ``dose.presence``); with
    ``until`` (a date), only sessions starting and harm happening up to that local day."""
    return RunSpec(
        PRESENCE_KIND,
        {
            "hotspots": sorted(hotspots) if hotspots else None,
            "top_hours": int(top_hours),
            **_until_param(until),
        },
    )


def compute_presence(ws: Workspace, parameters: dict[str, Any]) -> PresenceSummary:
    """Answer :func:`presence_spec` from the store (registered in ``COMPUTERS``)."""
    d = _data(ws, parameters.get("hotspots"), parameters.get("until"))
    wanted = set(parameters.get("hotspots") or d.names)
    s = d.sessions
    at = s[s["place"] >= 0]
    elsewhere = int((s["place"] < 0).sum())
    at = at.loc[np.array([d.names[p] in wanted for p in at["place"]], dtype=bool)]
    units = sorted(set(at["unit_type"]))
    ucode = {u: i for i, u in enumerate(units)}
    st_l = _local_secs(at["started_at"], d.tz)
    en_l = _local_secs(at["ended_at"], d.tz)
    w = weekly_minutes(at["place"].to_numpy(), at["unit_type"].map(ucode).to_numpy(), st_l, en_l)
    rows = tuple(
        WeekRow(
            hotspot=d.names[int(p)],
            week=week_start(int(k)).isoformat(),
            unit_type=units[int(u)],
            minutes=float(m),
            sessions=int(n),
        )
        for p, u, k, m, n in zip(w.place, w.unit_type, w.week, w.minutes, w.sessions, strict=True)
    )
    harm = d.harm
    per: list[HotspotPresence] = []
    lengths_min = ((at["ended_at"] - at["started_at"]).dt.total_seconds() / 60).to_numpy()
    weeks_all = np.unique(w.week) if len(w.week) else np.zeros(0, dtype=np.int64)
    for name in sorted(wanted):
        p = d.names.index(name)
        mine = (at["place"] == p).to_numpy()
        wk = w.week[w.place == p]
        n_weeks = int(wk.max() - wk.min() + 1) if wk.size else 0
        # The hour of the week is known only for harm timed to the hour or finer: a date
        # alone sits at local midnight and would make midnight the "high-harm hours".
        here = (harm["place"] == p).to_numpy() if len(harm) else np.zeros(0, dtype=bool)
        at_place = here & harm["time_precision"].isin(["instant", "hour"]).to_numpy()
        hl = (
            _local_secs(harm.loc[at_place, "occurred_at"], d.tz)
            if len(harm)
            else np.zeros(0, dtype=np.int64)
        )
        if n_weeks:
            lo = (int(wk.min()) * 7 - 3) * 86400
            hi = (int(wk.max()) + 1) * 7 * 86400 - 3 * 86400
            hl = hl[(hl >= lo) & (hl < hi)]
        if here.any() and not at_place.any():  # harm here, none with its hour: unknown
            coverage = HighHarmCoverage(hours=(), harm_share=float("nan"),
                                        covered_share=float("nan"), weeks=float(max(n_weeks, 1)))
        else:
            coverage = high_harm_coverage(hl, st_l[mine], en_l[mine], weeks=max(n_weeks, 1),
                                          top_hours=int(parameters.get("top_hours", 42)))
        per.append(
            HotspotPresence(
                hotspot=name,
                sessions=int(mine.sum()),
                minutes=float(lengths_min[mine].sum()),
                minutes_per_week=float(lengths_min[mine].sum() / n_weeks) if n_weeks else 0.0,
                weeks=n_weeks,
                minutes_by_unit_type={
                    u: float(lengths_min[mine & (at["unit_type"] == u).to_numpy()].sum())
                    for u in units
                },
                high_harm_hours=coverage,
                lengths=length_distribution(lengths_min[mine]),
            )
        )
    # dose-response over the weeks with any presence data, places with sessions
    places = sorted({int(p) for p in w.place})
    if places and weeks_all.size > 1:
        wk_index = {
            int(k): j for j, k in enumerate(range(int(weeks_all.min()), int(weeks_all.max()) + 1))
        }
        hours = np.zeros((len(places), len(wk_index)))
        counts = np.zeros_like(hours)
        pidx = {p: i for i, p in enumerate(places)}
        for p, k, m in zip(w.place, w.week, w.minutes, strict=True):
            hours[pidx[int(p)], wk_index[int(k)]] += m / 60.0
        if len(harm):
            from hotspotwatch.analysis.dose.presence import week_index

            hw = week_index(_local_secs(harm["occurred_at"], d.tz))
            for p, k in zip(harm["place"].to_numpy(), hw, strict=True):
                if int(p) in pidx and int(k) in wk_index:
                    counts[pidx[int(p)], wk_index[int(k)]] += 1
        dr = dose_response(counts, hours)
    else:
        dr = dose_response(np.zeros((1, 1)), np.zeros((1, 1)))
    return PresenceSummary(
        weeks=rows,
        hotspots=tuple(per),
        lengths=length_distribution(lengths_min),
        dose_response=dr,
        sessions_elsewhere=elsewhere,
    )


# --------------------------------------------------------------------------- dose.deterrence


def deterrence_spec(
    ws: Workspace,
    *,
    max_follow_minutes: float = 120.0,
    block_hours: int = 4,
    alpha: float = 0.05,
    min_events: int = 20,
    until: Any = None,
) -> RunSpec:
    """The question "the Koper curve at the hotspots" (run kind ``dose.deterrence``); with
    ``until`` (a date), only sessions and harm up to that local day."""
    return RunSpec(
        DETERRENCE_KIND,
        {
            "max_follow_minutes": float(max_follow_minutes),
            "block_hours": int(block_hours),
            "alpha": float(alpha),
            "min_events": int(min_events),
            **_until_param(until),
        },
    )


def compute_deterrence(ws: Workspace, parameters: dict[str, Any]) -> KoperCurve:
    """Answer :func:`deterrence_spec` from the store (registered in ``COMPUTERS``)."""
    d = _data(ws, None, parameters.get("until"))
    s = d.sessions[d.sessions["place"] >= 0]
    h = d.harm[d.harm["place"] >= 0] if len(d.harm) else d.harm
    coarse = h["time_precision"].isin(["day", "month"]).to_numpy() if len(h) else np.zeros(0, bool)
    if coarse.size and coarse.all():
        # harm stamped at local midnight (or the 1st of the month) would fall in, or out of,
        # the minutes after a session by the calendar, not by what happened (a mix with
        # timed sources is read as it is for now)
        from hotspotwatch.workflows.spacetime_events import PrecisionError

        raise PrecisionError(
            f"dose deterrence: {int(coarse.sum())} of {len(h)} harm events at the hotspots are "
            f"known only to the {coarsest(h.loc[coarse, 'time_precision'])}; the Koper curve "
            "counts harm in the minutes after each session: import the sources' times (a "
            "time, or date and hour, column in the mapping)")
    f = follow_ups(
        s["place"].to_numpy(),
        _secs(s["started_at"]),
        _secs(s["ended_at"]),
        hour_of_week(_local_secs(s["ended_at"], d.tz)),
        h["place"].to_numpy() if len(h) else np.zeros(0, dtype=np.int64),
        _secs(h["occurred_at"]) if len(h) else np.zeros(0, dtype=np.int64),
        max_follow_minutes=float(parameters["max_follow_minutes"]),
        block_hours=int(parameters["block_hours"]),
    )
    return koper_curve(
        f,
        sessions=len(s),
        alpha=float(parameters["alpha"]),
        min_events=int(parameters["min_events"]),
        max_follow_minutes=float(parameters["max_follow_minutes"]),
        block_hours=int(parameters["block_hours"]),
    )


__all__ = [
    "DETERRENCE_KIND",
    "PRESENCE_KIND",
    "HotspotPresence",
    "PresenceImportReport",
    "PresenceSummary",
    "WeekRow",
    "compute_deterrence",
    "compute_presence",
    "deterrence_spec",
    "import_presence",
    "prepare_presence",
    "presence_spec",
    "resolve_presence_mapping",
]
