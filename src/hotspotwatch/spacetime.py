"""Public space-time API: ``from hotspotwatch.spacetime import knox, mann_kendall, ...``.

The plain-language summaries (``knox_summary``, ``alert_summary``, ``emerging_summary``) live
in :mod:`hotspotwatch.i18n.spacetime` and are re-exported here.
"""

from hotspotwatch.analysis.spacetime import *  # noqa: F403
from hotspotwatch.analysis.spacetime import __all__ as _analysis_all
from hotspotwatch.i18n.spacetime import alert_summary, emerging_summary, knox_summary

__all__ = [*_analysis_all, "alert_summary", "emerging_summary", "knox_summary"]
