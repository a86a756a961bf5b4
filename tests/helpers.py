"""Helpers for tests that need a reference library or reference data.

On a laptop without them the test is skipped; under ``CI=true`` it FAILS, so that a missing
dependency never passes as green in CI.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")


def require_module(name: str) -> object:
    """Import a reference library; skip on a laptop without it, FAIL under CI=true.

    Reference libraries (esda, libpysal, pointpats) come with the ``dev`` extra; a missing one
    in CI is a broken install, not a reason to pass.
    """
    import importlib

    try:
        return importlib.import_module(name)
    except ImportError as exc:
        msg = f"reference library {name!r} is not installed ({exc}); run `make install`"
        if IN_CI:
            pytest.fail(msg + " (CI=true: a reference test may not be skipped)")
        pytest.skip(msg)


def require_path(path: Path) -> Path:
    """Return ``path`` if it exists; skip on a laptop without it, FAIL under CI=true."""
    if not path.exists():
        msg = f"reference data {path} not found"
        if IN_CI:
            pytest.fail(msg + " (CI=true: a reference test may not be skipped)")
        pytest.skip(msg)
    return path


def require_program(*names: str, why: str) -> str:
    """Return the first of `names` on PATH; skip on a laptop without any, FAIL under CI=true."""
    import shutil

    for name in names:
        found = shutil.which(name)
        if found:
            return found
    msg = f"none of {', '.join(names)} is on PATH ({why})"
    if IN_CI:
        pytest.fail(msg + " (CI=true: a test may not be skipped for a missing program)")
    pytest.skip(msg)
