"""Resource files: staff-hours and cost per hotspot, period and kind.

One row per hotspot, period and kind, with these columns (header names, any order; other
columns are ignored and never stored)::

    hotspot,start,end,kind,staff_hours,cost,source
    Gare du Midi,2024-04-01,2024-09-30,police,5200,310000,zone 5341 annual report 2024
    Gare du Midi,2024-04-01,2024-09-30,prevention,1800,72000,Bruxelles-Prévention & Sécurité

- ``start``/``end``: ISO dates, both inclusive;
- ``kind``: one of :data:`KINDS` (``police``, ``prevention``, ``liveability``, ``other``);
- ``staff_hours`` and ``cost`` (euros): non-negative numbers, one of them may be empty;
- ``source``: where the figures come from (required: a cost without a source is not a figure);
- ``simulated`` (optional): ``true`` for simulated records.

A row is identified by ``(hotspot, start, end, kind, source)``: re-importing a file changes
nothing, a corrected figure updates its row. Rows that cannot be used are quarantined with the
reason and the fix.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

from hotspotwatch.io.errors import SourceError
from hotspotwatch.io.presence import drop_personal
from hotspotwatch.io.raw import QUARANTINE_COLUMNS, RawTable, empty_quarantine, raw_json
from hotspotwatch.io.validate import Flags, as_text, parse_numbers

KINDS: tuple[str, ...] = ("police", "prevention", "liveability", "other")
REQUIRED: tuple[str, ...] = ("hotspot", "start", "end", "kind", "staff_hours", "cost", "source")
RESOURCE_SOURCE = "resources"


def normalise_resources(
    raw: RawTable, *, hotspots: Mapping[str, Any]
) -> tuple[pd.DataFrame, pd.DataFrame, tuple[str, ...]]:
    """``(records, quarantine, dropped_columns)`` of a resource file.

    ``records`` has ``hotspot, period_start, period_end`` (dates), ``kind, staff_hours,
    cost_eur, source, simulated, row_hash``; ``len(records) + len(quarantine) == raw.read``.

    Raises
    ------
    SourceError
        A required column is missing (naming the columns there are).
    """
    raw, dropped = drop_personal(raw)
    cols = {str(c).strip().casefold(): c for c in raw.frame.columns}
    missing = [c for c in REQUIRED if c not in cols]
    if missing:
        raise SourceError(
            f"{raw.path}: column {missing[0]!r} is missing; a resource file has the columns "
            f"{', '.join(REQUIRED)} (the file has: {', '.join(map(repr, list(raw.frame.columns)[:12]))})"
        )
    f = raw.frame
    n = len(f)
    flags = Flags(n)

    def col(name: str) -> pd.Series:
        return f[cols[name]]

    names = as_text(col("hotspot")).to_numpy(dtype=object)
    known = {str(k) for k in hotspots}
    folded = {k.casefold(): k for k in known}
    hotspot = np.array(
        [v if v in known else folded.get(str(v).casefold()) for v in names], dtype=object
    )
    bad = pd.isna(hotspot)
    flags.add(
        bad,
        cols["hotspot"],
        [
            "no hotspot: 'hotspot' is empty"
            if not v
            else f"unknown hotspot {v!r}; import it first (hotspotwatch import hotspots) or fix the name"
            for v in names[bad]
        ],
    )
    dates = {}
    for c in ("start", "end"):
        text = as_text(col(c))
        d = pd.to_datetime(text, format="%Y-%m-%d", errors="coerce")
        badd = d.isna().to_numpy()
        flags.add(
            badd,
            cols[c],
            [
                f"no date: {c!r} is empty"
                if not v
                else f"unparseable date {v!r} in {c!r}; expected YYYY-MM-DD (e.g. 2024-04-01)"
                for v in text.to_numpy(dtype=object)[badd]
            ],
        )
        dates[c] = d
    order = (dates["end"] < dates["start"]).to_numpy()
    flags.add(order, cols["end"], "the period ends before it starts; check 'start' and 'end'")
    kind = as_text(col("kind")).str.casefold().to_numpy(dtype=object)
    badk = ~np.isin(kind, KINDS)
    flags.add(
        badk,
        cols["kind"],
        [f"unknown kind {v!r}; use one of {', '.join(KINDS)}" for v in kind[badk]],
    )
    nums = {}
    for c in ("staff_hours", "cost"):
        v, empty, notnum = parse_numbers(col(c))
        flags.add(
            notnum,
            cols[c],
            [
                f"{c!r} value {x!r} is not a number"
                for x in as_text(col(c)).to_numpy(dtype=object)[notnum]
            ],
        )
        neg = ~empty & ~notnum & (np.nan_to_num(v) < 0)
        flags.add(neg, cols[c], f"{c!r} is negative; give hours and euros as positive numbers")
        nums[c] = (np.where(empty, np.nan, v), empty)
    both = nums["staff_hours"][1] & nums["cost"][1]
    flags.add(both, cols["cost"], "no figure: 'staff_hours' and 'cost' are both empty")
    source = as_text(col("source")).to_numpy(dtype=object)
    flags.add(
        source == "",
        cols["source"],
        "no source: say where the figures come from (a report, a budget line)",
    )
    simulated = np.zeros(n, dtype=bool)
    if "simulated" in cols:
        simulated = as_text(col("simulated")).str.casefold().isin(["true", "1", "yes"]).to_numpy()
    key = pd.Series(
        [
            f"{h}|{a}|{b}|{k}|{s}"
            for h, a, b, k, s in zip(
                hotspot, dates["start"], dates["end"], kind, source, strict=True
            )
        ]
    )
    dup = flags.ok & key.duplicated(keep="first").to_numpy() & flags.ok
    flags.add(
        dup,
        cols["kind"],
        "duplicate row: the same hotspot, period, kind and source as an earlier row; keep one",
    )
    ok = flags.ok
    rec = pd.DataFrame(
        {
            "hotspot": hotspot[ok],
            "period_start": [d.date() for d in dates["start"][ok]],
            "period_end": [d.date() for d in dates["end"][ok]],
            "kind": kind[ok],
            "staff_hours": nums["staff_hours"][0][ok],
            "cost_eur": nums["cost"][0][ok],
            "source": source[ok],
            "simulated": simulated[ok],
        }
    )
    from hotspotwatch.store.hashing import hash_columns, hex64

    def cents(values: np.ndarray) -> np.ndarray:
        return np.round(np.nan_to_num(values, nan=-1.0) * 100).astype(np.int64)

    rec["row_hash"] = (
        hex64(
            hash_columns(
                [
                    cents(rec["staff_hours"].to_numpy(float)),
                    cents(rec["cost_eur"].to_numpy(float)),
                    rec["simulated"].astype(np.int64).to_numpy(),
                ]
            )
        )
        if len(rec)
        else np.array([], dtype=object)
    )
    bad = ~ok
    parts = []
    if bad.any():
        sub = f.loc[bad]
        records = sub.astype(object).where(sub.notna(), None).to_dict("records")
        parts.append(
            pd.DataFrame(
                {
                    "row_number": raw.row_numbers[bad],
                    "line": raw.line_of(bad).array,
                    "raw_row": [raw_json(r) for r in records],
                    "field": flags.field[bad],
                    "reason": flags.reason[bad],
                }
            )
        )
    if len(raw.rejected):
        parts.append(raw.rejected[list(QUARANTINE_COLUMNS)])
    q = pd.concat(parts, ignore_index=True) if parts else empty_quarantine()
    assert len(rec) + len(q) == raw.read
    return rec, q, dropped


__all__ = ["KINDS", "REQUIRED", "RESOURCE_SOURCE", "normalise_resources"]
