"""check_crs: the CRSs accepted without PROJ are the ones pyproj accepts, with the same form."""

from __future__ import annotations

import pytest
from pyproj import CRS

from hotspotwatch.config import KNOWN_METRIC_EPSG, ConfigError, check_crs


def test_every_known_code_is_a_projected_crs_in_metres_for_pyproj() -> None:
    for code in sorted(KNOWN_METRIC_EPSG):
        parsed = CRS.from_user_input(f"EPSG:{code}")
        assert parsed.is_projected, code
        assert parsed.axis_info[0].unit_name in ("metre", "meter"), code
        assert parsed.to_epsg() == code
        assert check_crs(f"epsg:{code}") == f"EPSG:{code}"


def test_other_crs_still_go_through_pyproj() -> None:
    assert check_crs("EPSG:2056") == "EPSG:2056"  # Swiss CH1903+ / LV95: not in the table
    with pytest.raises(ConfigError, match="geographic"):
        check_crs("EPSG:4326")
    with pytest.raises(ConfigError, match="not a known CRS"):
        check_crs("EPSG:999999")
    with pytest.raises(ConfigError, match="units"):
        check_crs("EPSG:2263")  # NAD83 / New York Long Island (US survey feet)


@pytest.mark.parametrize("code", ["EPSG:3857", "EPSG:900913", "ESRI:102100", "EPSG:3395"])
def test_a_world_mercator_is_refused_though_its_unit_is_the_metre(code: str) -> None:
    # A new city's analyst copies the web map's CRS: at Lyon's 45.8° N every distance band,
    # buffer and cell would be 1.43 times too short on the ground, every km² 2.05 times.
    with pytest.raises(ConfigError, match=r"world Mercator.*national grid.*UTM zone"):
        check_crs(code)


def test_local_mercator_and_oblique_or_transverse_projections_are_kept() -> None:
    assert check_crs("EPSG:21781") == "EPSG:21781"  # Swiss oblique Mercator
    assert check_crs("EPSG:3003") == "EPSG:3003"  # Monte Mario / Italy zone 1 (transverse)
