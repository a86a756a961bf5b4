"""``plot(ax=None)`` of every result type: matplotlib, returns the Axes.

:data:`PLOTS` maps ``"module:Class"`` to a function ``(result, ax, **kwargs) -> Axes``;
types not in it get :func:`generic`. Maps are drawn in kilometres of the workspace CRS.
matplotlib is imported here only, when a plot is asked for.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import numpy as np

from hotspotwatch.notebook import type_key

if TYPE_CHECKING:
    from matplotlib.axes import Axes

PlotFn = Callable[..., "Axes"]
PLOTS: dict[str, PlotFn] = {}

_A = "hotspotwatch.analysis."


def _register(*keys: str) -> Callable[[PlotFn], PlotFn]:
    def deco(fn: PlotFn) -> PlotFn:
        for k in keys:
            PLOTS[_A + k] = fn
        return fn

    return deco


def _axes(ax: Axes | None, figsize: tuple[float, float] = (6.4, 4.0)) -> Axes:
    if ax is not None:
        return ax
    import matplotlib.pyplot as plt

    _, new = plt.subplots(figsize=figsize, layout="constrained")
    return new


def render(result: Any, ax: Axes | None = None, **kwargs: Any) -> Axes:
    """Draw ``result`` with its registered function (or :func:`generic`)."""
    return PLOTS.get(type_key(result), generic)(result, _axes(ax), **kwargs)


def _main_array(obj: Any, depth: int = 0) -> tuple[str, np.ndarray] | None:
    for f in dataclasses.fields(obj):
        v = getattr(obj, f.name)
        if isinstance(v, np.ndarray) and v.dtype.kind in "fiu" and v.size and v.ndim <= 2:
            return f.name, np.asarray(v, dtype=float)
    if depth < 2:
        for f in dataclasses.fields(obj):
            v = getattr(obj, f.name)
            if dataclasses.is_dataclass(v) and not isinstance(v, type):
                found = _main_array(v, depth + 1)
                if found is not None:
                    return found
    return None


def generic(result: Any, ax: Axes, **kwargs: Any) -> Axes:
    """Its first numeric array (image if 2-D, line if 1-D), else its numeric fields as bars."""
    found = _main_array(result) if dataclasses.is_dataclass(result) else None
    if found is not None:
        name, arr = found
        if arr.ndim == 2:
            im = ax.imshow(arr, origin="lower", **kwargs)
            ax.figure.colorbar(im, ax=ax, label=name)
        else:
            ax.plot(np.arange(arr.size), arr, **kwargs)
            ax.set_ylabel(name.replace("_", " "))
    else:
        pairs = [(f.name, float(getattr(result, f.name))) for f in dataclasses.fields(result)
                 if isinstance(getattr(result, f.name), (int, float, np.number))
                 and not isinstance(getattr(result, f.name), bool)
                 and np.isfinite(float(getattr(result, f.name)))]
        ax.barh([p[0].replace("_", " ") for p in pairs], [p[1] for p in pairs], **kwargs)
    ax.set_title(type(result).__name__)
    return ax


# ---------------------------------------------------------------- evaluation
def _forest(ax: Axes, labels: list[str], est: list[float], low: list[float], high: list[float],
            colours: list[str]) -> None:
    y = np.arange(len(labels))[::-1]
    e = np.asarray(est, float)
    err = np.vstack([e - np.asarray(low, float), np.asarray(high, float) - e])
    for yi, ei, lo, hi, c in zip(y, e, err[0], err[1], colours, strict=True):
        ax.errorbar([ei], [yi], xerr=[[lo], [hi]], fmt="D" if c == "black" else "o", color=c, capsize=3)
    ax.axvline(1.0, color="grey", lw=0.8, ls="--")
    ax.set_yticks(y, labels)
    ax.set_xscale("log")
    from matplotlib.ticker import FixedLocator, NullLocator, StrMethodFormatter

    finite = [v for v in (*low, *high, *est) if np.isfinite(v) and v > 0]
    lo, hi = (min(finite), max(finite)) if finite else (0.5, 2.0)
    ticks = [t for t in (0.1, 0.2, 0.5, 0.75, 1, 1.5, 2, 5, 10) if lo / 1.5 <= t <= hi * 1.5]
    ax.xaxis.set_major_locator(FixedLocator(ticks))
    ax.xaxis.set_minor_locator(NullLocator())
    ax.xaxis.set_major_formatter(StrMethodFormatter("{x:g}"))
    ax.set_xlabel("incidence rate ratio (log scale; < 1 = fewer than expected)")


_VERDICT_COLOURS = {"reduction": "tab:green", "increase": "tab:red"}


@_register("evaluate.strategy:StrategyEvaluation")
def strategy(s: Any, ax: Axes, **kwargs: Any) -> Axes:
    """Forest plot: each place's rate ratio with its interval, the pooled ratio last."""
    labels = [h.name for h in s.hotspots]
    est = [h.did.irr for h in s.hotspots]
    low = [h.did.ci_low for h in s.hotspots]
    high = [h.did.ci_high for h in s.hotspots]
    colours = [_VERDICT_COLOURS.get(h.verdict.label, "tab:blue") for h in s.hotspots]
    if s.pooled is not None:
        labels.append("pooled")
        est.append(float(np.exp(s.pooled.estimate)))
        low.append(float(np.exp(s.pooled.ci_low)))
        high.append(float(np.exp(s.pooled.ci_high)))
        colours.append("black")
    _forest(ax, labels, est, low, high, colours)
    ax.set_title("Effect per place (difference in differences)")
    return ax


