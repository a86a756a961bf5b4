"""Simulated Brussels with ``selection="peak"``: each designation follows a harm spike.

References: Poisson counts (mean = variance). A sum of per-circle counts where circles
overlap counts an event once per circle holding it, so its variance is
:math:`\\sum_i k_i^2` with :math:`k_i` the number of circles event :math:`i` lies in (the
Poisson variance of each point's multiplicity). Log ratio of two independent such sums:
variance :math:`V_1/S_1^2 + V_0/S_0^2` (delta method).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import math

import numpy as np
import pandas as pd
import pytest

from hotspotwatch.scenarios.brussels import SimulationConfig, simulate
from hotspotwatch.scenarios.brussels.setup import make_setup, spike_window_start

SEED = 20240328
START, END = "2022-06-01", "2024-09-30"
MARCH_2024 = "2024-03-28"
Z = 3.5  # two-sided tolerance in standard deviations (false alarm about 5e-4 per check)


def _fingerprint(events: pd.DataFrame) -> str:
    h = hashlib.sha256()
    for c in events.columns:
        col = events[c]
        if c == "occurred_at":
            h.update(col.astype("int64").to_numpy().tobytes())
        elif c in ("x", "y"):
            h.update(col.to_numpy(dtype="float64").tobytes())
        else:
            h.update("\n".join(col.astype(str)).encode())
    return h.hexdigest()


@pytest.fixture(scope="module")
def peak() -> tuple[pd.DataFrame, dict]:  # type: ignore[type-arg]
    res = simulate(seed=SEED, start=START, end=END, selection="peak")
    return res.events, res.truth


@pytest.fixture(scope="module")
def none_truth() -> dict:  # type: ignore[type-arg]
    return simulate(seed=SEED, start=START, end=END).truth


def _local(events: pd.DataFrame) -> pd.Series:
    return events["occurred_at"].dt.tz_convert("Europe/Brussels").dt.tz_localize(None)


def _circle_sum(
    events: pd.DataFrame, truth: dict, start: str, end: str, names: list[str]
) -> tuple[int, int]:
    """Sum over hotspots of events in their circle in [start, end): (sum, variance)."""
    t = _local(events)
    sel = events[(t >= pd.Timestamp(start)) & (t < pd.Timestamp(end))]
    x, y = sel["x"].to_numpy(), sel["y"].to_numpy()
    k = np.zeros(len(sel), dtype=np.int64)
    for name in names:
        h = truth["hotspots"][name]
        k += np.hypot(x - h["x"], y - h["y"]) < truth["radius_m"]
    return int(k.sum()), int((k**2).sum())


def _march_sites(truth: dict) -> list[str]:  # type: ignore[type-arg]
    return [n for n, h in truth["hotspots"].items() if h["designated"] == MARCH_2024]


def test_selection_none_gives_the_events_of_before_the_option() -> None:
    # Fingerprint of simulate(seed=5, start="2023-06-01", end="2024-06-30") taken on main
    # before `selection` existed (commit b9cfdc3): "none" must not draw one number differently.
    res = simulate(seed=5, start="2023-06-01", end="2024-06-30", selection="none")
    assert len(res.events) == 20749
    assert _fingerprint(res.events) == (
        "b458ad9a08341b117a114fca8e0e51701cba6f7d4cd10ea3872b6130de28cc13"
    )
    assert res.truth["selection"] == "none" and res.truth["selection_spike"] is None


def test_harm_in_the_window_is_forty_percent_above_the_same_months_a_year_before(
    peak: tuple[pd.DataFrame, dict],  # type: ignore[type-arg]
) -> None:
    events, truth = peak
    harm = events[events["role"] == "harm"]
    names = _march_sites(truth)
    assert len(names) == 15
    s1, v1 = _circle_sum(harm, truth, "2023-09-28", MARCH_2024, names)
    s0, v0 = _circle_sum(harm, truth, "2022-09-28", "2023-03-28", names)
    sd = math.sqrt(v1 / s1**2 + v0 / s0**2)
    # Counterfactual harm is the same in both windows (constant rates, the same seasonal
    # shape every year) except shootings (56 -> 62 a year, under 1 % of harm): 0.01 covers it.
    assert abs(math.log(s1 / s0) - math.log(1.4)) < Z * sd + 0.01, (s1, s0, s1 / s0)
    assert s1 / s0 > 1.2  # far from 1: the spike shows at scale 1


def test_observed_window_counts_match_the_truths_expected_spike(
    peak: tuple[pd.DataFrame, dict],  # type: ignore[type-arg]
) -> None:
    events, truth = peak
    harm = events[events["role"] == "harm"]
    names = _march_sites(truth)
    spike = truth["selection_spike"]["hotspots"]
    expected = sum(
        spike[n]["expected_harm_without_spike"] + spike[n]["expected_extra_harm"] for n in names
    )
    s1, v1 = _circle_sum(harm, truth, "2023-09-28", MARCH_2024, names)
    # Poisson variance of the multiplicity-weighted sum, from the expectation (V/S from data).
    assert abs(s1 - expected) < Z * math.sqrt(expected * v1 / s1), (s1, expected)


def test_the_spike_ends_on_the_designation_day(
    peak: tuple[pd.DataFrame, dict],  # type: ignore[type-arg]
) -> None:
    events, truth = peak
    harm = events[events["role"] == "harm"]
    names = _march_sites(truth)
    # Six months after designation against the same months a year before (both outside any
    # window): the ratio is the planted effect alone, not the effect times 1.4.
    s1, v1 = _circle_sum(harm, truth, MARCH_2024, "2024-09-28", names)
    s0, v0 = _circle_sum(harm, truth, "2023-03-28", "2023-09-28", names)
    planted = sum(truth["hotspots"][n]["expected_post_harm"] for n in names) / sum(
        truth["hotspots"][n]["expected_post_harm_counterfactual"] for n in names
    )
    sd = math.sqrt(v1 / s1**2 + v0 / s0**2)
    assert abs(math.log(s1 / s0) - math.log(planted)) < Z * sd + 0.01, (s1 / s0, planted)
    assert s1 / s0 < 1.0
    # The field itself switches on the window's first day and off on the designation day.
    setup = make_setup(
        seed=SEED, scale=1.0, start=START, end=END, geography=None, hotspots=None,
        config=None, radius_m=250.0, selection="peak",
    )  # fmt: skip
    day = {d.date(): i for i, d in enumerate(setup.days)}
    march = [i for i, s in enumerate(setup.sites) if s.designated == dt.date(2024, 3, 28)]
    assert setup.spiking(day[dt.date(2023, 9, 27)]) == []
    assert setup.spiking(day[dt.date(2023, 9, 28)]) == march
    assert setup.spiking(day[dt.date(2024, 3, 27)]) == march
    aumale = [i for i, s in enumerate(setup.sites) if s.name == "Aumale"]
    assert setup.spiking(day[dt.date(2024, 3, 28)]) == []  # Aumale's window opens on 4 April
    assert setup.spiking(day[dt.date(2024, 4, 3)]) == []
    assert setup.spiking(day[dt.date(2024, 4, 4)]) == aumale


def test_enforcement_does_not_spike(peak: tuple[pd.DataFrame, dict]) -> None:  # type: ignore[type-arg]
    events, truth = peak
    enf = events[events["role"] == "enforcement"]
    names = _march_sites(truth)
    s1, v1 = _circle_sum(enf, truth, "2023-09-28", MARCH_2024, names)
    s0, v0 = _circle_sum(enf, truth, "2022-09-28", "2023-03-28", names)
    sd = math.sqrt(v1 / s1**2 + v0 / s0**2)
    assert abs(math.log(s1 / s0)) < Z * sd, (s1, s0)


def test_truth_records_the_spike_and_keeps_harm_irr_causal(
    peak: tuple[pd.DataFrame, dict],  # type: ignore[type-arg]
    none_truth: dict,  # type: ignore[type-arg]
) -> None:
    _, truth = peak
    assert truth["selection"] == "peak"
    spike = truth["selection_spike"]
    assert spike["size"] == 0.4 and spike["months"] == 6 and spike["roles"] == ["harm"]
    assert set(spike["hotspots"]) == set(truth["hotspots"])
    clem = spike["hotspots"]["Clemenceau"]
    assert (clem["designated"], clem["window_start"], clem["window_end"]) == (
        "2024-03-28", "2023-09-28", "2024-03-27",
    )  # fmt: skip
    assert clem["simulated_window"] == ["2023-09-28", "2024-03-27"]
    aumale = spike["hotspots"]["Aumale"]
    assert (aumale["window_start"], aumale["window_end"]) == ("2024-04-04", "2024-10-03")
    assert aumale["simulated_window"] == ["2024-04-04", "2024-09-30"]  # clipped to END
    marbotin = spike["hotspots"]["Marbotin"]
    assert marbotin["simulated_window"] is None and marbotin["expected_extra_harm"] == 0.0
    for name, h in spike["hotspots"].items():
        # Every point of a spiking circle is raised once: extra = size x the no-spike count.
        assert h["expected_extra_harm"] == pytest.approx(
            0.4 * h["expected_harm_without_spike"], rel=1e-9
        ), name
    # About 6 months of a circle's harm (115-240 a year in the March circles) times 0.4.
    assert 15 < clem["expected_extra_harm"] < 60
    for name, h in truth["hotspots"].items():
        ref = none_truth["hotspots"][name]
        for key in ("harm_irr", "buffer_irr", "expected_post_harm"):
            if ref[key] is None:  # Marbotin: designated after END
                assert h[key] is None, (name, key)
                continue
            # Equal up to summation order (the window splits the periods differently).
            assert h[key] == pytest.approx(ref[key], rel=1e-12), (name, key)
    assert truth["strategy_harm_irr"] == pytest.approx(none_truth["strategy_harm_irr"], rel=1e-12)
    # Region-wide expected harm of 2023 gains the extra events of its part of the windows.
    extra_2023 = sum(
        truth["expected_counts"][c]["2023"] - none_truth["expected_counts"][c]["2023"]
        for c in truth["expected_counts"]
    )
    assert 0 < extra_2023 < sum(h["expected_extra_harm"] for h in spike["hotspots"].values())


def test_size_and_length_are_configurable() -> None:
    cfg = SimulationConfig(selection_spike_size=1.0, selection_spike_months=3)
    res = simulate(seed=1, start="2023-10-01", end="2024-04-30", config=cfg, selection="peak")
    spike = res.truth["selection_spike"]
    assert spike["size"] == 1.0 and spike["months"] == 3
    h = spike["hotspots"]["Yser"]
    assert h["window_start"] == "2023-12-28"
    assert h["expected_extra_harm"] == pytest.approx(h["expected_harm_without_spike"])
    assert spike_window_start(dt.date(2024, 8, 31), 6) == dt.date(2024, 2, 29)


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"selection": "peaks"}, "selection must be one of 'none', 'peak'"),
        ({"config": SimulationConfig(selection_spike_size=-0.1)}, "selection_spike_size"),
        ({"config": SimulationConfig(selection_spike_months=0)}, "selection_spike_months"),
        ({"config": SimulationConfig(selection_spike_months=2.5)}, "selection_spike_months"),  # type: ignore[arg-type]
    ],
)
def test_bad_selection_settings_raise_value_error_naming_them(kwargs: dict, match: str) -> None:  # type: ignore[type-arg]
    with pytest.raises(ValueError, match=match):
        simulate(seed=1, start="2024-01-01", end="2024-01-31", **kwargs)
