"""The plugin object: registers the Processing provider (GUI and ``qgis_process``)."""

from qgis.core import QgsApplication

from .provider import HotspotWatchProvider


class HotspotWatchPlugin:
    """Adds the ``hotspotwatch`` Processing provider."""

    def __init__(self, iface):
        self.iface = iface
        self.provider = None

    def initProcessing(self):
        """Register the provider (called by QGIS and by ``qgis_process``)."""
        if self.provider is None:
            self.provider = HotspotWatchProvider()
            QgsApplication.processingRegistry().addProvider(self.provider)

    def initGui(self):
        self.initProcessing()

    def unload(self):
        if self.provider is not None:
            QgsApplication.processingRegistry().removeProvider(self.provider)
            self.provider = None