@_register("evaluate.hotspot:HotspotEvaluation")
def hotspot(h: Any, ax: Axes, **kwargs: Any) -> Axes:
    """Monthly outcome in the place and in its controls (scaled), designation marked."""
    s = h.series
    months = np.asarray(s.months, dtype="datetime64[D]")
    ax.plot(months, s.treated, label=h.name, color="tab:red", **kwargs)
    ctrl = np.asarray(s.control, float)
    if ctrl.size and np.nansum(ctrl) > 0:
        scale = np.nansum(s.treated) / np.nansum(ctrl)
        ax.plot(months, ctrl * scale, label="controls (scaled)", color="tab:grey")
    designated: Any = np.datetime64(h.designated)  # matplotlib's date axis takes it
    ax.axvline(designated, color="black", ls="--", lw=0.8, label="designated")
    ax.set_ylabel(f"{h.outcome} per month")
    from matplotlib.dates import AutoDateLocator, ConciseDateFormatter

    locator = AutoDateLocator()
    ax.xaxis.set_major_locator(locator)
    ax.xaxis.set_major_formatter(ConciseDateFormatter(locator))
    ax.legend()
    ax.set_title(f"{h.name}: rate ratio {h.did.irr:.2f} ({h.verdict.label.replace('_', ' ')})")
    return ax


@_register("evaluate.did:DiDResult", "evaluate.verdict:Verdict", "evaluate.synth:SynthResult")
def effect(r: Any, ax: Axes, **kwargs: Any) -> Axes:
    """One rate ratio with its interval."""
    _forest(ax, [type(r).__name__], [r.irr], [r.ci_low], [r.ci_high], ["tab:blue"])
    return ax


@_register("evaluate.its:ITSResult")
def its(r: Any, ax: Axes, **kwargs: Any) -> Axes:
    """Level change, slope change and the change at the end, with their intervals."""
    _forest(ax, ["level change", "monthly slope", "at the end"],
            [r.level_irr, r.slope_irr, r.end_irr], [r.level_ci_low, r.slope_ci_low, r.end_ci_low],
            [r.level_ci_high, r.slope_ci_high, r.end_ci_high], ["tab:blue"] * 3)
    ax.set_title("Interrupted time series (region)")
    return ax


