"""One disclosure rule: the report and the public web pages hide the same counts."""

from __future__ import annotations

import math

import numpy as np
import pytest

from hotspotwatch.domain import disclosure
from hotspotwatch.domain.disclosure import Disclosure, is_suppressed, suppress, suppressed_mask


@pytest.mark.parametrize("k", [1, 5, 10])
def test_every_count_below_k_is_hidden_zero_included(k: int) -> None:
    counts = list(range(0, 3 * k))
    assert [is_suppressed(c, k) for c in counts] == [c < k for c in counts]
    assert [suppress(c, k) for c in counts] == [None if c < k else c for c in counts]
    assert suppressed_mask(np.array(counts, float), k).tolist() == [c < k for c in counts]


def test_not_a_count_is_left_to_the_caller() -> None:
    assert not is_suppressed(None, 5) and not is_suppressed(math.nan, 5)
    assert suppressed_mask([math.nan, 2.0, 7.0], 5).tolist() == [False, True, False]


def test_report_and_web_apply_the_same_rule() -> None:
    from hotspotwatch.report import disclosure as report_disclosure
    from hotspotwatch.workflows import web as web_wf

    assert report_disclosure.Disclosure is Disclosure
    assert web_wf.suppress is disclosure.suppress
    public = Disclosure("public", 5)
    for c in range(12):
        assert public.suppressed(c) == (web_wf.suppress(c, 5) is None)
        assert public.shown(c) == web_wf.suppress(c, 5)
    masked = public.mask(range(12))
    assert [math.isnan(v) for v in masked] == [web_wf.suppress(c, 5) is None for c in range(12)]
    assert Disclosure("council", 5).shown(0) == 0  # the council sees every count
