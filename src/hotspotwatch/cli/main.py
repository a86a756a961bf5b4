"""The ``hotspotwatch`` command line.

Each command group lives in its own module exposing ``app``; :data:`GROUPS` registers them.
Foreseeable mistakes (missing workspace, bad file, unknown category) print a one-line error
and exit 2 without a traceback; ``HOTSPOTWATCH_DEBUG=1`` shows tracebacks for bug reports.
"""

from __future__ import annotations

import importlib
import os
import sys

import typer

from hotspotwatch import __version__

app = typer.Typer(
    name="hotspotwatch",
    help="HotspotWatch: find where harm concentrates, manage designated hotspots, and evaluate them honestly.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    context_settings={"help_option_names": ["-h", "--help"]},
)

# (module under hotspotwatch.cli, command name); a module exposing `app` (a Typer group) is
# added as a group; one exposing `register(app)` adds plain commands.
GROUPS: list[tuple[str, str]] = [
    ("workspace", ""),
    ("hotspot", "hotspot"),
    ("importing", "import"),
    ("export", "export"),
    ("detect", "detect"),
    ("spacetime", "spacetime"),
    ("serve", ""),
    ("backup", ""),
    ("user", "user"),
    ("audit", "audit"),
    ("evaluate", "evaluate"),
    ("report", "report"),
    ("runs", "runs"),
    ("demo", ""),
]


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


def _register() -> None:
    for module_name, command in GROUPS:
        module = importlib.import_module(f"hotspotwatch.cli.{module_name}")
        if hasattr(module, "register"):
            module.register(app)
        else:
            app.add_typer(module.app, name=command)


_register()


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
        typer.echo(
            f"error: {type(exc).__name__}: {exc}\n(this is a bug if the message does not say how to fix it; "
            "rerun with HOTSPOTWATCH_DEBUG=1 for the traceback and report it)",
            err=True,
        )
        sys.exit(1)


if __name__ == "__main__":  # pragma: no cover
    main()
