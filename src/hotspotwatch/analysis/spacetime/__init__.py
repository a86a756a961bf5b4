"""Space-time analysis: near repeat (Knox), space-time cube, Mann–Kendall, emerging hotspots."""

from hotspotwatch.analysis.spacetime.alert import (
    MIN_RATIO,
    AlertZone,
    NearRepeatAlert,
    alert_area,
    alert_zones,
    near_repeat_alert,
)
from hotspotwatch.analysis.spacetime.cube import (
    SpaceTimeCube,
    space_time_cube,
    space_time_weights,
    time_step_index,
)
from hotspotwatch.analysis.spacetime.emerging import (
    CATEGORIES,
    PATTERNS,
    EmergingHotspotsResult,
    SpaceTimeGiStar,
    classify_emerging,
    emerging_hotspots,
    spacetime_gistar,
)
from hotspotwatch.analysis.spacetime.knox import SAME_EDGE, KnoxResult, band_labels, knox
from hotspotwatch.analysis.spacetime.mann_kendall import MannKendallResult, mann_kendall
from hotspotwatch.analysis.spacetime.results import (
    EmergingRun,
    IncidentAlert,
    KnoxRun,
    RecentAlerts,
)

__all__ = [
    "CATEGORIES",
    "MIN_RATIO",
    "PATTERNS",
    "SAME_EDGE",
    "AlertZone",
    "EmergingHotspotsResult",
    "EmergingRun",
    "IncidentAlert",
    "KnoxResult",
    "KnoxRun",
    "MannKendallResult",
    "NearRepeatAlert",
    "RecentAlerts",
    "SpaceTimeCube",
    "SpaceTimeGiStar",
    "alert_area",
    "alert_zones",
    "band_labels",
    "classify_emerging",
    "emerging_hotspots",
    "knox",
    "mann_kendall",
    "near_repeat_alert",
    "space_time_cube",
    "space_time_weights",
    "spacetime_gistar",
    "time_step_index",
]
