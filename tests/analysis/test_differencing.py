"""The differencing attack (LP bounds) against a brute-force integer enumeration, and
complementary suppression that leaves every hidden count at least k wide."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from hotspotwatch.analysis.differencing import (
    Release,
    attacker_bounds,
    combine,
    determined,
    disclosed,
    protect,
    table_release,
)


def _brute_bounds(release: Release, cap: int) -> dict[int, tuple[int, int]]:
    """Every integer atom vector in 0..cap that reproduces the shown values (reference)."""
    n_atoms = release.forms.shape[1]
    grid = np.array(list(itertools.product(range(cap + 1), repeat=n_atoms)), float)
    ok = np.all(np.isclose(grid @ release.forms[release.shown].T, release.values[release.shown]),
                axis=1)
    if release.identities.size:
        ok &= np.all(np.isclose(grid @ release.identities.T, 0), axis=1)
    out = {}
    for i in np.flatnonzero(~release.shown):
        v = grid[ok] @ release.forms[i]
        out[int(i)] = (int(v.min()), int(v.max()))
    return out


def test_subtraction_from_a_row_total_is_found_and_matches_enumeration() -> None:
    r = table_release(np.array([[3, 9]]), row_totals=True, column_totals=False)
    r = r.with_shown(np.array([False, True, True]))
    assert attacker_bounds(r) == {0: (3.0, 3.0)}
    assert determined(r).tolist() == [True, False, False]
    assert disclosed(r, 5) == [0]


@pytest.mark.parametrize("seed", range(12))
def test_lp_bounds_equal_the_integer_enumeration_on_small_tables(seed: int) -> None:
    rng = np.random.default_rng(seed)
    table = rng.integers(0, 5, size=(2, 2))
    r = table_release(table, row_totals=True, column_totals=True)
    shown = rng.random(len(r.values)) < 0.6
    r = r.with_shown(shown)
    cap = int(table.sum())
    brute, wider = _brute_bounds(r, cap), _brute_bounds(r, cap + 2)
    lp = attacker_bounds(r)
    assert lp.keys() == brute.keys()
    for i, (lo, hi) in brute.items():
        # the LP relaxation is exact on these sums (totally unimodular); a bound that grows
        # with the enumeration cap is unbounded
        assert lp[i][0] == pytest.approx(lo, abs=1e-6)
        if wider[i][1] > hi:
            assert lp[i][1] == np.inf
        else:
            assert lp[i][1] == pytest.approx(hi, abs=1e-6)


def test_primary_suppression_alone_leaks_on_a_table_with_margins() -> None:
    table = np.array([[12, 3, 20], [15, 9, 2], [30, 11, 14]])
    r = table_release(table, row_totals=True, column_totals=True)
    naive = r.with_shown(r.values >= 5)
    assert disclosed(naive, 5)  # the attack would find something: the test can fail


@pytest.mark.parametrize("seed", range(40))
def test_protect_leaves_no_hidden_count_narrower_than_k(seed: int) -> None:
    rng = np.random.default_rng(100 + seed)
    k = int(rng.integers(3, 8))
    n, m = int(rng.integers(1, 5)), int(rng.integers(1, 5))
    table = rng.poisson(rng.uniform(0.5, 12), size=(n, m))
    r = protect(table_release(table, row_totals=True, column_totals=bool(seed % 2)), k)
    assert disclosed(r, k) == []
    # every count below k is hidden, every shown count is a true value >= k
    assert not (r.shown & (r.values < k)).any()
    for lo, hi in attacker_bounds(r).values():
        assert hi - lo >= k - 1e-6


def test_protect_on_tiny_tables_holds_against_integer_reasoning() -> None:
    rng = np.random.default_rng(5)
    for _ in range(15):
        table = rng.integers(0, 6, size=(2, 2))
        r = protect(table_release(table, row_totals=True, column_totals=True), 3)
        for i, (lo, hi) in _brute_bounds(r, int(table.sum()) + 3).items():
            assert hi - lo >= 3, (table.tolist(), r.labels[i], lo, hi)


def test_overlapping_periods_reveal_the_month_between_them() -> None:
    # atoms: six months; published: Jan-Jun and Feb-Jun (two reviews), nothing else
    months = np.array([2.0, 9, 8, 11, 7, 10])
    forms = np.array([[1, 1, 1, 1, 1, 1], [0, 1, 1, 1, 1, 1], [1, 0, 0, 0, 0, 0]], float)
    r = Release(forms, forms @ months, np.array([True, True, False]),
                ("jan-jun", "feb-jun", "jan"))
    assert disclosed(r, 5) == [2]  # Jan-Jun minus Feb-Jun is January
    safe = protect(r, 5)
    assert disclosed(safe, 5) == [] and not safe.shown[2]
    assert safe.shown.sum() == 1  # one of the two overlapping sums had to go


def test_identities_link_two_partitions_of_the_same_total() -> None:
    # a region counted by two zones and by two months: zone a = 40, zone b = 3 hidden;
    # both months shown: their sum minus zone a gives zone b
    # atoms: zone a, zone b, month 1, month 2 (identity: a + b - m1 - m2 = 0)
    forms = np.eye(4)
    r = Release(forms, np.array([40.0, 3, 20, 23]), np.array([True, False, True, True]),
                ("a", "b", "m1", "m2"), identities=np.array([[1.0, 1, -1, -1]]))
    assert disclosed(r, 5) == [1]
    assert disclosed(protect(r, 5), 5) == []


def test_combine_keeps_releases_apart() -> None:
    a = table_release(np.array([[3, 9]]), row_totals=True, column_totals=False)
    b = table_release(np.array([[7]]), row_totals=False, column_totals=False)
    c = combine(a, b)
    assert c.forms.shape == (4, 3) and c.labels == (*a.labels, *b.labels)
    assert c.values.tolist() == [3, 9, 12, 7]
