"""Ask for analysis runs by what they answer, not by which was stored last.

A :class:`RunSpec` is a question: a run kind and its canonical parameters (every option,
filters included, defaults filled in, a fixed seed). :func:`ensure_run` answers it: it reuses
the stored run only when the kind, the parameters, the data fingerprint and the config
fingerprint all match, and otherwise computes the run through the kind's workflow and stores
it. Report pages and dashboard views name their specs; nothing downstream takes "the newest
run of a kind".

Each kind's compute function is registered in :data:`COMPUTERS` (``"module:function"``,
imported on first use). It takes the workspace and the spec's parameters and returns the typed
result (the type :data:`hotspotwatch.store.runs.RUN_KINDS` registers), without storing it.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from hotspotwatch.store.runs import RUN_KINDS, RunKindError, StoredRun, canonical, dumps

if TYPE_CHECKING:
    from hotspotwatch.workspace import Workspace

#: Run kind -> ``"module:function"`` computing it: ``fn(ws, parameters) -> result``.
COMPUTERS: dict[str, str] = {
    "evaluate": "hotspotwatch.workflows.evaluate:compute_evaluation",
    "evaluate.incidents": "hotspotwatch.workflows.incidents:compute_incidents",
    "detect.gistar": "hotspotwatch.workflows.detect:compute_gistar",
    "detect.lisa": "hotspotwatch.workflows.detect:compute_lisa",
    "detect.kde": "hotspotwatch.workflows.detect:compute_kde",
    "detect.concentration": "hotspotwatch.workflows.detect:compute_concentration",
    "detect.classify": "hotspotwatch.workflows.detect:compute_classify",
    "detect.coverage": "hotspotwatch.workflows.detect:compute_coverage",
    "detect.borders": "hotspotwatch.workflows.detect:compute_borders",
    "spacetime.knox": "hotspotwatch.workflows.spacetime:compute_knox",
    "spacetime.emerging": "hotspotwatch.workflows.spacetime:compute_emerging",
    "spacetime.alerts": "hotspotwatch.workflows.spacetime:compute_alerts",
    "dose.presence": "hotspotwatch.workflows.presence:compute_presence",
    "dose.deterrence": "hotspotwatch.workflows.presence:compute_deterrence",
    "dose.cost": "hotspotwatch.workflows.resources:compute_cost",
    "dose.resources": "hotspotwatch.workflows.resources:compute_resources",
}


@dataclass(frozen=True)
class RunSpec:
    """A question for the store: a run kind and its canonical parameters.

    Parameters
    ----------
    kind : str
        A key of :data:`hotspotwatch.store.runs.RUN_KINDS`.
    parameters : mapping
        Every parameter of the run, filters included; canonicalised on creation (dates as
        ISO strings, tuples as lists, whole floats as integers).

    Examples
    --------
    >>> a = RunSpec("spacetime.knox", {"categories": ["shooting"], "seed": 0})
    >>> b = RunSpec("spacetime.knox", {"seed": 0.0, "categories": ("shooting",)})
    >>> a == b, a.text()
    (True, 'spacetime.knox {"categories":["shooting"],"seed":0}')
    """

    kind: str
    parameters: Mapping[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.kind not in RUN_KINDS:
            raise RunKindError(
                f"unknown run kind {self.kind!r}; known: {', '.join(sorted(RUN_KINDS))}"
            )
        object.__setattr__(self, "parameters", canonical(dict(self.parameters)))

    def __hash__(self) -> int:
        return hash((self.kind, dumps(self.parameters)))

    def __eq__(self, other: object) -> bool:
        return (
            isinstance(other, RunSpec)
            and self.kind == other.kind
            and dumps(self.parameters) == dumps(other.parameters)
        )

    def text(self) -> str:
        """``kind {canonical JSON parameters}``: how the methods page lists the run."""
        return f"{self.kind} {dumps(self.parameters)}"


def compute_function(kind: str) -> Callable[[Workspace, dict[str, Any]], Any]:
    """The registered compute function of ``kind``."""
    try:
        target = COMPUTERS[kind]
    except KeyError:
        raise RunKindError(f"no workflow computes {kind!r} runs") from None
    module, _, name = target.partition(":")
    return getattr(importlib.import_module(module), name)


def record(ws: Workspace, spec: RunSpec, result: Any) -> StoredRun[Any]:
    """Store ``result`` as the answer to ``spec`` (current data and config fingerprints)."""
    return ws.save_run(spec.kind, spec.parameters, result)


def ensure_run(ws: Workspace, spec: RunSpec, *, recompute: bool = False) -> StoredRun[Any]:
    """The stored run answering ``spec`` on the current data and config, computed if needed.

    Parameters
    ----------
    ws : Workspace
        The workspace.
    spec : RunSpec
        Kind and canonical parameters.
    recompute : bool
        Compute and store even when a matching run is stored.

    Returns
    -------
    StoredRun
        Reused only when the kind, parameters, data fingerprint and config fingerprint all
        match; otherwise freshly computed through the kind's workflow and stored.
    """
    if not recompute:
        found = ws.find_run(spec.kind, spec.parameters)
        if found is not None:
            return found
    result = compute_function(spec.kind)(ws, dict(spec.parameters))
    return record(ws, spec, result)


__all__ = ["COMPUTERS", "RunSpec", "compute_function", "ensure_run", "record"]
