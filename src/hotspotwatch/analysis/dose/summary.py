"""The ``dose.presence`` run's result: presence per hotspot and week (activity, not results)."""

from __future__ import annotations

from dataclasses import dataclass

from hotspotwatch.analysis._result import ResultMixin
from hotspotwatch.analysis.dose.presence import DoseResponse, HighHarmCoverage, LengthDistribution


@dataclass(frozen=True)
class WeekRow(ResultMixin):
    """Presence at one hotspot in one week (Monday ``week``) by one unit type."""

    hotspot: str
    week: str
    unit_type: str
    minutes: float
    sessions: int


@dataclass(frozen=True)
class HotspotPresence(ResultMixin):
    """Presence at one hotspot: totals, high-harm hours covered and session lengths."""

    hotspot: str
    sessions: int
    minutes: float
    minutes_per_week: float
    weeks: int
    minutes_by_unit_type: dict[str, float]
    high_harm_hours: HighHarmCoverage
    lengths: LengthDistribution


@dataclass(frozen=True)
class PresenceSummary(ResultMixin):
    """The ``dose.presence`` run: activity, not results.

    Attributes
    ----------
    weeks : tuple of WeekRow
        Minutes per hotspot, week and unit type (weeks with presence).
    hotspots : tuple of HotspotPresence
    lengths : LengthDistribution
        Every session at a hotspot.
    dose_response : DoseResponse
        Harm per hotspot-week on presence hours (place and week fixed effects; the dose is
        not randomised).
    sessions_elsewhere : int
        Stored sessions at no hotspot (not counted above).
    """

    weeks: tuple[WeekRow, ...]
    hotspots: tuple[HotspotPresence, ...]
    lengths: LengthDistribution
    dose_response: DoseResponse
    sessions_elsewhere: int
    label: str = "activity, not results"

    #: 2: high-harm hours from harm timed to the hour or finer only (unknown, NaN, without).
    #: 3: no cluster-robust dose-response interval below MIN_CLUSTERS places (interval_note).
    schema_version = 3


__all__ = ["HotspotPresence", "PresenceSummary", "WeekRow"]
