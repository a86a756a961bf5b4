"""The synthetic control is shown beside the DiD in each hotspot page, in EN/FR/NL.

The report lays out the evaluation's stored numbers (``HotspotEvaluation.synth``): the
row's value is the synthetic-control ratio and its interval as evaluated, its label is the
catalogue's in the reader's language (never English in FR/NL).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import html as html_lib
import math

import pytest

from hotspotwatch.domain.disclosure import Disclosure
from hotspotwatch.i18n import translate
from hotspotwatch.report.builders import renewal_html
from hotspotwatch.report.context import hotspot_effect
from hotspotwatch.report.fmt import Fmt
from hotspotwatch.testing import make_city
from hotspotwatch.workflows.report import gather_renewal

LANGS = ("en", "fr", "nl")


@pytest.fixture(scope="module")
def data(tmp_path_factory: pytest.TempPathFactory):
    ws = make_city(tmp_path_factory.mktemp("synth") / "city", seed=1, scale=0.6)
    yield gather_renewal(ws, until=dt.date(2023, 12, 31))
    ws.close()


@pytest.mark.parametrize("lang", LANGS)
def test_each_hotspot_page_shows_the_synthetic_control_beside_the_did(data, lang):
    page = html_lib.unescape(renewal_html(data, lang=lang))
    f = Fmt(lang, Disclosure("council", data.disclosure_k))
    label = translate("report.effect.synth", lang)
    if lang != "en":
        assert label != translate("report.effect.synth", "en")
    assert page.count(label) == len(data.hotspots)
    for sec in data.hotspots:
        sc = sec.evaluation.synth
        assert sc is not None
        cell = hotspot_effect(f, sec.evaluation)["synth"]
        if math.isfinite(sc.ci_high) and sc.ci_low > 0:
            assert cell == f"{f.num(sc.irr)} ({f.num(sc.ci_low)} – {f.num(sc.ci_high)})"
        else:
            assert cell == f"{f.num(sc.irr)} ({translate('report.effect.synth_open', lang)})"
        assert f'<td class="num synth">{cell}</td>' in page


def test_no_row_without_a_synthetic_control(data):
    secs = [
        dataclasses.replace(s, evaluation=dataclasses.replace(s.evaluation, synth=None))
        for s in data.hotspots
    ]
    d = dataclasses.replace(data, hotspots=type(data.hotspots)(secs))
    page = html_lib.unescape(renewal_html(d, lang="fr"))
    assert translate("report.effect.synth", "fr") not in page


def test_an_unbounded_interval_is_said_in_words(data):
    ev = data.hotspots[0].evaluation
    open_sc = dataclasses.replace(ev.synth, ci_low=0.0, ci_high=math.inf)
    for lang in LANGS:
        f = Fmt(lang, Disclosure("council", data.disclosure_k))
        cell = hotspot_effect(f, dataclasses.replace(ev, synth=open_sc))["synth"]
        assert cell == f"{f.num(ev.synth.irr)} ({translate('report.effect.synth_open', lang)})"
