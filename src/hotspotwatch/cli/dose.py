"""``hotspotwatch dose presence|deterrence``: presence at the hotspots and what followed it.

Both are stored typed runs (``dose.presence``, ``dose.deterrence``), reused while the data and
the configuration are unchanged. Presence is activity, not results.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.markup import escape

from hotspotwatch.cli._common import (
    DatabaseUrlOpt,
    JsonOpt,
    WorkspaceOpt,
    console,
    fail,
    open_workspace,
    print_json,
)

app = typer.Typer(
    help="Presence of units at the hotspots and the harm after it (activity, not results).",
    no_args_is_help=True,
)


UntilOpt = Annotated[
    str | None,
    typer.Option(
        "--until",
        help="Only sessions and harm up to this day (YYYY-MM-DD; default: all). The report "
        "and the dashboard ask for their review day.",
    ),
]


def _day(value: str | None) -> str | None:
    """``--until`` checked as an ISO day (exit 2 with the fix otherwise)."""
    import datetime as dt

    if value is None:
        return None
    try:
        return dt.date.fromisoformat(value).isoformat()
    except ValueError:
        fail(f"--until must be a date like 2025-12-31, got {escape(value)!r}")


def _interval(d: dict[str, Any]) -> str:
    if d["estimate"] is None:
        return "—"
    return f"{d['estimate']:g} min (interval {d['ci_low']:g}–{d['ci_high']:g})"


@app.command("presence")
def presence(
    hotspot: Annotated[
        list[str] | None, typer.Option("--hotspot", help="Only this hotspot (repeatable).")
    ] = None,
    until: UntilOpt = None,
    workspace: WorkspaceOpt = Path("."),
    database_url: DatabaseUrlOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Minutes of presence per hotspot and week, by unit type (activity, not results)."""
    from hotspotwatch.workflows.presence import presence_spec
    from hotspotwatch.workflows.runs import ensure_run

    ws = open_workspace(workspace, database_url)
    try:
        run = ensure_run(ws, presence_spec(ws, hotspots=hotspot or None, until=_day(until)))
    except ValueError as exc:
        fail(escape(str(exc)))
    finally:
        ws.close()
    result = run.result.to_dict()
    if as_json:
        print_json({"run": run.key[:12], "parameters": run.parameters, **result})
        return
    from rich.table import Table

    t = Table(title="Presence per hotspot (activity, not results)")
    for c in ("hotspot", "sessions", "hours", "min/week", "high-harm hours covered", "median min"):
        t.add_column(c, justify="left" if c == "hotspot" else "right")
    for h in result["hotspots"]:
        cov = h["high_harm_hours"]["covered_share"]
        med = h["lengths"]["median"]
        t.add_row(
            escape(h["hotspot"]),
            f"{h['sessions']:,}",
            f"{h['minutes'] / 60:,.0f}",
            f"{h['minutes_per_week']:,.0f}",
            "—" if cov is None else f"{100 * cov:.1f} %",
            "—" if med is None else f"{med:.0f}",
        )
    console.print(t)
    weeks = result["weeks"][-12:] if not hotspot else result["weeks"]
    if weeks:
        w = Table(title="Minutes per week" + ("" if hotspot else " (last rows; --json for all)"))
        for c in ("hotspot", "week", "unit type", "minutes", "sessions"):
            w.add_column(c, justify="right" if c in ("minutes", "sessions") else "left")
        for r in weeks:
            w.add_row(
                escape(r["hotspot"]),
                r["week"],
                r["unit_type"],
                f"{r['minutes']:,.0f}",
                f"{r['sessions']:,}",
            )
        console.print(w)
    dr = result["dose_response"]
    if dr["rate_ratio"] is not None:
        interval = (
            f"({dr['ci_low']:.3f}–{dr['ci_high']:.3f})"
            if dr["ci_low"] is not None and dr["ci_high"] is not None
            else f"— no interval, {dr.get('interval_note') or 'the fit gives none'}: the data "
            "cannot tell how uncertain it is"
        )
        console.print(
            f"Harm per hotspot-week and {dr['per_hours']:g} more hours of presence: rate "
            f"ratio {dr['rate_ratio']:.3f} {interval}; "
            "dose is not randomised: an association, not an effect.",
            highlight=False,
        )


