"""Verdict rules (analysis) and their sentences in three languages (i18n.verdicts)."""

import math

import pytest

from hotspotwatch.analysis.evaluate import buffer_verdict, verdict
from hotspotwatch.i18n import LANGUAGES, catalogs
from hotspotwatch.i18n.verdicts import verdict_text


def test_labels_follow_interval_and_adjusted_p():
    assert verdict(0.7, 0.55, 0.9).label == "reduction"
    assert verdict(1.4, 1.1, 1.8).label == "increase"
    assert verdict(0.9, 0.7, 1.15).label == "no_detectable_change"
    # significant before adjustment, not after FDR: no verdict of change
    assert verdict(0.7, 0.55, 0.9, p_value=0.01, p_adjusted=0.08).label == "no_detectable_change"
    assert verdict(0.7, 0.55, 0.9, p_value=0.01, p_adjusted=0.03).label == "reduction"
    assert verdict(math.nan, math.nan, math.nan).label == "no_detectable_change"


def test_buffer_labels():
    assert buffer_verdict(1.3, 1.05, 1.6).label == "displacement"
    assert buffer_verdict(0.8, 0.7, 0.95).label == "diffusion"
    assert buffer_verdict(1.0, 0.8, 1.2).label == "no_detectable_change"


@pytest.mark.parametrize("lang", LANGUAGES)
def test_no_change_text_states_estimate_interval_and_power(lang):
    v = verdict(0.92, 0.71, 1.19, min_detectable_ratio=0.62)
    text = verdict_text(v, lang, name="Peterbos")
    sep = "," if lang != "en" else "."
    assert "Peterbos" in text
    assert f"0{sep}92" in text and f"0{sep}71" in text and f"1{sep}19" in text
    assert f"0{sep}62" in text and "38" in text
    none = verdict_text(verdict(0.92, 0.3, 2.5), lang, name="X")
    assert none.endswith(
        {"en": "near elimination.", "fr": "quasi-disparition.", "nl": "bijna verdwijnen."}[lang]
    )


def test_every_evaluate_key_in_all_languages():
    cats = catalogs()
    keys = {k for k in cats["en"] if k.startswith("evaluate.")}
    assert len(keys) >= 15
    for lang in LANGUAGES:
        assert keys == {k for k in cats[lang] if k.startswith("evaluate.")}
    for label in ("reduction", "increase", "no_detectable_change"):
        assert f"evaluate.sentence.hotspot.{label}" in keys
    for label in ("displacement", "diffusion", "no_detectable_change"):
        assert f"evaluate.sentence.buffer.{label}" in keys
