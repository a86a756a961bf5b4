"""PostGIS layers for QGIS (migration 0005): geometry columns, result layers, row-level security.

Needs PostgreSQL with the PostGIS extension available: skipped on a laptop without it, FAILS
under CI=true (``.ci/run`` installs ``postgresql-15-postgis-3``).
"""

from __future__ import annotations

import json
import shutil
import subprocess
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import shapely
import sqlalchemy as sa
from tests.conftest import IN_CI, PG_URL, require_postgres
from typer.testing import CliRunner

from hotspotwatch import Workspace
from hotspotwatch.store import postgis

pytestmark = pytest.mark.postgres


def require_postgis() -> None:
    """Skip (or fail under CI=true) when the server has no PostGIS extension."""
    require_postgres()
    engine = sa.create_engine(PG_URL)
    with engine.begin() as conn:
        schema, reason = postgis.ensure_extension(conn)
    engine.dispose()
    if schema is None:
        msg = f"PostGIS not available at {PG_URL}: {reason}"
        if IN_CI:
            pytest.fail(msg + " (CI=true: a PostGIS test may not be skipped)")
        pytest.skip(msg)


@pytest.fixture(scope="module")
def city(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Workspace]:
    """A synthetic city (EPSG:32631, zones Z1..Z4) on PostGIS, with one run of each layer."""
    require_postgis()
    from hotspotwatch.testing import make_city
    from hotspotwatch.workflows import detect, evaluate
    from hotspotwatch.workflows.detect_classify import classify_spec
    from hotspotwatch.workflows.runs import ensure_run
    from hotspotwatch.workflows.spacetime_emerging import run_emerging

    schema = f"hw_test_{uuid.uuid4().hex[:12]}"
    admin = sa.create_engine(PG_URL)
    with admin.begin() as conn:
        conn.execute(sa.text(f'CREATE SCHEMA "{schema}"'))
    # The store's schema first, then PostGIS's (public), as a QGIS connection sees them.
    url = f"{PG_URL}?options=-csearch_path%3D{schema},public"
    ws = make_city(tmp_path_factory.mktemp("pgcity") / "ws", scale=0.2, database_url=url)
    detect.gistar_grid(ws, permutations=99)
    detect.lisa_grid(ws, permutations=99)
    detect.kde_surface(ws)
    run_emerging(ws)
    ensure_run(
        ws, classify_spec(ws, start="2021-01-01", end="2024-01-01", n_periods=4, cell_size=500)
    )
    evaluate.evaluate_strategy(ws, synth_donors=0)
    yield ws
    ws.close()
    with admin.begin() as conn:
        roles = [
            r[0]
            for r in conn.execute(
                sa.text("SELECT rolname FROM pg_roles WHERE rolname LIKE :p"), {"p": f"{schema}%"}
            )
        ]
        conn.execute(sa.text(f'DROP SCHEMA "{schema}" CASCADE'))
        for role in roles:
            conn.execute(sa.text(f'DROP ROLE "{role}"'))
    admin.dispose()


def _schema(ws: Workspace) -> str:
    with ws.engine.connect() as conn:
        return str(conn.execute(sa.text("SELECT current_schema()")).scalar())


def _rows(ws: Workspace, sql: str, **params: Any) -> list[Any]:
    with ws.engine.connect() as conn:
        return list(conn.execute(sa.text(sql), params))


def test_geometry_columns_list_every_layer_with_the_workspace_srid(city: Workspace) -> None:
    got = {
        name: (srid, kind)
        for name, srid, kind in _rows(
            city,
            "SELECT f_table_name, srid, type FROM geometry_columns"
            " WHERE f_table_schema = current_schema() AND f_table_name LIKE 'gis_%'",
        )
    }
    assert got == {name: (32631, kind) for name, kind in postgis.LAYERS.items()}
    assert postgis.layer_srid(city.engine) == 32631


