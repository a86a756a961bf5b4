"""``hotspotwatch evaluate incidents`` (a command of the ``evaluate`` group in cli/evaluate.py)."""

from __future__ import annotations

from typing import Annotated

import typer

from hotspotwatch.cli._common import (
    DatabaseUrlOpt,
    JsonOpt,
    WorkspaceOpt,
    console,
    fail,
    open_workspace,
    parse_date,
    print_json,
)


def incidents(
    category: Annotated[
        str, typer.Option("--category", help="Harm category of the workspace taxonomy.")
    ],
    start: Annotated[str, typer.Option("--start", help="First day (YYYY-MM-DD, inclusive).")],
    end: Annotated[str, typer.Option("--end", help="Last day (YYYY-MM-DD, inclusive).")],
    workspace: WorkspaceOpt = ".",  # type: ignore[assignment]
    model_outcome: Annotated[
        str,
        typer.Option(
            "--model-outcome",
            help="Evaluation whose rate ratios give expected_share_model: harm (all harm, "
            "the evaluation the report shows) or category (the category's own).",
        ),
    ] = "harm",
    lang: Annotated[str, typer.Option("--lang", help="Language of the text: en, fr, nl.")] = "en",
    json_out: JsonOpt = False,
    database_url: DatabaseUrlOpt = None,
) -> None:
    """How many of the window's incidents fell in designated places, against chance and power.

    Of the N incidents of CATEGORY from START to END, k fell in places designated on the
    incident's day; the designated places held a share of that category in the 24 months
    before their first designation; k or more of N by chance alone has a binomial
    probability; and a 20 % change would need some years of data to show.
    """
    from hotspotwatch.i18n.incidents import with_incidents_text
    from hotspotwatch.workflows.incidents import incidents_spec
    from hotspotwatch.workflows.runs import ensure_run

    if lang not in ("en", "fr", "nl"):
        fail(f"--lang: {lang!r} is not supported; use en, fr or nl")
    start_day = parse_date(start, "--start")
    end_day = parse_date(end, "--end")
    ws = open_workspace(workspace, database_url)
    try:
        spec = incidents_spec(
            ws,
            category=category,
            start=start_day,  # type: ignore[arg-type]
            end=end_day,  # type: ignore[arg-type]
            model_outcome=model_outcome,
        )
        run = ensure_run(ws, spec)
        data = with_incidents_text(run.result, taxonomy=ws.taxonomy)
    except ValueError as exc:
        fail(str(exc))
    finally:
        ws.close()
    data["window"] = {"start": data["start"], "end": data["end"]}
    data["run"] = run.short_key
    if json_out:
        print_json(data)
        return
    console.print(data["text"][lang], highlight=False)

    def num(key: str, digits: int) -> str:
        v = data[key]
        return "–" if v is None else f"{v:.{digits}f}"

    console.print(
        f"n = {data['n']}, k = {data['k']}, expected_share = {num('expected_share', 4)}, "
        f"expected_share_model = {num('expected_share_model', 4)}, "
        f"p = {num('p_value', 4)}, years_to_detect = {num('years_to_detect', 1)} "
        f"(run {run.short_key})",
        highlight=False,
    )
