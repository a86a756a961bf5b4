"""The ``hotspotwatch`` command line.

Each command group lives in its own module exposing ``app`` (a Typer group); a module exposing
``register(app)`` adds plain commands to the root instead. :data:`COMMANDS` names every
top-level command, where it is defined (``module``, or ``module:attribute`` for a second Typer
group in a module) and the one line ``hotspotwatch --help`` shows.
Modules are imported only when their command runs (or its ``--help`` is asked for), so
``hotspotwatch --help`` and shell completion load no command module and no pandas, geopandas,
SQLAlchemy or numpy (``tests/cli/test_lazy_start.py`` guards it).

Foreseeable mistakes (missing workspace, bad file, unknown category) print a one-line error
and exit 2 without a traceback; ``HOTSPOTWATCH_DEBUG=1`` shows tracebacks for bug reports.
"""

from __future__ import annotations

import importlib
import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from difflib import get_close_matches
from typing import Any

import typer
from typer.core import TyperCommand, TyperGroup

try:  # typer vendors click as typer._click since 0.2x
    from typer._click.core import Context
    from typer._click.exceptions import UsageError
except ImportError:  # pragma: no cover - older typer depends on click itself
    from click import Context, UsageError  # type: ignore[assignment,no-redef,import-not-found,unused-ignore]

from hotspotwatch import __version__

# name -> (module under hotspotwatch.cli [":" a Typer group in it], the root listing's line). The line must
# be the first paragraph of the command's own help (its docstring or Typer(help=...));
# tests/cli/test_lazy_start.py compares the lazy listing with the loaded one and fails on drift.
COMMANDS: dict[str, tuple[str, str]] = {
    "init": (
        "workspace",
        "Create a workspace: DIR/hotspotwatch.toml and its store (SQLite by default).",
    ),
    "info": (
        "workspace",
        "Summarise a workspace: events per category and role, areas, hotspots, runs.",
    ),
    "serve": (
        "serve",
        "Serve the dashboard (map, hotspots, strategy, public page) and the API /api/v1.",
    ),
    "backup": ("backup", "Back up the store (SQLite online backup API or pg_dump) and the config."),
    "restore": ("backup", "Write a backup back into the workspace (its store may be damaged)."),
    "demo": (
        "demo",
        "Build the Brussels demo workspace in DIR, run every analysis, write reports, serve the dashboard.",
    ),
    "hotspot": (
        "hotspot",
        "Designated hotspots: perimeters and the decisions that designate, extend or end them.",
    ),
    "import": ("importing", "Import events, areas, hotspots and presence into the workspace."),
    "dose": (
        "dose",
        "Presence of units at the hotspots and the harm after it (activity, not results).",
    ),
    "quarantine": (
        "quarantine",
        "Rows an import could not use, with the file, row, field, value, reason and fix.",
    ),
    "export": (
        "export",
        "Export events, areas or hotspots to GeoJSON, GeoPackage, CSV or Parquet.",
    ),
    "detect": (
        "detect",
        "Detect hot spots: KDE, Gi*, LISA, concentration, classification, coverage, borders.",
    ),
    "spacetime": (
        "spacetime",
        "Space-time: near-repeat risk (Knox), alert areas, emerging hot spots.",
    ),
    "user": ("user", "Dashboard users: add, list, issue and revoke tokens."),
    "audit": ("audit", "The audit log of event-level access and writes."),
    "evaluate": (
        "evaluate",
        "Evaluate the hotspots and the strategy: rate ratios with intervals, displacement, power.",
    ),
    "report": ("report", "Reports: the six-monthly renewal report (HTML or PDF; FR, NL, EN)."),
    "runs": (
        "runs",
        "Stored analysis runs: what was computed, with which parameters, on which data.",
    ),
}

_TYPER_SETTINGS: dict[str, Any] = {"pretty_exceptions_enable": False}


