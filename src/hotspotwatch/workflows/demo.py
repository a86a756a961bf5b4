"""The main job: build the Brussels demo workspace and run every analysis on it.

``hotspotwatch demo DIR`` (and ``make demo``) calls :func:`run_demo`. It writes::

    DIR/workspace/          the workspace (hotspotwatch.toml + hotspotwatch.sqlite)
    DIR/truth.json          what the simulator planted (to check the methods against)
    DIR/detect/             harm density, Gi* bins, coverage of the designations, border view
    DIR/spacetime/          near-repeat (Knox) table after shootings, alert, emerging hotspots
    DIR/evaluation.json     per-hotspot and strategy verdicts (``hotspotwatch evaluate --json``)
    DIR/reports/            renewal reports, FR/NL/EN, council and public
    DIR/demo-summary.json   what was produced, with timings

A step whose part is missing or fails is reported (with the reason) and the others still run,
so the demo always says exactly what it could and could not do.
"""

from __future__ import annotations

import datetime as dt
import json
import shutil
import time
import traceback
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from hotspotwatch.analysis._result import to_jsonable
from hotspotwatch.scenarios.brussels.config import SELECTIONS, Selection
from hotspotwatch.workspace import Workspace

Progress = Callable[[str, float], None]
DEMO_MARKER = ".hotspotwatch-demo"
DEMO_USER = "demo-analyst"


class DemoError(RuntimeError):
    """The demo folder cannot be used; the message says why."""


@dataclass
class StepOutcome:
    """What one demo step produced."""

    name: str
    ok: bool
    seconds: float
    lines: list[str] = field(default_factory=list)
    outputs: list[str] = field(default_factory=list)
    error: str | None = None


@dataclass
class DemoContext:
    """State shared by the demo steps."""

    folder: Path
    ws: Workspace
    seed: int
    scale: float
    progress: Progress
    data: dict[str, Any] = field(default_factory=dict)
    selection: Selection = "none"


def prepare_folder(folder: Path) -> Path:
    """Create ``folder`` or clear a previous demo in it; refuse to touch anything else.

    Raises
    ------
    DemoError
        If the folder holds files that a previous demo did not write.
    """
    folder = Path(folder)
    if folder.exists():
        if not folder.is_dir():
            raise DemoError(f"{folder} exists and is not a folder; choose another demo folder")
        if any(folder.iterdir()) and not (folder / DEMO_MARKER).exists():
            raise DemoError(
                f"{folder} is not empty and was not made by `hotspotwatch demo`; "
                "choose an empty or new folder (nothing was changed)"
            )
        for child in folder.iterdir():
            if child.is_dir():
                shutil.rmtree(child)
            else:
                child.unlink()
    folder.mkdir(parents=True, exist_ok=True)
    (folder / DEMO_MARKER).write_text(
        "made by hotspotwatch demo; the folder is rebuilt on each run\n"
    )
    return folder


def _n(count: int, noun: str) -> str:
    return f"{count} {noun}{'' if count == 1 else 's'}"


# ----------------------------------------------------------------------------- steps
def step_load(ctx: DemoContext) -> StepOutcome:
    from hotspotwatch.workflows.scenario import load_brussels

    out = load_brussels(
        ctx.ws,
        seed=ctx.seed,
        scale=ctx.scale,
        truth_path=ctx.folder / "truth.json",
        selection=ctx.selection,
        progress=lambda msg, frac: ctx.progress(f"Brussels scenario: {msg}", frac),
        presence=True,
        resources=True,
    )
    ctx.data["load"] = out
    ev = out["events"]
    return StepOutcome(
        "load",
        True,
        0.0,
        [
            f"{out['areas'].get('police_zone', 0)} police zones, {out['areas'].get('canton', 0)} cantons, "
            f"{out['hotspots']} hotspots, {out['designations']} decisions",
            f"{ev['inserted']:,} simulated events (seed {ctx.seed}, scale {ctx.scale:g})",
            *(
                []
                if ctx.selection == "none"
                else [_spike_line(out["truth"].get("selection_spike") or {})]
            ),
        ],
        [str(ctx.folder / "truth.json")],
    )


