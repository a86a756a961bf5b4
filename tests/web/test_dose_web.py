"""Presence per week and resource entry on the dashboard (issue 18): who may enter resources
(admin: any place; partner: its own places; analysts: never), the audit row, the import's
validation, one transaction, and the presence numbers against the stored run."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from hotspotwatch.io.presence import load_presence_mapping
from hotspotwatch.workflows import audit as audit_wf
from hotspotwatch.workflows.presence import import_presence, presence_spec
from hotspotwatch.workflows.resources import resource_frame
from hotspotwatch.workflows.runs import ensure_run
from hotspotwatch.workflows.web.runs import review_day

from .conftest import WebEnv

RECORD = {
    "start": "2024-03-01",
    "end": "2024-08-31",
    "kind": "police",
    "staff_hours": 1200.5,
    "cost": 84000,
    "source": "zone 5341 budget 2024",
}


def _post(web: WebEnv, role: str | None, place: str, body: dict | None = None):  # type: ignore[no-untyped-def]
    return web.client.post(
        f"/api/v1/hotspots/{web.ids[place]}/resources",
        json=body or RECORD,
        headers=web.auth(role),
    )


def test_resource_entry_authorisation_matrix_and_audit(web: WebEnv) -> None:
    # partner paula is assigned Gare du Midi only
    assert _post(web, None, "Gare du Midi").status_code == 401
    for role in ("regional_analyst", "zone_analyst"):
        r = _post(web, role, "Gare du Midi")
        assert r.status_code == 403, (role, r.text)
    assert _post(web, "partner", "Porte de Hal").status_code == 403
    assert resource_frame(web.ws).empty  # nothing stored by a refusal
    ok = _post(web, "partner", "Gare du Midi")
    assert ok.status_code == 201, ok.text
    assert (ok.json()["inserted"], ok.json()["updated"]) == (1, 0)
    admin = _post(web, "admin", "Porte de Hal", {**RECORD, "kind": "prevention", "cost": None})
    assert admin.status_code == 201, admin.text
    stored = resource_frame(web.ws).sort_values("hotspot")
    assert list(stored["hotspot"]) == ["Gare du Midi", "Porte de Hal"]
    assert stored["staff_hours"].tolist() == [1200.5, 1200.5]
    assert stored["cost_eur"].iloc[0] == 84000 and pd.isna(stored["cost_eur"].iloc[1])
    writes = audit_wf.entries(web.ws, action="resources.write")
    assert [(e["username"], e["role"], e["rows"]) for e in writes] == [
        ("paula", "partner", 1),
        ("ada", "admin", 1),
    ]
    assert writes[0]["detail"]["hotspot"] == "Gare du Midi"
    assert writes[0]["detail"]["cost"] == 84000
    denied = audit_wf.entries(web.ws, action="access.denied")
    assert {e["username"] for e in denied} >= {"rita", "zeno", "paula"}
    # a corrected figure updates the same record (same place, period, kind and source)
    fixed = _post(web, "partner", "Gare du Midi", {**RECORD, "cost": 86000})
    assert (fixed.json()["inserted"], fixed.json()["updated"]) == (0, 1)
    assert resource_frame(web.ws)["cost_eur"].max() == 86000


def test_resources_get_says_who_may_enter(web: WebEnv) -> None:
    gm = web.ids["Gare du Midi"]
    can = {
        role: web.client.get(f"/api/v1/hotspots/{gm}/resources", headers=web.auth(role)).json()[
            "can_enter"
        ]
        for role in ("admin", "regional_analyst", "zone_analyst", "partner")
    }
    assert can == {
        "admin": True,
        "regional_analyst": False,
        "zone_analyst": False,
        "partner": True,
    }
    ph = web.ids["Porte de Hal"]
    other = web.client.get(f"/api/v1/hotspots/{ph}/resources", headers=web.auth("partner"))
    assert other.json()["can_enter"] is False


def test_resource_entry_has_the_import_rules_and_stores_nothing_when_they_fail(
    web: WebEnv,
) -> None:
    bad = _post(web, "admin", "Gare du Midi", {**RECORD, "start": "2024-09-30"})
    assert bad.status_code == 422
    assert "ends before it starts" in bad.json()["detail"]
    none = _post(web, "admin", "Gare du Midi", {**RECORD, "staff_hours": None, "cost": None})
    assert none.status_code == 422 and "both empty" in none.json()["detail"]
    neg = _post(web, "admin", "Gare du Midi", {**RECORD, "cost": -5})
    assert neg.status_code == 422
    blank = _post(web, "admin", "Gare du Midi", {**RECORD, "source": "   "})
    assert blank.status_code == 422 and "no source" in blank.json()["detail"]
    assert resource_frame(web.ws).empty
    assert audit_wf.entries(web.ws, action="resources.write") == []
    with web.ws.engine.connect() as conn:
        from sqlalchemy import func, select

        from hotspotwatch.store.schema import imports

        n = conn.execute(
            select(func.count()).select_from(imports).where(imports.c.kind == "resources")
        ).scalar()
    assert n == 0  # no import record either: the check runs before the transaction


def test_presence_per_week_is_the_stored_runs(web: WebEnv, tmp_path: Path) -> None:
    gm = web.ids["Gare du Midi"]
    empty = web.client.get(f"/api/v1/hotspots/{gm}/presence", headers=web.auth("partner"))
    assert empty.status_code == 200
    assert empty.json()["has_presence"] is False and empty.json()["summary"] is None
    (tmp_path / "m.toml").write_text(
        'source = "patrols"\n[columns]\nstart = "begin"\nend = "finish"\n'
        'unit_type = "unit"\nhotspot = "place"\n',
        encoding="utf-8",
    )
    (tmp_path / "s.csv").write_text(
        "begin,finish,unit,place\n"
        "2024-03-04T10:00,2024-03-04T10:20,police_taskforce,Gare du Midi\n"
        "2024-03-05T18:00,2024-03-05T18:45,peacekeepers,Gare du Midi\n"
        "2024-03-12T18:00,2024-03-12T18:30,police_taskforce,Gare du Midi\n"
        "2024-03-12T18:00,2024-03-12T18:30,police_taskforce,Porte de Hal\n",
        encoding="utf-8",
    )
    mapping = load_presence_mapping(
        tmp_path / "m.toml", unit_types=("police_taskforce", "peacekeepers")
    )
    import_presence(web.ws, [tmp_path / "s.csv"], mapping=mapping)
    r = web.client.get(f"/api/v1/hotspots/{gm}/presence", headers=web.auth("zone_analyst"))
    assert r.status_code == 200, r.text
    got = r.json()
    run = ensure_run(web.ws, presence_spec(web.ws, until=review_day(web.ws)))
    assert got["run"]["run_id"] == run.short_key
    assert got["label"] == "activity, not results"
    assert got["weeks"] == [
        {"week": "2024-03-04", "unit_type": "peacekeepers", "minutes": 45.0, "sessions": 1},
        {"week": "2024-03-04", "unit_type": "police_taskforce", "minutes": 20.0, "sessions": 1},
        {"week": "2024-03-11", "unit_type": "police_taskforce", "minutes": 30.0, "sessions": 1},
    ]
    assert got["summary"]["minutes"] == 95.0 and got["summary"]["weeks"] == 2
    assert set(got["unit_types"]) == {"police_taskforce", "peacekeepers"}
    assert web.client.get(f"/api/v1/hotspots/{gm}/presence").status_code == 401
    assert (
        web.client.get("/api/v1/hotspots/999999/presence", headers=web.auth("admin")).status_code
        == 404
    )
