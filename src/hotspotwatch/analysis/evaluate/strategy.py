"""Evaluate a hotspot strategy on plain frames: each hotspot, its surroundings, the whole.

:func:`evaluate_frames` takes events, hotspots, designations and the study area as frames
(no database), builds each hotspot's comparison (:mod:`~hotspotwatch.analysis.evaluate.hotspot`),
adjusts across hotspots, pools them and fits the region's interrupted time series. The
workflow (:mod:`hotspotwatch.workflows.evaluate`) reads the frames from a workspace and stores
the :class:`StrategyEvaluation`; the simulation study in ``bench/evaluation_recovery.py`` runs
exactly this function.

Outcomes are harm events (all, or chosen categories). Enforcement and prevention events are
reported as *dose* per hotspot and are never outcomes. Stored results carry labels and
numbers; sentences are written by :func:`hotspotwatch.i18n.verdicts.verdict_text`.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, ClassVar

import numpy as np
import pandas as pd
import shapely
from scipy import stats
from shapely.geometry.base import BaseGeometry

from hotspotwatch.analysis._result import ResultMixin, from_jsonable, to_jsonable
from hotspotwatch.analysis.evaluate.adjust import _adjust, _region_its, synth_check
from hotspotwatch.analysis.evaluate.design import control_grid
from hotspotwatch.analysis.evaluate.dose import dose_response
from hotspotwatch.analysis.evaluate.hotspot import (
    DOSE_ROLES,
    EventArrays,
    HotspotEvaluation,
    evaluate_hotspot,
)
from hotspotwatch.analysis.evaluate.its import ITSResult
from hotspotwatch.analysis.evaluate.months import (
    SourceCoverage,
    period_rule,
    source_coverage,
)
from hotspotwatch.analysis.evaluate.pooling import (
    CommonEffectResult,
    PooledResult,
    common_effect,
    random_effects,
)
from hotspotwatch.analysis.evaluate.selection import (
    SelectionCheck,
    apply_selection_checks,
    selection_checks,
)
from hotspotwatch.analysis.evaluate.series import (
    DAYS_PER_MONTH,
    DoseSeries,
    MonthlySeries,
    RingSeries,
)
from hotspotwatch.analysis.evaluate.verdict import (
    MAX_MDR,
    MIN_POST_MONTHS,
    Verdict,
    verdict,
)
from hotspotwatch.analysis.precision import coarsest
from hotspotwatch.domain.designation import active_periods

#: Decisions that open or prolong a designated period (an ``end`` decision cuts it).
ACTIVE_ACTIONS = ("designate", "extend")


@dataclass(frozen=True)
class StrategyEvaluation(ResultMixin):
    """Result of :func:`evaluate_frames` (and of the workflow's ``evaluate_strategy``).

    Attributes
    ----------
    hotspots : tuple of HotspotEvaluation
        One per evaluated hotspot.
    pooled : PooledResult or None
        Random-effects pooling of the hotspots' log rate ratios.
    pooled_verdict : Verdict or None
        Verdict on the pooled rate ratio.
    region : ITSResult or None
        Interrupted time series of the region's outcome.
    dose_response : dict
        Dose-response of log IRR on log dose ratio per role (3 hotspots or more).
    parameters : dict
        The options used, with derived values (``n_control_candidates``; ``not_evaluated``:
        designated hotspots without a month to compare, e.g. all left out as missing).
    time_precision : str
        Coarsest ``time_precision`` of the counted events (outcome and dose).
    period_rule : str
        ``"anchored_months"`` or ``"calendar_months"``
        (:func:`~hotspotwatch.analysis.evaluate.months.period_rule`).
    coverage : SourceCoverage or None
        Events per source and calendar month; the months an outcome source does not cover
        are left out of every comparison (``missing_months`` in the JSON).
    selection : tuple of SelectionCheck
        The selection placebo of each first-designation date
        (:mod:`hotspotwatch.analysis.evaluate.selection`): what choosing places at their
        peak produces on its own, with this design and with the naive 12-month one.
    pooled_fixed : CommonEffectResult or None
        Inverse-variance (fixed-weight) pooling of the same log rate ratios: the weighted
        mean effect over these places (``pooled.fixed`` in the JSON). The verdict reads the
        random-effects interval.
    """

    #: 3: the WDD scales the controls to the treated area's pre-period level (issue 14).
    #: 4: buffer labels read with the place's verdict (displacement only when it fell).
    #: 5: time precision, months rule and source coverage (missing months left out).
    #: 6: harm-weighted WDD variances from squared weights.
    #: 7: each hotspot's synthetic control (issue 16).
    #: 8: selection window, 24-month baseline, too_early, FCR-adjusted intervals (issue 16).
    #: 9: the selection placebo per designation date, and the correction it implies.
    #: 10: the fixed-weight pooled estimate beside the random-effects one (``pooled.fixed``).
    schema_version: ClassVar[int] = 10

    hotspots: tuple[HotspotEvaluation, ...]
    pooled: PooledResult | None
    pooled_verdict: Verdict | None
    region: ITSResult | None
    dose_response: dict[str, Any]
    parameters: dict[str, Any] = field(default_factory=dict)
    time_precision: str = "instant"
    period_rule: str = "anchored_months"
    coverage: SourceCoverage | None = None
    selection: tuple[SelectionCheck, ...] = ()
    pooled_fixed: CommonEffectResult | None = None

    def hotspot(
        self, name: str, outcome: str | Sequence[str] = "harm"
    ) -> HotspotEvaluation | None:
        """The evaluation of hotspot ``name`` on ``outcome``, or ``None``.

        ``outcome`` is ``"harm"``, an outcome key (``"shooting+stabbing"``) or the list of
        categories a spec's ``outcome`` parameter holds.
        """
        key = outcome if isinstance(outcome, str) else "+".join(str(c) for c in outcome)
        for h in self.hotspots:
            if h.name == name and h.outcome == key:
                return h
        return None

    def to_dict(self) -> dict[str, Any]:
        """``{"hotspots": [...], "pooled": {"irr", "ci_low", "ci_high", "i2", ...}, ...}``.

        Labels and numbers only: sentences are written from them
        (:func:`hotspotwatch.i18n.verdicts.verdict_text`).
        """
        pooled: dict[str, Any] | None = None
        if self.pooled is not None and self.pooled_verdict is not None:
            p = self.pooled
            pooled = {
                "irr": math.exp(p.estimate),
                "ci_low": math.exp(p.ci_low),
                "ci_high": math.exp(p.ci_high),
                "i2": p.i2,
                "tau2": p.tau2,
                "prediction_low": to_jsonable(math.exp(p.prediction_low)),
                "prediction_high": to_jsonable(math.exp(p.prediction_high)),
                "p_value": p.p_value,
                "k": p.k,
                "method": p.method,
                "verdict": self.pooled_verdict.label,
                # one estimate, no multiplicity: the adjusted interval is the interval
                "ci_low_adjusted": to_jsonable(self.pooled_verdict.ci_low_adjusted),
                "ci_high_adjusted": to_jsonable(self.pooled_verdict.ci_high_adjusted),
                "near_threshold": bool(self.pooled_verdict.near_threshold),
                "min_detectable_ratio": to_jsonable(self.pooled_verdict.min_detectable_ratio),
                "alpha": self.pooled_verdict.alpha,
                "random_effects": p.to_dict(),
            }
            if self.pooled_fixed is not None:
                f = self.pooled_fixed
                pooled["fixed"] = {
                    "irr": math.exp(f.estimate),
                    "ci_low": math.exp(f.ci_low),
                    "ci_high": math.exp(f.ci_high),
                    "p_value": f.p_value,
                    "common_effect": f.to_dict(),
                }
        return {
            "hotspots": [h.to_dict() for h in self.hotspots],
            "pooled": pooled,
            "region": None if self.region is None else self.region.to_dict(),
            "dose_response": to_jsonable(self.dose_response),
            "parameters": to_jsonable(self.parameters),
            "time_precision": self.time_precision,
            "period_rule": self.period_rule,
            "missing_months": [
                {"source": src, "month": m.isoformat()}
                for src, m in (self.coverage.missing() if self.coverage is not None else [])
            ],
            "coverage": None if self.coverage is None else self.coverage.to_dict(),
            "selection": [c.to_dict() for c in self.selection],
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> StrategyEvaluation:
        """Rebuild from :meth:`to_dict` (the inverse: ``to_dict(from_dict(d)) == d``)."""
        pooled = pooled_v = pooled_fixed = None
        pd_ = data.get("pooled")
        if pd_ is not None:
            pooled = PooledResult.from_dict(pd_["random_effects"])
            pooled_v = Verdict(
                label=str(pd_["verdict"]),
                irr=math.exp(pooled.estimate),
                ci_low=math.exp(pooled.ci_low),
                ci_high=math.exp(pooled.ci_high),
                p_value=pooled.p_value,
                p_adjusted=math.nan,
                min_detectable_ratio=from_jsonable(float, pd_["min_detectable_ratio"]),
                subject="hotspot",
                alpha=float(pd_["alpha"]),
                ci_low_adjusted=math.exp(pooled.ci_low),
                ci_high_adjusted=math.exp(pooled.ci_high),
                adjusted_alpha=float(pd_["alpha"]),
                near_threshold=bool(pd_.get("near_threshold", False)),
            )
            if pd_.get("fixed") is not None:  # absent before schema 10
                pooled_fixed = CommonEffectResult.from_dict(pd_["fixed"]["common_effect"])
        params = dict(data.get("parameters") or {})
        if isinstance(params.get("until"), str):
            params["until"] = dt.date.fromisoformat(params["until"])
        return cls(
            hotspots=tuple(HotspotEvaluation.from_dict(h) for h in data["hotspots"]),
            pooled=pooled,
            pooled_verdict=pooled_v,
            region=None if data.get("region") is None else ITSResult.from_dict(data["region"]),
            dose_response=dict(data.get("dose_response") or {}),
            parameters=params,
            time_precision=str(data.get("time_precision", "instant")),
            period_rule=str(data.get("period_rule", "anchored_months")),
            coverage=None if data.get("coverage") is None
            else SourceCoverage.from_dict(data["coverage"]),
            selection=tuple(SelectionCheck.from_dict(c) for c in data.get("selection") or ()),
            pooled_fixed=pooled_fixed,
        )


def designation_window(
    designations: pd.DataFrame, hotspot: str, *, until: dt.date
) -> tuple[dt.date, dt.date] | None:
    """First designation day and the last day of the first continuous designated period.

    The periods are :func:`hotspotwatch.domain.designation.active_periods` (designate and
    extend stretches merged, cut by an ``end`` decision); the post-period is the first one,
    up to ``until`` at most.

    Returns
    -------
    (first, last) or None
        Both inclusive; ``None`` when the hotspot has no period starting on or before
        ``until``.

    Examples
    --------
    >>> des = pd.DataFrame({"hotspot": ["A", "A", "A"], "action": ["designate", "extend", "end"],
    ...                     "start": [dt.date(2024, 1, 1), dt.date(2024, 7, 1), dt.date(2024, 11, 5)],
    ...                     "end": [dt.date(2024, 6, 30), None, None]})
    >>> designation_window(des, "A", until=dt.date(2024, 12, 31))
    (datetime.date(2024, 1, 1), datetime.date(2024, 11, 4))
    """
    rows = designations[designations["hotspot"] == hotspot]
    periods = active_periods(rows).get(str(hotspot), [])
    if not periods or periods[0].start > until:
        return None
    first = periods[0]
    last = until if first.end is None else min(first.end - dt.timedelta(days=1), until)
    return first.start, last


def _outcome_mask(events: pd.DataFrame, outcome: str | Sequence[str]) -> tuple[np.ndarray, str]:
    if isinstance(outcome, str) and outcome == "harm":
        return (events["role"] == "harm").to_numpy(), "harm"
    cats = [outcome] if isinstance(outcome, str) else list(outcome)
    harm_cats = set(events.loc[events["role"] == "harm", "category"].astype(str).unique())
    bad = [c for c in cats if c not in harm_cats]
    if bad:
        raise ValueError(
            f"outcome categories {bad} are not harm categories in the data; enforcement and "
            "prevention events are dose, never outcomes (use 'harm' or harm categories)"
        )
    return events["category"].astype(str).isin(cats).to_numpy(), "+".join(cats)


def evaluate_frames(
    events: pd.DataFrame,
    hotspots: pd.DataFrame,
    designations: pd.DataFrame,
    study_area: BaseGeometry,
    *,
    timezone: str = "Europe/Brussels",
    names: Sequence[str] | None = None,
    outcome: str | Sequence[str] = "harm",
    until: dt.date | None = None,
    pre_months: int = 24,
    selection_window_months: int = 6,
    buffer_widths: Sequence[float] = (250.0,),
    cell_size: float = 500.0,
    n_controls: int = 0,
    seed: int = 0,
    alpha: float = 0.05,
    fdr: str = "fdr_bh",
    pool_method: str = "reml",
    family: str = "poisson",
    cov: str = "quasi",
    weighted: bool = False,
    months: str = "auto",
    synth_donors: int = 200,
    synth_pre_months: int = 24,
    selection_placebo: bool = True,
    progress: Callable[[int, int], None] | None = None,
    min_post_months: int = MIN_POST_MONTHS,
    max_mdr: float = MAX_MDR,
) -> StrategyEvaluation:
    """Evaluate hotspots on plain frames (no database).

    Parameters
    ----------
    events : DataFrame
        Columns ``x``, ``y`` (metres), ``occurred_at`` (tz-aware UTC), ``category``, ``role``;
        ``harm_weight`` if ``weighted``.
    hotspots : DataFrame
        Columns ``name`` and ``geometry`` (polygons, same CRS as the events).
    designations : DataFrame
        Columns ``hotspot`` (name), ``action``, ``start``, ``end`` (date or None).
    study_area : shapely geometry
        Region outline (controls are drawn from it).
    timezone : str
        Calendar time zone for months.
    names : sequence of str, optional
        Hotspots to evaluate (default all with a designation before ``until``).
    outcome : "harm" or sequence of category names
        Harm outcome: all harm events, or the given harm categories.
    until : datetime.date, optional
        Last day of the post-period (default: the last event day).
    pre_months : int
        Longest baseline: months before the selection window used as pre-period (24 by
        default); where the data start later, the whole months that exist (at least 3;
        each hotspot records the baseline used, ``pre_start`` .. ``pre_end``).
    selection_window_months : int
        Months just before each decision left out of both the treated and the control
        series (neither before nor after): places are designated because harm has just
        peaked there, and part of a peak fades anyway (regression to the mean); counting
        the peak as "before" credits the strategy with that fall. 0 keeps the months.
    buffer_widths : sequence of float
        Buffer ring widths (cumulative, adjacent rings); the first ring is the one evaluated
        for displacement, every ring gets its monthly series.
    cell_size : float
        Control grid cell side (metres).
    n_controls : int
        Matched control cells per hotspot; 0 (default) keeps every eligible cell. Matching
        on noisy pre-period counts picks cells that were unusually high by chance, which then
        regress to the mean and bias the IRR upwards (seen in tests); with many hotspots and a
        common regional trend the full control set is the safer default.
    seed : int
        Seed of the matching tie-break.
    alpha : float
        Level of intervals and tests.
    fdr : {"fdr_bh", "fdr_by", "holm", "none"}
        Multiple-testing adjustment across hotspots.
    pool_method : {"reml", "dl"}
        Random-effects :math:`\\tau^2` estimator.
    family, cov : str
        Passed to :func:`~hotspotwatch.analysis.evaluate.did.did`.
    weighted : bool
        Count harm-weighted events instead of events.
    months : {"auto", "anchored", "calendar"}
        Months rule: ``"auto"`` counts in calendar months when a counted event has
        ``time_precision == "month"`` (column ``time_precision``; absent = ``"instant"``),
        else in months anchored on the designation day; ``"anchored"`` is refused on
        month-precision data (:mod:`hotspotwatch.analysis.evaluate.months`). Months an
        outcome source (column ``source``) does not cover are left out.
    synth_donors : int
        Donor pool of each hotspot's synthetic control: the control cells best matched on
        pre-period level and trend (0: no synthetic control). It bounds the placebo work.
    synth_pre_months : int
        Months before designation the synthetic control is fitted on, where the data
        reach back that far (at least ``pre_months``).
    selection_placebo : bool
        Apply the designation rule to the control cells at each designation date and
        earlier ones (:func:`~hotspotwatch.analysis.evaluate.selection.selection_checks`);
        where it finds a selection effect with this design, remove it from the estimates of
        the places designated that day and widen their intervals by its uncertainty.
    progress : callable, optional
        ``progress(done, total)`` after each hotspot (``total``: the hotspots asked for);
        not part of the question (the result does not depend on it).
    min_post_months : int
        A place with fewer months after designation is ``"too_early"``.
    max_mdr : float
        A place whose design cannot detect a fall of ``max_mdr`` (a fraction: 0.5 = a
        halving) with 80 % power is ``"too_early"``
        (:func:`~hotspotwatch.analysis.evaluate.verdict.too_early_reason`).

    Returns
    -------
    StrategyEvaluation
    """
    if pre_months < 3:
        raise ValueError(f"pre_months must be at least 3, got {pre_months!r}")
    if selection_window_months < 0:
        raise ValueError(
            f"selection_window_months must be 0 or more, got {selection_window_months!r}"
        )
    if min_post_months < 0:
        raise ValueError(f"min_post_months must be 0 or more, got {min_post_months!r}")
    if not 0 < max_mdr <= 1:
        raise ValueError(f"max_mdr must be in (0, 1] (a fraction of reduction), got {max_mdr!r}")
    ev = events
    out_mask, outcome_key = _outcome_mask(ev, outcome)
    if until is None:
        until = pd.Timestamp(ev["occurred_at"].max()).tz_convert(timezone).date()
    hs = hotspots.reset_index(drop=True)
    all_names = [str(n) for n in hs["name"]]
    if names:
        unknown = [n for n in names if n not in all_names]
        if unknown:
            raise ValueError(f"unknown hotspot(s) {unknown}; known: {', '.join(all_names)}")
    wanted = list(names) if names else all_names
    geoms = list(hs["geometry"])
    all_hot = shapely.union_all(geoms)
    reach = float(sum(buffer_widths))
    exclusion = shapely.union_all([g.buffer(reach) for g in geoms])
    grid = control_grid(study_area, exclusion, cell_size=cell_size)
    if grid.eligible.size == 0:
        raise ValueError("no control cells left: reduce buffer_widths or cell_size")
    x = ev["x"].to_numpy(float)
    y = ev["y"].to_numpy(float)
    cell_flat = grid.cell_of(x, y)
    cell_pos = np.full(grid.n_cols * grid.n_rows, -1, dtype=np.intp)
    cell_pos[grid.eligible] = np.arange(grid.eligible.size)
    arrays = EventArrays(
        occurred_at=ev["occurred_at"],
        x=x,
        y=y,
        outcome=out_mask,
        weights=ev["harm_weight"].to_numpy(float) if weighted else None,
        roles=ev["role"].astype(str).to_numpy(),
        categories=ev["category"].astype(str).to_numpy(),
        control_cell=np.where(cell_flat >= 0, cell_pos[np.maximum(cell_flat, 0)], -1),
        timezone=timezone,
    )
    dose_cats = arrays.dose_categories()
    counted = out_mask | np.isin(arrays.roles, DOSE_ROLES)
    precision = coarsest(
        ev.loc[counted, "time_precision"].astype(str).unique().tolist()
        if "time_precision" in ev else []
    )
    rule = period_rule(precision, months)
    coverage = source_coverage(
        ev["source"].astype(str).to_numpy() if "source" in ev else np.full(len(ev), "events"),
        ev["occurred_at"],
        out_mask,
        timezone=timezone,
        last=until,
    )
    missing = frozenset(coverage.missing_codes())
    # months before the data start do not exist (not zero): the DiD's baseline falls back to
    # the whole months after it, the synthetic control's long pre-period starts no earlier
    data_start = coverage.months[0] if coverage.months else None

    results: list[HotspotEvaluation] = []
    not_evaluated: list[str] = []
    for done, name in enumerate(wanted, start=1):
        window = designation_window(designations, name, until=until)
        if window is None:
            if progress is not None:
                progress(done, len(wanted))
            continue
        r = evaluate_hotspot(
            arrays,
            grid,
            name=name,
            geometry=geoms[all_names.index(name)],
            exclude=all_hot,
            first=window[0],
            last=window[1],
            outcome=outcome_key,
            dose_categories=dose_cats,
            pre_months=pre_months,
            buffer_widths=buffer_widths,
            n_controls=n_controls,
            seed=seed,
            alpha=alpha,
            family=family,
            cov=cov,
            rule=rule,
            missing=missing,
            synth_donors=synth_donors,
            synth_pre_months=synth_pre_months,
            data_start=data_start,
            selection_window=selection_window_months,
            min_post_months=min_post_months,
            max_mdr=max_mdr,
        )
        if r is not None:
            results.append(r)
        else:  # no (whole) month after designation, none left once missing months go, or
            not_evaluated.append(name)  # fewer than 3 baseline months in the data
        if progress is not None:
            progress(done, len(wanted))

    checks: tuple[SelectionCheck, ...] = ()
    if results and selection_placebo:
        checks = selection_checks(
            arrays, grid, results, selection_window=selection_window_months,
            pre_months=pre_months, rule=rule, missing=missing, alpha=alpha, seed=seed,
        )
        results = apply_selection_checks(results, checks)
    if results:
        results = _adjust(results, fdr=fdr, alpha=alpha)
        results = [synth_check(r) for r in results]
    usable = [r for r in results if math.isfinite(r.did.log_irr) and r.did.se > 0]
    pooled = pooled_v = pooled_fixed = None
    if usable:
        log_irrs, variances = [r.did.log_irr for r in usable], [r.did.se**2 for r in usable]
        pooled = random_effects(
            log_irrs, variances, method=pool_method, alpha=alpha  # type: ignore[arg-type]
        )
        pooled_fixed = common_effect(log_irrs, variances, alpha=alpha)
        # Smallest pooled reduction detectable with 80 % power at this standard error.
        k_pow = float(stats.norm.isf(alpha / 2) + stats.norm.ppf(0.8))
        pooled_v = verdict(
            math.exp(pooled.estimate),
            math.exp(pooled.ci_low),
            math.exp(pooled.ci_high),
            p_value=pooled.p_value,
            min_detectable_ratio=math.exp(-k_pow * pooled.se),
            alpha=alpha,
        )
    dose_out: dict[str, Any] = {}
    if len(usable) >= 3:
        for role in DOSE_ROLES:
            ratios = np.array([r.dose[f"{role}_ratio"] for r in usable])
            dr = dose_response(
                [r.did.log_irr for r in usable],
                np.log(ratios),
                variances=[r.did.se**2 for r in usable],
                alpha=alpha,
            )
            dose_out[f"{role}_log_ratio"] = dr.to_dict()
    region = _region_its(arrays, results, until, alpha, rule, missing) if results else None
    params = {
        "outcome": outcome_key,
        "until": until,
        "pre_months": pre_months,
        "selection_window_months": selection_window_months,
        "buffer_widths": list(buffer_widths),
        "cell_size": cell_size,
        "n_controls": n_controls,
        "seed": seed,
        "alpha": alpha,
        "fdr": fdr,
        "pool_method": pool_method,
        "family": family,
        "cov": cov,
        "weighted": weighted,
        "months": months,
        "synth_donors": synth_donors,
        "synth_pre_months": synth_pre_months,
        "min_post_months": min_post_months,
        "max_mdr": max_mdr,
        "selection_placebo": selection_placebo,
        "n_control_candidates": int(grid.eligible.size),
        "not_evaluated": not_evaluated,
    }
    return StrategyEvaluation(tuple(results), pooled, pooled_v, region, dose_out, params,
                              time_precision=precision, period_rule=rule, coverage=coverage,
                              selection=checks, pooled_fixed=pooled_fixed)


__all__ = [
    "ACTIVE_ACTIONS",
    "DAYS_PER_MONTH",
    "DoseSeries",
    "HotspotEvaluation",
    "MonthlySeries",
    "RingSeries",
    "StrategyEvaluation",
    "designation_window",
    "evaluate_frames",
    "synth_check",
]
