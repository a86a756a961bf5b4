"""Near-repeat alert and plain-language summaries (EN/FR/NL)."""

from __future__ import annotations

import tomllib
from pathlib import Path

import numpy as np
import pytest

from hotspotwatch.analysis.spacetime.alert import (
    AlertZone,
    NearRepeatAlert,
    alert_area,
    alert_zones,
    near_repeat_alert,
)
from hotspotwatch.analysis.spacetime.emerging import CATEGORIES
from hotspotwatch.analysis.spacetime.knox import KnoxResult, band_labels, knox
from hotspotwatch.i18n import LANGUAGES, translate
from hotspotwatch.i18n.spacetime import alert_summary, knox_summary

INF = np.inf


def _table(p: np.ndarray, ratio: np.ndarray, sb, tb, metric="manhattan") -> KnoxResult:
    shape = p.shape
    obs = np.full(shape, 10, dtype=np.int64)
    return KnoxResult(
        space_bands=np.asarray(sb, float), time_bands=np.asarray(tb, float),
        space_labels=band_labels(sb), time_labels=band_labels(tb), observed=obs,
        expected=obs / ratio, sim_mean=obs / ratio, sim_median=obs / ratio, ratio=ratio,
        ratio_median=ratio, ratio_expected=ratio, p_value=p, p_value_adjusted=p,
        n_events=100, n_pairs=4950, permutations=999, metric=metric, seed=1)


def test_alert_staircase_from_hand_built_table():
    # rows [0,100) [100,200) [200,400) [400,inf); cols [0,7) [7,14) [14,28) [28,inf)
    # p-values small enough to pass Holm's correction over the 9 bounded cells
    p = np.array([[0.001, 0.001, 0.5, 0.001],
                  [0.002, 0.5, 0.5, 0.9],
                  [0.5, 0.5, 0.001, 0.9],  # isolated: not connected to the near corner
                  [0.001, 0.9, 0.9, 0.001]])  # unbounded row never counts
    ratio = np.full(p.shape, 2.0)
    res = _table(p, ratio, [0, 100, 200, 400, INF], [0, 7, 14, 28, INF])
    alert = near_repeat_alert(res)
    assert alert.elevated
    assert alert.radius_m == 200 and alert.days == 14
    assert [(z.inner_m, z.outer_m, z.days) for z in alert.zones] == [(0, 100, 14), (100, 200, 7)]
    assert set(alert.cells) == {(0, 0), (0, 1), (1, 0)}


def test_alert_ignores_significant_deficits_and_reports_none():
    p = np.full((2, 2), 0.001)
    ratio = np.full((2, 2), 0.5)  # fewer pairs than chance: no raised risk
    alert = near_repeat_alert(_table(p, ratio, [0, 100, INF], [0, 7, INF]))
    assert not alert.elevated and alert.radius_m == 0 and alert.days == 0
    assert alert_summary(alert, "nl")[0].startswith("Er werd geen verhoogd")


def test_alert_geometry_manhattan_diamond_and_euclidean_disc():
    zone = AlertZone(0, 100, 7, 2.0, 0.01)
    diamond = alert_area(NearRepeatAlert(True, 100, 7, (zone,), ((0, 0),), "manhattan", 0.05),
                         1000, 2000)
    assert diamond.area == pytest.approx(2 * 100**2)
    assert diamond.contains(__import__("shapely").Point(1000 + 60, 2000 + 39))
    disc = alert_area(NearRepeatAlert(True, 100, 7, (zone,), ((0, 0),), "euclidean", 0.05), 0, 0)
    assert disc.area == pytest.approx(np.pi * 100**2, rel=2e-3)
    zones = [zone, AlertZone(100, 200, 3, 1.5, 0.02)]
    rings = alert_zones(NearRepeatAlert(True, 200, 7, tuple(zones), (), "manhattan", 0.05),
                        0, 0, t_day=10)
    assert [until for _, until in rings] == [17, 13]
    assert rings[1][0].area == pytest.approx(2 * 200**2 - 2 * 100**2)


