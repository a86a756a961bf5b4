"""Verdicts in words: one sentence per verdict, in English, French or Dutch.

The evaluation stores labels and numbers (:class:`hotspotwatch.analysis.evaluate.Verdict`);
the CLI, the report and the dashboard write the sentences with :func:`verdict_text`.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

from hotspotwatch.i18n import LANGUAGES, translate

if TYPE_CHECKING:
    from hotspotwatch.analysis.evaluate.strategy import StrategyEvaluation
    from hotspotwatch.analysis.evaluate.verdict import Verdict


def _fmt(value: float, lang: str) -> str:
    if not math.isfinite(value):
        return "∞" if value > 0 else "–"
    text = f"{value:.2f}"
    return text.replace(".", ",") if lang in ("fr", "nl") else text


def strategy_name(lang: str = "en") -> str:
    """The name the pooled verdict speaks of ("The strategy (all hotspots)")."""
    return translate("evaluate.strategy", lang)


def verdict_text(v: Verdict, lang: str = "en", *, name: str = "", outcome: str = "harm") -> str:
    """One sentence stating the verdict with its estimate and interval.

    Parameters
    ----------
    v : Verdict
        The verdict (label, estimate, interval, minimum detectable ratio, level).
    lang : {"en", "fr", "nl"}
        Language.
    name : str
        Place name (hotspot, or :func:`strategy_name` for the pooled verdict).
    outcome : str
        Outcome label, already in ``lang``
        (:func:`hotspotwatch.domain.taxonomy.outcome_label`).

    Returns
    -------
    str

    Examples
    --------
    >>> from hotspotwatch.analysis.evaluate import verdict
    >>> verdict_text(verdict(0.7, 0.55, 0.9), "en", name="Clemenceau")
    'Clemenceau: reduction in harm, rate ratio 0.70 (95% CI 0.55–0.90), about 30% fewer events than expected.'
    """
    level = f"{100 * (1 - v.alpha):.0f}"
    params = {
        "name": name,
        "outcome": outcome,
        "irr": _fmt(v.irr, lang),
        "lo": _fmt(v.ci_low, lang),
        "hi": _fmt(v.ci_high, lang),
        "level": level,
        "pct": f"{abs(1 - v.irr) * 100:.0f}" if math.isfinite(v.irr) else "–",
    }
    sentence = translate(f"evaluate.sentence.{v.subject}.{v.label}", lang, **params)
    if v.label == "no_detectable_change" and v.subject == "hotspot":
        if math.isfinite(v.min_detectable_ratio):
            mdr = v.min_detectable_ratio
            sentence += " " + translate(
                "evaluate.sentence.power",
                lang,
                mdr=_fmt(mdr, lang),
                mdr_pct=f"{(1 - mdr) * 100:.0f}",
            )
        elif not math.isnan(v.irr):
            sentence += " " + translate("evaluate.sentence.power_none", lang)
    return sentence


def with_verdict_texts(res: StrategyEvaluation) -> dict[str, Any]:
    """``res.to_dict()`` plus ``verdict_text`` (en, fr, nl) beside every verdict.

    The stored result has labels and numbers only; ``hotspotwatch evaluate --json`` and the
    demo's ``evaluation.json`` add the sentences with this, so their keys stay.
    """
    from hotspotwatch.domain.taxonomy import outcome_label

    data = res.to_dict()
    for h, out in zip(res.hotspots, data["hotspots"], strict=True):
        out["verdict_text"] = {
            lang: verdict_text(
                h.verdict, lang, name=h.name, outcome=outcome_label(h.outcome, lang)
            )
            for lang in LANGUAGES
        }
        out["buffer"]["verdict_text"] = {
            lang: verdict_text(
                h.buffer_verdict, lang, name=h.name, outcome=outcome_label(h.outcome, lang)
            )
            for lang in LANGUAGES
        }
    if data["pooled"] is not None and res.pooled_verdict is not None:
        outcome = res.hotspots[0].outcome if res.hotspots else "harm"
        data["pooled"]["verdict_text"] = {
            lang: verdict_text(
                res.pooled_verdict,
                lang,
                name=strategy_name(lang),
                outcome=outcome_label(outcome, lang),
            )
            for lang in LANGUAGES
        }
    return data


__all__ = ["strategy_name", "verdict_text", "with_verdict_texts"]
