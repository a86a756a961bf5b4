"""Shared conditional-permutation engine for local statistics (Gi*, local Moran).

Both statistics are affine in the spatial lag of the *other* sites,
``stat_i = a_i + b_i * L_i`` with ``L_i = Σ_{j≠i} w_ij v_j``. Conditional randomisation
(Anselin 1995) keeps ``v_i`` at site ``i`` and draws the ``k_i`` neighbour values at
random, without replacement, from the other ``n − 1`` values. The engine therefore only
simulates lags and counts how many simulated lags are ≥ and ≤ the observed one; each
statistic turns the counts into p-values with the sign of ``b_i``.

As in esda's ``crand``, one set of random index draws (``permutations × max k``) from
``0 … n−2`` is shared by all sites and mapped to "all sites except ``i``" with
``j → j + (j ≥ i)``; for each site the draws are a uniform random ordered sample of the
other sites, which is what conditional randomisation needs.

Speed: when every row has equal non-zero weights (binary, row-standardised binary,
any contiguity or distance band), the lag for site ``i`` is
``c_i (Σ_m v[r_m] + Σ_{m: r_m ≥ i} (v[r_m+1] − v[r_m]))``; the second sum is a suffix
sum over the draws, so all sites of one cardinality are simulated with one cumulative
sum per permutation instead of a gather per site. Other weights use a chunked gather.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal

import numpy as np
from numpy.typing import NDArray
from scipy import sparse

Alternative = Literal["two-sided", "greater", "less", "folded"]
ALTERNATIVES: tuple[str, ...] = ("two-sided", "greater", "less", "folded")
_CHUNK_ELEMENTS = 4_000_000


@dataclass(frozen=True)
class LagNull:
    """Counts from the simulated lags of each site.

    Attributes
    ----------
    n_ge, n_le : ndarray of int
        Number of simulated lags ≥ / ≤ the observed lag (ties count in both).
    mean, std : ndarray
        Mean and standard deviation of the simulated lags.
    permutations : int
        Number of simulations.
    """

    n_ge: NDArray[np.int64]
    n_le: NDArray[np.int64]
    mean: NDArray[np.float64]
    std: NDArray[np.float64]
    permutations: int


def check_alternative(alternative: str) -> None:
    """Raise a clear ValueError for an unknown ``alternative``."""
    if alternative not in ALTERNATIVES:
        raise ValueError(f"alternative must be one of {', '.join(map(repr, ALTERNATIVES))}; "
                         f"got {alternative!r}")


def check_permutations(permutations: int) -> int:
    """Validate the number of permutations."""
    if isinstance(permutations, bool) or int(permutations) != permutations or permutations < 0:
        raise ValueError(f"permutations must be a non-negative integer (e.g. 999), got {permutations!r}")
    return int(permutations)


def random_ids(n: int, k: int, permutations: int, rng: np.random.Generator) -> NDArray[np.int64]:
    """``permutations × k`` rows of distinct integers in ``0 … n−2`` (rejection sampling)."""
    pool = n - 1
    if k > pool:
        raise ValueError(f"a site has {k} neighbours but there are only {pool} other sites")
    out = np.empty((permutations, k), dtype=np.int64)
    if k == 0:
        return out
    if 2 * k > pool:
        for p in range(permutations):
            out[p] = rng.permutation(pool)[:k]
        return out
    todo = np.arange(permutations)
    while todo.size:
        draw = rng.integers(0, pool, size=(todo.size, k))
        srt = np.sort(draw, axis=1)
        dup = (np.diff(srt, axis=1) == 0).any(axis=1) if k > 1 else np.zeros(todo.size, bool)
        out[todo[~dup]] = draw[~dup]
        todo = todo[dup]
    return out


def simulate_lags(
    values: NDArray[np.float64],
    others: sparse.csr_matrix,
    observed_lag: NDArray[np.float64],
    *,
    permutations: int,
    rng: np.random.Generator,
    progress: Callable[[int, int], None] | None = None,
) -> LagNull:
    """Conditional-permutation null of ``L_i = Σ_{j≠i} w_ij v_j`` for every site.

    Parameters
    ----------
    values : ndarray, shape (n,)
        Values ``v`` (counts, or standardised values for local Moran).
    others : csr_matrix, shape (n, n)
        Weights with a zero diagonal.
    observed_lag : ndarray, shape (n,)
        ``others @ values``.
    permutations : int
        Number of simulations.
    rng : numpy.random.Generator
        Random generator (seeded by the caller).
    progress : callable, optional
        ``progress(done, total)`` with ``total = n`` sites, called with non-decreasing
        ``done`` as the sites' nulls are simulated and finally with ``(n, n)``.

    Returns
    -------
    LagNull
    """
    n = values.size
    w = others.tocsr()
    w.sort_indices()
    card = np.diff(w.indptr)
    kmax = int(card.max()) if n else 0
    ids = random_ids(n, kmax, permutations, rng)
    n_ge = np.zeros(n, np.int64)
    n_le = np.zeros(n, np.int64)
    done = [0]

    def advance(sites: int) -> None:  # progress in sites whose null is complete
        done[0] = min(n, done[0] + sites)
        if progress is not None:
            progress(done[0], n)

    s1 = np.zeros(n)
    s2 = np.zeros(n)
    scale = float(np.abs(values).max()) if n else 1.0
    tol = 1e-10 * max(scale, 1.0) * max(kmax, 1) * (float(np.abs(w.data).max()) if w.nnz else 1.0)

    # rows whose non-zero weights are all equal → suffix-sum fast path
    row_max = np.zeros(n)
    row_min = np.zeros(n)
    if w.nnz:
        row_max = np.maximum.reduceat(w.data, w.indptr[:-1].clip(max=w.nnz - 1)) * (card > 0)
        row_min = np.minimum.reduceat(w.data, w.indptr[:-1].clip(max=w.nnz - 1)) * (card > 0)
    constant = (card == 0) | np.isclose(row_max, row_min, rtol=1e-12, atol=0.0)

    def tally(sites: NDArray[np.int64], lags: NDArray[np.float64]) -> None:
        obs = observed_lag[sites]
        n_ge[sites] += (lags >= obs - tol).sum(axis=0)
        n_le[sites] += (lags <= obs + tol).sum(axis=0)
        s1[sites] += lags.sum(axis=0)
        s2[sites] += np.einsum("ps,ps->s", lags, lags)

    # islands: lag is always 0
    islands = np.flatnonzero(card == 0)
    if islands.size:
        tally(islands, np.zeros((permutations, islands.size)))
        advance(islands.size)

    gather = ~constant
    todo = constant & (card > 0)
    if n > 1 and todo.any():
        # Sites with the same cardinality, row weight and own value have the *same*
        # conditional null (the pool is all values minus one copy of v_i), so with
        # count data one simulation per (k, c, v) group serves many sites.
        keys = np.column_stack([card[todo], row_max[todo], values[todo]])
        uniq, first_idx, labels = np.unique(keys, axis=0, return_index=True, return_inverse=True)
        labels = labels.ravel()
        if uniq.shape[0] * 20 <= int(todo.sum()):
            sites_all = np.flatnonzero(todo)
            for g in range(uniq.shape[0]):
                members = sites_all[labels == g]
                rep = sites_all[first_idx[g]]
                k = int(uniq[g, 0])
                r = ids[:, :k]
                sims = values[r + (r >= rep)].sum(axis=1) * uniq[g, 1]
                srt = np.sort(sims)
                obs = observed_lag[members]
                n_ge[members] = permutations - np.searchsorted(srt, obs - tol, side="left")
                n_le[members] = np.searchsorted(srt, obs + tol, side="right")
                s1[members] = sims.sum()
                s2[members] = float(sims @ sims)
                advance(members.size)
            todo[:] = False
    if n > 1:
        d = np.diff(values)  # d[j] = v[j+1] - v[j], j = 0 … n-2
        chunk_p = max(1, _CHUNK_ELEMENTS // max(n, 1))
        for k in np.unique(card[todo]):
            sites = np.flatnonzero(todo & (card == k))
            if sites.size * k < n:
                # a handful of sites (grid corners, edges): a direct gather is cheaper
                gather[sites] = True
                continue
            c = row_max[sites]
            prev = np.maximum(sites - 1, 0)
            first = sites == 0
            for p0 in range(0, permutations, chunk_p):
                r = ids[p0:p0 + chunk_p, :k]
                pc = r.shape[0]
                marks = np.zeros((pc, n))
                np.put_along_axis(marks, r, d[r], axis=1)
                np.cumsum(marks, axis=1, out=marks)  # prefix sums: marks[p, i] = Σ_{j ≤ i} …
                # Σ_{m: r_m ≥ i} d[r_m] = total − prefix[i − 1]
                head = values[r].sum(axis=1) + marks[:, -1]
                below = marks[:, prev]
                below[:, first] = 0.0
                lags = (head[:, None] - below) * c[None, :]
                tally(sites, lags)
                before = p0 * sites.size // max(permutations, 1)
                advance((p0 + pc) * sites.size // max(permutations, 1) - before)

    general = np.flatnonzero(gather)
    if general.size:
        chunk_s = max(1, _CHUNK_ELEMENTS // max(permutations * max(kmax, 1), 1))
        for s0 in range(0, general.size, chunk_s):
            sites = general[s0:s0 + chunk_s]
            lags = np.empty((permutations, sites.size))
            for col, i in enumerate(sites):
                lo, hi = w.indptr[i], w.indptr[i + 1]
                wi = w.data[lo:hi]
                r = ids[:, : hi - lo]
                lags[:, col] = values[r + (r >= i)] @ wi
            tally(sites, lags)
            advance(sites.size)

    if progress is not None:
        progress(n, n)
    mean = s1 / max(permutations, 1)
    var = np.maximum(s2 / max(permutations, 1) - mean**2, 0.0)
    return LagNull(n_ge=n_ge, n_le=n_le, mean=mean, std=np.sqrt(var), permutations=permutations)


def pseudo_p(
    n_ge: NDArray[np.int64], n_le: NDArray[np.int64], permutations: int, alternative: str
) -> NDArray[np.float64]:
    """Pseudo p-values from simulation counts (counts already oriented to the statistic).

    ``greater``: ``(n_ge + 1) / (P + 1)``; ``less``: ``(n_le + 1) / (P + 1)``;
    ``two-sided``: ``min(1, 2 min(n_ge + 1, n_le + 1) / (P + 1))``;
    ``folded`` reproduces esda's ``p_sim``: the smaller tail, *not* doubled.
    """
    p1 = permutations + 1.0
    if alternative == "greater":
        return np.asarray((n_ge + 1.0) / p1, dtype=np.float64)
    if alternative == "less":
        return np.asarray((n_le + 1.0) / p1, dtype=np.float64)
    if alternative == "two-sided":
        return np.asarray(np.minimum(1.0, 2.0 * (np.minimum(n_ge, n_le) + 1.0) / p1), dtype=np.float64)
    larger = n_ge.astype(float)
    low = (permutations - larger) < larger
    larger[low] = permutations - larger[low]
    return np.asarray((larger + 1.0) / p1, dtype=np.float64)


def orient(null: LagNull, sign: NDArray[np.float64]) -> tuple[NDArray[np.int64], NDArray[np.int64]]:
    """Counts of simulated *statistics* ≥ / ≤ observed for ``stat = a + b L`` with ``sign(b)``."""
    pos = sign > 0
    neg = sign < 0
    ge = np.where(pos, null.n_ge, np.where(neg, null.n_le, null.permutations))
    le = np.where(pos, null.n_le, np.where(neg, null.n_ge, null.permutations))
    return ge.astype(np.int64), le.astype(np.int64)
