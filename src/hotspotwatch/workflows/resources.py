"""Import resource records (staff-hours and cost per hotspot, period and kind).

The guarantees of event import: every file is checked before any is stored, each file is one
transaction (``atomic``: all files one), ``read == inserted + updated + unchanged +
quarantined``, quarantined rows keep their reason and fix, re-importing a file changes nothing.
The format is fixed (see :mod:`hotspotwatch.io.resources`); the import record's source is
``"resources"``.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd

from hotspotwatch.io.errors import SourceError
from hotspotwatch.io.importer import detect_format, read_source
from hotspotwatch.io.mapping import EventMapping
from hotspotwatch.io.raw import check_file, file_fingerprint
from hotspotwatch.io.resources import RESOURCE_SOURCE, normalise_resources
from hotspotwatch.io.sniff import check_content
from hotspotwatch.store import resources as store_resources
from hotspotwatch.store.engine import bulk_transaction
from hotspotwatch.store.imports import ImportRecord
from hotspotwatch.workflows.ingest import ImportStopped, reason_kind

if TYPE_CHECKING:
    from hotspotwatch.store.access import Database
    from hotspotwatch.workspace import Workspace

_READER = EventMapping(source=RESOURCE_SOURCE, category="other", name="resources")


@dataclass(frozen=True)
class ResourceImportReport:
    """What happened to one resource file (counts as for events)."""

    file: str
    read: int
    inserted: int
    updated: int
    unchanged: int
    quarantined: int
    already_quarantined: int
    import_id: int
    reasons: tuple[tuple[str, int], ...] = ()
    warnings: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        """``read, inserted, updated, unchanged, quarantined`` first."""
        return {
            "read": self.read,
            "inserted": self.inserted,
            "updated": self.updated,
            "unchanged": self.unchanged,
            "quarantined": self.quarantined,
            "already_quarantined": self.already_quarantined,
            "file": self.file,
            "reasons": [list(r) for r in self.reasons],
            "warnings": list(self.warnings),
        }


def import_resources(
    ws: Workspace, files: Sequence[str | Path], *, user: str | None = None, atomic: bool = False
) -> list[ResourceImportReport]:
    """Import resource files (CSV, Parquet...; columns ``hotspot, start, end, kind,
    staff_hours, cost, source``).

    Raises
    ------
    SourceError
        One line naming the file and the fix.
    """
    paths = [check_file(f) for f in files]
    if not paths:
        raise SourceError("no files to import; give one or more file paths")
    for p in paths:
        check_content(p, detect_format(p, _READER))
    names = {str(n): None for n in ws.hotspots()["name"]}
    reports: list[ResourceImportReport] = []

    def run(db: Database) -> None:
        for i, p in enumerate(paths):
            try:
                rec, q, dropped = normalise_resources(read_source(p, _READER), hotspots=names)
            except SourceError as exc:
                raise ImportStopped(
                    exc,
                    failed=str(p),
                    completed=[],
                    not_started=[str(x) for x in paths[i + 1 :]],
                    atomic=atomic,
                ) from None
            read = len(rec) + len(q)
            warnings = tuple(
                f"{p.name}: column {c!r} dropped (names and badge numbers are never stored)"
                for c in dropped
            )
            record = ImportRecord(
                file=str(p),
                fingerprint=file_fingerprint(p),
                fmt="resources",
                source=RESOURCE_SOURCE,
                user=user,
                kind="resources",
            )
            import_id, c = store_resources.import_resources(
                db, rec, record=record, quarantine=q, read=read
            )
            kinds = Counter(reason_kind(str(r)) for r in q["reason"])
            reports.append(
                ResourceImportReport(
                    file=str(p),
                    read=read,
                    inserted=c["inserted"],
                    updated=c["updated"],
                    unchanged=c["unchanged"],
                    quarantined=c["quarantined"],
                    already_quarantined=c["already_quarantined"],
                    import_id=import_id,
                    reasons=tuple(kinds.most_common()),
                    warnings=warnings,
                )
            )

    if atomic:
        with bulk_transaction(ws.engine) as conn:
            run(conn)
    else:
        run(ws.engine)
    return reports


def resource_frame(ws: Workspace) -> pd.DataFrame:
    """Every stored resource record (see :func:`hotspotwatch.store.resources.read_resources`)."""
    return store_resources.read_resources(ws.engine)


# --------------------------------------------------------------------------- dose.cost

COST_KIND = "dose.cost"


def _last_harm_day(ws: Workspace) -> Any:
    import datetime as dt

    harm = set(ws.taxonomy.names(role="harm"))
    days = [v["last_local"] for c, v in ws.event_stats().items() if c in harm]
    if not days:
        raise ValueError("no harm events in this workspace: nothing to evaluate")
    return dt.date.fromisoformat(max(days))


def cost_spec(ws: Workspace, *, until: Any = None) -> Any:
    """The question "cost per harm prevented up to ``until``" (run kind ``dose.cost``; default
    ``until``: the last harm day)."""
    import datetime as dt

    from hotspotwatch.workflows.runs import RunSpec

    day = until if until is not None else _last_harm_day(ws)
    if isinstance(day, str):
        day = dt.date.fromisoformat(day)
    return RunSpec(COST_KIND, {"until": day.isoformat(), "currency": ws.config.currency})


def _costs_over(frame: pd.DataFrame, name: str, first: Any, last: Any) -> tuple[float, bool]:
    """Cost of ``name``'s records over ``[first, last]``, prorated by days of overlap."""
    total, simulated = 0.0, False
    for r in frame[frame["hotspot"] == name].itertuples(index=False):
        days = (r.period_end - r.period_start).days + 1
        lo, hi = max(r.period_start, first), min(r.period_end, last)
        overlap = (hi - lo).days + 1
        if overlap > 0 and r.cost_eur == r.cost_eur and r.cost_eur is not None:
            total += float(r.cost_eur) * overlap / days
            simulated = simulated or bool(r.simulated)
    return total, simulated


