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


ROSE, FELL, FLAT = (1.3, 1.05, 1.6), (0.8, 0.7, 0.95), (1.0, 0.8, 1.2)
COMBINATIONS = [
    # (place's verdict, buffer against its controls, buffer label)
    ("reduction", ROSE, "displacement"),
    ("reduction", FELL, "diffusion"),
    ("reduction", FLAT, "no_detectable_change"),
    ("no_detectable_change", ROSE, "rise_around"),
    ("no_detectable_change", FELL, "fall_around"),
    ("no_detectable_change", FLAT, "no_detectable_change"),
    ("increase", ROSE, "rise_in_place_and_around"),
    ("increase", FELL, "rise_in_place_fall_around"),
    ("increase", FLAT, "no_detectable_change"),
]


@pytest.mark.parametrize(("place", "buffer", "label"), COMBINATIONS)
def test_buffer_label_reads_the_place_and_its_surroundings(place, buffer, label):
    v = buffer_verdict(*buffer, place=place)
    assert v.label == label and v.subject == "buffer"
    # a buffer change that is not significant after adjustment is no change, whatever the place
    assert buffer_verdict(*buffer, p_value=0.01, p_adjusted=0.2, place=place).label == (
        "no_detectable_change"
    )


def test_buffer_label_without_the_place_never_says_displacement():
    assert buffer_verdict(*ROSE).label == "rise_around"
    assert buffer_verdict(*FELL).label == "fall_around"
    assert buffer_verdict(*FLAT).label == "no_detectable_change"
    with pytest.raises(ValueError, match="place"):
        buffer_verdict(*ROSE, place="displacement")


NOT_DISPLACEMENT = {"en": "this is not displacement", "fr": "il ne s'agit pas d'un déplacement",
                    "nl": "dit is geen verplaatsing"}
NOT_DIFFUSION = {"en": "this is not diffusion of benefits",
                 "fr": "il ne s'agit pas d'une diffusion des bénéfices",
                 "nl": "dit is geen uitstraling van gunstige effecten"}
DISPLACEMENT = {"en": "(displacement)", "fr": "(déplacement)", "nl": "(verplaatsing)"}
DIFFUSION = {"en": "(diffusion of benefits)", "fr": "(diffusion des bénéfices)",
             "nl": "(uitstraling van gunstige effecten)"}


@pytest.mark.parametrize("lang", LANGUAGES)
@pytest.mark.parametrize(("place", "buffer", "label"), COMBINATIONS)
def test_buffer_sentences_name_displacement_only_after_a_fall_in_the_place(
    lang, place, buffer, label
):
    text = verdict_text(buffer_verdict(*buffer, place=place), lang, name="Peterbos",
                        outcome="harm")
    sep = "," if lang != "en" else "."
    assert "Peterbos" in text and f"{buffer[0]:.2f}".replace(".", sep) in text
    assert (DISPLACEMENT[lang] in text) == (label == "displacement")
    assert (DIFFUSION[lang] in text) == (label == "diffusion")
    assert (NOT_DISPLACEMENT[lang] in text) == (label in ("rise_in_place_and_around",
                                                          "rise_around"))
    assert (NOT_DIFFUSION[lang] in text) == (label in ("rise_in_place_fall_around",
                                                       "fall_around"))
    short = catalogs()[lang][f"evaluate.verdict.{label}"]
    assert short.strip() and "_" not in short


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
    plural_forms = (".zero", ".one", ".two", ".few", ".many", ".other")

    def base(key: str) -> str:
        # a plural table flattens to key.one/key.other...; French adds "many", English has none
        return next((key[: -len(f)] for f in plural_forms if key.endswith(f)), key)

    keys = {base(k) for k in cats["en"] if k.startswith("evaluate.")}
    assert len(keys) >= 15
    for lang in LANGUAGES:
        assert keys == {base(k) for k in cats[lang] if k.startswith("evaluate.")}
    for label in ("reduction", "increase", "no_detectable_change"):
        assert f"evaluate.sentence.hotspot.{label}" in keys
    for label in ("displacement", "diffusion", "no_detectable_change",
                  "rise_in_place_and_around", "rise_in_place_fall_around", "rise_around",
                  "fall_around"):
        assert f"evaluate.sentence.buffer.{label}" in keys
        assert f"evaluate.verdict.{label}" in keys


