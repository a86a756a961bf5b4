"""Mapping files: validation with actionable messages."""

from __future__ import annotations

from pathlib import Path

import pytest

from hotspotwatch.io.errors import MappingError
from hotspotwatch.io.mapping import EventMapping, load_mapping
from hotspotwatch.io.police_uk import CRIME_TYPES, police_uk_mapping

DATA = Path(__file__).resolve().parents[1] / "data"
BASE = {"source": "s", "columns": {"time": "t", "lon": "lon", "lat": "lat", "category": "c"}}


def test_sample_mapping_loads():
    m = load_mapping(DATA / "generic_mapping.toml")
    assert m.source == "zone-5341-ISLP"
    assert m.crs == "EPSG:31370"
    assert m.coordinate_roles == ("x", "y")
    assert m.categories["Vol simple"] == "theft"
    assert m.keep == ("street",)
    assert m.used_columns() == ["incident_no", "date", "hour", "x", "y", "type", "street"]


@pytest.mark.parametrize(
    ("patch", "needle"),
    [
        ({"source": ""}, "`source` is required"),
        ({"sourse": "x"}, "did you mean 'source'"),
        ({"columns": {"date": "d", "x": "x", "y": "y", "category": "c"}}, "need the source `crs`"),
        ({"columns": {"lon": "lon", "lat": "lat", "category": "c"}}, "needs `time`"),
        ({"columns": {"time": "t", "date": "d", "lon": "a", "lat": "b", "category": "c"}}, "both `time` and `date`"),
        ({"columns": {"time": "t", "lon": "a", "category": "c"}}, "give both"),
        ({"columns": {"time": "t", "lon": "a", "lat": "b", "categroy": "c"}}, "did you mean 'category'"),
        ({"categories": {"Vol": "thef"}}, "did you mean 'theft'"),
        ({"crs": "EPSG:999999"}, "not a known CRS"),
        ({"timezone": "Europe/Brusels"}, "not an IANA time zone"),
        ({"date_format": "dd/mm/yyyy"}, "strftime format"),
        ({"read": {"delimiter": ";;"}}, "one character"),
        ({"read": {"encoding": "klingon"}}, "encoding 'klingon' is unknown"),
        ({"precision": "week"}, "precision 'week'"),
    ],
)
def test_invalid_mapping_names_the_key_and_fix(patch, needle):
    data = {**BASE, **patch}
    with pytest.raises(MappingError, match=needle.replace("(", r"\(").replace("`", "`")):
        EventMapping.from_dict(data)


def test_constant_category_replaces_column():
    m = EventMapping.from_dict({
        "source": "checks", "category": "police_check",
        "columns": {"time": "t", "lon": "lon", "lat": "lat"},
    })
    assert m.category == "police_check"


def test_missing_mapping_file_is_one_line(tmp_path):
    with pytest.raises(MappingError, match="mapping file not found"):
        load_mapping(tmp_path / "nope.toml")
    bad = tmp_path / "bad.toml"
    bad.write_text("source = \n", encoding="utf-8")
    with pytest.raises(MappingError, match="not valid TOML"):
        load_mapping(bad)


def test_police_uk_mapping_covers_all_published_crime_types():
    m = police_uk_mapping()
    assert dict(m.categories) == CRIME_TYPES
    assert len(CRIME_TYPES) == 14
    assert m.categories["Anti-social behaviour"] == "nuisance"
    assert m.categories["Violence and sexual offences"] == "assault"
    assert m.source_crs == "EPSG:4326"
    assert m.precision == "month"
