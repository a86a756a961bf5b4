"""Disclosure control for reports: the rule lives in :mod:`hotspotwatch.domain.disclosure`.

Re-exported here so that report code keeps ``from hotspotwatch.report.disclosure import
Disclosure``; the web's public pages use the same rule.
"""

from __future__ import annotations

from hotspotwatch.domain.disclosure import (
    AUDIENCES,
    Audience,
    Disclosure,
    check_audience,
    check_k,
    is_suppressed,
    suppress,
    suppressed_mask,
)

__all__ = [
    "AUDIENCES",
    "Audience",
    "Disclosure",
    "check_audience",
    "check_k",
    "is_suppressed",
    "suppress",
    "suppressed_mask",
]
