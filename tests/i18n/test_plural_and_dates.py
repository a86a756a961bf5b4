"""Plural forms, numbers and dates in English, French and Dutch (Babel, CLDR rules)."""

from __future__ import annotations

import datetime as dt

import pytest

from hotspotwatch.i18n import (
    catalogs,
    format_date,
    format_month,
    format_number,
    plural,
    plural_form,
)


@pytest.mark.parametrize(
    ("lang", "n", "text"),
    [
        ("en", 0, "0 months"),
        ("en", 1, "1 month"),
        ("en", 2, "2 months"),
        ("fr", 0, "0 mois"),
        ("fr", 1, "1 mois"),
        ("nl", 1, "1 maand"),
        ("nl", 0, "0 maanden"),
        ("nl", 12, "12 maanden"),
    ],
)
def test_months_take_the_plural_form_of_each_language(lang, n, text):
    assert plural("common.n_months", n, lang) == text


def test_cldr_plural_categories_differ_between_languages():
    # French treats 0 and 1.5 as singular ("0 groupe", "1,5 mois"); English and Dutch do not.
    assert [plural_form(n, "fr") for n in (0, 1, 1.5, 2)] == ["one", "one", "one", "other"]
    assert [plural_form(n, "en") for n in (0, 1, 1.5, 2)] == ["other", "one", "other", "other"]
    assert [plural_form(n, "nl") for n in (0, 1, 1.5, 2)] == ["other", "one", "other", "other"]
    # A million is "many" in French: the catalogue has no such form, so "other" is used.
    assert plural_form(1_000_000, "fr") == "many"
    assert plural("common.n_months", 1_000_000, "fr") == "1\u202f000\u202f000 mois"


def test_report_plural_keys_have_one_and_other_in_every_language():
    keys = {k.rsplit(".", 1)[0] for k in catalogs()["en"] if k.endswith(".one")}
    assert "common.n_months" in keys
    for lang in ("en", "fr", "nl"):
        for key in keys:
            assert f"{key}.one" in catalogs()[lang], (lang, key)
            assert f"{key}.other" in catalogs()[lang], (lang, key)


def test_first_of_the_month_is_an_ordinal_in_french_only():
    first = dt.date(2025, 12, 1)
    assert format_date(first, "fr") == "1er décembre 2025"
    assert format_date(dt.date(2025, 12, 2), "fr") == "2 décembre 2025"
    assert format_date(first, "en") == "1 December 2025"
    assert format_date(first, "nl") == "1 december 2025"
    assert format_month(first, "fr") == "décembre 2025"
    assert format_date(None, "en") == "–"


def test_numbers_use_each_language_separators_and_a_true_minus():
    assert format_number(6525.5, "en", digits=1) == "6,525.5"
    assert format_number(6525.5, "fr", digits=1) == "6\u202f525,5"
    assert format_number(6525.5, "nl", digits=1) == "6.525,5"
    assert format_number(-0.25, "fr") == "\u22120,25"
    assert format_number(-0.001, "en") == "0.00"  # rounds to zero: no "-0.00"
    assert format_number(float("nan"), "en") == "–"
    assert format_number(None, "nl") == "–"
    assert format_number(3, "nl", digits=None) == "3"
