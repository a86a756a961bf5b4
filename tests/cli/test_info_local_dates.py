"""`hotspotwatch info`: first and last days in the workspace time zone; whole tables in pipes."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
from typer.testing import CliRunner

from hotspotwatch import Workspace
from hotspotwatch.cli.main import app

runner = CliRunner()


def test_info_dates_are_local_days(tmp_path: Path) -> None:
    ws = Workspace.create(tmp_path / "ws", crs="EPSG:3812", timezone="Europe/Brussels")
    frame = pd.DataFrame(
        {
            "source_id": ["a", "b"],
            # 23:30 UTC on 31 March 2024 is 01:30 on 1 April in Brussels (summer time)
            "occurred_at": pd.to_datetime(["2024-03-31 23:30", "2024-06-30 21:59"], utc=True),
            "x": [650000.0, 650100.0],
            "y": [670000.0, 670100.0],
            "category": ["shooting", "shooting"],
        }
    )
    ws.add_events(frame, source="s")
    ws.close()
    res = runner.invoke(app, ["info", "-w", str(tmp_path / "ws"), "--json"])
    assert res.exit_code == 0, res.stderr
    shooting = json.loads(res.stdout)["events"]["shooting"]
    assert shooting["first"].startswith("2024-03-31 23:30")  # the UTC instant, as before
    assert shooting["first_local"] == "2024-04-01"
    assert shooting["last_local"] == "2024-06-30"
    res = runner.invoke(app, ["info", "-w", str(tmp_path / "ws")])
    assert res.exit_code == 0, res.stderr
    # printed to a pipe, the table is not cut at 80 columns: one row holds both local days
    row = next(line for line in res.stdout.splitlines() if "shooting" in line)
    assert "2024-04-01" in row and "2024-06-30" in row
    assert "Events (first and last day in Europe/Brussels)" in res.stdout
