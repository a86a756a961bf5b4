"""Synthetic control (analysis.evaluate.synth) against pysyncon, by hand and on planted effects."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from pysyncon import Synth

from hotspotwatch.analysis.evaluate.synth import (
    SynthResult,
    _active_set,
    _nnls_route,
    disagreement,
    placebo_p_value,
    sdid_ridge,
    simplex_weights,
    synthetic_control,
)


def _panel(
    n_donors: int,
    n_months: int,
    *,
    seed: int,
    level: float = 15.0,
    effect: float = 1.0,
    n_pre: int | None = None,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Poisson counts with a shared seasonal factor; the treated unit is busier."""
    rng = np.random.default_rng(seed)
    t = np.arange(n_months)
    factor = 1.0 + 0.25 * np.sin(2 * np.pi * t / 12) + 0.01 * t
    levels = rng.uniform(2.0, 10.0, size=n_donors)
    donors = rng.poisson(levels[:, None] * factor).astype(float)
    pre = t < (n_pre if n_pre is not None else n_months - 12)
    mean = level * factor * np.where(pre, 1.0, effect)
    treated = rng.poisson(mean).astype(float)
    return treated, donors, pre


def _pysyncon_weights(target: np.ndarray, sources: np.ndarray) -> tuple[np.ndarray, float]:
    """pysyncon's SLSQP weights for min ||X1 - X0 w||^2 on the simplex.

    pysyncon divides every predictor row by its standard deviation across units and
    weights rows by ``custom_V``: giving the squared standard deviations as V undoes the
    scaling, so that both solve the same problem.
    """
    n_d = sources.shape[1]
    cols = [f"d{j}" for j in range(n_d)]
    x0 = pd.DataFrame(sources, columns=cols)
    x1 = pd.Series(target, name="treated")
    sd2 = pd.concat([x0, x1], axis=1).std(axis=1).to_numpy() ** 2
    s = Synth()
    s.fit(X0=x0, X1=x1, Z0=x0, Z1=x1, custom_V=sd2)
    w = np.asarray(s.W, dtype=float)
    return w, float(np.sum((target - sources @ w) ** 2))


def _indexed(y: np.ndarray, pre: np.ndarray) -> np.ndarray:
    return y / y[..., pre].mean(axis=-1, keepdims=True)


def test_weights_match_pysyncon_unpenalised() -> None:
    # 10 donors, 24 pre months: the unpenalised weights are unique
    treated, donors, pre = _panel(10, 36, seed=3)
    x1, x0 = _indexed(treated, pre), _indexed(donors, pre)
    ours, loss = simplex_weights(x1[pre], x0[:, pre].T)
    ref, ref_loss = _pysyncon_weights(x1[pre], x0[:, pre].T)
    assert ours.min() >= 0 and math.isclose(ours.sum(), 1.0, abs_tol=1e-12)
    # SLSQP stops at its tolerance; ours is the exact optimum (never worse)
    np.testing.assert_allclose(ours, ref, atol=2e-3)
    assert loss <= ref_loss + 1e-10
    assert loss == pytest.approx(ref_loss, rel=1e-4)


def test_estimate_matches_pysyncon_unpenalised() -> None:
    treated, donors, pre = _panel(10, 36, seed=5, effect=0.7)
    res = synthetic_control(treated, donors, pre=pre, post=~pre, ridge=0.0)
    x1, x0 = _indexed(treated, pre), _indexed(donors, pre)
    ref, _ = _pysyncon_weights(x1[pre], x0[:, pre].T)
    synth_ref = treated[pre].mean() * (ref @ x0)
    irr_ref = treated[~pre].sum() / synth_ref[~pre].sum()
    assert res.irr == pytest.approx(irr_ref, rel=1e-3)
    np.testing.assert_allclose(res.synthetic, synth_ref, rtol=1e-3)
    np.testing.assert_allclose(res.gap, treated - synth_ref, atol=1e-2)
    # indexed fit: the synthetic matches the pre-period total exactly
    assert res.synthetic[pre].sum() == pytest.approx(treated[pre].sum(), rel=1e-12)


def test_ridge_weights_match_pysyncon_with_augmented_predictors() -> None:
    # ridge lambda ||w||^2 = extra predictors sqrt(lambda) e_j (donors) against 0 (treated)
    treated, donors, pre = _panel(12, 36, seed=7)
    x1, x0 = _indexed(treated, pre), _indexed(donors, pre)
    lam = sdid_ridge(x0[:, pre], post_months=12)
    assert lam > 0
    ours, _ = simplex_weights(x1[pre], x0[:, pre].T, ridge=lam)
    a = np.vstack([x0[:, pre].T, math.sqrt(lam) * np.eye(12)])
    b = np.concatenate([x1[pre], np.zeros(12)])
    ref, ref_obj = _pysyncon_weights(b, a)
    np.testing.assert_allclose(ours, ref, atol=2e-3)
    obj = float(np.sum((b - a @ ours) ** 2))
    assert obj <= ref_obj + 1e-10
    # the default estimate (SDID ridge) from pysyncon's weights
    res = synthetic_control(treated, donors, pre=pre, post=~pre)
    assert res.ridge == pytest.approx(lam, rel=1e-12)
    synth_ref = treated[pre].mean() * (ref @ x0)
    assert res.irr == pytest.approx(treated[~pre].sum() / synth_ref[~pre].sum(), rel=1e-3)
    np.testing.assert_allclose(res.synthetic, synth_ref, rtol=1e-3)


