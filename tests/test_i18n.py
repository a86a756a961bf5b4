"""Every text key exists in English, French and Dutch, and templates agree on placeholders.

More detailed checks (per catalogue file, CLDR plural forms, counts): tests/i18n/.
"""

from __future__ import annotations

import string

import pytest

from hotspotwatch.i18n import LANGUAGES, PLURAL_FORMS, catalogs, translate


def _fields(template: str) -> set[str]:
    return {f for _, f, _, _ in string.Formatter().parse(template) if f}


def _by_key(lang: str) -> dict[str, set[str]]:
    """Key (a plural table's forms folded into it) -> placeholders of all its forms."""
    out: dict[str, set[str]] = {}
    for key, template in catalogs()[lang].items():
        base, _, form = key.rpartition(".")
        if form not in PLURAL_FORMS:
            base = key
        out.setdefault(base, set()).update(_fields(template))
        assert template.strip(), f"{lang}:{key} is empty"
    return out


def test_all_languages_have_the_same_keys_and_placeholders() -> None:
    # Plural tables may have more forms in one language (French "many") than in another.
    en = _by_key("en")
    assert en, "no catalogue loaded"
    for lang in LANGUAGES:
        other = _by_key(lang)
        assert set(other) == set(en), f"{lang} keys differ: {set(other) ^ set(en)}"
        for key, fields in other.items():
            assert fields == en[key], f"{lang}:{key} placeholders differ"


def test_translate_formats_and_refuses_unknowns() -> None:
    assert translate("common.suppressed", "fr", k=5) == "moins de 5"
    with pytest.raises(KeyError, match="no nl text"):
        translate("no.such.key", "nl")
    with pytest.raises(ValueError, match="unsupported language"):
        translate("common.yes", "de")
