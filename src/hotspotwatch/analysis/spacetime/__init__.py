"""Space-time analysis: near repeat (Knox), space-time cube, Mann–Kendall, emerging hotspots."""

from hotspotwatch.analysis.spacetime.knox import SAME_EDGE, KnoxResult, band_labels, knox

__all__ = ["SAME_EDGE", "KnoxResult", "band_labels", "knox"]
