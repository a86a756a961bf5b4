"""Render the renewal report: the page context into HTML (Jinja2) and PDF (WeasyPrint).

:func:`renewal_html` turns :class:`~hotspotwatch.report.data.RenewalData` into one
self-contained HTML document (figures embedded); :func:`render_renewal` writes it as HTML or
PDF. The context is assembled from :mod:`~hotspotwatch.report.context` (summary, hotspot
pages), :mod:`~hotspotwatch.report.regional` (regional picture, near repeats) and
:mod:`~hotspotwatch.report.methods` (runs, data quality, reproducibility).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import jinja2

from hotspotwatch.domain.disclosure import Disclosure, check_audience
from hotspotwatch.report import context as ctx
from hotspotwatch.report import decide, methods, regional
from hotspotwatch.report.dose import dose_context
from hotspotwatch.report.fmt import Fmt, check_format, check_lang

if TYPE_CHECKING:
    from hotspotwatch.report.data import RenewalData

#: Perimeters within this distance of a place are outlined on its map.
NEIGHBOUR_M = 1500.0


def _capital(text: str) -> str:
    return text[:1].upper() + text[1:]


def renewal_html(
    data: RenewalData,
    *,
    lang: str = "en",
    audience: str = "council",
    fmt: str = "html",
    progress: Callable[[int, int], None] | None = None,
) -> str:
    """Render the renewal report as one self-contained HTML document (figures embedded).

    Parameters
    ----------
    data : RenewalData
        Inputs gathered by :func:`hotspotwatch.workflows.report.gather_renewal`.
    lang : {"en", "fr", "nl"}
    audience : {"council", "public"}
    fmt : {"html", "pdf"}
        The format the document is written in (named in the printed rebuild command).
    progress : callable, optional
        ``progress(done, total)`` after each hotspot page, the summary, the regional picture
        and the methods; for ``fmt="pdf"`` the total counts one more part, the PDF itself,
        which :func:`render_renewal` reports once written.

    Returns
    -------
    str
    """
    check_lang(lang)
    aud = check_audience(audience)
    if aud == "public":
        raise ValueError(
            "the public version has its own layout and numbers: build it with "
            "hotspotwatch.workflows.report.build_renewal_report(audience='public')"
        )
    d = Disclosure(aud, data.disclosure_k)
    f = Fmt(lang, d, data.report_config, data.zone_label)
    t = f.t
    zone_label = f.zone()
    widths = [f"{f.num(r.inner_m, 0)}–{f.num(r.outer_m, 0)}" for r in _rings(data)]
    labels_map = {
        "perimeter": t("report.map.perimeter"),
        "buffer": t("report.map.buffer", m=", ".join(widths) or "–"),
        "zone_border": _capital(t("report.map.zone_border", label=zone_label)),
        "harm_cells": t("report.map.harm_cells", m=f.num(data.display.get("map_cell_m", 100), 0)),
        "events": t("report.map.events"),
        "controls": t("report.map.controls"),
        "cell_legend": t("report.map.cell_legend"),
        "zone": _capital(zone_label),
        "other_perimeter": t("maps.other_perimeter"),
        "commune_border": t("maps.commune_border"),
        "streets": t("maps.streets"),
    }
    labels_chart = {
        "per_month": t("report.chart.per_month"),
        "treated": t("report.chart.treated"),
        "control": t("report.chart.control"),
        "designated": t("report.chart.designated"),
        "suppressed": t("report.chart.suppressed", k=d.k),
    }
    perimeters = [(s.name, s.geometry) for s in data.hotspots]
    total = render_parts(data, fmt)

    def tick(done: int) -> None:
        if progress is not None:
            progress(done, total)

    map_kw = map_layers(data, lang, d)
    pages = []
    for sec in data.hotspots:
        near = sec.geometry.buffer(NEIGHBOUR_M)
        others = [g for n, g in perimeters if n != sec.name and g.intersects(near)]
        page = ctx.hotspot_page(sec, data, f, labels_map, labels_chart, others, map_kw)
        # the place page's plain words and monthly rates (report.decide)
        page["decide"] = (
            decide.place_decide(f, sec.evaluation) if sec.evaluation is not None else None
        )
        pages.append(page)
        tick(len(pages))
    summary = ctx.summary_context(data, f, pages)
    tick(len(pages) + 1)
    reg = regional.regional_context(data, f)
    regional_map = regional.regional_map(data, f, reg)
    tick(len(pages) + 2)
    first = data.first_designation
    n = len(data.hotspots)
    context: dict[str, Any] = {
        "lang": lang,
        "t": t,
        "f": f,
        "k": d.k,
        "public": d.public,
        "title": _capital(f.title()),
        "body": f.body(),
        "region": data.name_in(lang),
        "until": f.date(data.until),
        "subtitle": f.p(
            "report.subtitle",
            n,
            strategy=_capital(f.strategy()),
            start=f.date(first),
            until=f.date(data.until),
        ),
        "audience_label": f.body() if aud == "council" else t("report.audience.public"),
        "zone_label": zone_label,
        "zone_layer": data.zone_layer,
        "map_caption": t(
            "maps.hotspot_caption",
            m=f.num(data.display.get("map_cell_m", 100), 0),
        ),
        "pages": pages,
        "regional": reg,
        "regional_map": regional_map,
        "knox": reg["knox"],
        "nearrepeat_heading": reg["knox_heading"],
        **summary,
        "decide": decide.decision_context(data, f),
        **methods.methods_context(data, f, aud, fmt),
        **dose_context(data, f),
        "css": _css(),
    }
    html = _env().get_template("renewal.html.j2").render(**context)
    tick(len(pages) + 3)
    return html


def map_layers(data: RenewalData, lang: str, disclosure: Disclosure) -> dict[str, Any]:
    """What every place's map shares: one set of colour steps for all of them (so places
    compare), the communes and the streets."""
    from hotspotwatch.report.figures import harm_breaks

    return {
        "breaks": harm_breaks([s.grid.counts for s in data.hotspots], disclosure),
        "communes": regional.commune_names(data, lang),
        "streets": data.streets,
    }


def render_parts(data: RenewalData, fmt: str) -> int:
    """How many parts :func:`renewal_html` reports: one per hotspot page, the summary, the
    regional picture, the methods, and the PDF when ``fmt`` is ``"pdf"``."""
    return len(data.hotspots) + 3 + (1 if fmt == "pdf" else 0)


def _rings(data: RenewalData) -> tuple[Any, ...]:
    """The ring bands of the evaluation (the same for every place)."""
    for sec in data.hotspots:
        if sec.evaluation is not None and sec.evaluation.rings:
            return tuple(sec.evaluation.rings)
    return ()


def _env() -> jinja2.Environment:
    return jinja2.Environment(
        loader=jinja2.PackageLoader("hotspotwatch.report", "templates"),
        autoescape=jinja2.select_autoescape(["html", "j2"]),
        trim_blocks=True,
        lstrip_blocks=True,
        undefined=jinja2.StrictUndefined,
    )


def _css() -> str:
    from importlib import resources

    return (resources.files("hotspotwatch.report") / "templates" / "report.css").read_text(
        encoding="utf-8"
    )


def html_to_pdf(html: str, output: Path) -> Path:
    """Write ``html`` as a PDF with WeasyPrint (A4, fonts embedded)."""
    import logging

    import weasyprint

    logging.getLogger("weasyprint").setLevel(logging.ERROR)
    logging.getLogger("fontTools").setLevel(logging.ERROR)
    weasyprint.HTML(string=html).write_pdf(str(output))
    return output


def render_renewal(
    data: RenewalData,
    *,
    lang: str,
    fmt: str,
    audience: str,
    output: Path,
    progress: Callable[[int, int], None] | None = None,
) -> Path:
    """Render the renewal report to ``output`` as HTML or PDF.

    ``progress(done, total)`` is called per part (:func:`renewal_html`, then the PDF).

    Raises
    ------
    ValueError
        If ``lang``, ``fmt`` or ``audience`` is not supported.
    """
    check_lang(lang)
    check_format(fmt)
    check_audience(audience)
    html = renewal_html(data, lang=lang, audience=audience, fmt=fmt, progress=progress)
    output = Path(output)
    output.parent.mkdir(parents=True, exist_ok=True)
    if fmt == "html":
        output.write_text(html, encoding="utf-8")
        return output
    path = html_to_pdf(html, output)
    if progress is not None:
        total = render_parts(data, fmt)
        progress(total, total)
    return path


__all__ = ["html_to_pdf", "render_renewal", "renewal_html"]
