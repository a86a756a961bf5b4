"""The map's data layer (/api/v1/map/layer, /map/options, /map/export), issue 17.

Counts are checked against counts made here from ``Workspace.events`` (cells keyed by
``floor(x / size), floor(y / size)`` in Lambert 2008; zones by shapely's ``contains_xy``),
not against the module under test.
"""

from __future__ import annotations

import collections
import csv
import io
import math

import numpy as np
import pandas as pd
import shapely
from pyproj import Transformer

from hotspotwatch.i18n import format_number, translate
from hotspotwatch.workflows import audit as audit_wf
from hotspotwatch.workflows.web import public_grid

from .conftest import ZONES, WebEnv

TO_LAMBERT = Transformer.from_crs("EPSG:4326", "EPSG:3812", always_xy=True)
TO_LONLAT = Transformer.from_crs("EPSG:3812", "EPSG:4326", always_xy=True)
LAYER = "/api/v1/map/layer"


def _cell_key(feature: dict, size: float) -> tuple[int, int]:
    """The Lambert cell of a square cell outline sent in lon/lat (its centre, floored)."""
    ring = np.asarray(feature["geometry"]["coordinates"][0][:-1])
    x, y = TO_LAMBERT.transform(ring[:, 0], ring[:, 1])
    return math.floor(np.mean(x) / size), math.floor(np.mean(y) / size)


def _expected_cells(frame: pd.DataFrame, size: float) -> dict[tuple[int, int], int]:
    keys = zip(
        np.floor(frame["x"].to_numpy() / size).astype(int),
        np.floor(frame["y"].to_numpy() / size).astype(int),
        strict=True,
    )
    return dict(collections.Counter(keys))


def test_cells_follow_the_month_range_and_match_an_independent_count(web: WebEnv) -> None:
    for lo, hi, start, end in [
        ("2023-01", "2023-12", "2023-01-01", "2024-01-01"),
        ("2024-03", "2024-08", "2024-03-01", "2024-09-01"),
    ]:
        r = web.client.get(
            f"{LAYER}?month_from={lo}&month_to={hi}&role=harm&cell_size=250&level=cells",
            headers=web.auth("regional_analyst"),
        )
        assert r.status_code == 200, r.text
        body = r.json()
        ev = web.ws.events(roles="harm", start=start, end=end)
        assert body["level"] == "cells" and body["total"] == len(ev) > 0
        got = {_cell_key(f, 250): f["properties"]["count"] for f in body["cells"]["features"]}
        assert got == _expected_cells(ev, 250)
        assert body["caption"].startswith(f"{len(ev)} events in {len(got)} cells")
        assert body["legend"] and len(body["legend"]) == len(body["breaks"])
        assert body["breaks"][0] == 1 and body["breaks"] == sorted(set(body["breaks"]))
    entry = audit_wf.entries(web.ws)[-1]
    assert entry["action"] == "map.read" and entry["username"] == "rita"
    assert entry["rows"] == body["total"]


def test_all_months_are_the_whole_period_not_the_first_events_by_id(web: WebEnv) -> None:
    """Issue 17: "All months" showed the first 5,000 events by id (the first months)."""
    r = web.client.get(f"{LAYER}?level=events&limit=50", headers=web.auth("regional_analyst"))
    body = r.json()
    ev = web.ws.events()
    assert body["level"] == "events" and body["capped"] is True
    assert body["shown"] == len(body["events"]["id"]) == 50 and body["total"] == len(ev)
    assert body["caption"].startswith(f"50 of {len(ev)} events shown")
    months = sorted({d[:7] for d in body["events"]["date"]})
    local = ev["occurred_at"].dt.tz_convert(web.ws.config.timezone)
    first, last = local.min().strftime("%Y-%m"), local.max().strftime("%Y-%m")
    assert months[0] == first and months[-1] == last  # spread over the whole period
    first_ids = set(ev.sort_values("event_id")["event_id"].head(50).astype(int))
    assert set(body["events"]["id"]) != first_ids
    # French caption: Babel numbers and the French text
    fr = web.client.get(
        f"{LAYER}?level=events&limit=50&lang=fr", headers=web.auth("regional_analyst")
    ).json()
    assert fr["caption"] == translate(
        "web.map.capped", "fr", shown=format_number(50, "fr", digits=None),
        total=format_number(len(ev), "fr", digits=None),
    )


