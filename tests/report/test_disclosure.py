"""Disclosure rule: counts below k are hidden from the public, never from the council."""

from __future__ import annotations

import math

import numpy as np
import pytest

from hotspotwatch.report.disclosure import Disclosure


def test_public_suppresses_every_count_below_k_including_zero():
    d = Disclosure("public", 5)
    assert [d.suppressed(n) for n in (0, 1, 4, 5, 6, 120)] == [
        True,
        True,
        True,
        False,
        False,
        False,
    ]
    assert d.cell(0, "< 5") == "< 5"
    assert d.cell(4, "< 5") == "< 5"
    assert d.cell(5, "< 5") == "5"


def test_council_shows_every_count():
    d = Disclosure("council", 5)
    assert d.cell(0, "< 5") == "0"
    assert d.cell(3, "< 5") == "3"
    assert not d.public


def test_mask_turns_small_counts_into_nan_for_the_public_only():
    counts = np.array([0, 3, 5, 9])
    pub = Disclosure("public", 5).mask(counts)
    assert np.isnan(pub[:2]).all() and pub[2:].tolist() == [5.0, 9.0]
    assert Disclosure("council", 5).mask(counts).tolist() == [0.0, 3.0, 5.0, 9.0]


def test_change_is_hidden_when_either_count_is_hidden():
    d = Disclosure("public", 5)
    assert d.change(3, 40) == "–"
    assert d.change(40, 3) == "–"
    # 40 -> 50 is +25 %.
    assert d.change(40, 50) == "+25 %"


def test_large_counts_use_a_thin_space_thousands_separator():
    assert Disclosure("public", 5).cell(12345, "< 5") == "12\u202f345"
    assert Disclosure("council", 5).cell(float("nan"), "< 5") == "–"
    assert math.isnan(Disclosure("public", 10).mask([9])[0])


@pytest.mark.parametrize(("audience", "k"), [("press", 5), ("public", 0), ("public", 2.5)])
def test_bad_audience_or_k_is_a_clear_value_error(audience, k):
    with pytest.raises(ValueError, match=r"audience|disclosure k"):
        Disclosure(audience, k)
