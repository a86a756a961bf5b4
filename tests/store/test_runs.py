"""Typed stored runs: registry, canonical parameters, keys, schema versions, both backends."""

from __future__ import annotations

import dataclasses
import datetime as dt
from pathlib import Path
from typing import ClassVar

import numpy as np
import pytest

from hotspotwatch import Workspace
from hotspotwatch.analysis._result import ResultMixin
from hotspotwatch.store import runs


@dataclasses.dataclass(frozen=True)
class Toy(ResultMixin):
    """A stand-in result type registered for the tests."""

    schema_version: ClassVar[int] = 3
    label: str
    z: np.ndarray
    when: dt.date
    pair: tuple[float, float]
    extra: float | None = None


@pytest.fixture
def toy_kind(monkeypatch: pytest.MonkeyPatch) -> str:
    monkeypatch.setitem(runs.RUN_KINDS, "test.toy", f"{__name__}:Toy")
    return "test.toy"


def _toy() -> Toy:
    return Toy(label="a", z=np.array([1.5, np.nan]), when=dt.date(2025, 1, 31), pair=(1.0, 2.0))


def test_from_dict_inverts_to_dict() -> None:
    toy = _toy()
    back = Toy.from_dict(toy.to_dict())
    assert back.label == "a" and back.when == dt.date(2025, 1, 31) and back.pair == (1.0, 2.0)
    np.testing.assert_array_equal(back.z, toy.z)
    assert back.extra is None


def test_saved_run_is_found_only_for_the_same_question(workspace: Workspace, toy_kind: str) -> None:
    saved = workspace.save_run(toy_kind, {"categories": ["burglary"], "buffer": 250.0}, _toy())
    assert len(saved.key) == 64 and saved.schema_version == 3
    found = workspace.find_run(toy_kind, {"buffer": 250, "categories": ("burglary",)})
    assert found is not None and found.key == saved.key
    assert isinstance(found.result, Toy) and found.result.when == dt.date(2025, 1, 31)
    assert found.config_fingerprint == workspace.config_fingerprint()
    assert found.data_fingerprint == workspace.data_fingerprint()
    # another filter is another question
    assert workspace.find_run(toy_kind, {"buffer": 250, "categories": ["shooting"]}) is None
    by_key = workspace.get_run(saved.short_key)
    assert by_key is not None and by_key.key == found.key
    # saving the same question again replaces the row
    workspace.save_run(toy_kind, {"categories": ["burglary"], "buffer": 250}, _toy())
    assert [i.key for i in workspace.run_infos(toy_kind)] == [saved.key]


def test_run_is_stale_after_config_or_data_change(
    workspace: Workspace, toy_kind: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    import pandas as pd

    workspace.save_run(toy_kind, {"a": 1}, _toy())
    assert workspace.find_run(toy_kind, {"a": 1}) is not None
    monkeypatch.setattr(
        workspace,
        "config",
        type(workspace.config).from_mapping({"harm_weights": {"nuisance": 0.123}}),
    )
    assert workspace.find_run(toy_kind, {"a": 1}) is None
    monkeypatch.undo()
    monkeypatch.setitem(runs.RUN_KINDS, "test.toy", f"{__name__}:Toy")
    assert workspace.find_run(toy_kind, {"a": 1}) is not None
    frame = pd.DataFrame(
        {"source_id": ["1"], "occurred_at": [pd.Timestamp("2024-01-02", tz="UTC")],
         "x": [650000.0], "y": [670000.0], "category": ["shooting"]}
    )
    workspace.add_events(frame, source="s")
    assert workspace.find_run(toy_kind, {"a": 1}) is None


def test_other_schema_version_counts_as_absent(
    workspace: Workspace, toy_kind: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    workspace.save_run(toy_kind, {"a": 1}, _toy())
    monkeypatch.setattr(Toy, "schema_version", 4)
    assert workspace.find_run(toy_kind, {"a": 1}) is None


def test_wrong_result_type_is_refused(workspace: Workspace, toy_kind: str) -> None:
    with pytest.raises(runs.RunKindError, match="stores a Toy, not a dict"):
        workspace.save_run(toy_kind, {}, {"z": 1})
    with pytest.raises(runs.RunKindError, match="unknown run kind"):
        runs.result_type("nope")


def insert_legacy_run(ws: Workspace, kind: str, parameters: str = '{"a": 1}') -> None:
    """A run as versions before migration 0004 stored it: no key, config or schema version."""
    from sqlalchemy import insert

    from hotspotwatch.store.schema import analysis_runs

    with ws.engine.begin() as conn:
        conn.execute(
            insert(analysis_runs).values(
                kind=kind,
                parameters=parameters,
                result='{"label": "x"}',
                data_fingerprint=ws.data_fingerprint(),
                software_version="0.0.9",
                created_at=dt.datetime(2025, 1, 1),
            )
        )


def test_legacy_runs_have_no_key_and_are_never_found(workspace: Workspace, toy_kind: str) -> None:
    insert_legacy_run(workspace, toy_kind)
    assert workspace.find_run(toy_kind, {"a": 1}) is None
    (info,) = workspace.run_infos(toy_kind)
    assert info.key is None and info.to_dict()["run"] is None


def test_0004_adds_run_provenance_and_keeps_old_runs(tmp_path: Path) -> None:
    from alembic import command
    from sqlalchemy import create_engine, inspect, text

    from hotspotwatch.store.engine import _alembic_config, migrate

    engine = create_engine(f"sqlite:///{tmp_path / 'old.sqlite'}")
    migrate(engine, "0003_events_time_index")
    with engine.begin() as conn:
        conn.execute(
            text(
                "insert into analysis_runs (kind, parameters, data_fingerprint, result, "
                "software_version, created_at) values ('evaluate', '{}', 'd', '{}', '0.1', "
                "'2025-01-01 00:00:00')"
            )
        )
    migrate(engine, "head")
    cols = {c["name"] for c in inspect(engine).get_columns("analysis_runs")}
    assert {"run_key", "config_fingerprint", "schema_version"} <= cols
    with engine.connect() as conn:
        assert runs.list_runs(conn)[0].key is None  # the old run is kept, never reused
    with engine.begin() as conn:
        command.downgrade(_alembic_config(conn), "0003_events_time_index")
    cols = {c["name"] for c in inspect(engine).get_columns("analysis_runs")}
    assert "run_key" not in cols
    engine.dispose()


def test_every_registered_kind_names_a_typed_result_and_a_workflow() -> None:
    from hotspotwatch.workflows.runs import COMPUTERS, compute_function

    assert set(COMPUTERS) == set(runs.RUN_KINDS)
    for kind in runs.RUN_KINDS:
        cls = runs.result_type(kind)
        assert callable(getattr(cls, "from_dict", None)), kind
        assert callable(getattr(cls, "to_dict", None)), kind
        assert isinstance(getattr(cls, "schema_version", None), int), kind
        assert callable(compute_function(kind)), kind