def test_points_in_view_are_every_event_there(web: WebEnv) -> None:
    lon0, lat0 = TO_LONLAT.transform(645900, 666900)  # around the Gare du Midi cluster
    lon1, lat1 = TO_LONLAT.transform(646500, 667500)
    bbox = (round(lon0, 5), round(lat0, 5), round(lon1, 5), round(lat1, 5))
    r = web.client.get(
        f"{LAYER}?zoom=15&bbox={','.join(map(str, bbox))}", headers=web.auth("regional_analyst")
    )
    body = r.json()
    ev = web.ws.events()
    lon, lat = ev["lon"].to_numpy(), ev["lat"].to_numpy()
    inside = (lon >= bbox[0]) & (lon <= bbox[2]) & (lat >= bbox[1]) & (lat <= bbox[3])
    assert body["level"] == "events" and body["capped"] is False
    assert set(body["events"]["id"]) == set(ev["event_id"][inside].astype(int)) != set()
    assert body["caption"] == f"{int(inside.sum())} events shown"
    # zoomed out, the same view is drawn as cells
    out = web.client.get(f"{LAYER}?zoom=11", headers=web.auth("regional_analyst")).json()
    assert out["level"] == "cells" and out["cell_size"] == 500


def test_zone_analyst_counts_only_inside_their_zone(web: WebEnv) -> None:
    ev = web.ws.events()
    inside = shapely.contains_xy(ZONES["5341"], ev["x"].to_numpy(), ev["y"].to_numpy())
    body = web.client.get(f"{LAYER}?level=cells", headers=web.auth("zone_analyst")).json()
    assert body["total"] == int(inside.sum()) < len(ev)
    assert sum(f["properties"]["count"] for f in body["cells"]["features"]) == body["total"]
    pts = web.client.get(
        f"{LAYER}?level=events&limit=10000", headers=web.auth("zone_analyst")
    ).json()
    assert set(pts["events"]["id"]) == set(ev["event_id"][inside].astype(int))
    # asking for the other zone gives nothing of it
    other = web.client.get(f"{LAYER}?zone=5339", headers=web.auth("zone_analyst")).json()
    assert other["total"] == 0
    opts = web.client.get("/api/v1/map/options", headers=web.auth("zone_analyst")).json()
    assert [z["code"] for z in opts["zones"]] == ["5341"] and opts["categories"]


def test_category_and_zone_filters(web: WebEnv) -> None:
    ev = web.ws.events(categories=["assault"])
    inside = shapely.contains_xy(ZONES["5339"], ev["x"].to_numpy(), ev["y"].to_numpy())
    body = web.client.get(
        f"{LAYER}?category=assault&zone=5339&level=events&limit=10000",
        headers=web.auth("regional_analyst"),
    ).json()
    assert set(body["events"]["id"]) == set(ev["event_id"][inside].astype(int)) != set()
    assert {body["events"]["categories"][c] for c in body["events"]["category"]} == {"assault"}
    # /events takes the same zone filter (added parameter, same contract)
    page = web.client.get(
        "/api/v1/events?category=assault&zone=5339&limit=10000",
        headers=web.auth("regional_analyst"),
    ).json()
    assert {f["id"] for f in page["features"]} == set(body["events"]["id"])
    assert page["total"] == len(page["features"]) and page["type"] == "FeatureCollection"


def test_roles_without_event_access_get_the_protected_partition_only(web: WebEnv) -> None:
    k = web.ws.config.disclosure_k
    for year in (None, 2024):
        q = f"?year={year}" if year else ""
        body = web.client.get(f"{LAYER}{q}", headers=web.auth("partner")).json()
        assert body["level"] == "cells" and body["total"] is None and body["k"] == k
        counts = [f["properties"]["count"] for f in body["cells"]["features"]]
        assert counts and min(counts) >= k
        published = [
            f["properties"]["count"]
            for f in public_grid(web.ws, role="harm", year=year)["features"]
            if f["properties"]["count"] is not None
        ]
        assert sorted(counts) == sorted(published)
    for q in ["month_from=2024-01", "category=assault", "level=events", "shape=hex",
              "cell_size=250", "role=harm&role=enforcement"]:
        r = web.client.get(f"{LAYER}?{q}", headers=web.auth("partner"))
        assert r.status_code == 403, q
        assert audit_wf.entries(web.ws)[-1]["action"] == "access.denied"
    opts = web.client.get("/api/v1/map/options", headers=web.auth("admin")).json()
    assert opts["event_access"] is False and "categories" not in opts
    assert opts["years"] == [2023, 2024]


def test_export_is_what_the_map_shows_and_is_audited(web: WebEnv) -> None:
    q = "level=events&limit=30&month_from=2024-01&month_to=2024-06"
    shown = web.client.get(f"{LAYER}?{q}", headers=web.auth("regional_analyst")).json()
    r = web.client.get(f"/api/v1/map/export?{q}&format=csv", headers=web.auth("regional_analyst"))
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/csv")
    assert "attachment" in r.headers["content-disposition"]
    rows = list(csv.DictReader(io.StringIO(r.text)))
    assert [int(x["event_id"]) for x in rows] == sorted(shown["events"]["id"])
    assert all("2024-01" <= x["occurred_at"][:7] <= "2024-06" for x in rows)
    entry = audit_wf.entries(web.ws)[-1]
    assert entry["action"] == "map.export" and entry["rows"] == 30
    gj = web.client.get(
        f"/api/v1/map/export?{q}&format=geojson", headers=web.auth("regional_analyst")
    ).json()
    assert gj["type"] == "FeatureCollection" and len(gj["features"]) == 30
    assert gj["capped"] is True and gj["total"] == shown["total"]
    # a partner's export holds the published cells only
    cells = web.client.get("/api/v1/map/export?format=csv", headers=web.auth("partner"))
    rows = list(csv.DictReader(io.StringIO(cells.text)))
    assert rows and min(int(x["count"]) for x in rows) >= web.ws.config.disclosure_k
    assert web.client.get(
        "/api/v1/map/export?level=events", headers=web.auth("partner")
    ).status_code == 403


