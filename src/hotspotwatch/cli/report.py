"""``hotspotwatch report``: the renewal report for the council and the public."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape

from hotspotwatch.cli._common import (
    StudyAreaOpt,
    WorkspaceOpt,
    console,
    fail,
    fail_no_study_area,
    open_workspace,
    study_area_choice,
)
from hotspotwatch.cli._progress import progress_bar, progress_enabled

app = typer.Typer(
    help="Reports: the six-monthly renewal report (HTML or PDF; FR, NL, EN).", no_args_is_help=True
)


@app.command("renewal")
def renewal(
    workspace: WorkspaceOpt = Path("."),
    until: Annotated[
        str | None,
        typer.Option(
            "--until",
            metavar="DATE",
            help="End of the period under review (YYYY-MM-DD; default: the latest data).",
        ),
    ] = None,
    lang: Annotated[
        str, typer.Option("--lang", metavar="fr|nl|en", help="Language of the report.")
    ] = "en",
    fmt: Annotated[
        str, typer.Option("--format", metavar="html|pdf", help="Output format.")
    ] = "pdf",
    audience: Annotated[
        str,
        typer.Option(
            "--audience",
            metavar="council|public",
            help="council: every count; public: no event points, counts below k suppressed.",
        ),
    ] = "council",
    output: Annotated[
        Path | None,
        typer.Option(
            "-o", metavar="PATH", help="File to write (default renewal-AUDIENCE-LANG.FORMAT)."
        ),
    ] = None,
    study_area: StudyAreaOpt = None,
) -> None:
    """Build the renewal report: summary, one page per hotspot, regional picture, methods,
    the runs behind it, data quality.

    Each section's run is asked for by its parameters (fixed by the report and the
    workspace config): reused when stored on the same data and config, computed otherwise.
    """
    from hotspotwatch.report.builders import check_format, check_lang
    from hotspotwatch.report.disclosure import check_audience

    try:
        check_lang(lang)
        check_format(fmt)
        check_audience(audience)
    except ValueError as exc:
        fail(escape(str(exc)))
    until_day: dt.date | None = None
    if until is not None:
        try:
            until_day = dt.date.fromisoformat(until)
        except ValueError:
            fail(f"--until must be a date like 2025-09-03, got {until!r}")
    out = output or Path(f"renewal-{audience}-{lang}.{fmt}")
    ws = open_workspace(workspace)
    area = study_area_choice(study_area)
    from hotspotwatch.workflows.report import build_renewal_report, gather_renewal
    from hotspotwatch.workspace import StudyAreaError

    try:
        with progress_bar("renewal report: runs (reused when stored, else computed)",
                          enabled=progress_enabled()) as bar:
            data = gather_renewal(ws, until=until_day, study_area=area, progress=bar)
        with progress_bar("renewal report: pages", enabled=progress_enabled()) as bar:
            path = build_renewal_report(
                ws, lang=lang, fmt=fmt, audience=audience, output=out, data=data, progress=bar
            )
    except StudyAreaError as exc:
        fail_no_study_area(exc)
    except ValueError as exc:
        fail(escape(str(exc)))
    finally:
        ws.close()
    for run in data.runs:
        console.print(f"  {run.section:<20} {run.short_key}  {run.kind}", highlight=False)
    for section, reason in data.unavailable.items():
        console.print(f"  {section:<20} not available: {reason}", highlight=False, markup=False)
    console.print(f"wrote {path}", highlight=False)
