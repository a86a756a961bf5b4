"""Verdicts in words: one sentence per verdict, in English, French or Dutch.

The evaluation stores labels and numbers (:class:`hotspotwatch.analysis.evaluate.Verdict`);
the CLI, the report and the dashboard write the sentences with :func:`verdict_text`.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

from hotspotwatch.i18n import LANGUAGES, catalogs, format_number, plural, translate

if TYPE_CHECKING:
    from hotspotwatch.analysis.evaluate.strategy import StrategyEvaluation
    from hotspotwatch.analysis.evaluate.verdict import Verdict


def _fmt(value: float, lang: str) -> str:
    if not math.isfinite(value):
        return "∞" if value > 0 else "–"
    return format_number(value, lang, digits=2)


def _pct(value: float, lang: str) -> str:
    return format_number(value, lang, digits=0) if math.isfinite(value) else "–"


def strategy_name(lang: str = "en") -> str:
    """The name the pooled verdict speaks of ("The strategy (all hotspots)")."""
    return translate("evaluate.strategy", lang)


def _adjusted_differs(v: Verdict) -> bool:
    a = v.adjusted_alpha
    return math.isfinite(a) and abs(a - v.alpha) > 1e-12


def verdict_text(
    v: Verdict,
    lang: str = "en",
    *,
    name: str = "",
    outcome: str = "harm",
    post_months: float | None = None,
    min_post_months: float | None = None,
) -> str:
    """One sentence stating the verdict with its estimate and intervals.

    Parameters
    ----------
    v : Verdict
        The verdict (label, estimate, intervals, minimum detectable ratio, level, reason).
    lang : {"en", "fr", "nl"}
        Language.
    name : str
        Place name (hotspot, or :func:`strategy_name` for the pooled verdict).
    outcome : str
        Outcome label, already in ``lang``
        (:func:`hotspotwatch.domain.taxonomy.outcome_label`).
    post_months, min_post_months : float, optional
        Months after designation and the too-early bound (for a place too early on
        ``"post_months"``).

    Returns
    -------
    str

    Notes
    -----
    When the interval the verdict is read from is adjusted for testing many places, the
    sentence gives it beside the unadjusted one. The minimum detectable change is the
    change the comparison had an 80 % chance of detecting, fixed by the counts before
    designation and the months after (the design, before the outcome was seen). It is
    said only after "no detectable change" (and, as the reason, for a place too early to
    judge): beside a verdict of change it would read as a contradiction ("a fall of 25 %"
    and "only a fall of 29 % or more could be detected").

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
        "pct": _pct(abs(1 - v.irr) * 100, lang) if math.isfinite(v.irr) else "–",
    }
    label = v.label
    sentence = translate(f"evaluate.sentence.{v.subject}.{label}", lang, **params)
    if _adjusted_differs(v):
        sentence += " " + translate(
            "evaluate.sentence.adjusted",
            lang,
            level=format_number(100 * (1 - v.adjusted_alpha), lang, digits=1),
            lo=_fmt(v.ci_low_adjusted, lang),
            hi=_fmt(v.ci_high_adjusted, lang),
        )
    if v.subject != "hotspot":
        return sentence
    mdr = v.min_detectable_ratio
    if label in ("too_early", "uncertain"):
        reason = reason_text(v, lang, post_months=post_months, min_post_months=min_post_months)
        if reason:
            sentence += " " + reason
    elif label == "no_detectable_change":
        if math.isfinite(mdr):
            sentence += " " + translate(
                "evaluate.sentence.power", lang, mdr=_fmt(mdr, lang), mdr_pct=_pct(100 * (1 - mdr), lang)
            )
        elif not math.isnan(v.irr):
            sentence += " " + translate("evaluate.sentence.power_none", lang)
    if v.near_threshold and label in ("reduction", "increase", "no_detectable_change"):
        sentence += " " + translate("evaluate.sentence.near", lang)
    return sentence


def reason_text(
    v: Verdict,
    lang: str = "en",
    *,
    post_months: float | None = None,
    min_post_months: float | None = None,
) -> str:
    """Why a place is too early to judge, or uncertain, in one sentence ("" otherwise).

    ``evaluate.reason.post_months`` (with the months since designation and the bound),
    ``evaluate.reason.mdr`` / ``mdr_none`` (the smallest fall the counts could show), or
    ``evaluate.reason.<reason>`` of an uncertain verdict when the catalogue has it.

    Examples
    --------
    >>> from hotspotwatch.analysis.evaluate import verdict
    >>> reason_text(verdict(0.6, 0.2, 1.8, too_early="post_months"), "en", post_months=2.0,
    ...             min_post_months=6)
    'Only 2.0 months have passed since designation; a verdict needs at least 6.'
    """
    mdr = v.min_detectable_ratio
    if v.label == "too_early" and v.reason == "post_months":
        n = float(post_months) if post_months is not None else math.nan
        return plural(
            "evaluate.reason.post_months",
            round(n, 1) if math.isfinite(n) else 0.0,
            lang,
            n=format_number(n, lang, digits=1),
            min=format_number(min_post_months, lang, digits=None),
        )
    if v.label == "too_early":
        if math.isfinite(mdr):
            return translate(
                "evaluate.reason.mdr", lang, mdr=_fmt(mdr, lang),
                mdr_pct=_pct(100 * (1 - mdr), lang),
            )
        return translate("evaluate.reason.mdr_none", lang)
    if v.label == "uncertain":
        key = f"evaluate.reason.{v.reason}"
        if key in catalogs()[lang]:
            return translate(key, lang)
    return ""


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
                h.verdict,
                lang,
                name=h.name,
                outcome=outcome_label(h.outcome, lang),
                post_months=h.post_months,
                min_post_months=res.parameters.get("min_post_months"),
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


__all__ = ["reason_text", "strategy_name", "verdict_text", "with_verdict_texts"]
