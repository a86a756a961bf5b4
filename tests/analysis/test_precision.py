"""The time-precision rule: which bands and steps the events' precision can resolve."""

from __future__ import annotations

import math

import numpy as np
import pytest

from hotspotwatch.analysis.precision import coarsest, finer_than, finest_band, rank, select
from hotspotwatch.analysis.spacetime.knox import SAME_EDGE


def test_coarsest_and_rank() -> None:
    assert coarsest(["instant", "hour"]) == "hour"
    assert coarsest(["day", "month", "instant"]) == "month"
    assert coarsest([]) == "instant"
    with pytest.raises(ValueError, match="not one of"):
        rank("week")


def test_finest_band_counts_the_same_day_band_as_one_day() -> None:
    assert finest_band([0, 7, 14, 21, math.inf]) == 7
    assert finest_band([0, SAME_EDGE, 7, math.inf]) == 1
    assert finest_band([0, 31, 62, math.inf]) == 31
    assert finest_band([0, math.inf]) == math.inf


@pytest.mark.parametrize(("width", "precision", "finer"), [
    (7, "month", True), (30, "month", True), (31, "month", False), (7, "day", False),
    (1, "day", False), (0.5, "day", True), (0.5, "hour", False), (0.01, "hour", True),
    (0.01, "instant", False),
])
def test_finer_than(width, precision, finer) -> None:  # type: ignore[no-untyped-def]
    assert finer_than(width, precision) is finer


def test_select_drops_coarser_events_and_reports_them() -> None:
    p = np.array(["day", "month", "instant", "month", "hour"], dtype=object)
    f = select(p, "day")
    assert f.keep.tolist() == [True, False, True, False, True]
    assert f.n_dropped == 2 and f.precision == "day" and f.dropped_precision == "month"
    all_kept = select(p, None)
    assert all_kept.keep.all() and all_kept.precision == "month" and all_kept.n_dropped == 0
    assert select(p, "instant").precision == "instant"