def _spike_line(spike: dict[str, Any]) -> str:
    extra = sum(h["expected_extra_harm"] for h in spike.get("hotspots", {}).values())
    return (
        f"selection peak: harm +{spike.get('size', 0):.0%} in each hotspot over the "
        f"{spike.get('months')} months before its designation (about {extra:,.0f} extra "
        "harm events expected; see truth.json selection_spike)"
    )


def step_detect(ctx: DemoContext) -> StepOutcome:
    import geopandas as gpd

    from hotspotwatch.workflows import detect as wd

    out_dir = ctx.folder / "detect"
    out_dir.mkdir(exist_ok=True)
    ws = ctx.ws
    files: list[Path] = []
    lines: list[str] = []
    first_designation = min(p.start for ps in ws.hotspot_periods().values() for p in ps)
    post = wd.EventFilter(roles=("harm",), start=first_designation, end=dt.date(2026, 1, 1))

    ctx.progress("designation coverage: Gi* of harm in the 12 months before designation", 0.05)
    cov = wd.coverage(ws, wd.EventFilter(roles=("harm",)), pre_months=12)
    cov.table.drop(columns=["geometry"], errors="ignore").to_csv(
        out_dir / "coverage.csv", index=False
    )
    files.append(out_dir / "coverage.csv")
    if not cov.undesignated.empty:
        files += wd.write_layer(
            gpd.GeoDataFrame(cov.undesignated, geometry="geometry", crs=ws.config.crs),
            out_dir,
            "undesignated_hotspots",
        )
    n_hot = int(cov.table["statistical_hotspot"].sum())
    lines.append(
        f"{n_hot} of {len(cov.table)} designated places were statistical hot spots of harm before designation"
    )
    if cov.results:
        res = cov.results[0]
        lines.append(
            f"designated perimeters: {res.designated_harm_share:.1%} of harm on {res.designated_area_share:.2%} "
            f"of the area (PAI {res.pai:.1f}); {_n(len(cov.undesignated), 'hot cluster')} not designated"
        )

    ctx.progress("Gi* hot spots of harm since designation (999 permutations, FDR)", 0.35)
    gi = wd.gistar_grid(ws, post, permutations=999, seed=ctx.seed)
    res_gi = gi.result
    frame = wd.grid_frame(
        gi,
        ws.config.crs,
        {"value": gi.counts, "z": res_gi.z, "p": res_gi.p_adjusted, "bin": res_gi.bins},
    )
    files += wd.write_layer(frame, out_dir, "gistar")
    files += [
        wd.write_figure(
            wd.bins_to_grid(gi),
            gi.grid.extent,
            out_dir,
            "gistar",
            title="Gi* bins (harm since designation)",
            cmap="RdBu_r",
            diverging=True,
        )
    ]
    hot = int((res_gi.bins[gi.grid.mask] >= 2).sum())
    lines.append(f"Gi*: {hot} grid cells hot at 95 % or more ({gi.grid.cell_size_rule})")

    ctx.progress("kernel density of harm", 0.6)
    kd = wd.kde_surface(ws, post)
    files += [
        wd.write_figure(
            kd.result.density * 1e6,
            kd.result.extent,
            out_dir,
            "kde",
            title=f"Harm density ({kd.result.kernel}, {kd.result.bandwidth:.0f} m), per km²",
            cmap="magma",
            outlines=[ws.study_area()],
        )
    ]

    ctx.progress("concentration and border view", 0.8)
    conc = wd.concentration(ws, post)
    shares = dict(zip(conc.count_table.event_shares, conc.count_table.place_shares, strict=True))
    if 0.5 in shares:
        lines.append(
            f"50 % of harm events happen on {shares[0.5]:.1%} of grid cells (Gini {conc.count_table.gini:.2f})"
        )
    view, _ = wd.borders(ws, post, distance=200.0)
    lines.append(
        f"{view.harm_share:.0%} of harm within 200 m of a police-zone border, on {view.area_share:.0%} of the area; "
        f"{_n(len(view.straddling), 'hot cluster')} straddling two zones"
    )
    return StepOutcome("detect", True, 0.0, lines, [str(f) for f in files])


