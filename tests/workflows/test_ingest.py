"""Import workflow on both store backends: accounting, idempotence, corrections, atomicity,
areas, hotspots and exports."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pandas as pd
import pytest

from hotspotwatch import Workspace
from hotspotwatch.io.errors import SourceError
from hotspotwatch.workflows.ingest import (
    COUNT_KEYS,
    export,
    import_areas,
    import_events,
    import_hotspots,
    total_counts,
)

DATA = Path(__file__).resolve().parents[1] / "data"
MAPPING = DATA / "generic_mapping.toml"
EVENTS = DATA / "generic_events.csv"


def _count(ws: Workspace) -> int:
    return len(ws.events())


def test_generic_import_accounts_for_every_row(workspace):
    (rep,) = import_events(workspace, [EVENTS], mapping=MAPPING)
    assert rep.counts() == {"read": 8, "inserted": 4, "updated": 0, "unchanged": 0, "quarantined": 4}
    assert list(rep.counts()) == list(COUNT_KEYS)
    kinds = dict(rep.reasons)
    assert kinds["duplicate id"] == 1
    assert kinds["unknown category 'Vente de stupefiant'"] == 1
    ev = workspace.events()
    assert sorted(ev["source_id"]) == ["PV001", "PV002", "PV006", "PV007"]
    assert set(ev["source"]) == {"zone-5341-ISLP"}


def test_reimport_is_a_noop_and_correction_updates(workspace, tmp_path):
    import_events(workspace, [EVENTS], mapping=MAPPING)
    (again,) = import_events(workspace, [EVENTS], mapping=MAPPING)
    assert again.counts() == {"read": 8, "inserted": 0, "updated": 0, "unchanged": 4, "quarantined": 4}
    assert _count(workspace) == 4
    fixed = tmp_path / "fixed.csv"
    text = EVENTS.read_text(encoding="utf-8")
    text = text.replace("PV004;31/02/2024", "PV004;29/02/2024")  # corrected date: new row
    text = text.replace("PV002;02/03/2024;;149600", "PV002;02/03/2024;;149650")  # moved: update
    fixed.write_text(text, encoding="utf-8")
    (rep,) = import_events(workspace, [fixed], mapping=MAPPING)
    assert rep.counts() == {"read": 8, "inserted": 1, "updated": 1, "unchanged": 3, "quarantined": 3}
    assert _count(workspace) == 5


def test_police_uk_reimport_noop_and_identical_rows_survive(workspace):
    (first,) = import_events(workspace, [DATA / "police_uk_sample.csv"], fmt="police-uk")
    assert first.counts() == {"read": 10, "inserted": 9, "updated": 0, "unchanged": 0, "quarantined": 1}
    (second,) = import_events(workspace, [DATA / "police_uk_sample.csv"], fmt="police-uk")
    assert second.counts() == {"read": 10, "inserted": 0, "updated": 0, "unchanged": 9, "quarantined": 1}
    ev = workspace.events()
    assert (ev["category"] == "nuisance").sum() == 3
    assert first.examples[0]["row_number"] == 6


def test_several_files_one_report_each_and_totals(workspace, tmp_path):
    other = tmp_path / "other.csv"
    other.write_text("incident_no;date;hour;x;y;type;street\nPV100;06/03/2024;7;149000;170000;Vol simple;Rue\n",
                     encoding="utf-8")
    reps = import_events(workspace, [EVENTS, other], mapping=MAPPING)
    assert [r.read for r in reps] == [8, 1]
    assert total_counts(reps) == {"read": 9, "inserted": 5, "updated": 0, "unchanged": 0, "quarantined": 4}


def test_missing_file_fails_before_anything_is_written(workspace, tmp_path):
    with pytest.raises(SourceError, match="file not found"):
        import_events(workspace, [EVENTS, tmp_path / "nope.csv"], mapping=MAPPING)
    assert _count(workspace) == 0
    with pytest.raises(SourceError, match=r"--mapping MAP\.toml"):
        import_events(workspace, [EVENTS])


def test_areas_set_the_extent_and_outside_rows_are_quarantined(workspace):
    rep = import_areas(workspace, DATA / "brussels_box.geojson", layer="region", code_field="code",
                       name_field="name", name_fr_field="name_fr", name_nl_field="name_nl")
    assert (rep.read, rep.written) == (1, 1)
    areas = workspace.areas("region")
    assert areas["name_nl"].iloc[0] == "Doos"
    assert workspace.extent() is not None
    (ev,) = import_events(workspace, [EVENTS], mapping=MAPPING)
    assert ev.counts()["quarantined"] == 5
    assert dict(ev.reasons)["outside the workspace extent"] == 1
    with pytest.raises(SourceError, match="no field 'nom'"):
        import_areas(workspace, DATA / "brussels_box.geojson", layer="region", code_field="code",
                     name_field="nom")


def test_hotspots_import_is_idempotent_and_exports_round_trip(workspace, tmp_path):
    rep = import_hotspots(workspace, DATA / "hotspots_sample.geojson")
    assert (rep.hotspots, rep.designations_added) == (2, 3)
    again = import_hotspots(workspace, DATA / "hotspots_sample.geojson")
    assert (again.designations_added, again.designations_unchanged) == (0, 3)
    des = workspace.designations()
    assert len(des) == 3
    midi = des[des["hotspot"] == "Gare du Midi"].sort_values("start")
    assert midi["action"].tolist() == ["designate", "extend"]
    assert str(midi["end"].iloc[1]) == "2025-03-14"
    out = tmp_path / "hotspots.geojson"
    assert export(workspace, "hotspots", "geojson", out) == 2
    doc = json.loads(out.read_text(encoding="utf-8"))
    props = {f["properties"]["name"]: f["properties"] for f in doc["features"]}
    assert len(props["Gare du Midi"]["designations"]) == 2
    other = Workspace.create(tmp_path / "ws2", crs="EPSG:3812", timezone="Europe/Brussels")
    try:
        import_hotspots(other, out)
        a = workspace.hotspots().set_index("name").geometry
        b = other.hotspots().set_index("name").geometry
        assert a["Gare du Midi"].symmetric_difference(b["Gare du Midi"]).area < 1.0  # m²
        assert len(other.designations()) == 3
    finally:
        other.close()


@pytest.mark.parametrize("fmt", ["geojson", "gpkg", "csv", "parquet"])
def test_export_events_every_format(workspace, tmp_path, fmt):
    import geopandas as gpd
    import pyogrio

    import_events(workspace, [EVENTS], mapping=MAPPING)
    out = tmp_path / f"events.{fmt}"
    assert export(workspace, "events", fmt, out) == 4
    if fmt == "csv":
        back = pd.read_csv(out)
        assert {"x", "y", "lon", "lat", "category", "source_id"} <= set(back.columns)
    elif fmt == "parquet":
        back = gpd.read_parquet(out)
        assert back.crs.to_epsg() == 3812
    else:
        info = pyogrio.read_info(out)
        assert info["features"] == 4
        assert info["crs"] == ("EPSG:4326" if fmt == "geojson" else "EPSG:3812")


def test_exported_events_give_the_local_day_of_day_precision_events(tmp_path):
    # A day-precision event is stored at local midnight in UTC: 1 January 2022 in Paris is
    # 2021-12-31T23:00Z, which a spreadsheet user reads as the previous day at 23:00.
    ws = Workspace.create(tmp_path / "lyon", crs="EPSG:2154", timezone="Europe/Paris")
    ws.add_events(pd.DataFrame({
        "source_id": ["a", "b", "c"], "x": 842000.0, "y": 6519000.0, "category": "burglary",
        "occurred_at": pd.to_datetime(["2021-12-31T23:00Z", "2024-07-01T12:00Z",
                                       "2024-06-30T22:00Z"]),
        "time_precision": ["day", "hour", "month"]}), source="pm")
    assert export(ws, "events", "csv", tmp_path / "e.csv") == 3
    back = pd.read_csv(tmp_path / "e.csv").set_index("source_id")
    assert back["local_time"].to_dict() == {"a": "2022-01-01", "b": "2024-07-01 14:00",
                                            "c": "2024-07"}
    assert list(back.columns).index("local_time") == list(back.columns).index("occurred_at") + 1
    ws.close()


def _write_big_csv(path: Path, n: int) -> None:
    import numpy as np

    rng = np.random.default_rng(0)
    pd.DataFrame({
        "incident_no": [f"K{i:07d}" for i in range(n)],
        "date": "01/03/2024",
        "hour": rng.integers(0, 24, n),
        "x": rng.uniform(148000, 152000, n).round(1),
        "y": rng.uniform(168000, 172000, n).round(1),
        "type": "Vol simple",
        "street": "Rue",
    }).to_csv(path, sep=";", index=False)


@pytest.mark.slow
@pytest.mark.parametrize("sig", [signal.SIGKILL, signal.SIGINT])
def test_killed_import_leaves_the_store_as_it_was(sqlite_workspace, tmp_path, sig):
    ws = sqlite_workspace
    import_events(ws, [EVENTS], mapping=MAPPING)
    before = _count(ws)
    big = tmp_path / "big.csv"
    _write_big_csv(big, 600_000)
    script = textwrap.dedent(f"""
        import sys
        from hotspotwatch import Workspace
        from hotspotwatch.workflows.ingest import import_events
        ws = Workspace.open({str(ws.path)!r})
        def progress(file, stage, done, total):
            if stage == "store" and done == 0:
                print("STORING", flush=True)
        import_events(ws, [{str(big)!r}], mapping={str(MAPPING)!r}, progress=progress)
        print("DONE", flush=True)
    """)
    proc = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, text=True)
    assert proc.stdout is not None
    line = proc.stdout.readline()
    assert line.strip() == "STORING"
    time.sleep(0.3)  # well inside the write of 600,000 rows (200,000 raced on a busy machine)
    os.kill(proc.pid, sig)
    proc.wait(timeout=60)
    rest = proc.stdout.read()
    assert "DONE" not in rest, "the import finished before the signal; make the file larger"
    ws.engine.dispose()
    assert _count(ws) == before
    with ws.engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA integrity_check").scalar() == "ok"
        imports = conn.exec_driver_sql("select count(*) from imports").scalar()
        quarantined = conn.exec_driver_sql("select count(*) from quarantine").scalar()
    assert (imports, quarantined) == (1, 4)
    # and the store still works
    (rep,) = import_events(ws, [EVENTS], mapping=MAPPING)
    assert rep.counts()["unchanged"] == 4
