"""Numbers, dates, counts and configured words of the report in one language and audience.

Numbers and dates follow the language's conventions (Babel, through
:mod:`hotspotwatch.i18n`); counts go through the disclosure rule; configured words (title,
deciding body, strategy, harm focus, what a zone is called) come from the workspace config,
with neutral wording when it has none.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from hotspotwatch.config import ReportConfig
from hotspotwatch.i18n import (
    LANGUAGES,
    catalogs,
    format_date,
    format_list,
    format_month,
    format_number,
    plural,
    translate,
)
from hotspotwatch.report.disclosure import Disclosure

FORMATS = ("pdf", "html")


def check_lang(lang: str) -> str:
    """Validate the report language."""
    if lang not in LANGUAGES:
        raise ValueError(
            f"lang must be one of {', '.join(LANGUAGES)}, got {lang!r}; use --lang fr|nl|en"
        )
    return lang


def check_format(fmt: str) -> str:
    """Validate the output format."""
    if fmt not in FORMATS:
        raise ValueError(
            f"format must be one of {', '.join(FORMATS)}, got {fmt!r}; use --format html|pdf"
        )
    return fmt


def _finite(value: Any) -> float | None:
    try:
        v = float(value)
    except (TypeError, ValueError):
        return None
    return v if math.isfinite(v) else None


@dataclass(frozen=True)
class Fmt:
    """Formatting for one language and audience.

    Examples
    --------
    >>> f = Fmt("fr", Disclosure("public", 5))
    >>> f.num(0.8712), f.count(3), f.count(1234), f.months(1), f.months(12)
    ('0,87', '< 5', '1\\u202f234', '1 mois', '12 mois')
    """

    lang: str
    disclosure: Disclosure
    report: ReportConfig = field(default_factory=ReportConfig)
    zone_label: Mapping[str, str] = field(default_factory=dict)

    def t(self, key: str, **params: Any) -> str:
        """Translated text of ``key``."""
        return translate(key, self.lang, **params)

    def p(self, key: str, count: float, /, **params: Any) -> str:
        """Translated text of the plural key ``key`` for ``count`` (``{n}`` by default)."""
        return plural(key, count, self.lang, **params)

    def num(self, value: Any, digits: int = 2) -> str:
        """A decimal number in the language's format ("–" if missing)."""
        return format_number(value, self.lang, digits=digits)

    def pct(self, value: Any, digits: int = 0) -> str:
        """A percentage's number (without the sign)."""
        return self.num(value, digits)

    def pvalue(self, value: Any) -> str:
        """A p-value to three decimals, "< 0.001" below."""
        v = _finite(value)
        if v is None:
            return "–"
        if v < 0.001:
            return "< " + self.num(0.001, 3)
        return self.num(v, 3)

    def date(self, day: dt.date | None) -> str:
        """A date in words."""
        return format_date(day, self.lang)

    def month_year(self, day: dt.date) -> str:
        """Month and year in words."""
        return format_month(day, self.lang)

    def listing(self, items: Any) -> str:
        """Items joined the language's way."""
        items = list(items)
        return format_list(items, self.lang) if items else "–"

    def count(self, value: float | None) -> str:
        """A count, or "< k" when the disclosure rule hides it."""
        v = _finite(value)
        if v is None:
            return "–"
        if self.disclosure.suppressed(v):
            return self.t("report.suppressed_cell", k=self.disclosure.k)
        return format_number(round(v), self.lang, digits=0)

    def months(self, n: float) -> str:
        """``n`` months, with the plural form and decimals the value needs."""
        value = round(float(n), 1)
        return self.p("common.n_months", value, n=self.num(value, 0 if value.is_integer() else 1))

    def change(
        self, before: float | None, after: float | None, m_before: float, m_after: float
    ) -> str:
        """Change in the monthly rate between two periods (hidden when a count is hidden)."""
        if before is None or after is None or m_before <= 0 or m_after <= 0:
            return "–"
        if self.disclosure.suppressed(before) or self.disclosure.suppressed(after) or before == 0:
            return "–"
        rel = 100.0 * ((after / m_after) / (before / m_before) - 1.0)
        sign = "+" if rel > 0.5 else ("\u2212" if rel < -0.5 else "±")
        return f"{sign}{self.num(abs(rel), 0)}\u00a0%"

    # ------------------------------------------------------------------ configured words
    def configured(self, key: str) -> str | None:
        """A configured ``[report]`` text (title, body, strategy, harm_focus) or ``None``."""
        return self.report.text(key, self.lang)

    def body(self) -> str:
        """The deciding body ("the deciding body" when not configured)."""
        return self.configured("body") or self.t("report.neutral.body")

    def strategy(self) -> str:
        """The strategy's name ("the hotspot strategy" when not configured)."""
        return self.configured("strategy") or self.t("report.neutral.strategy")

    def harm_focus(self) -> str:
        """Which harm the report speaks of ("harm" when not configured)."""
        return self.configured("harm_focus") or self.t("report.neutral.harm_focus")

    def title(self) -> str:
        """The report's title (configured, or neutral wording built from the harm focus)."""
        return self.configured("title") or self.t("report.neutral.title", harm=self.harm_focus())

    def zone(self) -> str:
        """What a zone of the zone layer is called ("zone" when not configured)."""
        return (
            self.zone_label.get(self.lang)
            or self.zone_label.get("en")
            or self.t("report.neutral.zone")
        )

    def category(self, name: str) -> str:
        """A category's name for a table row (the report's plural label, else the taxonomy's)."""
        from hotspotwatch.domain.taxonomy import category_label

        key = f"report.category.{name}"
        if key in catalogs()[self.lang]:
            return self.t(key)
        label = category_label(name, self.lang)
        return label[:1].upper() + label[1:]

    def category_name(self, name: str) -> str:
        """A category's name inside a sentence ("burglary", "cambriolage")."""
        from hotspotwatch.domain.taxonomy import category_label

        return category_label(name, self.lang)


__all__ = ["FORMATS", "Fmt", "check_format", "check_lang"]