def test_alert_needs_permutations():
    res = knox([0, 1, 2], [0, 0, 0], [0, 1, 2], [0, 10, INF], [0, 5, INF], permutations=0)
    with pytest.raises(ValueError, match="permutations"):
        near_repeat_alert(res)


def test_knox_summary_sentence_in_three_languages():
    p = np.array([[0.001, 0.5], [0.5, 0.5]])
    ratio = np.array([[2.34, 1.0], [1.0, 1.0]])
    res = _table(p, ratio, [0, 200, INF], [0, 7, INF])
    en = knox_summary(res, "en", event="shooting")
    assert en[0] == ("Within 200 m of a shooting, within 7 days, the chance of another "
                     "shooting is 2.3 times what chance alone would give (p = 0.001).")
    fr = knox_summary(res, "fr", event="fusillade")
    assert fr[0].startswith("À moins de 200 m d'un fait « fusillade », dans un délai de 7 jours")
    assert "2,3 fois" in fr[0] and "(p = 0,001)" in fr[0]
    nl = knox_summary(res, "nl", event="schietpartij")
    assert nl[0].startswith("Binnen 200 m van een feit ‘schietpartij’, binnen 7 dagen")
    assert "2,3 keer" in nl[0]


def test_knox_summary_says_an_incident_and_keeps_a_small_raised_ratio_above_one():
    # a city whose Knox spans every harm category calls the event "incident"; a raised
    # ratio of 1.02 must not read "1 times" in a sentence saying the risk is raised
    p = np.array([[0.001, 0.5], [0.5, 0.5]])
    ratio = np.array([[1.02, 1.0], [1.0, 1.0]])
    res = _table(p, ratio, [0, 200, INF], [0, 7, INF])
    en = knox_summary(res, "en", event="incident")
    assert en[0] == ("Within 200 m of an incident, within 7 days, the chance of another "
                     "incident is 1.02 times what chance alone would give (p = 0.001).")
    assert "1,02 fois" in knox_summary(res, "fr", event="fait")[0]
    alert = NearRepeatAlert(True, 200.0, 7.0, (AlertZone(0, 200, 7, 1.02, 0.001),), ((0, 0),),
                            "manhattan", 0.05)
    lines = alert_summary(alert, "en", event="incident")
    assert lines[0].startswith("After an incident, the risk of another is raised within 200 m")
    assert lines[1] == "0 to 200 m: 7 days (up to 1.02 times the chance level)."
    assert alert_summary(alert, "en", event="shooting")[0].startswith("After a shooting,")


def test_knox_summary_none_when_nothing_elevated():
    res = _table(np.full((2, 2), 0.4), np.full((2, 2), 1.2), [0, 200, INF], [0, 7, INF])
    assert knox_summary(res, "en", event="shooting") == [
        "No combination of distance and time shows more pairs of shooting than chance alone "
        "would give (p ≤ 0.05)."]


def test_spacetime_catalogue_complete_in_every_language():
    path = (Path(__file__).resolve().parents[3] / "src" / "hotspotwatch" / "i18n" / "catalogs"
            / "spacetime.toml")
    data = tomllib.loads(path.read_text(encoding="utf-8"))
    keys = {lang: set(data[lang]) for lang in LANGUAGES}
    assert keys["en"] == keys["fr"] == keys["nl"]
    for cat in CATEGORIES:
        for lang in LANGUAGES:
            assert translate(f"spacetime.category.{cat}", lang)
    # real translations, not copies
    assert translate("spacetime.category.new_hot", "fr") != translate(
        "spacetime.category.new_hot", "en")


# --------------------------------------------------------------- corrected alert rule
SB = [0, 100, 200, 300, 400, INF]  # the CLI's default bands
TB = [0, 7, 14, 21, 28, INF]


