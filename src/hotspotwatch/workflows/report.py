"""Gather what the renewal report shows, from the runs it asks for, and build it.

The report asks for its runs by parameters (:func:`hotspotwatch.workflows.views.renewal_specs`:
the evaluation of harm up to the review date, Knox on the configured near-repeat categories,
the concentration of all harm, borders on the workspace's zone layer, ...) and gets each one
through :func:`hotspotwatch.workflows.runs.ensure_run`: a stored run is reused only when its
kind, parameters, data fingerprint and config fingerprint all match; otherwise the run is
computed and stored. It reads the typed results by attribute and never recounts what a run
counted: the monthly series, rings, control cells and dose on each page are the
evaluation's. The only counts made here are descriptive ones no run produces
(:mod:`hotspotwatch.workflows.report_counts`).

:func:`build_renewal_report` is the entry point of ``hotspotwatch report renewal`` and of
``hotspotwatch demo``.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import shapely
from shapely.geometry.base import BaseGeometry

from hotspotwatch.domain.collation import sort_key
from hotspotwatch.periods import Day
from hotspotwatch.report.data import GridCounts, HotspotSection, RenewalData, RunRecord
from hotspotwatch.workflows import report_counts as counts
from hotspotwatch.workflows.runs import RunSpec, ensure_run
from hotspotwatch.workflows.study_area import study_area_of
from hotspotwatch.workflows.views import (
    near_repeat_categories,
    previous_review_spec,
    previous_until,
    regional_window,
    renewal_specs,
)
from hotspotwatch.workspace import WorkspaceError

if TYPE_CHECKING:
    from hotspotwatch.analysis.evaluate.strategy import HotspotEvaluation
    from hotspotwatch.store.runs import StoredRun
    from hotspotwatch.workspace import Workspace

default_until = counts.default_until
quarantine_by_source = counts.quarantine_by_source


def _coerce_date(value: str | dt.date | None, name: str) -> dt.date | None:
    if value is None or isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value))
    except ValueError:
        raise ValueError(f"{name} must be a date like 2025-08-31, got {value!r}") from None


def _record(section: str, run: StoredRun[Any]) -> RunRecord:
    return RunRecord(
        section=section,
        key=run.key,
        kind=run.kind,
        parameters=dict(run.parameters),
        data_fingerprint=run.data_fingerprint,
        config_fingerprint=run.config_fingerprint,
        software_version=run.software_version,
        created=run.created_at.date(),
    )


class _Runs:
    """The report's runs: obtained once each, with their provenance or why they are missing."""

    def __init__(self, ws: Workspace, *, compute: bool, recompute: bool = False) -> None:
        self.ws = ws
        self.compute = compute
        self.recompute = recompute
        self.records: list[RunRecord] = []
        self.unavailable: dict[str, str] = {}
        self.unavailable_kind: dict[str, str] = {}

    def get(self, section: str, spec: RunSpec) -> Any:
        """The typed result answering ``spec`` (``None``, with the reason, if it cannot be had)."""
        try:
            if self.compute:
                run = ensure_run(self.ws, spec, recompute=self.recompute)
            else:
                found = self.ws.find_run(spec.kind, spec.parameters)
                if found is None:
                    self.unavailable[section] = "no stored run with these parameters"
                    self.unavailable_kind[section] = "not_stored"
                    return None
                run = found
        except (ValueError, KeyError, WorkspaceError) as exc:
            # The data cannot answer this question (too few events, no such zone layer, no
            # study area...): the section says why instead of showing another run.
            self.unavailable[section] = str(exc.args[0]) if exc.args else type(exc).__name__
            self.unavailable_kind[section] = _reason_kind(exc)
            return None
        self.records.append(_record(section, run))
        return run.result


def _reason_kind(exc: Exception) -> str:
    """What kind of reason a section's run cannot be had (the report words it in the
    reader's language, :data:`hotspotwatch.report.data.UNAVAILABLE_KINDS`)."""
    from hotspotwatch.workflows.spacetime_events import PrecisionError

    if isinstance(exc, PrecisionError):
        return "precision"
    if isinstance(exc, WorkspaceError):
        return "workspace"
    if isinstance(exc, KeyError):
        return "missing"
    return "data"


def _rings_and_controls(
    ev: HotspotEvaluation | None,
) -> tuple[list[BaseGeometry], list[BaseGeometry]]:
    if ev is None:
        return [], []
    rings = [shapely.from_wkt(r.wkt) for r in ev.rings]
    controls: list[BaseGeometry] = [shapely.box(*b) for b in ev.control_boxes]
    return rings, controls


def _str_or_none(value: Any) -> str | None:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return None
    return str(value)


