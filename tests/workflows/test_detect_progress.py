"""Progress callbacks of the long analyses (Gi* permutations, Knox permutations, the
emerging cube, borders): called with increasing counts up to the total, and the results do
not depend on whether a callback is given."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
import shapely

from hotspotwatch.analysis.detect import border_view, gistar, gistar_grid
from hotspotwatch.analysis.spacetime import emerging_hotspots, knox


class Recorder:
    def __init__(self) -> None:
        self.calls: list[tuple[int, int]] = []

    def __call__(self, done: int, total: int) -> None:
        self.calls.append((done, total))

    def check(self, total: int) -> None:
        assert self.calls, "never called"
        done = [d for d, _ in self.calls]
        assert {t for _, t in self.calls} == {total}
        assert all(b >= a for a, b in itertools.pairwise(done)), done
        assert done[-1] == total and 0 <= done[0] <= total


@pytest.mark.parametrize("values", ["poisson", "continuous"])
def test_gistar_grid_permutation_progress(values: str) -> None:
    rng = np.random.default_rng(3)
    grid = rng.poisson(2.0, (30, 40)).astype(float)  # count data: the grouped fast path
    if values == "continuous":
        grid = grid + rng.uniform(0, 1, grid.shape)  # every value distinct: the other paths
    mask = np.ones(grid.shape, bool)
    mask[:5, :7] = False
    rec = Recorder()
    res = gistar_grid(grid, mask=mask, permutations=199, seed=1, progress=rec)
    rec.check(int(mask.sum()))
    ref = gistar_grid(grid, mask=mask, permutations=199, seed=1)
    np.testing.assert_array_equal(res.p_sim, ref.p_sim)


def test_gistar_sparse_weights_progress() -> None:
    from scipy import sparse

    rng = np.random.default_rng(0)
    n = 60
    w = sparse.random(n, n, density=0.1, random_state=1, format="csr")
    w = ((w + w.T) > 0).astype(float)
    w.setdiag(0)
    rec = Recorder()
    gistar(rng.uniform(0, 5, n), w, permutations=99, seed=2, progress=rec)
    rec.check(n)


def test_gistar_without_permutations_never_calls() -> None:
    rec = Recorder()
    gistar_grid(np.ones((5, 5)) + np.eye(5), permutations=0, progress=rec)
    assert rec.calls == []


@pytest.mark.parametrize("workers", [1, 3])
def test_knox_progress_counts_every_permutation(workers: int) -> None:
    rng = np.random.default_rng(5)
    x, y = rng.uniform(0, 2000, (2, 300))
    t = rng.uniform(0, 365, 300)
    rec = Recorder()
    res = knox(x, y, t, [0, 100, 200, np.inf], [0, 7, 14, np.inf], permutations=99, seed=4,
               workers=workers, progress=rec)
    assert [d for d, _ in rec.calls] == list(range(1, 100))  # serialised across threads
    rec.check(99)
    ref = knox(x, y, t, [0, 100, 200, np.inf], [0, 7, 14, np.inf], permutations=99, seed=4)
    np.testing.assert_array_equal(res.p_value, ref.p_value)


def test_emerging_progress_stages() -> None:
    rng = np.random.default_rng(0)
    xs, ys = np.meshgrid(np.arange(8) * 100.0, np.arange(8) * 100.0)
    cube = rng.poisson(1.0, (64, 12)).astype(float)
    cube[27, 8:] += 12
    rec = Recorder()
    res = emerging_hotspots(cube, xs.ravel(), ys.ravel(), distance=150, progress=rec)
    assert rec.calls == [(k, 5) for k in range(1, 6)]
    assert res.category[27] == "consecutive_hot"


def test_border_view_progress_per_cluster() -> None:
    zones = [shapely.box(0, 0, 100, 100), shapely.box(100, 0, 200, 100)]
    clusters = [shapely.box(90, 40, 110, 60), shapely.box(10, 10, 20, 20)]
    rec = Recorder()
    res = border_view([95, 105, 20], [50, 50, 50], zones, distance=10, clusters=clusters,
                      progress=rec)
    assert rec.calls == [(k, 5) for k in range(1, 6)]
    assert len(res.straddling) == 1


def test_workflow_entry_points_pass_progress(tmp_path) -> None:  # type: ignore[no-untyped-def]
    from hotspotwatch.testing import make_city
    from hotspotwatch.workflows import detect as wf
    from hotspotwatch.workflows.spacetime import run_emerging, run_knox

    ws = make_city(tmp_path / "c", scale=0.2)
    try:
        rec = Recorder()
        gi = wf.gistar_grid(ws, cell_size=250, permutations=99, progress=rec)
        rec.check(gi.grid.n_cells)
        rec = Recorder()
        run_knox(ws, categories=sorted(ws.taxonomy.names(role="harm"))[:1], permutations=19,
                 record=False, progress=rec)
        rec.check(19)
        rec = Recorder()
        run_emerging(ws, cell_size=500.0, step="quarter", record=False, progress=rec)
        assert rec.calls == [(k, 6) for k in range(1, 7)]
        rec = Recorder()
        wf.borders(ws, cell_size=250, progress=rec)
        assert rec.calls and rec.calls[-1][0] == rec.calls[-1][1] >= 3
        rec.check(rec.calls[-1][1])
    finally:
        ws.close()
