"""Results in a Jupyter notebook: HTML tables, matplotlib figures, GeoDataFrames and maps.

Every analysis result (:class:`hotspotwatch.analysis._result.ResultMixin`) has
``_repr_html_()``, ``plot(ax=None)``, ``to_geodataframe(crs=None)`` and ``explore()``; those
methods import this package on first use and dispatch on the result's type to the renderers
registered in :mod:`~hotspotwatch.notebook.tables`, :mod:`~hotspotwatch.notebook.plots` and
:mod:`~hotspotwatch.notebook.geo`. A type without its own renderer gets a generic one (a
table of its scalar fields, a plot of its main array), so a new result type is never
without a view.

Layering: this package lays out. It imports ``analysis``, ``geo`` and ``domain`` (never the
store, io, workflows or i18n), and matplotlib, geopandas and folium only inside functions,
so that importing ``hotspotwatch.analysis`` stays cheap and pure.

Results do not store their coordinate reference system: the grids and geometries are in
the workspace CRS. Pass ``crs=ws.config.crs`` to ``to_geodataframe``/``explore``
(alerts know their longitude and latitude and default to EPSG:4326).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import geopandas as gpd
    from matplotlib.axes import Axes

__all__ = ["explore", "geodataframe", "html", "plot", "type_key", "workspace_html"]


def type_key(obj: Any) -> str:
    """``"module:Class"`` of ``obj``'s type, the form :data:`store.runs.RUN_KINDS` uses.

    Examples
    --------
    >>> type_key(1.0)
    'builtins:float'
    """
    cls = type(obj)
    return f"{cls.__module__}:{cls.__qualname__}"


def html(result: Any) -> str:
    """An HTML ``<table>`` of the numbers a criminologist would quote from ``result``."""
    from hotspotwatch.notebook import tables

    return tables.render(result)


def plot(result: Any, ax: Axes | None = None, **kwargs: Any) -> Axes:
    """Draw ``result`` with matplotlib on ``ax`` (a new figure when None); return the Axes."""
    from hotspotwatch.notebook import plots

    return plots.render(result, ax, **kwargs)


def geodataframe(result: Any, crs: Any = None) -> gpd.GeoDataFrame:
    """The spatial part of ``result`` as a GeoDataFrame (``crs``: the workspace CRS).

    Raises
    ------
    TypeError
        If the result has no geometry (e.g. a Knox table).
    """
    from hotspotwatch.notebook import geo

    return geo.render(result, crs)


def explore(result: Any, crs: Any = None, **kwargs: Any) -> Any:
    """An interactive folium map of ``result`` (``GeoDataFrame.explore``); needs a CRS."""
    from hotspotwatch.notebook import geo

    return geo.explore(result, crs, **kwargs)


def workspace_html(summary: dict[str, Any]) -> str:
    """HTML of a workspace summary (see :meth:`hotspotwatch.Workspace._repr_html_`)."""
    from hotspotwatch.notebook import tables

    return tables.workspace(summary)