def test_every_layer_has_rows_a_unique_integer_key_and_a_spatial_index(city: Workspace) -> None:
    keys = {"gis_events": "event_id", "gis_areas": "area_id", "gis_hotspots": "hotspot_id"}
    for layer in postgis.LAYERS:
        key = keys.get(layer, "fid")
        n, distinct, kind = _rows(
            city,
            f"SELECT count(*), count(DISTINCT {key}), pg_typeof(min({key}))::text FROM {layer}",
        )[0]
        assert n > 0, layer
        assert distinct == n, layer
        assert kind == "integer", layer
    indexed = {
        r[0]
        for r in _rows(
            city,
            "SELECT c.relname FROM pg_index i JOIN pg_class c ON c.oid = i.indrelid"
            " JOIN pg_class x ON x.oid = i.indexrelid JOIN pg_am a ON a.oid = x.relam"
            " WHERE a.amname = 'gist' AND c.relnamespace = current_schema()::regnamespace",
        )
    }
    assert indexed == {
        "events",
        "areas",
        "hotspots",
        *(v for vs in postgis.RUN_VIEWS.values() for v in vs),
    }


def test_event_points_are_the_stored_x_y_and_counts_match(city: Workspace) -> None:
    rows = _rows(
        city,
        "SELECT e.event_id, e.x, e.y, ST_AsText(g.geom), ST_SRID(g.geom)"
        " FROM events e JOIN gis_events g USING (event_id)"
        " ORDER BY e.event_id LIMIT 5",
    )
    for _eid, x, y, wkt, srid in rows:
        assert srid == 32631
        point = shapely.from_wkt(wkt)
        assert (point.x, point.y) == (x, y)
    assert _rows(city, "SELECT count(*) FROM gis_events")[0][0] == city.count_events()


def test_areas_and_hotspots_are_their_stored_polygons(city: Workspace) -> None:
    zones = city.areas(city.config.zone_layer).set_index("code")
    for code, wkb in _rows(
        city,
        "SELECT code, ST_AsBinary(geom) FROM gis_areas WHERE layer = :l",
        l=city.config.zone_layer,
    ):
        assert shapely.from_wkb(bytes(wkb)).symmetric_difference(zones.geometry[code]).area < 1e-6
    stored = city.hotspots().set_index("name")
    hs = _rows(
        city,
        "SELECT name, designated, decision, decision_start, ST_AsBinary(geom)"
        " FROM gis_hotspots ORDER BY name",
    )
    assert [h[0] for h in hs] == sorted(stored.index)
    decisions = city.designations()
    for name, designated, decision, start, wkb in hs:
        assert shapely.from_wkb(bytes(wkb)).symmetric_difference(stored.geometry[name]).area < 1e-6
        mine = decisions[decisions["hotspot"] == name].sort_values("start")
        last = mine.iloc[-1]
        assert (decision, start) == (last["action"], last["start"])
        end = last["end"]
        today = __import__("datetime").date.today()
        assert designated == (
            last["action"] != "end" and (end is None or end != end or end >= today)
        )


def _current(ws: Workspace, kind: str) -> Any:
    infos = [i for i in ws.run_infos(kind)]
    assert len(infos) == 1
    run = ws.get_run(infos[0].key)
    assert run is not None
    return run


def test_gistar_cells_are_the_grid_polygons_with_the_runs_numbers(city: Workspace) -> None:
    run = _current(city, "detect.gistar").result
    grid = run.grid.to_grid()
    polys = grid.polygons()
    rows = _rows(
        city, "SELECT row, col, cell, count, z, bin, ST_AsBinary(geom) FROM gis_gistar ORDER BY fid"
    )
    assert len(rows) == grid.n_cells == len(polys)
    z = np.asarray(run.gistar.z)
    bins = np.asarray(run.gistar.bins)
    for (r, c, _k, count, zz, b, wkb), poly in zip(rows, polys, strict=True):
        assert shapely.from_wkb(bytes(wkb)).normalize().equals_exact(poly.normalize(), 1e-6)
        assert count == pytest.approx(float(run.counts[r, c]))
        assert zz == pytest.approx(float(z[r, c]), rel=1e-12)
        assert b == int(bins[r, c])
    assert sorted(r[5] for r in rows) == sorted(int(v) for v in bins[np.asarray(run.grid.mask)])


