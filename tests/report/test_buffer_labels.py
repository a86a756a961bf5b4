"""Every buffer label of the evaluation has its words in the report and on the dashboard.

The evaluation's buffer verdicts (analysis/evaluate/verdict.py ``BufferLabel``) get a short
label and a sentence in English, French and Dutch in the renewal report's hotspot pages and
summary, and in the dashboard's hotspot JSON; none falls back to English.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import html as html_lib
import typing

import pytest

from hotspotwatch.analysis.evaluate.verdict import BUFFER_LABELS as PAIRS
from hotspotwatch.analysis.evaluate.verdict import BufferLabel
from hotspotwatch.domain.disclosure import Disclosure
from hotspotwatch.domain.taxonomy import outcome_label
from hotspotwatch.i18n import translate
from hotspotwatch.i18n.verdicts import verdict_text
from hotspotwatch.report.builders import renewal_html
from hotspotwatch.report.context import BUFFER_LABELS, hotspot_effect
from hotspotwatch.report.fmt import Fmt
from hotspotwatch.testing import make_city
from hotspotwatch.workflows.report import gather_renewal
from hotspotwatch.workflows.web.runs import hotspot_summary

LABELS = typing.get_args(BufferLabel)
LANGS = ("en", "fr", "nl")


@pytest.fixture(scope="module")
def data(tmp_path_factory: pytest.TempPathFactory):
    ws = make_city(tmp_path_factory.mktemp("buffer") / "city", seed=1, scale=0.6)
    yield gather_renewal(ws, until=dt.date(2023, 12, 31))
    ws.close()


def _with_labels(data, labels):
    secs = []
    for sec, label in zip(data.hotspots, labels, strict=False):
        ev = sec.evaluation
        assert ev is not None
        bv = dataclasses.replace(ev.buffer_verdict, label=label)
        secs.append(dataclasses.replace(sec, evaluation=dataclasses.replace(ev, buffer_verdict=bv)))
    return dataclasses.replace(data, hotspots=type(data.hotspots)(secs))


def test_the_report_knows_every_label_of_the_evaluation():
    assert set(BUFFER_LABELS) == set(LABELS) == set(PAIRS.values()) | {"no_detectable_change"}


@pytest.mark.parametrize("lang", LANGS)
def test_every_buffer_label_renders_in_the_report(data, lang):
    n = len(data.hotspots)
    assert n >= 2
    seen: set[str] = set()
    for start in range(0, len(LABELS), n):
        labels = [LABELS[(start + i) % len(LABELS)] for i in range(n)]
        d = _with_labels(data, labels)
        page = html_lib.unescape(renewal_html(d, lang=lang))
        for sec, label in zip(d.hotspots, labels, strict=True):
            ev = sec.evaluation
            sentence = verdict_text(
                ev.buffer_verdict, lang, name=ev.name, outcome=outcome_label(ev.outcome, lang)
            )
            assert f'<span class="buffer-sentence" data-buffer="{label}">{sentence}</span>' in page
            short = translate(f"report.buffer.{label}", lang)
            assert hotspot_effect(Fmt(lang, Disclosure("council", d.disclosure_k)),
                                  ev)["buffer"] == short
            if lang != "en":  # no English fallback
                english = verdict_text(ev.buffer_verdict, "en", name=ev.name,
                                       outcome=outcome_label(ev.outcome, "en"))
                assert english not in page and sentence != english
                assert short != translate(f"report.buffer.{label}", "en")
            seen.add(label)
        # the summary counts every label among the places in its own words
        for label in set(labels):
            k = labels.count(label)
            from hotspotwatch.i18n import plural

            assert plural(f"report.summary.buffer_{label}", k, lang) in page, (lang, label)
    assert seen == set(LABELS)


@pytest.mark.parametrize("lang", LANGS)
def test_every_buffer_label_is_in_the_dashboard_hotspot_json(data, lang):
    ev = data.hotspots[0].evaluation
    texts = set()
    for label in LABELS:
        h = dataclasses.replace(ev, buffer_verdict=dataclasses.replace(ev.buffer_verdict,
                                                                        label=label))
        s = hotspot_summary(h, lang)
        assert s["buffer_verdict"] == label
        assert s["buffer_verdict_label"] == translate(f"evaluate.verdict.{label}", lang)
        assert s["buffer_verdict_text"] == verdict_text(
            h.buffer_verdict, lang, name=h.name, outcome=outcome_label(h.outcome, lang)
        )
        if lang != "en":
            en = hotspot_summary(h, "en")
            assert s["buffer_verdict_text"] != en["buffer_verdict_text"]
            assert s["buffer_verdict_label"] != en["buffer_verdict_label"]
        texts.add(s["buffer_verdict_text"])
    assert len(texts) == len(LABELS)  # one sentence per label


@pytest.mark.parametrize("lang", LANGS)
def test_the_report_shows_the_local_and_the_total_wdd_with_their_intervals(data, lang):
    from hotspotwatch.domain.disclosure import Disclosure
    from hotspotwatch.report.context import hotspot_effect
    from hotspotwatch.report.fmt import Fmt

    page = html_lib.unescape(renewal_html(data, lang=lang))
    f = Fmt(lang, Disclosure("council", data.disclosure_k))
    from hotspotwatch.report.decide import MIN_WDD_EVENTS, wdd_context

    for sec in data.hotspots:
        w = sec.evaluation.wdd
        assert w.local_ci_low < w.local < w.local_ci_high and w.ci_low < w.estimate < w.ci_high
        e = hotspot_effect(f, sec.evaluation)
        assert e["wdd_local"] == f.num(w.local, 1)
        assert e["wdd_local_ci"] == f"{f.num(w.local_ci_low, 1)} – {f.num(w.local_ci_high, 1)}"
        assert e["wdd"] == f.num(w.estimate, 1)
        assert e["wdd_ci"] == f"{f.num(w.ci_low, 1)} – {f.num(w.ci_high, 1)}"
        # issue 17: one plain sentence, and no precise number on fewer than 20 events
        ev = sec.evaluation
        enough = min(ev.treated_pre + ev.buffer_pre, ev.treated_post + ev.buffer_post)
        ctx = wdd_context(f, ev)
        assert ctx["shown"] == (enough >= MIN_WDD_EVENTS)
        if ctx["shown"]:
            sentence = translate("report.decide.wdd.value", lang, local=e["wdd_local"],
                                 local_ci=e["wdd_local_ci"], total=e["wdd"], total_ci=e["wdd_ci"])
        else:
            sentence = ctx["sentence"]
            assert e["wdd"] not in sentence
        assert f">{sentence}</p>" in page