def test_active_set_equals_nnls_route_and_kkt() -> None:
    rng = np.random.default_rng(11)
    for _ in range(20):
        a = rng.poisson(3.0, size=(24, 200)) / 3.0
        b = rng.poisson(12.0, size=24) / 12.0
        lam = float(rng.uniform(1.0, 200.0))
        w1 = _active_set(a, b, lam)
        assert w1 is not None
        w2 = _nnls_route(a, b, lam)
        np.testing.assert_allclose(w1, w2, atol=1e-7)
        # no feasible direction improves the objective: compare with random simplex moves
        f = float(np.sum((b - a @ w1) ** 2) + lam * np.sum(w1**2))
        for _ in range(5):
            v = rng.dirichlet(np.ones(200))
            z = 0.99 * w1 + 0.01 * v
            assert float(np.sum((b - a @ z) ** 2) + lam * np.sum(z**2)) >= f - 1e-12


def test_placebo_p_value_is_rank_over_donors_plus_one_by_hand() -> None:
    assert placebo_p_value(2.0, [0.5, -3.0, 1.0, 2.5]) == pytest.approx(3 / 5)
    assert placebo_p_value(-4.0, [0.5, -3.0, 1.0, 2.5]) == pytest.approx(1 / 5)
    assert placebo_p_value(0.1, [0.5, -3.0, 1.0, 2.5]) == pytest.approx(5 / 5)


def test_placebo_statistics_and_p_value_recomputed_by_hand() -> None:
    # 6 donors, 24 pre months: every placebo (5 donors) has unique weights (pysyncon)
    treated, donors, pre = _panel(6, 30, seed=13, effect=0.6, n_pre=24)
    post = ~pre
    res = synthetic_control(treated, donors, pre=pre, post=post, ridge=0.0)
    x1, x0 = _indexed(treated, pre), _indexed(donors, pre)

    def stat(target: np.ndarray, pool: np.ndarray) -> float:
        w, _ = _pysyncon_weights(target[pre], pool[:, pre].T)
        synth = w @ pool
        rmspe = math.sqrt(np.mean((target[pre] - synth[pre]) ** 2))
        return math.log(target[post].sum() / synth[post].sum()) / rmspe

    t1 = stat(x1, x0)
    placebos = [stat(x0[j], np.delete(x0, j, axis=0)) for j in range(6)]
    assert res.statistic == pytest.approx(t1, rel=1e-2)
    np.testing.assert_allclose(res.placebo_statistics, placebos, rtol=1e-2)
    rank = 1 + sum(abs(t) >= abs(t1) for t in placebos)  # the treated unit's rank
    assert res.p_value == pytest.approx(rank / (6 + 1))
    assert res.donors == 6
    # fewer than 1/alpha - 1 donors: nothing can be rejected
    assert (res.ci_low, res.ci_high) == (0.0, math.inf)


def test_interval_inverts_the_placebo_test() -> None:
    treated, donors, pre = _panel(60, 36, seed=17, effect=0.75)
    post = ~pre
    res = synthetic_control(treated, donors, pre=pre, post=post)
    assert res.ci_low < res.irr < res.ci_high
    for bound, inside, outside in ((res.ci_low, 1.001, 0.999), (res.ci_high, 0.999, 1.001)):
        for factor, accepted in ((inside, True), (outside, False)):
            shifted = treated.copy()
            # H0: ratio r -> divide the post-period by r; weights and placebos do not move
            shifted[post] /= bound * factor
            p = synthetic_control(shifted, donors, pre=pre, post=post, ridge=res.ridge).p_value
            assert (p > res.alpha) is accepted
    # consistent with the p-value of ratio 1
    assert (res.ci_low <= 1.0 <= res.ci_high) == (res.p_value > res.alpha)


def test_planted_effect_is_recovered() -> None:
    treated, donors, pre = _panel(200, 36, seed=19, level=30.0, effect=0.6)
    res = synthetic_control(treated, donors, pre=pre, post=~pre)
    assert res.ci_low < 0.6 < res.ci_high
    assert res.irr == pytest.approx(0.6, abs=0.06)
    assert res.p_value <= 1 / 201 + 1e-12  # the most extreme of all 201 units
    assert res.ci_high < 1.0
    assert res.donors == 200 and len(res.placebo_statistics) == 200
    w = np.array([w for _, w in res.weights])
    assert w.min() > 0 and w.sum() == pytest.approx(1.0, abs=1e-9)


