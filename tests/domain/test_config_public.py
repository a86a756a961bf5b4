"""``[public] rare_categories``: typed, validated against the taxonomy, one clear error."""

from __future__ import annotations

import pytest

from hotspotwatch.config import Config, ConfigError
from hotspotwatch.scenarios.brussels.config import WORKSPACE_SETTINGS


def test_rare_categories_are_read_sorted_and_round_trip_through_toml() -> None:
    cfg = Config.from_mapping({"public": {"rare_categories": ["stabbing", "shooting"]}})
    assert cfg.public.rare_categories == ("shooting", "stabbing")
    import tomllib

    again = Config.from_mapping(tomllib.loads(cfg.to_toml()))
    assert again.public == cfg.public
    assert Config().public.rare_categories == ()
    assert "[public]" not in Config().to_toml()


def test_the_brussels_demo_sets_shooting_homicide_and_stabbing() -> None:
    cfg = Config.from_mapping(WORKSPACE_SETTINGS)
    assert cfg.public.rare_categories == ("homicide", "shooting", "stabbing")


@pytest.mark.parametrize(
    ("table", "message"),
    [
        ({"rare_categories": ["shootng"]}, r"\[public\] rare_categories: .*shootng"),
        ({"rare_categories": ["police_check"]}, r"'police_check' is not a harm category"),
        ({"rare_categories": "shooting"}, r"must be a list of harm categories"),
        ({"rare_categories": ["shooting", "shooting"]}, r"twice"),
        ({"rare": ["shooting"]}, r"unknown key\(s\) \['rare'\] in \[public\]"),
    ],
)
def test_bad_rare_categories_name_the_file_key_and_fix(table: dict, message: str) -> None:
    with pytest.raises(ConfigError, match=message) as info:
        Config.from_mapping({"public": table}, source="ws/hotspotwatch.toml")
    text = str(info.value)
    assert text.startswith("ws/hotspotwatch.toml: ") and "\n" not in text


def test_rare_categories_change_no_run_fingerprint() -> None:
    # they change what the public sees, not a number a run computes
    a = Config()
    b = Config.from_mapping({"public": {"rare_categories": ["shooting"]}})
    assert a.fingerprint() == b.fingerprint()
