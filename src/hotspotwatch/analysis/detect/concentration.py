"""Concentration of harm at places: Lorenz curve, Gini and "x % of harm at y % of places".

The generalised Lorenz curve and Gini (Bernasco & Steenbeek 2017) compare the observed
concentration with *maximal equality given the data*: with fewer events than places the
most even spread puts one event in each of ``n`` places, so the ordinary Gini overstates
concentration when data are sparse.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike, NDArray

from hotspotwatch.analysis._result import ResultMixin


def _counts(counts: ArrayLike, name: str = "counts") -> NDArray[np.float64]:
    x = np.asarray(counts, dtype=float).ravel()
    x = x[~np.isnan(x)]
    if x.size == 0:
        raise ValueError(f"{name} is empty; pass one count (or harm total) per place, zeros included")
    if np.any(x < 0) or not np.all(np.isfinite(x)):
        raise ValueError(f"{name} must be finite and non-negative (one value per place, zeros included)")
    if x.sum() <= 0:
        raise ValueError(f"{name} sum to zero: concentration is undefined without events")
    return x


def gini(counts: ArrayLike, *, generalized: bool = False, unbiased: bool = False) -> float:
    """Gini coefficient of events over places.

    Parameters
    ----------
    counts : array_like
        Events (or harm) per place, **including places with zero**.
    generalized : bool
        Bernasco & Steenbeek's generalised Gini for sparse counts (fewer events than places).
    unbiased : bool
        Small-sample correction: ``× N/(N−1)`` (ordinary), ``× m/(m−1)`` with
        ``m = min(N, events)`` (generalised), as in the ``lorenzgini`` R package.

    Returns
    -------
    float

    Notes
    -----
    With places sorted ascending :math:`x_{(1)} \\le \\dots \\le x_{(N)}` and total :math:`T`,
    :math:`G = \\frac{2\\sum_i i x_{(i)}}{N T} - \\frac{N+1}{N}` (DescTools ``Gini``).
    Generalised (Bernasco & Steenbeek 2017, J. Quant. Criminol. 33:451–467):
    :math:`G' = \\max(1, N/T)(G - 1) + 1`, which equals :math:`G` when :math:`T \\ge N`.

    Examples
    --------
    >>> round(gini([10, 8, 2, 0, 0, 0, 0, 0, 0, 0]), 2)
    0.78
    >>> round(gini([5, 2, 1, 0, 0, 0, 0, 0, 0, 0], generalized=True), 2)
    0.75
    """
    x = np.sort(_counts(counts))
    n = x.size
    total = x.sum()
    g = 2.0 * float(np.sum(np.arange(1, n + 1) * x)) / (n * total) - (n + 1.0) / n
    if generalized:
        g = max(1.0, n / total) * (g - 1.0) + 1.0
        if unbiased:
            m = min(n, total)
            if m <= 1:
                raise ValueError("the unbiased generalised Gini needs at least 2 places and 2 events")
            g *= m / (m - 1.0)
    elif unbiased:
        if n < 2:
            raise ValueError("the unbiased Gini needs at least 2 places")
        g *= n / (n - 1.0)
    return float(g)


@dataclass(frozen=True)
class LorenzResult(ResultMixin):
    """Lorenz curve of events over places, places sorted from *most* to least harm.

    Attributes
    ----------
    place_share : ndarray
        Cumulative share of places, from 0 to 1 (``N + 1`` points).
    event_share : ndarray
        Cumulative share of events at the ``place_share`` most affected places.
    maximal_equality : ndarray
        Event share under maximal equality given the data (Bernasco & Steenbeek 2017):
        ``min(1, place_share × N / T)`` for sparse counts, ``place_share`` otherwise.
    gini, gini_generalized : float
        Ordinary and generalised Gini coefficients.
    n_places : int
    n_events : float
    """

    place_share: NDArray[np.float64]
    event_share: NDArray[np.float64]
    maximal_equality: NDArray[np.float64]
    gini: float
    gini_generalized: float
    n_places: int
    n_events: float

    def events_at(self, place_share: float) -> float:
        """Share of events at the top ``place_share`` of places (interpolated)."""
        return float(np.interp(place_share, self.place_share, self.event_share))

    def places_for(self, event_share: float) -> float:
        """Smallest share of places holding ``event_share`` of the events (interpolated)."""
        es, ps = self.event_share, self.place_share
        idx = int(np.searchsorted(es, event_share - 1e-12))
        if idx <= 0:
            return 0.0
        if idx >= es.size:
            return 1.0
        lo, hi = es[idx - 1], es[idx]
        frac = (event_share - lo) / (hi - lo) if hi > lo else 1.0
        return float(ps[idx - 1] + frac * (ps[idx] - ps[idx - 1]))


def lorenz(counts: ArrayLike) -> LorenzResult:
    """Lorenz curve (most affected places first) with the maximal-equality line.

    Parameters
    ----------
    counts : array_like
        Events (or harm) per place, zeros included.

    Returns
    -------
    LorenzResult

    Notes
    -----
    Criminologists read the curve from the most affected places ("50 % of harm at 4 % of
    street segments", Weisburd 2015); this is the economists' Lorenz curve rotated by 180°.

    Examples
    --------
    >>> res = lorenz([6, 2, 1, 1, 0, 0, 0, 0, 0, 0])
    >>> res.events_at(0.1)
    0.6
    """
    x = _counts(counts)
    n = x.size
    total = float(x.sum())
    desc = np.sort(x)[::-1]
    place_share = np.arange(n + 1) / n
    event_share = np.concatenate([[0.0], np.cumsum(desc) / total])
    maximal = np.minimum(1.0, place_share * max(1.0, n / total))
    return LorenzResult(place_share=place_share, event_share=event_share, maximal_equality=maximal,
                        gini=gini(x), gini_generalized=gini(x, generalized=True), n_places=n,
                        n_events=total)


@dataclass(frozen=True)
class ConcentrationTable(ResultMixin):
    """"x % of harm at y % of places" for several thresholds.

    Attributes
    ----------
    event_shares : ndarray
        Requested shares of events (e.g. 0.25, 0.5, 0.75).
    place_shares : ndarray
        Share of places that holds each event share (most affected first).
    places_with_events : float
        Share of places with at least one event.
    gini, gini_generalized : float
    """

    event_shares: NDArray[np.float64]
    place_shares: NDArray[np.float64]
    places_with_events: float
    gini: float
    gini_generalized: float


def concentration_table(counts: ArrayLike, *, event_shares: Sequence[float] = (0.25, 0.5, 0.75)) -> ConcentrationTable:
    """Share of places that hold given shares of events.

    Parameters
    ----------
    counts : array_like
        Events (or harm) per place, zeros included.
    event_shares : sequence of float
        Shares of events in (0, 1].

    Returns
    -------
    ConcentrationTable

    Examples
    --------
    >>> concentration_table([6, 2, 1, 1, 0, 0, 0, 0, 0, 0], event_shares=[0.6]).place_shares.tolist()
    [0.1]
    """
    shares = np.asarray(event_shares, dtype=float)
    if np.any((shares <= 0) | (shares > 1)):
        raise ValueError("event_shares must be in (0, 1], e.g. (0.25, 0.5, 0.75)")
    res = lorenz(counts)
    x = _counts(counts)
    return ConcentrationTable(
        event_shares=shares, place_shares=np.array([res.places_for(s) for s in shares]),
        places_with_events=float(np.mean(x > 0)), gini=res.gini, gini_generalized=res.gini_generalized,
    )


@dataclass(frozen=True)
class ConcentrationResult(ResultMixin):
    """Concentration of events and of harm over the grid cells of a study area.

    Attributes
    ----------
    count, harm : ConcentrationTable
        "x % at y % of cells" and Gini of event counts and of harm weights.
    count_lorenz, harm_lorenz : LorenzResult
        The Lorenz curves behind them.
    n_cells : int
        Cells (places) in the study area.
    cell_size : float
        Cell side in metres.
    cell_size_rule : str
        ``"given"`` or the automatic rule in words.

    Examples
    --------
    >>> res = concentration_result([3, 1, 0, 0], [30, 1, 0, 0], cell_size=100)
    >>> res.count.gini < res.harm.gini
    True
    >>> ConcentrationResult.from_dict(res.to_dict()).to_dict() == res.to_dict()
    True
    """

    count: ConcentrationTable
    harm: ConcentrationTable
    count_lorenz: LorenzResult
    harm_lorenz: LorenzResult
    n_cells: int
    cell_size: float
    cell_size_rule: str = "given"


def concentration_result(
    counts: ArrayLike, harm: ArrayLike, *, cell_size: float, cell_size_rule: str = "given",
    event_shares: Sequence[float] = (0.25, 0.5, 0.75),
) -> ConcentrationResult:
    """Tables and Lorenz curves of event counts and harm per place.

    Parameters
    ----------
    counts, harm : array_like
        Events and harm weight per place (zeros included), same places in the same order.
    cell_size : float
        Cell side in metres (recorded with the result).
    cell_size_rule : str
        How the cell size was chosen.
    event_shares : sequence of float
        Shares of events of the tables.

    Returns
    -------
    ConcentrationResult
    """
    c = np.asarray(counts, dtype=float)
    return ConcentrationResult(
        count=concentration_table(c, event_shares=event_shares),
        harm=concentration_table(harm, event_shares=event_shares),
        count_lorenz=lorenz(c), harm_lorenz=lorenz(harm), n_cells=int(c.size),
        cell_size=float(cell_size), cell_size_rule=cell_size_rule,
    )
