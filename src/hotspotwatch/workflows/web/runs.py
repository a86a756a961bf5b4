"""The stored analysis runs the dashboard shows, asked for by what they answer.

The dashboard follows the renewal report's rule: every view that shows a stored result names
its :class:`~hotspotwatch.workflows.runs.RunSpec` -- the report's own
(:func:`hotspotwatch.workflows.views.renewal_specs` for the dashboard's review day), or a spec
builder of the analysis workflows for the views the report has not (KDE, near-repeat alerts)
-- and gets it through :func:`hotspotwatch.workflows.runs.ensure_run`: a stored run is reused
only when kind, parameters, data fingerprint and config fingerprint all match; otherwise it is
computed and stored. Views read the typed result's attributes; nothing guesses keys, and
nothing takes "the latest run of a kind". So the hotspot page and the report show the same
numbers for the same review day, whatever else the workspace holds.

The review day (:func:`review_day`) is ``[web] review_day`` of ``hotspotwatch.toml`` when set,
else the last day with data (the local date of the newest event, the report's default),
the dashboard's own prevention log left out.
"""

from __future__ import annotations

import datetime as dt
import math
from typing import TYPE_CHECKING, Any

import numpy as np
import shapely

from hotspotwatch.domain.taxonomy import category_label, outcome_label
from hotspotwatch.store.runs import run_key
from hotspotwatch.workflows.runs import RunSpec, ensure_run
from hotspotwatch.workflows.web._geo import geojson, to_lonlat_geoms
from hotspotwatch.workflows.web._geo import inside as _inside
from hotspotwatch.workflows.web.cache import held_run, hold_run, memoised

if TYPE_CHECKING:
    from hotspotwatch.analysis.evaluate.hotspot import HotspotEvaluation
    from hotspotwatch.analysis.evaluate.strategy import StrategyEvaluation
    from hotspotwatch.analysis.evaluate.verdict import Verdict
    from hotspotwatch.store.runs import StoredRun
    from hotspotwatch.workflows.views import RenewalSpecs
    from hotspotwatch.workspace import Workspace

#: Result names of ``/api/v1/results/{name}`` -> the run kind each shows.
RESULT_KINDS: dict[str, str] = {
    "evaluation": "evaluate",
    "gistar": "detect.gistar",
    "kde": "detect.kde",
    "concentration": "detect.concentration",
    "coverage": "detect.coverage",
    "borders": "detect.borders",
    "knox": "spacetime.knox",
    "emerging": "spacetime.emerging",
    "near_repeat_alerts": "spacetime.alerts",
}
#: Views whose spec is the renewal report's (the rest come from the workflows' builders).
RENEWAL_VIEWS: tuple[str, ...] = (
    "evaluation",
    "gistar",
    "concentration",
    "coverage",
    "borders",
    "knox",
    "emerging",
)


class NotComputedError(LookupError):
    """A view's run cannot be computed on this workspace (the message says why)."""


# ---------------------------------------------------------------------------------- specs
def review_day(ws: Workspace) -> dt.date | None:
    """The day the dashboard reviews up to: ``[web] review_day`` or the last day with data.

    The last day with data is the local date of the newest stored event (the renewal
    report's default ``--until``), the dashboard's own prevention log left out: partners log
    actions as they happen, and an action logged today must not stretch the period under
    review past the data imported (months without reports are not months without harm).
    ``None`` when the workspace holds no event and no review day is configured.
    """
    configured = ws.config.web.get("review_day")
    if configured:
        return dt.date.fromisoformat(str(configured))
    return _last_data_day(ws)


@memoised
def _last_data_day(ws: Workspace) -> dt.date | None:
    from hotspotwatch.workflows.views import last_data_day

    return last_data_day(ws)


def _until(ws: Workspace, until: dt.date | None) -> dt.date:
    day = until if until is not None else review_day(ws)
    if day is None:
        raise NotComputedError(
            "the workspace holds no events yet: import data (`hotspotwatch import`) "
            "or set [web] review_day in hotspotwatch.toml"
        )
    return day


