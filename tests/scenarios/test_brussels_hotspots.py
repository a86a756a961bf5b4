"""Hotspot list and designation decisions, checked against FACTS.md."""

from __future__ import annotations

import datetime as dt
import itertools

import pytest

from hotspotwatch.scenarios.brussels.geography import load_geography
from hotspotwatch.scenarios.brussels.hotspots import (
    BODY,
    HOTSPOTS,
    designation_frame,
    designations,
    hotspot_frame,
)

# FACTS.md: hotspot -> police zone(s) the sources give.
FACTS_ZONES = {
    "Chaussée d'Anvers": {5339},
    "Matongé": {5339},
    "Yser": {5339},
    "Querelle (Marolles)": {5339},
    "Versailles (Neder-Over-Heembeek)": {5339},
    "Porte de Hal": {5339, 5341},
    "Clemenceau": {5341},
    "Peterbos": {5341},
    "Saint-Antoine": {5341},
    "Gare du Midi": {5341},
    "Gare du Nord": {5344, 5339},
    "Étangs Noirs": {5340},
    "Ribaucourt": {5340},
    "Bonnevie": {5340},
    "Paal / Kolom": {5340},
    "Aumale": {5341},
    "Marbotin": {5344},
}


def test_each_centre_falls_in_the_police_zone_facts_gives() -> None:
    geo = load_geography()
    hs = hotspot_frame()
    zones = geo.zone_at(hs["x"], hs["y"])
    got = dict(zip(hs["name"], zones.tolist(), strict=True))
    assert set(got) == set(FACTS_ZONES)
    for name, zone in got.items():
        assert zone in FACTS_ZONES[name], (name, zone)
    # The recorded zone is the one the centre falls in.
    assert (hs["zone"].astype(int).to_numpy() == zones).all()


def test_seventeen_hotspots_are_approximate_circles() -> None:
    hs = hotspot_frame(radius_m=300)
    assert len(hs) == 17
    assert hs["approximate"].all()
    assert hs["note"].str.contains("not published").all()
    assert hs.geometry.area.to_numpy() == pytest.approx(3.14159 * 300**2, rel=1e-3)


def test_bad_radius_is_rejected_with_the_parameter_name() -> None:
    with pytest.raises(ValueError, match="radius_m"):
        hotspot_frame(radius_m=0)


def test_designation_dates_follow_facts() -> None:
    d = designation_frame()
    clem = d[d["hotspot"] == "Clemenceau"]
    assert clem["start"].tolist()[:3] == [
        dt.date(2024, 3, 28),
        dt.date(2024, 10, 4),
        dt.date(2025, 3, 4),
    ]
    assert clem["action"].tolist()[0] == "designate"
    assert "2024-04-02" in clem["decision_ref"].iloc[0]
    assert "2025-02-26" in clem["decision_ref"].iloc[2]
    assert clem["end"].iloc[2] == dt.date(2025, 9, 3)
    first = d.groupby("hotspot")["start"].min()
    assert first["Aumale"].strftime("%Y-%m") == "2024-10"
    assert first["Marbotin"].strftime("%Y-%m") == "2025-12"
    assert (d["body"] == BODY).all()
    assert (d.groupby("hotspot")["action"].first() == "designate").all()


def test_designation_periods_do_not_overlap() -> None:
    for site in HOTSPOTS:
        rows = [r for r in designations() if r.hotspot == site.name]
        for a, b in itertools.pairwise(rows):
            assert a.end is not None and a.end < b.start
