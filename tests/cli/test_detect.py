"""``hotspotwatch detect`` commands on a tiny workspace: tables, --json and written layers."""

from __future__ import annotations

import json

from typer.testing import CliRunner

from hotspotwatch.cli.detect import app

runner = CliRunner()


def _ws(tmp_path):  # type: ignore[no-untyped-def]
    import sys
    from pathlib import Path

    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "workflows"))
    from test_detect import ws as fixture

    return fixture.__wrapped__(type("F", (), {"mktemp": lambda self, n: tmp_path})())


def test_detect_cli_gistar_coverage_and_json(tmp_path) -> None:  # type: ignore[no-untyped-def]
    ws = _ws(tmp_path)
    out = tmp_path / "out"
    r = runner.invoke(app, ["gistar", "-w", str(ws.path), "--cell-size", "100", "-o", str(out),
                            "--permutations", "999"])
    assert r.exit_code == 0, r.output
    assert "Gi* hot spots" in r.output
    assert (out / "gistar.geojson").exists() and (out / "gistar.png").exists()
    r = runner.invoke(app, ["coverage", "-w", str(ws.path), "--cell-size", "100", "--json", "-o", str(out)])
    assert r.exit_code == 0, r.output
    data = json.loads(r.output)
    assert data["coverage"][0]["hotspot"] == "Place A"
    assert data["coverage"][0]["statistical_hotspot"] is True
    r = runner.invoke(app, ["concentration", "-w", str(ws.path), "--cell-size", "100"])
    assert r.exit_code == 0 and "Gini" in r.output


def test_detect_cli_bad_date_is_a_clear_error(tmp_path) -> None:  # type: ignore[no-untyped-def]
    ws = _ws(tmp_path)
    r = runner.invoke(app, ["gistar", "-w", str(ws.path), "--start", "March"])
    assert r.exit_code == 2
    assert "--start" in r.output


def test_detect_cli_on_another_city_uses_its_zone_layer_and_records_by_spec(tmp_path) -> None:  # type: ignore[no-untyped-def]
    from hotspotwatch.testing import make_city
    from hotspotwatch.workflows import detect as wd

    ws = make_city(tmp_path / "city", scale=0.3, zone_layer="ward")
    r = runner.invoke(app, ["borders", "-w", str(ws.path), "--cell-size", "200"])
    assert r.exit_code == 0, r.output
    assert "ward borders" in " ".join(r.output.split())
    stored = ws.find_run("detect.borders", wd.borders_spec(ws, cell_size=200).parameters)
    assert stored is not None and stored.parameters["layer"] == "ward"
    r = runner.invoke(app, ["concentration", "-w", str(ws.path), "-c", "burglary", "--start",
                            "2022-01-01", "--end", "2023-01-01", "--json"])
    assert r.exit_code == 0, r.output
    spec = wd.concentration_spec(ws, categories=["burglary"], start="2022-01-01", end="2023-01-01")
    found = ws.find_run(spec.kind, spec.parameters)
    assert found is not None and json.loads(r.output)["run_id"] == found.short_key
    assert json.loads(r.output)["harm"]["gini"] == found.result.harm.gini
    ws.close()


def test_detect_cli_gistar_says_when_permutations_cannot_reach_a_level(tmp_path) -> None:  # type: ignore[no-untyped-def]
    from hotspotwatch.testing import make_city

    ws = make_city(tmp_path / "city", scale=0.5)
    r = runner.invoke(app, ["gistar", "-w", str(ws.path), "--cell-size", "40", "--permutations",
                            "999", "-o", str(tmp_path / "out"), "--json"])
    assert r.exit_code == 0, r.output
    data = json.loads(r.output)
    assert data["parameters"]["bins_p"] == "auto"
    assert 0.01 in data["unreachable"] and data["bins_from"] == "analytic"
    assert "cannot reach 99%" in data["note"] and "ArcGIS Pro" in data["note"]
    assert data["permutations_needed"] > 999
    r = runner.invoke(app, ["gistar", "-w", str(ws.path), "--cell-size", "40", "--permutations",
                            "999", "-o", str(tmp_path / "out")])
    assert r.exit_code == 0 and "cannot reach" in " ".join(r.output.split())
    ws.close()


def test_detect_progress_bars_on_a_terminal_only(tmp_path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    import io

    from rich.console import Console

    from hotspotwatch.cli import _common, _progress

    ws = _ws(tmp_path)
    out = tmp_path / "out"
    gistar = ["gistar", "-w", str(ws.path), "--cell-size", "100", "-o", str(out), "--permutations", "99"]
    # CliRunner: standard error is not a terminal -> no bar, even without --json
    r = runner.invoke(app, gistar)
    assert r.exit_code == 0, r.output
    assert r.stderr == "" and "permutations (cells)" not in r.stdout
    buf = io.StringIO()
    monkeypatch.setattr(_common, "err_console", Console(file=buf, force_terminal=True, width=100))
    monkeypatch.setattr(_progress, "DELAY", 0.0)
    r = runner.invoke(app, gistar)
    assert r.exit_code == 0, r.output
    n_cells = 400  # 2 km x 2 km at 100 m
    assert "Gi* permutations (cells)" in buf.getvalue() and f"{n_cells}/{n_cells}" in buf.getvalue()
    r = runner.invoke(app, ["borders", "-w", str(ws.path), "--cell-size", "100"])
    assert r.exit_code == 0, r.output
    assert "borders of police_zone" in buf.getvalue()
    buf.truncate(0)
    buf.seek(0)
    for args in ([*gistar, "--json"], ["borders", "-w", str(ws.path), "--cell-size", "100", "--json"]):
        r = runner.invoke(app, args)
        assert r.exit_code == 0, r.output
        json.loads(r.stdout)
    assert buf.getvalue() == ""
