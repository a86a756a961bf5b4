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
    p = np.array([[0.001, 0.01, 0.5, 0.001],
                  [0.002, 0.5, 0.5, 0.9],
                  [0.5, 0.5, 0.01, 0.9],  # isolated: not connected to the near corner
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
