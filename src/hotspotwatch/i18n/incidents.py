"""Incidents in context in words: one plain paragraph in English, French or Dutch.

The stored run (:class:`hotspotwatch.analysis.evaluate.incidents.IncidentsInContext`) holds
numbers and a status; :func:`incidents_text` writes what the CLI, the renewal report and the
dashboard print, e.g. "3 of the 4 shootings of the period happened at the designated places,
which held 35% of shootings before designation; 3 or more of 4 would happen by chance 13% of
the time. These 4 shootings cannot show whether the strategy is failing; a 20% change in
shootings would take about 6 years to show." Category names come from the taxonomy labels
(``domain/labels.toml``); numbers, percentages, dates and plural forms from Babel.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

from hotspotwatch.domain.taxonomy import category_label, category_plural
from hotspotwatch.i18n import (
    LANGUAGES,
    format_date,
    format_month,
    format_number,
    plural,
    translate,
)

if TYPE_CHECKING:
    from hotspotwatch.analysis.evaluate.incidents import IncidentsInContext
    from hotspotwatch.domain.taxonomy import Taxonomy

#: Horizons beyond this many years are written "more than ... years".
YEARS_CAP = 100


def format_percent(value: float, lang: str = "en") -> str:
    """A share as a whole percentage in the language's format ("35%", "35 %").

    French and Dutch put a no-break space before the sign, as every other percentage of
    the report and the dashboard does in those languages.

    Shares that would round to 0 % or 100 % without being 0 or 1 read "less than 1 %" and
    "more than 99 %".

    Examples
    --------
    >>> format_percent(0.3512, "en"), format_percent(0.3512, "fr") == "35\\u00a0%"
    ('35%', True)
    >>> format_percent(0.001, "nl"), format_percent(0.999, "en")
    ('minder dan 1\xa0%', 'more than 99%')
    """
    from babel.numbers import format_percent as babel_percent

    from hotspotwatch.i18n import LOCALES

    def pct(v: float) -> str:
        return str(
            babel_percent(v, format=None if lang == "en" else "#,##0\u00a0%", locale=LOCALES[lang])
        )

    if 0 < value < 0.005:
        return translate("incidents.pct_below", lang, pct=pct(0.01))
    if 0.995 <= value < 1:
        return translate("incidents.pct_above", lang, pct=pct(0.99))
    return pct(value)


def years_phrase(years: float, lang: str = "en") -> str:
    """ "about 6 years", "environ 6 ans", "ongeveer 6 jaar" (rounded to whole years).

    Examples
    --------
    >>> years_phrase(5.6, "fr"), years_phrase(0.4, "en"), years_phrase(250, "nl")
    ('environ 6 ans', 'less than a year', 'meer dan 100 jaar')
    """
    if years < 0.5:
        return translate("incidents.years_below", lang)
    if years > YEARS_CAP:
        return plural("incidents.years_above", YEARS_CAP, lang)
    n = round(years)
    return plural("incidents.years", n, lang)


def _names(category: str, lang: str, taxonomy: Taxonomy | None) -> tuple[str, str]:
    one = category_label(category, lang, taxonomy)
    many = category_plural(category, lang)
    if many is None:
        many = translate("incidents.generic_plural", lang, label=one)
    return one, many


def _capital(text: str) -> str:
    return text[:1].upper() + text[1:]


def incidents_text(
    result: IncidentsInContext, lang: str = "en", *, taxonomy: Taxonomy | None = None
) -> str:
    """The paragraph stating the result in ``lang``.

    Parameters
    ----------
    result : IncidentsInContext
        The stored result.
    lang : {"en", "fr", "nl"}
        Language.
    taxonomy : Taxonomy, optional
        The workspace taxonomy (labels of categories the catalogue does not name).

    Returns
    -------
    str
        Count and share, chance (no p-value when there is no incident), and how long a
        20 % change would take to show; a sentence of its own when no place was designated
        or no incident precedes the designations; notes on a short baseline and on
        incidents left out.
    """
    r = result
    cat, cats = _names(r.category, lang, taxonomy)
    num = lambda v, d=0: format_number(v, lang, digits=d)  # noqa: E731
    start, end = format_date(r.start, lang), format_date(r.end, lang)
    parts: list[str] = []
    if r.status == "no_designations":
        parts.append(translate("incidents.no_designations", lang, start=start, end=end, cats=cats))
    else:
        if r.n == 0:
            parts.append(
                translate("incidents.none_recorded", lang, start=start, end=end, cats=cats)
            )
        else:
            if r.n == 1:
                key = "incidents.count.single_in" if r.k else "incidents.count.single_out"
                count = translate(key, lang, cat=cat)
            elif r.k == 0:
                count = translate("incidents.count.none", lang, n=num(r.n), cats=cats)
            elif r.k == r.n:
                count = translate("incidents.count.all", lang, n=num(r.n), cats=cats)
            else:
                count = plural("incidents.count.some", r.k, lang, k=num(r.k), n=num(r.n), cats=cats)
            if r.status == "no_baseline" or r.expected_share is None:
                parts.append(count + ".")
            else:
                share = translate(
                    "incidents.share", lang, share=format_percent(r.expected_share, lang), cats=cats
                )
                assert r.p_value is not None and r.expected_k is not None
                above = r.k > r.expected_k
                if r.n == 1:
                    chance = (
                        translate(
                            "incidents.chance.above_single", lang, p=format_percent(r.p_value, lang)
                        )
                        if above
                        else translate("incidents.chance.not_above_single", lang)
                    )
                elif above and r.k == r.n:
                    chance = translate(
                        "incidents.chance.all", lang, n=num(r.n), p=format_percent(r.p_value, lang)
                    )
                elif above:
                    chance = translate(
                        "incidents.chance.above",
                        lang,
                        k=num(r.k),
                        n=num(r.n),
                        p=format_percent(r.p_value, lang),
                    )
                else:
                    chance = translate(
                        "incidents.chance.not_above", lang, e=num(r.expected_k, 1), n=num(r.n)
                    )
                sep = " ; " if lang == "fr" else "; "
                parts.append(f"{count}{share}{sep}{chance}.")
        if r.status == "no_baseline":
            parts.append(translate("incidents.no_baseline", lang, cats=cats))
        elif r.years_to_detect is None:
            parts.append(translate("incidents.no_rate", lang, cats=cats))
        else:
            horizon = translate(
                "incidents.horizon",
                lang,
                change=format_percent(float(r.parameters.get("target_change", 0.2)), lang),
                cats=cats,
                years=years_phrase(r.years_to_detect, lang),
            )
            window_years = ((r.end - r.start).days + 1) / 365.25
            if r.n == 0:
                parts.append(_capital(horizon) + ".")
            elif window_years < r.years_to_detect:
                parts.append(
                    plural(
                        "incidents.cannot_show",
                        r.n,
                        lang,
                        n=num(r.n),
                        cat=cat,
                        cats=cats,
                        horizon=horizon,
                    )
                )
            else:
                parts.append(translate("incidents.enough", lang, horizon=horizon))
        if r.short_baseline and r.places and r.status in ("ok", "no_incidents"):
            months = min(p.baseline_months for p in r.places)
            parts.append(
                translate(
                    "incidents.short_baseline",
                    lang,
                    months=plural("common.n_months", round(months), lang),
                )
            )
    if r.n_left_out:
        parts.append(plural("incidents.left_out", r.n_left_out, lang, n=num(r.n_left_out)))
    return " ".join(parts)


def window_text(
    result: IncidentsInContext,
    until: dt.date,
    lang: str = "en",
    *,
    taxonomy: Taxonomy | None = None,
) -> str:
    """What the report and the dashboard state about the run they show: its window (the
    last whole calendar month up to the review day ``until``) and its category."""
    return translate(
        "incidents.window",
        lang,
        start=format_date(result.start, lang),
        end=format_date(result.end, lang),
        until=format_date(until, lang),
        cat=category_label(result.category, lang, taxonomy),
    )


def incidents_heading(
    result: IncidentsInContext, lang: str = "en", *, taxonomy: Taxonomy | None = None
) -> str:
    """The heading that states the run's category and period ("Shootings in August 2025:
    recent incidents in context"; a window of whole months is written as months).

    Examples
    --------
    >>> import datetime as dt
    >>> from hotspotwatch.analysis.evaluate.incidents import incidents_in_context
    >>> import numpy as np
    >>> r = incidents_in_context(category="shooting", start=dt.date(2025, 8, 1),
    ...     end=dt.date(2025, 8, 31), first_day=np.array([], dtype=np.int64),
    ...     last_day=np.array([], dtype=np.int64), inside=np.zeros((0, 0), dtype=bool),
    ...     places=[], periods={}, data_start=dt.date(2023, 1, 1))
    >>> incidents_heading(r, "fr")
    'Fusillades, août 2025 : les faits récents en contexte'
    """
    _, cats = _names(result.category, lang, taxonomy)
    whole = result.start.day == 1 and (result.end + dt.timedelta(days=1)).day == 1
    if whole and (result.start.year, result.start.month) == (result.end.year, result.end.month):
        period = format_month(result.start, lang)
    elif whole:
        period = translate("incidents.span", lang, start=format_month(result.start, lang),
                           end=format_month(result.end, lang))
    else:
        period = translate("incidents.span", lang, start=format_date(result.start, lang),
                           end=format_date(result.end, lang))
    return translate("incidents.heading_window", lang, cats=_capital(cats), period=period)


def incidents_texts(
    result: IncidentsInContext, *, taxonomy: Taxonomy | None = None
) -> dict[str, str]:
    """``{"en": ..., "fr": ..., "nl": ...}``: :func:`incidents_text` in every language."""
    return {lang: incidents_text(result, lang, taxonomy=taxonomy) for lang in LANGUAGES}


def with_incidents_text(
    result: IncidentsInContext, *, taxonomy: Taxonomy | None = None
) -> dict[str, Any]:
    """The result's ``to_dict()`` plus ``text`` in every language (what ``--json`` prints;
    the stored run keeps numbers only)."""
    out = result.to_dict()
    out["text"] = incidents_texts(result, taxonomy=taxonomy)
    return out


__all__ = [
    "format_percent",
    "incidents_heading",
    "incidents_text",
    "incidents_texts",
    "window_text",
    "with_incidents_text",
    "years_phrase",
]
