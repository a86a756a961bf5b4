"""``hotspotwatch demo``: the main job on the embedded Brussels scenario."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from hotspotwatch.cli._common import JsonOpt, console, fail, print_json


def register(app: typer.Typer) -> None:
    """Add ``demo`` to the root app."""

    @app.command("demo")
    def demo(
        directory: Annotated[
            Path, typer.Argument(help="Demo folder (rebuilt on each run).")
        ] = Path("demo"),
        seed: Annotated[int, typer.Option(help="Simulation and permutation seed.")] = 20240328,
        scale: Annotated[
            float, typer.Option(help="Event volume multiplier (1, 10, 100).", min=0.01)
        ] = 1.0,
        serve: Annotated[
            bool, typer.Option("--serve/--no-serve", help="Start the dashboard at the end.")
        ] = True,
        host: Annotated[str, typer.Option(help="Dashboard interface.")] = "127.0.0.1",
        port: Annotated[int, typer.Option(help="Dashboard port.")] = 8765,
        selection: Annotated[
            str,
            typer.Option(
                help="How designations are simulated: none (independent of recent harm) or "
                "peak (each follows a harm spike, +40 % over the 6 months before it; the "
                "selection trap).",
            ),
        ] = "none",
        as_json: JsonOpt = False,
    ) -> None:
        """Build the Brussels demo workspace in DIR, run every analysis, write reports, serve the dashboard."""
        from hotspotwatch.scenarios.brussels.config import SELECTIONS
        from hotspotwatch.workflows.demo import DemoError, StepOutcome, run_demo

        if selection not in SELECTIONS:
            fail(
                f"--selection {selection!r} is not one of {', '.join(SELECTIONS)} "
                "(peak: each designation follows a harm spike; none: it does not)"
            )

        progress = Progress(
            TextColumn("[bold cyan]{task.fields[step]:<10}[/]"),
            BarColumn(bar_width=30),
            TextColumn("{task.description}"),
            TimeElapsedColumn(),
            console=console,
            transient=True,
            disable=as_json,
        )
        task = progress.add_task("", total=1.0, step="")

        def on_step(name: str, title: str) -> None:
            progress.update(task, step=name, description=title, completed=0.0)

        def on_progress(message: str, fraction: float) -> None:
            progress.update(task, description=message, completed=max(0.0, min(1.0, fraction)))

        def on_done(outcome: StepOutcome) -> None:
            if as_json:
                return
            mark = "[green]✓[/]" if outcome.ok else "[red]✗[/]"
            progress.console.print(f"{mark} [bold]{outcome.name}[/] ({outcome.seconds:.1f} s)")
            for line in outcome.lines:
                progress.console.print(f"    {line}", highlight=False)
            if outcome.error:
                progress.console.print(f"    [red]{outcome.error}[/]", highlight=False)

        try:
            with progress:
                summary = run_demo(
                    directory,
                    seed=seed,
                    scale=scale,
                    selection=selection,
                    progress=on_progress,
                    on_step=on_step,
                    on_done=on_done,
                )
        except DemoError as exc:
            fail(str(exc))
        if as_json:
            print_json(summary)
        else:
            table = Table(
                title=f"HotspotWatch demo — {summary['folder']} ({summary['seconds']:.0f} s)"
            )
            table.add_column("open this")
            table.add_column("what it is")
            folder = Path(summary["folder"])
            rows = [
                (
                    Path(summary["workspace"]) / "reports" / "renewal-council-en.pdf",
                    "renewal report for the council (also fr, nl; public versions in public/)",
                ),
                (folder / "evaluation.json", "per-hotspot and strategy verdicts"),
                (folder / "detect", "hotspot maps and layers (GeoJSON/GeoPackage open in QGIS)"),
                (folder / "spacetime", "near-repeat table after shootings, emerging hotspots"),
                (
                    folder / "truth.json",
                    "what the simulator planted: check the verdicts against it",
                ),
            ]
            for path, what in rows:
                if path.exists():
                    table.add_row(str(path), what)
            console.print(table)
            console.print(
                f"Python: [cyan]Workspace.open({summary['workspace']!r})[/]   "
                f"CLI: [cyan]hotspotwatch info -w {summary['workspace']}[/]"
            )
            failed = [s for s in summary["steps"] if not s["ok"]]
            if failed:
                console.print(
                    f"[yellow]{len(failed)} step(s) failed; see error-*.txt in {folder}[/]"
                )
        if serve:
            from hotspotwatch.web import serve as serve_web

            if summary.get("login"):
                user, password = summary["login"]
                console.print(
                    f"Dashboard: [bold]http://{host}:{port}/[/]  login [bold]{user}[/] / [bold]{password}[/]  (Ctrl+C stops)"
                )
            serve_web(summary["workspace"], host=host, port=port)
