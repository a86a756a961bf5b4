"""Every text key exists in English, French and Dutch, and templates agree on placeholders."""

from __future__ import annotations

import string

import pytest

from hotspotwatch.i18n import LANGUAGES, catalogs, translate


def _fields(template: str) -> set[str]:
    return {f for _, f, _, _ in string.Formatter().parse(template) if f}


def test_all_languages_have_the_same_keys_and_placeholders() -> None:
    cats = catalogs()
    en = cats["en"]
    assert en, "no catalogue loaded"
    for lang in LANGUAGES:
        assert set(cats[lang]) == set(en), f"{lang} keys differ: {set(cats[lang]) ^ set(en)}"
        for key, template in cats[lang].items():
            assert _fields(template) == _fields(en[key]), f"{lang}:{key} placeholders differ"
            assert template.strip(), f"{lang}:{key} is empty"


def test_translate_formats_and_refuses_unknowns() -> None:
    assert translate("common.suppressed", "fr", k=5) == "moins de 5"
    with pytest.raises(KeyError, match="no nl text"):
        translate("no.such.key", "nl")
    with pytest.raises(ValueError, match="unsupported language"):
        translate("common.yes", "de")