# ---------------------------------------------------------------- issue 16: new labels

POWER = {"en": "had an 80% chance of showing a fall", "fr": "avait 80 % de chances",
         "nl": "had deze vergelijking (de aantallen"}


@pytest.mark.parametrize("lang", LANGUAGES)
def test_minimum_detectable_change_never_contradicts_a_verdict_of_change(lang):
    # issue 16: "reduction" with an estimate of -25 % must not also say that only a fall
    # of 29 % or more could be detected: the planned-power sentence follows no change only
    cut = verdict(0.75, 0.62, 0.9, ci_low_adjusted=0.6, ci_high_adjusted=0.95,
                  min_detectable_ratio=0.71)
    assert cut.label == "reduction"
    text = verdict_text(cut, lang, name="Yser")
    assert POWER[lang] not in text and "29" not in text
    flat = verdict(0.9, 0.62, 1.3, ci_low_adjusted=0.6, ci_high_adjusted=1.35,
                   min_detectable_ratio=0.71)
    text = verdict_text(flat, lang, name="Yser")
    assert flat.label == "no_detectable_change" and POWER[lang] in text and "29" in text
    rise = verdict(1.4, 1.1, 1.8, min_detectable_ratio=0.71)
    assert POWER[lang] not in verdict_text(rise, lang, name="Yser")


@pytest.mark.parametrize("lang", LANGUAGES)
def test_too_early_and_uncertain_sentences(lang):
    from hotspotwatch.analysis.evaluate import downgrade_to_uncertain

    early = verdict(0.5, 0.2, 1.3, too_early="post_months", min_detectable_ratio=0.3)
    text = verdict_text(early, lang, name="Peterbos", post_months=3.25, min_post_months=6)
    short = catalogs()[lang]["evaluate.verdict.too_early"]
    assert short in text and "Peterbos" in text
    assert {"en": "3.2", "fr": "3,2", "nl": "3,2"}[lang] in text  # Babel, one decimal
    assert POWER[lang] not in text
    mdr = verdict(0.5, 0.2, 1.3, too_early="mdr", min_detectable_ratio=0.3)
    assert "70" in verdict_text(mdr, lang, name="Peterbos")  # a fall of 70 % or more
    none = verdict(0.5, 0.2, 1.3, too_early="mdr")
    assert verdict_text(none, lang).endswith(
        catalogs()[lang]["evaluate.reason.mdr_none"])
    u = downgrade_to_uncertain(verdict(0.7, 0.55, 0.9), reason="synthetic_control")
    text = verdict_text(u, lang, name="Peterbos")
    assert catalogs()[lang]["evaluate.reason.synthetic_control"] in text
    assert catalogs()[lang]["evaluate.verdict.uncertain"] in text


@pytest.mark.parametrize("lang", LANGUAGES)
def test_sentence_gives_the_adjusted_interval_and_the_margin(lang):
    v = verdict(0.8, 0.7, 0.92, ci_low_adjusted=0.66, ci_high_adjusted=0.97,
                adjusted_alpha=3 * 0.05 / 17)
    text = verdict_text(v, lang, name="Matongé")
    sep = "." if lang == "en" else ","
    assert f"0{sep}66" in text and f"0{sep}97" in text and f"99{sep}1" in text
    assert catalogs()[lang]["evaluate.sentence.near"] in text
    # no adjustment (one estimate): no second interval
    assert "99" not in verdict_text(verdict(0.8, 0.7, 0.92), lang, name="Matongé")