def test_per_cell_results_follow_the_masked_row_major_order(city: Workspace) -> None:
    lisa = _current(city, "detect.lisa").result
    rows = _rows(city, "SELECT cell, local_i, cluster FROM gis_lisa ORDER BY fid")
    assert [r[0] for r in rows] == list(range(lisa.grid.n_cells))
    assert np.allclose([r[1] for r in rows], np.asarray(lisa.lisa.Is))
    assert [r[2] for r in rows] == [int(v) for v in lisa.lisa.cluster]
    em = _current(city, "spacetime.emerging").result
    cats = [r[0] for r in _rows(city, "SELECT category FROM gis_emerging ORDER BY fid")]
    assert cats == list(em.emerging.category)
    cl = _current(city, "detect.classify").result
    got = _rows(city, "SELECT category, hot_share FROM gis_classify ORDER BY fid")
    assert [r[0] for r in got] == list(cl.classify.category)
    assert np.allclose([r[1] for r in got], np.asarray(cl.classify.hot_share))
    kde = _current(city, "detect.kde").result
    dens = _rows(city, "SELECT row, col, density FROM gis_kde ORDER BY fid")
    assert len(dens) == kde.grid.n_cells
    assert all(d == pytest.approx(float(kde.kde.density[r][c])) for r, c, d in dens)


def test_a_masked_hex_grid_cell_is_the_same_polygon_in_sql(city: Workspace) -> None:
    from hotspotwatch.geo.grid import make_grid

    triangle = shapely.Polygon([(500_000, 4_650_000), (501_000, 4_650_000), (500_000, 4_651_000)])
    for kind in ("hex", "square"):
        grid = make_grid(triangle, cell_size=130, kind=kind)
        rows, cols = np.nonzero(grid.mask)
        polys = grid.polygons()
        for r, c, poly in list(zip(rows, cols, polys, strict=True))[::7]:
            (wkb,) = _rows(
                city,
                "SELECT ST_AsBinary(gis_cell(:k, :s, :x0, :y0, :r, :c, 32631))",
                k=kind,
                s=grid.cell_size,
                x0=grid.x0,
                y0=grid.y0,
                r=int(r),
                c=int(c),
            )[0]
            assert shapely.from_wkb(bytes(wkb)).normalize().equals_exact(poly.normalize(), 1e-6)


def test_buffers_and_controls_are_those_of_the_current_evaluation(city: Workspace) -> None:
    ev = _current(city, "evaluate").result
    rings = [(h.name, shapely.from_wkt(r.wkt)) for h in ev.hotspots for r in h.rings]
    got = _rows(city, "SELECT hotspot, ST_AsBinary(geom) FROM gis_buffers ORDER BY fid")
    assert [g[0] for g in got] == [n for n, _ in rings]
    for (_, wkb), (_, ring) in zip(got, rings, strict=True):
        assert shapely.from_wkb(bytes(wkb)).symmetric_difference(ring).area < 1e-3
    boxes = [b for h in ev.hotspots for b in h.control_boxes]
    got = _rows(
        city,
        "SELECT ST_XMin(geom), ST_YMin(geom), ST_XMax(geom), ST_YMax(geom)"
        " FROM gis_controls ORDER BY fid",
    )
    assert [tuple(g) for g in got] == [tuple(map(float, b)) for b in boxes]


def test_a_new_run_refreshes_its_layer_and_the_latest_per_parameters_is_shown(
    city: Workspace,
) -> None:
    from hotspotwatch.workflows import detect

    before = {r[0] for r in _rows(city, "SELECT DISTINCT run_id FROM gis_kde")}
    detect.kde_surface(city, cell_size=400)  # another parameter set: both are current
    after = _rows(city, "SELECT run_id, count(*) FROM gis_kde GROUP BY run_id ORDER BY run_id")
    assert {r[0] for r in after} > before
    assert len(after) == 2
    new = max(after)
    run = [
        i
        for i in city.run_infos("detect.kde")
        if json.loads(json.dumps(i.parameters)).get("cell_size") == 400
    ]
    assert len(run) == 1
    assert new[1] == city.get_run(run[0].key).result.grid.n_cells  # type: ignore[union-attr]


# ----------------------------------------------------------------------- roles


