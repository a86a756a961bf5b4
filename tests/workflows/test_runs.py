"""RunSpec and ensure_run: reuse only on an exact match, compute otherwise."""

from __future__ import annotations

import pytest

from hotspotwatch import Workspace
from hotspotwatch.store import runs
from hotspotwatch.workflows import runs as wf_runs

CALLS: list[dict[str, object]] = []


def _compute(ws: Workspace, params: dict[str, object]) -> object:
    from tests.store.test_runs import _toy

    CALLS.append(params)
    return _toy()


@pytest.fixture
def toy_kind(monkeypatch: pytest.MonkeyPatch) -> str:
    monkeypatch.setitem(runs.RUN_KINDS, "test.toy", "tests.store.test_runs:Toy")
    monkeypatch.setitem(wf_runs.COMPUTERS, "test.toy", f"{__name__}:_compute")
    CALLS.clear()
    return "test.toy"


def test_spec_is_canonical() -> None:
    a = wf_runs.RunSpec("spacetime.knox", {"seed": 0, "bands": (100.0, 200)})
    b = wf_runs.RunSpec("spacetime.knox", {"bands": [100, 200], "seed": 0})
    assert a == b and hash(a) == hash(b)
    with pytest.raises(runs.RunKindError):
        wf_runs.RunSpec("nope", {})


def test_ensure_run_computes_once_then_reuses(workspace: Workspace, toy_kind: str) -> None:
    spec = wf_runs.RunSpec(toy_kind, {"categories": ["burglary"]})
    first = wf_runs.ensure_run(workspace, spec)
    again = wf_runs.ensure_run(workspace, spec)
    assert first.key == again.key and len(CALLS) == 1
    other = wf_runs.ensure_run(workspace, wf_runs.RunSpec(toy_kind, {"categories": ["shooting"]}))
    assert other.key != first.key and len(CALLS) == 2
    wf_runs.ensure_run(workspace, spec, recompute=True)
    assert len(CALLS) == 3 and CALLS[-1] == {"categories": ["burglary"]}
