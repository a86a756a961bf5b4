"""One vocabulary across the report and the dashboard, per language.

``i18n/catalogs/glossary.toml`` names one term per concept (harm, police activity,
prevention, designated place, perimeter, buffer ring, comparison areas, rate ratio,
verdict...) and lists the synonyms no text may use ("Atteintes" beside "faits de nuisance",
"Schade" beside "schadelijke feiten", "Handhaving" beside "Politie-inzet"). Checked on every
catalogue value, then on the rendered texts: the renewal report's HTML (council and public)
and the dashboard's pages with the texts their scripts show, in French and Dutch.
"""

from __future__ import annotations

import html
import json
import re
import tomllib
from importlib import resources

import pytest

from hotspotwatch.i18n import LANGUAGES, catalogs, translate

GLOSSARY = tomllib.loads(
    (resources.files("hotspotwatch.i18n") / "catalogs" / "glossary.toml").read_text(encoding="utf-8")
)
FORBIDDEN: dict[str, dict[str, list[str]]] = GLOSSARY["forbidden"]


def _hits(text: str, lang: str) -> list[str]:
    found = []
    for concept, patterns in FORBIDDEN.get(lang, {}).items():
        for pattern in patterns:
            for m in re.finditer(rf"(?<![\w-]){pattern}(?![\w-])", text, flags=re.IGNORECASE):
                around = text[max(0, m.start() - 40) : m.end() + 40].replace("\n", " ")
                found.append(f"{concept}: {m.group(0)!r} in …{around}…")
    return found


def _cap(text: str) -> str:
    return text[:1].upper() + text[1:]


def test_the_glossary_names_every_concept_in_every_language_and_uses_no_forbidden_word():
    concepts = {k for k in catalogs()["en"] if k.startswith("glossary.")}
    assert {"glossary.harm", "glossary.enforcement", "glossary.prevention",
            "glossary.designated_place", "glossary.perimeter", "glossary.buffer_ring",
            "glossary.comparison_areas", "glossary.rate_ratio", "glossary.verdict"} <= concepts
    for lang in LANGUAGES:
        for key in concepts:
            assert not _hits(translate(key, lang), lang), (lang, key)
    assert set(FORBIDDEN) == set(LANGUAGES)


def test_the_review_synonyms_are_forbidden():
    assert _hits("Atteintes par mois", "fr") and _hits("faits de nuisance et de violence", "fr")
    assert _hits("Schade", "nl") and _hits("schadelijke feiten", "nl")
    assert _hits("Handhaving (politieactiviteit)", "nl") and _hits("rate ratio's", "nl")
    assert not _hits("identiteitscontroles", "nl")  # whole words only
    assert not _hits("HotspotWatch 0.1.0", "fr")


@pytest.mark.parametrize("lang", LANGUAGES)
def test_no_catalogue_value_uses_a_forbidden_synonym(lang):
    # A cited work keeps its own title (keys ending in "_ref").
    bad = [
        f"{key}: {hit}"
        for key, value in catalogs()[lang].items()
        if not key.endswith("_ref")
        for hit in _hits(value, lang)
    ]
    assert not bad, bad


@pytest.mark.parametrize("lang", LANGUAGES)
def test_report_and_dashboard_name_each_concept_with_the_glossary_term(lang):
    g = {k.removeprefix("glossary."): v for k, v in catalogs()[lang].items() if k.startswith("glossary.")}
    t = catalogs()[lang]
    # police activity and prevention: the report's dose table and the dashboard's chart
    assert t["report.dose.role.enforcement"] == t["web.hotspot.enforcement"] == _cap(g["enforcement"])
    assert t["report.dose.role.prevention"] == t["web.hotspot.prevention"] == _cap(g["prevention"])
    assert t["role.enforcement"].startswith(g["enforcement"])
    assert t["role.prevention"].startswith(g["prevention"])
    # harm: the dashboard series, the role and the outcome
    assert t["web.hotspot.harm"].startswith(_cap(g["harm_events"]))
    assert t["role.harm"] == t["outcome.harm"] == g["harm"] or lang == "en"
    assert g["harm_events"] in t["report.category.harm"].lower()
    # places, perimeter, ring, comparison areas
    assert t["web.strategy.hotspot"] == t["web.title.hotspot"] == _cap(g["designated_place"])
    assert t["web.map.hotspots"] == t["web.strategy.table"] == _cap(g["designated_places"])
    assert t["report.area.treated"] == t["report.map.perimeter"] == _cap(g["perimeter"])
    assert t["report.effect.buffer"] == _cap(g["buffer_ring"])
    assert t["report.area.control"] == _cap(g["comparison_areas"])
    assert t["report.map.controls"] == t["report.chart.control"] == g["comparison_areas"]
    # rate ratio and verdict labels: the same words in the report and the dashboard
    assert g["rate_ratio"] in t["web.hotspot.irr"].lower()
    assert g["rate_ratio"] in t["report.effect.irr"].lower()
    for label in ("reduction", "no_detectable_change", "increase", "too_early", "uncertain"):
        assert t[f"report.verdict.{label}"] == _cap(t[f"evaluate.verdict.{label}"]), label
    assert t["evaluate.verdict.displacement"] == g["displacement"]
    assert t["evaluate.verdict.diffusion"] == g["diffusion"]


