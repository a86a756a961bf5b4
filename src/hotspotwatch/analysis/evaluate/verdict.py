"""Verdicts: reduction, no detectable change, increase, too early, uncertain.

A verdict is read from an estimate and its interval. Across many hotspots the interval is
the false-coverage-rate adjusted one (Benjamini & Yekutieli 2005, :func:`fcr_alpha`), so
that a verdict never disagrees with the interval drawn beside it. "No detectable change" is
always paired with the smallest effect the design could detect, so that "not significant"
is not misread as "no effect"; a place where that smallest effect is implausibly large, or
designated too recently, is ``"too_early"`` (:func:`too_early_reason`) and never gets
"reduction" or "increase". ``"uncertain"`` is given by a robustness check that disagrees
with the difference-in-differences (:func:`downgrade_to_uncertain`).

This module gives labels and the numbers they rest on; the sentences in each language are
written by :func:`hotspotwatch.i18n.verdicts.verdict_text`.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ClassVar, Literal

import numpy as np

from hotspotwatch.analysis._result import ResultMixin, from_jsonable, to_jsonable

if TYPE_CHECKING:
    from hotspotwatch.analysis.evaluate.did import DiDResult

Label = Literal["reduction", "no_detectable_change", "increase", "too_early", "uncertain"]
#: Every hotspot verdict label, in the order the report lists them.
LABELS: tuple[str, ...] = ("reduction", "no_detectable_change", "increase", "too_early", "uncertain")
#: Labels that claim a change (read from the adjusted interval).
SIGNIFICANT: tuple[str, ...] = ("reduction", "increase")
#: Labels for which the evaluation says the data cannot tell yet (too recent or too little
#: power; a robustness check disagreeing): no reading of the place's numbers is offered
#: beside them -- the council report words their reason instead of the effect, and the
#: public version withholds their change index.
UNDECIDED: tuple[str, ...] = ("too_early", "uncertain")
#: Default of ``min_post_months``: fewer whole months after designation are too early.
MIN_POST_MONTHS = 6
#: Default of ``max_mdr``: the largest minimum detectable *reduction* (a fraction) for which
#: a verdict is given. Hotspot policing reduces crime by roughly 10-20 % on average (Braga,
#: Turchan, Papachristos & Hureau 2019, *Campbell Systematic Reviews* 15(3), e1046); a
#: design that can only detect a fall of more than half (a minimum detectable ratio below
#: 0.5) has little power for plausible effects, and what it does flag is mostly chance or an
#: exaggerated estimate (type M error: Gelman & Carlin 2014, *Perspectives on Psychological
#: Science* 9(6), 641-651), so its place is "too early".
MAX_MDR = 0.5
#: A verdict is "near the threshold" when an end of its adjusted interval lies within this
#: distance of 1 on the log scale (0.05: a rate ratio between 0.951 and 1.051).
NEAR_THRESHOLD_LOG = 0.05
BufferLabel = Literal[
    "displacement",
    "diffusion",
    "rise_in_place_and_around",
    "rise_in_place_fall_around",
    "rise_around",
    "fall_around",
    "no_detectable_change",
]

#: The buffer label for (the place's label, the surroundings' direction against the
#: controls). "displacement" needs the place to have fallen while its surroundings rose,
#: "diffusion" (of benefits) the place and its surroundings to have fallen together; the
#: other combinations get their own labels, so that a rise in a place and around it is
#: never called displacement.
BUFFER_LABELS: dict[tuple[str, str], str] = {
    ("reduction", "rise"): "displacement",
    ("reduction", "fall"): "diffusion",
    ("increase", "rise"): "rise_in_place_and_around",
    ("increase", "fall"): "rise_in_place_fall_around",
    ("no_detectable_change", "rise"): "rise_around",
    ("no_detectable_change", "fall"): "fall_around",
}


@dataclass(frozen=True)
class Verdict(ResultMixin):
    """Verdict on a rate ratio.

    Attributes
    ----------
    label : str
        One of :data:`LABELS` (for a buffer, one of :data:`BufferLabel`, see
        :func:`buffer_verdict`).
    irr, ci_low, ci_high : float
        Estimate and its unadjusted ``1 - alpha`` interval.
    p_value : float
        Raw p-value (NaN if not given).
    p_adjusted : float
        p-value after multiple-testing adjustment (NaN if not given).
    min_detectable_ratio : float
        Smallest reduction the design could detect with 80 % power (NaN if unknown or
        none detectable).
    subject : str
        ``"hotspot"`` (treated area or strategy) or ``"buffer"``.
    alpha : float
        Level of the unadjusted interval.
    ci_low_adjusted, ci_high_adjusted : float
        The interval the label is read from: false-coverage-rate adjusted across hotspots
        (:func:`fcr_alpha`), at level ``1 - adjusted_alpha``; equal to the unadjusted one
        for a single estimate.
    adjusted_alpha : float
        One minus the level of the adjusted interval.
    near_threshold : bool
        An end of the adjusted interval lies within :data:`NEAR_THRESHOLD_LOG` of 1 on the
        log scale: the verdict would change with a little more or less data.
    reason : str
        Why a place is ``"too_early"`` (``"post_months"`` or ``"mdr"``) or
        ``"uncertain"`` (e.g. ``"synthetic_control"``); empty otherwise.
    """

    #: 2: too_early and uncertain labels, the adjusted interval the label is read from,
    #: near_threshold and reason (issue 16).
    schema_version: ClassVar[int] = 2

    label: str
    irr: float
    ci_low: float
    ci_high: float
    p_value: float
    p_adjusted: float
    min_detectable_ratio: float
    subject: str
    alpha: float
    ci_low_adjusted: float = math.nan
    ci_high_adjusted: float = math.nan
    adjusted_alpha: float = math.nan
    near_threshold: bool = False
    reason: str = ""

    @property
    def key(self) -> str:
        """Translation key of the short label."""
        return f"evaluate.verdict.{self.label}"


def _significant(ci_low: float, ci_high: float, p: float, alpha: float) -> bool:
    excludes_one = ci_high < 1.0 or ci_low > 1.0
    if math.isnan(p):
        return excludes_one
    return excludes_one and p <= alpha


def near_threshold(ci_low: float, ci_high: float, *, margin: float = NEAR_THRESHOLD_LOG) -> bool:
    """Whether an end of the interval lies within ``margin`` of 1 on the log scale.

    Examples
    --------
    >>> near_threshold(0.7, 0.97), near_threshold(0.7, 0.9), near_threshold(0.96, 1.4)
    (True, False, True)
    """
    ends = [v for v in (ci_low, ci_high) if math.isfinite(v) and v > 0]
    return any(abs(math.log(v)) <= margin for v in ends)


def too_early_reason(
    post_months: float,
    min_detectable_ratio: float,
    *,
    min_post_months: float = MIN_POST_MONTHS,
    max_mdr: float = MAX_MDR,
) -> str:
    """``"post_months"``, ``"mdr"`` or ``""``: whether a place is too early to judge.

    Parameters
    ----------
    post_months : float
        Months after designation counted (their exposure, in average months).
    min_detectable_ratio : float
        Smallest reduction (as a rate ratio) the design detects with 80 % power; NaN when
        none short of near elimination is.
    min_post_months : float
        Fewer months after designation are too early.
    max_mdr : float
        Largest minimum detectable *reduction*, as a fraction: a design whose smallest
        detectable fall exceeds it (``1 - min_detectable_ratio > max_mdr``, or none at all)
        is too early. 1 switches the rule off.

    Examples
    --------
    >>> too_early_reason(3.0, 0.7), too_early_reason(12.0, 0.4), too_early_reason(12.0, 0.7)
    ('post_months', 'mdr', '')
    """
    if post_months < min_post_months:
        return "post_months"
    if max_mdr < 1 and not (
        math.isfinite(min_detectable_ratio) and 1.0 - min_detectable_ratio <= max_mdr
    ):
        return "mdr"
    return ""


def fcr_alpha(
    p_values: Sequence[float], *, alpha: float = 0.05, method: str = "fdr_bh"
) -> tuple[float, int, int]:
    """Level of the false-coverage-rate adjusted intervals (Benjamini & Yekutieli 2005).

    Parameters
    ----------
    p_values : sequence of float
        Raw p-values of the family (NaN: not tested, not counted).
    alpha : float
        FDR / FCR level :math:`q`.
    method : {"fdr_bh", "fdr_by", "holm", "none"}
        Multiple-testing procedure that selects the places.

    Returns
    -------
    (adjusted_alpha, R, m)
        The adjusted intervals are ``1 - adjusted_alpha`` intervals; ``R`` places were
        selected of ``m`` tested.

    Notes
    -----
    Benjamini & Yekutieli (2005, *JASA* 100, 71-81, Definition 1 and Theorem 1): after
    selecting :math:`R` of :math:`m` parameters, marginal :math:`1 - Rq/m` intervals for
    the selected keep the false coverage rate at most :math:`q` (under independence or
    positive dependence; ``"fdr_by"`` divides by :math:`\\sum_{i \\le m} 1/i` for any
    dependence). With Benjamini-Hochberg selection at :math:`q` and Wald intervals, the
    adjusted interval of a place excludes 1 exactly when the place is selected (BY 2005,
    Section 5), so the verdict read from it agrees with the FDR decision.

    *Non-selected places* get intervals at the same level,
    :math:`1 - \\max(R, 1) q / m`: every non-selected p-value exceeds
    :math:`(R + 1) q / m` (else BH would have selected more), so their intervals contain 1,
    and they are at least as wide as the selected places' (with :math:`R = 0`, the
    Bonferroni level :math:`1 - q/m`). ``"holm"`` uses Bonferroni intervals
    :math:`1 - q/m` (simultaneous coverage); ``"none"`` leaves the level at ``alpha``.

    Examples
    --------
    >>> a, r, m = fcr_alpha([0.001, 0.01, 0.2, 0.6], alpha=0.05)
    >>> round(a, 4), r, m
    (0.025, 2, 4)
    """
    p = np.asarray([float(v) for v in p_values], dtype=float)
    p = p[np.isfinite(p)]
    m = int(p.size)
    if m == 0 or method == "none":
        return float(alpha), int((p <= alpha).sum()), m
    if method == "holm":
        holm = np.sort(p) <= alpha / (m - np.arange(m))
        r = int(np.argmin(holm)) if not holm.all() else m
        return float(alpha) / m, r, m
    c_m = float(np.sum(1.0 / np.arange(1, m + 1))) if method == "fdr_by" else 1.0
    if method not in ("fdr_bh", "fdr_by"):
        raise ValueError(f"unknown multiple-testing method {method!r}")
    ranked = np.sort(p)
    passed = np.nonzero(ranked <= np.arange(1, m + 1) * alpha / (m * c_m))[0]
    r = int(passed[-1]) + 1 if passed.size else 0
    return max(r, 1) * float(alpha) / (m * c_m), r, m


def verdict(
    irr: float,
    ci_low: float,
    ci_high: float,
    *,
    p_value: float = math.nan,
    p_adjusted: float = math.nan,
    min_detectable_ratio: float = math.nan,
    alpha: float = 0.05,
    ci_low_adjusted: float | None = None,
    ci_high_adjusted: float | None = None,
    adjusted_alpha: float | None = None,
    too_early: str = "",
) -> Verdict:
    """Verdict on a treated area's (or the strategy's) rate ratio.

    Parameters
    ----------
    irr : float
        Estimated incidence rate ratio (below 1 = fewer events than expected).
    ci_low, ci_high : float
        Its unadjusted ``1 - alpha`` interval.
    p_value : float, optional
        Raw two-sided p-value.
    p_adjusted : float, optional
        Adjusted p-value (e.g. FDR across hotspots); without an adjusted interval it
        decides, together with the interval.
    min_detectable_ratio : float, optional
        From :func:`~hotspotwatch.analysis.evaluate.power.min_detectable_ratio`.
    alpha : float
        Level.
    ci_low_adjusted, ci_high_adjusted : float, optional
        The adjusted interval (:func:`fcr_alpha`); when given the label is read from it
        alone. Default: the unadjusted interval.
    adjusted_alpha : float, optional
        One minus its level (default ``alpha``).
    too_early : str
        A reason from :func:`too_early_reason`; non-empty makes the label ``"too_early"``
        whatever the interval.

    Returns
    -------
    Verdict

    Notes
    -----
    With an adjusted interval: "reduction" when it lies below 1, "increase" when above,
    otherwise "no_detectable_change". Without one: "reduction" requires the interval to
    lie below 1 *and* the (adjusted, if given) p-value to be at most ``alpha``; "increase"
    likewise above 1. A too-early place never gets "reduction" or "increase".

    Examples
    --------
    >>> v = verdict(0.7, 0.55, 0.9)
    >>> v.label
    'reduction'
    >>> verdict(0.7, 0.55, 0.9, ci_low_adjusted=0.5, ci_high_adjusted=1.02).label
    'no_detectable_change'
    >>> verdict(0.7, 0.55, 0.9, too_early="post_months").label
    'too_early'
    """
    given = ci_low_adjusted is not None and ci_high_adjusted is not None
    lo_a = float(ci_low_adjusted) if ci_low_adjusted is not None else float(ci_low)
    hi_a = float(ci_high_adjusted) if ci_high_adjusted is not None else float(ci_high)
    p = p_adjusted if not math.isnan(p_adjusted) else p_value
    if too_early:
        label: str = "too_early"
    elif any(math.isnan(v) for v in (irr, lo_a, hi_a)):
        label = "no_detectable_change"
    elif given:
        label = "reduction" if hi_a < 1.0 else "increase" if lo_a > 1.0 else (
            "no_detectable_change"
        )
    elif _significant(ci_low, ci_high, p, alpha):
        label = "reduction" if irr < 1 else "increase"
    else:
        label = "no_detectable_change"
    return Verdict(
        label=label,
        irr=float(irr),
        ci_low=float(ci_low),
        ci_high=float(ci_high),
        p_value=float(p_value),
        p_adjusted=float(p_adjusted),
        min_detectable_ratio=float(min_detectable_ratio),
        subject="hotspot",
        alpha=float(alpha),
        ci_low_adjusted=lo_a,
        ci_high_adjusted=hi_a,
        adjusted_alpha=float(alpha if adjusted_alpha is None else adjusted_alpha),
        near_threshold=label != "too_early" and near_threshold(lo_a, hi_a),
        reason=str(too_early),
    )


def downgrade_to_uncertain(v: Verdict, *, reason: str) -> Verdict:
    """The verdict ``v`` made ``"uncertain"`` because a robustness check disagrees.

    Parameters
    ----------
    v : Verdict
        A hotspot verdict (``subject == "hotspot"``).
    reason : str
        Short code of the check that disagrees (e.g. ``"synthetic_control"``); the
        sentence is written from ``evaluate.reason.<reason>`` in the catalogues.

    Returns
    -------
    Verdict
        Label ``"uncertain"`` with ``reason``; numbers and intervals unchanged. A
        ``"too_early"`` verdict stays too early (it makes no claim to doubt).

    Examples
    --------
    >>> downgrade_to_uncertain(verdict(0.7, 0.55, 0.9), reason="synthetic_control").label
    'uncertain'
    """
    if v.subject != "hotspot":
        raise ValueError("only a place's verdict can be made uncertain, not a buffer's")
    if not reason:
        raise ValueError("an uncertain verdict needs a reason")
    if v.label == "too_early":
        return v
    return dataclasses.replace(v, label="uncertain", reason=str(reason))


def buffer_verdict(
    irr: float,
    ci_low: float,
    ci_high: float,
    *,
    p_value: float = math.nan,
    p_adjusted: float = math.nan,
    alpha: float = 0.05,
    place: str | None = None,
    ci_low_adjusted: float | None = None,
    ci_high_adjusted: float | None = None,
    adjusted_alpha: float | None = None,
) -> Verdict:
    """Verdict on the buffer ring, read together with the place's own verdict.

    Parameters
    ----------
    irr, ci_low, ci_high : float
        Buffer rate ratio relative to its controls, with interval.
    p_value, p_adjusted : float, optional
        Raw and adjusted p-values.
    alpha : float
        Level.
    place : str, optional
        Label of the place's (treated area's) verdict (:data:`LABELS`). ``None``,
        ``"too_early"`` and ``"uncertain"`` are read as ``"no_detectable_change"``:
        without a fall in the place, nothing was displaced.
    ci_low_adjusted, ci_high_adjusted, adjusted_alpha : float, optional
        Adjusted interval across the buffers (as in :func:`verdict`); when given the label
        is read from it alone.

    Returns
    -------
    Verdict
        ``subject == "buffer"``; its label (:data:`BUFFER_LABELS`), when the buffer rose
        (fell) against the controls: after a reduction in the place ``"displacement"``
        (``"diffusion"``); after no detectable change ``"rise_around"``
        (``"fall_around"``); after an increase ``"rise_in_place_and_around"``
        (``"rise_in_place_fall_around"``). ``"no_detectable_change"`` when the buffer
        shows none.

    Notes
    -----
    Displacement means that harm moved from the place to its surroundings, and diffusion
    of benefits that the gain in the place spread around it (Guerette & Bowers 2009,
    *Criminology* 47(4)): both presuppose that the place itself fell. A rise next door
    while the place rose too is a rise in the place and around it, not displacement.

    Examples
    --------
    >>> buffer_verdict(1.3, 1.05, 1.6, place="reduction").label
    'displacement'
    >>> buffer_verdict(1.3, 1.05, 1.6, place="increase").label
    'rise_in_place_and_around'
    >>> buffer_verdict(0.8, 0.7, 0.9, place="no_detectable_change").label
    'fall_around'
    """
    p = p_adjusted if not math.isnan(p_adjusted) else p_value
    if place is not None and place not in LABELS:
        raise ValueError(f"place must be one of {', '.join(LABELS)}, got {place!r}")
    read = place if place in SIGNIFICANT else "no_detectable_change"
    given = ci_low_adjusted is not None and ci_high_adjusted is not None
    lo_a = float(ci_low_adjusted) if ci_low_adjusted is not None else float(ci_low)
    hi_a = float(ci_high_adjusted) if ci_high_adjusted is not None else float(ci_high)
    label = "no_detectable_change"
    if any(math.isnan(v) for v in (irr, lo_a, hi_a)):
        pass
    elif given:
        if hi_a < 1.0 or lo_a > 1.0:
            label = BUFFER_LABELS[(read, "fall" if hi_a < 1.0 else "rise")]
    elif _significant(ci_low, ci_high, p, alpha):
        label = BUFFER_LABELS[(read, "fall" if irr < 1 else "rise")]
    return Verdict(
        label=label,
        irr=float(irr),
        ci_low=float(ci_low),
        ci_high=float(ci_high),
        p_value=float(p_value),
        p_adjusted=float(p_adjusted),
        min_detectable_ratio=math.nan,
        subject="buffer",
        alpha=float(alpha),
        ci_low_adjusted=lo_a,
        ci_high_adjusted=hi_a,
        adjusted_alpha=float(alpha if adjusted_alpha is None else adjusted_alpha),
        near_threshold=near_threshold(lo_a, hi_a),
    )


# JSON helpers of HotspotEvaluation (its verdicts as stored)
def _date_or_none(value: Any) -> dt.date | None:
    return None if value is None else dt.date.fromisoformat(str(value))


def _adjusted(v: Verdict) -> dict[str, Any]:
    """The JSON keys of the adjusted interval a verdict is read from."""
    return {
        "ci_low_adjusted": to_jsonable(v.ci_low_adjusted),
        "ci_high_adjusted": to_jsonable(v.ci_high_adjusted),
        "adjusted_alpha": to_jsonable(v.adjusted_alpha),
        "adjusted_level": to_jsonable(1.0 - v.adjusted_alpha),
        "near_threshold": bool(v.near_threshold),
        "verdict_reason": v.reason,
    }


def _verdict_of(
    data: Mapping[str, Any], d: DiDResult, p_adjusted: float, mdr: float, subject: str
) -> Verdict:
    """The verdict :func:`evaluate_frames` gave: its label on the DiD's numbers."""
    return Verdict(
        label=str(data["verdict"]),
        irr=d.irr,
        ci_low=d.ci_low,
        ci_high=d.ci_high,
        p_value=d.p_value,
        p_adjusted=p_adjusted,
        min_detectable_ratio=mdr,
        subject=subject,
        alpha=d.alpha,
        ci_low_adjusted=from_jsonable(float, data["ci_low_adjusted"]),
        ci_high_adjusted=from_jsonable(float, data["ci_high_adjusted"]),
        adjusted_alpha=from_jsonable(float, data["adjusted_alpha"]),
        near_threshold=bool(data["near_threshold"]),
        reason=str(data.get("verdict_reason", "")),
    )
