"""Months a source does not cover are missing, not zero, in the renewal report.

A workspace whose second harm source ("wardens") stops for three calendar months (as in
tests/workflows/test_evaluate_precision.py): the evaluation leaves the anchored months that
overlap the gap out (NaN counts, exposure 0). The report draws them as gaps, lists them as
"missing" on each hotspot page (EN/FR/NL), prints the evaluation's own totals, and its runs
page lists the missing months per source.
"""

from __future__ import annotations

import datetime as dt
import html as html_lib
import re
import sys
from pathlib import Path

import numpy as np
import pytest

from hotspotwatch.domain.disclosure import Disclosure
from hotspotwatch.i18n import translate
from hotspotwatch.report.builders import renewal_html
from hotspotwatch.report.context import missing_rows, outcome_rows
from hotspotwatch.report.figures.charts import per_month
from hotspotwatch.report.fmt import Fmt
from hotspotwatch.testing import make_city
from hotspotwatch.workflows.report import gather_renewal
from hotspotwatch.workflows.web.runs import hotspot_summary

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "workflows"))
from test_evaluate_precision import GAP, UNTIL, _wardens

WORDS = {"en": "missing", "fr": "manquant", "nl": "ontbrekend"}
MONTHS = {"en": "February 2023, March 2023 and April 2023",
          "fr": "février 2023, mars 2023 et avril 2023",
          "nl": "februari 2023, maart 2023 en april 2023"}


@pytest.fixture(scope="module")
def gap_ws(tmp_path_factory: pytest.TempPathFactory):
    ws = make_city(tmp_path_factory.mktemp("gap") / "c", seed=6, scale=0.5)
    _wardens(ws, GAP)
    yield ws
    ws.close()


@pytest.fixture(scope="module")
def data(gap_ws):
    return gather_renewal(gap_ws, until=UNTIL)


def test_missing_months_are_gaps_in_the_chart_not_zeros(data):
    ev = data.hotspots[0].evaluation
    s = ev.series
    gone = np.array([m in ev.missing_months for m in s.months])
    assert gone.sum() == 4  # three calendar months overlap four anchored months
    shown = per_month(s.treated, s.exposure)
    assert np.isnan(shown[gone]).all()
    # the selection window before the decision is left out too (not a missing month)
    window = np.isin(s.codes, range(-ev.selection_window_months, 0))
    assert ev.selection_window_months == 6 and not (gone & window).any()
    assert np.isnan(shown[window]).all()
    kept = ~gone & ~window
    np.testing.assert_allclose(shown[kept], s.treated[kept] / s.exposure[kept])
    assert (shown[kept] >= 0).all() and np.isfinite(shown[kept]).all()
    # suppressed-below-k months of the public chart are finite counts, missing ones are not
    public = Disclosure("public", data.disclosure_k)
    assert np.isnan(per_month(public.mask(s.treated), s.exposure)[gone]).all()


@pytest.mark.parametrize("lang", ["en", "fr", "nl"])
def test_hotspot_pages_list_missing_months_and_use_the_evaluation_s_totals(data, lang):
    page = html_lib.unescape(renewal_html(data, lang=lang))
    f = Fmt(lang, Disclosure("council", data.disclosure_k))
    tables = re.findall(r'<table class="data missing-months">(.*?)</table>', page, re.S)
    assert len(tables) == len(data.hotspots)
    for sec, table in zip(data.hotspots, tables, strict=True):
        ev = sec.evaluation
        rows = missing_rows(f, ev)
        assert [r["start"] for r in rows] == list(ev.missing_months)
        cells = re.findall(r'<td class="missing">(.*?)</td>', table)
        assert cells == [WORDS[lang]] * len(ev.missing_months) == [
            translate("report.missing.cell", lang)] * 4
        for r in rows:
            assert r["month"] in table
        # totals are the evaluation's (missing months left out), not a recount
        out = outcome_rows(f, ev)
        assert out[0]["before"] == f.count(ev.treated_pre)
        assert out[0]["after"] == f.count(ev.treated_post)
        pre = ~np.isnan(ev.series.treated) & (np.asarray(ev.series.codes) < 0)
        assert ev.treated_pre == ev.series.treated[pre].sum()
    assert translate("report.missing.note", lang) in page
    if lang != "en":
        assert translate("report.missing.note", "en") not in page


@pytest.mark.parametrize("lang", ["en", "fr", "nl"])
def test_the_runs_page_lists_missing_months_per_source(data, lang):
    page = html_lib.unescape(renewal_html(data, lang=lang))
    runs = page[page.index('id="runs"'):]
    expected = translate("report.runs.missing_source", lang, source="wardens",
                         months=MONTHS[lang])
    assert f"<li>{expected}</li>" in runs
    assert "synthetic:" not in runs  # the first source covers every month
    assert translate("report.runs.missing_heading", lang) in runs
    rule = translate("evaluate.months.anchored_months", lang,
                     precision=translate("spacetime.precision.instant", lang))
    assert rule in runs


def test_the_dashboard_hotspot_json_lists_the_missing_months(data):
    ev = data.hotspots[0].evaluation
    s = hotspot_summary(ev, "fr")
    assert s["missing_months"] == [m.isoformat() for m in ev.missing_months]
    assert len(s["missing_months"]) == 4 and s["dose"] is not None
    assert dt.date.fromisoformat(s["missing_months"][0]) < dt.date(2023, 5, 1)


def test_the_dashboard_chart_marks_the_gap_months_missing(gap_ws, data):
    from hotspotwatch.workflows.web.hotspots import hotspot_monthly
    from hotspotwatch.workflows.web.runs import evaluation_run

    run = evaluation_run(gap_ws, until=UNTIL)
    assert run.result.coverage.missing() == data.evaluation.coverage.missing()
    hid = int(gap_ws.hotspots()["hotspot_id"].iloc[0])
    m = hotspot_monthly(gap_ws, hid)
    # the review day here is the last data day (31 Dec), the report's UNTIL is 20 Dec:
    # the gap months are the same source months
    assert m["missing_months"] == [f"{g.year:04d}-{g.month:02d}" for g in GAP]
    assert set(m["missing_months"]) <= set(m["months"])
