"""Evaluate the hotspot strategy on a workspace: one question, one stored run.

:func:`evaluation_spec` states the question (run kind ``"evaluate"`` with every option filled
in: the workspace's ``[evaluation]`` defaults, then :func:`evaluate_frames`' own);
:func:`compute_evaluation` answers it from the store (registered in
:data:`hotspotwatch.workflows.runs.COMPUTERS`, so ``ensure_run(ws, evaluation_spec(...))``
reuses or recomputes it); :func:`evaluate_strategy` is the entry point of the CLI, which
always computes and records.

The analysis itself (``evaluate_frames`` and its result types) lives in
:mod:`hotspotwatch.analysis.evaluate.strategy`; it is re-exported here for old imports.
"""

from __future__ import annotations

import datetime as dt
import inspect
from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

import pandas as pd

from hotspotwatch.analysis.evaluate.hotspot import HotspotEvaluation
from hotspotwatch.analysis.evaluate.series import (
    DAYS_PER_MONTH,
    DoseSeries,
    MonthlySeries,
    RingSeries,
)
from hotspotwatch.analysis.evaluate.strategy import (
    ACTIVE_ACTIONS,
    StrategyEvaluation,
    designation_window,
    evaluate_frames,
)
from hotspotwatch.periods import add_months
from hotspotwatch.workflows.runs import RunSpec
from hotspotwatch.workflows.runs import record as record_run
from hotspotwatch.workflows.study_area import (
    study_area_of,
    study_area_parameters,
    without_study_area,
)

if TYPE_CHECKING:
    from hotspotwatch.workspace import Workspace

KIND = "evaluate"

#: The options of :func:`evaluate_frames` a spec fixes, in the order of its signature.
OPTIONS: tuple[str, ...] = (
    "pre_months",
    "selection_window_months",
    "buffer_widths",
    "cell_size",
    "n_controls",
    "seed",
    "alpha",
    "fdr",
    "pool_method",
    "family",
    "cov",
    "weighted",
    "months",
    "synth_donors",
    "synth_pre_months",
    "min_post_months",
    "max_mdr",
    "selection_placebo",
)


def _frame_defaults() -> dict[str, Any]:
    sig = inspect.signature(evaluate_frames)
    return {name: sig.parameters[name].default for name in OPTIONS}


def _options(raw: Mapping[str, Any]) -> dict[str, Any]:
    """Options with their types (buffer widths and cell size as floats)."""
    out = dict(raw)
    out["pre_months"] = int(out["pre_months"])
    out["selection_window_months"] = int(out["selection_window_months"])
    out["min_post_months"] = int(out["min_post_months"])
    out["max_mdr"] = float(out["max_mdr"])
    out["buffer_widths"] = [float(w) for w in out["buffer_widths"]]
    out["cell_size"] = float(out["cell_size"])
    out["n_controls"] = int(out["n_controls"])
    out["seed"] = int(out["seed"])
    out["alpha"] = float(out["alpha"])
    out["weighted"] = bool(out["weighted"])
    out["months"] = str(out["months"])
    out["synth_donors"] = int(out["synth_donors"])
    out["synth_pre_months"] = int(out["synth_pre_months"])
    out["selection_placebo"] = bool(out["selection_placebo"])
    return out


def _resolve(ws: Workspace, options: Mapping[str, Any]) -> dict[str, Any]:
    """Every option: those given (``None`` = not given), else ``[evaluation]``, else defaults."""
    unknown = sorted(set(options) - set(OPTIONS))
    if unknown:
        raise TypeError(f"evaluation: unknown option(s) {unknown}; known: {', '.join(OPTIONS)}")
    opts = _frame_defaults()
    opts.update({k: v for k, v in dict(ws.config.evaluation).items() if k in OPTIONS})
    opts.update({k: v for k, v in options.items() if v is not None})
    return _options(opts)


def _outcome(outcome: str | Sequence[str]) -> str | list[str]:
    if isinstance(outcome, str):
        return "harm" if outcome == "harm" else [outcome]
    cats = sorted({str(c) for c in outcome})
    if not cats or cats == ["harm"]:
        return "harm"
    return cats


