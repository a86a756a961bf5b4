"""Incidents in context against scipy's binomial, the power module, a closed form and
statsmodels."""

from __future__ import annotations

import datetime as dt
import itertools
import math

import numpy as np
import pytest
from scipy import stats
from statsmodels.stats.rates import power_poisson_ratio_2indep

from hotspotwatch.analysis.evaluate.incidents import (
    IncidentsInContext,
    incidents_in_context,
    poisson_binomial_sf,
    years_to_detect,
)
from hotspotwatch.analysis.evaluate.power import min_detectable_ratio
from hotspotwatch.domain.designation import Period

D = dt.date
DESIGNATED = D(2024, 3, 28)


def _ord(days):
    return np.array([d.toordinal() for d in days], dtype=np.int64)


def _city(
    *,
    pre_in=35,
    pre_out=65,
    window_in=3,
    window_out=1,
    designated=DESIGNATED,
    data_start=D(2022, 1, 1),
):
    """``pre_in`` incidents in place A and ``pre_out`` elsewhere, spread over the 24
    months before ``designated``, then ``window_in``/``window_out`` in the first week of
    June 2025."""
    pre_start = D(designated.year - 2, designated.month, designated.day)
    span = (designated - pre_start).days
    pre = [
        pre_start + dt.timedelta(days=int(i * span / (pre_in + pre_out)))
        for i in range(pre_in + pre_out)
    ]
    where = [True] * pre_in + [False] * pre_out
    rng = np.random.default_rng(0)
    rng.shuffle(where)
    window = [D(2025, 6, 2 + i) for i in range(window_in + window_out)]
    days = pre + window
    inside = np.array(where + [True] * window_in + [False] * window_out)[:, None]
    return dict(
        category="shooting",
        start=D(2025, 6, 1),
        end=D(2025, 6, 7),
        first_day=_ord(days),
        last_day=_ord(days),
        inside=inside,
        places=["A"],
        periods={"A": [Period(designated, None)]},
        data_start=data_start,
    )


def test_p_value_equals_scipy_binomial_upper_tail():
    r = incidents_in_context(**_city())
    assert (r.n, r.k) == (4, 3)
    assert r.expected_share == pytest.approx(0.35, abs=1e-15)  # unrounded: 35 / 100
    assert r.p_value == pytest.approx(stats.binom.sf(2, 4, 0.35), rel=1e-12)
    assert r.p_value == pytest.approx(0.1265, abs=5e-5)  # the "13 %"
    assert r.expected_k == pytest.approx(4 * 0.35)
    assert r.status == "ok" and r.designated_sets == 1


@pytest.mark.parametrize("n,p", [(1, 0.2), (7, 0.05), (25, 0.4), (60, 0.9)])
def test_poisson_binomial_with_equal_shares_is_scipy_binomial(n, p):
    for k in range(n + 2):
        assert poisson_binomial_sf(k, [p] * n) == pytest.approx(
            stats.binom.sf(k - 1, n, p), rel=1e-10, abs=1e-15
        )


def test_poisson_binomial_matches_enumeration():
    probs = [0.1, 0.5, 0.35, 0.8, 0.02]
    for k in range(7):
        brute = sum(
            math.prod(p if b else 1 - p for p, b in zip(probs, bits, strict=True))
            for bits in itertools.product([0, 1], repeat=len(probs))
            if sum(bits) >= k
        )
        assert poisson_binomial_sf(k, probs) == pytest.approx(brute, abs=1e-14)


@pytest.mark.parametrize("annual", [5.0, 25.0, 70.0, 400.0])
@pytest.mark.parametrize("ratio", [0.8, 1.2])
def test_years_to_detect_matches_closed_form_and_power_module(annual, ratio):
    t = years_to_detect(annual, ratio)
    k = stats.norm.isf(0.025) + stats.norm.ppf(0.8)
    closed = k**2 * (1 + 1 / ratio) / (annual * math.log(ratio) ** 2)
    assert t == pytest.approx(closed, rel=1e-8)
    mdr = min_detectable_ratio(annual * t)
    assert (mdr.ratio if ratio < 1 else mdr.increase_ratio) == pytest.approx(ratio, rel=1e-8)
    # and statsmodels' power of T years against T years is 80 %
    pw = power_poisson_ratio_2indep(
        ratio * annual * t,
        annual * t,
        1,
        value=1,
        method_var="alt",
        alternative="two-sided",
        return_results=False,
    )
    assert pw == pytest.approx(0.8, abs=2e-3)


def test_years_to_detect_uses_the_designated_places_rate_and_the_slower_direction():
    r = incidents_in_context(**_city())
    # 35 incidents in the 24 months before designation: 17.5 a year
    assert r.designated_per_year == pytest.approx(35 / 2, rel=1e-3)
    assert r.region_per_year == pytest.approx(100 / 2, rel=1e-3)
    assert r.years_to_detect_reduction == pytest.approx(years_to_detect(r.designated_per_year, 0.8))
    assert r.years_to_detect_increase == pytest.approx(years_to_detect(r.designated_per_year, 1.2))
    assert r.years_to_detect == max(r.years_to_detect_reduction, r.years_to_detect_increase)
    assert r.years_to_detect == r.years_to_detect_increase  # a rise of 20 % needs longer


