"""Verdicts: reduction, no detectable change, increase — never without uncertainty.

A verdict is read from an estimate, its interval and (for many hotspots) a p-value adjusted
for multiple testing. "No detectable change" is always paired with the smallest effect the
counts could have detected, so that "not significant" is not misread as "no effect".

This module gives labels and the numbers they rest on; the sentences in each language are
written by :func:`hotspotwatch.i18n.verdicts.verdict_text`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Literal

from hotspotwatch.analysis._result import ResultMixin

Label = Literal["reduction", "no_detectable_change", "increase"]
BufferLabel = Literal["displacement", "diffusion", "no_detectable_change"]


@dataclass(frozen=True)
class Verdict(ResultMixin):
    """Verdict on a rate ratio.

    Attributes
    ----------
    label : str
        ``"reduction"``, ``"no_detectable_change"`` or ``"increase"`` (for a buffer:
        ``"displacement"``, ``"diffusion"`` or ``"no_detectable_change"``).
    irr, ci_low, ci_high : float
        Estimate and interval the verdict rests on.
    p_value : float
        Raw p-value (NaN if not given).
    p_adjusted : float
        p-value after multiple-testing adjustment (NaN if not given).
    min_detectable_ratio : float
        Smallest detectable reduction (NaN if unknown or none detectable).
    subject : str
        ``"hotspot"`` (treated area or strategy) or ``"buffer"``.
    alpha : float
        Level.
    """

    label: str
    irr: float
    ci_low: float
    ci_high: float
    p_value: float
    p_adjusted: float
    min_detectable_ratio: float
    subject: str
    alpha: float

    @property
    def key(self) -> str:
        """Translation key of the short label."""
        return f"evaluate.verdict.{self.label}"


def _significant(ci_low: float, ci_high: float, p: float, alpha: float) -> bool:
    excludes_one = ci_high < 1.0 or ci_low > 1.0
    if math.isnan(p):
        return excludes_one
    return excludes_one and p <= alpha


def verdict(
    irr: float,
    ci_low: float,
    ci_high: float,
    *,
    p_value: float = math.nan,
    p_adjusted: float = math.nan,
    min_detectable_ratio: float = math.nan,
    alpha: float = 0.05,
) -> Verdict:
    """Verdict on a treated area's (or the strategy's) rate ratio.

    Parameters
    ----------
    irr : float
        Estimated incidence rate ratio (below 1 = fewer events than expected).
    ci_low, ci_high : float
        Its ``1 - alpha`` interval.
    p_value : float, optional
        Raw two-sided p-value.
    p_adjusted : float, optional
        Adjusted p-value (e.g. FDR across hotspots); when given it decides, together with
        the interval.
    min_detectable_ratio : float, optional
        From :func:`~hotspotwatch.analysis.evaluate.power.min_detectable_ratio`.
    alpha : float
        Level.

    Returns
    -------
    Verdict

    Notes
    -----
    "reduction" requires the interval to lie below 1 *and* the (adjusted, if given)
    p-value to be at most ``alpha``; "increase" likewise above 1; otherwise
    "no_detectable_change".

    Examples
    --------
    >>> v = verdict(0.7, 0.55, 0.9)
    >>> v.label
    'reduction'
    """
    p = p_adjusted if not math.isnan(p_adjusted) else p_value
    if any(math.isnan(v) for v in (irr, ci_low, ci_high)):
        label: str = "no_detectable_change"
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
    )


def buffer_verdict(
    irr: float,
    ci_low: float,
    ci_high: float,
    *,
    p_value: float = math.nan,
    p_adjusted: float = math.nan,
    alpha: float = 0.05,
) -> Verdict:
    """Verdict on the buffer ring: displacement (more events), diffusion (fewer) or neither.

    Parameters
    ----------
    irr, ci_low, ci_high : float
        Buffer rate ratio relative to its controls, with interval.
    p_value, p_adjusted : float, optional
        Raw and adjusted p-values.
    alpha : float
        Level.

    Returns
    -------
    Verdict

    Examples
    --------
    >>> buffer_verdict(1.3, 1.05, 1.6).label
    'displacement'
    """
    p = p_adjusted if not math.isnan(p_adjusted) else p_value
    if any(math.isnan(v) for v in (irr, ci_low, ci_high)):
        label = "no_detectable_change"
    elif _significant(ci_low, ci_high, p, alpha):
        label = "diffusion" if irr < 1 else "displacement"
    else:
        label = "no_detectable_change"
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
    )
