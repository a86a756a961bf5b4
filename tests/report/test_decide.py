"""Page 1 decides; the place pages speak in rates and plain words; the near-repeat advice
follows its table (issue 17, council report).

Every number on page 1 and in the new sentences is checked against the stored evaluation
it comes from (``HotspotEvaluation``: its adjusted interval, buffer verdict, ``dose``
dictionary computed by the analysis, totals and exposure), and the near-repeat advice
against the stored Knox table and alert.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import html as html_lib
import re
import tomllib
from importlib import resources

import numpy as np
import pytest
from matplotlib.colors import to_hex

from hotspotwatch.analysis.evaluate.period_rates import place_rates
from hotspotwatch.domain.disclosure import Disclosure
from hotspotwatch.i18n import plural, translate
from hotspotwatch.report import decide
from hotspotwatch.report.builders import renewal_html
from hotspotwatch.report.context import forest_row
from hotspotwatch.report.fmt import Fmt
from hotspotwatch.report.nearrepeat import advice_bands
from hotspotwatch.testing import make_city
from hotspotwatch.workflows.report import gather_renewal

LANGS = ("en", "fr", "nl")
CONFIG = {"report": {"near_repeat_categories": ["burglary"]}}


@pytest.fixture(scope="module")
def data(tmp_path_factory: pytest.TempPathFactory):
    ws = make_city(tmp_path_factory.mktemp("decide") / "city", seed=1, scale=0.6, config=CONFIG)
    yield gather_renewal(ws, until=dt.date(2023, 12, 31))
    ws.close()


@pytest.fixture(scope="module")
def pages(data) -> dict[str, str]:
    return {lang: html_lib.unescape(renewal_html(data, lang=lang)) for lang in LANGS}


def _f(data, lang: str) -> Fmt:
    return Fmt(lang, Disclosure("council", data.disclosure_k))


def _rows(page: str) -> list[str]:
    return re.findall(r'<tr class="decide-row[^"]*" data-verdict="[^"]*">(.*?)</tr>', page, re.S)


@pytest.mark.parametrize("lang", LANGS)
def test_page_one_has_one_line_per_place_read_from_the_stored_evaluation(data, pages, lang):
    page = pages[lang]
    first = page[: page.index('<section class="page summary summary-2">')]
    rows = _rows(first)
    assert len(rows) == len(data.hotspots) >= 2
    f = _f(data, lang)
    for sec, row in zip(data.hotspots, rows, strict=True):
        ev = sec.evaluation
        assert sec.name in row
        assert translate(f"report.verdict.{ev.verdict.label}", lang) in row
        v = ev.verdict
        # the estimate with the adjusted interval the verdict is read from
        assert f"{f.num(ev.did.irr)}</span>" in row
        assert f"{f.num(v.ci_low_adjusted)} – {f.num(v.ci_high_adjusted)}" in row
        # next door: the buffer verdict and its rate ratio
        assert f'data-buffer="{ev.buffer_verdict.label}"' in row
        assert translate(f"report.decide.next.{ev.buffer_verdict.label}", lang) in row
        assert f.num(ev.buffer_did.irr) in row
        # activity: the stored dose ratios of the evaluation (activity, not results)
        ratio = ev.dose["enforcement_ratio"]
        if ratio >= 1.1:
            assert translate("report.decide.trend.up", lang, ratio=f.num(ratio, 1)) in row
        elif ratio <= 0.9:
            assert translate("report.decide.trend.down", lang, ratio=f.num(ratio, 1)) in row
        assert decide.renewal_note(f, ev, min_post_months=6) in row
    assert translate("report.decide.col.activity_flag", lang) in first
    assert translate("report.decide.no_recommendation", lang, body=f.body()) in first


def _notes(lang: str) -> dict[str, str]:
    text = (resources.files("hotspotwatch.i18n") / "catalogs" / "report_decide.toml").read_text(
        encoding="utf-8"
    )
    table = tomllib.loads(text)[lang]
    return {k: str(v) for k, v in table.items() if k.startswith("report.decide.note.")}


#: Words of a recommendation to renew, extend or end a designation (never in a note).
RECOMMEND = {
    "en": ["renew", "recommend", "should", "extend", "continue", "stop", "end the"],
    "fr": ["renouvel", "recommand", "devrait", "prolong", "poursuiv", "arrêt", "lever"],
    "nl": ["verleng", "aanbevel", "zou moeten", "voortzet", "stopzet", "opheff"],
}


@pytest.mark.parametrize("lang", LANGS)
def test_no_note_recommends_renewing_or_ending_a_designation(lang):
    notes = _notes(lang)
    assert len(notes) >= 15
    for key, text in notes.items():
        for word in RECOMMEND[lang]:
            assert word not in text.lower(), (lang, key, word)


def test_every_verdict_and_buffer_label_has_its_note(data):
    f = _f(data, "fr")
    ev = data.hotspots[0].evaluation
    seen = set()
    for label in ("reduction", "no_detectable_change", "increase", "too_early", "uncertain"):
        for reason in ("", "post_months", "mdr", "synthetic_control"):
            v = dataclasses.replace(ev.verdict, label=label, reason=reason)
            seen.add(decide.renewal_note(f, ev.with_verdict(v), min_post_months=6))
    assert len(seen) >= 6
    assert decide.renewal_note(f, None) == translate("report.decide.note.not_evaluated", "fr")
    flat = ev.with_verdict(dataclasses.replace(ev.verdict, label="no_detectable_change"))
    for label in decide.BUFFER_LABELS:
        b = dataclasses.replace(flat.buffer_verdict, label=label)
        note = decide.renewal_note(f, dataclasses.replace(flat, buffer_verdict=b))
        if label != "no_detectable_change":
            assert note.endswith(translate(f"report.decide.note.next.{label}", "fr"))


def test_monthly_rates_are_the_stored_totals_over_the_stored_exposure(data):
    for sec in data.hotspots:
        ev = sec.evaluation
        r = place_rates(ev)
        e = np.asarray(ev.series.exposure, float)
        pre = np.asarray(ev.series.codes) < 0
        assert r.pre_months == pytest.approx(e[pre].sum())
        assert r.post_months == pytest.approx(e[~pre].sum())
        assert r.post_months == pytest.approx(ev.post_months)
        assert r.treated.pre_per_month == pytest.approx(ev.treated_pre / e[pre].sum())
        assert r.rings[0].rate.post_total == ev.rings[0].post == ev.buffer_post
        # the analysis's own dose per month (computed when the evaluation ran)
        for role in ("enforcement", "prevention"):
            assert r.roles[role].pre_per_month == pytest.approx(ev.dose[f"{role}_pre_per_month"])
            assert r.roles[role].post_per_month == pytest.approx(
                ev.dose[f"{role}_post_per_month"])


@pytest.mark.parametrize("lang", LANGS)
def test_place_pages_compare_per_month_with_the_period_lengths_stated(data, pages, lang):
    page = pages[lang]
    f = _f(data, lang)
    for sec in data.hotspots:
        r = place_rates(sec.evaluation)
        before = translate("report.rates.before", lang, months=f.months(r.pre_months))
        after = translate("report.rates.after", lang, months=f.months(r.post_months))
        assert before in page and after in page
        cell = f'<span class="rate">{decide.rate_num(f, r.treated.post_per_month)}</span>'
        assert cell in page
        for d in r.dose:
            assert f'<span class="rate">{decide.rate_num(f, d.rate.post_per_month)}</span>' in page


@pytest.mark.parametrize("lang", LANGS)
def test_the_ring_next_door_is_said_in_a_sentence(data, lang):
    f = _f(data, lang)
    ev = data.hotspots[0].evaluation
    ring = ev.rings[0]
    pre_m = place_rates(ev).pre_months
    post_m = place_rates(ev).post_months
    # a ring that rose by 27 % per month
    risen = dataclasses.replace(ring, pre=100.0, post=127.0 * post_m / pre_m)
    sentence = decide.ring_sentence(f, ev, place_rates(dataclasses.replace(ev, rings=(risen,))))
    assert sentence == translate(
        "report.decide.ring.rose",
        lang,
        ring=decide.ring_name(f, ring.inner_m, ring.outer_m).lower(),
        pre=decide.rate_num(f, 100.0 / pre_m),
        post=decide.rate_num(f, 127.0 / pre_m),
        change="27\u00a0%",
    )
    fallen = dataclasses.replace(ring, pre=100.0, post=50.0 * post_m / pre_m)
    assert "50\u00a0%" in decide.ring_sentence(
        f, ev, place_rates(dataclasses.replace(ev, rings=(fallen,))))


def test_a_wdd_on_few_events_is_not_shown_as_a_number(data):
    sec = data.hotspots[0]
    ev = sec.evaluation
    few = dataclasses.replace(ev, treated_post=6.0, buffer_post=4.0)  # 10 events after
    f = _f(data, "en")
    w = decide.wdd_context(f, few)
    assert not w["shown"]
    assert "10" in w["sentence"] and f"{decide.MIN_WDD_EVENTS}" in w["sentence"]
    assert f.num(ev.wdd.estimate, 1) not in w["sentence"]
    many = dataclasses.replace(ev, treated_pre=30.0, buffer_pre=0.0, treated_post=20.0,
                               buffer_post=0.0)
    shown = decide.wdd_context(f, many)
    assert shown["shown"] and shown["total"] == f.num(ev.wdd.estimate, 1)
    assert shown["local_ci"] == f"{f.num(ev.wdd.local_ci_low, 1)} – {f.num(ev.wdd.local_ci_high, 1)}"
    secs = [dataclasses.replace(sec, evaluation=few), *data.hotspots[1:]]
    page = renewal_html(dataclasses.replace(data, hotspots=secs), lang="en")
    assert page.count('data-wdd="few"') >= 1


def test_the_wdq_is_read_only_after_a_fall_in_the_place(data):
    f = _f(data, "nl")
    ev = data.hotspots[0].evaluation
    flat = ev.with_verdict(dataclasses.replace(ev.verdict, label="no_detectable_change"))
    assert decide.wdq_sentence(f, flat) == translate("report.decide.wdq.not_read", "nl")
    down = ev.with_verdict(dataclasses.replace(ev.verdict, label="reduction"))
    for value, key in ((1.5, "diffusion_large"), (0.4, "diffusion"), (-0.3, "displacement"),
                       (-2.0, "displacement_large")):
        w = dataclasses.replace(ev.wdq, wdq=value, success_measure=-0.2)
        got = decide.wdq_sentence(f, dataclasses.replace(down, wdq=w))
        assert got == translate(f"report.decide.wdq.{key}", "nl", wdq=f.num(value))


def test_forest_colours_agree_with_the_adjusted_intervals_of_the_report(data):
    from hotspotwatch.report.figures import FOREST_COLOURS, forest_figure

    rows = [forest_row(s.name, s.evaluation) for s in data.hotspots]
    fig = forest_figure(rows=rows, pooled=None, labels={"pooled": "", "axis": "", "fewer": "",
                                                          "more": ""})
    lines = {ln.get_gid(): ln for ln in fig.axes[0].lines if ln.get_gid()}
    for s in data.hotspots:
        v = s.evaluation.verdict
        adj = lines[f"adjusted:{s.name}"]
        assert to_hex(adj.get_color()) == FOREST_COLOURS[v.label]
        assert list(adj.get_xdata()) == pytest.approx([v.ci_low_adjusted, v.ci_high_adjusted])
        if v.label in ("too_early", "uncertain"):
            continue
        excludes_one = v.ci_high_adjusted < 1 or v.ci_low_adjusted > 1
        assert excludes_one == (v.label in ("reduction", "increase")), s.name


@pytest.mark.parametrize("lang", LANGS)
def test_the_near_repeat_advice_follows_the_shaded_cells_and_appears_once(data, pages, lang):
    run = data.knox
    assert run is not None and run.alert is not None and run.alert.elevated
    k, alert = run.knox, run.alert
    page = pages[lang]
    # the shaded cells are the alert's cells, each significant after Holm's correction with
    # a ratio of at least the run's minimum
    table = page[page.index('<table class="data knox-table">'):]
    table = table[: table.index("</table>")]
    body = re.findall(r"<tr><th>.*?</th>(.*?)</tr>", table, re.S)
    shaded = {
        (i, j)
        for i, row in enumerate(body)
        for j, cell in enumerate(re.findall(r"<td[^>]*>", row))
        if "raised" in cell
    }
    assert shaded == set(alert.cells) and shaded
    for i, j in shaded:
        assert alert.p_value_corrected[i, j] <= run.alpha
        assert alert.ratio[i, j] >= alert.min_ratio
    # the advice names exactly the distances and days of the shaded cells
    reach = max(k.space_bands[i + 1] for i, _ in shaded)
    days = max(k.time_bands[j + 1] for _, j in shaded)
    bands = advice_bands(alert)
    assert max(b for _, b, _ in bands) == reach and max(t for _, _, t in bands) == days
    for i, _ in shaded:  # every shaded distance band lies in a band of the advice
        assert any(a <= k.space_bands[i] and k.space_bands[i + 1] <= b for a, b, _ in bands)
    f = _f(data, lang)
    for a, b, t in bands:
        band = translate("report.knox.band", lang, inner=f.num(a, 0), outer=f.num(b, 0),
                         days=plural("common.n_days", t, lang, n=f.num(t, 0)))
        assert band in page
    head = translate("report.knox.advice", lang, bands="").split("{")[0][:25]
    assert page.count(head) == 1  # once, on the regional page
    regional = page[page.index('<section class="page regional">'):]
    assert head in regional
    from hotspotwatch.report.nearrepeat import categories_label

    text = translate(
        "report.knox.text",
        lang,
        categories=categories_label(data, f, run.categories),
        events=plural("common.n_events", k.n_events, lang, n=f.num(k.n_events, 0)),
        d=f.num(reach, 0),
        days=plural("common.n_days", days, lang, n=f.num(days, 0)),
        # the alert's numbers: ratio without same-place/same-day pairs, Holm-corrected p
        ratio=f.num(max(alert.ratio[i, j] for i, j in shaded), 1),
        p=f.pvalue(min(alert.p_value_corrected[i, j] for i, j in shaded)),
    )
    assert page.count(text) == 1
