"""Simulated Brussels: calibration against the configured rates and the planted truth.

References: Poisson counts (mean = variance) for the calibration; for self-exciting
shootings the variance of a Poisson cluster process with branching ratio n is
mean / (1 - n)² (Hawkes & Oakes 1974); the Knox (1964) near-repeat statistic's expectation
under independence, (close-in-space pairs × close-in-time pairs) / all pairs.
"""

from __future__ import annotations

import json
import math

import numpy as np
import pandas as pd
import pytest
import shapely

from hotspotwatch.domain.taxonomy import Taxonomy
from hotspotwatch.scenarios.brussels import (
    HOTSPOTS,
    SimulationConfig,
    load_geography,
    simulate,
    write_truth,
)
from hotspotwatch.scenarios.brussels.config import DEFAULT_EFFECTS

SEED = 20240328


@pytest.fixture(scope="module")
def full() -> tuple[pd.DataFrame, dict]:
    res = simulate(seed=SEED)
    return res.events, res.truth


def _local_year(events: pd.DataFrame) -> pd.Series:
    return events["occurred_at"].dt.tz_convert("Europe/Brussels").dt.year


def _in_circle(events: pd.DataFrame, x: float, y: float, r: float) -> np.ndarray:
    return np.hypot(events["x"].to_numpy() - x, events["y"].to_numpy() - y) < r


def test_counts_per_category_and_year_match_expected_within_poisson_tolerance(
    full: tuple[pd.DataFrame, dict],
) -> None:
    events, truth = full
    n = truth["shooting_hawkes"]["branching_ratio"]
    counts = events.groupby([events["category"].astype(str), _local_year(events)]).size()
    chi2 = 0.0
    cells = 0
    for cat, by_year in truth["expected_counts"].items():
        for year, expected in by_year.items():
            observed = int(counts.get((cat, int(year)), 0))
            dispersion = 1.0 / (1.0 - n) ** 2 if cat == "shooting" else 1.0
            z = (observed - expected) / math.sqrt(expected * dispersion)
            assert abs(z) < 4.0, (cat, year, observed, expected)
            chi2 += z * z
            cells += 1
    # 80 cells: chi-square with 80 df has mean 80, sd 12.6.
    assert cells == 80
    assert chi2 < 80 + 4 * math.sqrt(2 * 80)


def test_expected_counts_equal_configured_rates_before_designation(
    full: tuple[pd.DataFrame, dict],
) -> None:
    _, truth = full
    cfg = SimulationConfig()
    for cat in truth["expected_counts"]:
        for year in (2021, 2022, 2023):
            assert truth["expected_counts"][cat][str(year)] == pytest.approx(
                cfg.rate(cat, year), rel=1e-9
            )
            assert truth["annual_rates"][cat][str(year)] == cfg.rate(cat, year)
    assert truth["annual_rates"]["shooting"]["2025"] == 100.0


def test_total_volume_at_scale_one(full: tuple[pd.DataFrame, dict]) -> None:
    events, truth = full
    assert 85_000 < len(events) < 110_000
    assert truth["volumes"]["events"] == len(events)
    roles = events["role"].value_counts()
    assert roles["harm"] > roles["enforcement"] > roles["prevention"] > 4_000


def test_events_are_well_formed(full: tuple[pd.DataFrame, dict]) -> None:
    events, _ = full
    assert list(events.columns) == ["source_id", "occurred_at", "x", "y", "category", "role"]
    assert str(events["occurred_at"].dt.tz) == "UTC"
    assert events["occurred_at"].is_monotonic_increasing
    assert events["source_id"].is_unique
    local = events["occurred_at"].dt.tz_convert("Europe/Brussels")
    assert local.min() >= pd.Timestamp("2021-01-01", tz="Europe/Brussels")
    assert local.max() < pd.Timestamp("2026-01-01", tz="Europe/Brussels")
    tax = Taxonomy.default()
    for cat, role in events[["category", "role"]].drop_duplicates().itertuples(index=False):
        assert tax[str(cat)].role == role
    outline = load_geography().outline
    assert shapely.contains_xy(outline, events["x"].to_numpy(), events["y"].to_numpy()).all()


