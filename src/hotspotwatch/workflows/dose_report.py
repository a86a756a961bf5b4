"""The renewal report's dose and cost section: the runs it shows, gathered by parameters.

The section asks for four runs up to the review date, each through the report's run getter
(reused when a stored run matches kind, parameters and both fingerprints; computed and stored
otherwise, or named as missing when the report only reuses runs):

- ``dose.presence`` (:func:`hotspotwatch.workflows.presence.presence_spec`, ``until``):
  minutes per place, week and unit type, high-harm hours covered, session lengths;
- ``dose.deterrence`` (:func:`~hotspotwatch.workflows.presence.deterrence_spec`, ``until``):
  the Koper curve, its threshold and deterrence duration;
- ``dose.cost`` (:func:`hotspotwatch.workflows.resources.cost_spec`): cost per harm prevented
  per place and for the strategy;
- ``dose.resources`` (:func:`~hotspotwatch.workflows.resources.resources_spec`): staff-hours
  and cost per place and in total.

A workspace without presence sessions asks for no presence run, one without resource
records for no cost run: the section then says which data it lacks. The few sums the report
shows across places (hours of presence of the strategy, per unit type and week) are made here
from the presence run's per-place numbers, so the layout never counts.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from hotspotwatch.report.dose import DoseData, StrategyPresence
from hotspotwatch.store import presence as store_presence
from hotspotwatch.workflows.presence import deterrence_spec, presence_spec
from hotspotwatch.workflows.resources import cost_spec, resource_frame, resources_spec

if TYPE_CHECKING:
    from hotspotwatch.analysis.dose.summary import PresenceSummary
    from hotspotwatch.workflows.runs import RunSpec
    from hotspotwatch.workspace import Workspace

#: Report sections of the dose runs (their labels: ``report.runs.section_<name>``).
DOSE_SECTIONS = ("dose_presence", "dose_deterrence", "dose_cost", "dose_resources")


def strategy_presence(summary: PresenceSummary) -> StrategyPresence:
    """The strategy's presence: hours in total and minutes per week by unit type.

    Per week means over the weeks from the first to the last week with any presence at any
    place (the span the places' own ``weeks`` cover together).
    """
    weeks = sorted({r.week for r in summary.weeks})
    n_weeks = 0
    if weeks:
        first, last = dt.date.fromisoformat(weeks[0]), dt.date.fromisoformat(weeks[-1])
        n_weeks = (last - first).days // 7 + 1
    by_unit: dict[str, float] = {}
    for h in summary.hotspots:
        for unit, minutes in h.minutes_by_unit_type.items():
            by_unit[unit] = by_unit.get(unit, 0.0) + float(minutes)
    total = float(sum(h.minutes for h in summary.hotspots))
    return StrategyPresence(
        minutes=total,
        sessions=int(sum(h.sessions for h in summary.hotspots)),
        places=int(sum(1 for h in summary.hotspots if h.sessions)),
        weeks=n_weeks,
        minutes_per_week=total / n_weeks if n_weeks else 0.0,
        minutes_per_week_by_unit_type={
            u: m / n_weeks if n_weeks else 0.0 for u, m in sorted(by_unit.items())
        },
    )


def gather_dose(
    ws: Workspace, get: Callable[[str, RunSpec], Any], *, until: dt.date
) -> DoseData | None:
    """The dose and cost section's runs up to ``until``.

    Parameters
    ----------
    ws : Workspace
    get : callable
        ``get(section, spec)``: the report's run getter (returns the typed result, or
        ``None`` after recording why it cannot be had).
    until : date
        The review date.

    Returns
    -------
    DoseData or None
        ``None`` when the workspace has neither presence sessions nor resource records (the
        report then has no dose and cost section).
    """
    has_presence = store_presence.count_sessions(ws.engine) > 0
    has_resources = len(resource_frame(ws)) > 0
    if not has_presence and not has_resources:
        return None
    presence = deterrence = cost = resources = None
    if has_presence:
        presence = get("dose_presence", presence_spec(ws, until=until))
        deterrence = get("dose_deterrence", deterrence_spec(ws, until=until))
    if has_resources:
        cost = get("dose_cost", cost_spec(ws, until=until))
        resources = get("dose_resources", resources_spec(ws, until=until))
    return DoseData(
        presence=presence,
        deterrence=deterrence,
        cost=cost,
        resources=resources,
        strategy=strategy_presence(presence) if presence is not None else None,
        has_presence=has_presence,
        has_resources=has_resources,
        unit_types=tuple(ws.config.unit_types),
        currency=str(ws.config.currency),
    )


__all__ = ["DOSE_SECTIONS", "gather_dose", "strategy_presence"]
