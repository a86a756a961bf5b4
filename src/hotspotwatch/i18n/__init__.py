"""Translatable text keys (English, French, Dutch).

Catalogues live in ``i18n/catalogs/<domain>.toml``, one file per part of the code (so that
parts can add keys without touching each other's files). Each file holds one table per
language::

    [en]
    verdict.reduction = "reduction"
    [fr]
    verdict.reduction = "baisse"
    [nl]
    verdict.reduction = "daling"

Keys are dotted strings; values are ``str.format`` templates. A key whose text depends on a
number is a table of CLDR plural forms (``{ one = "{n} month", other = "{n} months" }``),
read with :func:`plural`. Numbers and dates are written with Babel in each language's
conventions (:func:`format_number`, :func:`format_date`, :func:`format_month`). Every key must exist in every
language (``tests/test_i18n.py`` checks it), so a missing translation is a test failure,
never a silent fallback in a council report.
"""

from __future__ import annotations

import datetime as dt
import math
import tomllib
from functools import lru_cache
from importlib import resources
from typing import Any, Literal

Lang = Literal["en", "fr", "nl"]
LANGUAGES: tuple[Lang, ...] = ("en", "fr", "nl")


def _flatten(table: dict[str, Any], prefix: str = "") -> dict[str, str]:
    flat: dict[str, str] = {}
    for key, value in table.items():
        full = f"{prefix}{key}"
        if isinstance(value, dict):
            flat.update(_flatten(value, full + "."))
        else:
            flat[full] = str(value)
    return flat


@lru_cache(maxsize=1)
def catalogs() -> dict[str, dict[str, str]]:
    """Return ``{lang: {key: template}}`` merged from every catalogue file.

    Raises
    ------
    ValueError
        If two catalogue files define the same key for a language.
    """
    merged: dict[str, dict[str, str]] = {lang: {} for lang in LANGUAGES}
    folder = resources.files("hotspotwatch.i18n") / "catalogs"
    # The names of categories, roles and outcomes are part of the domain vocabulary and live
    # with it (domain/labels.toml): domain/ imports nothing above it, i18n included.
    files = [e for e in folder.iterdir() if e.name.endswith(".toml")]
    files.append(resources.files("hotspotwatch.domain") / "labels.toml")
    for entry in sorted(files, key=lambda e: e.name):
        data = tomllib.loads(entry.read_text(encoding="utf-8"))
        for lang in LANGUAGES:
            for key, value in _flatten(data.get(lang, {})).items():
                if key in merged[lang]:
                    raise ValueError(
                        f"i18n key {key!r} ({lang}) defined twice; second in {entry.name}"
                    )
                merged[lang][key] = value
    return merged


def translate(key: str, lang: str = "en", /, **params: Any) -> str:
    """Return the text for ``key`` in ``lang``, formatted with ``params``.

    Parameters
    ----------
    key : str
        Dotted key, e.g. ``"verdict.reduction"``.
    lang : {"en", "fr", "nl"}
        Language.
    **params
        Values substituted into the template with ``str.format``.

    Raises
    ------
    KeyError
        If the key is unknown in that language (never falls back silently), or is a plural
        table and ``n`` is not given as a number.
    ValueError
        If the language is not supported.

    Notes
    -----
    A plural table (``{ one = ..., other = ... }``) given a number ``n`` is read with
    :func:`plural`, so that turning a fixed template into a plural table does not break a
    caller that passes the count as ``n``.

    Examples
    --------
    >>> translate("common.yes", "nl")
    'ja'
    >>> translate("common.n_months", "nl", n=1), translate("common.n_months", "nl", n=2)
    ('1 maand', '2 maanden')
    """
    if lang not in LANGUAGES:
        raise ValueError(f"unsupported language {lang!r}; use one of {', '.join(LANGUAGES)}")
    table = catalogs()[lang]
    template = table.get(key)
    if template is None:
        if f"{key}.other" in table:
            # A plural table: the count ``n`` chooses the form (see :func:`plural`).
            n = params.get("n")
            if isinstance(n, (int, float)) and not isinstance(n, bool):
                rest = {k: v for k, v in params.items() if k != "n"}
                return plural(key, n, lang, **rest)
            raise KeyError(
                f"{lang} key {key!r} is a plural table: call plural({key!r}, count, {lang!r})"
            )
        raise KeyError(f"no {lang} text for key {key!r}")
    return template.format(**params) if params else template


t = translate


# ------------------------------------------------------------------ plurals, numbers, dates

#: Babel locale of each language. English is British English: day-month-year dates
#: ("1 December 2025") as in the rest of the European documents a council reads.
LOCALES: dict[str, str] = {"en": "en_GB", "fr": "fr_BE", "nl": "nl_BE"}
PLURAL_FORMS = ("zero", "one", "two", "few", "many", "other")