def _old_rule(res: KnoxResult, alpha: float = 0.05) -> tuple[bool, float, float]:
    """The alert rule before the correction: uncorrected p <= alpha and ratio > 1 in a
    bounded cell connected to the first space or time band, co-recorded pairs included."""
    bounded = np.isfinite(res.space_bands[1:])[:, None] & np.isfinite(res.time_bands[1:])[None]
    up = (res.p_value <= alpha) & (res.ratio > 1) & bounded
    stack = [(i, j) for i, j in zip(*np.nonzero(up), strict=True) if i == 0 or j == 0]
    kept: set[tuple[int, int]] = set()
    while stack:  # the staircase: cells connected to the first row or column
        i, j = stack.pop()
        if (i, j) in kept:
            continue
        kept.add((i, j))
        stack += [(a, b) for a, b in ((i - 1, j), (i + 1, j), (i, j - 1), (i, j + 1))
                  if 0 <= a < up.shape[0] and 0 <= b < up.shape[1] and up[a, b]]
    if not kept:
        return False, 0.0, 0.0
    return (True, float(res.space_bands[max(i for i, _ in kept) + 1]),
            float(res.time_bands[max(j for _, j in kept) + 1]))


def _poisson(seed: int, n: int = 3000, side: float = 5000.0, days: int = 365):
    """A homogeneous Poisson process: uniform in space (metre grid) and in whole days."""
    rng = np.random.default_rng(seed)
    return (np.round(rng.uniform(0, side, n)), np.round(rng.uniform(0, side, n)),
            rng.integers(0, days, n).astype(float))


def test_poisson_process_without_near_repeat_gives_no_alert_where_the_old_rule_gave_one():
    # 3000 events, no space-time interaction: the old rule (25 cells at an uncorrected 5 %)
    # alerts on seeds 0 and 2 (ratios 1.1-1.3 in a single cell); Holm's correction and the
    # 1.2 floor issue none on any of the five seeds.
    old, new = [], []
    for seed in range(5):
        res = knox(*_poisson(seed), SB, TB, permutations=999, seed=seed)
        alert = near_repeat_alert(res)
        old.append(_old_rule(res)[0])
        new.append(alert.elevated)
        assert alert.reason in ("not_significant", "below_min_ratio")
        assert np.nanmin(alert.p_value_corrected) > 0.05 or alert.reason == "below_min_ratio"
        assert alert.radius_m == 0 and alert.days == 0 and alert.cells == ()
    assert old[0] and old[2]
    assert not any(new)


def test_same_incident_recorded_twice_never_drives_the_alert():
    # 10 % of the events recorded a second time at the same place and day (a second source):
    # 300 co-recorded pairs fill the [0, 100) m x [0, 7) days cell (ratio 2.7, p = 0.001); the
    # old rule grew a staircase from it through chance cells of the first week and said
    # "raised within 400 m for 7 days". Without those pairs the cell is at chance.
    x, y, t = _poisson(0)
    k = np.random.default_rng(1).choice(x.size, 300, replace=False)
    x, y, t = np.r_[x, x[k]], np.r_[y, y[k]], np.r_[t, t[k]]
    res = knox(x, y, t, SB, TB, permutations=999, seed=3)
    assert res.co_recorded == 300
    assert res.ratio[0, 0] > 2.5 and res.p_value[0, 0] == pytest.approx(0.001)
    assert _old_rule(res) == (True, 400.0, 7.0)
    assert 0.7 < res.ratio_distinct[0, 0] < 1.2 and res.p_value_distinct[0, 0] > 0.3
    np.testing.assert_array_equal(res.p_value_distinct[1:], res.p_value[1:])
    alert = near_repeat_alert(res)
    assert not alert.elevated and alert.co_recorded == 300
    assert alert_summary(alert, "en") == [
        "No raised near-repeat risk was found, so the table gives no area or period to cover."]


def test_planted_near_repeat_still_alerts_with_its_radius_and_days():
    # each of 300 seed events is followed by a repeat 1-6 days later and less than 85 m
    # (Manhattan) away; the same 10 % co-recorded copies as above are added on top
    rng = np.random.default_rng(7)
    x, y, t = _poisson(7)
    k = rng.choice(x.size, 300, replace=False)
    ang, r = rng.uniform(0, 2 * np.pi, 300), rng.uniform(0, 60, 300)
    x = np.r_[x, x[k] + r * np.cos(ang)]
    y = np.r_[y, y[k] + r * np.sin(ang)]
    t = np.r_[t, t[k] + rng.integers(1, 7, 300)]
    d = rng.choice(x.size, 300, replace=False)
    x, y, t = np.r_[x, x[d]], np.r_[y, y[d]], np.r_[t, t[d]]
    res = knox(x, y, t, SB, TB, permutations=999, seed=1)
    alert = near_repeat_alert(res)
    assert alert.elevated and alert.reason == "elevated"
    assert (alert.radius_m, alert.days) == (100.0, 7.0)
    assert alert.cells == ((0, 0),)
    assert alert.zones[0].max_ratio > 2.5 and alert.zones[0].min_p <= 0.05
    assert alert.p_value_corrected[0, 0] == pytest.approx(16 * 0.001)  # Holm over 16 cells
    assert alert.to_dict()["min_ratio"] == 1.2 and alert.correction == "holm"


