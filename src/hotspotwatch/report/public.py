"""Lay out the public version of the renewal report (its own template, ``public.html.j2``).

The public version informs without stigmatising (issue 17). It is built from
:class:`~hotspotwatch.report.public_data.PublicData` (the council report's stored runs, plus
the region-wide rare-category table and the strategy's resources, all already through the
disclosure rule) and only formats:

- designated places only, in the documented alphabetical order, each with one sentence (its
  verdict read from the adjusted interval) and an index of its change over time -- no count
  per place, no police activity, no p-value, WDQ, WDD or I²;
- the strategy as a whole in words, with its total staff-hours and cost;
- the rare serious categories region-wide, per complete calendar year, counts below ``k``
  and their complements "not shown";
- a map of the designated perimeters and the zone borders, with no event and no count.

No forbidden word (:mod:`hotspotwatch.i18n.public_words`) may reach the page:
:func:`public_html` refuses to return one that has any, naming the word.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from html import unescape
from pathlib import Path
from typing import TYPE_CHECKING, Any

from hotspotwatch.domain.disclosure import Disclosure
from hotspotwatch.i18n import public as public_words
from hotspotwatch.i18n.public_words import forbidden_in
from hotspotwatch.report import figures
from hotspotwatch.report.context import data_uri
from hotspotwatch.report.fmt import Fmt, check_format, check_lang

if TYPE_CHECKING:
    from hotspotwatch.report.public_data import PublicData, PublicPlace

def _capital(text: str) -> str:
    return text[:1].upper() + text[1:]


def place_sentence(f: Fmt, place: PublicPlace) -> str:
    """One sentence for one place (:func:`hotspotwatch.i18n.public.place_sentence`)."""
    return public_words.place_sentence(place.name, place.verdict, place.ci_low, place.ci_high,
                                       f.lang)


def index_text(f: Fmt, place: PublicPlace) -> str:
    """The change index in words, or why it is withheld
    (:func:`hotspotwatch.i18n.public.index_text`)."""
    return public_words.index_text(place.index_after, f.lang, place.verdict)


def strategy_text(f: Fmt, data: PublicData) -> str:
    """The strategy as a whole in one sentence (the pooled estimate, in words)."""
    return public_words.strategy_sentence(data.renewal.evaluation, f.lang)


def resources_text(f: Fmt, data: PublicData) -> dict[str, str | None]:
    """Total staff-hours and cost of the whole strategy (never per place)."""
    r = data.resources
    if r is None:
        return {"text": f.t("public.resources.none"), "simulated": None}
    from babel.numbers import format_currency

    from hotspotwatch.i18n import _locale

    cost = format_currency(round(r.cost), r.currency, locale=_locale(f.lang),
                           format_type="standard", currency_digits=False)
    cost = re.sub(r"[.,]00(?=\D*$)", "", cost)  # whole units: no cents on a total
    return {
        "text": f.t(
            "public.resources.text",
            start=f.date(r.start),
            end=f.date(r.end),
            hours=f.num(round(r.staff_hours), 0),
            cost=cost,
        ),
        "simulated": f.t("public.resources.simulated") if r.simulated else None,
    }


def rare_context(f: Fmt, data: PublicData) -> dict[str, Any] | None:
    """The rare categories' table: rows of formatted cells ("not shown" when hidden)."""
    table = data.rare
    if table is None:
        return None
    hidden = f.t("public.rare.hidden")

    def cell(v: int | None) -> dict[str, Any]:
        return {"text": hidden if v is None else f.num(v, 0), "hidden": v is None}

    rows = [
        {
            "label": f.category(c),
            "cells": [cell(table.cell(i, j)) for j in range(len(table.years))],
            "total": cell(table.row_total(i)),
        }
        for i, c in enumerate(table.categories)
    ]
    return {
        "intro": f.t(
            "public.rare.intro",
            categories=f.listing(f.category_name(c) for c in table.categories),
        ),
        "years": [str(y) for y in table.years],
        "rows": rows,
        "totals": [cell(table.year_total(j)) for j in range(len(table.years))],
        "grand": cell(table.grand_total()),
        "note": f.t("public.rare.note", k=table.k),
        "empty": not table.years,
    }


def public_map(data: PublicData, f: Fmt) -> str | None:
    """The region with the designated perimeters (numbered in list order) and zone borders."""
    from hotspotwatch.report.regional import commune_names

    r = data.renewal
    if r.region is None:
        return None
    geoms = {s.name: s.geometry for s in r.hotspots}
    png = figures.regional_map(
        region=r.region,
        zones=r.zones,
        perimeters=[(p.name, geoms[p.name]) for p in data.places if p.name in geoms],
        counts=None,
        extent=None,
        extra_places=[],
        disclosure=Disclosure("public", r.disclosure_k),
        labels={
            "perimeter": f.t("public.map.perimeter"),
            "zone_border": _capital(f.t("public.map.zone_border", label=f.zone())),
            "undesignated": "",
            "emerging": "",
            "legend_title": "",
            "commune_border": f.t("maps.commune_border"),
            "streets": f.t("maps.streets"),
        },
        communes=commune_names(r, f.lang),
        streets=r.streets,
    )
    return data_uri(png)


