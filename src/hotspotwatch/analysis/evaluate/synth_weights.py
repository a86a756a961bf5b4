"""Synthetic-control weights: the simplex-constrained least squares with the SDID ridge, solved
exactly (active set / NNLS with a KKT check), and the ridge itself (split from :mod:`.synth`)."""

from __future__ import annotations

import math

import numpy as np
from numpy.typing import ArrayLike, NDArray
from scipy.optimize import nnls

# Weights below this are zeros of the solver, not donors.
_ZERO_WEIGHT = 1e-10


def simplex_weights(
    target: ArrayLike, sources: ArrayLike, *, ridge: float = 0.0
) -> tuple[NDArray[np.float64], float]:
    """Weights on the simplex that bring ``sources`` closest to ``target`` (least squares).

    Solves :math:`\\min_w \\lVert X_1 - X_0 w\\rVert^2 + \\lambda \\lVert w\\rVert^2` subject to
    :math:`w_j \\ge 0`, :math:`\\sum_j w_j = 1`: with :math:`\\lambda = 0` the inner problem of
    Abadie et al. (2010) with :math:`V = I`; with :math:`\\lambda > 0` the ridge-penalised
    unit weights of synthetic difference-in-differences (Arkhangelsky et al. 2021).

    Parameters
    ----------
    target : array_like, shape (n_periods,)
        The treated unit's pre-period series :math:`X_1`.
    sources : array_like, shape (n_periods, n_donors)
        The donors' pre-period series, one column per donor (:math:`X_0`).
    ridge : float
        :math:`\\lambda \\ge 0`.

    Returns
    -------
    weights : ndarray, shape (n_donors,)
        Non-negative, summing to one.
    loss : float
        :math:`\\lVert X_1 - X_0 w\\rVert^2` (the fit, without the penalty).

    Notes
    -----
    The quadratic programme is solved exactly, and fast enough for the placebos (one fit
    per donor, per hotspot):

    - :math:`\\lambda > 0`: a primal-dual active set. The equality-constrained problem on a
      support :math:`S` has the closed form :math:`w_S = G^{-1}(X_S^\\top X_1 - \\nu 1/2)`,
      :math:`G = X_S^\\top X_S + \\lambda I`, applied through the Woodbury identity (an
      ``n_periods``-square solve, whatever the number of donors). Starting from every donor,
      donors with a negative weight leave and donors whose KKT sign condition fails come
      back, until neither happens (a handful of rounds: the ridge makes the problem well
      conditioned). Should it not settle in 50 rounds, the NNLS route below is taken;
    - :math:`\\lambda = 0`: Lawson-Hanson non-negative least squares
      (:func:`scipy.optimize.nnls`) on the augmented system
      :math:`[X_0; M\\mathbf 1^\\top] w \\approx [X_1; M]` (the last row is the sum-to-one
      constraint as a heavy penalty; NNLS keeps at most ``n_periods + 1`` donors), then the
      exact equality-constrained solution on that support from its KKT system, which
      removes the penalty's :math:`O(1/M^2)` error in the sum.

    Both end with a check of the KKT conditions on every donor. SLSQP, the usual choice
    (``pysyncon``), takes dense ``n_donors``-dimensional steps and stops at a tolerance;
    this is exact and much faster (``bench/synth_speed.py``). With :math:`\\lambda = 0` and
    more donors than periods the weights need not be unique (the synthetic series
    :math:`X_0 w` is); NNLS returns a sparse solution.

    Examples
    --------
    >>> w, loss = simplex_weights([2.0, 3.0], [[1.0, 3.0], [2.0, 4.0]])
    >>> np.round(w, 6).tolist(), round(loss, 12)
    ([0.5, 0.5], 0.0)
    >>> w, loss = simplex_weights([2.0, 3.0], [[1.0, 3.0], [2.0, 4.0]], ridge=1.0)
    >>> np.round(w, 6).tolist()
    [0.5, 0.5]
    """
    b = np.asarray(target, dtype=float).ravel()
    a = np.asarray(sources, dtype=float)
    if a.ndim != 2 or a.shape[0] != b.size:
        raise ValueError("sources must be (n_periods, n_donors) like target (n_periods,)")
    if not ridge >= 0:
        raise ValueError(f"ridge must be a non-negative number, got {ridge!r}")
    n = a.shape[1]
    if n == 0:
        raise ValueError("no donors")
    if n == 1:
        return np.ones(1), float(np.sum((b - a[:, 0]) ** 2))
    w = _active_set(a, b, float(ridge)) if ridge > 0 else None
    if w is None:
        w = _nnls_route(a, b, float(ridge))
    return w, float(np.sum((b - a @ w) ** 2))


def _kkt_ok(
    a: NDArray[np.float64], b: NDArray[np.float64], w: NDArray[np.float64], ridge: float
) -> bool:
    """KKT conditions of the simplex QP at ``w`` (stationary on the support, >= off it)."""
    grad = 2.0 * (a.T @ (a @ w - b) + ridge * w)
    support = w > _ZERO_WEIGHT
    nu = -float(np.mean(grad[support]))
    tol = 1e-7 * max(1.0, float(np.abs(grad).max()))
    return bool(np.all(np.abs(grad[support] + nu) <= tol) and np.all(grad[~support] + nu >= -tol))


