"""Statistical disclosure control for public reports: counts below ``k`` are never shown.

A public report must inform without exposing victims or stigmatising a street: every count
below the workspace's ``disclosure_k`` (default 5) is replaced by "fewer than k" in tables,
masked in maps and drawn as a range in charts, and the report says so. Zero is a count below
``k`` too (showing "0" next to "fewer than 5" would reveal it). Council reports show every
count. Estimates (rate ratios, intervals, p-values) are not counts and are shown to both
audiences, so the two versions carry the same numbers wherever a number is shown.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Literal

import numpy as np

Audience = Literal["council", "public"]
AUDIENCES: tuple[Audience, ...] = ("council", "public")


def check_audience(audience: str) -> Audience:
    """Return ``audience`` if valid, else raise a ValueError naming the choices."""
    if audience not in AUDIENCES:
        raise ValueError(
            f"audience must be one of {', '.join(AUDIENCES)}, got {audience!r}; "
            "use --audience council (all counts) or --audience public (counts below k hidden)"
        )
    return "public" if audience == "public" else "council"


def check_k(k: int) -> int:
    """Validate the disclosure threshold (a positive integer)."""
    if isinstance(k, bool) or not isinstance(k, (int, np.integer)) or k < 1:
        raise ValueError(
            f"disclosure k must be a positive integer, got {k!r}; set disclosure_k in "
            "hotspotwatch.toml (default 5)"
        )
    return int(k)


@dataclass(frozen=True)
class Disclosure:
    """The disclosure rule of one report.

    Attributes
    ----------
    audience : {"council", "public"}
        Council reports show all counts; public reports suppress counts below ``k``.
    k : int
        Threshold: counts ``0 <= n < k`` are suppressed for the public.

    Examples
    --------
    >>> d = Disclosure("public", 5)
    >>> d.suppressed(3), d.suppressed(5), Disclosure("council", 5).suppressed(3)
    (True, False, False)
    """

    audience: Audience
    k: int

    def __post_init__(self) -> None:
        check_audience(self.audience)
        check_k(self.k)

    @property
    def public(self) -> bool:
        """Whether counts below ``k`` are suppressed."""
        return self.audience == "public"

    def suppressed(self, count: float | None) -> bool:
        """Whether ``count`` must be hidden from this audience."""
        if count is None or not self.public:
            return False
        value = float(count)
        return bool(np.isfinite(value) and value < self.k)

    def mask(self, counts: Iterable[float] | np.ndarray) -> np.ndarray:
        """Float copy of ``counts`` with suppressed values set to NaN."""
        arr = np.asarray(list(counts) if not isinstance(counts, np.ndarray) else counts, float)
        out = arr.astype(float, copy=True)
        if self.public:
            out[out < self.k] = np.nan
        return out

    def cell(self, count: float | None, suppressed_text: str) -> str:
        """Text of a count for a table cell: the number, or ``suppressed_text`` (e.g. "< 5")."""
        if count is None or (isinstance(count, float) and not np.isfinite(count)):
            return "–"
        if self.suppressed(count):
            return suppressed_text
        return f"{round(float(count)):,}".replace(",", "\u202f")

    def change(self, before: float | None, after: float | None, lang_pct: str = "{:+.0f} %") -> str:
        """Percent change between two counts, hidden if either count is suppressed.

        A change computed from a hidden count would reveal it (a known total with one visible
        part gives the other), so it is suppressed with them.
        """
        if before is None or after is None or self.suppressed(before) or self.suppressed(after):
            return "–"
        if before == 0:
            return "–"
        return lang_pct.format(100.0 * (float(after) - float(before)) / float(before))


__all__ = ["AUDIENCES", "Audience", "Disclosure", "check_audience", "check_k"]