def step_spacetime(ctx: DemoContext) -> StepOutcome:
    from hotspotwatch.workflows.spacetime import (
        run_emerging,
        run_recent_alerts,
        write_emerging_outputs,
        write_knox_outputs,
    )

    out_dir = ctx.folder / "spacetime"
    out_dir.mkdir(exist_ok=True)
    ctx.progress("near repeat: Knox test on shootings (999 permutations)", 0.0)
    knox_run = run_knox_shootings(ctx.ws, seed=ctx.seed)
    files = write_knox_outputs(knox_run, out_dir)
    alerts = run_recent_alerts(ctx.ws, category="shooting", days=30, knox=knox_run["spec"])
    alert_path = out_dir / "alerts.json"
    alert_path.write_text(json.dumps(to_jsonable(alerts["alerts"]), indent=2), encoding="utf-8")
    files.append(alert_path)
    # Emerging hot spots over the last three years by quarter: monthly cells of 250 m hold too
    # few events for a stable Gi* per bin, and a 5-year window dilutes a place that emerged lately.
    last_day = (
        ctx.ws.events(roles="harm")["occurred_at"].max().tz_convert(ctx.ws.config.timezone).date()
    )
    window_start = dt.date(last_day.year - 2, 1, 1)
    ctx.progress("emerging hotspots: space-time cube of harm by quarter (last 3 years)", 0.5)
    emerging = run_emerging(
        ctx.ws, roles=["harm"], cell_size=250.0, step="quarter", start=window_start
    )
    files += write_emerging_outputs(emerging, out_dir)
    ctx.data["knox"] = knox_run
    ctx.data["emerging"] = emerging

    def sentences(value: Any) -> list[str]:
        return [value] if isinstance(value, str) else [str(v) for v in value or []]

    lines = sentences(knox_run.get("summary"))[:2] + sentences(emerging.get("summary"))[:2]
    return StepOutcome("spacetime", True, 0.0, lines, [str(p) for p in files])


def run_knox_shootings(ws: Workspace, *, seed: int) -> dict[str, Any]:
    """Knox near-repeat test on shootings with the demo's bands (Manhattan, metres × days)."""
    from hotspotwatch.workflows.spacetime import run_knox

    return run_knox(
        ws,
        categories=["shooting"],
        space_bands=[0, 200, 400, 800, 1600, float("inf")],
        time_bands=[0, 7, 14, 28, 56, float("inf")],
        permutations=999,
        seed=seed,
    )


def step_evaluate(ctx: DemoContext) -> StepOutcome:
    from hotspotwatch.i18n.verdicts import with_verdict_texts
    from hotspotwatch.workflows.evaluate import evaluate_strategy

    ctx.progress("evaluating 17 hotspots and the strategy", 0.0)
    result = evaluate_strategy(ctx.ws, outcome="harm", seed=ctx.seed)
    payload = result.to_dict()
    path = ctx.folder / "evaluation.json"  # what `hotspotwatch evaluate --json` prints
    path.write_text(
        json.dumps(to_jsonable(with_verdict_texts(result)), indent=2, ensure_ascii=False),
        encoding="utf-8",
    )
    ctx.data["evaluation"] = payload
    pooled = payload.get("pooled") or {}
    lines = []
    if pooled:
        lines.append(
            f"strategy (pooled) IRR {pooled.get('irr', float('nan')):.2f} "
            f"[{pooled.get('ci_low', float('nan')):.2f}, {pooled.get('ci_high', float('nan')):.2f}], "
            f"I² {pooled.get('i2', float('nan')):.0%}"
        )
    verdicts: dict[str, int] = {}
    for h in payload.get("hotspots", []):
        verdicts[str(h.get("verdict"))] = verdicts.get(str(h.get("verdict")), 0) + 1
    lines.append("verdicts: " + ", ".join(f"{k}: {v}" for k, v in sorted(verdicts.items())))
    return StepOutcome("evaluate", True, 0.0, lines, [str(path)])


