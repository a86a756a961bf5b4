"""Differencing attacks on published counts, and the complementary suppression that stops them.

A public output publishes counts, each the sum of some *atoms* (the finest counts nobody
publishes: events of one category in one calendar year, of one map cell in one month...).
Hiding each count below ``k`` (primary suppression) is not enough when related counts are
published: a total minus its shown parts gives the sum of the hidden parts, and a year's
count minus the same year without January gives January. The attacker's problem is a small
linear system: the shown counts fix linear combinations of the unknown atoms, every atom is
a count (``>= 0``), and a hidden count is *disclosed* when these constraints narrow it to an
interval narrower than ``k``.

:func:`attacker_bounds` plays that attack with linear programming (the LP relaxation,
``scipy.optimize.linprog`` with HiGHS: the tightest interval any reasoning on the published
sums can reach, integer reasoning can only round it inwards by less than one), after a rank
test (:func:`determined`) that finds the hidden counts fixed exactly by linear algebra.
:func:`protect` hides more counts (complementary suppression) until no hidden count is
disclosed: the criterion of Cox (1980) and of the "protection interval" of tau-ARGUS
(Hundepool et al. 2012, ch. 4), with the protection width set to ``k``.

References
----------
Cox, L. H. (1980). Suppression methodology and statistical disclosure control. *Journal of
the American Statistical Association*, 75(370), 377–385.

Hundepool, A., Domingo-Ferrer, J., Franconi, L., Giessing, S., Schulte Nordholt, E.,
Spicer, K. & de Wolf, P.-P. (2012). *Statistical Disclosure Control*. Wiley, chapter 4
(magnitude and frequency tables: secondary suppression, the audit by linear programming).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from numpy.typing import NDArray


@dataclass(frozen=True)
class Release:
    """Counts published together, each a sum of atoms.

    Attributes
    ----------
    forms : ndarray, shape (n_values, n_atoms)
        ``forms[i] @ atoms`` is published value ``i`` (0/1 rows for plain sums).
    values : ndarray, shape (n_values,)
        The true values (the publisher's; an attacker knows only the shown ones).
    shown : ndarray of bool, shape (n_values,)
        Which values are published.
    labels : tuple of str
        A name per value (what a test reports when a value leaks).
    identities : ndarray, shape (n_identities, n_atoms)
        Linear relations between atoms known to hold exactly (``identities @ atoms == 0``):
        e.g. a year's region-wide total counted once over cells and once over months.

    Examples
    --------
    >>> r = table_release(np.array([[3, 9]]), row_totals=True, column_totals=False)
    >>> r.labels
    ('r0c0', 'r0c1', 'r0+')
    """

    forms: NDArray[np.float64]
    values: NDArray[np.float64]
    shown: NDArray[np.bool_]
    labels: tuple[str, ...]
    identities: NDArray[np.float64] = field(
        default_factory=lambda: np.zeros((0, 0), dtype=float)
    )

    def with_shown(self, shown: NDArray[np.bool_]) -> Release:
        """The same release with another choice of shown values."""
        return Release(self.forms, self.values, np.asarray(shown, bool), self.labels,
                       self.identities)

    def published(self) -> list[float | None]:
        """What the attacker reads: each value, or ``None`` when hidden."""
        return [float(v) if s else None for v, s in zip(self.values, self.shown, strict=True)]


def combine(*releases: Release) -> Release:
    """Releases over disjoint atoms as one (block-diagonal forms; labels kept)."""
    n_atoms = [r.forms.shape[1] for r in releases]
    total = sum(n_atoms)
    forms, ids, off = [], [], 0
    for r, n in zip(releases, n_atoms, strict=True):
        block = np.zeros((r.forms.shape[0], total))
        block[:, off : off + n] = r.forms
        forms.append(block)
        if r.identities.size:
            ib = np.zeros((r.identities.shape[0], total))
            ib[:, off : off + n] = r.identities
            ids.append(ib)
        off += n
    return Release(
        forms=np.vstack(forms) if forms else np.zeros((0, total)),
        values=np.concatenate([r.values for r in releases]) if releases else np.zeros(0),
        shown=np.concatenate([r.shown for r in releases]) if releases else np.zeros(0, bool),
        labels=tuple(lbl for r in releases for lbl in r.labels),
        identities=np.vstack(ids) if ids else np.zeros((0, total)),
    )


def table_release(
    table: NDArray[np.int64] | NDArray[np.float64],
    *,
    row_totals: bool,
    column_totals: bool,
    grand_total: bool | None = None,
) -> Release:
    """A table of counts (atoms: its cells) with the margins it is published with.

    Every cell is shown at first (pass the release to :func:`protect`). ``grand_total``
    defaults to ``row_totals and column_totals``.
    """
    t = np.asarray(table, dtype=float)
    n, m = t.shape
    forms: list[NDArray[np.float64]] = []
    labels: list[str] = []
    for i in range(n):
        for j in range(m):
            f = np.zeros(n * m)
            f[i * m + j] = 1
            forms.append(f)
            labels.append(f"r{i}c{j}")
    if row_totals:
        for i in range(n):
            f = np.zeros(n * m)
            f[i * m : (i + 1) * m] = 1
            forms.append(f)
            labels.append(f"r{i}+")
    if column_totals:
        for j in range(m):
            f = np.zeros(n * m)
            f[j::m] = 1
            forms.append(f)
            labels.append(f"+c{j}")
    if grand_total if grand_total is not None else (row_totals and column_totals):
        forms.append(np.ones(n * m))
        labels.append("++")
    a = np.vstack(forms)
    values = a @ t.ravel()
    return Release(a, values, np.ones(len(values), bool), tuple(labels))


def determined(release: Release) -> NDArray[np.bool_]:
    """Which hidden values the shown values fix exactly by linear algebra (rank test).

    A hidden value ``f @ atoms`` is fixed when ``f`` lies in the row space of the shown
    forms and the identities (adding ``f`` would not raise the rank): its residual after
    projection on an orthonormal basis of that row space (SVD) is zero.
    """
    base = np.vstack([release.forms[release.shown], _ids(release)])
    out = np.zeros(len(release.values), bool)
    hidden = np.flatnonzero(~release.shown)
    if hidden.size == 0:
        return out
    forms = release.forms[hidden]
    if base.shape[0] == 0:
        return out
    _, sv, vt = np.linalg.svd(base, full_matrices=False)
    tol = max(base.shape) * np.finfo(float).eps * (sv[0] if sv.size else 0.0) * 100
    basis = vt[sv > tol]
    residual = forms - (forms @ basis.T) @ basis
    out[hidden] = np.linalg.norm(residual, axis=1) < 1e-8 * max(1.0, float(np.abs(forms).max()))
    return out


def _ids(release: Release) -> NDArray[np.float64]:
    n_atoms = release.forms.shape[1]
    if release.identities.size == 0:
        return np.zeros((0, n_atoms))
    return release.identities


def attacker_bounds(
    release: Release, *, only: list[int] | None = None
) -> dict[int, tuple[float, float]]:
    """The interval the shown values leave for each hidden value (LP relaxation).

    Minimises and maximises ``forms[i] @ atoms`` subject to ``forms[shown] @ atoms ==
    values[shown]``, ``identities @ atoms == 0`` and ``atoms >= 0``. A hidden value no
    shown value bounds from above gets ``inf``. ``only``: just these hidden values.

    Returns
    -------
    dict
        ``{index of a hidden value: (low, high)}``.

    Examples
    --------
    >>> r = table_release(np.array([[3, 9]]), row_totals=True, column_totals=False)
    >>> r = r.with_shown(np.array([False, True, True]))   # 3 hidden, 9 and 12 shown
    >>> attacker_bounds(r)
    {0: (3.0, 3.0)}
    """
    from scipy.optimize import linprog

    a_eq = np.vstack([release.forms[release.shown], _ids(release)])
    b_eq = np.concatenate(
        [release.values[release.shown], np.zeros(_ids(release).shape[0])]
    )
    fixed = determined(release)
    out: dict[int, tuple[float, float]] = {}
    todo = np.flatnonzero(~release.shown)
    if only is not None:
        todo = np.array([i for i in only if not release.shown[i]], dtype=int)
    for i in todo:
        f = release.forms[i]
        if fixed[i]:
            # any feasible point gives the value: the true atoms are one
            v = float(release.values[i])
            out[int(i)] = (v, v)
            continue
        if a_eq.shape[0] == 0:
            out[int(i)] = (0.0, float("inf"))
            continue
        lo = linprog(f, A_eq=a_eq, b_eq=b_eq, bounds=(0, None), method="highs")
        hi = linprog(-f, A_eq=a_eq, b_eq=b_eq, bounds=(0, None), method="highs")
        if lo.status != 0:  # the true atoms are feasible: only numerical trouble gets here
            raise RuntimeError(f"linprog failed on {release.labels[i]}: {lo.message}")
        upper = float(-hi.fun) if hi.status == 0 else float("inf")
        out[int(i)] = (float(lo.fun), upper)
    return out


def disclosed(release: Release, k: int, *, only: list[int] | None = None) -> list[int]:
    """Hidden values the attacker narrows to an interval narrower than ``k``.

    ``high - low < k`` (a small tolerance absorbs the LP's rounding): the published sums then
    tell more about the hidden count than "somewhere in a range as wide as the threshold".
    ``only``: check just these hidden values.
    """
    bounds = attacker_bounds(release, only=only)
    return sorted(i for i, (lo, hi) in bounds.items() if hi - lo < k - 1e-6)


def protect(release: Release, k: int, *, hide: NDArray[np.bool_] | None = None) -> Release:
    """Primary and complementary suppression of ``release``.

    Values below ``k`` (zero included) and those flagged in ``hide`` are hidden; then, while
    :func:`disclosed` finds a hidden value, the smallest shown value among its neighbours
    (the shown values that share an atom with it, or with a shown value that does: the
    other cells of its row beside the row's total) is hidden too, ties to the first --
    hiding only adds unknowns, so the loop ends, at worst with everything hidden. The
    result is deterministic.

    Examples
    --------
    >>> r = protect(table_release(np.array([[3, 9], [8, 7]]), row_totals=True,
    ...                           column_totals=False), 5)
    >>> [lbl for lbl, s in zip(r.labels, r.shown) if not s]   # 12 - 9 would reveal 3
    ['r0c0', 'r0c1']
    >>> disclosed(r, 5)
    []
    """
    shown = release.values >= k
    if hide is not None:
        shown &= ~np.asarray(hide, bool)
    current = release.with_shown(shown)
    while True:
        leaks = disclosed(current, k)
        if not leaks:
            return current
        nz = release.forms != 0
        one_hop = current.shown & nz[:, nz[leaks[0]]].any(axis=1)
        atoms = nz[one_hop].any(axis=0) | nz[leaks[0]]
        pool = current.shown & nz[:, atoms].any(axis=1)
        if not pool.any():
            pool = current.shown
        if not pool.any():
            return current
        idx = np.flatnonzero(pool)
        j = int(idx[np.argmin(release.values[idx])])
        new = current.shown.copy()
        new[j] = False
        current = current.with_shown(new)


__all__ = [
    "Release",
    "attacker_bounds",
    "combine",
    "determined",
    "disclosed",
    "protect",
    "table_release",
]
