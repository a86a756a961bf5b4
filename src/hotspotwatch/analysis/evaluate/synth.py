"""Synthetic control for one hotspot: a weighted mix of control cells, fitted before designation.

The synthetic control method (Abadie, Diamond & Hainmueller 2010, *JASA* 105(490)) builds
the counterfactual of a treated unit as a convex combination of untreated donors, with
weights chosen so that the combination follows the treated unit before the intervention.
After it, the gap between the observed and the synthetic series is the effect.

Here the units are the hotspot and control grid cells, the series their monthly outcome
counts, and the effect is read as a rate ratio (observed / synthetic over the post-period),
comparable to the difference-in-differences IRR
(:func:`~hotspotwatch.analysis.evaluate.did.did`). Inference is by in-space placebos
(every donor in turn treated as if designated), and the interval inverts that placebo test
(Firpo & Possebom 2018, *Journal of Causal Inference* 6(2)).

Examples
--------
>>> import numpy as np
>>> rng = np.random.default_rng(1)
>>> donors = rng.poisson(20, size=(40, 30)).astype(float)
>>> treated = 0.5 * donors[0] + 0.5 * donors[1]
>>> treated[24:] *= 0.7
>>> pre = np.arange(30) < 24
>>> r = synthetic_control(treated, donors, pre=pre, post=~pre, ridge=0.0)
>>> round(r.irr, 3), r.donors
(0.7, 40)
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray

from hotspotwatch.analysis._result import ResultMixin, from_jsonable, to_jsonable
from hotspotwatch.analysis.evaluate.synth_weights import (  # noqa: F401 (the tests use the solvers)
    _ZERO_WEIGHT,
    _active_set,
    _nnls_route,
    sdid_ridge,
    simplex_weights,
)

#: Donor pool of the evaluation: the cells nearest the hotspot in pre-period level and trend
#: (:func:`~hotspotwatch.analysis.evaluate.design.match_controls`).
DEFAULT_DONORS = 200

#: Weights shown in ``weights_top`` of the JSON.
TOP_WEIGHTS = 5


@dataclass(frozen=True)
class SynthResult(ResultMixin):
    """Synthetic-control rate ratio of one treated unit, with placebo inference.

    Attributes
    ----------
    irr : float
        Post-period observed total over synthetic total,
        :math:`\\sum_{t>T_0} y_{1t} / \\sum_{t>T_0} \\hat y_{1t}`.
    ci_low, ci_high : float
        ``1 - alpha`` confidence set of the ratio from inverting the placebo test
        (``0`` and ``inf`` when there are fewer than ``1/alpha - 1`` donors).
    p_value : float
        Placebo p-value of "no effect" (ratio 1):
        :math:`(1 + \\#\\{j : |t_j| \\ge |t_1|\\}) / (J + 1)`.
    log_irr : float
        :math:`\\log` of ``irr``.
    statistic : float
        The treated unit's :math:`t_1 = \\log(\\mathrm{irr}) / \\mathrm{RMSPE}^{idx}_1`.
    pre_rmspe, post_rmspe : float
        Root mean squared gap (observed minus synthetic) before and after, in outcome units
        per month.
    donors : int
        Donors :math:`J` in the pool (cells with at least one pre-period event).
    weights : tuple of (int, float)
        Donor id and weight of every donor with a positive weight, largest first.
    synthetic, gap : ndarray
        Synthetic series and observed minus synthetic per month (NaN in months neither
        before nor after, e.g. left out as missing).
    placebo_statistics : ndarray
        :math:`t_j` of every donor refitted as if treated (donor order).
    pre_months, post_months : int
        Months fitted and months compared.
    alpha : float
        Level.
    ridge : float
        Penalty :math:`\\lambda` on the squared weights (:func:`sdid_ridge`).
    """

    irr: float
    ci_low: float
    ci_high: float
    p_value: float
    log_irr: float
    statistic: float
    pre_rmspe: float
    post_rmspe: float
    donors: int
    weights: tuple[tuple[int, float], ...]
    synthetic: NDArray[np.float64]
    gap: NDArray[np.float64]
    placebo_statistics: NDArray[np.float64]
    pre_months: int
    post_months: int
    alpha: float
    ridge: float = 0.0

    def weights_top(self, n: int = TOP_WEIGHTS) -> list[dict[str, float | int]]:
        """The ``n`` largest weights as ``[{"cell": id, "weight": w}, ...]``."""
        return [{"cell": int(c), "weight": float(w)} for c, w in self.weights[:n]]

    def to_dict(self) -> dict[str, Any]:
        """``{irr, ci_low, ci_high, p_value, donors, pre_rmspe, weights_top, ...}``."""
        return {
            "irr": to_jsonable(self.irr),
            "ci_low": to_jsonable(self.ci_low),
            "ci_high": to_jsonable(self.ci_high),
            "p_value": to_jsonable(self.p_value),
            "donors": self.donors,
            "pre_rmspe": to_jsonable(self.pre_rmspe),
            "weights_top": self.weights_top(),
            "log_irr": to_jsonable(self.log_irr),
            "statistic": to_jsonable(self.statistic),
            "post_rmspe": to_jsonable(self.post_rmspe),
            "weights": [[int(c), float(w)] for c, w in self.weights],
            "synthetic": to_jsonable(self.synthetic),
            "gap": to_jsonable(self.gap),
            "placebo_statistics": to_jsonable(self.placebo_statistics),
            "pre_months": self.pre_months,
            "post_months": self.post_months,
            "alpha": self.alpha,
            "ridge": self.ridge,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> SynthResult:
        """Rebuild from :meth:`to_dict`."""

        def arr(key: str) -> NDArray[np.float64]:
            return np.asarray(from_jsonable(np.ndarray, data[key]), dtype=float)

        def num(key: str) -> float:
            return float(from_jsonable(float, data[key]))

        # a confidence set unbounded above is stored as null, like NaN
        hi = data["ci_high"]
        return cls(
            irr=num("irr"),
            ci_low=num("ci_low"),
            ci_high=math.inf if hi is None and data["ci_low"] == 0 else num("ci_high"),
            p_value=num("p_value"),
            log_irr=num("log_irr"),
            statistic=num("statistic"),
            pre_rmspe=num("pre_rmspe"),
            post_rmspe=num("post_rmspe"),
            donors=int(data["donors"]),
            weights=tuple((int(c), float(w)) for c, w in data["weights"]),
            synthetic=arr("synthetic") if data["synthetic"] else np.zeros(0),
            gap=arr("gap") if data["gap"] else np.zeros(0),
            placebo_statistics=arr("placebo_statistics")
            if data["placebo_statistics"]
            else np.zeros(0),
            pre_months=int(data["pre_months"]),
            post_months=int(data["post_months"]),
            alpha=float(data["alpha"]),
            ridge=float(data.get("ridge", 0.0)),
        )


def _fit(
    target: NDArray[np.float64],
    pool: NDArray[np.float64],
    pre: NDArray[np.bool_],
    post: NDArray[np.bool_],
    ridge: float,
) -> tuple[NDArray[np.float64], NDArray[np.float64], float, float]:
    """Weights, synthetic indexed series, log ratio and indexed pre-RMSPE of one unit.

    ``target`` (n_months,) and ``pool`` (n_donors, n_months) are indexed series (each
    divided by its pre-period mean).
    """
    w, loss = simplex_weights(target[pre], pool[:, pre].T, ridge=ridge)
    synth = w @ pool
    obs_post = float(target[post].sum())
    syn_post = float(synth[post].sum())
    if syn_post <= 0:
        log_r = math.nan if obs_post <= 0 else math.inf
    elif obs_post <= 0:
        log_r = -math.inf
    else:
        log_r = math.log(obs_post / syn_post)
    return w, synth, log_r, math.sqrt(loss / int(pre.sum()))


def _standardised(log_r: float, rmspe: float) -> float:
    if math.isnan(log_r):
        return math.nan
    if log_r == 0.0:
        return 0.0
    return log_r / max(rmspe, 1e-12)


def placebo_p_value(treated: float, placebos: ArrayLike) -> float:
    """In-space placebo p-value: ``(1 + #{j : |t_j| >= |t_1|}) / (J + 1)``.

    The treated unit's rank among all units (itself included) by absolute statistic,
    largest first, divided by the number of units (Abadie et al. 2010, section 4).
    NaN placebo statistics are left out of ``J``.

    Examples
    --------
    >>> placebo_p_value(2.0, [0.5, -3.0, 1.0, 2.5])
    0.6
    """
    p = np.abs(np.asarray(placebos, dtype=float))
    p = p[~np.isnan(p)]
    if math.isnan(treated):
        return math.nan
    # a tie counts against the treated unit (conservative); guard float noise in ties
    return float((1 + np.sum(p >= abs(treated) * (1 - 1e-12))) / (p.size + 1))


def synthetic_control(
    treated: ArrayLike,
    donors: ArrayLike,
    *,
    pre: ArrayLike,
    post: ArrayLike,
    donor_ids: ArrayLike | None = None,
    alpha: float = 0.05,
    ridge: float | None = None,
) -> SynthResult:
    """Synthetic control of ``treated`` from ``donors``, with in-space placebo inference.

    Parameters
    ----------
    treated : array_like, shape (n_months,)
        Treated unit's outcome per month (counts or harm weights).
    donors : array_like, shape (n_donors, n_months)
        Donors' outcome per month (the donor pool, e.g. the 200 control cells best matched
        on pre-period level and trend).
    pre, post : array_like of bool, shape (n_months,)
        Months fitted and months compared; a month in neither (left out as missing, or a
        selection window) is ignored. They must not overlap.
    donor_ids : array_like of int, optional
        Labels of the donors (default ``0 .. n_donors - 1``), reported with the weights.
    alpha : float
        Level of the interval and of the test.
    ridge : float, optional
        Penalty :math:`\\lambda` on :math:`\\lVert w\\rVert^2` (:func:`simplex_weights`);
        default :func:`sdid_ridge` of the indexed donors. ``0`` gives the unpenalised
        weights of Abadie et al. (2010).

    Returns
    -------
    SynthResult

    Raises
    ------
    ValueError
        On mismatched shapes, overlapping or empty periods, or a treated unit without
        any pre-period event.

    Notes
    -----
    **Indexed series.** Every unit's series is divided by its own pre-period mean before
    fitting, :math:`\\tilde y_{it} = y_{it} / \\bar y_{i,pre}`, and the synthetic series is
    scaled back, :math:`\\hat y_{1t} = \\bar y_{1,pre} \\sum_j w_j \\tilde y_{jt}`. A hotspot is
    chosen because it is among the busiest places, so its level usually lies outside the
    convex hull of the control cells and no convex mix of raw series could match it; the
    effect asked for is a ratio, and indexing makes the fit one of shape (seasonality,
    trend) rather than level (the rescaling Abadie 2021, *JEL* 59(2), section 3.2,
    discusses). As every indexed series has pre-period mean 1, the synthetic matches the
    treated unit's pre-period total exactly, and the ratio
    :math:`\\sum_{post} y_{1t} / \\sum_{post} \\hat y_{1t}` is a difference-in-differences
    ratio whose control is the weighted donor mix: comparable to the DiD IRR. Donors with
    no pre-period event cannot be indexed and are left out.

    **Weights.** Those of Abadie, Diamond & Hainmueller (2010) with every pre-period
    month as a predictor and :math:`V = I`, plus the ridge penalty of synthetic
    difference-in-differences (Arkhangelsky et al. 2021), :math:`\\zeta^2 T_{pre}
    \\lVert w\\rVert^2` (:func:`sdid_ridge`, fitted on the indexed donors). Without it the
    fit interpolates: a control cell holds a few events a month, a hotspot many, and among
    200 noisy indexed cells there is always a mix that reproduces 12 to 24 months of the
    hotspot exactly, leaving a pre-period RMSPE of 0, a synthetic series made of a few
    cells' noise and no basis for inference. The penalty spreads the weights over many
    cells (it is what makes SDID weights "as uniform as possible" among good fits), which
    averages that noise out. The same penalty is used for every placebo.

    **Placebos.** Each donor in turn is treated as if designated and refitted from the
    other donors (the treated unit never enters a placebo pool). Each unit's effect is
    standardised by its pre-period fit, :math:`t_i = \\log R_i / \\mathrm{RMSPE}^{idx}_{i}`
    (the indexed pre-period root mean squared gap): a cell with few events has noisier
    ratios and a looser pre-period fit in the same proportion, so a quiet cell's large
    ratio does not count as a large effect. This is the reasoning behind Abadie et al.'s
    post/pre RMSPE ratio, applied to the signed ratio the evaluation reports. The p-value
    is the treated unit's rank among all :math:`J + 1` units by :math:`|t|`
    (:func:`placebo_p_value`).

    **Interval.** The set of ratios :math:`r` that the same test does not reject when
    the treated unit's post-period is divided by :math:`r` (Firpo & Possebom 2018). Only
    the treated unit's statistic moves with :math:`r`:
    :math:`t_1(r) = (\\log R_1 - \\log r)/\\mathrm{RMSPE}^{idx}_1`, so the set is
    :math:`R_1 \\exp(\\pm c\\,\\mathrm{RMSPE}^{idx}_1)` with :math:`c` the
    :math:`k`-th largest :math:`|t_j|`, :math:`k = \\lfloor\\alpha(J+1)\\rfloor`; with
    :math:`k = 0` (fewer than :math:`1/\\alpha - 1` donors) nothing can be rejected and the
    set is :math:`(0, \\infty)`. The interval contains 1 exactly when the p-value exceeds
    ``alpha``. A placebo with no post-period event has :math:`|t_j| = \\infty` and counts
    against the treated unit (conservative).
    """
    y1 = np.asarray(treated, dtype=float).ravel()
    y0 = np.asarray(donors, dtype=float)
    pre_m = np.asarray(pre, dtype=bool).ravel()
    post_m = np.asarray(post, dtype=bool).ravel()
    if y0.ndim != 2 or y0.shape[1] != y1.size or pre_m.size != y1.size or post_m.size != y1.size:
        raise ValueError(
            "treated, pre and post must be (n_months,) and donors (n_donors, n_months)"
        )
    if np.any(pre_m & post_m):
        raise ValueError("pre and post months overlap")
    if not pre_m.any() or not post_m.any():
        raise ValueError("the pre-period and the post-period each need at least one month")
    used = pre_m | post_m
    if np.isnan(y1[used]).any() or np.isnan(y0[:, used]).any():
        raise ValueError("NaN counts in the months compared (leave them out of pre and post)")
    ids = np.arange(y0.shape[0]) if donor_ids is None else np.asarray(donor_ids).astype(int)
    if ids.size != y0.shape[0]:
        raise ValueError("donor_ids must have one id per donor")
    m1 = float(y1[pre_m].mean())
    if m1 <= 0:
        raise ValueError("the treated unit has no pre-period event: nothing to fit")
    m0 = y0[:, pre_m].mean(axis=1)
    keep = m0 > 0
    y0, ids, m0 = y0[keep], ids[keep], m0[keep]
    n_donors = int(y0.shape[0])
    if n_donors == 0:
        raise ValueError("no donor has a pre-period event")
    x1 = np.where(used, y1, 0.0) / m1
    x0 = np.where(used, y0, 0.0) / m0[:, None]

    lam = sdid_ridge(x0[:, pre_m], post_months=int(post_m.sum())) if ridge is None else float(ridge)
    w, synth_idx, log_r, rmspe_idx = _fit(x1, x0, pre_m, post_m, lam)
    t1 = _standardised(log_r, rmspe_idx)
    placebo = np.full(n_donors, math.nan)
    if n_donors >= 2:
        others = np.ones(n_donors, dtype=bool)
        for j in range(n_donors):
            others[j] = False
            _, _, lr, rm = _fit(x0[j], x0[others], pre_m, post_m, lam)
            placebo[j] = _standardised(lr, rm)
            others[j] = True
    p = placebo_p_value(t1, placebo) if n_donors >= 2 else 1.0
    k = math.floor(alpha * (int(np.sum(~np.isnan(placebo))) + 1) + 1e-12)
    irr = math.exp(log_r) if math.isfinite(log_r) else (0.0 if log_r == -math.inf else math.nan)
    if k == 0 or not math.isfinite(log_r):
        lo, hi = (0.0, math.inf) if k == 0 else (math.nan, math.nan)
    else:
        crit = float(np.sort(np.abs(placebo[~np.isnan(placebo)]))[::-1][k - 1])
        half = crit * rmspe_idx
        lo = math.exp(log_r - half) if math.isfinite(half) else 0.0
        hi = math.exp(log_r + half) if math.isfinite(half) else math.inf
    synthetic = np.where(used, m1 * synth_idx, math.nan)
    gap = np.where(used, y1 - synthetic, math.nan)
    order = np.argsort(-w, kind="stable")
    weights = tuple((int(ids[j]), float(w[j])) for j in order if w[j] > _ZERO_WEIGHT)
    return SynthResult(
        irr=irr,
        ci_low=lo,
        ci_high=hi,
        p_value=p,
        log_irr=log_r,
        statistic=t1,
        pre_rmspe=float(np.sqrt(np.mean(gap[pre_m] ** 2))),
        post_rmspe=float(np.sqrt(np.mean(gap[post_m] ** 2))),
        donors=n_donors,
        weights=weights,
        synthetic=synthetic,
        gap=gap,
        placebo_statistics=placebo,
        pre_months=int(pre_m.sum()),
        post_months=int(post_m.sum()),
        alpha=float(alpha),
        ridge=lam,
    )


def disagreement(did_label: str, did_irr: float, synth: SynthResult | None) -> str | None:
    """How the synthetic control contradicts the DiD, or ``None`` when it does not.

    Parameters
    ----------
    did_label : str
        The DiD verdict (``"reduction"``, ``"no_detectable_change"``, ``"increase"``, ...).
    did_irr : float
        The DiD rate ratio.
    synth : SynthResult or None
        The place's synthetic control.

    Returns
    -------
    {"opposite", "unsupported"} or None
        ``"opposite"``: the synthetic-control interval lies wholly on the other side of 1
        from the DiD estimate (``ci_low > 1`` while the DiD ratio is below 1, or
        ``ci_high < 1`` while it is above 1), which includes both methods finding
        significant changes in opposite directions. ``"unsupported"``: the DiD verdict is
        ``"reduction"`` or ``"increase"``, and the synthetic-control interval contains 1 and
        excludes the DiD estimate (it finds no change and rules out the DiD's size).
        ``None`` otherwise, and whenever the synthetic control is missing or its interval
        is unbounded (too few donors or post-period events to reject anything).

    Notes
    -----
    Robustness checks are read this way in Abadie (2021, *JEL* 59(2), section 7): a
    result that changes direction, or vanishes while its size is ruled out, under a
    reasonable alternative design is not a result. An estimate the synthetic control
    merely estimates less precisely (its interval contains both 1 and the DiD estimate)
    is not a contradiction.

    Examples
    --------
    >>> r = SynthResult(1.0, 0.9, 1.1, 0.5, 0.0, 0.0, 1.0, 1.0, 200, (), np.zeros(0),
    ...                 np.zeros(0), np.zeros(0), 24, 12, 0.05)
    >>> disagreement("reduction", 0.7, r), disagreement("reduction", 0.95, r)
    ('unsupported', None)
    """
    if synth is None or any(
        not math.isfinite(v) for v in (synth.irr, synth.ci_low, synth.ci_high, did_irr)
    ):
        return None
    if synth.ci_low <= 0:
        return None
    if (synth.ci_low > 1.0 and did_irr < 1.0) or (synth.ci_high < 1.0 and did_irr > 1.0):
        return "opposite"
    contains_one = synth.ci_low <= 1.0 <= synth.ci_high
    excludes_did = not synth.ci_low <= did_irr <= synth.ci_high
    if did_label in ("reduction", "increase") and contains_one and excludes_did:
        return "unsupported"
    return None


__all__ = [
    "DEFAULT_DONORS",
    "SynthResult",
    "disagreement",
    "placebo_p_value",
    "sdid_ridge",
    "simplex_weights",
    "synthetic_control",
]