def test_null_intervals_cover_one_at_about_the_nominal_rate() -> None:
    covered = 0
    reps = 40
    for seed in range(reps):
        treated, donors, pre = _panel(100, 36, seed=100 + seed, level=20.0)
        res = synthetic_control(treated, donors, pre=pre, post=~pre)
        covered += res.ci_low <= 1.0 <= res.ci_high
    # 95 % nominal; binomial sd over 40 draws is 3.4 points
    assert covered / reps >= 0.85


def test_months_outside_pre_and_post_are_ignored() -> None:
    treated, donors, pre = _panel(30, 36, seed=23)
    post = ~pre
    gap_month = np.zeros(36, dtype=bool)
    gap_month[5] = True
    t2, d2 = treated.copy(), donors.copy()
    t2[5], d2[:, 5] = np.nan, np.nan  # a missing month
    res = synthetic_control(t2, d2, pre=pre & ~gap_month, post=post)
    ref = synthetic_control(
        np.delete(treated, 5),
        np.delete(donors, 5, axis=1),
        pre=np.delete(pre, 5),
        post=np.delete(post, 5),
    )
    assert res.irr == pytest.approx(ref.irr, rel=1e-12)
    assert math.isnan(res.gap[5]) and res.pre_months == 23


def test_donors_without_pre_events_are_left_out_and_ids_kept() -> None:
    treated, donors, pre = _panel(25, 30, seed=29)
    donors[3, pre] = 0.0
    res = synthetic_control(treated, donors, pre=pre, post=~pre, donor_ids=np.arange(25) + 1000)
    assert res.donors == 24
    assert all(c >= 1000 and c != 1003 for c, _ in res.weights)
    assert res.weights_top(3) == [{"cell": c, "weight": w} for c, w in res.weights[:3]]


def test_round_trip() -> None:
    treated, donors, pre = _panel(25, 30, seed=31)
    res = synthetic_control(treated, donors, pre=pre, post=~pre)
    back = SynthResult.from_dict(res.to_dict())
    assert back.to_dict() == res.to_dict()
    small = synthetic_control(treated, donors[:5], pre=pre, post=~pre)
    assert SynthResult.from_dict(small.to_dict()).ci_high == math.inf


def test_bad_input_is_refused() -> None:
    treated, donors, pre = _panel(5, 20, seed=37)
    with pytest.raises(ValueError, match="no pre-period event"):
        synthetic_control(np.where(pre, 0.0, treated), donors, pre=pre, post=~pre)
    with pytest.raises(ValueError, match="overlap"):
        synthetic_control(treated, donors, pre=pre, post=np.ones(20, dtype=bool))
    with pytest.raises(ValueError, match="n_donors, n_months"):
        synthetic_control(treated, donors[:, :5], pre=pre, post=~pre)
    with pytest.raises(ValueError, match="ridge"):
        simplex_weights([1.0], [[1.0, 2.0]], ridge=-1.0)


def _result(irr: float, lo: float, hi: float) -> SynthResult:
    z = np.zeros(0)
    return SynthResult(
        irr, lo, hi, 0.5, math.log(irr), 0.0, 1.0, 1.0, 200, (), z, z, z, 24, 12, 0.05
    )


@pytest.mark.parametrize(
    ("label", "did_irr", "sc", "expected"),
    [
        ("reduction", 0.7, (1.3, 1.1, 1.5), "opposite"),  # both significant, opposite ways
        ("no_detectable_change", 0.9, (1.3, 1.1, 1.5), "opposite"),  # SC clear of the DiD's side
        ("increase", 1.4, (0.7, 0.6, 0.8), "opposite"),
        ("reduction", 0.7, (1.0, 0.9, 1.1), "unsupported"),  # SC: no change, rules out 0.7
        ("increase", 1.3, (1.0, 0.9, 1.1), "unsupported"),
        ("reduction", 0.7, (0.8, 0.6, 1.05), None),  # SC less precise: compatible
        ("reduction", 0.7, (0.72, 0.6, 0.85), None),  # SC agrees
        ("no_detectable_change", 0.7, (1.0, 0.9, 1.1), None),  # no verdict to contradict
        ("reduction", 0.7, (1.3, 0.0, math.inf), None),  # SC uninformative
        ("reduction", 0.7, (1.3, 1.1, math.nan), None),
    ],
)
def test_disagreement_rule(
    label: str, did_irr: float, sc: tuple[float, float, float], expected: str | None
) -> None:
    assert disagreement(label, did_irr, _result(*sc)) == expected
    assert disagreement(label, did_irr, None) is None