def test_report_css_writes_no_text_in_capitals():
    # "ACTIVITÉ, PAS RÉSULTATS": capitals drawn by CSS shout in French and Dutch headings.
    css = (resources.files("hotspotwatch.report") / "templates" / "report.css").read_text()
    assert "uppercase" not in css


def _json_texts(m: re.Match[str]) -> str:
    # The texts a page's scripts show: the values of its JSON block, not its keys.
    data = json.loads(m.group(1))
    return " \n".join(str(v) for v in data.values()) if isinstance(data, dict) else " "


def _visible(page: str) -> str:
    """The words a reader sees: text between tags and the texts handed to the scripts."""
    page = re.sub(r"<style\b.*?</style>", " ", page, flags=re.S)
    # Not wording: the cited works' own titles and the runs' parameter names (code).
    page = re.sub(r'<ol class="refs">.*?</ol>', " ", page, flags=re.S)
    page = re.sub(r'<td class="mono[^"]*">.*?</td>', " ", page, flags=re.S)
    page = re.sub(r"data:[\w/+.-]+;base64,[A-Za-z0-9+/=]+", " ", page)
    page = re.sub(r"<script[^>]*application/json[^>]*>(.*?)</script>", _json_texts, page, flags=re.S)
    page = re.sub(r"<script[^>]*>.*?</script>", " ", page, flags=re.S)
    page = re.sub(r"<[^>]+>", " ", page)
    return html.unescape(page)


def _plural_noun_after_one(text: str, lang: str) -> list[str]:
    nouns = {
        "en": ["months", "days", "events", "places", "pairs", "years", "clusters", "cells"],
        "fr": ["groupes", "faits", "lieux", "jours", "paires", "ans", "cellules", "doublons"],
        "nl": ["maanden", "dagen", "feiten", "plaatsen", "paren", "clusters", "cellen"],
    }[lang]
    return re.findall(rf"(?<![\d,.\w])1[ \u00a0\u202f](?:{'|'.join(nouns)})\b", text)


@pytest.fixture(scope="module")
def renewal_pages(renewal_workspace) -> dict[tuple[str, str], str]:
    from hotspotwatch.report.builders import renewal_html
    from hotspotwatch.report.public import public_html
    from hotspotwatch.workflows.public_version import gather_public
    from hotspotwatch.workflows.report import gather_renewal

    from .conftest import UNTIL

    data = gather_renewal(renewal_workspace, until=UNTIL)
    pub = gather_public(renewal_workspace, data)  # the public version has its own layout
    return {
        (lang, audience): _visible(
            renewal_html(data, lang=lang, audience=audience) if audience == "council"
            else public_html(pub, lang=lang)
        )
        for lang in LANGUAGES
        for audience in ("council", "public")
    }


@pytest.fixture(scope="module")
def dashboard_pages(renewal_workspace) -> dict[str, str]:
    from fastapi.testclient import TestClient

    from hotspotwatch.web import create_app

    out = {}
    with TestClient(create_app(renewal_workspace), base_url="http://testserver") as client:
        for lang in LANGUAGES:
            pages = []
            for path in ("/login", "/public", "/map", "/strategy", "/hotspots/1"):
                r = client.get(path, params={"lang": lang})
                assert r.status_code == 200, (path, r.status_code)
                pages.append(_visible(r.text))
            out[lang] = "\n".join(pages)
    return out


@pytest.mark.slow
@pytest.mark.parametrize("lang", LANGUAGES)
@pytest.mark.parametrize("audience", ["council", "public"])
def test_the_rendered_report_uses_one_vocabulary(renewal_pages, lang, audience):
    text = renewal_pages[(lang, audience)]
    assert len(text) > 5000
    assert not _hits(text, lang)
    assert not _plural_noun_after_one(text, lang)
    if lang != "en":
        # the workspace's name in the reader's language, never the English one
        assert "Brussels-Capital Region" not in text
        name = renewal_pages[(lang, audience)]
        assert {"fr": "Région de Bruxelles-Capitale", "nl": "Brussels Hoofdstedelijk Gewest"}[lang] in name


@pytest.mark.slow
@pytest.mark.parametrize("lang", LANGUAGES)
def test_the_dashboard_uses_the_same_vocabulary_as_the_report(dashboard_pages, renewal_pages, lang):
    text = dashboard_pages[lang]
    assert not _hits(text, lang)
    g = {k.removeprefix("glossary."): v for k, v in catalogs()[lang].items() if k.startswith("glossary.")}
    both = text.lower(), renewal_pages[(lang, "council")].lower()
    for concept in ("harm_events", "enforcement", "prevention", "designated_places", "perimeter"):
        assert all(g[concept].lower() in page for page in both), concept
    if lang != "en":
        assert "Brussels-Capital Region" not in text
