"""The report's near-repeat (Knox) section: notes on its events, and a refusal in words.

On month-only events Knox refuses time bands of days (a PrecisionError): the report still
builds, and the section says why Knox is not shown in the reader's language (the kind of
reason translated, the analysis's message kept as the technical detail). When Knox runs,
the section carries :func:`hotspotwatch.i18n.spacetime.knox_notes` (duplicates counted once,
same-place/same-day pairs).
"""

from __future__ import annotations

import datetime as dt
import html as html_lib
import re

import pytest

from hotspotwatch.i18n import translate
from hotspotwatch.i18n.spacetime import knox_notes
from hotspotwatch.report.builders import renewal_html
from hotspotwatch.testing import make_city
from hotspotwatch.workflows.report import gather_renewal

UNTIL = dt.date(2023, 12, 31)
CONFIG = {"report": {"near_repeat_categories": ["burglary"]}}


def _section(page: str, cls: str) -> list[str]:
    return [html_lib.unescape(m) for m in re.findall(rf'class="small {cls}">(.*?)</', page, re.S)]


@pytest.fixture(scope="module")
def monthly(tmp_path_factory: pytest.TempPathFactory):
    ws = make_city(tmp_path_factory.mktemp("knox") / "monthly", seed=3, scale=0.4,
                   precision="month", config=CONFIG)
    yield gather_renewal(ws, until=UNTIL)
    ws.close()


def test_month_only_near_repeat_categories_do_not_stop_the_report(monthly):
    assert monthly.knox is None
    assert monthly.unavailable_kind["knox"] == "precision"
    assert "month" in monthly.unavailable["knox"]
    assert monthly.evaluation is not None  # the rest of the report is there


@pytest.mark.parametrize(
    ("lang", "word"),
    [("en", "only to the month"), ("fr", "qu'au mois près"), ("nl", "tot op de maand")],
)
def test_the_report_says_why_knox_is_not_shown_in_the_reader_s_language(monthly, lang, word):
    page = renewal_html(monthly, lang=lang)
    shown = _section(page, "knox-unavailable")
    assert shown, lang  # on every hotspot page
    extent = translate("report.runs.reason.precision_extent.month", lang)
    assert word.endswith(extent) or extent in word
    reason = translate("report.runs.reason.precision_known", lang, extent=extent)
    assert word in reason
    expected = translate("report.runs.unavailable", lang, reason=reason)
    for text in shown:
        assert text.startswith(expected), (lang, text)
        assert monthly.unavailable["knox"] in text  # the detail is kept
    if lang != "en":
        english = translate("report.runs.reason.precision_known", "en",
                            extent=translate("report.runs.reason.precision_extent.month", "en"))
        assert english not in html_lib.unescape(page)
    # the runs page names the section and the same reason
    assert 'data-section="knox"' in page


@pytest.fixture(scope="module")
def duplicated(tmp_path_factory: pytest.TempPathFactory):
    ws = make_city(tmp_path_factory.mktemp("knox") / "dups", seed=4, scale=0.4,
                   duplicates=40, config=CONFIG)
    yield gather_renewal(ws, until=UNTIL)
    ws.close()


@pytest.mark.parametrize("lang", ["en", "fr", "nl"])
def test_the_knox_section_carries_its_notes(duplicated, lang):
    run = duplicated.knox
    assert run is not None and run.n_duplicates > 0
    notes = knox_notes(run, lang)
    assert translate("spacetime.knox.duplicates", lang, n=run.n_duplicates) in notes
    page = html_lib.unescape(renewal_html(duplicated, lang=lang))
    for note in notes:
        assert f"<li>{note}</li>" in page, (lang, note)