def gather_renewal(
    ws: Workspace,
    *,
    until: str | dt.date | None = None,
    run_evaluation: bool = True,
    recompute: bool = False,
    study_area: str | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> RenewalData:
    """Everything the renewal report shows, from the runs it asks for.

    Parameters
    ----------
    ws : Workspace
        The workspace.
    until : date or ISO string, optional
        Last day of the period under review (inclusive); default the last day with data.
    run_evaluation : bool
        Compute (and store) every run the report needs that no stored run answers (the
        default). ``False`` only reuses stored runs: a section without a matching stored run
        says so instead of showing another run.
    recompute : bool
        Compute every run again (and store it) even when a matching run is stored.
    study_area : {None, "region", "hull"}
        ``"hull"``: the runs on a study area use the events' hull (recorded in their
        parameters, listed on the runs page; see :mod:`hotspotwatch.workflows.study_area`).
    progress : callable, optional
        ``progress(done, total)`` after each section's run and once the hotspot pages'
        inputs are gathered (the CLI draws it as a bar).

    Returns
    -------
    RenewalData
        Its numbers depend only on the data, the config and ``until``: the same whether the
        runs were reused or recomputed, whatever other runs the workspace holds.

    Raises
    ------
    ValueError
        If the workspace has no hotspots, or ``until`` is not a date.
    hotspotwatch.workspace.StudyAreaError
        If the workspace has no study area and ``study_area`` is not ``"hull"``.
    """
    until_day = _coerce_date(until, "until") or default_until(ws)
    hotspots = ws.hotspots()
    if hotspots.empty:
        raise ValueError(
            "this workspace has no hotspots; add them with `hotspotwatch hotspot designate` "
            "before building a renewal report"
        )
    if study_area is None:
        ws.study_area()  # without one, StudyAreaError names the command that gives it one
    runs = _Runs(ws, compute=run_evaluation, recompute=recompute)
    spec_set = renewal_specs(ws, until=until_day, study_area=study_area)
    specs = list(spec_set.items())
    total = len(specs) + 2  # each section's run, the previous review, the pages' inputs

    def tick(done: int) -> None:
        if progress is not None:
            progress(done, total)

    results: dict[str, Any] = {}
    for done, (section, spec) in enumerate(specs, start=1):
        results[section] = runs.get(section, spec)
        tick(done)
    evaluation = results["evaluation"]
    prev_day = previous_until(until_day)
    previous = runs.get(
        "previous_evaluation", previous_review_spec(ws, until=until_day, study_area=study_area)
    )
    from hotspotwatch.workflows.incidents import report_incidents_spec

    incidents_spec = report_incidents_spec(ws, until=until_day, study_area=study_area)
    # the incidents run (cheap: it reuses the evaluation above) counts with the previous review
    incidents = runs.get("incidents", incidents_spec) if incidents_spec is not None else None
    from hotspotwatch.workflows.dose_report import gather_dose

    dose = gather_dose(ws, runs.get, until=until_day)
    tick(len(specs) + 1)

    periods = ws.hotspot_periods()
    starts = [p[0].start for p in periods.values() if p]
    first_designation = min(starts) if starts else None
    tz = ws.config.timezone
    end_excl = until_day + dt.timedelta(days=1)
    days = Day(tz)
    harm = ws.events(roles="harm", start=first_designation or until_day, end=end_excl)
    hx, hy = harm["x"].to_numpy(float), harm["y"].to_numpy(float)
    h_day = days.codes(harm["occurred_at"]) if len(harm) else np.array([], dtype=np.int64)

    sections: list[HotspotSection] = []
    # Alphabetical order (the public version's rule, accent-blind: "Étangs Noirs" under E):
    # the report never ranks places by how much harm they have.
    order = sorted(range(len(hotspots)), key=lambda i: sort_key(str(hotspots["name"].iloc[i])))
    for i in order:
        rec = hotspots.iloc[i]
        name = str(rec["name"])
        hp = periods.get(name, [])
        first = hp[0].start if hp else None
        ev = evaluation.hotspot(name, "harm") if evaluation is not None else None
        rings, controls = _rings_and_controls(ev)
        window = counts.map_window(rec.geometry, rings)
        since = h_day >= days.code_of(first) if first is not None else np.zeros(hx.size, bool)
        sel = counts.in_window(hx, hy, window) & since
        sections.append(
            HotspotSection(
                name=name,
                code=_str_or_none(rec.get("code")),
                zone=_str_or_none(rec.get("zone")),
                commune=_str_or_none(rec.get("commune")),
                approximate=bool(rec.get("approximate", False)),
                geometry=rec.geometry,
                periods=hp,
                first_designated=first,
                evaluation=ev,
                rings=rings,
                controls=controls,
                grid=counts.display_grid(hx[sel], hy[sel], window, counts.MAP_CELL_M),
                points=np.column_stack([hx[sel], hy[sel]]) if sel.any() else np.empty((0, 2)),
            )
        )

    try:
        # Outlines are simplified for drawing only (5 m: invisible at report scale).
        area = study_area_of(ws, dict(spec_set.gistar.parameters))
        region: BaseGeometry | None = area.simplify(counts.DISPLAY_TOLERANCE_M)
    except (WorkspaceError, ValueError):  # no study area: the sections say so
        region = None
    region_grid: GridCounts | None = None
    if region is not None and not region.is_empty:
        region_grid = counts.display_grid(hx, hy, region.bounds, counts.REGION_CELL_M)
    window_start, _ = regional_window(until_day)
    pre_months = int(ws.config.evaluation.get("pre_months", 12))
    coverage_first = (
        counts.first_of_evaluation(first_designation, pre_months)
        if first_designation is not None
        else window_start
    )
    knox = results["knox"]
    from hotspotwatch.workspace import software_version

    tick(total)
    return RenewalData(
        workspace_name=ws.config.name or ws.path.name,
        workspace_names=dict(ws.config.name_label),
        until=until_day,
        first_designation=first_designation,
        disclosure_k=int(ws.config.disclosure_k),
        hotspots=sections,
        evaluation=evaluation,
        previous=previous,
        previous_until=prev_day,
        knox=knox,
        knox_alert=knox.alert if knox is not None else None,
        knox_categories=tuple(knox.categories) if knox is not None else near_repeat_categories(ws),
        concentration=results["concentration"],
        coverage=results["coverage"],
        borders=results["borders"],
        gistar=results["gistar"],
        emerging=results["emerging"],
        runs=runs.records,
        unavailable=runs.unavailable,
        unavailable_kind=runs.unavailable_kind,
        incidents=incidents,
        dose=dose,
        region=region,
        zones=counts.zone_outlines(ws),
        communes=counts.commune_outlines(ws),
        streets=counts.street_lines(ws),
        zone_layer=ws.config.zone_layer,
        zone_label=dict(ws.config.zone_label),
        report_config=ws.config.report,
        region_grid=region_grid,
        quarantine=quarantine_by_source(ws),
        data_coverage=counts.data_coverage(ws, coverage_first, until_day),
        fingerprint=ws.data_fingerprint(),
        config_fingerprint=ws.config_fingerprint(),
        software_version=software_version(),
        generated=dt.datetime.now(dt.UTC).date(),
        display={
            "map_cell_m": counts.MAP_CELL_M,
            "region_cell_m": counts.REGION_CELL_M,
            "map_margin_m": counts.MAP_MARGIN_M,
            "regional_window": (window_start, until_day),
        },
    )


def build_renewal_report(
    ws: Workspace,
    *,
    until: str | dt.date | None = None,
    lang: str = "en",
    fmt: str = "pdf",
    audience: str = "council",
    output: str | Path,
    data: RenewalData | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> Path:
    """Build the renewal report and write it to ``output``.

    Parameters
    ----------
    ws : Workspace
        The workspace.
    until : date or ISO string, optional
        Last day of the period under review; default the last day with data.
    lang : {"en", "fr", "nl"}
        Language.
    fmt : {"pdf", "html"}
        Output format (HTML is self-contained: figures are embedded).
    audience : {"council", "public"}
        ``public``: the public version (:mod:`hotspotwatch.report.public`, gathered by
        :func:`hotspotwatch.workflows.public_version.gather_public`): designated places in
        alphabetical order, no count per place, rare categories region-wide only, counts
        below ``disclosure_k`` hidden with complementary suppression.
    output : path
        File to write.
    data : RenewalData, optional
        Inputs gathered by :func:`gather_renewal` (reuse them to build several languages
        or audiences without gathering again).
    progress : callable, optional
        ``progress(done, total)`` per rendered part (each hotspot page, the summary, the
        regional picture, the methods, the PDF); see
        :func:`hotspotwatch.report.render.renewal_html`.

    Returns
    -------
    Path
        The written file.
    """
    from hotspotwatch.report.render import render_renewal

    if data is None:
        data = gather_renewal(ws, until=until)
    if audience == "public":  # its own layout and numbers (issue 17): no count per place
        from hotspotwatch.report.public import render_public
        from hotspotwatch.workflows.public_version import gather_public

        return render_public(gather_public(ws, data), lang=lang, fmt=fmt, output=Path(output),
                             progress=progress)
    return render_renewal(data, lang=lang, fmt=fmt, audience=audience, output=Path(output),
                          progress=progress)


__all__ = [
    "RenewalData",
    "build_renewal_report",
    "default_until",
    "gather_renewal",
    "quarantine_by_source",
]
