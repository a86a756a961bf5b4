"""Public space-time API: ``from hotspotwatch.spacetime import knox, mann_kendall, ...``."""

from hotspotwatch.analysis.spacetime import *  # noqa: F403
from hotspotwatch.analysis.spacetime import __all__  # noqa: F401
