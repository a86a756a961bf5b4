"""HotspotWatch: run a place-based (hotspot) strategy and tell honestly whether it works."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

if TYPE_CHECKING:
    from hotspotwatch.workspace import Workspace, WorkspaceError

__all__ = ["Workspace", "WorkspaceError", "__version__"]

# ``Workspace`` pulls in pandas, geopandas and SQLAlchemy; it is loaded on first use so that
# ``import hotspotwatch`` (and ``hotspotwatch --help``) stays cheap (PEP 562).
_LAZY = {"Workspace": "hotspotwatch.workspace", "WorkspaceError": "hotspotwatch.workspace"}


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        import importlib

        value = getattr(importlib.import_module(_LAZY[name]), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'hotspotwatch' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
