"""The Brussels demo workspace (scale 1, default seed), built once per test session.

Every test that uses it is marked ``slow`` and ``xdist_group("brussels")``: with
``pytest -n 2 --dist loadgroup`` they all run on one worker, which builds it once
(about 20 s); workers that get no such test never build it.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from hotspotwatch import Workspace
from hotspotwatch.workflows.scenario import load_brussels


@dataclass(frozen=True)
class BrusselsDemo:
    """The loaded workspace, its folder and the ground truth written by the simulator."""

    ws: Workspace
    path: Path
    truth: dict[str, Any]


@pytest.fixture(scope="session")
def brussels(tmp_path_factory: pytest.TempPathFactory) -> Iterator[BrusselsDemo]:
    """Brussels scenario at scale 1 with the default seed, in a temporary workspace."""
    root = tmp_path_factory.mktemp("brussels")
    ws = Workspace.create(root / "workspace", crs="EPSG:3812", timezone="Europe/Brussels",
                          name="Brussels (simulated, e2e tests)")
    out = load_brussels(ws, truth_path=root / "truth.json")
    truth = json.loads(Path(out["truth_path"]).read_text(encoding="utf-8"))
    yield BrusselsDemo(ws, ws.path, truth)
    ws.close()
