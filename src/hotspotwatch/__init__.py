"""HotspotWatch: run a place-based (hotspot) strategy and tell honestly whether it works."""

from __future__ import annotations

__version__ = "0.1.0"

from hotspotwatch.workspace import Workspace, WorkspaceError

__all__ = ["Workspace", "WorkspaceError", "__version__"]
