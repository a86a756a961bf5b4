"""The catalogues: same keys and placeholders in every language, CLDR plural tables, and no
count written into a fixed template ("1 groupes", "1 maanden", "1 pairs").

Plural categories are Babel's (CLDR); the check renders every plural key at n = 0, 1, 1.5, 2
and 1,000,000 and compares the form it took with the form CLDR gives that number.
"""

from __future__ import annotations

import re
import string
import tomllib
from importlib import resources

import pytest
from babel import Locale

from hotspotwatch.i18n import (
    LANGUAGES,
    LOCALES,
    PLURAL_FORMS,
    catalogs,
    plural,
    plural_form,
    translate,
)

FILES = sorted(
    [e for e in (resources.files("hotspotwatch.i18n") / "catalogs").iterdir() if e.name.endswith(".toml")]
    + [resources.files("hotspotwatch.domain") / "labels.toml"],
    key=lambda e: e.name,
)


def _fields(template: str) -> set[str]:
    return {f for _, f, _, _ in string.Formatter().parse(template) if f}


def _flatten(table: dict, prefix: str = "") -> dict[str, object]:
    """Dotted keys down to a text or a plural table (a dict of CLDR forms)."""
    out: dict[str, object] = {}
    for key, value in table.items():
        full = f"{prefix}{key}"
        if isinstance(value, dict) and not (set(value) <= set(PLURAL_FORMS) and "other" in value):
            out.update(_flatten(value, full + "."))
        else:
            out[full] = value
    return out


def _entries(lang: str) -> dict[str, object]:
    merged: dict[str, object] = {}
    for entry in FILES:
        merged.update(_flatten(tomllib.loads(entry.read_text(encoding="utf-8")).get(lang, {})))
    return merged


ENTRIES = {lang: _entries(lang) for lang in LANGUAGES}
PLURAL_KEYS = sorted(k for k, v in ENTRIES["en"].items() if isinstance(v, dict))


def _forms(value: object) -> dict[str, str]:
    return value if isinstance(value, dict) else {"": value}  # type: ignore[return-value]


@pytest.mark.parametrize("entry", FILES, ids=lambda e: e.name)
def test_each_file_defines_the_same_keys_in_every_language(entry):
    # Per file, so that a key added to one file in English only cannot hide behind another
    # file's French.
    data = tomllib.loads(entry.read_text(encoding="utf-8"))
    keys = {lang: set(_flatten(data.get(lang, {}))) for lang in LANGUAGES}
    assert keys["en"], f"{entry.name} has no English table"
    for lang in ("fr", "nl"):
        assert keys[lang] == keys["en"], (entry.name, lang, keys[lang] ^ keys["en"])


@pytest.mark.parametrize("lang", ["fr", "nl"])
def test_every_key_has_the_same_kind_and_placeholders_as_english(lang):
    for key, en in ENTRIES["en"].items():
        other = ENTRIES[lang][key]
        assert isinstance(other, dict) == isinstance(en, dict), f"{lang}:{key}: plural in one language only"
        want = set().union(*(_fields(t) for t in _forms(en).values()))
        got = set().union(*(_fields(t) for t in _forms(other).values()))
        assert got == want, f"{lang}:{key} placeholders {sorted(got)} != en {sorted(want)}"
        for form, text in _forms(other).items():
            assert text.strip(), f"{lang}:{key}.{form} is empty"


@pytest.mark.parametrize("lang", LANGUAGES)
def test_every_form_of_a_plural_table_uses_only_the_tables_placeholders(lang):
    for key in PLURAL_KEYS:
        forms = _forms(ENTRIES[lang][key])
        union = set().union(*(_fields(t) for t in forms.values()))
        assert "n" in union or any("{" in t for t in forms.values()), key
        assert set(forms) <= set(PLURAL_FORMS), (lang, key, set(forms) - set(PLURAL_FORMS))


@pytest.mark.parametrize("lang", LANGUAGES)
def test_plural_tables_have_every_form_cldr_gives_the_language(lang):
    needed = set(Locale.parse(LOCALES[lang]).plural_form.tags) | {"other"}
    assert "one" in needed
    if lang == "fr":
        assert "many" in needed  # CLDR 38+: "1 million de", the form of 10^6 in French
    assert PLURAL_KEYS, "no plural table found"
    for key in PLURAL_KEYS:
        have = set(_forms(ENTRIES[lang][key]))
        assert needed <= have, f"{lang}:{key} lacks {sorted(needed - have)}"


def _dummy(key: str, lang: str) -> dict[str, str]:
    table = _forms(ENTRIES[lang][key])
    return {f: f"<{f}>" for t in table.values() for f in _fields(t) if f != "n"}


def _noun_after_count(text: str) -> str | None:
    m = re.search(r"\{n\}[ \u00a0\u202f](\w+)", text)
    return m.group(1) if m else None


@pytest.mark.parametrize("lang", LANGUAGES)
@pytest.mark.parametrize("n", [0, 1, 1.5, 2, 1_000_000])
def test_every_plural_key_renders_the_form_cldr_gives_n(lang, n):
    for key in PLURAL_KEYS:
        table = _forms(ENTRIES[lang][key])
        form = str(Locale.parse(LOCALES[lang]).plural_form(abs(n)))
        assert form == plural_form(n, lang)
        params = _dummy(key, lang)
        text = plural(key, n, lang, **params)
        expect = table.get(form, table["other"]).format(n="\x00", **params)
        assert text == expect.replace("\x00", _n(n, lang)), (lang, key, n)


def _n(n: float, lang: str) -> str:
    from hotspotwatch.i18n import format_number

    return format_number(n, lang, digits=None)