def _build_reports(workspace: str, data: Any, jobs: list[tuple[str, str, str, str]]) -> list[str]:
    """Build several renewal reports in one process (``jobs``: lang, fmt, audience, path)."""
    from hotspotwatch.workflows.report import build_renewal_report

    with Workspace.open(workspace) as ws:
        for lang, fmt, audience, path in jobs:
            build_renewal_report(ws, lang=lang, fmt=fmt, audience=audience, output=path, data=data)
    return [job[3] for job in jobs]


PRESENCE_MAPPING = """# presence sessions of the simulated Brussels (hotspotwatch import presence)
source = "simulated-brussels-presence"
kind = "sessions"
[columns]
id = "session_no"
start = "start"
end = "end"
unit_type = "unit_type"
hotspot = "hotspot"
"""


def step_dose(ctx: DemoContext) -> StepOutcome:
    """Presence sessions imported from a file like any source, then the dose runs."""
    from hotspotwatch.workflows.presence import deterrence_spec, import_presence, presence_spec
    from hotspotwatch.workflows.resources import cost_spec, import_resources
    from hotspotwatch.workflows.runs import ensure_run

    sessions = ctx.data["load"].get("presence")
    folder = ctx.folder / "presence"
    folder.mkdir(exist_ok=True)
    csv = folder / "sessions.csv"
    mapping = folder / "mapping.toml"
    table = sessions.rename(
        columns={"source_id": "session_no", "started_at": "start", "ended_at": "end"}
    )
    fmt = "%Y-%m-%dT%H:%M:%SZ"
    table = table.assign(start=table["start"].dt.strftime(fmt), end=table["end"].dt.strftime(fmt))
    table[["session_no", "start", "end", "unit_type", "hotspot"]].to_csv(csv, index=False)
    mapping.write_text(PRESENCE_MAPPING, encoding="utf-8")
    ctx.progress("presence: importing sessions", 0.1)
    (report,) = import_presence(ctx.ws, [csv], mapping=mapping, user="demo")
    res_csv = folder / "resources.csv"
    ctx.data["load"]["resources"].to_csv(res_csv, index=False)
    ctx.progress("resources: importing staff-hours and costs", 0.2)
    (res_report,) = import_resources(ctx.ws, [res_csv], user="demo")
    # up to the review day of the report and the dashboard: the same stored runs
    from hotspotwatch.workflows.report_counts import default_until

    review = default_until(ctx.ws)
    ctx.progress("presence: minutes per hotspot and week", 0.4)
    pres = ensure_run(ctx.ws, presence_spec(ctx.ws, until=review)).result
    ctx.progress("presence: the Koper curve", 0.7)
    koper = ensure_run(ctx.ws, deterrence_spec(ctx.ws, until=review)).result
    ctx.progress("cost per harm prevented", 0.85)
    cost = ensure_run(ctx.ws, cost_spec(ctx.ws)).result
    ctx.data["dose"] = {"presence": pres, "deterrence": koper, "cost": cost}
    truth = ctx.data["load"]["truth"].get("presence", {})
    truth_res = ctx.data["load"]["truth"].get("resources", {})
    b, d = koper.best_session_minutes, koper.deterrence_minutes
    verdict = (
        f"Koper curve: sessions longer than {b.estimate:g} min (interval {b.ci_low:g}–{b.ci_high:g}) "
        f"deter for {d.estimate:g} min ({d.ci_low:g}–{d.ci_high:g}); hazard ratio "
        f"{koper.hazard_ratio:.2f}"
        if koper.can_tell
        else f"Koper curve: the data cannot tell a threshold ({koper.reason})"
    )
    return StepOutcome(
        "dose",
        True,
        0.0,
        [
            report.describe(),
            f"{sum(h.minutes for h in pres.hotspots) / 60:,.0f} hours of presence at "
            f"{sum(1 for h in pres.hotspots if h.sessions)} hotspots (activity, not results)",
            verdict + f" — planted: {truth.get('threshold_minutes')} min, "
            f"{truth.get('deterrence_minutes')} min",
            f"{res_report.read:,} simulated resource records (per hotspot, six months and kind) "
            f"read, {res_report.inserted:,} stored, {res_report.quarantined} quarantined; "
            f"{truth_res.get('staff_hours', 0):,.0f} staff-hours, "
            f"{truth_res.get('cost_eur', 0):,.0f} {ctx.ws.config.currency}",
            *_cost_lines(cost, ctx.ws.config.currency),
        ],
        [str(csv), str(mapping), str(res_csv)],
    )


