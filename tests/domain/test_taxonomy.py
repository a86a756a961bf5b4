from __future__ import annotations

import pytest

from hotspotwatch.config import Config, ConfigError
from hotspotwatch.domain.taxonomy import Taxonomy

REQUIRED = [
    "shooting",
    "stabbing",
    "homicide",
    "assault",
    "robbery",
    "burglary",
    "theft",
    "vehicle_theft",
    "sexual_offence",
    "drug_dealing",
    "drug_possession",
    "weapons",
    "nuisance",
    "vandalism",
    "public_disorder",
    "police_check",
    "arrest",
    "seizure",
    "prevention_contact",
    "peacekeeper_patrol",
    "liveability_work",
    "other",
]


def test_default_taxonomy_has_required_categories_and_dose_roles() -> None:
    tax = Taxonomy.default()
    assert set(REQUIRED) <= set(tax.names())
    # Proactive police activity is dose, never an outcome.
    for name in ("police_check", "arrest", "seizure", "drug_dealing", "drug_possession"):
        assert tax[name].role == "enforcement" and tax[name].harm_weight == 0
    for name in ("prevention_contact", "peacekeeper_patrol", "liveability_work"):
        assert tax[name].role == "prevention"
    assert (
        tax["shooting"].role == "harm" and tax["shooting"].harm_weight > tax["nuisance"].harm_weight
    )


def test_suggestions() -> None:
    tax = Taxonomy.default()
    assert tax.suggest("Shootings") == "shooting"
    assert "did you mean 'vehicle_theft'" in tax.unknown_message("vehicle theft")
    with pytest.raises(KeyError, match="did you mean"):
        tax["asault"]


def test_config_overrides_and_extends_taxonomy() -> None:
    cfg = Config.from_mapping(
        {
            "workspace": {"crs": "EPSG:31370", "timezone": "Europe/Brussels"},
            "categories": {"drive_in_dealing": {"role": "enforcement"}},
            "harm_weights": {"nuisance": 0.5},
        }
    )
    assert cfg.crs == "EPSG:31370"
    assert cfg.taxonomy["drive_in_dealing"].role == "enforcement"
    assert cfg.taxonomy["nuisance"].harm_weight == 0.5
    again = Config.from_mapping(__import__("tomllib").loads(cfg.to_toml()))
    assert again.taxonomy["nuisance"].harm_weight == 0.5 and again.crs == cfg.crs


@pytest.mark.parametrize(
    ("mapping", "message"),
    [
        ({"workspace": {"crs": "EPSG:4326"}}, "geographic"),
        ({"workspace": {"crs": "nonsense"}}, "not a known CRS"),
        ({"workspace": {"colour": "red"}}, "unknown key"),
        ({"workspace": {"disclosure_k": 0}}, "disclosure_k"),
        ({"categories": {"x": {"role": "outcome"}}}, "role 'outcome'"),
    ],
)
def test_config_errors_name_the_key(mapping: dict, message: str) -> None:  # type: ignore[type-arg]
    with pytest.raises(ConfigError, match=message):
        Config.from_mapping(mapping)
