"""``hotspotwatch demo --selection``: accepted values reach the workflow, others exit 2."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from hotspotwatch.cli.main import app
from hotspotwatch.workflows import demo as demo_workflow

runner = CliRunner()


@pytest.fixture
def calls(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> list[dict[str, Any]]:
    """Replace the (minutes-long) demo by a recorder of its arguments."""
    seen: list[dict[str, Any]] = []

    def fake_run_demo(folder: Path, **kwargs: Any) -> dict[str, Any]:
        seen.append({"folder": folder, **kwargs})
        return {
            "folder": str(folder), "workspace": str(tmp_path / "ws"), "seconds": 0.0,
            "steps": [], "login": None, "selection": kwargs.get("selection"),
        }  # fmt: skip

    monkeypatch.setattr(demo_workflow, "run_demo", fake_run_demo)
    return seen


@pytest.mark.parametrize("value", ["peak", "none"])
def test_selection_value_is_passed_to_the_demo(
    calls: list[dict[str, Any]], tmp_path: Path, value: str
) -> None:
    res = runner.invoke(
        app, ["demo", str(tmp_path / "d"), "--selection", value, "--no-serve", "--json"]
    )
    assert res.exit_code == 0, res.output
    assert calls[-1]["selection"] == value
    assert json.loads(res.stdout)["selection"] == value


def test_selection_defaults_to_none(calls: list[dict[str, Any]], tmp_path: Path) -> None:
    res = runner.invoke(app, ["demo", str(tmp_path / "d"), "--no-serve", "--json"])
    assert res.exit_code == 0, res.output
    assert calls[-1]["selection"] == "none"


def test_unknown_selection_exits_2_with_one_line_naming_the_choices(
    calls: list[dict[str, Any]], tmp_path: Path
) -> None:
    res = runner.invoke(app, ["demo", str(tmp_path / "d"), "--selection", "spike", "--no-serve"])
    assert res.exit_code == 2
    assert calls == []  # nothing was built
    assert not (tmp_path / "d").exists()
    message = " ".join(res.stderr.split())
    assert "--selection 'spike' is not one of none, peak" in message
    assert "Traceback" not in res.output


def test_run_demo_refuses_an_unknown_selection_before_touching_the_folder(
    tmp_path: Path,
) -> None:
    with pytest.raises(demo_workflow.DemoError, match="selection 'spike' is not one of none, peak"):
        demo_workflow.run_demo(tmp_path / "d", selection="spike")  # type: ignore[arg-type]
    assert not (tmp_path / "d").exists()