@app.command("deterrence")
def deterrence(
    until: UntilOpt = None,
    workspace: WorkspaceOpt = Path("."),
    database_url: DatabaseUrlOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """The Koper curve: harm after sessions by their length, and the threshold that deters."""
    from hotspotwatch.workflows.presence import deterrence_spec
    from hotspotwatch.workflows.runs import ensure_run

    ws = open_workspace(workspace, database_url)
    try:
        run = ensure_run(ws, deterrence_spec(ws, until=_day(until)))
    except ValueError as exc:
        fail(escape(str(exc)))
    finally:
        ws.close()
    k = run.result
    d = k.to_dict()
    if as_json:
        keys = (
            "best_session_minutes",
            "deterrence_minutes",
            "can_tell",
            "reason",
            "hazard_ratio",
            "hr_ci_low",
            "hr_ci_high",
        )
        print_json(
            {
                **{key: d[key] for key in keys},
                "run": run.key[:12],
                "parameters": run.parameters,
                **{key: v for key, v in d.items() if key not in keys},
            }
        )
        return
    if k.can_tell:
        console.print(
            f"Sessions longer than {_interval(d['best_session_minutes'])} deter: for "
            f"{_interval(d['deterrence_minutes'])} after they end, harm in the place is "
            f"{k.hazard_ratio:.2f} times as likely (interval {k.hr_ci_low:.2f}–{k.hr_ci_high:.2f}).",
            highlight=False,
        )
    else:
        console.print(
            f"The data cannot tell a session length beyond which deterrence appears "
            f"({k.reason}; {k.events:,} harm events after {k.follow_ups:,} sessions).",
            highlight=False,
        )
    from rich.table import Table

    t = Table(title=f"Harm within {k.window_minutes:g} minutes after a session, by its length")
    for c in ("session length", "sessions", "harm events", "probability"):
        t.add_column(c, justify="right")
    for b in d["bins"]:
        hi = (
            "∞"
            if b["high"] is None or (isinstance(b["high"], float) and math.isinf(b["high"]))
            else f"{b['high']:g}"
        )
        p = b["harm_within"]
        t.add_row(
            f"{b['low']:g}–{hi} min",
            f"{b['sessions']:,}",
            f"{b['events']:,}",
            "—" if p is None else f"{100 * p:.1f} %",
        )
    console.print(t)
    console.print(
        "Presence is not randomised: long sessions may go where harm is low anyway; "
        "strata by hour of the week remove only the weekly rhythm.",
        style="dim",
    )


@app.command("cost")
def cost(
    until: Annotated[
        str | None,
        typer.Option("--until", help="End of the evaluation (default: the last harm day)."),
    ] = None,
    workspace: WorkspaceOpt = Path("."),
    database_url: DatabaseUrlOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Cost per harm prevented per place and for the strategy, as a range."""
    from hotspotwatch.workflows.resources import cost_spec
    from hotspotwatch.workflows.runs import ensure_run

    ws = open_workspace(workspace, database_url)
    try:
        run = ensure_run(ws, cost_spec(ws, until=until))
    except ValueError as exc:
        fail(escape(str(exc)))
    finally:
        ws.close()
    d = run.result.to_dict()
    if as_json:
        print_json({"run": run.key[:12], "parameters": run.parameters, **d})
        return
    from babel.numbers import format_currency, get_currency_name
    from rich.table import Table

    code = d.get("currency", "EUR")

    def money(v: float) -> str:
        return format_currency(v, code, format="¤#,##0", locale="en", currency_digits=False)

    unit = get_currency_name(code, count=2, locale="en")
    t = Table(title=f"Cost per harm prevented ({unit}, a range; harm counts)")
    for c in ("place", "harm prevented", "cost", "cost per harm prevented"):
        t.add_column(c, justify="left" if c == "place" else "right")
    for p in [*d["places"], *([d["strategy"]] if d["strategy"] else [])]:
        if p["status"] == "computed":
            per = f"{money(p['cost_per_prevented_low'])} – {money(p['cost_per_prevented_high'])}"
            prev = f"{p['prevented_low']:,.0f} – {p['prevented_high']:,.0f}"
        else:
            per, prev = p["status"], "—"
        t.add_row(
            escape(p["name"]), prev, "—" if p["cost_eur"] is None else money(p["cost_eur"]), per
        )
    console.print(t)
    if d["resources_simulated"]:
        console.print("Costs include simulated records.", style="dim")
