"""store.counts against independent reads: one GROUP BY, and the frame-returning readers."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import func, select

from hotspotwatch.store import counts
from hotspotwatch.store.schema import events
from hotspotwatch.testing import make_city


@pytest.fixture(scope="module")
def city(tmp_path_factory: pytest.TempPathFactory):
    ws = make_city(tmp_path_factory.mktemp("counts") / "city", scale=0.2, start=dt.date(2023, 1, 1))
    yield ws
    ws.close()


def test_event_stats_equals_one_group_by(city) -> None:
    with city.engine.connect() as conn:
        rows = conn.execute(
            select(
                events.c.category,
                func.count(),
                func.min(events.c.occurred_at),
                func.max(events.c.occurred_at),
            )
            .group_by(events.c.category)
            .order_by(events.c.category)
        ).all()
    expected = {r[0]: {"count": r[1], "first": str(r[2]), "last": str(r[3])} for r in rows}
    assert len(expected) > 1
    assert counts.event_stats(city.engine) == expected
    assert counts.count_events(city.engine) == sum(r[1] for r in rows)


def test_place_counts_equal_the_frame_readers(city) -> None:
    assert counts.area_counts(city.engine) == {
        layer: len(city.areas(layer)) for layer in city.area_layers()
    }
    assert counts.hotspot_names(city.engine) == city.hotspots()["name"].tolist()
    assert len(counts.area_wkb(city.engine, "region")) == 1
    assert len(counts.area_wkb(city.engine)) == sum(counts.area_counts(city.engine).values())


def test_empty_store() -> None:
    from hotspotwatch.store.engine import make_engine, migrate

    engine = make_engine("sqlite://")
    migrate(engine)
    assert counts.event_stats(engine) == {} and counts.count_events(engine) == 0
    assert counts.area_counts(engine) == {} and counts.hotspot_names(engine) == []
    assert counts.area_bounds(engine) is None
