"""Normalisation: times, coordinates, categories, identity, quarantine reasons."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from pyproj import Transformer

from hotspotwatch.domain.taxonomy import Taxonomy
from hotspotwatch.io.errors import SourceError
from hotspotwatch.io.importer import prepare
from hotspotwatch.io.mapping import EventMapping, load_mapping
from hotspotwatch.io.police_uk import police_uk_mapping

DATA = Path(__file__).resolve().parents[1] / "data"
TAX = Taxonomy.default()
BXL = {"crs": "EPSG:3812", "timezone": "Europe/Brussels", "taxonomy": TAX}
# Brussels region in EPSG:3812, generous
EXTENT = (640000.0, 660000.0, 660000.0, 680000.0)


def _generic(**kw):
    return prepare(DATA / "generic_events.csv", load_mapping(DATA / "generic_mapping.toml"), **BXL, **kw)


def test_generic_file_accounting_and_reasons():
    r = _generic(extent=EXTENT)
    assert r.read == 8
    assert len(r.events) + len(r.quarantine) == r.read
    assert r.events["source_id"].tolist() == ["PV001", "PV002", "PV007"]
    reasons = dict(zip(r.quarantine["row_number"], r.quarantine["reason"], strict=True))
    assert reasons[3].startswith("no coordinates")
    assert "unparseable date '31/02/2024'" in reasons[4] and "%d/%m/%Y" in reasons[4]
    assert "e.g. 01/03/2024" in reasons[4]
    assert reasons[5].startswith("unknown category 'Vente de stupefiant' — did you mean 'Vente de stupéfiants'?")
    assert reasons[6] == "duplicate id 'PV001', first at row 1"
    assert reasons[7].startswith("outside the workspace extent")
    assert json.loads(r.quarantine.set_index("row_number").loc[3, "raw_row"])["street"] == "Inconnue"


def test_local_times_become_utc_with_precision():
    ev = _generic().events.set_index("source_id")
    # 1 March 2024 14:00 in Brussels is CET (UTC+1)
    assert ev.loc["PV001", "occurred_at"] == pd.Timestamp("2024-03-01T13:00Z")
    assert ev.loc["PV001", "time_precision"] == "hour"
    # no hour: the day, local midnight
    assert ev.loc["PV002", "occurred_at"] == pd.Timestamp("2024-03-01T23:00Z")
    assert ev.loc["PV002", "time_precision"] == "day"
    # 31 March 2024 02:00 does not exist in Brussels (clocks jump to 03:00 CEST = 01:00 UTC)
    assert ev.loc["PV007", "occurred_at"] == pd.Timestamp("2024-03-31T01:00Z")


def test_lambert72_is_transformed_and_decimal_comma_read():
    ev = _generic().events.set_index("source_id")
    back = Transformer.from_crs("EPSG:3812", "EPSG:31370", always_xy=True)
    x72, y72 = back.transform(ev.loc["PV001", "x"], ev.loc["PV001", "y"])
    assert x72 == pytest.approx(149500.5, abs=0.01)
    assert y72 == pytest.approx(170200.1, abs=0.01)
    # Lambert 2008 and Lambert 72 differ by about (500 km, 500 km) in Brussels
    assert ev.loc["PV001", "x"] - 149500.5 == pytest.approx(500000, abs=100)
    assert 4.3 < ev.loc["PV001", "lon"] < 4.4 and 50.8 < ev.loc["PV001", "lat"] < 50.9
    assert json.loads(ev.loc["PV001", "attrs"]) == {"street": "Rue de Brabant"}


def test_row_hash_changes_only_with_content(tmp_path):
    src = (DATA / "generic_events.csv").read_text(encoding="utf-8")
    m = load_mapping(DATA / "generic_mapping.toml")
    p = tmp_path / "a.csv"
    p.write_text(src, encoding="utf-8")
    a = prepare(p, m, **BXL).events.set_index("source_id")
    p.write_text(src.replace("PV002;02/03/2024;;149600", "PV002;02/03/2024;;149601"), encoding="utf-8")
    b = prepare(p, m, **BXL).events.set_index("source_id")
    assert a.loc["PV001", "row_hash"] == b.loc["PV001", "row_hash"]
    assert a.loc["PV002", "row_hash"] != b.loc["PV002", "row_hash"]
    assert all(len(h) == 16 and int(h, 16) >= 0 for h in a["row_hash"])


_MASK = (1 << 64) - 1


def _mix64_py(z: int) -> int:
    z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & _MASK
    z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & _MASK
    return z ^ (z >> 31)


def _hash_row_py(values: list[object]) -> str:
    """Per-row pure-Python reference of ``hash_columns`` (integers, text, missing)."""
    import hashlib

    h = 0x9E3779B97F4A7C15
    for i, v in enumerate(values, start=1):
        if v is None:
            w = 0x6A09E667F3BCC908
        elif isinstance(v, int):
            w = v & _MASK
        else:
            w = int.from_bytes(hashlib.blake2b(str(v).encode(), digest_size=8).digest(), "little")
        h = _mix64_py(h ^ _mix64_py((w + i * 0x9E3779B97F4A7C15) & _MASK))
    return f"{h:016x}"


def test_hash_columns_matches_a_per_row_python_reference():
    from hotspotwatch.store.hashing import hash_columns, hex64

    text = np.array(["theft", "assault", None, "théft", "None"], dtype=object)
    ints = np.array([0, -1, 2**62, 1_709_300_000_000_000_000, 7], dtype=np.int64)
    got = hex64(hash_columns([text, ints, text]))
    want = [_hash_row_py([t, int(i), t]) for t, i in zip(text, ints, strict=True)]
    assert list(got) == want
    assert len(set(got)) == 5  # missing differs from the text "None"
    # column order matters
    assert list(hex64(hash_columns([ints, text]))) != list(hex64(hash_columns([text, ints])))


def test_missing_mapped_column_names_closest_columns(tmp_path):
    p = tmp_path / "f.csv"
    p.write_text("incident;date;hour;x;y;type;street\n", encoding="utf-8")
    with pytest.raises(SourceError, match=r"column 'incident_no' \(mapped to `id`.*closest: 'incident'"):
        prepare(p, load_mapping(DATA / "generic_mapping.toml"), **BXL)


def test_wrong_delimiter_is_diagnosed(tmp_path):
    m = EventMapping.from_dict({**_mapping_dict(), "read": {"delimiter": ","}})
    with pytest.raises(SourceError, match="delimiter looks like ';'"):
        prepare(DATA / "generic_events.csv", m, **BXL)


def _mapping_dict():
    import tomllib

    return tomllib.loads((DATA / "generic_mapping.toml").read_text(encoding="utf-8"))


def test_police_uk_quirks():
    r = prepare(DATA / "police_uk_sample.csv", police_uk_mapping(), crs="EPSG:27700",
                timezone="Europe/London", taxonomy=TAX)
    assert (r.read, len(r.events), len(r.quarantine)) == (10, 9, 1)
    ev = r.events
    assert set(ev["time_precision"]) == {"month"}
    assert set(ev["occurred_at"]) == {pd.Timestamp("2024-03-01T00:00Z")}
    asb = ev[ev["category"] == "nuisance"]
    # two identical anti-social behaviour rows both survive, with ordinals 0 and 1
    assert len(asb) == 3
    first, second = asb["source_id"].iloc[0], asb["source_id"].iloc[1]
    assert first.split(":")[0] == second.split(":")[0]
    assert (first.split(":")[1], second.split(":")[1]) == ("0", "1")
    assert ev.set_index("row_number").loc[4, "category"] == "drug_possession"
    q = r.quarantine.iloc[0]
    assert q["row_number"] == 6 and "No Location" in q["reason"]


def test_police_uk_summer_month_is_local_midnight(tmp_path):
    header = (DATA / "police_uk_sample.csv").read_text(encoding="utf-8").splitlines()[0]
    p = tmp_path / "2024-07-met-street.csv"
    p.write_text(header + "\nabc,2024-07,M,M,-0.13,51.51,On or near X,E1,W,Drugs,,\n", encoding="utf-8")
    r = prepare(p, police_uk_mapping(), crs="EPSG:27700", timezone="Europe/London", taxonomy=TAX)
    assert r.events["occurred_at"].iloc[0] == pd.Timestamp("2024-06-30T23:00Z")  # BST = UTC+1


def test_iso_times_with_and_without_offsets(tmp_path):
    p = tmp_path / "f.csv"
    p.write_text(
        "t,lon,lat,c\n"
        "2024-03-01T10:00:00,4.35,50.85,theft\n"
        "2024-03-01T10:00:00Z,4.35,50.85,theft\n"
        "2024-03-01 10:00:00+02:00,4.35,50.85,theft\n"
        "yesterday,4.35,50.85,theft\n"
        "2024-03-01T10:00:00,0,0,theft\n"
        "2024-03-01T10:00:00,4.35,50.85,Drug dealing\n",
        encoding="utf-8",
    )
    m = EventMapping.from_dict({"source": "s", "columns": {"time": "t", "lon": "lon", "lat": "lat", "category": "c"}})
    r = prepare(p, m, **BXL)
    got = r.events.set_index("row_number")["occurred_at"]
    assert got[1] == pd.Timestamp("2024-03-01T09:00Z")
    assert got[2] == pd.Timestamp("2024-03-01T10:00Z")
    assert got[3] == pd.Timestamp("2024-03-01T08:00Z")
    assert r.events.set_index("row_number").loc[6, "category"] == "drug_dealing"
    reasons = r.quarantine.set_index("row_number")["reason"]
    assert reasons[4].startswith("unparseable date 'yesterday'")
    assert reasons[5].startswith("coordinates are 0, 0")


def test_swapped_lon_lat_are_pointed_out(tmp_path):
    p = tmp_path / "f.csv"
    p.write_text("t,lon,lat,c\n2024-03-01,50.85,4.35,theft\n", encoding="utf-8")
    m = EventMapping.from_dict({"source": "s", "columns": {"time": "t", "lon": "lon", "lat": "lat", "category": "c"}})
    r = prepare(p, m, **BXL, extent=EXTENT)
    assert "'lon' and 'lat' swapped?" in r.quarantine["reason"].iloc[0]


def test_an_empty_latitude_is_named_and_a_far_wgs84_point_is_not_sent_to_the_crs(tmp_path):
    # A French export (semicolons, decimal commas, latitude before longitude): the row with
    # only its latitude empty names 'latitude'; a Paris row in a Lyon (Lambert-93) workspace
    # is a place elsewhere, and lon/lat are WGS84 whatever the mapping says, so "check the
    # mapping's crs" was no fix.
    p = tmp_path / "faits.csv"
    p.write_text("n;date;latitude;longitude;libelle\n"
                 "1;01/03/2024;45,750291;4,834387;Cambriolage\n"
                 "2;01/03/2024;;4,834387;Cambriolage\n"
                 "3;01/03/2024;;;Cambriolage\n"
                 "4;01/03/2024;48,8566;2,3522;Cambriolage\n", encoding="utf-8")
    m = EventMapping.from_dict({"source": "s", "date_format": "%d/%m/%Y", "columns": {
        "id": "n", "date": "date", "lon": "longitude", "lat": "latitude", "category": "libelle"},
        "categories": {"Cambriolage": "burglary"}})
    lyon = (837_000.0, 6_515_000.0, 847_000.0, 6_523_000.0)
    r = prepare(p, m, crs="EPSG:2154", timezone="Europe/Paris", taxonomy=TAX, extent=lyon)
    assert r.events["source_id"].tolist() == ["1"]
    q = r.quarantine.set_index("row_number")
    assert (q.loc[2, "field"], q.loc[2, "reason"]) == ("latitude", "no coordinates: 'latitude' is empty")
    assert q.loc[3, "reason"] == "no coordinates: 'longitude' and 'latitude' are empty"
    assert "(386.0 km away)" in q.loc[4, "reason"]
    assert "check the mapping's crs" not in q.loc[4, "reason"]
    assert "leave the row out, or widen [workspace] extent" in q.loc[4, "reason"]


def test_parquet_and_geojson_inputs(tmp_path):
    import geopandas as gpd
    import shapely

    frame = pd.DataFrame({
        "id": [1, 2, 3],
        "when": pd.to_datetime(["2024-03-01 10:00", "2024-03-02 11:00", None]),
        "lon": [4.35, 4.36, 4.37],
        "lat": [50.85, 50.84, 50.83],
        "kind": ["theft", "arrest", "theft"],
    })
    frame.to_parquet(tmp_path / "e.parquet")
    m = EventMapping.from_dict({"source": "pq", "columns": {"id": "id", "time": "when", "lon": "lon",
                                                              "lat": "lat", "category": "kind"}})
    r = prepare(tmp_path / "e.parquet", m, **BXL)
    assert r.events["source_id"].tolist() == ["1", "2"]
    assert r.events["occurred_at"].iloc[0] == pd.Timestamp("2024-03-01T09:00Z")
    assert r.quarantine["reason"].iloc[0].startswith("no date/time")

    gdf = gpd.GeoDataFrame(
        frame.drop(columns=["lon", "lat"]).assign(when=["2024-03-01T10:00", "2024-03-02T11:00", "2024-03-03"]),
        geometry=[shapely.Point(4.35, 50.85), shapely.Point(4.36, 50.84),
                  shapely.box(4.3, 50.8, 4.31, 50.81)],
        crs="EPSG:4326",
    )
    for ext in ("geojson", "gpkg"):
        path = tmp_path / f"e.{ext}"
        gdf.to_file(path)
        mv = EventMapping.from_dict({"source": "v", "columns": {"id": "id", "time": "when", "category": "kind"}})
        rv = prepare(path, mv, **BXL)
        assert rv.events["source_id"].tolist() == ["1", "2"]
        np.testing.assert_allclose(rv.events["lon"], [4.35, 4.36])
        assert rv.quarantine["reason"].iloc[0] == "geometry is a Polygon, expected a Point"


def test_transform_points_in_slices_equals_one_call(monkeypatch):
    from hotspotwatch.geo.crs import transformer
    from hotspotwatch.io import coordinates

    rng = np.random.default_rng(3)
    a = rng.uniform(141000, 157000, 5000)
    b = rng.uniform(163000, 178000, 5000)
    a[7] = np.nan  # an unusable point stays NaN, in whichever slice it falls
    to_ws = transformer("EPSG:31370", "EPSG:3812")
    to_geo = transformer("EPSG:3812", "EPSG:4326")
    monkeypatch.setattr(coordinates, "PARALLEL_FROM", 100)
    [(x, y)] = coordinates.transform_points([to_ws], a, b)
    ref_x, ref_y = Transformer.from_crs("EPSG:31370", "EPSG:3812", always_xy=True).transform(a, b)
    np.testing.assert_array_equal(x, ref_x)
    np.testing.assert_array_equal(y, ref_y)
    assert np.isnan(x[7]) and np.isnan(y[7])
    # lon/lat through the workspace CRS equal the direct Lambert 72 -> WGS84 transformation
    # within 1e-8 degrees (about 1 mm).
    [(lon, lat)] = coordinates.transform_points([to_geo], x, y)
    ref_lon, ref_lat = Transformer.from_crs("EPSG:31370", "EPSG:4326", always_xy=True).transform(a, b)
    ok = np.isfinite(ref_lon)
    np.testing.assert_allclose(lon[ok], ref_lon[ok], rtol=0, atol=1e-8)
    np.testing.assert_allclose(lat[ok], ref_lat[ok], rtol=0, atol=1e-8)


def test_coordinate_reasons_come_before_other_reasons_for_the_same_row():
    from hotspotwatch.io.validate import Flags

    first, later = Flags(4), Flags(4)
    first.add(np.array([True, False, False, False]), "x", "no coordinates")
    later.add(np.array([True, True, False, False]), "date", "unparseable date")
    later.add(np.array([False, False, False, True]), "category", "unknown category")
    both = first.then(later)
    assert list(both.reason) == ["no coordinates", "unparseable date", None, "unknown category"]
    assert list(both.field) == ["x", "date", None, "category"]
    assert list(both.ok) == [False, False, True, False]


def test_synthesised_ids_are_the_documented_sha1_of_the_raw_row_and_its_ordinal(tmp_path):
    """docs/mapping.md "Identity": SHA-1 of the raw row (fields joined by U+001F) + ":" + the
    ordinal among identical rows of the file, in row order; stable across versions."""
    import hashlib

    lines = [
        "01/03/2024,14,4.3517,50.8466,Vol simple",
        "01/03/2024,14,4.3517,50.8466,Vol simple",
        "02/03/2024,9,4.3600,50.8500,Nuisances",
        "01/03/2024,14,4.3517,50.8466,Vol simple",
        "02/03/2024,9,4.3600,50.8500,Nuisances",
        "03/03/2024,23,4.3700,50.8400,Vol simple",
    ]
    p = tmp_path / "no_ids.csv"
    p.write_text("date,hour,lon,lat,type\n" + "\n".join(lines) + "\n", encoding="utf-8")
    m = EventMapping.from_dict({
        "source": "s", "date_format": "%d/%m/%Y",
        "columns": {"date": "date", "hour": "hour", "lon": "lon", "lat": "lat", "category": "type"},
        "categories": {"Vol simple": "theft", "Nuisances": "nuisance"},
    }, name="no_ids")  # fmt: skip
    ev = prepare(p, m, **BXL).events
    seen: dict[str, int] = {}
    expected = []
    for line in lines:
        digest = hashlib.sha1(line.replace(",", "\x1f").encode("utf-8")).hexdigest()
        expected.append(f"{digest}:{seen.get(digest, 0)}")
        seen[digest] = seen.get(digest, 0) + 1
    assert ev.sort_values("row_number")["source_id"].tolist() == expected
    assert [e.rsplit(":", 1)[1] for e in expected] == ["0", "1", "0", "2", "1", "0"]
