"""Property-based tests: random malformed CSVs never crash the importer and every row is
accounted for (read == accepted + quarantined)."""

from __future__ import annotations

import tempfile
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from hotspotwatch.domain.taxonomy import Taxonomy
from hotspotwatch.io.errors import SourceError
from hotspotwatch.io.importer import prepare
from hotspotwatch.io.mapping import EventMapping

TAX = Taxonomy.default()
MAPPING = EventMapping.from_dict({
    "source": "prop",
    "keep": ["note"],
    "columns": {"id": "id", "date": "date", "hour": "hour", "lon": "lon", "lat": "lat", "category": "cat"},
    "categories": {"Vol": "theft", "Deal": "drug_dealing"},
})
EXTENT = (640000.0, 660000.0, 660000.0, 680000.0)

cells = st.one_of(
    st.sampled_from(["", "1", "Vol", "Deal", "theft", "2024-03-01", "2024-02-30", "4.35", "50.85",
                     "4,35", "50,85", "23", "25", "12:30", "NaN", "inf", "-0", "1e400", '"', '""',
                     "a,b", "x;y", "\t", " ", "No Location", "é", "\u00a0"]),
    st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=8),
)
row = st.lists(cells, min_size=0, max_size=9)
header = st.one_of(
    st.just(["id", "date", "hour", "lon", "lat", "cat", "note"]),
    st.permutations(["id", "date", "hour", "lon", "lat", "cat", "note"]).map(list),
    st.lists(st.sampled_from(["id", "date", "hour", "lon", "lat", "cat", "note", "x", ""]), max_size=8),
)


def _check(data: bytes) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "random.csv"
        path.write_bytes(data)
        try:
            r = prepare(path, MAPPING, crs="EPSG:3812", timezone="Europe/Brussels", taxonomy=TAX,
                        extent=EXTENT)
        except SourceError as exc:
            msg = str(exc)
            assert msg and "\n" not in msg.strip()
            return
    assert r.read == len(r.events) + len(r.quarantine)
    ev = r.events
    assert not ev["source_id"].duplicated().any()
    assert set(ev["category"]) <= set(TAX.names())
    assert ev["occurred_at"].notna().all()
    assert np.isfinite(ev[["x", "y", "lon", "lat"]].to_numpy(dtype=float)).all()
    assert (ev["x"].between(EXTENT[0], EXTENT[2]) & ev["y"].between(EXTENT[1], EXTENT[3])).all()
    assert r.quarantine["reason"].map(lambda s: isinstance(s, str) and len(s) > 0).all()
    rows = sorted(r.quarantine["row_number"].tolist() + ev["row_number"].tolist())
    assert rows == list(range(1, r.read + 1))


@pytest.mark.slow
@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(head=header, body=st.lists(row, max_size=12), delim=st.sampled_from([",", ";", "\t"]),
       encoding=st.sampled_from(["utf-8", "cp1252", "utf-16"]))
def test_random_csv_never_crashes_and_accounts_for_every_row(head, body, delim, encoding):
    text = "\n".join(delim.join(r) for r in [head, *body]) + "\n"
    _check(text.encode(encoding, errors="replace"))


@pytest.mark.slow
@settings(max_examples=50, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.binary(max_size=300))
def test_random_bytes_never_crash(data):
    _check(b"id,date,hour,lon,lat,cat,note\n" + data)