def test_co_recorded_inference_is_the_same_grouped_or_pair_by_pair(monkeypatch):
    import importlib

    kn = importlib.import_module("hotspotwatch.analysis.spacetime.knox")

    rng = np.random.default_rng(3)
    x, y, t = np.round(rng.uniform(0, 800, (2, 300))), None, rng.integers(0, 60, 300)
    x, y = x[0], x[1]
    k = rng.choice(300, 40, replace=False)
    x, y, t = np.r_[x, x[k]], np.r_[y, y[k]], np.r_[t, t[k] + (np.arange(40) % 2)]
    grouped = knox(x, y, t, [0, 50, INF], [0, 3, INF], permutations=99, seed=2)
    monkeypatch.setattr(kn, "_GROUP_LOCATIONS", False)
    listed = knox(x, y, t, [0, 50, INF], [0, 3, INF], permutations=99, seed=2)
    assert grouped.co_recorded == listed.co_recorded >= 20
    np.testing.assert_array_equal(grouped.p_value_distinct, listed.p_value_distinct)
    np.testing.assert_allclose(grouped.ratio_distinct, listed.ratio_distinct)
    split = knox(x, y, t, [0, 50, INF], [0, 3, INF], permutations=99, seed=2,
                 same_location=True, same_day=True)
    assert split.co_recorded == grouped.co_recorded == split.observed[0, 0]
    assert np.isnan(split.ratio_distinct[0, 0])  # nothing left in the same x same cell
    assert np.isnan(near_repeat_alert(split).p_value_corrected[0, 0])  # not examined


def test_alert_says_why_not_small_ratio_and_too_few_permutations():
    p = np.full((3, 3), 0.001)
    small = near_repeat_alert(_table(p, np.full((3, 3), 1.07), [0, 100, 200, INF],
                                     [0, 7, 14, INF]))
    assert not small.elevated and small.reason == "below_min_ratio"
    assert small.p_value_corrected[0, 0] == pytest.approx(0.004)  # Holm over 4 cells
    assert near_repeat_alert(_table(p, np.full((3, 3), 1.07), [0, 100, 200, INF],
                                    [0, 7, 14, INF]), min_ratio=1.05).elevated
    few = _table(np.full((5, 5), 0.01), np.full((5, 5), 3.0), SB, TB)
    few = few.__class__(**{**few.__dict__, "permutations": 99})
    alert = near_repeat_alert(few)
    assert not alert.elevated and alert.reason == "too_few_permutations"  # 16 / 100 > 0.05
    again = NearRepeatAlert.from_dict(alert.to_dict())
    assert again.reason == "too_few_permutations" and again.p_value_corrected.shape == (5, 5)


def test_the_old_adjusted_keyword_still_runs_and_warns_that_holm_replaces_it():
    rng = np.random.default_rng(5)
    x, y, t = rng.uniform(0, 2000, 300), rng.uniform(0, 2000, 300), rng.uniform(0, 365, 300)
    res = knox(x, y, t, [0, 100, 200, np.inf], [0, 7, 14, np.inf], permutations=99, seed=1)
    with pytest.warns(FutureWarning, match="Holm"):
        old = near_repeat_alert(res, adjusted=True)
    new = near_repeat_alert(res)
    assert (old.reason, old.radius_m, old.days, old.cells) == (
        new.reason, new.radius_m, new.days, new.cells
    )
    np.testing.assert_array_equal(old.p_value_corrected, new.p_value_corrected)