def dashboard_specs(ws: Workspace, *, until: dt.date | None = None) -> RenewalSpecs:
    """The renewal report's specs for the review day (default :func:`review_day`)."""
    from hotspotwatch.workflows.views import renewal_specs

    return renewal_specs(ws, until=_until(ws, until))


@memoised
def view_spec(ws: Workspace, name: str, *, until: dt.date | None = None) -> RunSpec:
    """The spec of the run the view ``name`` (a key of :data:`RESULT_KINDS`) shows.

    Raises
    ------
    KeyError
        If ``name`` is not a known view.
    NotComputedError
        If there is no review day (no data).
    """
    if name not in RESULT_KINDS:
        raise KeyError(f"unknown result {name!r}; known: {', '.join(RESULT_KINDS)}")
    if name in RENEWAL_VIEWS:
        spec: RunSpec = getattr(dashboard_specs(ws, until=until), name)
        return spec
    from hotspotwatch.workflows.views import regional_window

    start, end = regional_window(_until(ws, until))
    if name == "kde":
        from hotspotwatch.workflows.detect import kde_spec

        return kde_spec(ws, roles=["harm"], categories=None, start=start, end=end)
    from hotspotwatch.workflows.spacetime import alerts_spec

    # the incidents of the last 30 days, read from the report's Knox run
    return alerts_spec(ws, knox=dashboard_specs(ws, until=until).knox)


# ---------------------------------------------------------------------------------- runs
@memoised
def view_run(ws: Workspace, spec: RunSpec) -> StoredRun[Any]:
    """The stored run answering ``spec`` on the current data and config.

    Cached until the data or the config change (:mod:`~hotspotwatch.workflows.web.cache`);
    a run whose key the cache holds is not parsed again. Otherwise
    :func:`~hotspotwatch.workflows.runs.ensure_run` reuses the stored run with exactly this
    kind, these parameters and both fingerprints, or computes and stores it.

    Raises
    ------
    NotComputedError
        If the workflow cannot compute it on this workspace (no hotspots, no decisions, no
        study area...).
    """
    key = run_key(spec.kind, spec.parameters, ws.data_fingerprint(), ws.config_fingerprint())
    held = held_run(ws, key)
    if held is not None:
        return held
    from hotspotwatch.workspace import WorkspaceError

    try:
        run = ensure_run(ws, spec)
    except (ValueError, WorkspaceError) as exc:  # e.g. no study area: the reason says so
        raise NotComputedError(f"{spec.kind} cannot be computed: {exc}") from exc
    return hold_run(ws, run)


def run_for(ws: Workspace, name: str, *, until: dt.date | None = None) -> StoredRun[Any]:
    """The run of the view ``name`` (see :func:`view_spec` and :func:`view_run`)."""
    return view_run(ws, view_spec(ws, name, until=until))


def provenance(run: StoredRun[Any]) -> dict[str, Any]:
    """What a view says about the run it shows: short key, kind, parameters, fingerprints.

    ``run_id`` (the short key) is kept for clients of the former sequential ids.
    """
    return {**run.provenance(), "run_id": run.short_key}


@memoised
def result_view(ws: Workspace, name: str, *, lang: str = "en") -> dict[str, Any]:
    """``/results/{name}``: the run's provenance and its result (``to_dict()``).

    The evaluation adds its verdicts in words (``verdict_text`` per hotspot and
    ``pooled_verdict_text``, in ``lang``); the stored result holds labels only.
    """
    run = run_for(ws, name)
    out = {**run.to_dict(), "id": run.short_key, "run_id": run.short_key}
    if run.kind == "evaluate":
        ev: StrategyEvaluation = run.result
        bound = ev.parameters.get("min_post_months")
        out["verdict_text"] = {
            h.name: hotspot_sentence(h, lang, min_post_months=bound) for h in ev.hotspots
        }
        out["pooled_verdict_text"] = pooled_sentence(ev, lang)
    return out


# ---------------------------------------------------------------------------------- evaluation
def evaluation_run(ws: Workspace, *, until: dt.date | None = None) -> StoredRun[Any]:
    """The evaluation the dashboard shows (the renewal report's for the review day)."""
    return run_for(ws, "evaluation", until=until)


