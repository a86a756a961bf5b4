"""HotspotWatch QGIS plugin: a Processing provider calling the ``hotspotwatch`` CLI.

QGIS loads this package with its own (system) Python, so nothing here imports the
HotspotWatch package or its dependencies: every algorithm writes its input layers to files,
runs the CLI in a subprocess and loads what the CLI wrote.
"""


def classFactory(iface):
    """Return the plugin object (QGIS entry point)."""
    from .plugin import HotspotWatchPlugin

    return HotspotWatchPlugin(iface)
