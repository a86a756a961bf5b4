"""The renewal report read back: PDF text (pypdf) against the evaluation run it presents.

The report asks for its runs by parameters (``renewal_specs``) and stores them; the PDF must
print exactly the numbers of the stored typed evaluation run, for both audiences, and the
public version has its own tests (``test_public_report.py``).
"""

from __future__ import annotations

import re
from pathlib import Path

import pypdf
import pytest

from hotspotwatch.report.builders import renewal_html
from hotspotwatch.workflows.report import RenewalData, build_renewal_report, gather_renewal
from hotspotwatch.workflows.views import renewal_specs

from .conftest import UNTIL

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def data(renewal_workspace) -> RenewalData:
    return gather_renewal(renewal_workspace, until=UNTIL)


@pytest.fixture(scope="module")
def pdfs(renewal_workspace, data, tmp_path_factory) -> dict[tuple[str, str], str]:
    out = tmp_path_factory.mktemp("pdf")
    texts = {}
    for lang, audience in (("en", "council"), ("fr", "council"), ("nl", "council")):
        path = build_renewal_report(
            renewal_workspace,
            lang=lang,
            audience=audience,
            fmt="pdf",
            output=out / f"{lang}-{audience}.pdf",
            data=data,
        )
        reader = pypdf.PdfReader(path)
        texts[(lang, audience)] = "\n".join(p.extract_text() for p in reader.pages)
        texts[(lang, audience, "pages")] = str(len(reader.pages))
        texts[(lang, audience, "page1")] = reader.pages[0].extract_text()
        texts[(lang, audience, "page2_low")] = str(_lowest_text(reader.pages[1]))
    return texts


#: The A4 text block of report.css (17 mm margins), in PDF points from the bottom edge.
TEXT_BOTTOM, TEXT_TOP = 17 * 72 / 25.4, 842 - 17 * 72 / 25.4


def _lowest_text(page) -> float:
    """Height (pt from the bottom edge) of the lowest text drawn in the page's text block
    (running header and footer left out)."""
    ys = []

    def visit(text, cm, tm, font, size):
        y = cm[5] + tm[5] * cm[3] if cm[3] else tm[5]
        if text.strip() and TEXT_BOTTOM < y < TEXT_TOP:
            ys.append(y)

    page.extract_text(visitor_text=visit)
    return min(ys)


def _evaluation(ws):
    """The stored evaluation the report asked for (by its parameters, not the latest)."""
    spec = renewal_specs(ws, until=UNTIL).evaluation
    run = ws.find_run(spec.kind, spec.parameters)
    assert run is not None
    return run.result


def _norm(text: str) -> str:
    # Collapse line breaks and spaces but keep the narrow no-break space of "6\u202f525".
    return re.sub(r"[ \t\r\n]+", " ", text)


def test_pdf_names_every_hotspot_and_prints_each_irr(renewal_workspace, pdfs):
    result = _evaluation(renewal_workspace)
    # Marbotin is designated after the period under review: named, but not evaluated.
    assert len(result.hotspots) == 16 and result.hotspot("Marbotin") is None
    for audience in ("council",):  # the public version: tests/report/test_public_report.py
        text = _norm(pdfs[("en", audience)])
        for h in result.hotspots:
            assert h.name in text
            # The hotspot's page prints its rate ratio and interval exactly as evaluated.
            assert f"{h.did.irr:.2f}" in text
            assert f"{h.did.ci_low:.2f} – {h.did.ci_high:.2f}" in text


def test_pdf_prints_the_pooled_estimate_and_interval(renewal_workspace, pdfs):
    pooled = _evaluation(renewal_workspace).to_dict()["pooled"]
    text = _norm(pdfs[("en", "council")])
    assert f"{pooled['ci_low']:.2f} – {pooled['ci_high']:.2f}" in text
    assert f"by a factor of {pooled['irr']:.2f}" in text
    # French uses the decimal comma for the same numbers.
    fr = _norm(pdfs[("fr", "council")])
    assert f"{pooled['irr']:.2f}".replace(".", ",") in fr
    assert f"{pooled['ci_low']:.2f} – {pooled['ci_high']:.2f}".replace(".", ",") in fr


def test_two_summary_pages_one_page_per_hotspot_and_five_closing_pages(pdfs):
    # Page 1 decides (one line per place), page 2 the forest plot and what changed.
    # Closing pages: the regional picture (two sheets: the picture, then near repeats),
    # methods, the runs behind the report, data quality.
    assert int(pdfs[("en", "council", "pages")]) == 2 + 17 + 5


@pytest.mark.parametrize("lang", ["en", "fr", "nl"])
def test_page_two_is_filled_by_the_forest_plot(pdfs, lang):
    # The forest plot's rows spread over the page (it was drawn at the height its rows need
    # and left the bottom half of page 2 empty): the text under it (its caption, the fixed
    # weights' line) ends in the lowest quarter of the text block.
    low = float(pdfs[(lang, "council", "page2_low")])
    assert low - TEXT_BOTTOM < 0.25 * (TEXT_TOP - TEXT_BOTTOM), low


