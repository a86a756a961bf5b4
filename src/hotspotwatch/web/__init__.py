"""Web dashboard and API: ``create_app(workspace)`` and the blocking ``serve(path, host, port)``.

The web layer authenticates, authorises, audits and serialises; data preparation lives in
``hotspotwatch.workflows.web`` and statistics in the analysis workflows' stored runs.
"""

from __future__ import annotations

from hotspotwatch.web.app import create_app, serve

__all__ = ["create_app", "serve"]