def _locale(lang: str) -> Any:
    from babel import Locale

    if lang not in LANGUAGES:
        raise ValueError(f"unsupported language {lang!r}; use one of {', '.join(LANGUAGES)}")
    return Locale.parse(LOCALES[lang])


def plural_form(n: float, lang: str) -> str:
    """CLDR plural category of ``n`` in ``lang`` (``"one"``, ``"many"``, ``"other"``...).

    Examples
    --------
    >>> plural_form(1, "en"), plural_form(0, "en"), plural_form(0, "fr"), plural_form(1.5, "fr")
    ('one', 'other', 'one', 'one')
    """
    return str(_locale(lang).plural_form(abs(n)))


def plural(key: str, n: float, lang: str = "en", /, **params: Any) -> str:
    """The text of ``key`` in the plural form ``n`` takes in ``lang``.

    A plural key is a table of forms in the catalogue, at least ``one`` and ``other``::

        report.n_places = { one = "{n} place", other = "{n} places" }

    The form is chosen with the language's CLDR rule (French says "0 mois" and "1,5 mois"
    with the ``one`` form, English "0 months"); a form the catalogue lacks falls back to
    ``other``. ``{n}`` is ``n`` in the language's number format unless given in ``params``.

    Raises
    ------
    KeyError
        If ``key`` has no ``other`` form in ``lang``.

    Examples
    --------
    >>> plural("common.n_months", 1, "en"), plural("common.n_months", 3, "nl")
    ('1 month', '3 maanden')
    """
    form = plural_form(n, lang)
    table = catalogs()[lang] if lang in LANGUAGES else {}
    chosen = f"{key}.{form}" if f"{key}.{form}" in table else f"{key}.other"
    params.setdefault("n", format_number(n, lang, digits=None))
    return translate(chosen, lang, **params)


def format_number(value: Any, lang: str = "en", *, digits: int | None = 2) -> str:
    """``value`` in the language's number format ("–" when missing or not finite).

    ``digits`` fixes the decimals; ``None`` shows an integer as an integer and otherwise up
    to three decimals. Negative numbers get the typographic minus.

    Examples
    --------
    >>> format_number(1234.5, "fr"), format_number(1234.5, "nl"), format_number(1234.5, "en")
    ('1\\u202f234,50', '1.234,50', '1,234.50')
    >>> format_number(-0.004, "en"), format_number(12, "fr", digits=None)
    ('0.00', '12')
    """
    from babel.numbers import format_decimal

    try:
        v = float(value)
    except (TypeError, ValueError):
        return "–"
    if not math.isfinite(v):
        return "–"
    if digits is None:
        pattern = "#,##0" if v.is_integer() else "#,##0.###"
    else:
        pattern = "#,##0" + ("." + "0" * digits if digits > 0 else "")
        v = round(v, digits)
        if v == 0:
            v = 0.0  # no "-0.00"
    text = format_decimal(abs(v), format=pattern, locale=_locale(lang))
    return ("\u2212" + text) if v < 0 else text


def format_date(day: dt.date | None, lang: str = "en") -> str:
    """A date in words ("1 December 2025", "1er décembre 2025", "1 december 2025").

    Examples
    --------
    >>> import datetime as dt
    >>> format_date(dt.date(2025, 12, 1), "fr"), format_date(dt.date(2025, 12, 2), "fr")
    ('1er décembre 2025', '2 décembre 2025')
    >>> format_date(dt.date(2025, 12, 1), "en"), format_date(dt.date(2025, 12, 1), "nl")
    ('1 December 2025', '1 december 2025')
    """
    from babel.dates import format_date as babel_date

    if day is None:
        return "–"
    # French writes the first day of a month as an ordinal ("1er"); CLDR has no pattern for it.
    pattern = "d'er' MMMM y" if lang == "fr" and day.day == 1 else "d MMMM y"
    return str(babel_date(day, pattern, locale=_locale(lang)))


def format_month(day: dt.date, lang: str = "en") -> str:
    """Month and year ("December 2025", "décembre 2025").

    Examples
    --------
    >>> import datetime as dt
    >>> format_month(dt.date(2025, 12, 1), "nl")
    'december 2025'
    """
    from babel.dates import format_date as babel_date

    return str(babel_date(day, "LLLL y", locale=_locale(lang)))


def format_month_short(day: dt.date, lang: str = "en") -> str:
    """Abbreviated month and two-digit year for chart axes ("Dec 25", "déc. 25")."""
    from babel.dates import format_date as babel_date

    return str(babel_date(day, "LLL yy", locale=_locale(lang)))


def format_list(items: Any, lang: str = "en") -> str:
    """Items joined the language's way ("a, b and c", "a, b et c", "a, b en c")."""
    from babel.lists import format_list as babel_list

    return str(babel_list([str(i) for i in items], locale=_locale(lang)))
