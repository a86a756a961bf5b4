"""The report's wording: all three languages, same placeholders, neutral vocabulary."""

from __future__ import annotations

import re
import tomllib
from importlib import resources

import pytest

PLURAL_FORMS = {"zero", "one", "two", "few", "many", "other"}

CATALOG = tomllib.loads(
    (resources.files("hotspotwatch.i18n") / "catalogs" / "report.toml").read_text(encoding="utf-8")
)

# Stigmatising or ranking vocabulary the public report must never use (reviewed list).
FORBIDDEN = {
    "en": ["dangerous", "most dangerous", "worst", "no-go", "crime-ridden", "ghetto"],
    "fr": ["dangereu", "pire", "zone de non-droit", "coupe-gorge", "ghetto"],
    "nl": ["gevaarlijk", "ergste", "no-go", "getto"],
}


def _flatten(table: dict, prefix: str = "") -> dict[str, str]:
    out: dict[str, str] = {}
    for key, value in table.items():
        # a plural table is one key (French has a "many" form English lacks)
        if isinstance(value, dict) and not set(value) <= PLURAL_FORMS:
            out.update(_flatten(value, f"{prefix}{key}."))
        else:
            out[f"{prefix}{key}"] = str(value)
    return out


def _flat(lang: str) -> dict[str, str]:
    return _flatten(CATALOG[lang])


def test_every_key_exists_in_en_fr_nl():
    keys = {lang: set(_flat(lang)) for lang in ("en", "fr", "nl")}
    assert keys["en"] == keys["fr"] == keys["nl"]
    assert len(keys["en"]) > 150


def test_placeholders_are_the_same_in_every_language():
    for key, en in _flat("en").items():
        want = set(re.findall(r"{(\w+)}", en))
        for lang in ("fr", "nl"):
            assert set(re.findall(r"{(\w+)}", _flat(lang)[key])) == want, (lang, key)


def test_translations_are_real_not_copies_of_english():
    en, fr, nl = _flat("en"), _flat("fr"), _flat("nl")
    long_keys = [k for k, v in en.items() if len(v) > 40]
    assert sum(fr[k] == en[k] for k in long_keys) == 0
    assert sum(nl[k] == en[k] for k in long_keys) == 0


@pytest.mark.parametrize("lang", ["en", "fr", "nl"])
def test_no_stigmatising_or_ranking_words(lang):
    text = " ".join(_flat(lang).values()).lower()
    for word in FORBIDDEN[lang]:
        assert word not in text, word


def test_activity_is_labelled_as_not_results_in_every_language():
    assert _flat("en")["report.dose.flag"] == "Activity, not results"
    assert _flat("fr")["report.dose.flag"] == "De l'activité, pas des résultats"
    assert _flat("nl")["report.dose.flag"] == "Inzet, geen resultaten"