def load_command(name: str) -> Any:
    """Import the module of the top-level command ``name`` and return its click command.

    Parameters
    ----------
    name : str
        A key of :data:`COMMANDS`.

    Returns
    -------
    click.Command
        The command (or group) exactly as an eager ``add_typer``/``register`` would build it.
    """
    where, _ = COMMANDS[name]
    module_name, _, attribute = where.partition(":")
    module = importlib.import_module(f"hotspotwatch.cli.{module_name}")
    # Build it under a throwaway root with the root's settings, as add_typer/register did.
    holder = typer.Typer(**_TYPER_SETTINGS)
    if attribute:
        holder.add_typer(getattr(module, attribute), name=name)
    elif hasattr(module, "register"):
        module.register(holder)
    else:
        holder.add_typer(module.app, name=name)

    group = typer.main.get_group(holder)
    command = group.commands.get(name)
    if command is None:
        raise LookupError(f"hotspotwatch.cli.{module_name} does not define the command {name!r}")
    return command


class LazyGroup(TyperGroup):
    """The root group: lists :data:`COMMANDS` from the table and imports a module on use.

    While it lists (root ``--help``, shell completion of the first word) it hands out
    placeholders carrying the table's one-line help, so nothing is imported; resolving a
    command to run it, or to show its own ``--help``, loads the real one.
    """

    _listing = False

    def list_commands(self, ctx: Context) -> list[str]:
        return [*COMMANDS, *(n for n in super().list_commands(ctx) if n not in COMMANDS)]

    def get_command(self, ctx: Context, cmd_name: str) -> Any:
        if cmd_name in self.commands or cmd_name not in COMMANDS:
            return super().get_command(ctx, cmd_name)
        if self._listing:
            return TyperCommand(name=cmd_name, help=COMMANDS[cmd_name][1])
        command = load_command(cmd_name)
        self.add_command(command, cmd_name)
        return command

    def resolve_command(self, ctx: Context, args: list[str]) -> Any:
        try:
            return super().resolve_command(ctx, args)
        except UsageError as exc:
            # Typer suggests only among loaded commands; suggest among all of them.
            if self.suggest_commands and args and "Did you mean" not in exc.message:
                matches = get_close_matches(args[0], self.list_commands(ctx))
                if matches:
                    suggestions = ", ".join(f"{m!r}" for m in matches)
                    exc.message = f"{exc.message.rstrip('.')}. Did you mean {suggestions}?"
            raise

    @contextmanager
    def _placeholders(self) -> Iterator[None]:
        self._listing = True
        try:
            yield
        finally:
            self._listing = False

    def format_help(self, ctx: Context, formatter: Any) -> None:
        with self._placeholders():
            super().format_help(ctx, formatter)

    def shell_complete(self, ctx: Context, incomplete: str) -> Any:
        with self._placeholders():
            return super().shell_complete(ctx, incomplete)


app = typer.Typer(
    name="hotspotwatch",
    cls=LazyGroup,
    help="HotspotWatch: find where harm concentrates, manage designated hotspots, and evaluate them honestly.",
    no_args_is_help=True,
    context_settings={"help_option_names": ["-h", "--help"]},
    **_TYPER_SETTINGS,
)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"hotspotwatch {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    version: bool = typer.Option(
        False, "--version", callback=_version, is_eager=True, help="Print the version and exit."
    ),
) -> None:
    """HotspotWatch command line."""


def main() -> None:
    """Console-script entry point."""
    try:
        app()
    except KeyboardInterrupt:
        typer.echo(
            "interrupted; nothing was half-written (each write is one transaction)", err=True
        )
        sys.exit(130)
    except Exception as exc:
        if os.environ.get("HOTSPOTWATCH_DEBUG"):
            raise
        from hotspotwatch.workspace import WorkspaceError

        if isinstance(exc, WorkspaceError):
            # a workspace that lacks something (a study area...): the message says what to do
            typer.echo(f"error: {exc}", err=True)
            sys.exit(2)
        typer.echo(
            f"error: {type(exc).__name__}: {exc}\n(this is a bug if the message does not say how to fix it; "
            "rerun with HOTSPOTWATCH_DEBUG=1 for the traceback and report it)",
            err=True,
        )
        sys.exit(1)


if __name__ == "__main__":  # pragma: no cover
    main()
