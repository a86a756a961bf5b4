"""Multiple-testing corrections shared by detection, space-time and evaluation.

Benjamini & Hochberg (1995) and Benjamini & Yekutieli (2001) false discovery rate, and Holm
(1979) step-down family-wise error control. The FDR methods are computed by
``statsmodels.stats.multitest``; Holm's closed form is computed here (statsmodels'
``multipletests`` runs a full ``gc.collect()`` on every Holm call: about 0.25 s in a process
holding a workspace, which made ``detect classify``, one Holm correction per cell, take
minutes), and tested against statsmodels.
Each returns adjusted p-values (monotone, capped at 1) so that a caller compares them with
its alpha; ``reject`` is ``adjusted <= alpha``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np
from numpy.typing import ArrayLike, NDArray
from statsmodels.stats.multitest import multipletests

from hotspotwatch.analysis._result import ResultMixin

Method = Literal["fdr_bh", "fdr_by", "holm", "none"]
METHODS: tuple[str, ...] = ("fdr_bh", "fdr_by", "holm", "none")


@dataclass(frozen=True)
class MultipleTestResult(ResultMixin):
    """Adjusted p-values.

    Attributes
    ----------
    p_adjusted : ndarray
        Adjusted p-values, same order as the input (NaN stays NaN).
    reject : ndarray of bool
        ``p_adjusted <= alpha``.
    method : str
        ``"fdr_bh"``, ``"fdr_by"``, ``"holm"`` or ``"none"``.
    alpha : float
        Level used for ``reject``.
    """

    p_adjusted: NDArray[np.float64]
    reject: NDArray[np.bool_]
    method: str
    alpha: float


def adjust_pvalues(
    p_values: ArrayLike, *, method: Method = "fdr_bh", alpha: float = 0.05
) -> MultipleTestResult:
    """Adjust p-values for multiple comparisons (through ``statsmodels``).

    Parameters
    ----------
    p_values : array_like
        Raw p-values in [0, 1]; NaN entries are ignored and stay NaN.
    method : {"fdr_bh", "fdr_by", "holm", "none"}
        Benjamini–Hochberg step-up FDR, Benjamini–Yekutieli FDR under any dependence, Holm
        step-down FWER, or no adjustment.
    alpha : float
        Level for the ``reject`` flags.

    Returns
    -------
    MultipleTestResult

    Notes
    -----
    BH: :math:`\\tilde p_{(i)} = \\min_{j \\ge i} \\min(1, m p_{(j)} / j)`; BY multiplies
    by :math:`c(m) = \\sum_{k=1}^m 1/k`.
    Holm: :math:`\\tilde p_{(i)} = \\max_{j \\le i} \\min(1, (m - j + 1) p_{(j)})`.
    On the finite p-values: BH and BY by ``statsmodels.stats.multitest.multipletests``, Holm
    by the formula above (equal to statsmodels' to rounding).

    Examples
    --------
    >>> adjust_pvalues([0.01, 0.04, 0.03], method="fdr_bh").p_adjusted.round(3).tolist()
    [0.03, 0.04, 0.04]
    """
    if method not in METHODS:
        raise ValueError(
            f"unknown multiple-testing method {method!r}; use 'fdr_bh', 'fdr_by', 'holm' "
            "or 'none'"
        )
    p = np.asarray(p_values, dtype=float)
    out = np.full(p.shape, np.nan)
    ok = np.isfinite(p)
    pv = p[ok]
    if pv.size:
        if method == "none":
            out[ok] = pv
        elif method == "holm":
            out[ok] = _holm(pv)
        else:
            _, adj, _, _ = multipletests(pv, alpha=alpha, method=method)
            out[ok] = np.minimum(adj, 1.0)
    reject = np.zeros(p.shape, dtype=bool)
    reject[ok] = out[ok] <= alpha
    return MultipleTestResult(p_adjusted=out, reject=reject, method=method, alpha=alpha)


def _holm(p: NDArray[np.float64]) -> NDArray[np.float64]:
    """Holm (1979) adjusted p-values: running maximum of :math:`(m - j + 1) p_{(j)}`, capped
    at 1, in the input order."""
    m = p.size
    order = np.argsort(p, kind="stable")
    adj = np.minimum(np.maximum.accumulate(p[order] * np.arange(m, 0, -1)), 1.0)
    out = np.empty(m)
    out[order] = adj
    return out