def evaluation_spec(
    ws: Workspace,
    *,
    until: dt.date,
    outcome: str | Sequence[str] = "harm",
    hotspots: Sequence[str] | None = None,
    study_area: str | None = None,
    **options: Any,
) -> RunSpec:
    """The question "evaluate ``outcome`` up to ``until``" with every option filled in.

    Parameters
    ----------
    ws : Workspace
        Its ``[evaluation]`` table gives the defaults.
    until : datetime.date
        Last day of the post-period.
    outcome : "harm" or sequence of harm category names
        Outcome (categories are sorted: one question, one spec).
    hotspots : sequence of str, optional
        Hotspot names (sorted); ``None`` for every designated hotspot.
    **options
        Options of :func:`evaluate_frames` (``pre_months``, ``selection_window_months``,
        ``buffer_widths``, ``cell_size``, ``n_controls``, ``seed``, ``alpha``, ``fdr``,
        ``pool_method``, ``family``, ``cov``, ``weighted``, ``months``, ``min_post_months``,
        ``max_mdr``); the rest come from ``ws.config.evaluation``, then the function.

    Returns
    -------
    RunSpec
        Kind ``"evaluate"``; parameters ``outcome``, ``hotspots``, ``until`` and every option.

    Raises
    ------
    TypeError
        For an option :func:`evaluate_frames` does not take.
    """
    opts = _resolve(ws, options)
    if isinstance(until, dt.datetime):
        until = until.date()
    params: dict[str, Any] = {
        "outcome": _outcome(outcome),
        "hotspots": sorted({str(h) for h in hotspots}) if hotspots else None,
        "until": until.isoformat(),
        **opts,
        **study_area_parameters(study_area, cell_size=opts["cell_size"]),
    }
    return RunSpec(KIND, params)


def _reach(params: Mapping[str, Any]) -> int:
    """Months before the first designation the evaluation reads (the synthetic control's
    long pre-period included, when it is on)."""
    # the baseline ends where the selection window before the decision begins
    pre = int(params["pre_months"]) + int(params.get("selection_window_months", 0))
    if int(params.get("synth_donors", 0)) > 0:
        pre = max(pre, int(params.get("synth_pre_months", pre)))
    if params.get("selection_placebo", False):
        # the placebo ranks on the window and needs a baseline before it, at the real
        # decision and at earlier ones (read as far as the data go, at most two more years)
        window = int(params.get("selection_window_months", 0)) or 6
        pre = max(pre, int(params["pre_months"]) + window + 24)
    return pre


def _load(ws: Workspace, *, pre_months: int, until: dt.date | None) -> tuple[Any, ...]:
    hs = ws.hotspots()
    if hs.empty:
        raise ValueError("the workspace has no hotspots; add them with `hotspotwatch hotspot designate`")
    des = ws.designations()
    if des.empty:
        raise ValueError("the workspace has no designations; add the decisions first")
    first = min(pd.Timestamp(s).date() for s in des["start"])
    # from the first of a month: the coverage of each source is read per calendar month
    start = add_months(first, -(pre_months + 2)).replace(day=1)
    end = None if until is None else until + dt.timedelta(days=1)
    events = ws.events(start=start, end=end)
    if events.empty:
        raise ValueError("no events in the workspace for the evaluation period")
    return hs, des, events


def _evaluate(
    ws: Workspace, params: Mapping[str, Any], frames: tuple[Any, ...],
    progress: Callable[[int, int], None] | None = None,
) -> StrategyEvaluation:
    p = without_study_area(params)
    until = dt.date.fromisoformat(str(p.pop("until")))
    outcome = p.pop("outcome")
    names = p.pop("hotspots")
    hs, des, events = frames
    return evaluate_frames(
        events,
        hs,
        des,
        study_area_of(ws, params),
        timezone=ws.config.timezone,
        names=names,
        outcome=outcome,
        until=until,
        progress=progress,
        **_options(p),
    )


