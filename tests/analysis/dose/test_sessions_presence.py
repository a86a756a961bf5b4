"""Session building against a plain loop of the rule; dose measures by hand and against
scipy (the Poisson dose-response)."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import optimize

from hotspotwatch.analysis.dose.presence import (
    dose_response,
    length_distribution,
    minutes_by_hour_of_week,
    week_start,
    weekly_minutes,
)
from hotspotwatch.analysis.dose.sessions import build_sessions


def _loop_sessions(unit, t, x, y, gap, radius, min_dur):
    """The gap-and-radius rule, one ping at a time (the reference)."""
    order = np.lexsort((t, unit))
    out = []
    cur: list[int] = []

    def close() -> None:
        if len(cur) >= 2 and t[cur[-1]] - t[cur[0]] >= min_dur:
            out.append(
                (
                    int(unit[cur[0]]),
                    int(t[cur[0]]),
                    int(t[cur[-1]]),
                    len(cur),
                    float(np.mean(x[cur])),
                    float(np.mean(y[cur])),
                )
            )

    for i in order:
        if cur:
            a, prev = cur[0], cur[-1]
            if (
                unit[i] != unit[a]
                or t[i] - t[prev] > gap
                or (x[i] - x[a]) ** 2 + (y[i] - y[a]) ** 2 > radius**2
            ):
                close()
                cur = []
        cur.append(int(i))
    close()
    return out


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_build_sessions_matches_the_rule_ping_by_ping(seed: int) -> None:
    rng = np.random.default_rng(seed)
    n_units, per = 7, 600
    n = n_units * per
    unit = np.repeat(np.arange(n_units), per)
    # per unit: pings every ~40 s with some long gaps, a slow random walk with some jumps, so
    # that sessions break by gap and by radius both
    dt = rng.exponential(40, n) + (rng.random(n) < 0.02) * 1000
    t = np.concatenate([np.cumsum(dt[unit == u]) for u in range(n_units)]).astype(np.int64)
    x = np.cumsum(rng.normal(0, 6, n) + (rng.random(n) < 0.02) * 300)
    y = np.cumsum(rng.normal(0, 6, n))
    shuffle = rng.permutation(n)
    unit, t, x, y = unit[shuffle], t[shuffle], x[shuffle], y[shuffle]
    s = build_sessions(unit, t, x, y, gap_s=180, radius_m=80, min_duration_s=30)
    ref = _loop_sessions(unit, t, x, y, 180, 80, 30)
    got = list(
        zip(s.unit.tolist(), s.start_s.tolist(), s.end_s.tolist(), s.pings.tolist(), strict=True)
    )
    assert got == [r[:4] for r in ref]
    np.testing.assert_allclose(s.x, [r[4] for r in ref], rtol=0, atol=1e-9)
    np.testing.assert_allclose(s.y, [r[5] for r in ref], rtol=0, atol=1e-9)
    assert s.pings.sum() + s.dropped_pings == n
    assert len(s) > 50


def test_build_sessions_rejects_bad_input() -> None:
    with pytest.raises(ValueError, match="same length"):
        build_sessions(np.zeros(2), np.zeros(3), np.zeros(2), np.zeros(2))
    with pytest.raises(ValueError, match="finite"):
        build_sessions(np.zeros(2), np.zeros(2), np.array([0, np.nan]), np.zeros(2))
    assert len(build_sessions(np.zeros(0), np.zeros(0), np.zeros(0), np.zeros(0))) == 0


def test_weekly_minutes_split_across_weeks_and_units() -> None:
    monday = 1_709_510_400  # 2024-03-04 00:00 local
    w = weekly_minutes(
        np.array([0, 0, 1]),
        np.array([0, 1, 0]),
        np.array([monday - 3600, monday + 60, monday]),
        np.array([monday + 7200, monday + 660, monday + 8 * 86400]),
    )
    rows = {
        (int(p), int(u), str(week_start(int(k)))): (float(m), int(s))
        for p, u, k, m, s in zip(w.place, w.unit_type, w.week, w.minutes, w.sessions, strict=True)
    }
    assert rows == {
        (0, 0, "2024-02-26"): (60.0, 1),
        (0, 0, "2024-03-04"): (120.0, 0),
        (0, 1, "2024-03-04"): (10.0, 1),
        (1, 0, "2024-03-04"): (7 * 1440.0, 1),
        (1, 0, "2024-03-11"): (1440.0, 0),
    }


def test_minutes_by_hour_of_week_sum_to_the_sessions() -> None:
    rng = np.random.default_rng(4)
    s = rng.integers(0, 10**8, 300)
    e = s + rng.integers(1, 20000, 300)
    m = minutes_by_hour_of_week(s, e)
    assert m.sum() == pytest.approx((e - s).sum() / 60)


def test_length_distribution_quantiles_match_numpy() -> None:
    v = np.random.default_rng(1).lognormal(2.5, 0.7, 999)
    d = length_distribution(v)
    assert d.median == pytest.approx(float(np.median(v)))
    assert sum(d.counts) == 999


def test_dose_response_matches_direct_poisson_maximum_likelihood() -> None:
    rng = np.random.default_rng(7)
    n_p, n_w = 12, 30  # enough places for the cluster-robust interval
    a = rng.normal(0, 0.5, n_p)[:, None]
    b = rng.normal(0, 0.3, n_w)[None, :]
    h = rng.uniform(0, 20, (n_p, n_w))
    y = rng.poisson(np.exp(1 + a + b - 0.03 * h))
    res = dose_response(y, h, per_hours=10)

    def nll(theta: np.ndarray) -> float:
        ap = np.r_[0.0, theta[1:n_p]][:, None]
        bw = np.r_[0.0, theta[n_p : n_p + n_w - 1]][None, :]
        eta = theta[-1] + ap + bw + theta[0] * h
        return float(np.sum(np.exp(eta) - y * eta))

    opt = optimize.minimize(
        nll,
        np.zeros(1 + n_p - 1 + n_w - 1 + 1),
        method="BFGS",
        options={"gtol": 1e-8, "maxiter": 5000},
    )
    assert res.rate_ratio == pytest.approx(np.exp(10 * opt.x[0]), rel=1e-4)
    assert res.ci_low < res.rate_ratio < res.ci_high
    assert res.caveat == "dose is not randomised"


def test_dose_response_without_enough_harm_has_no_slope_instead_of_failing() -> None:
    from hotspotwatch.analysis.dose.presence import dose_response

    # one harm event in four place-weeks: the fixed-effects Poisson has no finite estimate
    r = dose_response(np.array([[0.0, 1.0], [0.0, 0.0]]), np.array([[1.0, 0.5], [0.5, 0.0]]))
    assert np.isnan(r.rate_ratio) and r.place_weeks == 4 and r.places == 2
    z = dose_response(np.zeros((2, 3)), np.array([[1.0, 2, 3], [0, 1, 0]]))
    assert np.isnan(z.rate_ratio)


@pytest.mark.parametrize("n_p", [2, 4, 9])
def test_dose_response_below_ten_places_gives_no_cluster_robust_interval(n_p: int) -> None:
    # Cameron & Miller (2015): with few clusters the sandwich interval is far too narrow (the
    # second-city review got 0.881 (0.878-0.884) over 2-4 hotspots); say the data cannot tell
    rng = np.random.default_rng(11)
    h = rng.uniform(0, 20, (n_p, 40))
    y = rng.poisson(np.exp(1 - 0.01 * h))
    res = dose_response(y, h, per_hours=10)
    assert np.isfinite(res.rate_ratio)
    assert np.isnan(res.ci_low) and np.isnan(res.ci_high)
    assert not res.has_interval and res.min_places == 10
    assert res.interval_note == f"too few places for a cluster-robust interval: {n_p} < 10"
    again = type(res).from_dict(res.to_dict())
    assert again.interval_note == res.interval_note and np.isnan(again.ci_low)


def test_dose_response_at_ten_places_keeps_its_interval() -> None:
    rng = np.random.default_rng(11)
    h = rng.uniform(0, 20, (10, 40))
    res = dose_response(rng.poisson(np.exp(1 - 0.01 * h)), h)
    assert res.has_interval and res.interval_note is None
    assert res.ci_low < res.rate_ratio < res.ci_high