@_register("detect.concentration:LorenzResult")
def lorenz(r: Any, ax: Axes, **kwargs: Any) -> Axes:
    """One Lorenz-type curve with its line of maximal equality."""
    ax.plot(r.place_share, r.event_share, color="tab:blue", label=f"Gini {r.gini:.2f}")
    ax.plot(r.place_share, r.maximal_equality, color="grey", ls=":", label="as even as the counts allow")
    ax.set_xlabel("share of places (most affected first)")
    ax.set_ylabel("share of events")
    ax.legend()
    return ax


@_register("evaluate.pooling:PooledResult")
def pooled(p: Any, ax: Axes, **kwargs: Any) -> Axes:
    """Pooled ratio with its confidence and prediction intervals."""
    e = float(np.exp(p.estimate))
    _forest(ax, ["prediction", "pooled"], [e, e], [np.exp(p.prediction_low), np.exp(p.ci_low)],
            [np.exp(p.prediction_high), np.exp(p.ci_high)], ["tab:grey", "black"])
    return ax


# ---------------------------------------------------------------- grids
def _grid_image(ax: Axes, grid: Any, values: np.ndarray, **kwargs: Any) -> Any:
    x0, y0, x1, y1 = grid.extent
    arr = np.asarray(values, dtype=float).copy()
    arr[~np.asarray(grid.mask, dtype=bool)] = np.nan
    im = ax.imshow(arr, origin="lower", extent=(x0 / 1000, x1 / 1000, y0 / 1000, y1 / 1000),
                   interpolation="nearest", **kwargs)
    ax.set_xlabel("x (km)")
    ax.set_ylabel("y (km)")
    ax.set_aspect("equal")
    return im


def _masked_to_grid(grid: Any, values: Any) -> np.ndarray:
    out = np.full(tuple(grid.shape), np.nan)
    out[np.asarray(grid.mask, dtype=bool)] = np.asarray(values, dtype=float)
    return out


def _categorical(ax: Axes, grid: Any, labels: Any, order: list[str], colours: list[str]) -> Axes:
    from matplotlib.colors import ListedColormap
    from matplotlib.patches import Patch

    labels = [str(v) for v in labels]
    present = [c for c in order if c in labels] + sorted(set(labels) - set(order))
    code = {c: i for i, c in enumerate(present)}
    palette = [colours[order.index(c)] if c in order else "lightgrey" for c in present]
    values = _masked_to_grid(grid, [code[v] for v in labels])
    if grid.kind != "square":  # hexagons are drawn as points at their centres
        xc, yc = grid.to_grid().centres()
        m = np.asarray(grid.mask, dtype=bool)
        ax.scatter(xc[m] / 1000, yc[m] / 1000, c=[palette[code[v]] for v in labels], marker="h", s=20)
        ax.set_aspect("equal")
    else:
        _grid_image(ax, grid, values, cmap=ListedColormap(palette), vmin=-0.5, vmax=len(present) - 0.5)
    ax.legend(handles=[Patch(color=palette[i], label=c.replace("_", " ")) for i, c in enumerate(present)],
              loc="upper left", bbox_to_anchor=(1.01, 1), fontsize="small")
    return ax


@_register("detect.gridded:GiStarRun")
def gistar(r: Any, ax: Axes, **kwargs: Any) -> Axes:
    """Map of Gi* confidence bins (red hot, blue cold)."""
    im = _grid_image(ax, r.grid, r.bins_grid(), cmap=kwargs.pop("cmap", "RdBu_r"), vmin=-3.5, vmax=3.5, **kwargs)
    ax.figure.colorbar(im, ax=ax, ticks=range(-3, 4), label="Gi* bin (±3 = 99%)")
    ax.set_title("Getis-Ord Gi* hot spots")
    return ax


_LISA_ORDER = ["not significant", "high-high", "low-high", "low-low", "high-low"]
_LISA_COLOURS = ["whitesmoke", "tab:red", "lightblue", "tab:blue", "pink"]