def _restricted(
    a_s: NDArray[np.float64], b: NDArray[np.float64], ridge: float
) -> NDArray[np.float64]:
    """Minimiser of the ridge fit on the columns ``a_s`` subject to sum-to-one only."""
    t, k = a_s.shape

    def g_inv(x: NDArray[np.float64]) -> NDArray[np.float64]:
        # (A'A + r I)^-1 x = (x - A' (r I + A A')^-1 A x) / r   (Woodbury)
        if k <= t:
            return np.asarray(np.linalg.solve(a_s.T @ a_s + ridge * np.eye(k), x), dtype=np.float64)
        inner = ridge * np.eye(t) + a_s @ a_s.T
        return (x - a_s.T @ np.linalg.solve(inner, a_s @ x)) / ridge

    both = g_inv(np.column_stack([a_s.T @ b, np.ones(k)]))
    u, v = both[:, 0], both[:, 1]
    half_nu = (u.sum() - 1.0) / v.sum()
    return np.asarray(u - half_nu * v, dtype=np.float64)


def _active_set(
    a: NDArray[np.float64], b: NDArray[np.float64], ridge: float
) -> NDArray[np.float64] | None:
    """Primal-dual active set for ``ridge > 0`` (None if it does not settle)."""
    n = a.shape[1]
    support = np.ones(n, dtype=bool)
    for _ in range(50):
        w = np.zeros(n)
        w[support] = _restricted(a[:, support], b, ridge)
        grad = 2.0 * (a.T @ (a @ w - b) + ridge * w)
        nu = -float(np.mean(grad[support]))
        tol = 1e-9 * max(1.0, float(np.abs(grad).max()))
        new = (support & (w > 0)) | (~support & (grad + nu < -tol))
        if np.array_equal(new, support) and np.all(w[support] > 0):
            return w if _kkt_ok(a, b, w, ridge) else None
        if not new.any():
            return None
        support = new
    return None


def _nnls_route(
    a: NDArray[np.float64], b: NDArray[np.float64], ridge: float
) -> NDArray[np.float64]:
    """Augmented NNLS, then the exact solution on its support (see :func:`simplex_weights`)."""
    t, n = a.shape
    scale = max(float(np.abs(a).max()), float(np.abs(b).max()), 1.0)
    big = 1e4 * scale * math.sqrt(t)
    rows = [a, np.full((1, n), big)]
    rhs = [b, np.array([big])]
    if ridge > 0:
        rows.insert(1, math.sqrt(ridge) * np.eye(n))
        rhs.insert(1, np.zeros(n))
    w, _ = nnls(np.vstack(rows), np.concatenate(rhs), maxiter=50 * n)
    w = np.clip(w, 0.0, None)
    w = w / w.sum()
    support = w > _ZERO_WEIGHT
    k = int(support.sum())
    a_s = a[:, support]
    kkt = np.zeros((k + 1, k + 1))
    kkt[:k, :k] = 2.0 * (a_s.T @ a_s + ridge * np.eye(k))
    kkt[:k, k] = 1.0
    kkt[k, :k] = 1.0
    sol = np.linalg.lstsq(kkt, np.append(2.0 * a_s.T @ b, 1.0), rcond=None)[0]
    cand = np.zeros(n)
    cand[support] = sol[:k]
    if (
        np.all(cand >= 0)
        and math.isclose(cand.sum(), 1.0, abs_tol=1e-9)
        and _kkt_ok(a, b, cand, ridge)
    ):
        return cand
    return w


def sdid_ridge(donors_pre: ArrayLike, *, post_months: int, treated_units: int = 1) -> float:
    """Ridge penalty of synthetic DiD unit weights, :math:`\\zeta^2 T_{pre}`.

    :math:`\\zeta = (N_{tr} T_{post})^{1/4} \\hat\\sigma`, with :math:`\\hat\\sigma` the
    standard deviation of the donors' month-to-month changes before designation
    (Arkhangelsky, Athey, Hirshberg, Imbens & Wager 2021, *AER* 111(12), eq. 2.3).

    Parameters
    ----------
    donors_pre : array_like, shape (n_donors, n_pre)
        Donors' pre-period series (on the scale the weights are fitted on).
    post_months : int
        :math:`T_{post}`.
    treated_units : int
        :math:`N_{tr}`.

    Examples
    --------
    >>> round(sdid_ridge([[1.0, 2.0, 1.0], [1.0, 1.0, 2.0]], post_months=16), 3)
    11.0
    """
    y = np.asarray(donors_pre, dtype=float)
    if y.ndim != 2 or y.shape[1] < 3:
        return 0.0
    diffs = np.diff(y, axis=1).ravel()
    sigma = float(np.std(diffs, ddof=1))
    zeta2 = math.sqrt(treated_units * post_months) * sigma**2
    return zeta2 * y.shape[1]
