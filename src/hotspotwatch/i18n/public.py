"""Sentences of the public version, shared by the public report and the public page.

One sentence per designated place (:func:`place_sentence`), the change index in words
(:func:`index_text`) and the strategy as a whole (:func:`strategy_sentence`): verdicts read
from the adjusted interval, as whole percentages, with no p-value and no statistic's name.
"""

from __future__ import annotations

import math
from typing import Any

from hotspotwatch.analysis.evaluate.verdict import UNDECIDED
from hotspotwatch.i18n import format_number, translate

PLACE_VERDICTS = ("reduction", "increase", "no_detectable_change", "too_early", "uncertain")


def _finite(value: Any) -> float | None:
    try:
        v = float(value)
    except (TypeError, ValueError):
        return None
    return v if math.isfinite(v) else None


def pct_range(lo: float, hi: float, verdict: str, lang: str) -> tuple[str, str]:
    """A rate ratio's interval as two whole percentages of fall (``reduction``) or rise.

    Examples
    --------
    >>> pct_range(0.57, 0.92, "reduction", "en")
    ('8', '43')
    """
    if verdict == "reduction":
        a, b = 100 * (1 - hi), 100 * (1 - lo)
    else:
        a, b = 100 * (lo - 1), 100 * (hi - 1)
    return format_number(max(a, 0.0), lang, digits=0), format_number(max(b, 0.0), lang, digits=0)


def place_sentence(
    name: str, verdict: str | None, ci_low: Any, ci_high: Any, lang: str
) -> str:
    """One sentence for one designated place.

    Examples
    --------
    >>> place_sentence("Yser", "reduction", 0.57, 0.86, "en").replace("\\xa0", " ")
    'Yser: harm fell by between 14 % and 43 % compared with similar areas after designation.'
    >>> place_sentence("Yser", None, None, None, "nl")
    'Yser maakt nog geen deel uit van deze evaluatie.'
    """
    if verdict in ("reduction", "increase"):
        lo, hi = _finite(ci_low), _finite(ci_high)
        if lo is None or hi is None:
            return translate("public.place.no_detectable_change", lang, name=name)
        a, b = pct_range(lo, hi, verdict, lang)
        return translate(f"public.place.{verdict}", lang, name=name, a=a, b=b)
    if verdict in PLACE_VERDICTS:
        return translate(f"public.place.{verdict}", lang, name=name)
    return translate("public.place.not_evaluated", lang, name=name)


def index_text(index: int | None, lang: str, verdict: str | None = None) -> str:
    """``"25 % lower"`` / ``"10 % higher"`` / ``"about the same"`` / too few events, or
    why it is withheld when ``verdict`` is one of
    :data:`~hotspotwatch.analysis.evaluate.verdict.UNDECIDED` (too early, uncertain).

    Examples
    --------
    >>> index_text(75, "fr"), index_text(None, "en")
    ('25\\xa0% de moins', 'too few events to compare')
    >>> index_text(None, "en", "too_early")
    'too early to compare'
    """
    if verdict in UNDECIDED:
        return translate(f"public.index.{verdict}", lang)
    if index is None:
        return translate("public.index.hidden", lang)
    diff = index - 100
    if diff == 0:
        return translate("public.index.same", lang)
    key = "public.index.lower" if diff < 0 else "public.index.higher"
    return translate(key, lang, pct=format_number(abs(diff), lang, digits=0))


def strategy_sentence(evaluation: Any, lang: str) -> str:
    """The strategy as a whole in one sentence (the pooled estimate of a
    :class:`~hotspotwatch.analysis.evaluate.strategy.StrategyEvaluation`, or ``None``)."""
    if evaluation is None or evaluation.pooled is None or evaluation.pooled_verdict is None:
        return translate("public.strategy.not_evaluated", lang)
    label = evaluation.pooled_verdict.label
    if label in ("reduction", "increase"):
        lo, hi = math.exp(evaluation.pooled.ci_low), math.exp(evaluation.pooled.ci_high)
        a, b = pct_range(lo, hi, label, lang)
        return translate(f"public.strategy.{label}", lang, a=a, b=b)
    return translate("public.strategy.no_detectable_change", lang)


__all__ = ["PLACE_VERDICTS", "index_text", "pct_range", "place_sentence", "strategy_sentence"]