def test_no_incidents_gives_no_p_value_but_a_share_and_a_horizon():
    r = incidents_in_context(**_city(window_in=0, window_out=0))
    assert (r.n, r.k, r.status) == (0, 0, "no_incidents")
    assert r.p_value is None and r.expected_k is None
    assert r.expected_share == pytest.approx(0.35)
    assert r.years_to_detect is not None


def test_no_designation_in_the_window():
    kw = _city()
    kw["periods"] = {"A": [Period(DESIGNATED, D(2025, 1, 1))]}  # ended before June 2025
    r = incidents_in_context(**kw)
    assert r.status == "no_designations"
    assert r.k == 0 and r.n == 4
    assert r.expected_share is None and r.p_value is None and r.places == ()


def test_no_data_before_designation():
    kw = _city()
    keep = kw["first_day"] >= D(2025, 1, 1).toordinal()  # only the window's incidents
    kw.update(
        first_day=kw["first_day"][keep],
        last_day=kw["last_day"][keep],
        inside=kw["inside"][keep],
        data_start=D(2025, 1, 1),
    )
    r = incidents_in_context(**kw)
    assert r.status == "no_baseline"
    assert r.expected_share is None and r.p_value is None and r.years_to_detect is None
    assert r.places[0].baseline_months == 0


def test_short_baseline_is_cut_at_the_first_day_of_data_and_flagged():
    kw = _city(data_start=D(2023, 3, 28))
    r = incidents_in_context(**kw)
    (a,) = r.places
    assert a.baseline_start == D(2023, 3, 28) and a.baseline_end == DESIGNATED
    assert a.baseline_months == pytest.approx(12, abs=0.05)
    assert r.short_baseline
    # the share is that of the incidents in the shorter window
    days = kw["first_day"]
    sel = (days >= D(2023, 3, 28).toordinal()) & (days < DESIGNATED.toordinal())
    assert r.expected_share == pytest.approx(kw["inside"][sel, 0].mean())
    assert not incidents_in_context(**_city()).short_baseline


def test_incident_before_designation_day_is_not_counted_in_a_designated_place():
    kw = _city()
    kw["periods"] = {"A": [Period(D(2025, 6, 4), None)]}  # designated mid-window
    r = incidents_in_context(**kw)
    # incidents on 2, 3 June (inside) happened before designation; 4 June inside counts
    assert r.k == 1 and r.n == 4
    assert r.designated_sets == 2
    pis = [0.0, 0.0, r.places[0].share, r.places[0].share]
    assert r.p_value == pytest.approx(poisson_binomial_sf(1, pis))
    assert r.expected_share == pytest.approx(np.mean(pis))


def test_month_precision_uses_whole_months_and_leaves_out_unplaceable_incidents():
    kw = _city(window_in=0, window_out=0)
    # month-precision incidents: June 2025 (designation 15 June: cannot be placed) and July
    kw["periods"] = {"A": [Period(D(2024, 3, 28), None)], "B": [Period(D(2025, 6, 15), None)]}
    kw["places"] = ["A", "B"]
    lo = [*list(kw["first_day"]), D(2025, 6, 1).toordinal(), D(2025, 7, 1).toordinal()]
    hi = [*list(kw["last_day"]), D(2025, 6, 30).toordinal(), D(2025, 7, 31).toordinal()]
    inside = np.column_stack(
        [np.append(kw["inside"][:, 0], [True, True]), np.zeros(len(lo), dtype=bool)]
    )
    kw.update(
        first_day=np.array(lo),
        last_day=np.array(hi),
        inside=inside,
        start=D(2025, 6, 1),
        end=D(2025, 7, 31),
        time_precision="month",
    )
    r = incidents_in_context(**kw)
    assert r.n_left_out == 1 and (r.n, r.k) == (1, 1)
    a = next(p for p in r.places if p.name == "A")
    assert a.baseline_end == D(2024, 3, 1) and a.baseline_start == D(2022, 3, 1)


def test_model_share_applies_the_places_rate_ratios():
    r = incidents_in_context(**_city(), model_irr={"A": 0.5}, model={"run": "abc"})
    s = 0.35
    assert r.expected_share_model == pytest.approx(s * 0.5 / (1 - s + s * 0.5))
    assert r.p_value_model == pytest.approx(stats.binom.sf(2, 4, r.expected_share_model))
    assert r.parameters["model"] == {"run": "abc"}
    # without a rate ratio the model share is the plain share
    assert incidents_in_context(**_city()).expected_share_model == pytest.approx(s)


def test_overlapping_places_count_an_incident_once():
    kw = _city()
    kw["places"] = ["A", "A2"]
    kw["inside"] = np.column_stack([kw["inside"][:, 0], kw["inside"][:, 0]])
    kw["periods"] = {"A": [Period(DESIGNATED, None)], "A2": [Period(DESIGNATED, None)]}
    r = incidents_in_context(**kw)
    assert r.expected_share == pytest.approx(0.35)
    assert sum(p.count for p in r.places) == 35


def test_round_trip():
    r = incidents_in_context(**_city(), model_irr={"A": 0.7})
    d = r.to_dict()
    back = IncidentsInContext.from_dict(d)
    assert back.to_dict() == d
    assert back.places[0].first_designated == DESIGNATED
