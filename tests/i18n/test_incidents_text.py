"""The incidents-in-context sentence in EN/FR/NL: the issue's example, every status, plurals,
Babel percentages and a workspace's own category."""

from __future__ import annotations

import datetime as dt
import re

import numpy as np
import pytest
from tests.analysis.evaluate.test_incidents import _city

from hotspotwatch.analysis.evaluate.incidents import incidents_in_context
from hotspotwatch.domain.designation import Period
from hotspotwatch.domain.taxonomy import Taxonomy
from hotspotwatch.i18n import LANGUAGES
from hotspotwatch.i18n.incidents import format_percent, incidents_text, years_phrase


def test_the_issue_s_example_in_three_languages():
    r = incidents_in_context(**_city())  # 3 of 4, share 35 %, p = 12.65 %
    assert incidents_text(r, "en").startswith(
        "3 of the 4 shootings of the period happened at the designated places, which held 35% "
        "of shootings before designation; 3 or more of 4 would happen by chance 13% of the "
        "time. These 4 shootings cannot show whether the strategy is failing; a 20% change in "
        "shootings would take about "
    )
    assert incidents_text(r, "fr").startswith(
        "Sur les 4 fusillades de la période, 3 ont eu lieu dans les lieux désignés, qui "
        "concentraient 35\u00a0% des fusillades avant leur désignation ; le hasard seul en "
        "placerait 3 ou plus sur 4 dans ces lieux dans 13\u00a0% des cas. Ces 4 fusillades ne "
        "permettent pas de dire si la stratégie échoue ; il faudrait environ "
    )
    assert incidents_text(r, "nl").startswith(
        "3 van de 4 schietpartijen in deze periode vonden plaats op de aangewezen plaatsen, "
        "waar vóór de aanwijzing 35\u00a0% van de schietpartijen plaatsvond; louter door toeval "
        "zouden er in 13\u00a0% van de gevallen 3 of meer van de 4 op deze plaatsen vallen. Deze 4 "
        "schietpartijen kunnen niet aantonen of de strategie faalt; "
    )
    years = round(r.years_to_detect)
    assert f"about {years} years to show." in incidents_text(r, "en")
    assert f"environ {years} ans pour" in incidents_text(r, "fr")
    assert f"ongeveer {years} jaar nodig" in incidents_text(r, "nl")


def _variants():
    yield "ok", _city()
    yield "one_in", _city(window_in=1, window_out=0)
    yield "one_out", _city(window_in=0, window_out=1)
    yield "all", _city(window_in=5, window_out=0)
    yield "none", _city(window_in=0, window_out=5)
    yield "empty", _city(window_in=0, window_out=0)
    yield "short", _city(data_start=dt.date(2023, 3, 28))
    kw = _city()
    kw["periods"] = {"A": []}
    yield "no_designations", kw
    kw = _city()
    keep = kw["first_day"] >= dt.date(2025, 1, 1).toordinal()
    kw.update(first_day=kw["first_day"][keep], last_day=kw["last_day"][keep],
              inside=kw["inside"][keep], data_start=dt.date(2025, 1, 1))
    yield "no_baseline", kw


@pytest.mark.parametrize("name,kw", list(_variants()), ids=[n for n, _ in _variants()])
@pytest.mark.parametrize("lang", LANGUAGES)
def test_every_case_gives_a_finished_sentence(name, kw, lang):
    text = incidents_text(incidents_in_context(**kw), lang)
    assert text and "{" not in text
    assert not re.search(r"\bNone\b(?! of)|\bnan\b|–", text)
    assert text[0].isupper() or text[0].isdigit()
    assert text.endswith(".")


def test_single_incident_and_no_p_value_without_incidents():
    one = incidents_in_context(**_city(window_in=1, window_out=0))
    assert incidents_text(one, "en").startswith("One shooting was recorded in the period, at "
                                                "the designated places")
    assert "Un seul fait (fusillade)" in incidents_text(one, "fr")
    assert "één schietpartij" in incidents_text(one, "nl")
    empty = incidents_in_context(**_city(window_in=0, window_out=0))
    assert empty.p_value is None
    assert not re.search(r"\d+\s?%\s+(of the time|des cas|van de gevallen)",
                         incidents_text(empty, "en") + incidents_text(empty, "fr"))


def test_percentages_and_years_follow_babel():
    assert [format_percent(0.35, lang) for lang in LANGUAGES] == ["35%", "35\u00a0%", "35\u00a0%"]
    assert format_percent(0.004, "fr") == "moins de 1\u00a0%"
    assert format_percent(0.0, "en") == "0%" and format_percent(1.0, "nl") == "100\u00a0%"
    assert years_phrase(1.2, "en") == "about 1 year" and years_phrase(1.6, "fr") == "environ 2 ans"
    assert years_phrase(6, "nl") == "ongeveer 6 jaar"


def test_a_workspace_category_without_a_plural_name_reads_generically():
    tax = Taxonomy.default().with_overrides({"drive_by": {"role": "harm", "label": "Drive-by"}})
    kw = _city()
    kw["category"] = "drive_by"
    text = incidents_text(incidents_in_context(**kw), "en", taxonomy=tax)
    assert text.startswith("3 of the 4 incidents (Drive-by) of the period")
    assert incidents_text(incidents_in_context(**kw), "nl", taxonomy=tax).startswith(
        "3 van de 4 feiten (Drive-by)"
    )


def test_month_precision_left_out_incidents_are_said():
    kw = _city(window_in=0, window_out=0)
    kw["periods"] = {"A": [Period(dt.date(2024, 3, 28), None)],
                     "B": [Period(dt.date(2025, 6, 15), None)]}
    kw["places"] = ["A", "B"]
    lo = np.append(kw["first_day"], dt.date(2025, 6, 1).toordinal())
    hi = np.append(kw["last_day"], dt.date(2025, 6, 30).toordinal())
    inside = np.column_stack([np.append(kw["inside"][:, 0], True), np.zeros(lo.size, bool)])
    kw.update(first_day=lo, last_day=hi, inside=inside, start=dt.date(2025, 6, 1),
              end=dt.date(2025, 6, 30), time_precision="month")
    r = incidents_in_context(**kw)
    assert r.n_left_out == 1
    assert "1 incident known only to its month was left out" in incidents_text(r, "en")