@pytest.mark.parametrize("lang", LANGUAGES)
def test_no_plural_key_reads_1_with_a_plural_noun(lang):
    # "1 groupes", "1 maanden", "1 pairs": at n = 1 the text must not carry the noun that
    # follows {n} in the "other" form when the "one" form uses another word.
    for key in PLURAL_KEYS:
        table = _forms(ENTRIES[lang][key])
        many, one = _noun_after_count(table["other"]), _noun_after_count(table["one"])
        text_1 = plural(key, 1, lang, **_dummy(key, lang))
        text_2 = plural(key, 2, lang, **_dummy(key, lang))
        if many and one and many != one:
            assert not re.search(rf"\b1[ \u00a0\u202f]{many}\b", text_1), (lang, key, text_1)
            assert re.search(rf"\b2[ \u00a0\u202f]{many}\b", text_2), (lang, key, text_2)


#: Placeholders in fixed templates that are followed by a plural noun, with why n >= 2.
#: ``{k}`` anywhere is the disclosure threshold: its sentences say what is hidden below k,
#: and with k = 1 nothing is hidden (the default and the demo use k = 5).
FIXED_COUNT_PLACEHOLDERS_OK = {"k"}
FIXED_COUNT_OK = {
    # a capped events layer: shown is the cap (thousands of points) and total exceeds it
    ("web.map.capped", "shown"),
    ("web.map.capped", "total"),
}


def _plural_nouns(lang: str) -> set[str]:
    """Nouns that change with the count: the word after {n} in "other" when "one" differs."""
    nouns = set()
    for key in PLURAL_KEYS:
        table = _forms(ENTRIES[lang][key])
        many, one = _noun_after_count(table["other"]), _noun_after_count(table["one"])
        if many and many != one:
            nouns.add(many)
    return nouns


@pytest.mark.parametrize("lang", LANGUAGES)
def test_no_fixed_template_writes_a_count_before_a_plural_noun(lang):
    # "{n} mois", "{days} days", "{n} pairs" in a template with one form reads "1 days":
    # such a text must be a plural table (or take the phrase from common.n_*).
    nouns = _plural_nouns(lang)
    assert {"en": "days", "fr": "jours", "nl": "dagen"}[lang] in nouns
    bad = []
    for key, value in ENTRIES[lang].items():
        if isinstance(value, dict):
            continue
        for m in re.finditer(r"\{(\w+)\}[ \u00a0\u202f](\w+)", value):
            if m.group(1) in FIXED_COUNT_PLACEHOLDERS_OK or (key, m.group(1)) in FIXED_COUNT_OK:
                continue
            if m.group(2) in nouns:
                bad.append(f"{key}: {m.group(0)}")
    assert not bad, bad


def test_translate_reads_a_plural_table_given_a_number_and_refuses_a_text():
    assert translate("common.n_days", "fr", n=1) == "1 jour"
    assert translate("common.n_days", "nl", n=2) == "2 dagen"
    assert translate("common.n_events", "fr", n=1234) == "1\u202f234 faits"
    with pytest.raises(KeyError, match="plural table"):
        translate("common.n_days", "en", n="3")


@pytest.mark.parametrize(
    ("key", "n", "lang", "text"),
    [
        ("report.regional.straddling", 1, "fr", "1 groupe de cellules chaudes chevauche"),
        ("report.regional.straddling", 2, "nl", "2 clusters van hotspotcellen liggen"),
        ("spacetime.knox.same_place_day", 1, "en", "1 pair is at the same place"),
        ("spacetime.knox.duplicates", 1, "nl", "1 exact dubbel record"),
        ("common.n_months", 1, "nl", "1 maand"),
        ("common.n_months", 1, "fr", "1 mois"),
        ("common.n_days", 1.5, "fr", "1,5 jour"),
        ("common.n_days", 1.5, "en", "1.5 days"),
    ],
)
def test_counts_of_the_defects_the_review_found_now_agree(key, n, lang, text):
    assert plural(key, n, lang, pairs="x", min="day").startswith(text)


def test_catalogues_cover_every_language_of_the_package():
    assert set(LANGUAGES) == set(LOCALES) == {"en", "fr", "nl"}
    assert all(catalogs()[lang] for lang in LANGUAGES)


#: Keys a module builds from a value rather than writing out: the prefix it writes, the
#: module (``web.map.shape_{shape}``: the map layer's caption, routers/maplayer.py).
DYNAMIC_KEYS = {"web.map.shape_": "web/routers/maplayer.py"}


def test_every_dashboard_map_and_public_page_key_is_used():
    """No ``web.map.*`` or ``web.public.*`` text is left over from an older page: each is
    written out in a module, template or script of the package (a plural table by its own
    key), or built by one of :data:`DYNAMIC_KEYS`."""
    from pathlib import Path

    import hotspotwatch

    root = Path(hotspotwatch.__file__).parent
    sources = "\n".join(
        p.read_text(encoding="utf-8")
        for p in root.rglob("*")
        if p.suffix in (".py", ".js", ".html", ".j2")
    )
    for prefix, module in DYNAMIC_KEYS.items():
        assert prefix in (root / module).read_text(encoding="utf-8")
    keys = {k for k in catalogs()["en"] if k.startswith(("web.map.", "web.public."))}
    assert keys
    bases = {re.sub(r"\.(zero|one|two|few|many|other)$", "", k) for k in keys}
    unused = sorted(
        k for k in bases
        if not re.search(re.escape(k) + r"(?![\w.])", sources)
        and not k.startswith(tuple(DYNAMIC_KEYS))
    )
    assert unused == []
