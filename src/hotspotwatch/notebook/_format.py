"""Number formatting and HTML table building shared by the notebook renderers."""

from __future__ import annotations

import dataclasses
import datetime as dt
import html
import math
from collections.abc import Iterable, Sequence
from typing import Any

import numpy as np

DASH = "\u2013"


def num(value: Any, digits: int = 3) -> str:
    """A number as people quote it: thousands separated, ``digits`` significant digits.

    Examples
    --------
    >>> num(0.83412), num(12345.6), num(3), num(float("nan")), num(None), num(True)
    ('0.834', '12,346', '3', '–', '–', 'yes')
    >>> num(1.5e-7)
    '1.5e-07'
    """
    if value is None:
        return DASH
    if isinstance(value, (bool, np.bool_)):
        return "yes" if value else "no"
    if isinstance(value, (int, np.integer)):
        return f"{int(value):,}"
    if isinstance(value, (float, np.floating)):
        f = float(value)
        if not math.isfinite(f):
            return DASH if math.isnan(f) else ("\u221e" if f > 0 else "-\u221e")
        if f == 0:
            return "0"
        if abs(f) >= 10 ** digits:
            return f"{f:,.0f}"
        if abs(f) < 1e-4:
            return f"{f:.{digits - 1}g}"
        return f"{f:.{digits}g}" if abs(f) < 1 else f"{f:,.{max(digits - 1 - int(math.log10(abs(f))), 0)}f}"
    return text(value)


def pval(value: Any) -> str:
    """A p-value: ``<0.001`` below a thousandth.

    Examples
    --------
    >>> pval(0.0004), pval(0.0312), pval(None)
    ('&lt;0.001', '0.031', '–')
    """
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return DASH
    f = float(value)
    return "&lt;0.001" if f < 0.001 else f"{f:.3f}"


def pct(value: Any) -> str:
    """A share as a percentage with one decimal.

    Examples
    --------
    >>> pct(0.4567), pct(None)
    ('45.7%', '–')
    """
    if value is None or (isinstance(value, float) and not math.isfinite(value)):
        return DASH
    return f"{100 * float(value):.1f}%"


def interval(low: Any, high: Any) -> str:
    """``low–high`` with :func:`num` (``–`` when unknown)."""
    return f"{num(low)}{DASH}{num(high)}"


def text(value: Any) -> str:
    """Any value as escaped HTML text (dates in ISO form)."""
    if value is None:
        return DASH
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    return html.escape(str(value))


def cell(value: Any) -> str:
    """One table cell: numbers through :func:`num`, the rest escaped.

    Pre-formatted HTML is passed as :class:`Raw`.
    """
    if isinstance(value, Raw):
        return str(value)
    if value is None or isinstance(value, (bool, int, float, np.number, np.bool_)):
        return num(value)
    return text(value)


class Raw(str):
    """Already escaped HTML (e.g. the output of :func:`pval`)."""


def table(
    header: Sequence[str] | None,
    rows: Iterable[Sequence[Any]],
    *,
    caption: str | None = None,
    note: str | None = None,
) -> str:
    """An HTML ``<table>`` (class ``hotspotwatch``) with an optional caption and note.

    Examples
    --------
    >>> table(["a"], [[1.5]], caption="T<1>")
    '<table class="hotspotwatch"><caption>T&lt;1&gt;</caption><thead><tr><th>a</th></tr></thead><tbody><tr><td>1.50</td></tr></tbody></table>'
    """
    out = ['<table class="hotspotwatch">']
    if caption:
        out.append(f"<caption>{html.escape(caption)}</caption>")
    if header:
        out.append("<thead><tr>" + "".join(f"<th>{html.escape(h)}</th>" for h in header) + "</tr></thead>")
    out.append("<tbody>")
    for row in rows:
        cells = list(row)
        if not header and cells:  # key/value table: the key is a row header
            out.append(f'<tr><th style="text-align:left">{html.escape(str(cells[0]))}</th>'
                       + "".join(f"<td>{cell(v)}</td>" for v in cells[1:]) + "</tr>")
        else:
            out.append("<tr>" + "".join(f"<td>{cell(v)}</td>" for v in cells) + "</tr>")
    out.append("</tbody>")
    if note:
        out.append(f'<tfoot><tr><td colspan="99"><small>{html.escape(note)}</small></td></tr></tfoot>')
    out.append("</table>")
    return "".join(out)


def is_scalar(value: Any) -> bool:
    """True for values a key/value table shows as they are."""
    return value is None or isinstance(value, (bool, int, float, str, dt.date, np.number, np.bool_))


def scalar_rows(obj: Any, skip: Iterable[str] = ()) -> list[tuple[str, Any]]:
    """``(field, value)`` of a dataclass's scalar fields; arrays and lists as their sizes."""
    skipped = set(skip)
    rows: list[tuple[str, Any]] = []
    for f in dataclasses.fields(obj):
        if f.name in skipped:
            continue
        v = getattr(obj, f.name)
        if is_scalar(v):
            rows.append((f.name.replace("_", " "), v))
        elif isinstance(v, np.ndarray):
            rows.append((f.name.replace("_", " "), f"array {' × '.join(map(str, v.shape))}"))
        elif isinstance(v, (tuple, list)) and (not v or is_scalar(v[0])) and len(v) <= 12:
            rows.append((f.name.replace("_", " "), ", ".join(cell(x) for x in v) or DASH))
        elif isinstance(v, (tuple, list, dict)):
            rows.append((f.name.replace("_", " "), f"{len(v)} items"))
        elif dataclasses.is_dataclass(v):
            rows.append((f.name.replace("_", " "), type(v).__name__))
    return [(k, Raw(cell(v)) if not isinstance(v, str) else v) for k, v in rows]
