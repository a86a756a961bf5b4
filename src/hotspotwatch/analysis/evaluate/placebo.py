"""Selection placebo: the "effect" that choosing places at their peak produces on its own.

Places are designated because harm has just peaked there, and part of a peak fades by itself
(regression to the mean; Campbell & Stanley 1963, Barnett, van der Pols & Dobson 2005). A
before/after comparison whose pre-period contains the peak credits the strategy with that fall.

The placebo applies the designation rule itself to places that were *not* designated: at a
placebo decision month, it picks the ``n_select`` control units with the most harm in the
``selection_window`` months just before it, and estimates their "effect" with the same
estimator and the same periods as the real evaluation (a DiD of the selected units against
all other control units, :func:`~hotspotwatch.analysis.evaluate.did.did`). Nothing happened
to these units, so any estimated effect is what selection alone produces. Placebo decisions
are taken at the real decision month (undesignated units) and at earlier months, as far back
as the data gives a full baseline.

The result gives the selection bias on the log scale (mean over placebo dates) with its
standard error; :meth:`SelectionPlacebo.correct` removes it from an estimate and widens the
interval by its uncertainty. Computed for the evaluation's own periods (which leave the
selection window out) and, for comparison, for the naive 12-month pre-period that includes
it: the second shows the size of the trap, the first whether the default design escapes it.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import ClassVar

import numpy as np
from numpy.typing import ArrayLike, NDArray
from scipy import stats

from hotspotwatch.analysis._result import ResultMixin
from hotspotwatch.analysis.evaluate.did import did

__all__ = ["PlaceboDate", "SelectionPlacebo", "selection_placebo"]


@dataclass(frozen=True)
class PlaceboDate(ResultMixin):
    """One placebo decision.

    Attributes
    ----------
    offset : int
        Placebo decision month relative to the real one (0 = the real month, -6 = six months
        earlier).
    pre : (int, int)
        First and last month (relative to the real decision) of the pre-period used.
    post : (int, int)
        First and last month of the post-period used.
    selected : int
        Units picked by the rule.
    log_irr, se : float
        DiD of the selected units against the other control units, and its standard error.
    treated_pre, treated_post, control_pre, control_post : float
        The 2×2 totals.
    """

    offset: int
    pre: tuple[int, int]
    post: tuple[int, int]
    selected: int
    log_irr: float
    se: float
    treated_pre: float
    treated_post: float
    control_pre: float
    control_post: float


@dataclass(frozen=True)
class SelectionPlacebo(ResultMixin):
    """The selection placebo of one design.

    Attributes
    ----------
    method : str
        ``"default"`` (pre-period before the selection window) or ``"naive"`` (the
        ``pre_months`` just before the decision, window included).
    selection_window, pre_months, post_months : int
        Months of the rule's window, of the pre-period and of the post-period.
    n_select : int
        Units picked at each placebo date (the number of designated places).
    n_units : int
        Control units the rule chose from.
    dates : tuple of PlaceboDate
        Every placebo decision that had the months it needs.
    log_bias, se : float
        Mean ``log_irr`` over dates, and its standard error. Placebo dates overlap in time, so
        their estimates are not independent: the standard error is the root of the *mean*
        variance (as if they were fully correlated), which never understates it.
    ratio, ci_low, ci_high : float
        ``exp(log_bias)`` and its ``1 - alpha`` interval: the rate ratio selection alone
        produces (1 = no bias).
    alpha : float
        Level of the interval.
    """

    schema_version: ClassVar[int] = 1

    method: str
    selection_window: int
    pre_months: int
    post_months: int
    n_select: int
    n_units: int
    dates: tuple[PlaceboDate, ...]
    log_bias: float
    se: float
    ratio: float
    ci_low: float
    ci_high: float
    alpha: float

    @property
    def available(self) -> bool:
        """Whether at least one placebo date could be estimated."""
        return bool(self.dates) and math.isfinite(self.log_bias)

    @property
    def detected(self) -> bool:
        """Whether the interval of the selection "effect" excludes 1."""
        return self.available and (self.ci_high < 1.0 or self.ci_low > 1.0)

    def correct(self, log_irr: float, se: float) -> tuple[float, float]:
        """Remove the selection bias from an estimate and widen its uncertainty.

        Parameters
        ----------
        log_irr, se : float
            An estimate on the log scale made with the same design, and its standard error.

        Returns
        -------
        (float, float)
            ``log_irr - log_bias`` and ``sqrt(se**2 + self.se**2)``; the estimate unchanged
            when no placebo date was available.

        Examples
        --------
        >>> p = SelectionPlacebo("naive", 6, 12, 12, 1, 10, (), -0.2, 0.05, 0.82, 0.74, 0.9, 0.05)
        >>> [round(v, 4) for v in p.correct(-0.3, 0.1)]
        [-0.1, 0.1118]
        """
        if not math.isfinite(self.log_bias) or not math.isfinite(self.se):
            return log_irr, se
        return log_irr - self.log_bias, math.hypot(se, self.se)


def _window_rank(totals: NDArray[np.float64], n: int, seed: int) -> NDArray[np.intp]:
    """Indices of the ``n`` largest totals; ties broken by a seeded random order."""
    rng = np.random.default_rng(seed)
    tiebreak = rng.permutation(totals.size)
    order = np.lexsort((tiebreak, -totals))
    return order[:n].astype(np.intp)


def selection_placebo(
    panel: ArrayLike,
    codes: ArrayLike,
    *,
    n_select: int,
    selection_window: int = 6,
    pre_months: int = 24,
    post_months: int = 12,
    offsets: Sequence[int] = (0, -6, -12, -18, -24),
    exclude_window: bool = True,
    min_pre_months: int = 12,
    exposure: ArrayLike | None = None,
    alpha: float = 0.05,
    seed: int = 0,
) -> SelectionPlacebo:
    """Estimate the effect that the designation rule alone produces on undesignated units.

    Parameters
    ----------
    panel : array_like, shape (n_units, n_months)
        Outcome counts of each control unit (never designated, outside every buffer) in each
        month. Missing months are NaN.
    codes : array_like of int, shape (n_months,)
        Consecutive month numbers of the columns relative to the real decision (0 = the
        month starting on it).
    n_select : int
        Units the rule picks at each placebo date (the number of places designated).
    selection_window : int, default 6
        Months before a decision on which places are ranked.
    pre_months : int, default 24
        Months of the pre-period. With ``exclude_window`` it ends where the window starts;
        otherwise it ends just before the decision (the naive design).
    post_months : int, default 12
        Months of the post-period (cut where the data end).
    offsets : sequence of int
        Placebo decision months relative to the real one (≤ 0). A date is skipped when its
        pre-period would have fewer than ``min_pre_months`` months in the data or its
        post-period none.
    exclude_window : bool, default True
        Leave the selection window out of the pre-period (the default design).
    min_pre_months : int, default 12
        Fewest pre-period months a placebo date needs (the baseline is cut to the data).
    exposure : array_like, shape (n_months,), optional
        Length of each month (in months; default 1).
    alpha : float, default 0.05
        Level of the interval.
    seed : int, default 0
        Seed of the tie-breaking order.

    Returns
    -------
    SelectionPlacebo

    Examples
    --------
    Constant Poisson rates: ranking on the window and leaving it out of the pre-period shows
    no bias, while the naive pre-period (window included) shows a spurious fall.

    >>> import numpy as np
    >>> rng = np.random.default_rng(1)
    >>> panel = rng.poisson(3.0, size=(400, 60)).astype(float)
    >>> codes = np.arange(-40, 20)
    >>> ok = selection_placebo(panel, codes, n_select=15)
    >>> bad = selection_placebo(panel, codes, n_select=15, pre_months=12, exclude_window=False)
    >>> bool(ok.ci_low < 1 < ok.ci_high), bool(bad.ci_high < 1)
    (True, True)
    """
    y = np.asarray(panel, dtype=float)
    c = np.asarray(codes, dtype=np.int64)
    if y.ndim != 2 or y.shape[1] != c.size:
        raise ValueError(f"panel must be (units, {c.size} months), got shape {y.shape}")
    if c.size and not np.array_equal(c, np.arange(c[0], c[0] + c.size)):
        raise ValueError("codes must be consecutive month numbers")
    if n_select < 1:
        raise ValueError(f"n_select must be at least 1, got {n_select}")
    if selection_window < 1 or pre_months < 1 or post_months < 1:
        raise ValueError("selection_window, pre_months and post_months must be positive")
    ex = np.ones(c.size) if exposure is None else np.asarray(exposure, dtype=float)
    n_units = y.shape[0]
    method = "default" if exclude_window else "naive"
    z = float(stats.norm.ppf(1 - alpha / 2))
    lo_code = int(c[0]) if c.size else 0
    hi_code = int(c[-1]) if c.size else -1
    found: list[PlaceboDate] = []
    for o in sorted({int(v) for v in offsets if int(v) <= 0}, reverse=True):
        if n_units <= n_select:
            break
        w0, w1 = o - selection_window, o - 1
        pre_hi = w0 - 1 if exclude_window else o - 1
        pre_lo = max(pre_hi - pre_months + 1, lo_code)
        post_lo, post_hi = o, min(o + post_months - 1, hi_code)
        if w0 < lo_code or pre_hi - pre_lo + 1 < min_pre_months or post_hi < post_lo:
            continue
        win = (c >= w0) & (c <= w1)
        pre = (c >= pre_lo) & (c <= pre_hi)
        post = (c >= post_lo) & (c <= post_hi)
        keep = (pre | post) & ~np.isnan(y).any(axis=0)
        if not (keep & pre).any() or not (keep & post).any():
            continue
        totals = np.nansum(y[:, win], axis=1)
        chosen = _window_rank(totals, n_select, seed + abs(o))
        is_sel = np.zeros(n_units, dtype=bool)
        is_sel[chosen] = True
        t_series = y[is_sel][:, keep].sum(axis=0)
        c_series = y[~is_sel][:, keep].sum(axis=0)
        n_k = int(keep.sum())
        unit = np.repeat([0, 1], n_k)
        res = did(
            np.concatenate([t_series, c_series]),
            unit=unit,
            time=np.tile(np.arange(n_k), 2),
            treated=unit == 0,
            post=np.tile(post[keep], 2),
            exposure=np.tile(ex[keep], 2),
            alpha=alpha,
        )
        if not (math.isfinite(res.log_irr) and math.isfinite(res.se)):
            continue
        found.append(
            PlaceboDate(
                offset=o,
                pre=(pre_lo, pre_hi),
                post=(post_lo, post_hi),
                selected=int(is_sel.sum()),
                log_irr=float(res.log_irr),
                se=float(res.se),
                treated_pre=float(res.treated_pre),
                treated_post=float(res.treated_post),
                control_pre=float(res.control_pre),
                control_post=float(res.control_post),
            )
        )
    if found:
        b = float(np.mean([d.log_irr for d in found]))
        se = float(math.sqrt(np.mean([d.se**2 for d in found])))
        ratio, lo, hi = math.exp(b), math.exp(b - z * se), math.exp(b + z * se)
    else:
        b = se = ratio = lo = hi = math.nan
    return SelectionPlacebo(
        method=method,
        selection_window=int(selection_window),
        pre_months=int(pre_months),
        post_months=int(post_months),
        n_select=int(n_select),
        n_units=int(n_units),
        dates=tuple(found),
        log_bias=b,
        se=se,
        ratio=ratio,
        ci_low=lo,
        ci_high=hi,
        alpha=float(alpha),
    )