def _cost_lines(cost: Any, currency: str) -> list[str]:
    """What ``dose cost`` says, in short: each place's range or why there is none."""
    from babel.numbers import format_currency

    def money(v: float) -> str:
        return format_currency(v, currency, format="¤#,##0", locale="en", currency_digits=False)

    def one(p: Any) -> str:
        if p.status == "computed":
            return f"{money(p.cost_per_prevented_low)}–{money(p.cost_per_prevented_high)}"
        return str(p.status)

    lines = [
        f"cost per harm prevented (simulated costs, a range): {p.name}: {one(p)}"
        for p in cost.places
    ]
    if cost.strategy is not None:
        lines.append(f"cost per harm prevented, strategy: {one(cost.strategy)}")
    return lines


def apply_brussels_settings(ws: Workspace) -> Workspace:
    """Write the Brussels zone layer and report wording into ``hotspotwatch.toml`` and
    reopen (:data:`hotspotwatch.scenarios.brussels.config.WORKSPACE_SETTINGS`)."""
    import tomllib

    from hotspotwatch.config import CONFIG_FILE, Config
    from hotspotwatch.scenarios.brussels.config import WORKSPACE_SETTINGS

    data = tomllib.loads(ws.config.to_toml())
    for table, content in WORKSPACE_SETTINGS.items():
        data.setdefault(table, {}).update(content)
    cfg = Config.from_mapping(data, source="demo")
    (ws.path / CONFIG_FILE).write_text(cfg.to_toml(), encoding="utf-8")
    path, url = ws.path, ws.config.database_url
    ws.close()
    return Workspace.open(path, database_url=url)


def step_report(ctx: DemoContext) -> StepOutcome:
    from concurrent.futures import ProcessPoolExecutor, as_completed

    from hotspotwatch.workflows.report import gather_renewal

    # The dashboard serves <workspace>/reports/ to analysts and <workspace>/reports/public/ to all.
    council_dir = ctx.ws.path / "reports"
    public_dir = council_dir / "public"
    public_dir.mkdir(parents=True, exist_ok=True)
    ctx.progress("gathering the renewal report's inputs", 0.0)
    data = gather_renewal(ctx.ws)
    jobs = [
        (
            lang,
            "pdf",
            audience,
            str(
                (council_dir if audience == "council" else public_dir)
                / f"renewal-{audience}-{lang}.pdf"
            ),
        )
        for audience in ("council", "public")
        for lang in ("en", "fr", "nl")
    ]
    jobs.append(("en", "html", "council", str(council_dir / "renewal-council-en.html")))
    # Inputs are gathered once; the six PDFs are laid out on both cores (WeasyPrint is single-threaded).
    halves = [jobs[0::2], jobs[1::2]]
    files: list[str] = []
    with ProcessPoolExecutor(max_workers=2) as pool:
        futures = [pool.submit(_build_reports, str(ctx.ws.path), data, half) for half in halves]
        for done, fut in enumerate(as_completed(futures), 1):
            files += fut.result()
            ctx.progress("renewal reports: FR/NL/EN, council and public", done / len(futures))
    files.sort()
    return StepOutcome(
        "report",
        True,
        0.0,
        [f"{len(files)} reports in {council_dir} (public versions in public/)"],
        files,
    )


def step_users(ctx: DemoContext) -> StepOutcome:
    import secrets

    from hotspotwatch.workflows.users import add_user

    password = secrets.token_urlsafe(12)
    add_user(ctx.ws, DEMO_USER, role="regional_analyst", password=password)
    (ctx.folder / "demo-login.txt").write_text(
        f"user: {DEMO_USER}\npassword: {password}\n(role regional_analyst; demo only)\n",
        encoding="utf-8",
    )
    ctx.data["login"] = (DEMO_USER, password)
    return StepOutcome(
        "users",
        True,
        0.0,
        [f"dashboard login: {DEMO_USER} / {password}"],
        [str(ctx.folder / "demo-login.txt")],
    )


