"""Evaluate the hotspot strategy: per hotspot, its surroundings, and the strategy as a whole.

``evaluate_strategy(ws)`` reads events, hotspots and designations from a workspace, builds
each comparison (:mod:`hotspotwatch.analysis.evaluate.design`), runs the estimators and
records the run. ``evaluate_frames`` does the same on plain frames (no database), so that
the simulation study in ``bench/evaluation_recovery.py`` runs exactly the workflow's design.

Outcomes are harm events (all, or chosen categories). Enforcement and prevention events are
reported as *dose* per hotspot and are never outcomes.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
import shapely
from shapely.geometry.base import BaseGeometry

from hotspotwatch.analysis._result import ResultMixin, to_jsonable
from hotspotwatch.analysis.evaluate import (
    DiDResult,
    ITSResult,
    PooledResult,
    Verdict,
    WDDResult,
    WDQResult,
    buffer_verdict,
    did,
    dose_response,
    interrupted_time_series,
    min_detectable_ratio,
    random_effects,
    verdict,
    wdd,
    wdq,
)
from hotspotwatch.analysis.evaluate.design import (
    buffer_rings,
    control_grid,
    match_controls,
    month_days,
    month_index,
    monthly_counts,
)
from hotspotwatch.analysis.multitest import adjust_pvalues
from hotspotwatch.domain.taxonomy import outcome_label

DAYS_PER_MONTH = 365.25 / 12
ACTIVE_ACTIONS = ("designate", "extend")


@dataclass(frozen=True)
class HotspotEvaluation(ResultMixin):
    """Everything estimated for one hotspot (see :func:`evaluate_frames`)."""

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
    # Control cells used for this hotspot, as (xmin, ymin, xmax, ymax) in the workspace CRS,
    # so that maps can show the comparison places without recomputing the design.
    control_boxes: tuple[tuple[float, float, float, float], ...] = ()

    def to_dict(self) -> dict[str, Any]:
        """JSON shape of the issue, with extra keys."""
        return {
            "name": self.name,
            "outcome": self.outcome,
            "irr": to_jsonable(self.did.irr),
            "ci_low": to_jsonable(self.did.ci_low),
            "ci_high": to_jsonable(self.did.ci_high),
            "p_value": to_jsonable(self.did.p_value),
            "p_adjusted": to_jsonable(self.p_adjusted),
            "wdq": self.wdq.to_dict(),
            "wdd": self.wdd.to_dict(),
            "min_detectable_ratio": to_jsonable(self.min_detectable_ratio),
            "verdict": self.verdict.label,
            "verdict_text": {
                lang: self.verdict.text(
                    lang, name=self.name, outcome=outcome_label(self.outcome, lang)
                )
                for lang in ("en", "fr", "nl")
            },
            "buffer": {
                "irr": to_jsonable(self.buffer_did.irr),
                "ci_low": to_jsonable(self.buffer_did.ci_low),
                "ci_high": to_jsonable(self.buffer_did.ci_high),
                "p_value": to_jsonable(self.buffer_did.p_value),
                "p_adjusted": to_jsonable(self.buffer_p_adjusted),
                "verdict": self.buffer_verdict.label,
                "verdict_text": {
                    lang: self.buffer_verdict.text(
                        lang, name=self.name, outcome=outcome_label(self.outcome, lang)
                    )
                    for lang in ("en", "fr", "nl")
                },
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
                "post_months": round(self.post_months, 2),
                "n_controls": self.n_controls,
                "matching_rule": self.matching_rule,
                "estimator": f"{self.did.family} DiD, unit and month effects, {self.did.cov} SE",
            },
            "dose": to_jsonable(self.dose),
            "did": self.did.to_dict(),
        }


@dataclass(frozen=True)
class StrategyEvaluation(ResultMixin):
    """Result of :func:`evaluate_strategy` / :func:`evaluate_frames`."""

    hotspots: tuple[HotspotEvaluation, ...]
    pooled: PooledResult | None
    pooled_verdict: Verdict | None
    region: ITSResult | None
    dose_response: dict[str, Any]
    parameters: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        """``{"hotspots": [...], "pooled": {"irr", "ci_low", "ci_high", "i2", ...}, ...}``."""
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
                "verdict_text": {
                    lang: self.pooled_verdict.text(
                        lang,
                        name=_strategy_name(lang),
                        outcome=outcome_label(
                            self.hotspots[0].outcome if self.hotspots else "harm", lang
                        ),
                    )
                    for lang in ("en", "fr", "nl")
                },
            }
        return {
            "hotspots": [h.to_dict() for h in self.hotspots],
            "pooled": pooled,
            "region": None if self.region is None else self.region.to_dict(),
            "dose_response": to_jsonable(self.dose_response),
            "parameters": to_jsonable(self.parameters),
        }


def _strategy_name(lang: str) -> str:
    from hotspotwatch.i18n import translate

    return translate("evaluate.strategy", lang)


def designation_window(
    designations: pd.DataFrame, hotspot: str, *, until: dt.date
) -> tuple[dt.date, dt.date] | None:
    """First designation day and the last day of the continuous designated period (<= until)."""
    rows = designations[
        (designations["hotspot"] == hotspot) & designations["action"].isin(ACTIVE_ACTIONS)
    ].sort_values("start")
    if rows.empty:
        return None
    first = pd.Timestamp(rows["start"].iloc[0]).date()
    if first > until:
        return None
    end = first - dt.timedelta(days=1)
    for start, stop in zip(rows["start"], rows["end"], strict=True):
        s = pd.Timestamp(start).date()
        if s > end + dt.timedelta(days=1):
            break  # a gap: the post-period is the first continuous spell
        e = until if stop is None or pd.isna(stop) else pd.Timestamp(stop).date()
        end = max(end, e)
    return first, min(end, until)


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
    pre_months: int = 12,
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
        Months before the first designation used as pre-period.
    buffer_widths : sequence of float
        Buffer ring widths; the first ring is the one evaluated for displacement.
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
    fdr : {"fdr_bh", "holm", "none"}
        Multiple-testing adjustment across hotspots.
    pool_method : {"reml", "dl"}
        Random-effects :math:`\\tau^2` estimator.
    family, cov : str
        Passed to :func:`~hotspotwatch.analysis.evaluate.did.did`.
    weighted : bool
        Count harm-weighted events instead of events.

    Returns
    -------
    StrategyEvaluation
    """
    if pre_months < 3:
        raise ValueError(f"pre_months must be at least 3, got {pre_months!r}")
    ev = events
    if isinstance(outcome, str) and outcome == "harm":
        out_mask = (ev["role"] == "harm").to_numpy()
        outcome_key = "harm"
    else:
        cats = [outcome] if isinstance(outcome, str) else list(outcome)
        harm_cats = set(ev.loc[ev["role"] == "harm", "category"].astype(str).unique())
        bad = [c for c in cats if c not in harm_cats]
        if bad:
            raise ValueError(
                f"outcome categories {bad} are not harm categories in the data; enforcement and "
                "prevention events are dose, never outcomes (use 'harm' or harm categories)"
            )
        out_mask = ev["category"].astype(str).isin(cats).to_numpy()
        outcome_key = "+".join(cats)
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
    weights = ev["harm_weight"].to_numpy(float) if weighted else None
    cell_flat = grid.cell_of(x, y)
    cell_pos = np.full(grid.n_cols * grid.n_rows, -1, dtype=np.intp)
    cell_pos[grid.eligible] = np.arange(grid.eligible.size)
    ev_cell = np.where(cell_flat >= 0, cell_pos[np.maximum(cell_flat, 0)], -1)
    roles = ev["role"].astype(str).to_numpy()
    month_cache: dict[dt.date, np.ndarray] = {}

    results: list[HotspotEvaluation] = []
    for name in wanted:
        i = all_names.index(name)
        window = designation_window(designations, name, until=until)
        if window is None:
            continue
        first, last = window
        if first not in month_cache:
            month_cache[first] = month_index(ev["occurred_at"], first, timezone=timezone)
        months = month_cache[first]
        n_post = (
            int(
                month_index(
                    pd.DatetimeIndex([pd.Timestamp(last, tz=timezone)]), first, timezone=timezone
                )[0]
            )
            + 1
        )
        if n_post < 1:
            continue
        lo_m, hi_m = -pre_months, n_post - 1
        days = month_days(first, lo_m, hi_m)
        # the last post month is partial when the window ends inside it
        last_start = pd.Timestamp(first) + pd.DateOffset(months=hi_m)
        days[-1] = (pd.Timestamp(last) - last_start).days + 1
        exposure = days / DAYS_PER_MONTH
        geom = geoms[i]
        ring = buffer_rings(geom, widths=buffer_widths, exclude=all_hot)[0]
        in_t = shapely.contains_xy(geom, x, y)
        in_b = shapely.contains_xy(ring, x, y)
        sel = out_mask & ((months >= lo_m) & (months <= hi_m))

        def count(
            mask: np.ndarray,
            unit: np.ndarray,
            n: int,
            sel: np.ndarray = sel,
            months: np.ndarray = months,
            lo_m: int = lo_m,
            hi_m: int = hi_m,
        ) -> np.ndarray:
            m = sel & mask
            if weights is None:
                return monthly_counts(months[m], unit[m], n, lo_m, hi_m)
            n_m = hi_m - lo_m + 1
            flat = unit[m] * n_m + (months[m] - lo_m)
            return np.bincount(flat, weights=weights[m], minlength=n * n_m).reshape(n, n_m)

        zeros = np.zeros(x.size, dtype=np.intp)
        t_series = count(in_t, zeros, 1)[0]
        b_series = count(in_b, zeros, 1)[0]
        cells = count(ev_cell >= 0, np.maximum(ev_cell, 0), grid.eligible.size)
        k_ctrl = n_controls if n_controls > 0 else grid.eligible.size
        match = match_controls(
            t_series[:pre_months], cells[:, :pre_months], n_controls=k_ctrl, seed=seed
        )
        c_series = cells[match.selected].sum(axis=0)
        pre = np.arange(lo_m, hi_m + 1) < 0
        panel_t = np.concatenate([t_series, c_series])
        panel_b = np.concatenate([b_series, c_series])
        n_m = t_series.size
        unit = np.repeat([0, 1], n_m)
        time = np.tile(np.arange(n_m), 2)
        treated = unit == 0
        post = np.tile(~pre, 2)
        expo = np.tile(exposure, 2)
        kw: dict[str, Any] = {
            "unit": unit,
            "time": time,
            "treated": treated,
            "post": post,
            "exposure": expo,
            "family": family,
            "cov": cov,
            "alpha": alpha,
        }
        d_t = did(panel_t, **kw)
        d_b = did(panel_b, **kw)
        t0, t1 = float(t_series[pre].sum()), float(t_series[~pre].sum())
        b0, b1 = float(b_series[pre].sum()), float(b_series[~pre].sum())
        c0, c1 = float(c_series[pre].sum()), float(c_series[~pre].sum())
        pre_len = float(exposure[pre].sum())
        post_len = float(exposure[~pre].sum())
        wdq_r = wdq(target=(t0, t1), buffer=(b0, b1), control=(max(c0, 1e-9), max(c1, 1e-9)))
        wdd_r = wdd(
            target=(t0, t1),
            control=(c0, c1),
            buffer=(b0, b1),
            buffer_control=(c0, c1),
            time_weights=(pre_len, post_len),
            alpha=alpha,
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
        dose: dict[str, float] = {}
        for role in ("enforcement", "prevention"):
            m = (roles == role) & in_t & (months >= lo_m) & (months <= hi_m)
            pre_n = float(np.sum(m & (months < 0)))
            post_n = float(np.sum(m & (months >= 0)))
            dose[f"{role}_pre_per_month"] = pre_n / pre_len
            dose[f"{role}_post_per_month"] = post_n / post_len
            dose[f"{role}_ratio"] = (
                (post_n / post_len) / (pre_n / pre_len) if pre_n > 0 else math.nan
            )
        results.append(
            HotspotEvaluation(
                name=name,
                outcome=outcome_key,
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
                verdict=verdict(
                    d_t.irr,
                    d_t.ci_low,
                    d_t.ci_high,
                    p_value=d_t.p_value,
                    min_detectable_ratio=mdr,
                    alpha=alpha,
                ),
                buffer_verdict=buffer_verdict(
                    d_b.irr, d_b.ci_low, d_b.ci_high, p_value=d_b.p_value, alpha=alpha
                ),
                dose=dose,
                matching_rule=match.rule,
                control_boxes=tuple(
                    (b[0], b[1], b[0] + grid.cell_size, b[1] + grid.cell_size)
                    for b in _cell_corners(grid, grid.eligible[match.selected])
                ),
            )
        )

    if results:
        adj = adjust_pvalues([r.did.p_value for r in results], method=fdr, alpha=alpha)  # type: ignore[arg-type]
        adj_b = adjust_pvalues([r.buffer_did.p_value for r in results], method=fdr, alpha=alpha)  # type: ignore[arg-type]
        final = []
        for r, p, pb in zip(results, adj.p_adjusted, adj_b.p_adjusted, strict=True):
            v = verdict(
                r.did.irr,
                r.did.ci_low,
                r.did.ci_high,
                p_value=r.did.p_value,
                p_adjusted=float(p),
                min_detectable_ratio=r.min_detectable_ratio,
                alpha=alpha,
            )
            vb = buffer_verdict(
                r.buffer_did.irr,
                r.buffer_did.ci_low,
                r.buffer_did.ci_high,
                p_value=r.buffer_did.p_value,
                p_adjusted=float(pb),
                alpha=alpha,
            )
            final.append(
                _replace(
                    r,
                    p_adjusted=float(p),
                    buffer_p_adjusted=float(pb),
                    verdict=v,
                    buffer_verdict=vb,
                )
            )
        results = final

    usable = [r for r in results if math.isfinite(r.did.log_irr) and r.did.se > 0]
    pooled = pooled_v = None
    if usable:
        pooled = random_effects(
            [r.did.log_irr for r in usable],
            [r.did.se**2 for r in usable],
            method=pool_method,  # type: ignore[arg-type]
            alpha=alpha,
        )
        from scipy import stats

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
        for role in ("enforcement", "prevention"):
            ratios = np.array([r.dose[f"{role}_ratio"] for r in usable])
            dr = dose_response(
                [r.did.log_irr for r in usable],
                np.log(ratios),
                variances=[r.did.se**2 for r in usable],
                alpha=alpha,
            )
            dose_out[f"{role}_log_ratio"] = dr.to_dict()
    region = _region_its(ev, out_mask, results, timezone, until, alpha) if results else None
    params = {
        "outcome": outcome_key,
        "until": until,
        "pre_months": pre_months,
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
        "n_control_candidates": int(grid.eligible.size),
    }
    return StrategyEvaluation(tuple(results), pooled, pooled_v, region, dose_out, params)


def _cell_corners(grid: Any, flat: np.ndarray) -> list[tuple[float, float]]:
    """Lower-left corners of flat grid cells (``row * n_cols + col``)."""
    rows, cols = np.divmod(np.asarray(flat, dtype=np.intp), grid.n_cols)
    xs = grid.x0 + cols * grid.cell_size
    ys = grid.y0 + rows * grid.cell_size
    return [(float(x), float(y)) for x, y in zip(xs, ys, strict=True)]


def _replace(obj: HotspotEvaluation, **changes: Any) -> HotspotEvaluation:
    import dataclasses

    return dataclasses.replace(obj, **changes)


def _region_its(
    ev: pd.DataFrame,
    out_mask: np.ndarray,
    results: list[HotspotEvaluation],
    timezone: str,
    until: dt.date,
    alpha: float,
) -> ITSResult | None:
    first = min(r.designated for r in results)
    months = month_index(ev["occurred_at"], first, timezone=timezone)
    lo = int(months[out_mask].min()) + 1  # first whole month
    hi = (
        int(
            month_index(
                pd.DatetimeIndex([pd.Timestamp(until, tz=timezone)]), first, timezone=timezone
            )[0]
        )
        - 1
    )  # last whole month
    if lo >= 0 or hi < 1:
        return None
    counts = monthly_counts(months[out_mask], np.zeros(int(out_mask.sum()), np.intp), 1, lo, hi)[0]
    starts = [pd.Timestamp(first) + pd.DateOffset(months=k) for k in range(lo, hi + 1)]
    moy = [s.month for s in starts]
    days = month_days(first, lo, hi)
    return interrupted_time_series(
        counts, interruption=-lo, month_of_year=moy, exposure=days, alpha=alpha
    )


def evaluate_strategy(
    ws: Any,
    *,
    hotspots: Sequence[str] | None = None,
    outcome: str | Sequence[str] = "harm",
    until: dt.date | None = None,
    record: bool = True,
    **options: Any,
) -> StrategyEvaluation:
    """Evaluate the strategy on a workspace and record the run.

    Parameters
    ----------
    ws : Workspace
        Open workspace.
    hotspots : sequence of str, optional
        Hotspot names (default: all designated).
    outcome : "harm" or sequence of harm category names
        Outcome.
    until : datetime.date, optional
        End of the post-period (default: last event day).
    record : bool
        Store the run (``ws.record_run("evaluate", ...)``).
    **options
        Passed to :func:`evaluate_frames` (``pre_months``, ``buffer_widths``, ``cell_size``,
        ``n_controls``, ``seed``, ``alpha``, ``fdr``, ``pool_method``, ``weighted`` ...).

    Returns
    -------
    StrategyEvaluation
    """
    hs = ws.hotspots()
    if hs.empty:
        raise ValueError("the workspace has no hotspots; add them with `hotspotwatch hotspot add`")
    des = ws.designations()
    if des.empty:
        raise ValueError("the workspace has no designations; add the decisions first")
    pre_months = int(options.get("pre_months", 12))
    first = min(pd.Timestamp(s).date() for s in des["start"])
    start = (pd.Timestamp(first) - pd.DateOffset(months=pre_months + 1)).date()
    events = ws.events(start=start)
    if events.empty:
        raise ValueError("no events in the workspace for the evaluation period")
    tz = ws.config.timezone
    result = evaluate_frames(
        events,
        hs,
        des,
        ws.study_area(),
        timezone=tz,
        names=hotspots,
        outcome=outcome,
        until=until,
        **options,
    )
    if record:
        ws.record_run("evaluate", to_jsonable(result.parameters), result.to_dict())
    return result
