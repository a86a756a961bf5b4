"""One hotspot's comparison: treated area, buffer rings and controls, month by month.

:func:`evaluate_hotspot` builds the comparison of one hotspot (the design of
:mod:`hotspotwatch.analysis.evaluate.design`), counts its monthly series and runs the
estimators; :class:`HotspotEvaluation` holds every number it produced, the series included,
so that the report and the dashboard show them without counting again.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, ClassVar

import numpy as np
import shapely
from numpy.typing import NDArray
from shapely.geometry.base import BaseGeometry

from hotspotwatch.analysis._result import ResultMixin, from_jsonable, to_jsonable
from hotspotwatch.analysis.evaluate.design import (
    ControlGrid,
    buffer_rings,
    match_controls,
    monthly_counts,
)
from hotspotwatch.analysis.evaluate.did import DiDResult, did
from hotspotwatch.analysis.evaluate.events import DOSE_ROLES, EventArrays
from hotspotwatch.analysis.evaluate.months import masked_months, month_plan
from hotspotwatch.analysis.evaluate.panels import _cell_corners, _weighted_variances, synth_panel
from hotspotwatch.analysis.evaluate.power import min_detectable_ratio
from hotspotwatch.analysis.evaluate.series import (
    DAYS_PER_MONTH,
    DoseSeries,
    MonthlySeries,
    RingSeries,
)
from hotspotwatch.analysis.evaluate.synth import DEFAULT_DONORS, SynthResult
from hotspotwatch.analysis.evaluate.verdict import (
    MAX_MDR,
    MIN_POST_MONTHS,
    Verdict,
    _adjusted,
    _date_or_none,
    _verdict_of,
    buffer_verdict,
    too_early_reason,
    verdict,
)
from hotspotwatch.analysis.evaluate.wdd import WDDResult, WDQResult, wdd_scaled, wdq
from hotspotwatch.periods import AnchoredMonth, Day, counts


@dataclass(frozen=True)
class HotspotEvaluation(ResultMixin):
    """Everything estimated for one hotspot (see :func:`evaluate_hotspot`).

    Attributes
    ----------
    name, outcome : str
        Hotspot and outcome (``"harm"`` or harm categories joined by ``+``).
    designated, last_day : datetime.date
        First designation day and last day of the post-period (inclusive).
    pre_months : int
        Whole months of baseline used (before the selection window): the ``pre_months``
        asked for, or fewer when the data start later (at least 3).
    post_months : float
        Length of the post-period in average months (its exposure).
    treated_pre, treated_post, buffer_pre, buffer_post, control_pre, control_post : float
        Outcome totals before / after in the treated area, buffer ring 0 and the controls.
    n_controls : int
        Control cells used.
    did, buffer_did : DiDResult
        Difference-in-differences of the treated area and of buffer ring 0.
    wdq, wdd : WDQResult, WDDResult
        Weighted displacement quotient and weighted displacement difference (the controls
        scaled to the perimeter's and the ring's pre-period level:
        :func:`~hotspotwatch.analysis.evaluate.wdd.wdd_scaled`; ``local`` with
        ``local_ci_low``/``local_ci_high`` is the place itself, ``estimate`` with
        ``ci_low``/``ci_high`` the place plus its surroundings, in events per month of the
        post-period).
    min_detectable_ratio : float
        Smallest rate ratio detectable with 80 % power.
    p_adjusted, buffer_p_adjusted : float
        p-values adjusted across hotspots.
    verdict, buffer_verdict : Verdict
        Labels with the numbers they rest on.
    dose : dict
        Enforcement and prevention per month before / after and their ratio.
    matching_rule : str
        The control rule in words.
    series : MonthlySeries
        Treated area and controls per anchored month, with the exposure the DiD used.
    rings : tuple of RingSeries
        One per buffer width (cumulative, adjacent rings).
    dose_series : DoseSeries
        Dose per category and anchored month inside the perimeter.
    control_boxes : tuple of (xmin, ymin, xmax, ymax)
        Control cells in the workspace CRS.
    period_rule : str
        ``"anchored_months"`` (months start on the designation day) or
        ``"calendar_months"`` (month-precision data: see
        :mod:`hotspotwatch.analysis.evaluate.months`).
    missing_months : tuple of datetime.date
        Starts of the months left out because a source does not cover them (their counts
        are NaN in the series, their exposure 0).
    transition_month : datetime.date or None
        Under calendar months, the designation month (partly before, partly after), left
        out of the comparison too.
    synth : SynthResult or None
        Synthetic control of the treated area from the best-matched control cells, on the
        long pre-period (:func:`synth_panel`); ``None`` when it is off or cannot be fitted.
    selection_window_months : int
        Months just before the decision left out of both series (neither before nor
        after): the selection window, when harm that led to the designation peaked.
    pre_start, pre_end : datetime.date or None
        First and last day of the baseline actually used.
    """

    #: 2: the WDD scales the controls to the treated area's pre-period level (issue 14).
    #: 3: buffer labels read with the place's verdict (displacement only when it fell).
    #: 4: the synthetic control (issue 16).
    #: 5: selection window and baseline used; too_early; FCR-adjusted intervals the
    #: verdicts are read from; near_threshold (issue 16).
    schema_version: ClassVar[int] = 5

    name: str
    outcome: str
    designated: dt.date
    pre_months: int
    post_months: float
    treated_pre: float
    treated_post: float
    buffer_pre: float
    buffer_post: float
    control_pre: float
    control_post: float
    n_controls: int
    did: DiDResult
    buffer_did: DiDResult
    wdq: WDQResult
    wdd: WDDResult
    min_detectable_ratio: float
    p_adjusted: float
    buffer_p_adjusted: float
    verdict: Verdict
    buffer_verdict: Verdict
    dose: dict[str, float]
    matching_rule: str
    last_day: dt.date
    series: MonthlySeries
    rings: tuple[RingSeries, ...]
    dose_series: DoseSeries
    # Control cells used for this hotspot, as (xmin, ymin, xmax, ymax) in the workspace CRS,
    # so that maps can show the comparison places without recomputing the design.
    control_boxes: tuple[tuple[float, float, float, float], ...] = ()
    # issue 14: the months rule, and the months left out of the comparison
    period_rule: str = "anchored_months"
    missing_months: tuple[dt.date, ...] = ()
    transition_month: dt.date | None = None
    synth: SynthResult | None = None
    # issue 16: the selection window and the baseline actually used
    selection_window_months: int = 0
    pre_start: dt.date | None = None
    pre_end: dt.date | None = None

    def with_verdict(self, v: Verdict) -> HotspotEvaluation:
        """This evaluation with the place's verdict ``v`` (e.g. from
        :func:`~hotspotwatch.analysis.evaluate.verdict.downgrade_to_uncertain`); the buffer
        label is read again with it (no displacement without a fall in the place)."""
        b = self.buffer_verdict
        vb = buffer_verdict(
            b.irr, b.ci_low, b.ci_high, p_value=b.p_value, p_adjusted=b.p_adjusted,
            alpha=b.alpha, place=v.label, ci_low_adjusted=b.ci_low_adjusted,
            ci_high_adjusted=b.ci_high_adjusted, adjusted_alpha=b.adjusted_alpha,
        )
        return dataclasses.replace(self, verdict=v, buffer_verdict=vb)

    def to_dict(self) -> dict[str, Any]:
        """JSON shape of the issue (labels and numbers, no sentences), with extra keys."""
        return {
            "name": self.name,
            "outcome": self.outcome,
            "irr": to_jsonable(self.did.irr),
            "ci_low": to_jsonable(self.did.ci_low),
            "ci_high": to_jsonable(self.did.ci_high),
            "p_value": to_jsonable(self.did.p_value),
            "p_adjusted": to_jsonable(self.p_adjusted),
            **_adjusted(self.verdict),
            "wdq": self.wdq.to_dict(),
            "wdd": self.wdd.to_dict(),
            "min_detectable_ratio": to_jsonable(self.min_detectable_ratio),
            "verdict": self.verdict.label,
            "buffer": {
                "irr": to_jsonable(self.buffer_did.irr),
                "ci_low": to_jsonable(self.buffer_did.ci_low),
                "ci_high": to_jsonable(self.buffer_did.ci_high),
                "p_value": to_jsonable(self.buffer_did.p_value),
                "p_adjusted": to_jsonable(self.buffer_p_adjusted),
                **_adjusted(self.buffer_verdict),
                "verdict": self.buffer_verdict.label,
                "did": self.buffer_did.to_dict(),
            },
            "controls": [list(b) for b in self.control_boxes],
            "counts": {
                "treated_pre": self.treated_pre,
                "treated_post": self.treated_post,
                "buffer_pre": self.buffer_pre,
                "buffer_post": self.buffer_post,
                "control_pre": self.control_pre,
                "control_post": self.control_post,
            },
            "design": {
                "designated": self.designated.isoformat(),
                "pre_months": self.pre_months,
                "selection_window_months": self.selection_window_months,
                "pre_start": None if self.pre_start is None else self.pre_start.isoformat(),
                "pre_end": None if self.pre_end is None else self.pre_end.isoformat(),
                "post_months": round(self.post_months, 2),
                "n_controls": self.n_controls,
                "matching_rule": self.matching_rule,
                "estimator": f"{self.did.family} DiD, unit and month effects, {self.did.cov} SE",
            },
            "dose": to_jsonable(self.dose),
            "did": self.did.to_dict(),
            "last_day": self.last_day.isoformat(),
            "series": self.series.to_dict(),
            "rings": [r.to_dict() for r in self.rings],
            "dose_series": self.dose_series.to_dict(),
            "period_rule": self.period_rule,
            "missing_months": [m.isoformat() for m in self.missing_months],
            "transition_month": None if self.transition_month is None
            else self.transition_month.isoformat(),
            "synth": None if self.synth is None else self.synth.to_dict(),
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> HotspotEvaluation:
        """Rebuild from :meth:`to_dict` (the verdicts from their labels and numbers)."""
        d_t = DiDResult.from_dict(data["did"])
        d_b = DiDResult.from_dict(data["buffer"]["did"])
        design = data["design"]
        c = data["counts"]
        series = MonthlySeries.from_dict(data["series"])
        p_adj = from_jsonable(float, data["p_adjusted"])
        pb_adj = from_jsonable(float, data["buffer"]["p_adjusted"])
        mdr = from_jsonable(float, data["min_detectable_ratio"])
        return cls(
            name=str(data["name"]),
            outcome=str(data["outcome"]),
            designated=dt.date.fromisoformat(design["designated"]),
            pre_months=int(design["pre_months"]),
            # the exact exposure (design.post_months is rounded for reading)
            post_months=float(series.exposure[~series.pre_mask].sum()),  # 0 where left out
            treated_pre=float(c["treated_pre"]),
            treated_post=float(c["treated_post"]),
            buffer_pre=float(c["buffer_pre"]),
            buffer_post=float(c["buffer_post"]),
            control_pre=float(c["control_pre"]),
            control_post=float(c["control_post"]),
            n_controls=int(design["n_controls"]),
            did=d_t,
            buffer_did=d_b,
            wdq=WDQResult.from_dict(data["wdq"]),
            wdd=WDDResult.from_dict(data["wdd"]),
            min_detectable_ratio=mdr,
            p_adjusted=p_adj,
            buffer_p_adjusted=pb_adj,
            verdict=_verdict_of(data, d_t, p_adj, mdr, "hotspot"),
            buffer_verdict=_verdict_of(data["buffer"], d_b, pb_adj, math.nan, "buffer"),
            dose=from_jsonable(dict[str, float], data["dose"]),
            matching_rule=str(design["matching_rule"]),
            last_day=dt.date.fromisoformat(data["last_day"]),
            series=series,
            rings=tuple(RingSeries.from_dict(r) for r in data["rings"]),
            dose_series=DoseSeries.from_dict(data["dose_series"]),
            control_boxes=from_jsonable(
                tuple[tuple[float, float, float, float], ...], data["controls"]
            ),
            period_rule=str(data.get("period_rule", "anchored_months")),
            missing_months=tuple(dt.date.fromisoformat(m) for m in data.get("missing_months", [])),
            transition_month=None if data.get("transition_month") is None
            else dt.date.fromisoformat(data["transition_month"]),
            synth=None if data.get("synth") is None else SynthResult.from_dict(data["synth"]),
            selection_window_months=int(design.get("selection_window_months", 0)),
            pre_start=_date_or_none(design.get("pre_start")),
            pre_end=_date_or_none(design.get("pre_end")),
        )


def evaluate_hotspot(
    events: EventArrays,
    grid: ControlGrid,
    *,
    name: str,
    geometry: BaseGeometry,
    exclude: BaseGeometry,
    first: dt.date,
    last: dt.date,
    outcome: str,
    dose_categories: tuple[tuple[str, ...], tuple[str, ...]],
    pre_months: int = 12,
    buffer_widths: Sequence[float] = (250.0,),
    n_controls: int = 0,
    seed: int = 0,
    alpha: float = 0.05,
    family: str = "poisson",
    cov: str = "quasi",
    rule: str = "anchored_months",
    missing: frozenset[int] = frozenset(),
    synth_donors: int = DEFAULT_DONORS,
    synth_pre_months: int = 24,
    data_start: dt.date | None = None,
    selection_window: int = 0,
    min_post_months: float = MIN_POST_MONTHS,
    max_mdr: float = MAX_MDR,
) -> HotspotEvaluation | None:
    """Compare one hotspot with its buffer rings and controls (before FDR adjustment).

    Parameters
    ----------
    events : EventArrays
        All events, as arrays.
    grid : ControlGrid
        Eligible control cells.
    name : str
        Hotspot name.
    geometry, exclude : shapely geometry
        The hotspot polygon, and the union of all hotspots (removed from the rings).
    first, last : datetime.date
        First designation day and last day of the post-period (inclusive).
    outcome : str
        Outcome key stored with the result.
    dose_categories : (categories, roles)
        Dose categories to count (from :meth:`EventArrays.dose_categories`).
    pre_months, buffer_widths, n_controls, seed, alpha, family, cov
        As in :func:`~hotspotwatch.analysis.evaluate.strategy.evaluate_frames`.
    rule : {"anchored_months", "calendar_months"}
        Months rule (:func:`~hotspotwatch.analysis.evaluate.months.period_rule`).
    missing : frozenset of int
        Calendar month codes a source does not cover: every month overlapping one is left
        out (:func:`~hotspotwatch.analysis.evaluate.months.masked_months`).
    synth_donors, synth_pre_months
        Synthetic control (:func:`synth_panel`): donor pool size (0: none) and months before
        designation it is fitted on.
    selection_window : int
        Months just before the decision left out of both series (the selection window)
        and of the synthetic control's fit.
    data_start : datetime.date, optional
        First day of data: baseline months that start before it do not exist (not zero):
        the DiD's baseline is shortened to the whole months after it (at least 3), the
        synthetic control leaves them out.
    min_post_months, max_mdr : float
        Too-early rule (:func:`~hotspotwatch.analysis.evaluate.verdict.too_early_reason`).

    Returns
    -------
    HotspotEvaluation or None
        ``None`` when the post-period (or the pre-period, once months are left out) is
        empty, or fewer than 3 baseline months exist. ``p_adjusted`` is NaN and the
        adjusted interval the unadjusted one until the caller adjusts across hotspots.
    """
    plan = month_plan(first, last, pre_months, rule, events.timezone,
                      selection_window=selection_window)
    if plan is None:
        return None
    if data_start is not None:
        am0 = AnchoredMonth(plan.anchor, events.timezone)
        b_lo, b_hi = plan.baseline
        exists = [k for k in range(b_lo, b_hi + 1) if am0.start(k) >= data_start]
        if len(exists) < 3:
            return None
        if len(exists) < pre_months:  # fall back to the baseline that exists (stated)
            pre_months = len(exists)
            plan = month_plan(first, last, pre_months, rule, events.timezone,
                              selection_window=selection_window)
            if plan is None:
                return None
    am = AnchoredMonth(plan.anchor, events.timezone)
    months = events.months(plan.anchor)
    last = plan.last
    lo_m, hi_m = plan.lo, plan.hi
    codes = np.arange(lo_m, hi_m + 1)
    # months left out: the transition month and months a source does not cover
    masked = masked_months(plan, set(missing), events.timezone)
    in_window = np.isin(codes, plan.window)
    keep = ~masked & ~in_window
    if not (keep & (codes < 0)).any() or not (keep & (codes >= 0)).any():
        return None
    days = np.where(keep, plan.days, 0.0)
    exposure = days / DAYS_PER_MONTH
    # the post-period ends on `last`: later events of its (partial) last month are not counted
    in_range = (months >= lo_m) & (months <= hi_m) & (events.day() <= Day(events.timezone).code_of(last))
    sel = events.outcome & in_range
    weights = events.weights

    def count(
        mask: NDArray[np.bool_], unit: NDArray[np.intp], n: int, power: int = 1
    ) -> NDArray[np.float64]:
        m = sel & mask
        if weights is None:
            return monthly_counts(months[m], unit[m], n, lo_m, hi_m)
        n_m = hi_m - lo_m + 1
        flat = unit[m] * n_m + (months[m] - lo_m)
        w = weights[m] ** power
        return np.bincount(flat, weights=w, minlength=n * n_m).reshape(n, n_m).astype(float)

    in_t = events.inside(geometry)
    ring_geoms = buffer_rings(geometry, widths=buffer_widths, exclude=exclude)
    zeros = np.zeros(events.x.size, dtype=np.intp)
    t_series = count(in_t, zeros, 1)[0]
    ring_series = [count(events.inside(g), zeros, 1)[0] for g in ring_geoms]
    b_series = ring_series[0]
    cell = events.control_cell
    cells = count(cell >= 0, np.maximum(cell, 0), grid.eligible.size)
    k_ctrl = n_controls if n_controls > 0 else grid.eligible.size
    pre_kept = (codes < 0) & keep
    match = match_controls(
        t_series[pre_kept], cells[:, pre_kept], n_controls=k_ctrl, seed=seed
    )
    c_series = cells[match.selected].sum(axis=0)
    for arr in (t_series, c_series, *ring_series):
        arr[~keep] = np.nan  # missing (or in the selection window), not zero
    pre = (codes < 0) & keep
    post = (codes >= 0) & keep
    n_k = int(keep.sum())
    unit = np.repeat([0, 1], n_k)
    kw: dict[str, Any] = {
        "unit": unit,
        "time": np.tile(np.arange(n_k), 2),
        "treated": unit == 0,
        "post": np.tile(post[keep], 2),
        "exposure": np.tile(exposure[keep], 2),
        "family": family,
        "cov": cov,
        "alpha": alpha,
    }
    d_t = did(np.concatenate([t_series[keep], c_series[keep]]), **kw)
    d_b = did(np.concatenate([b_series[keep], c_series[keep]]), **kw)
    t0, t1 = float(t_series[pre].sum()), float(t_series[post].sum())
    b0, b1 = float(b_series[pre].sum()), float(b_series[post].sum())
    c0, c1 = float(c_series[pre].sum()), float(c_series[post].sum())
    pre_len = float(exposure[pre].sum())
    post_len = float(exposure[post].sum())
    wdq_r = wdq(target=(t0, t1), buffer=(b0, b1), control=(max(c0, 1e-9), max(c1, 1e-9)))
    # the controls (many cells) are scaled to the perimeter's and the ring's pre-period
    # level (Wheeler & Ratcliffe 2018 require comparable control areas): see wdd_scaled
    wdd_r = wdd_scaled(
        target=(t0, t1),
        control=(c0, c1),
        buffer=(b0, b1),
        time_weights=(pre_len, post_len),
        alpha=alpha,
        variances=None if weights is None else _weighted_variances(
            count, in_t, events.inside(ring_geoms[0]), cell, grid, match.selected, pre, post
        ),
    )
    disp = d_t.dispersion if math.isfinite(d_t.dispersion) else 1.0
    mdr = (
        min_detectable_ratio(
            t0,
            "did",
            alpha,
            0.8,
            max(0.0, disp - 1.0) / t0,
            post_ratio=post_len / pre_len,
            control_count=max(c0, 1.0),
        ).ratio
        if t0 > 0
        else math.nan
    )
    cats, roles = dose_categories
    dose_counts = np.zeros((len(cats), codes.size))
    inside_window = in_t & in_range
    for i, cat in enumerate(cats):
        m = inside_window & (events.categories == cat)
        dose_counts[i] = counts(months[m], lo_m, hi_m)
    dose_counts[:, ~keep] = np.nan
    dose_series = DoseSeries(cats, roles, dose_counts)
    dose: dict[str, float] = {}
    for role in DOSE_ROLES:
        pre_n = dose_series.role_totals(role, pre)
        post_n = dose_series.role_totals(role, post)
        dose[f"{role}_pre_per_month"] = pre_n / pre_len
        dose[f"{role}_post_per_month"] = post_n / post_len
        dose[f"{role}_ratio"] = (post_n / post_len) / (pre_n / pre_len) if pre_n > 0 else math.nan
    reach = np.concatenate([[0.0], np.cumsum(np.asarray(buffer_widths, dtype=float))])
    rings = tuple(
        RingSeries(
            inner_m=float(reach[i]),
            outer_m=float(reach[i + 1]),
            wkt=shapely.to_wkt(g, rounding_precision=3),
            counts=s,
            pre=float(s[pre].sum()),
            post=float(s[post].sum()),
        )
        for i, (g, s) in enumerate(zip(ring_geoms, ring_series, strict=True))
    )
    am_months = tuple(am.start(int(k)) for k in codes)
    v_t = verdict(
        d_t.irr, d_t.ci_low, d_t.ci_high, p_value=d_t.p_value, min_detectable_ratio=mdr,
        alpha=alpha,
        too_early=too_early_reason(
            post_len, mdr, min_post_months=min_post_months, max_mdr=max_mdr
        ),
    )
    b_lo, b_hi = plan.baseline
    return HotspotEvaluation(
        name=name,
        outcome=outcome,
        designated=first,
        pre_months=pre_months,
        post_months=post_len,
        treated_pre=t0,
        treated_post=t1,
        buffer_pre=b0,
        buffer_post=b1,
        control_pre=c0,
        control_post=c1,
        n_controls=int(match.selected.size),
        did=d_t,
        buffer_did=d_b,
        wdq=wdq_r,
        wdd=wdd_r,
        min_detectable_ratio=mdr,
        p_adjusted=math.nan,
        buffer_p_adjusted=math.nan,
        verdict=v_t,
        buffer_verdict=buffer_verdict(
            d_b.irr, d_b.ci_low, d_b.ci_high, p_value=d_b.p_value, alpha=alpha, place=v_t.label
        ),
        dose=dose,
        matching_rule=match.rule,
        last_day=last,
        series=MonthlySeries(
            months=am_months,
            codes=tuple(int(k) for k in codes),
            days=days,
            exposure=exposure,
            treated=t_series.astype(float),
            control=c_series.astype(float),
            n_controls=int(match.selected.size),
        ),
        rings=rings,
        dose_series=dose_series,
        control_boxes=tuple(
            (b[0], b[1], b[0] + grid.cell_size, b[1] + grid.cell_size)
            for b in _cell_corners(grid, grid.eligible[match.selected])
        ),
        period_rule=rule,
        missing_months=tuple(
            am.start(int(k)) for k in codes[masked] if int(k) != plan.transition
        ),
        transition_month=None if plan.transition is None else am.start(plan.transition),
        synth=None if synth_donors <= 0 else synth_panel(
            events, grid, in_t, first=first, last=last, pre_months=max(pre_months, synth_pre_months),
            n_donors=synth_donors, seed=seed, alpha=alpha, rule=rule, missing=missing,
            data_start=data_start, selection_window=selection_window,
        ),
        selection_window_months=len(plan.window),
        pre_start=am.start(b_lo),
        pre_end=am.start(b_hi + 1) - dt.timedelta(days=1),
    )


__all__ = ["DOSE_ROLES", "EventArrays", "HotspotEvaluation", "evaluate_hotspot", "synth_panel"]
