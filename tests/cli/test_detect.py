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
