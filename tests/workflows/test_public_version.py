"""The public change index (issue 17 follow-up): withheld where the evaluation cannot tell.

A place too early to be judged (or left uncertain by a robustness check) gets no before/after
index in the public data nor on the page, however many events it counts: read beside "too
recent to be judged yet", a "33 % lower" would be taken for the judgement.
"""

from __future__ import annotations

import datetime as dt
from types import SimpleNamespace as NS

import numpy as np
import pytest

from hotspotwatch.analysis.evaluate.verdict import UNDECIDED
from hotspotwatch.i18n import translate
from hotspotwatch.i18n.public import index_text
from hotspotwatch.workflows.public_version import place_change, public_places


def _evaluation(label: str, before: float = 120.0, after: float = 80.0) -> NS:
    series = NS(exposure=np.ones(24), pre_mask=np.arange(24) < 12)
    verdict = NS(label=label, ci_low_adjusted=0.5, ci_high_adjusted=0.9)
    return NS(treated_pre=before, treated_post=after, series=series, verdict=verdict)


def test_a_judged_place_keeps_its_index() -> None:
    assert place_change(_evaluation("reduction"), 5) == (67, 12.0, 12.0)
    assert place_change(_evaluation("no_detectable_change"), 5)[0] == 67


@pytest.mark.parametrize("label", ["too_early", "uncertain"])
def test_an_undecided_place_has_no_index_even_with_many_events(label: str) -> None:
    index, before, after = place_change(_evaluation(label), 5)
    assert index is None
    assert (before, after) == (12.0, 12.0)  # the months are still reported


def test_the_public_data_leaves_the_index_out_for_too_early_places() -> None:
    sections = [
        NS(name=name, commune="Anderlecht", first_designated=dt.date(2024, 3, 28),
           evaluation=_evaluation(label))
        for name, label in (("Marbotin", "too_early"), ("Clemenceau", "reduction"),
                            ("Yser", "uncertain"))
    ]
    places = {p.name: p for p in public_places(NS(disclosure_k=5, hotspots=sections))}
    assert places["Clemenceau"].to_dict()["index_after"] == 67
    for name in ("Marbotin", "Yser"):
        assert places[name].index_after is None
        assert places[name].to_dict()["index_after"] is None


@pytest.mark.parametrize("lang", ["en", "fr", "nl"])
def test_the_withheld_index_says_why_not_that_events_are_too_few(lang: str) -> None:
    few = translate("public.index.hidden", lang)
    for label in UNDECIDED:
        text = index_text(None, lang, label)
        assert text == translate(f"public.index.{label}", lang)
        assert text != few and "%" not in text
    # a number handed in by mistake is not printed beside an undecided verdict either
    assert "%" not in index_text(67, lang, "too_early")
    assert index_text(None, lang, "reduction") == few
