"""Stored analysis runs shown by the dashboard (interim: being moved to RunSpecs)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np
import shapely

from hotspotwatch.workflows.web._geo import geojson, to_lonlat_geoms
from hotspotwatch.workflows.web.cache import memoised

if TYPE_CHECKING:
    from hotspotwatch.workspace import Workspace

RESULT_KINDS: dict[str, tuple[tuple[str, ...], str]] = {
    "evaluation": (("evaluate",), "hotspotwatch evaluate"),
    "gistar": (("detect.gistar", "gistar"), "hotspotwatch detect gistar"),
    "kde": (("detect.kde", "kde"), "hotspotwatch detect kde"),
    "concentration": (
        ("detect.concentration", "concentration"),
        "hotspotwatch detect concentration",
    ),
    "coverage": (("detect.coverage", "coverage"), "hotspotwatch detect coverage"),
    "knox": (("spacetime.knox", "knox"), "hotspotwatch spacetime knox"),
    "emerging": (("spacetime.emerging", "emerging"), "hotspotwatch spacetime emerging"),
    "near_repeat_alerts": (
        ("spacetime.alerts", "spacetime.near_repeat_alerts", "near_repeat_alerts"),
        "hotspotwatch demo (or workflows.spacetime.run_recent_alerts)",
    ),
}


class NotComputedError(LookupError):
    """An analysis result the page needs has not been computed yet (message names the command)."""


# ---------------------------------------------------------------------------------- runs
def latest_result(ws: Workspace, name: str) -> dict[str, Any]:
    """The newest stored run for the result ``name`` (a key of :data:`RESULT_KINDS`).

    Raises
    ------
    KeyError
        If ``name`` is not a known result.
    NotComputedError
        If no run exists yet; the message names the command that computes it.
    """
    if name not in RESULT_KINDS:
        raise KeyError(f"unknown result {name!r}; known: {', '.join(RESULT_KINDS)}")
    kinds, command = RESULT_KINDS[name]
    for kind in kinds:
        run = _newest_run(ws, kind)
        if run is not None:
            return run
    raise NotComputedError(f"no {name} result yet; compute it with `{command}`")


def _newest_run(ws: Workspace, kind: str) -> dict[str, Any] | None:
    return ws.latest_run(kind)


def evaluation_row(
    ws: Workspace, hotspot_name: str, run: dict[str, Any] | None = None
) -> dict[str, Any] | None:
    """The evaluation entry of one hotspot in ``run`` (default: the newest evaluation run)."""
    if run is None:
        try:
            run = latest_result(ws, "evaluation")
        except NotComputedError:
            return None
    for row in run["result"].get("hotspots", []) or []:
        if row.get("name") == hotspot_name:
            return dict(row)
    return None


@memoised
def gistar_cells(ws: Workspace) -> dict[str, Any]:
    """Cells of the newest Gi* run with their confidence bin (-3..3) as WGS84 GeoJSON.

    Reads the stored result's ``grid`` (``x0, y0, cell_size, shape = [ny, nx]``, square
    cells, row 0 at the bottom) and ``bins`` (``ny x nx`` nested list, ``None`` outside the
    study area). Only cells with a non-zero bin are returned.

    Raises
    ------
    NotComputedError
        No Gi* run, or a run that did not store per-cell bins.
    """
    run = latest_result(ws, "gistar")
    res = run["result"]
    grid = res.get("grid") if isinstance(res, dict) else None
    bins = res.get("bins") if isinstance(res, dict) else None
    if not isinstance(grid, dict) or not isinstance(bins, list):
        raise NotComputedError(
            "the stored Gi* run has no per-cell bins (result keys 'grid' and 'bins'); "
            "rerun `hotspotwatch detect gistar`"
        )
    size = float(grid["cell_size"])
    x0, y0 = float(grid["x0"]), float(grid["y0"])
    arr = np.array([[np.nan if v is None else float(v) for v in row] for row in bins])
    rr, cc = np.nonzero(np.nan_to_num(arr) != 0)
    xs, ys = x0 + cc * size, y0 + rr * size
    boxes = shapely.box(xs, ys, xs + size, ys + size)
    geoms = to_lonlat_geoms(ws, boxes) if len(boxes) else []
    return {
        "type": "FeatureCollection",
        "run_id": run["id"],
        "features": [
            {"type": "Feature", "geometry": geojson(g), "properties": {"bin": int(arr[r, c])}}
            for g, r, c in zip(geoms, rr, cc, strict=True)
        ],
    }
