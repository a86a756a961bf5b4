"""``hotspotwatch import presence`` and ``dose presence|deterrence`` on the command line:
JSON shapes, the sentence when the data cannot tell, and exit 2 for foreseeable mistakes."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from hotspotwatch.cli.main import app
from hotspotwatch.testing import make_city

runner = CliRunner()

MAPPING = """
source = "s"
[columns]
start = "begin"
end = "end"
unit_type = "unit"
hotspot = "place"
"""


def _city(tmp_path: Path) -> Path:
    make_city(
        tmp_path / "ws",
        n_hotspots=2,
        scale=0.2,
        config={"presence": {"unit_types": ["police_taskforce", "peacekeepers"]}},
    ).close()
    (tmp_path / "m.toml").write_text(MAPPING, encoding="utf-8")
    (tmp_path / "s.csv").write_text(
        "begin,end,unit,place,Officer name\n"
        "2024-03-04T10:00,2024-03-04T10:20,police_taskforce,Hotspot 1,Dupont\n"
        "2024-03-04T11:00,2024-03-04T10:20,peacekeepers,Hotspot 2,Peeters\n",
        encoding="utf-8",
    )
    return tmp_path / "ws"


def test_import_presence_json_and_dose_runs(tmp_path: Path) -> None:
    ws = _city(tmp_path)
    res = runner.invoke(
        app,
        [
            "import",
            "presence",
            str(tmp_path / "s.csv"),
            "-m",
            str(tmp_path / "m.toml"),
            "-w",
            str(ws),
            "--json",
        ],
    )
    assert res.exit_code == 0, res.output
    out = json.loads(res.stdout)
    assert list(out)[:5] == ["read", "inserted", "updated", "unchanged", "quarantined"]
    assert (out["read"], out["inserted"], out["quarantined"]) == (2, 1, 1)
    assert out["files"][0]["dropped_columns"] == ["Officer name"]
    res = runner.invoke(
        app, ["dose", "presence", "-w", str(ws), "--hotspot", "Hotspot 1", "--json"]
    )
    assert res.exit_code == 0, res.output
    pres = json.loads(res.stdout)
    assert pres["hotspots"][0]["hotspot"] == "Hotspot 1"
    assert pres["hotspots"][0]["minutes"] == 20.0
    assert pres["label"] == "activity, not results"
    res = runner.invoke(app, ["dose", "deterrence", "-w", str(ws), "--json"])
    assert res.exit_code == 0, res.output
    det = json.loads(res.stdout)
    assert list(det)[:2] == ["best_session_minutes", "deterrence_minutes"]
    assert set(det["best_session_minutes"]) == {"estimate", "ci_low", "ci_high"}
    assert det["best_session_minutes"]["estimate"] is None and det["can_tell"] is False
    res = runner.invoke(app, ["dose", "deterrence", "-w", str(ws)])
    assert res.exit_code == 0 and "cannot tell" in res.stdout


def test_foreseeable_mistakes_exit_2(tmp_path: Path) -> None:
    ws = _city(tmp_path)
    res = runner.invoke(app, ["dose", "presence", "-w", str(ws), "--hotspot", "Nowhere"])
    assert res.exit_code == 2 and "unknown hotspot 'Nowhere'" in res.output
    (tmp_path / "bad.toml").write_text(
        MAPPING.replace('unit_type = "unit"', 'unit_type = "Officer name"'), encoding="utf-8"
    )
    res = runner.invoke(
        app,
        [
            "import",
            "presence",
            str(tmp_path / "s.csv"),
            "-m",
            str(tmp_path / "bad.toml"),
            "-w",
            str(ws),
        ],
    )
    assert res.exit_code == 2 and "never stored" in res.output
    res = runner.invoke(
        app,
        [
            "import",
            "presence",
            str(tmp_path / "missing.csv"),
            "-m",
            str(tmp_path / "m.toml"),
            "-w",
            str(ws),
        ],
    )
    assert res.exit_code == 2 and "missing.csv" in res.output
    assert "Traceback" not in res.output


def _costed_city(tmp_path: Path, currency: str | None) -> Path:
    config: dict[str, object] = {}
    if currency is not None:
        config["resources"] = {"currency": currency}
    make_city(tmp_path / "ws", n_hotspots=2, scale=0.2, config=config).close()
    (tmp_path / "r.csv").write_text(
        "hotspot,start,end,kind,staff_hours,cost,source\n"
        "Hotspot 1,2023-01-01,2025-12-31,police,420,16800,finance office\n"
        "Hotspot 2,2023-01-01,2025-12-31,prevention,380,15200,finance office\n",
        encoding="utf-8",
    )
    ws = tmp_path / "ws"
    res = runner.invoke(app, ["import", "resources", str(tmp_path / "r.csv"), "-w", str(ws)])
    assert res.exit_code == 0, res.output
    return ws


def test_dose_cost_names_the_workspace_currency(tmp_path: Path) -> None:
    from babel.numbers import format_currency

    ws = _costed_city(tmp_path, "GBP")
    res = runner.invoke(app, ["dose", "cost", "-w", str(ws), "--json"])
    assert res.exit_code == 0, res.output
    out = json.loads(res.stdout)
    assert out["currency"] == "GBP" and out["parameters"]["currency"] == "GBP"
    assert "cost_eur" in out["places"][0]  # nothing renamed
    res = runner.invoke(app, ["dose", "cost", "-w", str(ws)], terminal_width=200)
    assert res.exit_code == 0, res.output
    assert "British pounds" in res.stdout and "euro" not in res.stdout.lower()
    for p in out["places"]:
        pounds = format_currency(
            p["cost_eur"], "GBP", format="¤#,##0", locale="en", currency_digits=False
        )
        assert pounds.startswith("£") and pounds in res.stdout


def test_dose_cost_says_euros_by_default_and_a_bad_code_exits_2(tmp_path: Path) -> None:
    ws = _costed_city(tmp_path, None)
    res = runner.invoke(app, ["dose", "cost", "-w", str(ws)], terminal_width=200)
    assert res.exit_code == 0, res.output
    assert "(euros," in res.stdout and "€" in res.stdout
    assert (
        json.loads(runner.invoke(app, ["dose", "cost", "-w", str(ws), "--json"]).stdout)["currency"]
        == "EUR"
    )
    toml = ws / "hotspotwatch.toml"
    toml.write_text(
        toml.read_text(encoding="utf-8") + '\n[resources]\ncurrency = "pounds"\n', encoding="utf-8"
    )
    res = runner.invoke(app, ["dose", "cost", "-w", str(ws)])
    assert res.exit_code == 2
    assert (
        '[resources] currency must be an ISO 4217 code in capitals, e.g. "EUR" or "GBP", '
        "got 'pounds'" in res.output
    )
    assert "Traceback" not in res.output


def test_until_bounds_the_sessions_and_a_bad_day_exits_2(tmp_path: Path) -> None:
    ws = _city(tmp_path)
    res = runner.invoke(
        app,
        [
            "import",
            "presence",
            str(tmp_path / "s.csv"),
            "-m",
            str(tmp_path / "m.toml"),
            "-w",
            str(ws),
        ],
    )
    assert res.exit_code == 0, res.output
    args = ["dose", "presence", "-w", str(ws), "--hotspot", "Hotspot 1", "--json"]
    before = json.loads(runner.invoke(app, [*args, "--until", "2024-03-03"]).stdout)
    assert before["parameters"]["until"] == "2024-03-03"
    assert before["hotspots"][0]["minutes"] == 0.0  # the session is on 2024-03-04
    on = json.loads(runner.invoke(app, [*args, "--until", "2024-03-04"]).stdout)
    assert on["hotspots"][0]["minutes"] == 20.0
    for cmd in ("presence", "deterrence"):
        bad = runner.invoke(app, ["dose", cmd, "-w", str(ws), "--until", "March"])
        assert bad.exit_code == 2
        assert "--until must be a date like 2025-12-31" in bad.output
        assert "Traceback" not in bad.output


def test_dose_presence_over_two_hotspots_prints_no_cluster_robust_interval(tmp_path: Path) -> None:
    # second-city review: "rate ratio 0.881 (0.878-0.884)" over 2-4 hotspots; below 10 places
    # a cluster-robust interval is unreliable (Cameron & Miller 2015): say so instead
    import numpy as np
    import pandas as pd

    ws = _city(tmp_path)
    rng = np.random.default_rng(5)
    n = 300
    start = pd.Timestamp("2023-01-02 08:00") + pd.to_timedelta(
        rng.integers(0, 350 * 24, n), unit="h"
    )
    minutes = rng.integers(5, 60, n)
    pd.DataFrame({
        "begin": start.strftime("%Y-%m-%dT%H:%M"),
        "end": (start + pd.to_timedelta(minutes, unit="min")).strftime("%Y-%m-%dT%H:%M"),
        "unit": rng.choice(["police_taskforce", "peacekeepers"], n),
        "place": rng.choice(["Hotspot 1", "Hotspot 2"], n),
    }).to_csv(tmp_path / "many.csv", index=False)
    res = runner.invoke(app, ["import", "presence", str(tmp_path / "many.csv"), "-m",
                              str(tmp_path / "m.toml"), "-w", str(ws)])
    assert res.exit_code == 0, res.output
    res = runner.invoke(app, ["dose", "presence", "-w", str(ws), "--until", "2023-12-31"])
    assert res.exit_code == 0, res.output
    text = " ".join(res.stdout.split())
    assert "no interval, too few places for a cluster-robust interval: 2 < 10" in text
    assert "the data cannot tell" in text
    js = json.loads(runner.invoke(app, ["dose", "presence", "-w", str(ws), "--until",
                                        "2023-12-31", "--json"]).stdout)
    dr = js["dose_response"]
    assert dr["rate_ratio"] is not None and dr["ci_low"] is None and dr["ci_high"] is None
    assert (dr["places"], dr["min_places"]) == (2, 10)