def test_truth_matches_planted_effect_for_isolated_hotspots(
    full: tuple[pd.DataFrame, dict],
) -> None:
    _, truth = full
    json.dumps(truth)  # JSON-ready
    for name in ("Versailles (Neder-Over-Heembeek)", "Peterbos", "Aumale", "Saint-Antoine"):
        planted = DEFAULT_EFFECTS[name]
        got = truth["hotspots"][name]
        assert got["harm_irr"] == pytest.approx(planted.harm_irr, rel=1e-9)
        assert got["buffer_irr"] == pytest.approx(planted.buffer_irr, rel=1e-9)
        assert list(got["category_irr"].values()) == pytest.approx(
            [planted.harm_irr] * len(got["category_irr"])
        )
    irrs = [h["harm_irr"] for h in truth["hotspots"].values()]
    assert min(irrs) == pytest.approx(0.6) and max(irrs) == pytest.approx(1.2)
    assert sum(irr == 1.0 for irr in irrs) >= 2  # exactly null effects
    assert min(irrs) < truth["strategy_harm_irr"] < 1.0
    assert truth["buffer_ring_m"] == [250.0, 500.0]
    assert len(truth["emerging_undesignated"]) == 2
    assert {h["mechanism"] for h in truth["hotspots"].values()} == {
        "displacement", "diffusion", "none",
    }  # fmt: skip


def test_strategy_irr_is_the_weighted_geometric_mean(full: tuple[pd.DataFrame, dict]) -> None:
    _, truth = full
    hs = truth["hotspots"].values()
    w = np.array([h["expected_post_harm_counterfactual"] for h in hs])
    irr = np.array([h["harm_irr"] for h in hs])
    expected = math.exp(float(np.sum(w * np.log(irr)) / w.sum()))
    assert truth["strategy_harm_irr"] == pytest.approx(expected, rel=1e-12)


def test_hotspots_had_elevated_harm_before_designation(full: tuple[pd.DataFrame, dict]) -> None:
    events, truth = full
    pre = events[(events["role"] == "harm") & (_local_year(events) <= 2023)]
    region_density = len(pre) / load_geography().outline.area
    area = math.pi * 250.0**2
    for name in ("Clemenceau", "Peterbos", "Gare du Nord"):
        h = truth["hotspots"][name]
        inside = _in_circle(pre, h["x"], h["y"], 250.0).sum()
        assert inside / area > 5 * region_density, name


def test_enforcement_dose_rises_sharply_after_designation(
    full: tuple[pd.DataFrame, dict],
) -> None:
    events, truth = full
    enf = events[events["role"] == "enforcement"]
    t = enf["occurred_at"]
    designation = pd.Timestamp("2024-03-28", tz="Europe/Brussels")
    pre_days = (designation - pd.Timestamp("2021-01-01", tz="Europe/Brussels")).days
    post_days = (pd.Timestamp("2026-01-01", tz="Europe/Brussels") - designation).days
    h = truth["hotspots"]["Clemenceau"]
    inside = _in_circle(enf, h["x"], h["y"], 250.0)
    pre = (inside & (t < designation)).sum() / pre_days
    post = (inside & (t >= designation)).sum() / post_days
    assert post / pre > 4.0
    prev = events[events["role"] == "prevention"]
    inside_p = _in_circle(prev, h["x"], h["y"], 250.0)
    pt = prev["occurred_at"]
    ratio = ((inside_p & (pt >= designation)).sum() / post_days) / (
        (inside_p & (pt < designation)).sum() / pre_days
    )
    assert ratio > 2.0


def test_emerging_place_heats_up_without_designation(full: tuple[pd.DataFrame, dict]) -> None:
    events, truth = full
    harm = events[events["role"] == "harm"]
    place = truth["emerging_undesignated"][0]
    start = pd.Timestamp(place["start"], tz="Europe/Brussels")
    inside = _in_circle(harm, place["x"], place["y"], 250.0)
    t = harm["occurred_at"]
    before = (inside & (t < start)).sum() / (start - pd.Timestamp("2021-01-01", tz="UTC")).days
    after = (inside & (t >= start)).sum() / (pd.Timestamp("2026-01-01", tz="UTC") - start).days
    assert after / before > 2.0
    assert place["name"] not in {s.name for s in HOTSPOTS}


def test_border_band_gets_more_than_its_area_share(full: tuple[pd.DataFrame, dict]) -> None:
    events, _ = full
    geo = load_geography()
    lines = shapely.union_all(shapely.boundary(geo.police_zone.geometry.to_numpy()))
    internal = shapely.difference(lines, shapely.buffer(shapely.boundary(geo.outline), 5.0))
    # Merged into long lines and simplified to 5 m: buffering thousands of pieces is slow.
    internal = shapely.simplify(shapely.line_merge(internal), 5.0)
    band = shapely.intersection(shapely.buffer(internal, 150.0), geo.outline)
    harm = events[events["role"] == "harm"].sample(5_000, random_state=0)
    share = shapely.dwithin(
        internal, shapely.points(harm["x"].to_numpy(), harm["y"].to_numpy()), 150.0
    ).mean()
    assert share > 1.2 * band.area / geo.outline.area


