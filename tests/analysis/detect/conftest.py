"""Reference data for detection tests: libpysal's bundled examples (no download)."""

from __future__ import annotations

import warnings

import numpy as np
import pytest


@pytest.fixture(scope="session")
def columbus():  # type: ignore[no-untyped-def]
    """Columbus neighbourhoods (Anselin 1988): CRIME values and queen contiguity."""
    libpysal = pytest.importorskip("libpysal")
    gpd = pytest.importorskip("geopandas")
    df = gpd.read_file(libpysal.examples.get_path("columbus.shp"))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        w = libpysal.weights.Queen.from_dataframe(df, use_index=False)
    return df, np.asarray(df["CRIME"], dtype=float), w


@pytest.fixture(scope="session")
def desmith():  # type: ignore[no-untyped-def]
    """de Smith's 10-region example used in esda's docstrings."""
    libpysal = pytest.importorskip("libpysal")
    w = libpysal.io.open(libpysal.examples.get_path("desmith.gal")).read()
    f = libpysal.io.open(libpysal.examples.get_path("desmith.txt"))
    return np.asarray(f.by_col["z"], dtype=float), w
