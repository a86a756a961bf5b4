"""Dose of presence and what it bought: sessions from GPS pings, minutes per place and week,
high-harm hours covered, session lengths, dose–response and residual deterrence (the Koper
curve). Pure: arrays in, frozen results out.

Presence is activity, not results: none of these numbers says a strategy works.
"""

from hotspotwatch.analysis.dose.deterrence import (
    FollowUps,
    Interval,
    KoperCurve,
    follow_ups,
    koper_curve,
)
from hotspotwatch.analysis.dose.presence import (
    DoseResponse,
    HighHarmCoverage,
    LengthDistribution,
    WeeklyPresence,
    dose_response,
    high_harm_coverage,
    length_distribution,
    weekly_minutes,
)
from hotspotwatch.analysis.dose.sessions import PingSessions, build_sessions

__all__ = [
    "DoseResponse",
    "FollowUps",
    "HighHarmCoverage",
    "Interval",
    "KoperCurve",
    "LengthDistribution",
    "PingSessions",
    "WeeklyPresence",
    "build_sessions",
    "dose_response",
    "follow_ups",
    "high_harm_coverage",
    "koper_curve",
    "length_distribution",
    "weekly_minutes",
]
