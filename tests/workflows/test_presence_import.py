"""Presence import: every row accounted for, quarantine with reasons, no names stored,
re-import a no-op, atomic; sessions from GPS pings; the dose runs are typed stored runs."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from hotspotwatch.io.errors import MappingError, SourceError
from hotspotwatch.testing import make_city
from hotspotwatch.workflows.presence import (
    deterrence_spec,
    import_presence,
    presence_spec,
)
from hotspotwatch.workflows.quarantine import rows as quarantine_rows
from hotspotwatch.workflows.runs import ensure_run

UNITS = ["police_taskforce", "peacekeepers", "liveability_team"]

MAPPING = """
source = "zone-taskforce"
kind = "sessions"
time_format = "%d/%m/%Y %H:%M"
[columns]
id = "session_no"
start = "begin"
end = "end"
unit_type = "unit"
hotspot = "place"
[unit_types]
TF = "police_taskforce"
PK = "peacekeepers"
"""

CSV = """session_no,begin,end,unit,place,Officer name,Badge no
1,04/03/2024 10:00,04/03/2024 10:20,TF,Hotspot 1,J. Dupont,4711
2,04/03/2024 11:00,04/03/2024 11:05,PK,Hotspot 2,A. Peeters,4712
3,04/03/2024 12:00,04/03/2024 11:00,TF,Hotspot 1,B. Martin,4713
4,04/03/2024 12:00,04/03/2024 12:30,XX,Hotspot 1,C. Janssens,4714
5,04/03/2024 13:00,04/03/2024 13:30,TF,Hotspot 9,D. Leroy,4715
6,31/02/2024 13:00,04/03/2024 13:30,TF,Hotspot 1,E. Claes,4716
7,05/03/2024 09:00,05/03/2024 09:45,tf,hotspot 3,F. Maes,4717
"""


@pytest.fixture()
def city(tmp_path: Path):  # type: ignore[no-untyped-def]
    return make_city(
        tmp_path / "ws", n_hotspots=3, scale=0.2, config={"presence": {"unit_types": UNITS}}
    )


def _files(tmp_path: Path, csv: str = CSV, mapping: str = MAPPING) -> tuple[Path, Path]:
    f = tmp_path / "sessions.csv"
    f.write_text(csv, encoding="utf-8")
    m = tmp_path / "presence.toml"
    m.write_text(mapping, encoding="utf-8")
    return f, m


def test_sessions_import_accounts_quarantines_and_stores_no_names(city, tmp_path: Path) -> None:
    f, m = _files(tmp_path)
    (r,) = import_presence(city, [f], mapping=m)
    assert (r.read, r.inserted, r.updated, r.unchanged, r.quarantined) == (7, 3, 0, 0, 4)
    assert r.read == r.inserted + r.updated + r.unchanged + r.quarantined
    assert set(r.dropped_columns) == {"Officer name", "Badge no"}
    q = {x.row_number: x for x in quarantine_rows(city, source="zone-taskforce")}
    assert sorted(q) == [3, 4, 5, 6]
    assert "ends before it starts" in q[3].reason
    assert "unknown unit type 'XX'" in q[4].reason and "[unit_types]" in q[4].fix
    assert "unknown hotspot 'Hotspot 9'" in q[5].reason
    assert "unparseable date '31/02/2024 13:00'" in q[6].reason
    for row in q.values():
        raw = json.loads(row.raw_row) if isinstance(row.raw_row, str) else row.raw_row
        assert "Officer name" not in raw and "Badge no" not in raw
    from hotspotwatch.store.presence import read_sessions

    stored = read_sessions(city.engine)
    assert sorted(stored["hotspot"]) == ["Hotspot 1", "Hotspot 2", "Hotspot 3"]
    assert sorted(stored["unit_type"]) == ["peacekeepers", "police_taskforce", "police_taskforce"]
    # names live nowhere in the database file
    blob = Path(city.path / "hotspotwatch.sqlite").read_bytes()
    assert b"Dupont" not in blob and b"4711" not in blob


def test_reimport_is_a_no_op_and_a_correction_updates(city, tmp_path: Path) -> None:
    f, m = _files(tmp_path)
    import_presence(city, [f], mapping=m)
    fp = city.data_fingerprint()
    (again,) = import_presence(city, [f], mapping=m)
    assert (again.inserted, again.updated, again.unchanged) == (0, 0, 3)
    assert again.already_quarantined == again.quarantined == 4
    assert len(quarantine_rows(city, source="zone-taskforce")) == 4
    f.write_text(CSV.replace("04/03/2024 10:20", "04/03/2024 10:25"), encoding="utf-8")
    (fixed,) = import_presence(city, [f], mapping=m)
    assert (fixed.inserted, fixed.updated, fixed.unchanged) == (0, 1, 2)
    assert city.data_fingerprint() != fp


def test_atomic_import_stores_nothing_when_a_file_fails(city, tmp_path: Path) -> None:
    f, m = _files(tmp_path)
    bad = tmp_path / "bad.csv"
    bad.write_text(
        "session_no,begin,end,unit\n1,04/03/2024 10:00,04/03/2024 10:20,TF\n", encoding="utf-8"
    )
    with pytest.raises(SourceError, match="column 'place'"):
        import_presence(city, [f, bad], mapping=m, atomic=True)
    from hotspotwatch.store.presence import read_sessions

    assert read_sessions(city.engine).empty


def test_mapping_refuses_a_name_column_and_unknown_unit_types(city, tmp_path: Path) -> None:
    f, m = _files(
        tmp_path, mapping=MAPPING.replace('unit_type = "unit"', 'unit_type = "Officer name"')
    )
    with pytest.raises(MappingError, match="names and badge numbers are never stored"):
        import_presence(city, [f], mapping=m)
    f, m = _files(tmp_path, mapping=MAPPING.replace('PK = "peacekeepers"', 'PK = "swat"'))
    with pytest.raises(MappingError, match="not in the workspace's \\[presence\\] unit_types"):
        import_presence(city, [f], mapping=m)


PINGS_MAPPING = """
source = "gps-taskforce"
kind = "pings"
unit_type = "police_taskforce"
crs = "EPSG:32631"
[columns]
unit = "vehicle"
time = "timestamp"
x = "x"
y = "y"
[sessions]
gap_s = 300
radius_m = 100
min_duration_s = 60
"""


def test_sessions_from_pings_and_bad_pings_quarantined(city, tmp_path: Path) -> None:
    hs = city.hotspots()
    c = hs.geometry.iloc[0].centroid
    rows = ["vehicle,timestamp,x,y,Agent"]
    t0 = pd.Timestamp("2024-03-04 10:00")
    for k in range(20):  # 19 minutes at hotspot 1: one session
        rows.append(f"V1,{(t0 + pd.Timedelta(minutes=k)).isoformat()},{c.x + k},{c.y},Dupont")
    rows.append(f"V1,{(t0 + pd.Timedelta(minutes=20)).isoformat()},{c.x + 1000},{c.y},Dupont")
    rows.append(f"V2,not a time,{c.x},{c.y},Peeters")
    rows.append(f"V2,{t0.isoformat()},abc,{c.y},Peeters")
    f = tmp_path / "pings.csv"
    f.write_text("\n".join(rows) + "\n", encoding="utf-8")
    m = tmp_path / "pings.toml"
    m.write_text(PINGS_MAPPING, encoding="utf-8")
    (r,) = import_presence(city, [f], mapping=m)
    assert r.kind == "pings" and r.read == 23
    assert (r.sessions, r.pings_in_sessions, r.dropped_pings, r.quarantined) == (1, 20, 1, 2)
    assert r.pings_in_sessions + r.dropped_pings + r.quarantined == r.read
    q = quarantine_rows(city, source="gps-taskforce")
    assert all("V2" not in str(x.raw_row) and "Peeters" not in str(x.raw_row) for x in q)
    (again,) = import_presence(city, [f], mapping=m)
    assert again.unchanged == 1 and again.inserted == 0
    run = ensure_run(city, presence_spec(city))
    summary = run.result
    h1 = next(h for h in summary.hotspots if h.hotspot == "Hotspot 1")
    assert h1.sessions == 1 and h1.minutes == pytest.approx(19.0)
    assert summary.label == "activity, not results"
    again_run = ensure_run(city, presence_spec(city))
    assert (again_run.key, again_run.created_at) == (run.key, run.created_at)  # reused
    det = ensure_run(city, deterrence_spec(city)).result
    assert not det.can_tell and det.reason == "too few events"
    assert np.isnan(det.best_session_minutes.estimate)


def test_deterrence_and_high_harm_hours_refuse_harm_known_only_to_the_day(tmp_path: Path) -> None:
    # A new city's harm comes as dates without times (a Windows export, dd/mm/yyyy): every
    # event sits at local midnight, so "harm in the minutes after a session" would be read
    # from the calendar (the fit failed with a bare "Singular matrix").
    from hotspotwatch.workflows.spacetime_events import PrecisionError

    city = make_city(tmp_path / "ws", n_hotspots=3, scale=0.2, precision="day",
                     config={"presence": {"unit_types": UNITS}})
    f, m = _files(tmp_path)
    import_presence(city, [f], mapping=m)
    with pytest.raises(PrecisionError, match=r"harm events at the hotspots are known only to "
                                             r"the day; the Koper curve counts harm in the minutes"):
        ensure_run(city, deterrence_spec(city))
    presence = ensure_run(city, presence_spec(city)).result
    h1 = next(h for h in presence.hotspots if h.hotspot == "Hotspot 1")
    assert h1.minutes > 0  # minutes of presence still hold
    # the hour of the week of harm known only to the day is unknown, not midnight
    assert h1.high_harm_hours.hours == () and np.isnan(h1.high_harm_hours.covered_share)
    city.close()