def compute_cost(ws: Workspace, parameters: dict[str, Any]) -> Any:
    """Answer :func:`cost_spec`: the stored evaluations (counts and harm-weighted) and the
    stored resources (registered in ``COMPUTERS``)."""
    import datetime as dt
    import math

    from hotspotwatch.analysis.dose.cost import CostSummary, cost_per_harm_prevented
    from hotspotwatch.workflows.evaluate import evaluation_spec
    from hotspotwatch.workflows.runs import ensure_run

    until = dt.date.fromisoformat(parameters["until"])
    res = resource_frame(ws)
    out: dict[bool, tuple[list[Any], Any]] = {}
    any_sim = False
    for weighted in (False, True):
        ev = ensure_run(ws, evaluation_spec(ws, until=until, weighted=weighted)).result
        places = []
        total_obs = total_cost = 0.0
        for h in ev.hotspots:
            cost, sim = _costs_over(res, h.name, h.designated, h.last_day)
            any_sim = any_sim or sim
            places.append(
                cost_per_harm_prevented(
                    name=h.name,
                    observed=h.treated_post,
                    irr=h.did.irr,
                    irr_low=h.did.ci_low,
                    irr_high=h.did.ci_high,
                    cost_eur=cost if cost > 0 else math.nan,
                )
            )
            total_obs += h.treated_post
            total_cost += cost
        strategy = None
        if ev.pooled is not None:
            strategy = cost_per_harm_prevented(
                # the pooled effect is on the log scale
                name="strategy",
                observed=total_obs,
                irr=math.exp(ev.pooled.estimate),
                irr_low=math.exp(ev.pooled.ci_low),
                irr_high=math.exp(ev.pooled.ci_high),
                cost_eur=total_cost if total_cost > 0 else math.nan,
            )
        out[weighted] = (places, strategy)
    return CostSummary(
        places=tuple(out[False][0]),
        places_weighted=tuple(out[True][0]),
        strategy=out[False][1],
        strategy_weighted=out[True][1],
        resources_simulated=any_sim,
        currency=str(parameters.get("currency", "EUR")),
    )


# --------------------------------------------------------------------------- dose.resources

RESOURCES_KIND = "dose.resources"


def resources_spec(ws: Workspace, *, until: Any = None) -> Any:
    """The question "staff-hours and cost per place and for the strategy, over the days each
    place was designated up to ``until``" (run kind ``dose.resources``; default ``until``:
    the last harm day)."""
    import datetime as dt

    from hotspotwatch.workflows.runs import RunSpec

    day = until if until is not None else _last_harm_day(ws)
    if isinstance(day, str):
        day = dt.date.fromisoformat(day)
    return RunSpec(RESOURCES_KIND, {"until": day.isoformat(), "currency": ws.config.currency})


def designated_windows(ws: Workspace, until: Any) -> dict[str, list[tuple[int, int]]]:
    """``{hotspot: [(first, last), ...]}``: the designated days up to ``until`` (inclusive
    proleptic ordinals; the half-open periods of :meth:`Workspace.hotspot_periods`)."""
    last = until.toordinal()
    out: dict[str, list[tuple[int, int]]] = {}
    for name, periods in ws.hotspot_periods().items():
        spans = []
        for p in periods:
            lo = p.start.toordinal()
            hi = min(last, p.end.toordinal() - 1 if p.end is not None else last)
            if hi >= lo:
                spans.append((lo, hi))
        if spans:
            out[str(name)] = spans
    return out


def compute_resources(ws: Workspace, parameters: dict[str, Any]) -> Any:
    """Answer :func:`resources_spec` from the stored resource records (registered in
    ``COMPUTERS``)."""
    import datetime as dt

    from hotspotwatch.analysis.dose.resources import resource_totals

    until = dt.date.fromisoformat(parameters["until"])
    res = resource_frame(ws)
    return resource_totals(
        hotspot=[str(v) for v in res["hotspot"]],
        start_day=[d.toordinal() for d in res["period_start"]],
        end_day=[d.toordinal() for d in res["period_end"]],
        kind=[str(v) for v in res["kind"]],
        staff_hours=[float("nan") if v is None else float(v) for v in res["staff_hours"]],
        cost=[float("nan") if v is None else float(v) for v in res["cost_eur"]],
        simulated=[bool(v) for v in res["simulated"]],
        windows=designated_windows(ws, until),
        currency=str(parameters.get("currency", "EUR")),
    )


def strategy_totals(ws: Workspace, *, until: Any) -> dict[str, Any] | None:
    """Total staff-hours and cost of the whole strategy up to ``until`` (never per place):
    the public version's figures, from the stored ``dose.resources`` run.

    Returns
    -------
    dict or None
        ``{"staff_hours", "cost", "currency", "start", "end", "simulated"}``; ``None`` when
        no resource record falls in a designated period up to ``until``.
    """
    from hotspotwatch.workflows.runs import ensure_run

    r = ensure_run(ws, resources_spec(ws, until=until)).result
    if r.records == 0:
        return None
    return {
        "staff_hours": float(r.staff_hours),
        "cost": float(r.cost),
        "currency": r.currency,
        "start": r.start,
        "end": r.end,
        "simulated": bool(r.simulated),
    }


__all__ = [
    "COST_KIND",
    "RESOURCES_KIND",
    "ResourceImportReport",
    "compute_cost",
    "compute_resources",
    "cost_spec",
    "designated_windows",
    "import_resources",
    "resource_frame",
    "resources_spec",
    "strategy_totals",
]
