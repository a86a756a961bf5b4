"""Which category and window the report and the dashboard put in context; the config key."""

from __future__ import annotations

import datetime as dt
from types import SimpleNamespace

import pytest

from hotspotwatch.config import Config, ConfigError
from hotspotwatch.workflows.incidents import incident_category, report_window


def _ws(data, recorded=()):
    config = Config.from_mapping(data)
    stats = {name: {"count": 3} for name in recorded}
    return SimpleNamespace(config=config, taxonomy=config.taxonomy, event_stats=lambda: stats)


def test_default_is_shooting_when_the_taxonomy_has_it():
    assert incident_category(_ws({})) == "shooting"


def test_without_shooting_the_most_severe_harm_category():
    ws = _ws({"categories": {"shooting": {"role": "enforcement"}}})
    assert incident_category(ws) == "homicide"  # harm weight 365, the largest
    ws = _ws(
        {
            "categories": {
                "shooting": {"role": "enforcement"},
                "homicide": {"role": "enforcement"},
            },
            "harm_weights": {"robbery": 500},
        }
    )
    assert incident_category(ws) == "robbery"


def test_a_city_without_shootings_gets_its_most_severe_recorded_category():
    # a new city's data (robbery, assault, burglary) under the default taxonomy, which lists
    # shooting: the report put "no shootings were recorded" in context
    ws = _ws({}, recorded=["assault", "burglary", "robbery", "drug_dealing"])
    assert incident_category(ws) == "robbery"  # weight 30 > assault 20 > burglary 10
    assert incident_category(_ws({}, recorded=["robbery", "shooting"])) == "shooting"
    assert incident_category(_ws({}, recorded=["drug_dealing"])) == "shooting"  # no harm yet


def test_configured_category_wins_and_is_checked():
    assert incident_category(_ws({"report": {"incident_category": "stabbing"}})) == "stabbing"
    assert Config.from_mapping(
        {"report": {"incident_category": "stabbing"}}
    ).report.to_mapping() == {"incident_category": "stabbing"}
    with pytest.raises(ConfigError, match=r"incident_category.*unknown category 'shootings'"):
        Config.from_mapping({"report": {"incident_category": "shootings"}})
    with pytest.raises(ConfigError, match="not a harm category"):
        Config.from_mapping({"report": {"incident_category": "police_check"}})


@pytest.mark.parametrize(
    "until,window",
    [
        (dt.date(2025, 8, 31), (dt.date(2025, 8, 1), dt.date(2025, 8, 31))),
        (dt.date(2025, 8, 30), (dt.date(2025, 7, 1), dt.date(2025, 7, 31))),
        (dt.date(2025, 3, 1), (dt.date(2025, 2, 1), dt.date(2025, 2, 28))),
        (dt.date(2024, 2, 29), (dt.date(2024, 2, 1), dt.date(2024, 2, 29))),
    ],
)
def test_report_window_is_the_last_whole_month_up_to_the_review_day(until, window):
    assert report_window(until) == window
