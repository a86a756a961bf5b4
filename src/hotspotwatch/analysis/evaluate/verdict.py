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
        ``"reduction"``, ``"no_detectable_change"`` or ``"increase"`` (for a buffer, one of
        :data:`BufferLabel`, see :func:`buffer_verdict`).
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
    place: str | None = None,
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
        Label of the place's (treated area's) verdict: ``"reduction"``,
        ``"no_detectable_change"`` or ``"increase"``. ``None`` is read as
        ``"no_detectable_change"``: without a fall in the place, nothing was displaced.

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
    if place not in (None, "reduction", "no_detectable_change", "increase"):
        raise ValueError(
            f"place must be 'reduction', 'no_detectable_change' or 'increase', got {place!r}"
        )
    label = "no_detectable_change"
    if not any(math.isnan(v) for v in (irr, ci_low, ci_high)) and _significant(
        ci_low, ci_high, p, alpha
    ):
        direction = "fall" if irr < 1 else "rise"
        label = BUFFER_LABELS[(place or "no_detectable_change", direction)]
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