def hotspot_sentence(
    h: HotspotEvaluation, lang: str = "en", *, min_post_months: float | None = None
) -> str:
    """The verdict of one hotspot in words (:func:`hotspotwatch.i18n.verdicts.verdict_text`);
    ``min_post_months`` is the evaluation's too-early bound (default: the default bound)."""
    from hotspotwatch.analysis.evaluate.verdict import MIN_POST_MONTHS
    from hotspotwatch.i18n.verdicts import verdict_text

    return verdict_text(
        h.verdict,
        lang,
        name=h.name,
        outcome=outcome_label(h.outcome, lang),
        post_months=h.post_months,
        min_post_months=MIN_POST_MONTHS if min_post_months is None else min_post_months,
    )


def pooled_sentence(ev: StrategyEvaluation, lang: str = "en") -> str | None:
    """The pooled verdict in words, or ``None`` when nothing was pooled."""
    if ev.pooled_verdict is None:
        return None
    from hotspotwatch.i18n.verdicts import strategy_name

    outcome = ev.hotspots[0].outcome if ev.hotspots else "harm"
    return _sentence(ev.pooled_verdict, lang, name=strategy_name(lang), outcome=outcome)


def _sentence(v: Verdict, lang: str, *, name: str, outcome: str) -> str:
    from hotspotwatch.i18n.verdicts import verdict_text

    return verdict_text(v, lang, name=name, outcome=outcome_label(outcome, lang))


def _buffer_label(label: str, lang: str) -> str:
    from hotspotwatch.i18n import translate

    return translate(f"evaluate.verdict.{label}", lang)


def _num(value: float) -> float | None:
    v = float(value)
    return v if math.isfinite(v) else None


def dose_table(h: HotspotEvaluation, lang: str = "en") -> list[dict[str, Any]]:
    """Dose inside the perimeter per category: events before and after designation.

    Sums of the evaluation's own :class:`~hotspotwatch.analysis.evaluate.series.DoseSeries`
    over its anchored months (before: months ``< 0``; after: ``>= 0``), laid out as the
    report's dose table (ordered by role and category, categories with no event left out);
    nothing is recounted.
    """
    ds = h.dose_series
    if not ds.categories:
        return []
    pre = np.asarray(h.series.codes) < 0
    counts = np.asarray(ds.counts, dtype=float).reshape(len(ds.categories), -1)
    rows = []
    for i in sorted(range(len(ds.categories)), key=lambda i: (ds.roles[i], ds.categories[i])):
        # NaN: months left out (missing, or the selection window before the decision)
        before = float(np.nansum(counts[i, pre]))
        after = float(np.nansum(counts[i, ~pre]))
        if before == 0 and after == 0:
            continue
        rows.append(
            {
                "role": ds.roles[i],
                "category": ds.categories[i],
                "label": category_label(ds.categories[i], lang),
                "before": before,
                "after": after,
            }
        )
    return rows