STEPS: list[tuple[str, str, Callable[[DemoContext], StepOutcome]]] = [
    ("load", "Brussels geography, hotspots and simulated events", step_load),
    ("detect", "Where harm concentrates; are the designated places the right ones?", step_detect),
    ("spacetime", "Near-repeat risk after shootings; emerging hotspots", step_spacetime),
    ("evaluate", "Is each hotspot, and the strategy, working?", step_evaluate),
    ("dose", "Presence at the hotspots and the Koper curve (activity, not results)", step_dose),
    ("report", "Renewal reports (FR/NL/EN, council and public)", step_report),
    ("users", "A demo login for the dashboard", step_users),
]


def run_demo(
    folder: str | Path,
    *,
    seed: int = 20240328,
    scale: float = 1.0,
    progress: Progress | None = None,
    on_step: Callable[[str, str], None] | None = None,
    on_done: Callable[[StepOutcome], None] | None = None,
    steps: list[str] | None = None,
    selection: Selection = "none",
) -> dict[str, Any]:
    """Build the demo in ``folder`` and run every analysis; return a summary.

    Parameters
    ----------
    folder : path-like
        Demo folder (created, or rebuilt if a previous demo made it).
    seed : int
        Simulation and permutation seed.
    scale : float
        Event-volume multiplier (1, 10, 100).
    progress : callable, optional
        ``progress(message, fraction)`` within the current step.
    on_step, on_done : callable, optional
        Called when a step starts (``name, title``) and ends (:class:`StepOutcome`).
    steps : list of str, optional
        Only these steps (``load`` always runs).
    selection : {"none", "peak"}, default "none"
        ``"peak"`` simulates designations that follow a transient harm spike (+40 % over the
        6 months before each designation by default; see
        :func:`hotspotwatch.scenarios.brussels.simulate`), the selection trap a before/after
        comparison falls into. ``"none"`` keeps the events of earlier versions.

    Returns
    -------
    dict
        ``workspace``, ``folder``, ``steps`` (one entry per step with ok, seconds, lines,
        outputs, error) and ``seconds``.
    """
    if selection not in SELECTIONS:
        raise DemoError(
            f"selection {selection!r} is not one of {', '.join(SELECTIONS)} "
            "(peak: each designation follows a harm spike; none: it does not)"
        )
    root = prepare_folder(Path(folder))
    ws = Workspace.create(
        root / "workspace",
        crs="EPSG:3812",
        timezone="Europe/Brussels",
        name="Brussels-Capital Region (simulated demo)",
    )
    ws = apply_brussels_settings(ws)
    ctx = DemoContext(root, ws, seed, scale, progress or (lambda _m, _f: None), selection=selection)
    outcomes: list[StepOutcome] = []
    t_all = time.perf_counter()
    for name, title, func in STEPS:
        if steps is not None and name != "load" and name not in steps:
            continue
        if on_step:
            on_step(name, title)
        t0 = time.perf_counter()
        try:
            outcome = func(ctx)
        except Exception as exc:
            if name == "load":
                ws.close()
                raise
            outcome = StepOutcome(name, False, 0.0, error=f"{type(exc).__name__}: {exc}")
            (root / f"error-{name}.txt").write_text(traceback.format_exc(), encoding="utf-8")
        outcome.seconds = round(time.perf_counter() - t0, 2)
        outcomes.append(outcome)
        if on_done:
            on_done(outcome)
    summary = {
        "folder": str(root),
        "workspace": str(ws.path),
        "seed": seed,
        "scale": scale,
        "selection": selection,
        "seconds": round(time.perf_counter() - t_all, 2),
        "steps": [o.__dict__ for o in outcomes],
        "login": ctx.data.get("login"),
    }
    (root / "demo-summary.json").write_text(
        json.dumps(to_jsonable(summary), indent=2), encoding="utf-8"
    )
    ws.close()
    return summary
