"""Resource import: every row accounted for, quarantine with reasons, re-import a no-op, a
corrected figure updates; the CLI's JSON and exit 2."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from hotspotwatch.cli.main import app
from hotspotwatch.io.errors import SourceError
from hotspotwatch.testing import make_city
from hotspotwatch.workflows.quarantine import rows as quarantine_rows
from hotspotwatch.workflows.resources import import_resources, resource_frame

CSV = """hotspot,start,end,kind,staff_hours,cost,source,Officer name
Hotspot 1,2024-04-01,2024-09-30,police,5200,310000,zone report 2024,Dupont
Hotspot 1,2024-04-01,2024-09-30,prevention,1800,"72000",BPS budget,
Hotspot 2,2024-04-01,2024-09-30,liveability,,15000,commune,
Hotspot 9,2024-04-01,2024-09-30,police,10,10,x,
Hotspot 2,2024-09-30,2024-04-01,police,10,10,x,
Hotspot 2,2024-04-01,2024-09-30,swat,10,10,x,
Hotspot 2,2024-04-01,2024-09-30,other,-5,10,x,
Hotspot 2,2024-04-01,2024-09-30,other,,,x,
Hotspot 2,2024-04-01,2024-09-30,other,1,1,,
Hotspot 1,2024-04-01,2024-09-30,police,5200,310000,zone report 2024,
"""


def test_resources_import(tmp_path: Path) -> None:
    ws = make_city(tmp_path / "ws", n_hotspots=2, scale=0.2)
    f = tmp_path / "resources.csv"
    f.write_text(CSV, encoding="utf-8")
    (r,) = import_resources(ws, [f])
    assert (r.read, r.inserted, r.updated, r.unchanged, r.quarantined) == (10, 3, 0, 0, 7)
    q = {x.row_number: x.reason for x in quarantine_rows(ws, source="resources")}
    assert "unknown hotspot 'Hotspot 9'" in q[4]
    assert "ends before it starts" in q[5]
    assert "unknown kind 'swat'" in q[6]
    assert "negative" in q[7]
    assert "both empty" in q[8]
    assert "no source" in q[9]
    assert "duplicate row" in q[10]
    assert all("Dupont" not in str(x.raw_row) for x in quarantine_rows(ws))
    stored = resource_frame(ws)
    assert stored["cost_eur"].sum() == 310000 + 72000 + 15000
    assert r.warnings and "Officer name" in r.warnings[0]
    (again,) = import_resources(ws, [f])
    assert (again.inserted, again.updated, again.unchanged) == (0, 0, 3)
    assert again.already_quarantined == 7
    f.write_text(
        CSV.replace("310000,zone report 2024,Dupont", "320000,zone report 2024,Dupont"),
        encoding="utf-8",
    )
    (fixed,) = import_resources(ws, [f])
    assert (fixed.inserted, fixed.updated, fixed.unchanged) == (0, 1, 2)
    with pytest.raises(SourceError, match="column 'source' is missing"):
        bad = tmp_path / "bad.csv"
        bad.write_text("hotspot,start,end,kind,staff_hours,cost\n", encoding="utf-8")
        import_resources(ws, [bad])
    ws.close()
    res = CliRunner().invoke(
        app, ["import", "resources", str(f), "-w", str(tmp_path / "ws"), "--json"]
    )
    assert res.exit_code == 0, res.output
    out = json.loads(res.stdout)
    assert list(out)[:5] == ["read", "inserted", "updated", "unchanged", "quarantined"]
    res = CliRunner().invoke(
        app, ["import", "resources", str(tmp_path / "nope.csv"), "-w", str(tmp_path / "ws")]
    )
    assert res.exit_code == 2 and "nope.csv" in res.output