def hotspot_summary(h: HotspotEvaluation, lang: str = "en") -> dict[str, Any]:
    """The numbers of one hotspot's evaluation the hotspot page shows, from the typed result.

    ``irr``/``ci_low``/``ci_high``/``p_value`` of the DiD, ``p_adjusted`` (multiple-testing
    adjusted across hotspots, the p the verdict rests on), ``wdq`` and ``total_net_effect``
    of the WDQ, ``wdd`` with its interval (the place and its surroundings),
    ``wdd_local`` with its interval (the place itself), the minimum detectable ratio, the
    verdict label
    and sentence, the buffer's verdict (label, short label and sentence in ``lang``), and the
    dose table (:func:`dose_table`).
    """
    dose = dose_table(h, lang)
    return {
        "name": h.name,
        "outcome": h.outcome,
        "outcome_label": outcome_label(h.outcome, lang),
        "designated": h.designated.isoformat(),
        "last_day": h.last_day.isoformat(),
        "irr": _num(h.did.irr),
        "ci_low": _num(h.did.ci_low),
        "ci_high": _num(h.did.ci_high),
        "ci_low_adjusted": _num(h.verdict.ci_low_adjusted),
        "ci_high_adjusted": _num(h.verdict.ci_high_adjusted),
        "near_threshold": bool(h.verdict.near_threshold),
        "verdict_reason": h.verdict.reason,
        # the baseline the DiD used and the selection window left out before the decision
        "pre_start": None if h.pre_start is None else h.pre_start.isoformat(),
        "pre_end": None if h.pre_end is None else h.pre_end.isoformat(),
        "selection_window_months": h.selection_window_months,
        "p_value": _num(h.did.p_value),
        "p_adjusted": _num(h.p_adjusted),
        "wdq": _num(h.wdq.wdq),
        "total_net_effect": _num(h.wdq.total_net_effect),
        "wdd": _num(h.wdd.estimate),
        "wdd_ci_low": _num(h.wdd.ci_low),
        "wdd_ci_high": _num(h.wdd.ci_high),
        "wdd_local": _num(h.wdd.local),
        "wdd_local_ci_low": _num(h.wdd.local_ci_low),
        "wdd_local_ci_high": _num(h.wdd.local_ci_high),
        "min_detectable_ratio": _num(h.min_detectable_ratio),
        "verdict": h.verdict.label,
        "verdict_text": hotspot_sentence(h, lang),
        "buffer_verdict": h.buffer_verdict.label,
        "buffer_verdict_label": _buffer_label(h.buffer_verdict.label, lang),
        "buffer_verdict_text": _sentence(h.buffer_verdict, lang, name=h.name, outcome=h.outcome),
        "buffer_p_adjusted": _num(h.buffer_p_adjusted),
        "missing_months": [m.isoformat() for m in h.missing_months],
        "dose": dose,
        "dose_totals": {
            role: {
                "before": sum(r["before"] for r in dose if r["role"] == role),
                "after": sum(r["after"] for r in dose if r["role"] == role),
            }
            for role in ("enforcement", "prevention")
        },
    }


def hotspot_evaluation(
    ws: Workspace, hotspot_name: str, *, until: dt.date | None = None
) -> tuple[StoredRun[Any], HotspotEvaluation | None]:
    """The dashboard's evaluation run and the hotspot's entry in it (``None``: not evaluated,
    e.g. designated after the review day)."""
    run = evaluation_run(ws, until=until)
    ev: StrategyEvaluation = run.result
    outcome = str(run.parameters.get("outcome") or "harm")
    return run, ev.hotspot(hotspot_name, outcome)


def evaluation_row(
    ws: Workspace, hotspot_name: str, run: StoredRun[Any] | None = None
) -> dict[str, Any] | None:
    """The JSON entry of one hotspot in ``run`` (default: the dashboard's evaluation run),
    or ``None`` when the hotspot was not evaluated or the evaluation cannot be computed."""
    if run is None:
        try:
            run, h = hotspot_evaluation(ws, hotspot_name)
        except NotComputedError:
            return None
    else:
        h = run.result.hotspot(hotspot_name, str(run.parameters.get("outcome") or "harm"))
    return None if h is None else h.to_dict()


@memoised
def hotspot_evaluation_view(ws: Workspace, hotspot_name: str, *, lang: str = "en") -> dict[str, Any]:
    """The evaluation members of ``/hotspots/{id}``.

    ``evaluation`` (the hotspot's entry as stored, plus ``summary``: see
    :func:`hotspot_summary`), ``evaluation_run`` (the run's provenance) and
    ``evaluation_missing`` (why there is none).
    """
    try:
        run, h = hotspot_evaluation(ws, hotspot_name)
    except NotComputedError as exc:
        return {"evaluation": None, "evaluation_run": None, "evaluation_missing": str(exc)}
    meta = provenance(run)
    if h is None:
        return {
            "evaluation": None,
            "evaluation_run": meta,
            "evaluation_missing": (
                f"{hotspot_name} is not in the evaluation up to {run.parameters.get('until')} "
                "(no designation before that day)"
            ),
        }
    return {
        "evaluation": {**h.to_dict(), "summary": hotspot_summary(h, lang)},
        "evaluation_run": meta,
        "evaluation_missing": None,
    }


