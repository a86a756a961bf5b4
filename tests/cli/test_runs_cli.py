"""`hotspotwatch runs list|show`: provenance of stored runs through the real CLI."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from tests.store.test_runs import _toy, insert_legacy_run
from typer.testing import CliRunner

from hotspotwatch import Workspace
from hotspotwatch.cli.main import app
from hotspotwatch.store import runs

runner = CliRunner()


def test_list_and_show_a_run(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(runs.RUN_KINDS, "test.toy", "tests.store.test_runs:Toy")
    ws = Workspace.create(tmp_path / "ws")
    saved = ws.save_run("test.toy", {"categories": ["burglary"], "seed": 0}, _toy())
    insert_legacy_run(ws, "test.toy", '{"old": true}')
    ws.close()
    res = runner.invoke(app, ["runs", "list", "-w", str(tmp_path / "ws"), "--json"])
    assert res.exit_code == 0, res.stderr
    rows = json.loads(res.stdout)
    # newest first: the legacy run was stored in 2025
    assert [r["run"] for r in rows] == [saved.short_key, None]
    assert rows[0]["current"] is True and rows[1]["current"] is False
    assert rows[0]["parameters"] == {"categories": ["burglary"], "seed": 0}
    res = runner.invoke(app, ["runs", "show", saved.key[:10], "-w", str(tmp_path / "ws")])
    assert res.exit_code == 0, res.stderr
    shown = json.loads(res.stdout)
    assert shown["key"] == saved.key and shown["result"]["label"] == "a"
    assert shown["result"]["z"] == [1.5, None]
    res = runner.invoke(app, ["runs", "show", "deadbeef00", "-w", str(tmp_path / "ws")])
    assert res.exit_code == 2 and "no stored run" in res.stderr
    res = runner.invoke(app, ["runs", "show", "abc", "-w", str(tmp_path / "ws")])
    assert res.exit_code == 2 and "too short" in res.stderr
