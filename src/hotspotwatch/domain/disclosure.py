"""Statistical disclosure control: the one rule for counts shown to the public.

A public output must inform without exposing victims or stigmatising a street: every count
below the workspace's ``disclosure_k`` (default 5) is hidden -- "fewer than k" in report
tables, masked in maps, drawn as a range in charts, ``null`` in the public API. Zero is a
count below ``k`` too (showing "0" next to "fewer than 5" would reveal it). Council outputs
show every count. Estimates (rate ratios, intervals, p-values) are not counts and are shown
to both audiences, so the two versions carry the same numbers wherever a number is shown.

The report (:mod:`hotspotwatch.report.disclosure` re-exports this module) and the public
web pages (:mod:`hotspotwatch.workflows.web.public`) apply :func:`is_suppressed`; nothing
else decides whether a count may be shown.

Hiding small counts is not enough when related tables are published: a total minus its
visible parts gives the sum of the hidden parts (the public grid of all years minus the
grid of each year once revealed single hidden yearly counts). Every published table of
parts and totals therefore goes through :func:`protect_table` (primary suppression below
``k``, then complementary suppression), whose criterion is: no published value minus any
set of other published values gives a count, or a sum of hidden counts, below ``k``.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Literal

import numpy as np
from numpy.typing import NDArray

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


def is_suppressed(count: float | None, k: int) -> bool:
    """Whether a count must be hidden from the public: finite and below ``k`` (zero included).

    ``None`` and non-finite values are not counts and are left to the caller.

    Examples
    --------
    >>> [is_suppressed(n, 5) for n in (0, 4, 5, 12)]
    [True, True, False, False]
    """
    if count is None:
        return False
    value = float(count)
    return math.isfinite(value) and value < k


def suppress(count: float, k: int) -> int | None:
    """``count`` as an integer if the public may see it, else ``None``.

    Examples
    --------
    >>> suppress(7, 5), suppress(4, 5), suppress(0, 5)
    (7, None, None)
    """
    return None if is_suppressed(count, k) else int(count)


def suppressed_mask(counts: Iterable[float] | NDArray[np.float64], k: int) -> NDArray[np.bool_]:
    """:func:`is_suppressed` over an array (NaN stays unsuppressed: it is no count)."""
    arr = np.asarray(list(counts) if not isinstance(counts, np.ndarray) else counts, float)
    return np.isfinite(arr) & (arr < k)


Margin = Literal["exact", "partial", "none"]
"""How a column's total is published elsewhere: exactly, with some parts hidden, or not."""


def protect_table(
    table: NDArray[np.float64] | NDArray[np.int64],
    k: int,
    *,
    margins: list[Margin] | None = None,
    total_margin: Margin = "none",
) -> tuple[NDArray[np.bool_], NDArray[np.bool_]]:
    """Primary and complementary suppression of a table of parts and its row totals.

    ``table[i, j]`` is the count of unit ``i`` (a map cell) in part ``j`` (a calendar year);
    each row's total (all years) is published with it. ``margins[j]`` says how the total
    of column ``j`` over all units is published elsewhere (``"exact"``: the region-wide
    count of that year can be read off another output; ``"partial"``: it can, but with
    some hidden parts; ``"none"``: not at all); ``total_margin`` the same for the sum of
    the row totals.

    Returns ``(hidden, total_hidden)``: which parts and which row totals must not be
    shown. Counts below ``k`` are hidden (primary suppression); then, until nothing
    changes, more values are hidden (complementary suppression) so that

    - a shown row total minus the shown parts of its row leaves hidden parts summing to
      at least ``k`` (or no hidden part);
    - an exactly published column total minus the shown values of its column leaves at
      least ``k``; a partly published one keeps at least one hidden value, so that its
      hidden parts are never the only unknowns;
    - an exactly published grand total minus the shown row totals and the shown parts of
      the rows whose total is hidden leaves at least ``k``.

    Each step hides the smallest shown value that repairs the failing relation; hiding
    only ever adds unknowns, so the loop ends. The result is deterministic.

    Examples
    --------
    >>> t = np.array([[3, 9], [8, 7]])          # two cells, two years; totals 12 and 15
    >>> hidden, total_hidden = protect_table(t, 5)
    >>> hidden.tolist(), total_hidden.tolist()  # 12 - 9 would reveal the hidden 3
    ([[True, False], [False, False]], [True, False])
    """
    k = check_k(k)
    values = np.asarray(table, dtype=float)
    if values.ndim != 2:
        raise ValueError("protect_table needs a 2-D table (units x parts)")
    m = values.shape[1]
    margins = list(margins) if margins is not None else ["none"] * m
    if len(margins) != m:
        raise ValueError(f"margins has {len(margins)} entries for {m} columns")
    totals = values.sum(axis=1)
    hidden = values < k
    total_hidden = totals < k

    def hide_smallest(candidates: NDArray[np.bool_], vals: NDArray[np.float64]) -> int | None:
        if not candidates.any():
            return None
        idx = np.flatnonzero(candidates)
        return int(idx[np.argmin(vals[idx])])

    changed = True
    while changed:
        changed = False
        # rows: a shown total minus the shown parts
        h_sum = np.where(hidden, values, 0.0).sum(axis=1)
        bad = ~total_hidden & hidden.any(axis=1) & (h_sum < k)
        if bad.any():
            total_hidden = total_hidden | bad
            changed = True
        # columns: a published column total minus the shown values of the column
        for j, margin in enumerate(margins):
            col_hidden = hidden[:, j]
            if (margin == "exact" and col_hidden.any() and values[col_hidden, j].sum() < k) or (margin == "partial" and not col_hidden.any()):
                i = hide_smallest(~col_hidden, values[:, j])
            else:
                continue
            if i is not None:
                hidden[i, j] = True
                changed = True
        # grand total minus the shown row totals and the shown parts of hidden-total rows
        if total_margin != "none" and total_hidden.any():
            rest = np.where(hidden[total_hidden], values[total_hidden], 0.0).sum()
            need = rest < k if total_margin == "exact" else not hidden[total_hidden].any()
            if need:
                rows = np.flatnonzero(total_hidden)
                sub = ~hidden[rows]
                if sub.any():
                    r, c = np.argwhere(sub)[np.argmin(values[rows][sub])]
                    hidden[rows[r], c] = True
                    changed = True
                else:
                    i = hide_smallest(~total_hidden & hidden.any(axis=1), totals)
                    if i is not None:
                        total_hidden[i] = True
                        changed = True
    return hidden, total_hidden


@dataclass(frozen=True)
class Disclosure:
    """The disclosure rule of one output (a report or a page) and its audience.

    Attributes
    ----------
    audience : {"council", "public"}
        Council outputs show all counts; public outputs suppress counts below ``k``.
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
        return self.public and is_suppressed(count, self.k)

    def shown(self, count: float) -> int | None:
        """``count`` as an integer, or ``None`` when hidden from this audience."""
        return None if self.suppressed(count) else int(count)

    def mask(self, counts: Iterable[float] | np.ndarray) -> np.ndarray:
        """Float copy of ``counts`` with suppressed values set to NaN."""
        arr = np.asarray(list(counts) if not isinstance(counts, np.ndarray) else counts, float)
        out = arr.astype(float, copy=True)
        if self.public:
            out[suppressed_mask(out, self.k)] = np.nan
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


__all__ = [
    "AUDIENCES",
    "Audience",
    "Disclosure",
    "Margin",
    "check_audience",
    "check_k",
    "is_suppressed",
    "protect_table",
    "suppress",
    "suppressed_mask",
]