def public_evaluation(ws: Workspace, *, lang: str = "en") -> dict[str, Any]:
    """Per-place verdicts and the pooled estimate for the public (estimates, not counts).

    The public version (issue 17): no p-value, WDQ, WDD or I² (nor the counts inside the
    WDQ), places in the public alphabetical order, one plain sentence each
    (:mod:`hotspotwatch.i18n.public`).
    """
    from hotspotwatch.domain.collation import sort_key
    from hotspotwatch.i18n.public import place_sentence, strategy_sentence

    run = evaluation_run(ws)
    ev: StrategyEvaluation = run.result
    data = ev.to_dict()
    keep = ("name", "outcome", "irr", "ci_low", "ci_high", "ci_low_adjusted", "ci_high_adjusted",
            "near_threshold", "min_detectable_ratio", "verdict", "verdict_reason")
    hotspots = []
    for row in sorted(data["hotspots"], key=lambda r: sort_key(str(r["name"]))):
        entry = {k: row.get(k) for k in keep}
        entry["verdict_text"] = place_sentence(
            str(row["name"]), row.get("verdict"), row.get("ci_low_adjusted"),
            row.get("ci_high_adjusted"), lang
        )
        hotspots.append(entry)
    pooled = data.get("pooled")
    if pooled is not None:
        pooled = {k: pooled.get(k) for k in ("irr", "ci_low", "ci_high", "k", "verdict")}
        pooled["verdict_text"] = strategy_sentence(ev, lang)
    return {
        "run_id": run.short_key,
        "run": provenance(run),
        "created_at": run.provenance()["created_at"],
        "hotspots": hotspots,
        "pooled": pooled,
    }


# ---------------------------------------------------------------------------------- alerts
def near_repeat_alerts(
    ws: Workspace, *, within: Any = None
) -> tuple[StoredRun[Any], list[dict[str, Any]]]:
    """The dashboard's near-repeat alerts run and its alerts as dicts (event-level data).

    With ``within`` (a polygon in the workspace CRS: a zone analyst's zones), only the
    alerts whose incident lies inside it.
    """
    run = run_for(ws, "near_repeat_alerts")
    alerts = list(run.result.alerts)
    if within is not None:
        if within.is_empty:
            alerts = []
        else:
            keep = _inside(within, [a.x for a in alerts], [a.y for a in alerts])
            alerts = [a for a, k in zip(alerts, keep, strict=True) if k]
    return run, [a.to_dict() for a in alerts]


# ---------------------------------------------------------------------------------- maps
@memoised
def gistar_cells(ws: Workspace) -> dict[str, Any]:
    """Hot and cold cells of the dashboard's Gi* run (the report's) as WGS84 GeoJSON.

    Reads the typed :class:`~hotspotwatch.analysis.detect.gridded.GiStarRun`: its grid and
    the confidence bin (-3..3) of every cell; only cells with a non-zero bin are returned.
    """
    run = run_for(ws, "gistar")
    res = run.result
    grid = res.grid.to_grid()
    bins = np.asarray(res.bins_grid(), dtype=float)
    rr, cc = np.nonzero(np.nan_to_num(bins) != 0)
    size = grid.cell_size
    xs, ys = grid.x0 + cc * size, grid.y0 + rr * size
    boxes = shapely.box(xs, ys, xs + size, ys + size)
    geoms = to_lonlat_geoms(ws, boxes) if len(boxes) else []
    return {
        "type": "FeatureCollection",
        "run_id": run.short_key,
        "run": provenance(run),
        "features": [
            {"type": "Feature", "geometry": geojson(g), "properties": {"bin": int(bins[r, c])}}
            for g, r, c in zip(geoms, rr, cc, strict=True)
        ],
    }


__all__ = [
    "RENEWAL_VIEWS",
    "RESULT_KINDS",
    "NotComputedError",
    "dashboard_specs",
    "dose_table",
    "evaluation_row",
    "evaluation_run",
    "gistar_cells",
    "hotspot_evaluation",
    "hotspot_evaluation_view",
    "hotspot_sentence",
    "hotspot_summary",
    "near_repeat_alerts",
    "pooled_sentence",
    "provenance",
    "public_evaluation",
    "result_view",
    "review_day",
    "run_for",
    "view_run",
    "view_spec",
]