@pytest.mark.parametrize("lang", ["fr", "nl"])
def test_french_and_dutch_have_as_many_pages_as_english(pdfs, lang):
    # French and Dutch are longer: page 1 and each place page must still hold on one page.
    assert int(pdfs[(lang, "council", "pages")]) == int(pdfs[("en", "council", "pages")])


@pytest.mark.parametrize("lang", ["en", "fr", "nl"])
def test_page_one_holds_a_line_for_every_place_and_the_council_s_call(data, pdfs, lang):
    from hotspotwatch.i18n import translate

    def squeeze(text: str) -> str:  # names and sentences may wrap anywhere in a cell
        return re.sub(r"\s+", "", text)

    first = squeeze(pdfs[(lang, "council", "page1")])
    for sec in data.hotspots:
        assert squeeze(sec.name) in first, (lang, sec.name)
    # the last words of page 1: the decision is the council's
    end = translate("report.decide.no_recommendation", lang, body="X").split("(")[0][-30:]
    assert squeeze(end) in first, lang


def test_activity_is_labelled_as_not_results_on_every_hotspot_page(pdfs):
    text = pdfs[("en", "council")]
    assert text.upper().count("ACTIVITY, NOT RESULTS") == 17
    # page 1's activity column says it too
    assert "effort, not results" in pdfs[("en", "council", "page1")]


def test_reproducibility_footer_carries_fingerprint_version_and_command(renewal_workspace, pdfs):
    from hotspotwatch import __version__

    text = _norm(pdfs[("en", "council")])
    fp = renewal_workspace.data_fingerprint()
    assert fp[:12] in text
    assert renewal_workspace.config_fingerprint()[:12] in text
    assert f"HotspotWatch {__version__}" in text
    assert f"hotspotwatch report renewal --until {UNTIL.isoformat()}" in text.replace("- ", "-")


def test_the_runs_page_lists_every_section_run_by_key(renewal_workspace, pdfs):
    text = _norm(pdfs[("en", "council")])
    for section, spec in renewal_specs(renewal_workspace, until=UNTIL).items():
        run = renewal_workspace.find_run(spec.kind, spec.parameters)
        assert run is not None, section
        assert run.short_key in text, section


def test_brussels_wording_comes_from_the_workspace_config(renewal_workspace, data):
    en = renewal_html(data, lang="en", audience="council")
    fr = renewal_html(data, lang="fr", audience="council")
    assert "Drug-related harm in designated places" in en
    assert "Regional Security Council" in en
    assert "police zone" in en.lower()
    assert "Risk of further events nearby (shooting)" in en
    assert "Conseil régional de sécurité" in fr and "zone de police" in fr
    # Babel: plural forms and French ordinal first days (Marbotin: 1 December 2025).
    assert "désigné depuis le 1er décembre 2025" in fr
    # the methods state the baseline and the selection window left out (issue 16)
    assert "(au plus 24 mois)" in fr and "6 mois avant la décision" in fr
    assert "baseline of up to 24 months ending 6 months before the decision" in en
    assert not re.search(r"(?<![\d.,])1 months", en)


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [({"lang": "de"}, "lang"), ({"fmt": "docx"}, "format"), ({"audience": "press"}, "audience")],
)
def test_bad_options_are_clear_value_errors(renewal_workspace, data, tmp_path, kwargs, match):
    args = {"lang": "en", "fmt": "html", "audience": "council"} | kwargs
    with pytest.raises(ValueError, match=match):
        build_renewal_report(renewal_workspace, output=Path(tmp_path) / "r", data=data, **args)


def test_every_list_of_place_names_follows_the_collation_rule(data):
    """The council report lists places in the public version's order (accent-blind):
    page 1's lines, the forest plot, the summary's groups and the regional picture's list of
    designated places outside the statistical hot spots."""
    import dataclasses
    import html as html_lib

    from hotspotwatch.domain.collation import alphabetical
    from hotspotwatch.domain.disclosure import Disclosure
    from hotspotwatch.report.fmt import Fmt
    from hotspotwatch.report.regional import regional_context

    names = [s.name for s in data.hotspots]
    assert names == alphabetical(names)
    # "Étangs Noirs" sorts under E (plain sorting would put it after "Yser")
    assert names.index("Étangs Noirs") < names.index("Gare du Midi")
    page = html_lib.unescape(renewal_html(data, lang="fr"))
    first = page[: page.index('<section class="page summary summary-2">')]
    rows = re.findall(r'<tr class="decide-row[^"]*" data-verdict="[^"]*">(.*?)</tr>', first, re.S)
    shown = [next(n for n in sorted(names, key=len, reverse=True) if n in r) for r in rows]
    assert shown == names
    # the regional list: every place outside the statistical hot spots, alphabetically
    assert data.coverage is not None
    cov = dataclasses.replace(
        data.coverage,
        table=tuple(dataclasses.replace(r, statistical_hotspot=False) for r in data.coverage.table),
    )
    f = Fmt("fr", Disclosure("council", data.disclosure_k), data.report_config, data.zone_label)
    lines = regional_context(dataclasses.replace(data, coverage=cov), f)["coverage"]
    listing = next(line for line in lines if "Étangs Noirs" in line)
    at = {n: listing.index(n) for n in names if n in listing}
    assert len(at) == len(names)
    assert sorted(at, key=at.__getitem__) == alphabetical(r.hotspot for r in cov.table)