@_register("detect.gridded:LocalMoranRun")
def lisa(r: Any, ax: Axes, **kwargs: Any) -> Axes:
    """Map of LISA cluster types."""
    names = {0: "not significant", 1: "high-high", 2: "low-high", 3: "low-low", 4: "high-low"}
    _categorical(ax, r.grid, [names[int(c)] for c in r.lisa.cluster], _LISA_ORDER, _LISA_COLOURS)
    ax.set_title("Local Moran's I clusters")
    return ax


@_register("detect.gridded:KDERun")
def kde(r: Any, ax: Axes, **kwargs: Any) -> Axes:
    """The density surface as an image, per km², axes in km."""
    k = r.kde
    x0, y0, x1, y1 = k.extent
    im = ax.imshow(np.asarray(k.density, float) * 1e6, origin="lower",
                   extent=(x0 / 1000, x1 / 1000, y0 / 1000, y1 / 1000),
                   cmap=kwargs.pop("cmap", "magma_r"), **kwargs)
    ax.figure.colorbar(im, ax=ax, label="events per km²")
    ax.set_xlabel("x (km)")
    ax.set_ylabel("y (km)")
    ax.set_aspect("equal")
    ax.set_title(f"Kernel density (bandwidth {k.bandwidth:.0f} m)")
    return ax


@_register("detect.concentration:ConcentrationResult")
def concentration(r: Any, ax: Axes, **kwargs: Any) -> Axes:
    """Lorenz-type curves: share of events against share of places, most affected first."""
    for name, lz, colour in (("events", r.count_lorenz, "tab:blue"), ("harm", r.harm_lorenz, "tab:red")):
        ax.plot(lz.place_share, lz.event_share, color=colour, label=f"{name} (Gini {lz.gini:.2f})")
    ax.plot(r.count_lorenz.place_share, r.count_lorenz.maximal_equality, color="grey", ls=":",
            label="as even as the counts allow")
    ax.plot([0, 1], [0, 1], color="lightgrey", lw=0.8)
    ax.set_xlabel("share of places (most affected first)")
    ax.set_ylabel("share of events")
    ax.legend()
    ax.set_title("Concentration")
    return ax


#: Fixed colours per class word (warm = hot, cool = cold), so that maps agree between runs.
_PATTERN_COLOURS = {
    "new": "#fdd49e", "emerging": "#fdae6b", "consecutive": "#fc8d59", "intensifying": "#e34a33",
    "persistent": "#b30000", "diminishing": "#c994c7", "sporadic": "#fee8c8",
    "oscillating": "#f768a1", "historical": "#7a0177", "former": "#7a0177",
    "intermittent": "#fc9272", "mixed": "#bcbddc",
}
_COLD_COLOURS = {
    "new": "#c6dbef", "emerging": "#9ecae1", "consecutive": "#6baed6", "intensifying": "#3182bd",
    "persistent": "#08519c", "diminishing": "#a1d99b", "sporadic": "#deebf7",
    "oscillating": "#74c476", "historical": "#31a354", "former": "#31a354", "intermittent": "#9ecae1",
}


def _colours_for(labels: Any) -> tuple[list[str], list[str]]:
    """Classes present (hot first, "no pattern" last) and their colours."""
    present = {str(v) for v in labels}

    def rank(c: str) -> tuple[int, str]:
        return (2 if "no" in c.split("_")[0].split(" ")[0] else 1 if "cold" in c else 0, c)

    order = sorted(present, key=rank)
    cols = []
    for c in order:
        word = c.replace("_", " ").split(" ")[0]
        table = _COLD_COLOURS if "cold" in c else _PATTERN_COLOURS
        cols.append("whitesmoke" if c.replace("_", " ") == "no pattern" else table.get(word, "lightgrey"))
    return order, cols


