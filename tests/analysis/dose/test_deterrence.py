"""Residual deterrence: the grid's Efron likelihood against statsmodels PHReg, PHReg against
lifelines CoxPHFitter (both Efron ties), follow-ups by hand, and a planted threshold."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
import pytest
from tests.helpers import require_module

from hotspotwatch.analysis.dose.deterrence import (
    FollowUps,
    _outward,
    _Profile,
    follow_ups,
    koper_curve,
    phreg_fit,
    phreg_model,
    profile_grid,
    split_at,
)


def _planted(
    n: int,
    *,
    seed: int,
    threshold: float = 15.0,
    duration: float = 30.0,
    ratio: float = 0.4,
    round_to: float | None = None,
) -> FollowUps:
    """Follow-ups with hazard x ``ratio`` in the first ``duration`` minutes after sessions
    longer than ``threshold`` (piecewise exponential), 6 strata with different baselines."""
    rng = np.random.default_rng(seed)
    length = rng.lognormal(np.log(14), 0.6, n)
    stratum = rng.integers(0, 6, n)
    base = np.array([1 / 50, 1 / 80, 1 / 120, 1 / 60, 1 / 200, 1 / 90])[stratum]
    h1 = np.where(length > threshold, base * ratio, base)
    e1 = rng.exponential(1.0, n)
    # inverse of the piecewise cumulative hazard
    t = np.where(e1 <= h1 * duration, e1 / h1, duration + (e1 - h1 * duration) / base)
    censor = rng.uniform(20, 240, n)
    time = np.minimum(np.minimum(t, censor), 120.0)
    event = (t <= censor) & (t <= 120.0)
    if round_to:
        time = np.maximum(np.ceil(time / round_to) * round_to, round_to)
    return FollowUps(
        np.arange(n), np.zeros(n, dtype=np.int64), length, time, event, stratum.astype(np.int64), 0
    )


def _lifelines_coef(rows: dict[str, np.ndarray]) -> float:
    # dev-only reference: skipped on a laptop without it, a failure under CI=true
    lifelines: Any = require_module("lifelines")
    df = pd.DataFrame(
        {
            "entry": rows["entry"],
            "exit": rows["exit"],
            "event": rows["event"].astype(int),
            "z": rows["z"],
            "stratum": rows["stratum"],
        }
    )
    cph = lifelines.CoxPHFitter()
    cph.fit(
        df,
        duration_col="exit",
        event_col="event",
        entry_col="entry",
        strata=["stratum"],
        fit_options={"precision": 1e-12, "max_steps": 200},
    )
    return float(cph.params_["z"])


@pytest.mark.parametrize("round_to", [None, 1.0])
def test_phreg_coefficient_matches_lifelines_efron(round_to: float | None) -> None:
    # rounded to the minute: many ties, where Efron and Breslow differ
    f = _planted(3000, seed=3, round_to=round_to)
    rows = split_at(f, 15.0, 30.0)
    coef, se = phreg_fit(rows)
    assert abs(coef - _lifelines_coef(rows)) < 1e-6
    assert se > 0
    if round_to:  # the tie rule matters here: Breslow gives another coefficient
        from statsmodels.duration.hazard_regression import PHReg

        breslow = PHReg(
            rows["exit"],
            rows["z"][:, None],
            status=rows["event"].astype(float),
            entry=rows["entry"],
            strata=rows["stratum"],
            ties="breslow",
        ).fit()
        assert abs(float(breslow.params[0]) - coef) > 1e-4


@pytest.mark.parametrize("round_to", [None, 1.0])
@pytest.mark.parametrize(("thr", "dur"), [(15.0, 30.0), (8.0, 60.0), (25.0, 10.0)])
def test_grid_efron_likelihood_matches_phreg(
    round_to: float | None, thr: float, dur: float
) -> None:
    f = _planted(2000, seed=5, round_to=round_to)
    rows = split_at(f, thr, dur)
    coef, _ = phreg_fit(rows)
    prof = _Profile(f)
    n1, m1 = prof.counts(thr)
    within = prof.tau <= dur
    beta, ll, _ = prof.fit(np.where(within, n1, 0.0), np.where(within, m1, 0.0))
    assert abs(beta - coef) < 1e-6
    assert abs(ll - phreg_model(rows).loglike(np.array([coef]))) < 1e-6


def test_planted_threshold_and_duration_are_recovered() -> None:
    f = _planted(20000, seed=11)
    k = koper_curve(f)
    assert k.can_tell and k.reason == ""
    assert k.best_session_minutes.ci_low <= 15 <= k.best_session_minutes.ci_high
    assert k.deterrence_minutes.ci_low <= 30 <= k.deterrence_minutes.ci_high
    assert 0.25 < k.hazard_ratio < 0.6
    assert k.hr_ci_low < k.hazard_ratio < k.hr_ci_high
    d = k.to_dict()
    assert set(d["best_session_minutes"]) == {"estimate", "ci_low", "ci_high"}
    assert type(k).from_dict(d).best_session_minutes == k.best_session_minutes


def test_interval_ends_move_out_by_one_grid_step() -> None:
    grid = np.arange(1.0, 46.0)
    assert _outward(grid, np.array([15.0])) == (14.0, 16.0)
    assert _outward(grid, np.array([12.0, 13.0, 14.0])) == (11.0, 15.0)
    # clipped to the grid's ends
    assert _outward(grid, np.array([1.0, 2.0])) == (1.0, 3.0)
    assert _outward(grid, np.array([45.0])) == (44.0, 45.0)


@pytest.mark.parametrize("seed", [11, 12, 13])
def test_off_grid_planted_values_are_covered(seed: int) -> None:
    # A threshold of 14.5 min and a duration of 27.5 min lie between grid values (1 and 5 min
    # steps): the profile peaks at a neighbouring grid value, and only an interval stated at
    # the grid's resolution can cover the planted value.
    f = _planted(20000, seed=seed, threshold=14.5, duration=27.5)
    k = koper_curve(f)
    assert k.can_tell
    b, d = k.best_session_minutes, k.deterrence_minutes
    assert b.ci_low <= 14.5 <= b.ci_high
    assert d.ci_low <= 27.5 <= d.ci_high
    assert b.ci_high - b.ci_low >= 2.0 and d.ci_high - d.ci_low >= 10.0


def test_no_effect_says_the_data_cannot_tell() -> None:
    f = _planted(5000, seed=2, ratio=1.0)
    k = koper_curve(f)
    assert not k.can_tell
    assert k.reason in {"no deterrence detected", "threshold not identified"}
    assert np.isnan(k.best_session_minutes.estimate)
    assert k.to_dict()["best_session_minutes"]["estimate"] is None


def test_too_few_events() -> None:
    f = _planted(30, seed=2)
    k = koper_curve(f)
    assert k.reason == "too few events" and not k.can_tell


def test_profile_is_the_maximised_likelihood() -> None:
    f = _planted(1500, seed=8)
    ll, beta, null = profile_grid(
        f, thresholds=np.array([10.0, 15.0]), durations=np.array([20.0, 30.0])
    )
    coef, _ = phreg_fit(split_at(f, 15.0, 30.0))
    assert abs(beta[1, 1] - coef) < 1e-6
    assert (ll >= null - 1e-9).all()  # beta = 0 is in the search


def test_follow_ups_by_hand() -> None:
    # place 0: sessions [0, 600] and [4000, 4600]; harm at 1800 -> first: event after 20 min;
    # second: no harm, censored at 120 min. Place 1: [0, 900] covered by [300, 1200];
    # [300, 1200] then censored at the next session start 1500; [1500, 1800] harm at 2100.
    f = follow_ups(
        place=np.array([0, 0, 1, 1, 1]),
        start_s=np.array([0, 4000, 0, 300, 1500]),
        end_s=np.array([600, 4600, 900, 1200, 1800]),
        end_hour_of_week=np.array([0, 5, 9, 30, 167]),
        harm_place=np.array([0, 1, 1]),
        harm_s=np.array([1800, 2100, 600]),
    )
    assert f.covered == 1
    assert f.session.tolist() == [0, 1, 3, 4]
    assert f.time_min.tolist() == [20.0, 120.0, 5.0, 5.0]
    assert f.event.tolist() == [True, False, False, True]
    assert f.stratum.tolist() == [0, 1, 7, 41]
    assert f.length_min.tolist() == [10.0, 10.0, 15.0, 5.0]