def public_context(data: PublicData, *, lang: str, fmt: str) -> dict[str, Any]:
    """Everything ``public.html.j2`` prints, formatted in ``lang``."""
    from hotspotwatch.report.methods import rebuild_command

    r = data.renewal
    k = r.disclosure_k
    f = Fmt(lang, Disclosure("public", k), r.report_config, r.zone_label)
    t = f.t
    strategy = f.configured("strategy") or t("public.neutral.strategy")
    n = len(data.places)
    places = [
        {
            "n": i,
            "name": p.name,
            "commune": p.commune,
            "since": f.date(p.first_designated) if p.first_designated else "–",
            "change": index_text(f, p),
            "change_hidden": p.index_after is None,
            "sentence": place_sentence(f, p),
        }
        for i, p in enumerate(data.places, start=1)
    ]
    return {
        "lang": lang,
        "t": t,
        "k": k,
        "kicker": t("public.kicker"),
        "title": _capital(f.title()),
        "region": r.name_in(lang),
        "until": f.date(r.until),
        "subtitle": f.p(
            "public.subtitle",
            n,
            n=f.num(n, 0),
            strategy=_capital(strategy),
            start=f.date(r.first_designation),
            until=f.date(r.until),
        ),
        "intro": t("public.intro", body=f.body(), k=k),
        "strategy_text": strategy_text(f, data),
        "resources": resources_text(f, data),
        "places": places,
        "index_note": t("public.index.note", k=k),
        "rare": rare_context(f, data),
        "map": public_map(data, f),
        "map_caption": t("public.map.caption", label=f.zone()),
        "privacy": t("public.privacy.text", k=k, body=f.body()),
        "footer_full": t("public.footer.full", body=f.body()),
        "footer": t(
            "report.repro.footer",
            fp=r.fingerprint[:12],
            version=r.software_version,
            date=r.generated.isoformat(),
        ),
        "command": rebuild_command(r, lang=lang, audience="public", fmt=fmt),
        "css": _css(),
    }


def _css() -> str:
    from importlib import resources

    folder = resources.files("hotspotwatch.report") / "templates"
    return "\n".join(
        (folder / name).read_text(encoding="utf-8") for name in ("report.css", "public.css")
    )


def visible_text(html: str) -> str:
    """The words a reader sees in ``html``: text outside tags, plus ``alt`` and ``title``
    attributes; style and script blocks and embedded images left out."""
    body = re.sub(r"<(style|script)\b.*?</\1>", " ", html, flags=re.S | re.I)
    attrs = re.findall(r'\b(?:alt|title|aria-label)="([^"]*)"', body)
    text = re.sub(r"<[^>]+>", " ", body)
    return unescape(" ".join([text, *attrs]))


def public_html(
    data: PublicData,
    *,
    lang: str = "en",
    fmt: str = "html",
    progress: Callable[[int, int], None] | None = None,
) -> str:
    """Render the public version as one self-contained HTML document.

    Raises
    ------
    ValueError
        If the page would carry a forbidden word (:func:`hotspotwatch.i18n.public_words.forbidden_in`),
        e.g. from the workspace's ``[report]`` wording: the message names it and the fix.
    """
    import jinja2

    check_lang(lang)
    check_format(fmt)
    env = jinja2.Environment(
        loader=jinja2.PackageLoader("hotspotwatch.report", "templates"),
        autoescape=jinja2.select_autoescape(["html", "j2"]),
        trim_blocks=True,
        lstrip_blocks=True,
        undefined=jinja2.StrictUndefined,
    )
    html = env.get_template("public.html.j2").render(**public_context(data, lang=lang, fmt=fmt))
    words = forbidden_in(visible_text(html))
    if words:
        raise ValueError(
            f"the public version ({lang}) would contain {', '.join(repr(w) for w in words)}; "
            "reword [report] title/strategy/body or the place names in hotspotwatch.toml "
            "(public outputs say \"designated places\")"
        )
    if progress is not None:
        progress(1, 2 if fmt == "pdf" else 1)
    return html


def render_public(
    data: PublicData,
    *,
    lang: str,
    fmt: str,
    output: Path,
    progress: Callable[[int, int], None] | None = None,
) -> Path:
    """Write the public version to ``output`` as HTML or PDF (WeasyPrint)."""
    from hotspotwatch.report.render import html_to_pdf

    html = public_html(data, lang=lang, fmt=fmt, progress=progress)
    output = Path(output)
    output.parent.mkdir(parents=True, exist_ok=True)
    if fmt == "html":
        output.write_text(html, encoding="utf-8")
        return output
    path = html_to_pdf(html, output)
    if progress is not None:
        progress(2, 2)
    return path


__all__ = [
    "index_text",
    "place_sentence",
    "public_context",
    "public_html",
    "render_public",
    "strategy_text",
    "visible_text",
]
