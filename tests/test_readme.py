"""The README's CLI reference names every command the CLI has (keeps it true)."""

from __future__ import annotations

from pathlib import Path

import typer

from hotspotwatch.cli.main import app

README = (Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8")


def _leaf_commands() -> list[str]:
    root = typer.main.get_command(app)
    out: list[str] = []

    ctx = typer.Context(root)

    def walk(cmd: typer.core.TyperCommand | typer.core.TyperGroup, prefix: list[str]) -> None:
        # The root loads its commands on demand (cli.main.LazyGroup): ask it, not .commands.
        names = cmd.list_commands(ctx) if isinstance(cmd, typer.core.TyperGroup) else []
        if names and getattr(cmd, "invoke_without_command", False) and prefix:
            out.append(" ".join(prefix))  # a group that also runs alone (`evaluate`)
        if names:
            for name in names:
                walk(cmd.get_command(ctx, name), [*prefix, name])
        else:
            out.append(" ".join(prefix))

    walk(root, [])
    return out


def test_every_cli_command_is_in_the_readme() -> None:
    commands = _leaf_commands()
    assert "evaluate" in commands and "demo" in commands
    lines = README.replace("\\|", "|").splitlines()
    missing = []
    for command in commands:
        head, _, rest = command.partition(" ")
        # A row may list sub-commands as "export events|areas|hotspots" or "user list / user token".
        found = any(
            f"hotspotwatch {head}" in line and (not rest or rest in line.replace("|", " ").split())
            for line in lines
        ) or f"hotspotwatch {command}" in README
        if not found:
            missing.append(command)
    assert missing == [], f"README lacks: {missing}"


def test_readme_gives_the_two_commands() -> None:
    assert "make demo" in README and "make test" in README