def compute_evaluation(ws: Workspace, params: Mapping[str, Any]) -> StrategyEvaluation:
    """Compute the evaluation a spec asks for (:func:`evaluation_spec`'s parameters).

    Registered in :data:`hotspotwatch.workflows.runs.COMPUTERS`; does not store the run.
    Events are read up to ``until`` inclusive, so the result depends only on the data the
    question covers.
    """
    until = dt.date.fromisoformat(str(params["until"]))
    frames = _load(ws, pre_months=_reach(params), until=until)
    return _evaluate(ws, params, frames)


def evaluate_strategy(
    ws: Workspace,
    *,
    hotspots: Sequence[str] | None = None,
    outcome: str | Sequence[str] = "harm",
    until: dt.date | None = None,
    record: bool = True,
    study_area: str | None = None,
    progress: Callable[[int, int], None] | None = None,
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
        End of the post-period (default: the last event day; the spec records the date).
    record : bool
        Store the run as the answer to its spec (:func:`hotspotwatch.workflows.runs.record`).
    study_area : {None, "region", "hull"}
        ``"hull"``: the events' hull instead of the workspace's study area (recorded).
    progress : callable, optional
        ``progress(done, total)`` after each hotspot (the CLI draws it as a bar); not a
        parameter of the run.
    **options
        Options of :func:`evaluate_frames` (``pre_months``, ``buffer_widths``, ``cell_size``,
        ``n_controls``, ``seed``, ``alpha``, ``fdr``, ``pool_method``, ``weighted`` ...);
        defaults from the workspace's ``[evaluation]`` table.

    Returns
    -------
    StrategyEvaluation
    """
    pre_months = _reach(_resolve(ws, options))
    if until is None:
        frames = _load(ws, pre_months=pre_months, until=None)
        last = pd.Timestamp(frames[2]["occurred_at"].max()).tz_convert(ws.config.timezone)
        until = last.date()
    else:
        frames = _load(ws, pre_months=pre_months, until=until)
    spec = evaluation_spec(ws, until=until, outcome=outcome, hotspots=hotspots,
                           study_area=study_area, **options)
    result = _evaluate(ws, spec.parameters, frames, progress)
    if record:
        record_run(ws, spec, result)
    return result


__all__ = [
    "ACTIVE_ACTIONS",
    "DAYS_PER_MONTH",
    "KIND",
    "OPTIONS",
    "DoseSeries",
    "HotspotEvaluation",
    "MonthlySeries",
    "RingSeries",
    "StrategyEvaluation",
    "compute_evaluation",
    "designation_window",
    "evaluate_frames",
    "evaluate_strategy",
    "evaluation_spec",
]


def nothing_evaluated_reason(data: Mapping[str, Any], names: Sequence[str]) -> str:
    """Why no designated place could be evaluated, and the fix, in one line.

    ``data`` is an evaluation's JSON form (``missing_months``, ``coverage``); ``names`` the
    places it could not evaluate. The source with the most missing months is named, with the
    months it does hold.
    """
    head = f"no hotspot could be evaluated ({', '.join(names)})"
    missing: dict[str, int] = {}
    for m in data.get("missing_months") or []:
        missing[m["source"]] = missing.get(m["source"], 0) + 1
    if not missing:
        return (head + ": each needs at least 3 months of events before its designation and a "
                "whole month after it; compare the events' first and last days (`hotspotwatch "
                "info`) with the designation dates (`hotspotwatch hotspot list`)")
    source = max(missing, key=lambda s: (missing[s], s))
    cov = data.get("coverage") or {}
    months = cov.get("months") or []
    row = dict(zip(cov.get("sources") or [], cov.get("counts") or [], strict=False)).get(source, [])
    held = [str(months[j])[:7] for j, v in enumerate(row) if v and j < len(months)]
    span = ("in no month" if not held else f"only in {held[0]}" if held[0] == held[-1]
            else f"only from {held[0]} to {held[-1]}")
    return (head + f": source {source!r} has events {span}, so its {missing[source]} other months "
            "are left out as missing for every source (missing, not zero); import that "
            "source's other months, or import it into a workspace of its own")
