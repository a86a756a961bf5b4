"""Monthly series an evaluation counted: treated area, controls, buffer rings and dose.

The report and the dashboard lay these out; they never recount. Every series is on the same
anchored months (:class:`hotspotwatch.periods.AnchoredMonth` of the designation day): codes
``-pre_months .. n_post - 1``, where negative codes are months before designation and the last
post month may be partial (its ``days`` say how long it was counted).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, TypeVar

import numpy as np
from numpy.typing import NDArray

from hotspotwatch.analysis._result import ResultMixin, _dataclass_from_dict

#: Days in the average month: the unit of the DiD's exposure (a month of 30.44 days).
DAYS_PER_MONTH = 365.25 / 12

_S = TypeVar("_S", bound="_FloatArrays")


class _FloatArrays(ResultMixin):
    """``from_dict`` that gives every ndarray field a float dtype.

    Stored JSON writes whole floats as integers (``31.0`` as ``31``); counts and days are
    floats in the result, whatever the JSON looks like.
    """

    @classmethod
    def from_dict(cls: type[_S], data: Mapping[str, Any]) -> _S:
        obj = _dataclass_from_dict(cls, data)
        changes = {
            f.name: np.asarray(getattr(obj, f.name), dtype=float)
            for f in dataclasses.fields(obj)
            if isinstance(getattr(obj, f.name), np.ndarray)
        }
        return dataclasses.replace(obj, **changes)


@dataclass(frozen=True)
class MonthlySeries(_FloatArrays):
    """Outcome per anchored month in the treated area and in its controls.

    Attributes
    ----------
    months : tuple of datetime.date
        First day of each anchored month (``AnchoredMonth(designated).start(k)``).
    codes : tuple of int
        Anchored month codes ``-pre_months .. n_post - 1`` (negative = before designation).
    days : ndarray
        Days counted in each month (the last post month may be partial).
    exposure : ndarray
        ``days / (365.25 / 12)``: the exposure the difference-in-differences used.
    treated : ndarray
        Outcome count (harm weight if weighted) per month in the treated area.
    control : ndarray
        The same, summed over the selected control cells.
    n_controls : int
        Number of control cells summed in ``control``.

    Examples
    --------
    >>> s = MonthlySeries((dt.date(2024, 2, 28), dt.date(2024, 3, 28)), (-1, 0),
    ...                   np.array([29.0, 31.0]), np.array([29.0, 31.0]) / DAYS_PER_MONTH,
    ...                   np.array([4.0, 1.0]), np.array([40.0, 38.0]), 3)
    >>> s.pre_mask.tolist(), MonthlySeries.from_dict(s.to_dict()).treated.tolist()
    ([True, False], [4.0, 1.0])
    """

    months: tuple[dt.date, ...]
    codes: tuple[int, ...]
    days: NDArray[np.float64]
    exposure: NDArray[np.float64]
    treated: NDArray[np.float64]
    control: NDArray[np.float64]
    n_controls: int

    @property
    def pre_mask(self) -> NDArray[np.bool_]:
        """``True`` for the months before designation."""
        return np.asarray(self.codes) < 0


@dataclass(frozen=True)
class RingSeries(_FloatArrays):
    """Outcome per anchored month in one buffer ring.

    Rings are cumulative and adjacent (:func:`hotspotwatch.geo.rings.buffer_rings`): with
    widths ``(250, 250)`` the first ring covers 0-250 m from the perimeter, the second
    250-500 m. Every hotspot polygon is removed from every ring. Ring 0 is the one the buffer
    DiD, the WDQ and the WDD use.

    Attributes
    ----------
    inner_m, outer_m : float
        Distances from the perimeter (metres).
    wkt : str
        The ring's geometry (workspace CRS, millimetre precision).
    counts : ndarray
        Outcome per anchored month (the months of :class:`MonthlySeries`).
    pre, post : float
        Totals before and after designation.
    """

    inner_m: float
    outer_m: float
    wkt: str
    counts: NDArray[np.float64]
    pre: float
    post: float


@dataclass(frozen=True)
class DoseSeries(_FloatArrays):
    """Dose (enforcement and prevention events) per anchored month inside the perimeter.

    Attributes
    ----------
    categories : tuple of str
        Dose categories (enforcement first, then prevention; alphabetical within a role).
    roles : tuple of str
        Role of each category (``"enforcement"`` or ``"prevention"``).
    counts : ndarray, shape (n_categories, n_months)
        Events per category and anchored month (the months of :class:`MonthlySeries`).
    """

    categories: tuple[str, ...]
    roles: tuple[str, ...]
    counts: NDArray[np.float64]

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> DoseSeries:
        obj = super().from_dict(data)
        if not obj.categories:  # JSON [] loses the number of months
            return dataclasses.replace(obj, counts=np.zeros((0, 0)))
        return obj

    def role_totals(self, role: str, mask: NDArray[np.bool_]) -> float:
        """Events of ``role`` summed over the months where ``mask`` holds."""
        rows = [i for i, r in enumerate(self.roles) if r == role]
        if not rows or self.counts.size == 0:
            return 0.0
        return float(self.counts[rows][:, mask].sum())


__all__ = ["DAYS_PER_MONTH", "DoseSeries", "MonthlySeries", "RingSeries"]