@_register("detect.gridded:ClassifyRun")
def classify(r: Any, ax: Axes, **kwargs: Any) -> Axes:
    """Map of hot-spot classes."""
    order, cols = _colours_for(r.classify.category)
    _categorical(ax, r.grid, r.classify.category, order, cols)
    ax.set_title("Hot-spot classification")
    return ax


@_register("spacetime.results:EmergingRun")
def emerging(r: Any, ax: Axes, **kwargs: Any) -> Axes:
    """Map of emerging hot-spot categories."""
    order, cols = _colours_for(r.emerging.category)
    _categorical(ax, r.grid, r.emerging.category, order, cols)
    ax.set_title("Emerging hot spots")
    return ax


@_register("detect.coverage:CoverageSummary")
def coverage(r: Any, ax: Axes, **kwargs: Any) -> Axes:
    """Per designated place: its PAI (harm share / area share), statistical hot spots marked."""
    names = [c.hotspot for c in r.table]
    ax.barh(names, [c.pai_all for c in r.table],
            color=["tab:red" if c.statistical_hotspot else "tab:grey" for c in r.table])
    ax.axvline(1.0, color="black", lw=0.8, ls="--")
    ax.set_xlabel("predictive accuracy index (red: a statistical hot spot)")
    ax.set_title("Coverage of hot spots")
    return ax


@_register("detect.borders:BorderResult")
def borders(r: Any, ax: Axes, **kwargs: Any) -> Axes:
    """The border band, with its shares in the title."""
    import shapely

    for poly in getattr(r.band, "geoms", [r.band]):
        if isinstance(poly, shapely.Polygon):
            x, y = poly.exterior.xy
            ax.fill(np.asarray(x) / 1000, np.asarray(y) / 1000, color="tab:orange", alpha=0.6)
    ax.set_aspect("equal")
    ax.set_xlabel("x (km)")
    ax.set_ylabel("y (km)")
    ax.set_title(f"Within {r.distance:.0f} m of a border: {r.harm_share:.0%} of harm, {r.area_share:.0%} of area")
    return ax


# ---------------------------------------------------------------- space-time
@_register("spacetime.knox:KnoxResult", "spacetime.results:KnoxRun")
def knox(r: Any, ax: Axes, **kwargs: Any) -> Axes:
    """Heat map of the observed/expected ratio over space × time bands."""
    k = getattr(r, "knox", r)
    ratio = np.asarray(k.ratio, float)
    finite = ratio[np.isfinite(ratio)]
    top = max(2.0, float(finite.max())) if finite.size else 2.0
    from matplotlib.colors import TwoSlopeNorm

    im = ax.imshow(ratio, cmap=kwargs.pop("cmap", "RdBu_r"), norm=TwoSlopeNorm(1.0, 0.0, top), aspect="auto")
    for i in range(ratio.shape[0]):
        for j in range(ratio.shape[1]):
            star = "*" if k.p_value_adjusted[i, j] < 0.05 else ""
            ax.text(j, i, f"{ratio[i, j]:.2f}{star}", ha="center", va="center", fontsize="small")
    ax.set_xticks(range(len(k.time_labels)), k.time_labels, rotation=30)
    ax.set_yticks(range(len(k.space_labels)), k.space_labels)
    ax.set_xlabel("days apart")
    ax.set_ylabel("distance apart")
    ax.figure.colorbar(im, ax=ax, label="observed / expected (* adjusted p < 0.05)")
    ax.set_title("Knox near-repeat ratios")
    return ax


@_register("spacetime.results:RecentAlerts")
def alerts(r: Any, ax: Axes, **kwargs: Any) -> Axes:
    """Recent incidents with their alert radius, active ones in red."""
    from matplotlib.patches import Circle

    for a in r.alerts:
        colour = "tab:red" if a.active else "tab:grey"
        ax.add_patch(Circle((a.x / 1000, a.y / 1000), a.radius_m / 1000, color=colour, alpha=0.2))
        ax.plot([a.x / 1000], [a.y / 1000], "o", color=colour, ms=3)
    if not r.alerts:
        ax.text(0.5, 0.5, "no alerts", ha="center", va="center", transform=ax.transAxes)
    ax.set_aspect("equal")
    ax.autoscale_view()
    ax.set_xlabel("x (km)")
    ax.set_ylabel("y (km)")
    ax.set_title(f"Near-repeat alerts ({sum(a.active for a in r.alerts)} active)")
    return ax


