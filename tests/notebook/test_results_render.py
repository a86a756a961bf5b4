"""Every stored result type renders in a notebook: an HTML table with its key numbers,
a matplotlib figure, and (spatial types) a GeoDataFrame in the workspace CRS and a folium map.

The run kinds are walked from ``store.runs.RUN_KINDS``, so a new kind without a case here
fails ``test_every_run_kind_has_a_case``.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import html
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import matplotlib
import matplotlib.pyplot as plt
import numpy as np
import pytest

from hotspotwatch import Workspace
from hotspotwatch.notebook import _format, geo, plots, tables
from hotspotwatch.store.runs import RUN_KINDS, result_type
from hotspotwatch.testing import make_city
from hotspotwatch.workflows import detect as wd
from hotspotwatch.workflows import spacetime as wst
from hotspotwatch.workflows.evaluate import evaluation_spec
from hotspotwatch.workflows.incidents import incidents_spec
from hotspotwatch.workflows.presence import deterrence_spec, import_presence, presence_spec
from hotspotwatch.workflows.resources import cost_spec, resources_spec
from hotspotwatch.workflows.runs import RunSpec, ensure_run

matplotlib.use("Agg")  # no display: figures are drawn, never shown

UNITS = ["police_taskforce", "peacekeepers"]
MAPPING = """
source = "zone-taskforce"
kind = "sessions"
time_format = "%Y-%m-%d %H:%M"
[columns]
id = "session_no"
start = "begin"
end = "end"
unit_type = "unit"
hotspot = "place"
[unit_types]
TF = "police_taskforce"
PK = "peacekeepers"
"""


def _sessions(folder: Path) -> tuple[Path, Path]:
    rows = ["session_no,begin,end,unit,place"]
    t0 = dt.datetime(2023, 3, 6, 10, 0)
    for k in range(40):
        start = t0 + dt.timedelta(days=k, hours=k % 7)
        end = start + dt.timedelta(minutes=5 + 3 * (k % 9))
        rows.append(f"{k + 1},{start:%Y-%m-%d %H:%M},{end:%Y-%m-%d %H:%M},"
                    f"{'TF' if k % 2 else 'PK'},Hotspot {1 + k % 3}")
    csv = folder / "sessions.csv"
    csv.write_text("\n".join(rows) + "\n", encoding="utf-8")
    mapping = folder / "sessions.toml"
    mapping.write_text(MAPPING, encoding="utf-8")
    return csv, mapping


@pytest.fixture(scope="module")
def city(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Workspace]:
    folder = tmp_path_factory.mktemp("nbcity")
    ws = make_city(folder / "c", seed=2, scale=0.5, config={"presence": {"unit_types": UNITS}})
    import_presence(ws, [_sessions(folder)[0]], mapping=_sessions(folder)[1])
    yield ws
    ws.close()


def _specs(ws: Workspace) -> dict[str, RunSpec]:
    knox = wst.knox_spec(ws, categories=["burglary"], permutations=99,
                         space_bands=[0, 100, 200, np.inf], time_bands=[0, 8, 15, np.inf])
    return {
        "evaluate": evaluation_spec(ws, until=dt.date(2023, 12, 31), synth_donors=20),
        "evaluate.incidents": incidents_spec(ws, category="shooting", start="2023-01-01",
                                             end="2023-12-31"),
        "detect.gistar": wd.gistar_spec(ws, permutations=99, cell_size=250),
        "detect.lisa": wd.lisa_spec(ws, permutations=99, cell_size=250),
        "detect.kde": wd.kde_spec(ws, bandwidth=250, cell_size=100),
        "detect.concentration": wd.concentration_spec(ws),
        "detect.classify": wd.classify_spec(ws, start="2021-01-01", end="2024-01-01",
                                            n_periods=6, cell_size=250),
        "detect.coverage": wd.coverage_spec(ws, cell_size=250),
        "detect.borders": wd.borders_spec(ws, cell_size=250),
        "spacetime.knox": knox,
        "spacetime.emerging": wst.emerging_spec(ws, roles=["harm"], cell_size=500, step="quarter"),
        "spacetime.alerts": wst.alerts_spec(ws, categories=["burglary"], days=30, knox=knox),
        "dose.presence": presence_spec(ws),
        "dose.deterrence": deterrence_spec(ws),
        "dose.cost": cost_spec(ws, until=dt.date(2023, 12, 31)),
        "dose.resources": resources_spec(ws, until=dt.date(2023, 12, 31)),
    }


@pytest.fixture(scope="module")
def results(city: Workspace) -> dict[str, Any]:
    return {kind: ensure_run(city, spec).result for kind, spec in _specs(city).items()}


#: Numbers each kind's table must show (as the table formats them).
def _key_numbers(kind: str, r: Any) -> list[str]:
    n = _format.num
    if kind == "evaluate":
        return ([n(h.did.irr) for h in r.hotspots]
                + [h.verdict.label.replace("_", " ") for h in r.hotspots]
                + [_format.interval(h.did.ci_low, h.did.ci_high) for h in r.hotspots]
                + [_format.interval(h.verdict.ci_low_adjusted, h.verdict.ci_high_adjusted)
                   for h in r.hotspots]
                + [html.escape(h.name) for h in r.hotspots])
    if kind == "evaluate.incidents":
        return [n(r.k), n(r.n), r.status.replace("_", " ")]
    if kind == "detect.gistar":
        return [n(v) for v in r.bin_counts().values()] + [f"{r.n_events:,}"]
    if kind == "detect.lisa":
        return [n(v) for v in r.cluster_counts().values()]
    if kind == "detect.kde":
        return [n(r.kde.bandwidth), r.kde.kernel]
    if kind == "detect.concentration":
        return [_format.pct(v) for v in r.count.place_shares] + [n(r.count.gini)]
    if kind == "detect.classify":
        return [n(v) for v in r.classify.counts().values()]
    if kind == "detect.coverage":
        return [html.escape(c.hotspot) for c in r.table] + [n(c.pai_all) for c in r.table]
    if kind == "detect.borders":
        return [_format.pct(r.harm_share), n(r.location_quotient)]
    if kind == "spacetime.knox":
        return [n(v) for v in np.asarray(r.knox.ratio).ravel()] + list(r.knox.time_labels)
    if kind == "spacetime.emerging":
        return sorted({c.replace("_", " ") for c in r.emerging.category})
    if kind == "spacetime.alerts":
        return [str(a.event_id) for a in r.alerts] + [f"{len(r.alerts)} alerts"]
    if kind == "dose.presence":
        return [h.hotspot for h in r.hotspots] + [n(h.minutes) for h in r.hotspots]
    if kind == "dose.deterrence":
        return [f"{r.sessions:,} sessions"]
    if kind == "dose.cost":
        return [html.escape(c.name) for c in r.places] + [html.escape(c.status) for c in r.places]
    if kind == "dose.resources":
        return [html.escape(p.hotspot) for p in r.places] + [n(r.staff_hours), n(r.cost)]
    raise AssertionError(f"no key numbers for {kind}")


SPATIAL = {"detect.gistar", "detect.lisa", "detect.kde", "detect.classify", "detect.coverage",
           "detect.borders", "spacetime.emerging", "spacetime.alerts", "evaluate"}


def test_every_run_kind_has_a_case(city: Workspace) -> None:
    assert sorted(_specs(city)) == sorted(RUN_KINDS)
    for kind in RUN_KINDS:  # a table and a plot of its own for every registered type
        key = RUN_KINDS[kind]
        assert key in tables.TABLES, f"{kind}: add a table in hotspotwatch/notebook/tables.py"
        assert key in plots.PLOTS, f"{kind}: add a plot in hotspotwatch/notebook/plots.py"
    assert {k for k in RUN_KINDS if RUN_KINDS[k] in geo.FRAMES} == SPATIAL


@pytest.mark.parametrize("kind", sorted(RUN_KINDS))
def test_repr_html_shows_the_key_numbers(results: dict[str, Any], kind: str) -> None:
    r = results[kind]
    assert isinstance(r, result_type(kind))
    out = r._repr_html_()
    assert out.startswith('<table class="hotspotwatch">') and out.count("<table") == out.count("</table>")
    for value in _key_numbers(kind, r):
        assert value in out, (kind, value)


@pytest.mark.parametrize("kind", sorted(RUN_KINDS))
def test_plot_draws_on_an_axes(results: dict[str, Any], kind: str) -> None:
    ax = results[kind].plot()
    try:
        assert isinstance(ax, matplotlib.axes.Axes)
        drawn = ax.lines + ax.collections + ax.images + ax.patches + ax.texts + ax.containers
        assert len(drawn) >= 1, kind
        ax.figure.canvas.draw()  # every artist renders
        fig, given = plt.subplots()
        assert results[kind].plot(ax=given) is given
        plt.close(fig)
    finally:
        plt.close(ax.figure)


def _rows(kind: str, r: Any) -> int:
    if kind in ("detect.gistar", "detect.lisa", "detect.classify", "spacetime.emerging", "detect.kde"):
        return r.grid.n_cells
    if kind == "detect.coverage":
        return len(r.undesignated)
    if kind == "detect.borders":
        return 1
    if kind == "spacetime.alerts":
        return len(r.alerts)
    if kind == "evaluate":
        return sum(len(h.rings) for h in r.hotspots)
    raise AssertionError(kind)


@pytest.mark.parametrize("kind", sorted(SPATIAL))
def test_geodataframe_and_explore(city: Workspace, results: dict[str, Any], kind: str) -> None:
    r = results[kind]
    frame = r.to_geodataframe(crs=city.config.crs)
    assert frame.crs.to_epsg() == 32631
    assert len(frame) == _rows(kind, r) and frame.geometry.notna().all()
    if len(frame):
        assert frame.geometry.is_valid.all()
        # the result's geometries are in the workspace: inside its extent (+ the buffer rings)
        x0, y0, x1, y1 = city.extent()
        fx0, fy0, fx1, fy1 = frame.total_bounds
        assert fx0 > x0 - 2000 and fy0 > y0 - 2000 and fx1 < x1 + 2000 and fy1 < y1 + 2000
    page = r.explore(crs=city.config.crs).get_root().render()
    assert "leaflet" in page.lower()


def test_grid_cells_carry_the_values(city: Workspace, results: dict[str, Any]) -> None:
    r = results["detect.gistar"]
    frame = r.to_geodataframe(crs=city.config.crs)
    mask = np.asarray(r.grid.mask, dtype=bool)
    assert frame["bin"].tolist() == np.asarray(r.gistar.bins)[mask].tolist()
    assert frame.area.round(6).eq(r.grid.cell_size ** 2).all()
    assert frame["count"].sum() == pytest.approx(np.nansum(r.counts))
    kde = results["detect.kde"].to_geodataframe(crs=city.config.crs)
    cell = results["detect.kde"].kde.cell_size
    # density per km² times cell area in km² sums to the mass (the events inside the grid)
    total = (kde["density_km2"] * cell[0] * cell[1] / 1e6).sum()
    k = results["detect.kde"].kde
    assert total == pytest.approx(k.mass, rel=1e-9) and 0.9 * k.total_weight < total <= k.total_weight + 1e-6


def test_alerts_default_to_longitude_latitude(results: dict[str, Any]) -> None:
    r = results["spacetime.alerts"]
    frame = r.to_geodataframe()
    assert frame.crs.to_epsg() == 4326 and len(frame) == len(r.alerts)
    if len(frame):
        assert frame.geometry.x.tolist() == pytest.approx([a.lon for a in r.alerts])


def test_non_spatial_results_say_so(results: dict[str, Any]) -> None:
    with pytest.raises(TypeError, match="KnoxRun has no geometry"):
        results["spacetime.knox"].to_geodataframe()
    with pytest.raises(ValueError, match=r"crs=ws\.config\.crs"):
        results["detect.gistar"].explore()


def test_nested_results_a_user_meets_render(results: dict[str, Any]) -> None:
    ev = results["evaluate"]
    h = ev.hotspots[0]
    nested = [h, h.did, h.buffer_did, h.verdict, h.wdq, h.wdd, ev.region, ev.pooled, ev.pooled_verdict,
              h.synth, results["spacetime.knox"].knox, results["detect.kde"].kde,
              results["detect.gistar"].gistar, results["detect.lisa"].lisa,
              results["detect.concentration"].count_lorenz, results["spacetime.emerging"].emerging]
    for obj in [x for x in nested if x is not None]:
        if not hasattr(obj, "_repr_html_"):
            continue
        out = obj._repr_html_()
        assert "<table" in out, type(obj).__name__
        ax = obj.plot()
        assert ax.lines + ax.collections + ax.images + ax.patches + ax.containers, type(obj).__name__
        plt.close(ax.figure)
    rings = h.to_geodataframe(crs="EPSG:32631")
    assert len(rings) == len(h.rings) and set(rings["hotspot"]) == {h.name}
    assert rings["ring_pre"].tolist() == [ring.pre for ring in h.rings]
    assert _format.num(h.did.irr) in h._repr_html_() and h.verdict.label.replace("_", " ") in h.verdict._repr_html_()
    assert _format.num(float(np.exp(ev.pooled.estimate))) in ev.pooled._repr_html_()


def _nested(obj: Any, seen: dict[type, Any], depth: int = 0) -> None:
    """First instance of every dataclass type reachable from ``obj``'s fields."""
    if depth > 4:
        return
    values: list[Any] = []
    for f in dataclasses.fields(obj):
        v = getattr(obj, f.name)
        values.extend(v if isinstance(v, (tuple, list)) else [v])
    for v in values:
        if dataclasses.is_dataclass(v) and not isinstance(v, type) and type(v) not in seen:
            seen[type(v)] = v
            _nested(v, seen, depth + 1)


