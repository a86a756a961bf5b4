"""``hotspotwatch evaluate``: is each hotspot, and the strategy, working?"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

import typer
from rich.markup import escape
from rich.table import Table

from hotspotwatch.cli._common import (
    DatabaseUrlOpt,
    JsonOpt,
    StudyAreaOpt,
    WorkspaceOpt,
    console,
    fail,
    fail_no_study_area,
    open_workspace,
    print_json,
    study_area_choice,
)
from hotspotwatch.cli._progress import progress_bar, progress_enabled

app = typer.Typer(
    help="Evaluate the hotspots and the strategy: rate ratios with intervals, displacement, power.",
    invoke_without_command=True,
)


def _fmt(v: Any) -> str:
    return "–" if v is None else f"{v:.2f}"


@app.callback()
def evaluate(
    ctx: typer.Context,
    workspace: WorkspaceOpt = ".",  # type: ignore[assignment]
    hotspot: Annotated[
        list[str] | None,
        typer.Option("--hotspot", help="Hotspot name (repeat for several; default all)."),
    ] = None,
    outcome: Annotated[
        list[str] | None,
        typer.Option(
            "--outcome",
            help="'harm' (all harm events, default) or harm categories (repeat). "
            "Enforcement and prevention are dose, never outcomes.",
        ),
    ] = None,
    until: Annotated[
        str | None, typer.Option("--until", help="Last day of the post-period (YYYY-MM-DD).")
    ] = None,
    pre_months: Annotated[
        int | None,
        typer.Option(
            "--pre-months",
            help="Longest baseline in months, before the selection window; fewer where the "
            "data start later (default: [evaluation], else 24).",
        ),
    ] = None,
    selection_window: Annotated[
        int | None,
        typer.Option(
            "--selection-window",
            help="Months just before each decision left out of the comparison, when harm "
            "peaked and the place was chosen; 0 keeps them (default: [evaluation] "
            "selection_window_months, else 6).",
        ),
    ] = None,
    min_post_months: Annotated[
        int | None,
        typer.Option(
            "--min-post-months",
            help="Fewer months after designation are 'too early' (default: [evaluation], "
            "else 6).",
        ),
    ] = None,
    max_mdr: Annotated[
        float | None,
        typer.Option(
            "--max-mdr",
            help="'Too early' when only a fall larger than this fraction is detectable "
            "(default: [evaluation], else 0.5).",
        ),
    ] = None,
    buffer: Annotated[
        list[float] | None,
        typer.Option(
            "--buffer",
            help="Buffer ring width in metres (repeat for rings; default: [evaluation], else 250).",
        ),
    ] = None,
    seed: Annotated[
        int | None,
        typer.Option("--seed", help="Seed of the control matching (default: [evaluation], else 0)."),
    ] = None,
    months: Annotated[
        str | None,
        typer.Option(
            "--months",
            help="Months rule: auto (calendar months when some events have month precision, "
            "else months starting on the designation day), anchored, or calendar.",
        ),
    ] = None,
    lang: Annotated[str, typer.Option("--lang", help="Language of verdicts: en, fr, nl.")] = "en",
    json_out: JsonOpt = False,
    database_url: DatabaseUrlOpt = None,
    study_area: StudyAreaOpt = None,
) -> None:
    """Run the evaluation (no subcommand needed)."""
    if ctx.invoked_subcommand is not None:
        return
    from hotspotwatch.i18n.verdicts import with_verdict_texts
    from hotspotwatch.workflows.evaluate import evaluate_strategy
    from hotspotwatch.workspace import StudyAreaError

    if lang not in ("en", "fr", "nl"):
        fail(f"--lang: {lang!r} is not supported; use en, fr or nl")
    if pre_months is not None and pre_months < 3:
        fail(f"--pre-months: {pre_months} is too short; use 3 months or more (default 24)")
    if selection_window is not None and selection_window < 0:
        fail(f"--selection-window: {selection_window} is negative; use 0 or more months")
    if min_post_months is not None and min_post_months < 0:
        fail(f"--min-post-months: {min_post_months} is negative; use 0 or more months")
    if max_mdr is not None and not 0 < max_mdr <= 1:
        fail(f"--max-mdr: {max_mdr} is not a fraction in (0, 1]; e.g. 0.5 (a halving)")
    until_date = None
    if until is not None:
        try:
            until_date = dt.date.fromisoformat(until)
        except ValueError:
            fail(f"--until: {until!r} is not a date; use YYYY-MM-DD")
    outcomes = outcome or ["harm"]
    out: str | list[str] = "harm" if outcomes == ["harm"] else outcomes
    ws = open_workspace(workspace, database_url)
    area = study_area_choice(study_area, cell_size=ws.config.evaluation.get("cell_size"))
    try:
        with progress_bar("evaluation (hotspots)", enabled=progress_enabled(json_out)) as bar:
            res = evaluate_strategy(
                ws,
                hotspots=hotspot or None,
                outcome=out,
                until=until_date,
                pre_months=pre_months,
                buffer_widths=list(buffer) if buffer else None,
                seed=seed,
                months=months,
                study_area=area,
                progress=bar,
                selection_window_months=selection_window,
                min_post_months=min_post_months,
                max_mdr=max_mdr,
            )
    except StudyAreaError as exc:
        fail_no_study_area(exc)
    except ValueError as exc:
        fail(escape(str(exc)))
    finally:
        ws.close()
    data = with_verdict_texts(res)  # the stored run holds labels; sentences are written here
    not_evaluated = list(data["parameters"].get("not_evaluated") or [])
    if not data["hotspots"] and not_evaluated:
        from hotspotwatch.workflows.evaluate import nothing_evaluated_reason

        fail(escape(nothing_evaluated_reason(data, not_evaluated)))
    if json_out:
        print_json(data)
        return
    table = Table(
        title="Hotspot evaluation (rate ratio after/before, relative to control places)"
    )
    for col in ("hotspot", "IRR", "95% CI", "adjusted CI", "p (FDR)", "verdict", "buffer IRR",
                "buffer", "MDR"):
        table.add_column(col)
    for h in data["hotspots"]:
        table.add_row(
            h["name"],
            _fmt(h["irr"]),
            f"{_fmt(h['ci_low'])}–{_fmt(h['ci_high'])}",
            f"{_fmt(h['ci_low_adjusted'])}–{_fmt(h['ci_high_adjusted'])}",
            _fmt(h["p_adjusted"]),
            _verdict_label(h["verdict"], lang) + (" ≈" if h["near_threshold"] else ""),
            _fmt(h["buffer"]["irr"]),
            _verdict_label(h["buffer"]["verdict"], lang),
            _fmt(h["min_detectable_ratio"]),
        )
    console.print(table)
    for h in data["hotspots"]:
        console.print(h["verdict_text"][lang], highlight=False)
    if not_evaluated:
        from hotspotwatch.i18n import translate as _t

        console.print(_t("evaluate.not_evaluated", lang, names=", ".join(not_evaluated)),
                      highlight=False)
    if data["pooled"]:
        console.print(data["pooled"]["verdict_text"][lang], highlight=False)
        p = data["pooled"]
        console.print(
            f"I² = {100 * p['i2']:.0f}%, prediction interval for a new hotspot "
            f"{_fmt(p['prediction_low'])}–{_fmt(p['prediction_high'])}",
            highlight=False,
        )
    from hotspotwatch.i18n import translate

    console.print(translate("evaluate.dose_note", lang), highlight=False)
    console.print(
        translate(
            f"evaluate.months.{data['period_rule']}", lang, precision=data["time_precision"]
        ),
        highlight=False,
    )
    if data["missing_months"]:
        by: dict[str, list[str]] = {}
        for m in data["missing_months"]:
            by.setdefault(m["source"], []).append(m["month"][:7])
        console.print(
            translate(
                "evaluate.months.missing",
                lang,
                sources="; ".join(f"{src}: {', '.join(ms)}" for src, ms in by.items()),
            ),
            highlight=False,
        )


def _verdict_label(label: str, lang: str) -> str:
    """Verdict in the reader's language (falls back to the key for unknown labels)."""
    from hotspotwatch.i18n import translate

    try:
        return translate(f"evaluate.verdict.{label}", lang)
    except KeyError:
        return label.replace("_", " ")


# `hotspotwatch evaluate incidents` (its own module; `hotspotwatch evaluate` alone still runs
# the evaluation through the callback above).
from hotspotwatch.cli._evaluate_incidents import incidents as _incidents  # noqa: E402

app.command("incidents")(_incidents)
