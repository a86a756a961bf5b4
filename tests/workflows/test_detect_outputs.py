"""GIS outputs of detect / spacetime on a UTM workspace (coordinates ~5e5 / ~5.6e6 m): the KDE
GeoTIFF reads back with its CRS, transform, nodata and the KDE values; maps have km tick
labels (no 1e6 offset) and a scale bar; emerging categories have distinct colours."""

from __future__ import annotations

import json

import matplotlib.pyplot as plt
import numpy as np
import pytest
import rasterio
from typer.testing import CliRunner

from hotspotwatch.analysis.spacetime.emerging import CATEGORIES
from hotspotwatch.cli.detect import app
from hotspotwatch.testing import make_city
from hotspotwatch.workflows import detect as wf
from hotspotwatch.workflows.detect_maps import EMERGING_COLOURS, nice_length
from hotspotwatch.workflows.detect_outputs import RASTER_NODATA, map_figure, write_geotiff


@pytest.fixture(scope="module")
def city(tmp_path_factory):  # type: ignore[no-untyped-def]
    import geopandas as gpd

    ws = make_city(tmp_path_factory.mktemp("city") / "c", scale=0.2)
    # a round study area, so the square raster has cells outside it (nodata)
    square = ws.study_area()
    disc = square.centroid.buffer((square.bounds[2] - square.bounds[0]) / 2)
    ws.add_areas(gpd.GeoDataFrame({"code": ["R"], "name": ["Region"]}, geometry=[disc],
                                  crs=ws.config.crs), "region")
    yield ws
    ws.close()


def _tick_texts(fig):  # type: ignore[no-untyped-def]
    fig.canvas.draw()
    ax = fig.axes[0]
    xs = [t.get_text() for t in ax.get_xticklabels() if t.get_text()]
    ys = [t.get_text() for t in ax.get_yticklabels() if t.get_text()]
    return ax, xs, ys


def test_kde_cli_writes_geotiff_with_crs_transform_nodata_and_values(city, tmp_path):  # type: ignore[no-untyped-def]
    out = tmp_path / "out"
    r = CliRunner().invoke(app, ["kde", "-w", str(city.path), "-o", str(out), "--json",
                                 "--cell-size", "100"])
    assert r.exit_code == 0, r.output
    data = json.loads(r.output)
    assert data["raster"] == str(out / "kde.tif") and data["crs"] == city.config.crs
    res = wf.kde_surface(city, cell_size=100).result
    with rasterio.open(out / "kde.tif") as src:
        assert src.crs.to_epsg() == 32631
        assert src.count == 1 and src.nodata == RASTER_NODATA
        dx, dy = res.cell_size
        assert src.transform.a == pytest.approx(dx) and src.transform.e == pytest.approx(-dy)
        assert src.transform.c == pytest.approx(res.extent[0])
        assert src.transform.f == pytest.approx(res.extent[3])
        assert (src.width, src.height) == (res.density.shape[1], res.density.shape[0])
        band = src.read(1, masked=True)
    expected = np.flipud(res.density) * 1e6  # north-up rows, per km²
    inside = np.isfinite(expected)
    assert (~inside).any() and inside.any()
    np.testing.assert_array_equal(band.mask, ~inside)
    np.testing.assert_allclose(band.data[inside], expected[inside], rtol=1e-12)
    # the cell holding the KDE peak is where the raster peaks, at its map coordinates
    iy, ix = np.unravel_index(np.nanargmax(res.density), res.density.shape)
    cx, cy = res.extent[0] + (ix + 0.5) * dx, res.extent[1] + (iy + 0.5) * dy
    row, col = rasterio.transform.rowcol(src.transform, cx, cy)
    assert band[row, col] == pytest.approx(np.nanmax(res.density) * 1e6)
    assert (out / "kde.png").exists()


def test_geotiff_row_order_on_a_known_surface(tmp_path):  # type: ignore[no-untyped-def]
    surface = np.array([[1.0, 2.0, np.nan], [4.0, 5.0, 6.0]])  # row 0 = south
    path = write_geotiff(surface, (1000.0, 2000.0, 1030.0, 2020.0), (10.0, 10.0), "EPSG:3812",
                         tmp_path / "s.tif")
    with rasterio.open(path) as src:
        band = src.read(1, masked=True)
        assert src.crs.to_epsg() == 3812
        assert tuple(src.xy(0, 0)) == (1005.0, 2015.0)  # top-left cell centre
    assert band.tolist() == [[4.0, 5.0, 6.0], [1.0, 2.0, None]]


def test_map_figure_has_km_ticks_and_a_scale_bar(city):  # type: ignore[no-untyped-def]
    res = wf.kde_surface(city, cell_size=100).result
    fig = map_figure(res.density * 1e6, res.extent, title="KDE", crs=city.config.crs)
    ax, xs, ys = _tick_texts(fig)
    assert ax.xaxis.get_offset_text().get_text() == ""
    assert ax.yaxis.get_offset_text().get_text() == ""
    x_km = [float(t) for t in xs]
    y_km = [float(t) for t in ys]
    lo, hi = res.extent[0] / 1000, res.extent[2] / 1000
    assert all(lo - 1 <= v <= hi + 1 for v in x_km) and len(x_km) >= 2
    assert all(res.extent[1] / 1000 - 1 <= v <= res.extent[3] / 1000 + 1 for v in y_km)
    assert ax.get_xlabel() == f"x (km, {city.config.crs})"
    bars = [a for a in ax.artists if a.get_label() == "scale bar"]
    assert len(bars) == 1
    width = res.extent[2] - res.extent[0]
    assert bars[0].size_bar.get_children()[0].get_width() == nice_length(width)
    plt.close(fig)


def test_emerging_map_colours_legend_and_km_axes(city, tmp_path):  # type: ignore[no-untyped-def]
    from hotspotwatch.workflows.spacetime import run_emerging, write_emerging_outputs
    from hotspotwatch.workflows.spacetime_outputs import emerging_figure

    assert set(EMERGING_COLOURS) == set(CATEGORIES)
    assert len(set(EMERGING_COLOURS.values())) == len(CATEGORIES)
    run = run_emerging(city, cell_size=500.0, step="quarter")
    cells = run["cells"].copy()
    # every category present once, so the legend lists all 17 with their colour
    cells = cells.iloc[: len(CATEGORIES)].copy()
    cells["category"] = list(CATEGORIES)
    fig = emerging_figure(cells)
    ax, xs, _ = _tick_texts(fig)
    legend = ax.get_legend()
    labels = [t.get_text() for t in legend.get_texts()]
    assert labels == [f"{c.replace('_', ' ')} (1)" for c in CATEGORIES]
    colours = [tuple(np.round(h.get_facecolor()[:3], 4)) for h in legend.legend_handles]
    assert len(set(colours)) == len(CATEGORIES)
    assert all(abs(float(t)) < 1e4 for t in xs)  # km, not metres
    assert any(a.get_label() == "scale bar" for a in ax.artists)
    plt.close(fig)
    files = write_emerging_outputs(run, tmp_path)
    assert all(f.exists() and f.stat().st_size > 0 for f in files)