def test_every_nested_result_type_renders(results: dict[str, Any]) -> None:
    seen: dict[type, Any] = {}
    for r in results.values():
        _nested(r, seen)
    assert len(seen) >= 30  # DiD, Verdict, SynthResult, PooledResult, GiStarResult, AlertZone, ...
    for cls, obj in seen.items():
        if not hasattr(obj, "_repr_html_"):  # plain dataclasses (not results) are left out
            continue
        assert "<table" in obj._repr_html_(), cls.__name__
        ax = obj.plot()
        assert ax.lines + ax.collections + ax.images + ax.patches + ax.containers + ax.texts, cls.__name__
        ax.figure.canvas.draw()
        plt.close(ax.figure)


def test_text_is_escaped() -> None:
    @dataclasses.dataclass(frozen=True)
    class Odd:
        name: str
        value: float

    out = tables.generic(Odd("<script>", 0.12345))
    assert "<script>" not in out and "&lt;script&gt;" in out and "0.123" in out


def test_workspace_repr_html(city: Workspace, results: dict[str, Any]) -> None:
    out = city._repr_html_()
    stats = city.event_stats()
    harm = sum(v["count"] for k, v in stats.items() if city.taxonomy[k].role == "harm")
    assert "<table" in out and f"{harm:,}" in out
    for layer in city.area_layers():
        assert html.escape(layer) in out
    for name in city.hotspots()["name"]:
        assert html.escape(name) in out
    for kind in RUN_KINDS:
        assert kind in out