def _invoke(ws: Workspace, *args: str, password: str = "a long passphrase") -> Any:
    from hotspotwatch.cli.main import app

    result = CliRunner().invoke(
        app,
        [
            "user",
            "add",
            *args,
            "-w",
            str(ws.path),
            "--database-url",
            str(ws.engine.url.render_as_string(hide_password=False)),
            "--password-stdin",
        ],
        input=password + "\n",
    )
    return result


def _as_role(ws: Workspace, role: str, sql: str) -> list[Any]:
    with ws.engine.connect() as conn:
        conn.execute(sa.text(f'SET ROLE "{role}"'))
        try:
            return list(conn.execute(sa.text(sql)))
        finally:
            conn.rollback()


def _inside(ws: Workspace, codes: set[str]) -> set[int]:
    zones = ws.areas(ws.config.zone_layer)
    zone = shapely.union_all(zones[zones["code"].isin(codes)].geometry.to_numpy())
    ev = ws.events()
    keep = shapely.contains_xy(zone, ev["x"].to_numpy(float), ev["y"].to_numpy(float))
    return {int(e) for e in ev["event_id"][keep]}


def test_a_zone_analysts_database_role_reads_only_its_zones_events(city: Workspace) -> None:
    role = f"{_schema(city)}_z1"
    result = _invoke(
        city, "ana_z1", "--role", "zone_analyst", "--zone", "Z1", "--db-role", role, "--json"
    )
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["db_role"]["policy"] == postgis.policy_name(role)
    seen = {r[0] for r in _as_role(city, role, "SELECT event_id FROM gis_events")}
    expected = _inside(city, {"Z1"})
    assert seen == expected
    assert 0 < len(seen) < city.count_events()
    # The same rows through the base table (row-level security, not only the view) ...
    base = {r[0] for r in _as_role(city, role, "SELECT event_id FROM events")}
    assert base == expected
    # ... and a QGIS-style bounding-box query of the whole city still stops at the zone.
    box = _as_role(
        city,
        role,
        "SELECT count(*) FROM gis_events WHERE geom && ST_MakeEnvelope(0, 0, 1e7, 1e7, 32631)",
    )
    assert box[0][0] == len(expected)
    # Fields the API does not serve stay closed.
    with pytest.raises(sa.exc.ProgrammingError, match="permission denied"):
        _as_role(city, role, "SELECT attrs FROM events")
    # It reads every aggregate layer.
    assert _as_role(city, role, "SELECT count(*) FROM gis_gistar")[0][0] > 0


def test_a_regional_analyst_role_reads_every_event(city: Workspace) -> None:
    role = f"{_schema(city)}_region"
    result = _invoke(city, "ana_region", "--role", "regional_analyst", "--db-role", role)
    assert result.exit_code == 0, result.output
    seen = _as_role(city, role, "SELECT count(*) FROM gis_events")[0][0]
    assert seen == city.count_events()


def test_a_partner_role_reads_no_event_and_no_fine_counts(city: Workspace) -> None:
    role = f"{_schema(city)}_partner"
    hotspot = str(city.hotspots()["name"].iloc[0])
    result = _invoke(city, "partner1", "--role", "partner", "--hotspot", hotspot, "--db-role", role)
    assert result.exit_code == 0, result.output
    with pytest.raises(sa.exc.ProgrammingError, match="permission denied"):
        _as_role(city, role, "SELECT count(*) FROM gis_events")
    # Even if someone grants the table, row-level security leaves no row.
    with city.engine.begin() as conn:
        conn.execute(sa.text(f'GRANT SELECT ON events, gis_events TO "{role}"'))
    assert _as_role(city, role, "SELECT count(*) FROM gis_events")[0][0] == 0
    assert _as_role(city, role, "SELECT count(*) FROM events")[0][0] == 0
    assert _as_role(city, role, "SELECT count(*), max(z) FROM gis_gistar")[0][0] > 0
    with pytest.raises(sa.exc.ProgrammingError, match="permission denied"):
        _as_role(city, role, "SELECT count FROM gis_gistar")
    assert _as_role(city, role, "SELECT count(*) FROM gis_hotspots")[0][0] == len(city.hotspots())


