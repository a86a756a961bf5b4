"""Public detection API: ``from hotspotwatch.detect import kde, gistar, moran, local_moran, gini, lorenz``."""

from hotspotwatch.analysis.detect import *  # noqa: F403
from hotspotwatch.analysis.detect import __all__ as __all__
from hotspotwatch.geo.grid import Grid, auto_cell_size, make_grid, square_kernel

__all__ = [*__all__, "Grid", "auto_cell_size", "make_grid", "square_kernel"]
