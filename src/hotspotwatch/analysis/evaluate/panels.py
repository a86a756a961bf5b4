"""Panels and variances a hotspot's comparison builds from the events: the synthetic
control's donor panel, harm-weighted WDD variances, control cell corners (split from
:mod:`.hotspot`)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import numpy as np
from numpy.typing import NDArray

from hotspotwatch.analysis.evaluate.design import (
    ControlGrid,
    match_controls,
)
from hotspotwatch.analysis.evaluate.events import EventArrays
from hotspotwatch.analysis.evaluate.months import masked_months, month_plan
from hotspotwatch.analysis.evaluate.synth import DEFAULT_DONORS, SynthResult, synthetic_control
from hotspotwatch.periods import AnchoredMonth, Day


def synth_panel(
    events: EventArrays,
    grid: ControlGrid,
    in_treated: NDArray[np.bool_],
    *,
    first: dt.date,
    last: dt.date,
    pre_months: int = 24,
    n_donors: int = DEFAULT_DONORS,
    seed: int = 0,
    alpha: float = 0.05,
    rule: str = "anchored_months",
    missing: frozenset[int] = frozenset(),
    data_start: dt.date | None = None,
    selection_window: int = 0,
) -> SynthResult | None:
    """Synthetic control of one hotspot from its best-matched control cells.

    The panel is the treated area and every eligible control cell per month (the months
    rule of the evaluation), over up to ``pre_months`` months before designation: months
    that start before ``data_start`` or overlap a month a source does not cover are left
    out. The donor pool is the ``n_donors`` cells nearest the treated area in pre-period
    level and trend (:func:`~hotspotwatch.analysis.evaluate.design.match_controls`), which
    bounds the placebo work (one refit per donor). The estimate and its placebo
    inference are :func:`~hotspotwatch.analysis.evaluate.synth.synthetic_control`.
    The last ``selection_window`` months before designation are left out of the fit:
    a place is designated because harm has just peaked there, and a synthetic control
    fitted on the peak would credit the designation with its fading.

    Returns
    -------
    SynthResult or None
        ``None`` with fewer than 3 pre-period months, no post-period month or no
        pre-period event in the treated area.
    """
    plan = month_plan(first, last, pre_months, rule, events.timezone)
    if plan is None:
        return None
    am = AnchoredMonth(plan.anchor, events.timezone)
    months = events.months(plan.anchor)
    codes = np.arange(plan.lo, plan.hi + 1)
    masked = masked_months(plan, set(missing), events.timezone)
    if data_start is not None:
        masked |= np.array([am.start(int(k)) < data_start for k in codes])
    pre = (codes < 0) & (codes < -max(0, selection_window)) & ~masked
    post = (codes >= 0) & ~masked
    if int(pre.sum()) < 3 or not post.any():
        return None
    day_ok = events.day() <= Day(events.timezone).code_of(plan.last)
    sel = events.outcome & (months >= plan.lo) & (months <= plan.hi) & day_ok
    n_m = codes.size

    def panel(mask: NDArray[np.bool_], unit: NDArray[np.intp], n: int) -> NDArray[np.float64]:
        m = sel & mask
        flat = unit[m] * n_m + (months[m] - plan.lo)
        w = None if events.weights is None else events.weights[m]
        return np.bincount(flat, weights=w, minlength=n * n_m).reshape(n, n_m).astype(float)

    treated = panel(in_treated, np.zeros(events.x.size, dtype=np.intp), 1)[0]
    cell = events.control_cell
    cells = panel(cell >= 0, np.maximum(cell, 0), grid.eligible.size)
    match = match_controls(treated[pre], cells[:, pre], n_controls=n_donors, seed=seed)
    try:
        return synthetic_control(
            treated,
            cells[match.selected],
            pre=pre,
            post=post,
            donor_ids=grid.eligible[match.selected],
            alpha=alpha,
        )
    except ValueError:  # no pre-period event in the treated area or in any donor
        return None


def _weighted_variances(
    count: Any,
    in_t: NDArray[np.bool_],
    in_b: NDArray[np.bool_],
    cell: NDArray[np.intp],
    grid: ControlGrid,
    selected: NDArray[np.intp],
    pre: NDArray[np.bool_],
    post: NDArray[np.bool_],
) -> dict[str, tuple[float, float]]:
    """Variances of harm-weighted totals: sums of squared weights (before, after)."""
    zeros = np.zeros(in_t.size, dtype=np.intp)

    def pair(series: NDArray[np.float64]) -> tuple[float, float]:
        return float(series[pre].sum()), float(series[post].sum())

    cells = count(cell >= 0, np.maximum(cell, 0), grid.eligible.size, 2)
    return {
        "target": pair(count(in_t, zeros, 1, 2)[0]),
        "buffer": pair(count(in_b, zeros, 1, 2)[0]),
        "control": pair(cells[selected].sum(axis=0)),
    }


def _cell_corners(grid: ControlGrid, flat: NDArray[np.intp]) -> list[tuple[float, float]]:
    """Lower-left corners of flat grid cells (``row * n_cols + col``)."""
    rows, cols = np.divmod(np.asarray(flat, dtype=np.intp), grid.n_cols)
    xs = grid.x0 + cols * grid.cell_size
    ys = grid.y0 + rows * grid.cell_size
    return [(float(x), float(y)) for x, y in zip(xs, ys, strict=True)]