def test_hexagons_count_every_event_once(web: WebEnv) -> None:
    body = web.client.get(
        f"{LAYER}?shape=hex&cell_size=500&level=cells", headers=web.auth("regional_analyst")
    ).json()
    assert body["shape"] == "hex"
    assert all(len(f["geometry"]["coordinates"][0]) == 7 for f in body["cells"]["features"])
    assert sum(f["properties"]["count"] for f in body["cells"]["features"]) == body["total"]
    assert body["total"] == len(web.ws.events())


def test_bad_parameters_are_one_line_422(web: WebEnv) -> None:
    for q, word in [
        ("month_from=2024-13", "month_from"),
        ("month_from=2024-05&month_to=2024-01", "swap"),
        ("category=nonsense", "category"),
        ("zone=9999", "zone"),
        ("cell_size=300", "cell_size"),
        ("year=2024&month_from=2024-01", "either"),
        ("bbox=1,2,3", "bbox"),
    ]:
        r = web.client.get(f"{LAYER}?{q}", headers=web.auth("regional_analyst"))
        assert r.status_code == 422, q
        detail = r.json()["detail"]
        assert isinstance(detail, str) and word in detail and "\n" not in detail


def test_area_layer_simplified_for_the_map(web: WebEnv) -> None:
    import shapely.geometry

    full = web.client.get("/api/v1/areas/police_zone", headers=web.auth("partner")).json()
    thin = web.client.get(
        "/api/v1/areas/police_zone?simplify=5", headers=web.auth("partner")
    ).json()
    assert [f["id"] for f in thin["features"]] == [f["id"] for f in full["features"]]
    for a, b in zip(full["features"], thin["features"], strict=True):
        ga, gb = shapely.geometry.shape(a["geometry"]), shapely.geometry.shape(b["geometry"])
        # the same place: outlines within a few metres (1e-4 degree is about 7-11 m)
        assert ga.hausdorff_distance(gb) < 1e-4
        assert shapely.get_num_coordinates(gb) <= shapely.get_num_coordinates(ga)
    r = web.client.get("/api/v1/areas/police_zone?simplify=-1", headers=web.auth("partner"))
    assert r.status_code == 422


def test_cell_counts_are_computed_once_per_filter_until_the_data_change(web: WebEnv) -> None:
    import time

    from hotspotwatch.workflows.web import STAMP_TTL_S, mapcells, mapdata

    flt = mapdata.MapFilter(roles=("harm",), month_from="2024-01", month_to="2024-06")
    first = mapcells.cell_counts(web.ws, flt=flt, kind="square", cell_size=250.0)
    again = mapcells.cell_counts(web.ws, flt=flt, kind="square", cell_size=250.0)
    assert again is first  # the cached value, not a recount
    other = mapcells.cell_counts(web.ws, flt=flt, kind="hex", cell_size=250.0)
    assert other is not first and int(other.counts.sum()) == int(first.counts.sum())
    extra = pd.DataFrame(
        {"source_id": ["late"], "occurred_at": [pd.Timestamp("2024-02-10 12:00", tz="UTC")],
         "x": [646200.0], "y": [667200.0], "category": ["assault"]}
    )
    web.ws.add_events(extra, source="test-late")
    time.sleep(STAMP_TTL_S + 0.1)  # the data stamp is re-read at most every STAMP_TTL_S
    fresh = mapcells.cell_counts(web.ws, flt=flt, kind="square", cell_size=250.0)
    assert fresh is not first and fresh.events == first.events + 1


def test_options_name_months_and_categories_in_the_language(web: WebEnv) -> None:
    import datetime as dt

    from hotspotwatch.i18n import format_month

    opts = web.client.get(
        "/api/v1/map/options?lang=nl", headers=web.auth("regional_analyst")
    ).json()
    local = web.ws.events()["occurred_at"].dt.tz_convert(web.ws.config.timezone)
    first = local.min().strftime("%Y-%m")
    assert opts["months"][0] == first and len(opts["month_labels"]) == len(opts["months"])
    assert opts["month_labels"][0] == format_month(
        dt.date(int(first[:4]), int(first[5:]), 1), "nl"
    )
    labels = {c["name"]: c["label"] for c in opts["categories"]}
    assert labels["shooting"] == translate("category.shooting", "nl")
    assert {r["name"] for r in opts["roles"]} == {"harm", "enforcement", "prevention"}
    w, s, e, n = opts["bounds"]
    assert w < e and s < n
