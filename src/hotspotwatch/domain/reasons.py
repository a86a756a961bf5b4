"""Kinds of quarantine reasons: one key for the rows an import report or a source summary
counts together."""

from __future__ import annotations

import re


def reason_kind(reason: str) -> str:
    """Group a quarantine reason: ``unknown category 'X'`` keeps the value, others their head.

    Examples
    --------
    >>> reason_kind("duplicate id 'B6047', first at row 6047")
    'duplicate id'
    >>> reason_kind("unparseable date '31/02/2023' in 'date'; expected %d/%m/%Y")
    'unparseable date'
    >>> reason_kind("unknown category 'Vol à la roulotte'")
    "unknown category 'Vol à la roulotte'"
    """
    m = re.match(r"(unknown category '[^']*'|duplicate id)", reason)
    if m:
        return m.group(1)
    head = re.split(r"[:;(\u2014]| '|'", reason, maxsplit=1)[0].strip()
    return head or reason[:40]


__all__ = ["reason_kind"]
