"""Evaluation of place-based interventions: is each hotspot, and the strategy, working?

One module per family of estimators: ``design`` (treated / buffer / control geometry and
matching), ``did`` (difference-in-differences count panels), ``wdd`` (WDQ and WDD),
``rates`` (exact and E-tests), ``its`` (interrupted time series), ``power`` (minimum
detectable effects), ``pooling`` (random and common effect), ``synth`` (synthetic control with placebo
inference), ``dose`` and ``verdict`` (labels only).
``strategy`` runs them all on plain frames (``evaluate_frames`` -> ``StrategyEvaluation``),
one hotspot at a time (``hotspot``), and keeps the monthly series it counted (``series``).
"""

from hotspotwatch.analysis.evaluate.did import DiDResult, did, did_interval
from hotspotwatch.analysis.evaluate.dose import DoseResponseResult, dose_response
from hotspotwatch.analysis.evaluate.its import ITSResult, interrupted_time_series
from hotspotwatch.analysis.evaluate.pooling import (
    CommonEffectResult,
    PooledResult,
    common_effect,
    random_effects,
)
from hotspotwatch.analysis.evaluate.power import (
    MinDetectableRatioResult,
    MonthsToDetectResult,
    log_irr_variance,
    min_detectable_ratio,
    months_to_detect,
)
from hotspotwatch.analysis.evaluate.rates import (
    RateTestResult,
    conditional_ci,
    etest_pvalue,
    rate_test,
    score_ci,
)
from hotspotwatch.analysis.evaluate.synth import SynthResult, synthetic_control
from hotspotwatch.analysis.evaluate.verdict import (
    LABELS,
    Verdict,
    buffer_verdict,
    downgrade_to_uncertain,
    fcr_alpha,
    near_threshold,
    too_early_reason,
    verdict,
)
from hotspotwatch.analysis.evaluate.wdd import (
    WDDHarmResult,
    WDDResult,
    WDQResult,
    wdd,
    wdd_harm,
    wdd_scaled,
    wdq,
)

__all__ = [
    "LABELS",
    "CommonEffectResult",
    "DiDResult",
    "DoseResponseResult",
    "ITSResult",
    "MinDetectableRatioResult",
    "MonthsToDetectResult",
    "PooledResult",
    "RateTestResult",
    "SynthResult",
    "Verdict",
    "WDDHarmResult",
    "WDDResult",
    "WDQResult",
    "buffer_verdict",
    "common_effect",
    "conditional_ci",
    "did",
    "did_interval",
    "dose_response",
    "downgrade_to_uncertain",
    "etest_pvalue",
    "fcr_alpha",
    "interrupted_time_series",
    "log_irr_variance",
    "min_detectable_ratio",
    "months_to_detect",
    "near_threshold",
    "random_effects",
    "rate_test",
    "score_ci",
    "synthetic_control",
    "too_early_reason",
    "verdict",
    "wdd",
    "wdd_harm",
    "wdd_scaled",
    "wdq",
]
