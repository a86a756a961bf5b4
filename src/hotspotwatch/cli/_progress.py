"""Progress bars and output width shared by the CLI commands.

The analysis and workflow functions take an optional ``progress(done, total)`` callback and
stay free of any display; the commands pass :func:`progress_bar`'s callback. A bar is drawn
on standard error only when it is a terminal and the command was not asked for ``--json``,
and only once the work has lasted :data:`DELAY` seconds (quick runs print no bar at all).

Printed to a pipe or a file, Rich would cut tables at 80 columns (or the width of a
terminal elsewhere); :func:`fit_to_output` gives the console a width that leaves every table
whole.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

ProgressCallback = Callable[[int, int], None]

#: Seconds of work before a bar appears.
DELAY = 1.0
#: Console width when standard output is not a terminal (tables are never cut).
PIPE_WIDTH = 1000


def _err_console() -> Any:
    from hotspotwatch.cli import _common

    return _common.err_console


def progress_enabled(json_out: bool = False) -> bool:
    """A bar is drawn: not ``--json``, and standard error is a terminal."""
    return not json_out and bool(_err_console().is_terminal)


@contextmanager
def progress_bar(description: str, *, enabled: bool) -> Iterator[ProgressCallback | None]:
    """A ``progress(done, total)`` callback drawing a Rich bar on standard error.

    Parameters
    ----------
    description : str
        What the bar counts, e.g. ``"Knox permutations"``.
    enabled : bool
        Usually :func:`progress_enabled` ``(json_out)``; when false the context yields
        ``None`` (the analyses then skip every call).

    Yields
    ------
    callable or None
        Thread-safe; the bar starts after :data:`DELAY` seconds and is removed at the end.
    """
    if not enabled:
        yield None
        return
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        TextColumn,
        TimeElapsedColumn,
        TimeRemainingColumn,
    )

    bar = Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                   TimeElapsedColumn(), TimeRemainingColumn(), console=_err_console(),
                   transient=True)
    task = bar.add_task(description, total=None)
    t0 = time.monotonic()
    started = False

    def callback(done: int, total: int) -> None:
        nonlocal started
        if not started and time.monotonic() - t0 >= DELAY:
            started = True
            bar.start()
        bar.update(task, completed=done, total=total)

    try:
        yield callback
    finally:
        if started:
            bar.stop()


def fit_to_output(console: Any) -> None:
    """Printed to a pipe or a file (not a terminal), ``console`` gets :data:`PIPE_WIDTH`
    columns, so tables keep their natural width instead of being cut at 80."""
    if not console.is_terminal:
        console.width = PIPE_WIDTH


__all__ = ["DELAY", "PIPE_WIDTH", "ProgressCallback", "fit_to_output", "progress_bar",
           "progress_enabled"]
