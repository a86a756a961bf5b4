"""Hot- and cold-spot classification over periods (Chainey's scheme as in sfhotspot).

Each cell gets a Gi* test per period; the pattern of significant periods classifies it as a
persistent, emerging, former or intermittent hot (or cold) spot, following
``sfhotspot::hotspot_classify`` (Ashby 2023) and its default parameters.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike, NDArray

from hotspotwatch.analysis._result import ResultMixin
from hotspotwatch.analysis.multitest import adjust_pvalues

CATEGORIES: tuple[str, ...] = (
    "persistent hotspot", "emerging hotspot", "former hotspot", "intermittent hotspot",
    "persistent coldspot", "emerging coldspot", "former coldspot", "intermittent coldspot",
    "mixed hot/coldspot", "no pattern",
)


@dataclass(frozen=True)
class ClassifyResult(ResultMixin):
    """Classification of cells from per-period Gi* tests.

    Attributes
    ----------
    category : ndarray of str
        One of :data:`CATEGORIES` per cell.
    hot_share, cold_share : ndarray
        Share of all periods in which the cell is a significant hot / cold spot.
    recent_hot_share, older_hot_share, recent_cold_share, older_cold_share : ndarray
        The same over the recent and the older periods.
    n_periods, recent_periods : int
    hotspot_prop, persistent_prop, recent_prop, critical_p : float
    p_adjust : str
    """

    category: NDArray[np.str_]
    hot_share: NDArray[np.float64]
    cold_share: NDArray[np.float64]
    recent_hot_share: NDArray[np.float64]
    older_hot_share: NDArray[np.float64]
    recent_cold_share: NDArray[np.float64]
    older_cold_share: NDArray[np.float64]
    n_periods: int
    recent_periods: int
    hotspot_prop: float
    persistent_prop: float
    recent_prop: float
    critical_p: float
    p_adjust: str

    def counts(self) -> dict[str, int]:
        """Number of cells per category (all categories, zeros included)."""
        return {c: int(np.sum(self.category == c)) for c in CATEGORIES}


def hotspot_classify(
    z: ArrayLike,
    p: ArrayLike,
    *,
    hotspot_prop: float = 0.1,
    persistent_prop: float = 0.8,
    recent_prop: float = 0.2,
    critical_p: float = 0.05,
    p_adjust: str = "holm",
) -> ClassifyResult:
    """Classify cells as persistent / emerging / former / intermittent hot or cold spots.

    Parameters
    ----------
    z : array_like, shape (n_periods, n_cells)
        Gi* z-scores per period (oldest first); the sign says hot (> 0) or cold.
    p : array_like, shape (n_periods, n_cells)
        Gi* p-values per period.
    hotspot_prop : float
        Minimum share of periods significant for any hot/cold class (sfhotspot 0.1).
    persistent_prop : float
        Minimum share of periods for "persistent" (0.8).
    recent_prop : float
        Share of periods that are "recent" and the recent share needed for "emerging" (0.2).
    critical_p : float
        Significance level after adjustment (0.05).
    p_adjust : {"holm", "fdr_bh", "none"}
        Adjustment of each cell's p-values across periods (R's ``p.adjust`` default, Holm,
        as sfhotspot).

    Returns
    -------
    ClassifyResult

    Notes
    -----
    With :math:`R = \\lfloor \\text{recent\\_prop} \\cdot T \\rfloor` (at least 1, at most
    :math:`T-1`) recent periods, per cell: persistent if significant in ≥ persistent_prop
    of periods; else emerging if older share < hotspot_prop and recent share ≥
    recent_prop; else former if older share ≥ hotspot_prop and recent share <
    hotspot_prop; else intermittent if overall share ≥ hotspot_prop. Cells in both a hot
    and a cold class are "mixed hot/coldspot". Difference from sfhotspot 1.x: its recent
    window takes the last :math:`R + 1` columns but divides by :math:`R`; we use the last
    :math:`R` periods.

    Examples
    --------
    >>> import numpy as np
    >>> z = np.array([[0.0, 3.0], [0.0, 3.0], [0.0, 3.0], [0.0, 3.0], [3.0, 3.0]])
    >>> p = np.where(z > 0, 0.001, 0.9)
    >>> hotspot_classify(z, p, p_adjust="none").category.tolist()
    ['emerging hotspot', 'persistent hotspot']
    """
    za = np.atleast_2d(np.asarray(z, dtype=float))
    pa = np.atleast_2d(np.asarray(p, dtype=float))
    if za.shape != pa.shape:
        raise ValueError(f"z and p must have the same shape (n_periods, n_cells), got {za.shape} and {pa.shape}")
    for name, value in (("hotspot_prop", hotspot_prop), ("persistent_prop", persistent_prop),
                        ("recent_prop", recent_prop), ("critical_p", critical_p)):
        if not 0 < value < 1:
            raise ValueError(f"{name} must be between 0 and 1 (exclusive), got {value!r}")
    if p_adjust not in ("holm", "fdr_bh", "none"):
        raise ValueError(f"p_adjust must be 'holm', 'fdr_bh' or 'none', got {p_adjust!r}")
    n_periods = za.shape[0]
    if n_periods < 2:
        raise ValueError("classification needs at least 2 periods (one recent, one older); use shorter periods")
    if p_adjust != "none":
        pa = np.column_stack([adjust_pvalues(pa[:, j], method=p_adjust).p_adjusted  # type: ignore[arg-type]
                              for j in range(pa.shape[1])]) if pa.shape[1] else pa
    sig = np.isfinite(pa) & (pa < critical_p)
    hot = sig & (za > 0)
    cold = sig & (za < 0)
    recent = min(max(1, math.floor(recent_prop * n_periods)), n_periods - 1)

    def shares(flags: NDArray[np.bool_]) -> tuple[NDArray[np.float64], ...]:
        return (flags.mean(axis=0), flags[-recent:].mean(axis=0), flags[:-recent].mean(axis=0))

    def classes(overall: NDArray[np.float64], rec: NDArray[np.float64], old: NDArray[np.float64],
                kind: str) -> NDArray[np.str_]:
        return np.select(
            [overall >= persistent_prop, (old < hotspot_prop) & (rec >= recent_prop),
             (old >= hotspot_prop) & (rec < hotspot_prop), overall >= hotspot_prop],
            [f"persistent {kind}", f"emerging {kind}", f"former {kind}", f"intermittent {kind}"],
            default="no pattern",
        )

    h_all, h_rec, h_old = shares(hot)
    c_all, c_rec, c_old = shares(cold)
    cat_h = classes(h_all, h_rec, h_old, "hotspot")
    cat_c = classes(c_all, c_rec, c_old, "coldspot")
    category = np.where((cat_h != "no pattern") & (cat_c != "no pattern"), "mixed hot/coldspot",
                        np.where(cat_h != "no pattern", cat_h, cat_c))
    return ClassifyResult(
        category=category, hot_share=h_all, cold_share=c_all, recent_hot_share=h_rec, older_hot_share=h_old,
        recent_cold_share=c_rec, older_cold_share=c_old, n_periods=n_periods, recent_periods=recent,
        hotspot_prop=hotspot_prop, persistent_prop=persistent_prop, recent_prop=recent_prop,
        critical_p=critical_p, p_adjust=p_adjust,
    )
