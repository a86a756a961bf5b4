"""The ``hotspotwatch`` Processing provider."""

from qgis.core import QgsProcessingProvider

from . import algorithms


class HotspotWatchProvider(QgsProcessingProvider):
    """Provider id ``hotspotwatch``: ``hotspotwatch:kde``, ``hotspotwatch:gistar``, ..."""

    def id(self):
        return "hotspotwatch"

    def name(self):
        return "HotspotWatch"

    def longName(self):
        return "HotspotWatch hot-spot analyses (through the hotspotwatch CLI)"

    def loadAlgorithms(self):
        for cls in algorithms.ALGORITHMS:
            self.addAlgorithm(cls())
