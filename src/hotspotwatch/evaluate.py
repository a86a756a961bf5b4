"""Public evaluation API.

>>> from hotspotwatch.evaluate import wdq, wdd, rate_test, min_detectable_ratio
>>> round(rate_test(5, 12, 15, 12).rate_ratio, 3)
0.333

``evaluate_frames`` (the whole evaluation on plain frames) and its result types come from
:mod:`hotspotwatch.analysis.evaluate.strategy`. ``evaluate_strategy`` (the workflow on a
workspace) lives in :mod:`hotspotwatch.workflows.evaluate` and is re-exported here lazily, so
that importing the estimators never pulls in the store.
"""

from __future__ import annotations

from typing import Any

from hotspotwatch.analysis.evaluate import (
    DiDResult,
    DoseResponseResult,
    ITSResult,
    MinDetectableRatioResult,
    MonthsToDetectResult,
    PooledResult,
    RateTestResult,
    Verdict,
    WDDHarmResult,
    WDDResult,
    WDQResult,
    buffer_verdict,
    did,
    dose_response,
    interrupted_time_series,
    min_detectable_ratio,
    months_to_detect,
    random_effects,
    rate_test,
    verdict,
    wdd,
    wdd_harm,
    wdq,
)
from hotspotwatch.analysis.evaluate.strategy import (
    HotspotEvaluation,
    StrategyEvaluation,
    evaluate_frames,
)

its = interrupted_time_series
pooled = random_effects

__all__ = [
    "DiDResult",
    "DoseResponseResult",
    "HotspotEvaluation",
    "ITSResult",
    "MinDetectableRatioResult",
    "MonthsToDetectResult",
    "PooledResult",
    "RateTestResult",
    "StrategyEvaluation",
    "Verdict",
    "WDDHarmResult",
    "WDDResult",
    "WDQResult",
    "buffer_verdict",
    "did",
    "dose_response",
    "evaluate_frames",
    "evaluate_strategy",  # noqa: F822  (lazy, see __getattr__)
    "interrupted_time_series",
    "its",
    "min_detectable_ratio",
    "months_to_detect",
    "pooled",
    "random_effects",
    "rate_test",
    "verdict",
    "wdd",
    "wdd_harm",
    "wdq",
]


def __getattr__(name: str) -> Any:
    if name in ("evaluate_strategy", "evaluation_spec"):
        import importlib

        return getattr(importlib.import_module("hotspotwatch.workflows.evaluate"), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
