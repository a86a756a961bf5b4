"""Event columns as arrays, shared by every hotspot's comparison (split from :mod:`.hotspot`)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
import shapely
from numpy.typing import NDArray
from shapely.geometry.base import BaseGeometry

from hotspotwatch.periods import AnchoredMonth, Day

DOSE_ROLES = ("enforcement", "prevention")


@dataclass(frozen=True)
class EventArrays:
    """Event columns as arrays, shared by every hotspot's comparison.

    Attributes
    ----------
    occurred_at : Series
        Instants (tz-aware UTC).
    x, y : ndarray
        Coordinates (workspace CRS, metres).
    outcome : ndarray of bool
        Events counted as the outcome.
    weights : ndarray or None
        Harm weights when the evaluation is weighted.
    roles, categories : ndarray of str
        Each event's role and category.
    control_cell : ndarray of int
        Position of each event's cell among the eligible control cells (-1: none).
    timezone : str
        Calendar time zone.
    """

    occurred_at: pd.Series
    x: NDArray[np.float64]
    y: NDArray[np.float64]
    outcome: NDArray[np.bool_]
    weights: NDArray[np.float64] | None
    roles: NDArray[Any]
    categories: NDArray[Any]
    control_cell: NDArray[np.intp]
    timezone: str
    _codes: dict[dt.date | None, NDArray[np.int64]] = field(default_factory=dict, repr=False)

    def months(self, anchor: dt.date) -> NDArray[np.int64]:
        """Anchored month code of every event (cached per anchor)."""
        if anchor not in self._codes:
            self._codes[anchor] = AnchoredMonth(anchor, self.timezone).codes(self.occurred_at)
        return self._codes[anchor]

    def day(self) -> NDArray[np.int64]:
        """Local calendar day code of every event (:class:`hotspotwatch.periods.Day`)."""
        if None not in self._codes:
            self._codes[None] = Day(self.timezone).codes(self.occurred_at)
        return self._codes[None]

    def inside(self, geom: BaseGeometry) -> NDArray[np.bool_]:
        """Events inside ``geom`` (bounding-box prefilter, then point in polygon)."""
        out = np.zeros(self.x.size, dtype=bool)
        if geom.is_empty:
            return out
        minx, miny, maxx, maxy = geom.bounds
        cand = np.nonzero(
            (self.x >= minx) & (self.x <= maxx) & (self.y >= miny) & (self.y <= maxy)
        )[0]
        out[cand] = shapely.contains_xy(geom, self.x[cand], self.y[cand])
        return out

    def dose_categories(self) -> tuple[tuple[str, ...], tuple[str, ...]]:
        """Dose categories present (enforcement first, alphabetical) and their roles."""
        dose = np.isin(self.roles, DOSE_ROLES)
        found = pd.DataFrame({"role": self.roles[dose], "category": self.categories[dose]})
        pairs = sorted(
            {(str(r), str(c)) for r, c in found.drop_duplicates().itertuples(index=False)},
            key=lambda rc: (DOSE_ROLES.index(rc[0]), rc[1]),
        )
        return tuple(c for _, c in pairs), tuple(r for r, _ in pairs)