def _knox_ratio(events: pd.DataFrame, space_m: float, days: float) -> float:
    """Observed / expected close-close pairs (Knox 1964)."""
    x = events["x"].to_numpy()
    y = events["y"].to_numpy()
    t = events["occurred_at"].astype("int64").to_numpy() / 86400e9
    iu = np.triu_indices(len(x), 1)
    close_s = np.hypot(x[:, None] - x[None, :], y[:, None] - y[None, :])[iu] < space_m
    close_t = np.abs(t[:, None] - t[None, :])[iu] < days
    expected = close_s.sum() * close_t.sum() / close_s.size
    return float((close_s & close_t).sum() / expected)


def test_shootings_show_near_repeats_and_none_without_self_excitation(
    full: tuple[pd.DataFrame, dict],
) -> None:
    events, _ = full
    shootings = events[events["category"] == "shooting"]
    assert _knox_ratio(shootings, 300.0, 21.0) > 2.0
    cfg = SimulationConfig().with_(
        shooting_branching=0.0, annual_rates={"shooting": {2021: 100.0, 2025: 100.0}}
    )
    flat = simulate(seed=SEED, config=cfg).events
    assert _knox_ratio(flat, 300.0, 21.0) == pytest.approx(1.0, abs=0.35)


@pytest.mark.slow
def test_planted_irr_of_point_six_shows_in_a_naive_before_after_ratio_at_scale_10() -> None:
    res = simulate(seed=7, scale=10, start="2023-01-01", end="2024-12-31")
    h = res.truth["hotspots"]["Versailles (Neder-Over-Heembeek)"]
    assert h["harm_irr"] == pytest.approx(0.6)
    harm = res.events[res.events["role"] == "harm"]
    inside = _in_circle(harm, h["x"], h["y"], 250.0)
    t = harm["occurred_at"]
    designation = pd.Timestamp("2024-03-28", tz="Europe/Brussels")
    pre_days = (designation - pd.Timestamp("2023-01-01", tz="Europe/Brussels")).days
    post_days = (pd.Timestamp("2025-01-01", tz="Europe/Brussels") - designation).days
    a = int((inside & (t < designation)).sum())
    b = int((inside & (t >= designation)).sum())
    naive = (b / post_days) / (a / pre_days)
    se = math.sqrt(1 / a + 1 / b)
    # Counterfactual harm is flat here except shootings (under 1 % of harm): the naive ratio
    # estimates 0.6 up to sampling error and the seasonal mix of the two windows.
    assert abs(math.log(naive / 0.6)) < 3 * se + 0.03
    assert naive < 0.72


def test_same_seed_same_events_and_scale_multiplies_expected_counts() -> None:
    a = simulate(seed=3, start="2024-01-01", end="2024-04-30")
    b = simulate(seed=3, start="2024-01-01", end="2024-04-30")
    pd.testing.assert_frame_equal(a.events, b.events)
    c = simulate(seed=4, start="2024-01-01", end="2024-04-30", scale=2.0)
    assert not a.events["x"].head(50).equals(c.events["x"].head(50))
    for cat, years in a.truth["expected_counts"].items():
        assert c.truth["expected_counts"][cat]["2024"] == pytest.approx(2 * years["2024"])


def test_radius_changes_the_circles_the_truth_is_computed_on() -> None:
    res = simulate(seed=1, start="2024-01-01", end="2024-06-30", radius_m=100.0)
    assert res.truth["radius_m"] == 100.0
    assert res.truth["buffer_ring_m"] == [100.0, 200.0]
    # Étangs Noirs and Bonnevie are 239 m apart: with 100 m circles they no longer overlap.
    assert res.truth["hotspots"]["Étangs Noirs"]["harm_irr"] == pytest.approx(0.8)


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"scale": 0}, "scale"),
        ({"radius_m": -5.0}, "radius_m"),
        ({"start": "2025-01-01", "end": "2024-01-01"}, "end"),
        ({"start": "not a date"}, "start"),
        ({"config": SimulationConfig(annual_rates={"shootings": 10.0})}, "shooting"),
        ({"config": SimulationConfig(shooting_branching=1.0)}, "shooting_branching"),
    ],
)
def test_bad_input_raises_value_error_naming_the_parameter(kwargs: dict, match: str) -> None:
    with pytest.raises(ValueError, match=match):
        simulate(seed=1, **kwargs)


def test_write_truth_round_trips(tmp_path: pytest.TempPathFactory) -> None:
    res = simulate(seed=2, start="2024-03-01", end="2024-05-31")
    path = write_truth(tmp_path / "sub" / "truth.json", res.truth)  # type: ignore[operator]
    back = json.loads(path.read_text(encoding="utf-8"))
    assert back["seed"] == 2
    assert set(back["hotspots"]["Clemenceau"]) >= {"harm_irr", "buffer_irr"}
    assert back["hotspots"]["Marbotin"]["harm_irr"] is None  # not designated in the window
