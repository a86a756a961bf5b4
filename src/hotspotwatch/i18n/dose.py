"""Words and numbers of presence, dose and cost in one language (report, dashboard).

Amounts are written with Babel's ``format_currency`` in the language's conventions
("€ 12.500" in Dutch, "12 500 €" in French); unit types are the workspace's
``[presence] unit_types``, named by ``dose.unit.<type>`` when the catalogue has a name for
them and otherwise shown as configured (a city's own unit names are its vocabulary).
"""

from __future__ import annotations

import math
from typing import Any

from hotspotwatch.i18n import LOCALES, catalogs, translate


def format_money(value: Any, currency: str, lang: str = "en") -> str:
    """An amount in ``currency`` without decimals, the language's way ("–" when missing).

    Examples
    --------
    >>> format_money(12500, "EUR", "nl"), format_money(12500, "EUR", "en")
    ('€\\xa012.500', '€12,500')
    >>> format_money(float("nan"), "EUR", "fr")
    '–'
    """
    from babel.numbers import format_currency

    try:
        v = float(value)
    except (TypeError, ValueError):
        return "–"
    if not math.isfinite(v):
        return "–"
    from babel import Locale

    locale = LOCALES.get(lang, "en_GB")

    std = Locale.parse(locale).currency_formats["standard"].pattern
    # the language's own pattern, without decimals (costs are estimates, not invoices)
    pattern = std.replace(".00", "").replace(",00", "")
    return str(
        format_currency(round(v), currency, format=pattern, locale=locale, currency_digits=False)
    )


def currency_name(currency: str, lang: str = "en") -> str:
    """The currency's plural name in ``lang`` ("euros", "euro's" ...).

    Examples
    --------
    >>> currency_name("EUR", "fr"), currency_name("GBP", "en")
    ('euros', 'British pounds')
    """
    from babel.numbers import get_currency_name

    return str(get_currency_name(currency, count=2, locale=LOCALES.get(lang, "en_GB")))


def unit_type_label(unit: str, lang: str = "en") -> str:
    """The name of a presence unit type (``dose.unit.<type>``, else as configured).

    Examples
    --------
    >>> unit_type_label("peacekeepers", "fr"), unit_type_label("mounted_police", "nl")
    ('Gardiens de la paix', 'mounted police')
    """
    key = f"dose.unit.{unit}"
    if key in catalogs().get(lang, {}):
        return translate(key, lang)
    return unit.replace("_", " ")


__all__ = ["currency_name", "format_money", "unit_type_label"]