# ---------------------------------------------------------------- evaluate incidents, dose
@_register("evaluate.incidents:IncidentsInContext")
def incidents(r: Any, ax: Axes, **kwargs: Any) -> Axes:
    """Incidents in designated places: observed against expected from the baseline share."""
    vals = [r.k, r.expected_k if r.expected_k is not None else np.nan]
    ax.bar(["observed", "expected"], vals, color=["tab:red", "tab:grey"])
    ax.set_ylabel(f"{r.category} in designated places")
    ax.set_title(f"{r.k} of {r.n} {r.category} in designated places")
    return ax


@_register("dose.summary:PresenceSummary")
def presence(r: Any, ax: Axes, **kwargs: Any) -> Axes:
    """Minutes of presence per week, per place."""
    ax.barh([h.hotspot for h in r.hotspots], [h.minutes_per_week for h in r.hotspots], color="tab:blue")
    if not r.hotspots:
        ax.text(0.5, 0.5, "no sessions", ha="center", va="center", transform=ax.transAxes)
    ax.set_xlabel("minutes per week")
    ax.set_title(f"Presence ({r.label})")
    return ax


@_register("dose.cost:CostSummary")
def cost(r: Any, ax: Axes, **kwargs: Any) -> Axes:
    """Range of the cost per harm prevented per place (places that cannot be computed: none)."""
    done = [c for c in r.places if c.status == "computed"]
    for i, c in enumerate(done):
        ax.plot([c.cost_per_prevented_low, c.cost_per_prevented_high], [i, i], color="tab:blue")
    ax.set_yticks(range(len(done)), [c.name for c in done])
    if not done:
        ax.text(0.5, 0.5, "cannot be computed: no detectable effect or no cost", ha="center",
                va="center", transform=ax.transAxes)
    ax.set_xlabel("euros per harm prevented")
    ax.set_title("Cost per harm prevented (a range)")
    return ax


@_register("dose.resources:ResourceTotals")
def resources(r: Any, ax: Axes, **kwargs: Any) -> Axes:
    """Staff-hours per place over its designated days (activity, not results)."""
    ax.barh([p.hotspot for p in r.places], [p.staff_hours for p in r.places], color="tab:blue")
    if not r.places:
        ax.text(0.5, 0.5, "no resource records", ha="center", va="center",
                transform=ax.transAxes)
    ax.set_xlabel("staff-hours")
    ax.set_title(f"Resources ({r.label})")
    return ax


@_register("dose.deterrence:KoperCurve")
def koper(r: Any, ax: Axes, **kwargs: Any) -> Axes:
    """Probability of harm after a session against its length (the Koper curve)."""
    if len(r.smooth_minutes):
        ax.plot(r.smooth_minutes, r.smooth_harm_within, color="tab:blue", label="smoothed")
    if r.bins:
        mids = [(b.low + b.high) / 2 for b in r.bins]
        ax.plot(mids, [b.harm_within for b in r.bins], "o", color="black", label="per length bin")
    if not len(r.smooth_minutes) and not r.bins:
        ax.text(0.5, 0.5, r.reason or "no data", ha="center", va="center", transform=ax.transAxes)
    else:
        ax.legend()
    if np.isfinite(r.best_session_minutes.estimate):
        ax.axvline(r.best_session_minutes.estimate, color="tab:green", ls="--")
    ax.set_xlabel("session length (minutes)")
    ax.set_ylabel(f"P(harm within {r.window_minutes:.0f} min)")
    ax.set_title("Koper curve")
    return ax
