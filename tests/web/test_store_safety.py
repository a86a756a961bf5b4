"""Issue 15, Low 12: a damaged store is named with its fix; backup/restore of a live workspace."""

from __future__ import annotations

import threading
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from hotspotwatch import Workspace
from hotspotwatch.cli.main import app
from hotspotwatch.web import create_app
from hotspotwatch.workflows import backup as backup_wf

from .conftest import populate


def _batch(i: int, n: int = 20) -> pd.DataFrame:
    rng = np.random.default_rng(i)
    return pd.DataFrame(
        {
            "source_id": [f"w{i}-{j}" for j in range(n)],
            "occurred_at": pd.to_datetime(["2024-06-01 12:00"] * n, utc=True),
            "x": rng.uniform(645100, 652900, n),
            "y": rng.uniform(665100, 672900, n),
            "category": "assault",
        }
    )


def test_backup_and_restore_of_a_live_workspace_under_writes(
    workspace: Workspace, tmp_path: Path
) -> None:
    ws = workspace
    populate(ws)
    before = len(ws.events())
    stop = threading.Event()
    written = [0]

    def writer() -> None:
        i = 0
        while not stop.is_set() and i < 200:
            ws.add_events(_batch(i), source=f"live-{i}")
            written[0] += 20
            i += 1

    thread = threading.Thread(target=writer)
    thread.start()
    try:
        while written[0] < 40:  # writes are under way
            threading.Event().wait(0.01)
        info = backup_wf.backup(ws, tmp_path / "bk")
    finally:
        stop.set()
        thread.join(60)
    after = len(ws.events())
    assert after > before
    # the backup is a consistent snapshot: a whole number of batches, between the two counts
    copy = tmp_path / "copy"
    copy.mkdir()
    (copy / "hotspotwatch.toml").write_text((ws.path / "hotspotwatch.toml").read_text())
    if info.backend == "sqlite":
        backup_wf.restore(copy, tmp_path / "bk")
        with Workspace.open(copy) as restored:
            assert backup_wf.check_store(restored) == []
            n = len(restored.events())
    else:
        ws.close()
        backup_wf.restore(ws.path, tmp_path / "bk", database_url=ws.config.database_url)
        with Workspace.open(ws.path, database_url=ws.config.database_url) as restored:
            n = len(restored.events())
    assert before + 40 <= n <= after and (n - before) % 20 == 0
    assert set(info.files) >= {"hotspotwatch.toml"}


def test_restore_brings_a_sqlite_workspace_back_after_writes(
    sqlite_workspace: Workspace, tmp_path: Path
) -> None:
    ws = sqlite_workspace
    populate(ws)
    run = CliRunner()
    res = run.invoke(app, ["backup", str(tmp_path / "bk"), "-w", str(ws.path)])
    assert res.exit_code == 0, res.output
    ws.add_events(_batch(999), source="after-backup")
    assert len(ws.events()) == 420
    res = run.invoke(app, ["restore", str(tmp_path / "bk"), "-w", str(ws.path)])
    assert res.exit_code == 0, res.output
    assert len(ws.events()) == 400  # the live workspace's own engine sees the restored file


def _damage(path: Path, offset: int, n: int) -> None:
    with path.open("r+b") as f:
        f.seek(offset)
        f.write(bytes(np.random.default_rng(0).integers(0, 256, n, dtype=np.uint8)))


@pytest.mark.parametrize("where", ["header", "pages"])
def test_a_damaged_store_gives_one_line_naming_the_file_and_the_fix(
    sqlite_workspace: Workspace, where: str
) -> None:
    ws = sqlite_workspace
    populate(ws)
    db = ws.path / "hotspotwatch.sqlite"
    ws.close()
    size = db.stat().st_size
    if where == "header":
        _damage(db, 0, 100)
    else:
        _damage(db, size // 2, 3 * 4096)
    for cmd in (["serve"], ["backup", str(ws.path / "bk")]):
        res = CliRunner().invoke(app, [*cmd, "-w", str(ws.path)])
        assert res.exit_code == 2, res.output
        out = " ".join(res.output.split())
        assert "damaged" in out and "hotspotwatch.sqlite" in out and "hotspotwatch restore" in out
        assert "Traceback" not in res.output and "this is a bug" not in res.output


def test_health_runs_the_quick_check(sqlite_workspace: Workspace) -> None:
    ws = sqlite_workspace
    populate(ws)
    with TestClient(create_app(ws)) as client:
        assert client.get("/api/v1/health").json()["store"] == "ok"
    db = ws.path / "hotspotwatch.sqlite"
    ws.close()
    _damage(db, db.stat().st_size // 2, 3 * 4096)
    damaged = Workspace.open(ws.path)
    try:
        with TestClient(create_app(damaged)) as client:
            r = client.get("/api/v1/health")
        assert r.status_code == 503 and r.json()["status"] == "damaged"
    finally:
        damaged.close()