def test_db_role_refusals_exit_2_and_add_no_user(city: Workspace, tmp_path: Path) -> None:
    from hotspotwatch.workflows import users

    bad = _invoke(
        city, "ana_bad", "--role", "zone_analyst", "--zone", "Z1", "--db-role", "Bad-Name"
    )
    assert bad.exit_code == 2
    assert "--db-role 'Bad-Name' is not valid" in bad.output
    sup = _invoke(
        city, "ana_sup", "--role", "zone_analyst", "--zone", "Z1", "--db-role", "postgres"
    )
    assert sup.exit_code == 2
    assert "bypasses row-level security" in sup.output
    assert users.get_user(city, "ana_bad") is None and users.get_user(city, "ana_sup") is None
    lite = Workspace.create(tmp_path / "lite", crs="EPSG:3812")
    from hotspotwatch.cli.main import app

    res = CliRunner().invoke(
        app,
        [
            "user",
            "add",
            "x1",
            "--role",
            "regional_analyst",
            "--db-role",
            "x1",
            "-w",
            str(lite.path),
            "--password-stdin",
        ],
        input="a long passphrase\n",
    )
    lite.close()
    assert res.exit_code == 2
    assert "needs a PostgreSQL store with the PostGIS layers" in res.output


def test_ogr_opens_the_layers_as_qgis_would(city: Workspace) -> None:
    """QGIS reads PostGIS through the same provider logic as GDAL's PostgreSQL driver."""
    ogrinfo = shutil.which("ogrinfo")
    if ogrinfo is None:
        msg = "ogrinfo (gdal-bin) not installed"
        if IN_CI:
            pytest.fail(msg + " (CI=true: .ci/run installs gdal-bin)")
        pytest.skip(msg)
    url = sa.engine.make_url(PG_URL)
    dsn = (
        f"PG:host={url.host} port={url.port or 5432} dbname={url.database} "
        f"user={url.username} active_schema={_schema(city)}"
    )
    for layer, kind in (
        ("gis_events", "Point"),
        ("gis_gistar", "Polygon"),
        ("gis_hotspots", "Multi Polygon"),
    ):
        out = subprocess.run(
            [ogrinfo, "-ro", "-so", dsn, layer], capture_output=True, text=True, check=True
        ).stdout
        assert f"Geometry: {kind}" in out, out
        n = _rows(city, f"SELECT count(*) FROM {layer}")[0][0]
        assert f"Feature Count: {n}" in out, out
        assert "32631" in out, out


def test_the_portable_schema_still_matches_with_the_layers(city: Workspace) -> None:
    from alembic.autogenerate import compare_metadata
    from alembic.runtime.migration import MigrationContext

    from hotspotwatch.store.schema import metadata

    with city.engine.connect() as conn:
        ctx = MigrationContext.configure(
            conn, opts={"compare_type": True, "include_object": postgis.include_object}
        )
        assert compare_metadata(ctx, metadata) == []


def test_downgrade_removes_the_layers_and_upgrade_rebuilds_them(
    pg_url: str,  # own schema only
    tmp_path: Path,
) -> None:
    require_postgis()
    from alembic import command

    from hotspotwatch.store.engine import _alembic_config, migrate

    ws = Workspace.create(tmp_path / "ws", crs="EPSG:3812", database_url=pg_url)
    assert postgis.layer_srid(ws.engine) == 3812
    with ws.engine.begin() as conn:
        command.downgrade(_alembic_config(conn), "0007_resources")
    assert not postgis.has_layers(ws.engine)
    cols = {c["name"] for c in sa.inspect(ws.engine).get_columns("events")}
    assert "geom" not in cols
    migrate(ws.engine, srid=3812)
    assert postgis.layer_srid(ws.engine) == 3812
    ws.close()


def test_without_a_known_srid_the_migration_is_a_noop_with_one_notice(
    pg_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    from hotspotwatch.store.engine import head_revision, make_engine, migrate

    engine = make_engine(pg_url)
    migrate(engine)
    err = capsys.readouterr().err
    assert err.count("notice: PostGIS layers not created") == 1
    assert not postgis.has_layers(engine)
    with engine.connect() as conn:
        assert conn.execute(sa.text("SELECT version_num FROM alembic_version")).scalar() == (
            head_revision()
        )
    engine.dispose()
