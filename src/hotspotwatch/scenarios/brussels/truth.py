"""Ground truth of a simulated Brussels: the planted effects as an evaluation should see them.

The simulator plants multipliers on the intensity (see
:mod:`hotspotwatch.scenarios.brussels.simulator`). Where circles and rings of neighbouring
hotspots overlap, the effect on the events *inside one hotspot's circle* mixes the multipliers of
its neighbours, so the truth is computed the way an evaluation counts: as ratios of expected
counts over the exact areas, integrated numerically (a 10 m quadrature lattice) with the same
multiplier field the simulator samples from.

Definitions (all over the hotspot's own post period, from its first designation day to the
end of the simulation, harm categories only, unweighted counts):

- ``harm_irr[h]`` = E[harm events in circle h] / E[the same without any planted effect];
- ``buffer_irr[h]`` = the same ratio over the ring from ``radius_m`` to ``radius_m + width``
  around h, minus every hotspot circle (designated or not);
- ``category_irr[h][c]`` = the same ratio as ``harm_irr`` for category c alone;
- ``strategy_harm_irr`` = the pooled planted effect of the strategy: the weighted geometric
  mean :math:`\\exp(\\sum_h w_h \\log \\mathrm{IRR}_h / \\sum_h w_h)` of ``harm_irr`` over the
  designated hotspots, with :math:`w_h` the counterfactual expected post-period harm count in
  circle h. These are the weights a fixed-effect (inverse-variance) pooled log-IRR gives when
  each hotspot's pre and post counts are proportional to its expected counts (the variance of a
  Poisson log-IRR is :math:`1/E_{pre} + 1/E_{post} \\propto 1/E`).
- ``strategy_harm_ratio_of_sums`` = :math:`\\sum_h E_h / \\sum_h E^0_h` (treated over
  counterfactual expected counts summed over hotspots; overlapping circles count twice).

With ``selection="peak"`` every ratio above stays the causal effect of designation: its
numerator uses the designation multipliers only, never the selection spike, so ``harm_irr``
compares post-designation harm with the no-spike counterfactual (the same numbers as with
``selection="none"``). ``selection_spike`` records the spike itself: per hotspot the window
and the extra harm events it is expected to add in the circle.

Shootings: self-excitation multiplies the background by about :math:`1/(1-n)` everywhere and
the triggered shootings fall near their parent, so the ratios above hold for them up to the
few triggered shootings that cross a circle's edge.
"""

from __future__ import annotations

import datetime as dt
import itertools
import math
from typing import TYPE_CHECKING, Any

import numpy as np
import shapely

from hotspotwatch.analysis._result import to_jsonable
from hotspotwatch.geo.crs import WGS84, transformer
from hotspotwatch.scenarios.brussels.field import effect_field
from hotspotwatch.scenarios.brussels.rates import daily_rates

if TYPE_CHECKING:
    from hotspotwatch.scenarios.brussels.setup import Setup

__all__ = ["QUADRATURE_M", "compute_truth"]

QUADRATURE_M = 10.0


def _lattice(setup: Setup, q: float) -> tuple[np.ndarray, np.ndarray]:
    """Quadrature points within reach of any hotspot, inside the region."""
    keys: list[np.ndarray] = []
    x0, y0 = setup.raster.x0, setup.raster.y0
    n_side = math.ceil(setup.outer / q) + 1
    k = np.arange(-n_side, n_side + 1)
    for hx, hy in setup.hotspot_xy:
        ix0 = round((hx - x0) / q)
        iy0 = round((hy - y0) / q)
        gx, gy = np.meshgrid(ix0 + k, iy0 + k)
        keys.append(np.column_stack([gx.ravel(), gy.ravel()]))
    if not keys:
        return np.empty(0), np.empty(0)
    ij = np.unique(np.concatenate(keys), axis=0)
    x = x0 + (ij[:, 0] + 0.5) * q
    y = y0 + (ij[:, 1] + 0.5) * q
    d = np.min(
        np.hypot(
            x[:, None] - setup.hotspot_xy[None, :, 0], y[:, None] - setup.hotspot_xy[None, :, 1]
        ),
        axis=1,
    )
    keep = (d < setup.outer) & shapely.contains_xy(setup.geo.outline, x, y)
    return x[keep], y[keep]


def compute_truth(setup: Setup, *, seed: int) -> dict[str, Any]:
    """Return the JSON-ready truth of a simulation set-up (see the module docstring).

    Parameters
    ----------
    setup : Setup
        The simulator's internal set-up (geography, hotspots, raster, periods, config).
    seed : int
        Recorded as ``truth["seed"]``.

    Returns
    -------
    dict
        Keys: ``seed``, ``scale``, ``start``, ``end``, ``radius_m``, ``buffer_ring_m``,
        ``hotspots`` ({name: {harm_irr, buffer_irr, category_irr, planted_harm_irr,
        planted_buffer_irr, mechanism, enforcement_dose, prevention_dose, designated,
        expected_post_harm_counterfactual}}), ``strategy_harm_irr``,
        ``strategy_harm_irr_definition``, ``strategy_harm_ratio_of_sums``,
        ``emerging_undesignated`` (list of {name, lat, lon, x, y, start, share}),
        ``annual_rates`` ({category: {year: rate × scale}}), ``expected_counts``
        ({category: {year: expected count with the planted effects}}), ``selection``
        (``"none"`` or ``"peak"``), ``selection_spike`` (``None`` unless ``"peak"``: ``size``,
        ``months``, ``roles``, ``definition``, ``hotspots`` ({name: {designated,
        window_start, window_end, simulated_window, expected_harm_without_spike,
        expected_extra_harm}})), ``shooting_hawkes``.
    """
    cfg = setup.config
    q = QUADRATURE_M
    qx, qy = _lattice(setup, q)
    cell_index = setup.raster.index(qx, qy)
    dist = np.hypot(
        qx[:, None] - setup.hotspot_xy[None, :, 0], qy[:, None] - setup.hotspot_xy[None, :, 1]
    )
    in_any_circle = (dist < setup.radius).any(axis=1)
    circle = dist < setup.radius
    ring = (dist >= setup.radius) & (dist < setup.outer) & ~in_any_circle[:, None]

    n_days = len(setup.days)
    bounds = [*setup.breaks.tolist(), n_days]
    periods = list(itertools.pairwise(bounds))
    years = setup.days.year.to_numpy()
    cats = list(cfg.annual_rates)
    harm_cats = [c for c in cats if setup.taxonomy[c].role == "harm"]
    n_h = len(setup.sites)
    first_post = [
        int((np.datetime64(s.designated) - np.datetime64(setup.days[0].date())).astype(int))
        for s in setup.sites
    ]

    # num/den[h, c] for circles and rings; expected counts per category-year.
    circ_num = np.zeros((n_h, len(harm_cats)))
    circ_den = np.zeros((n_h, len(harm_cats)))
    ring_num = np.zeros((n_h, len(harm_cats)))
    ring_den = np.zeros((n_h, len(harm_cats)))
    expected: dict[str, dict[int, float]] = {}
    rates: dict[str, dict[int, float]] = {}
    field_cache: dict[tuple[int, tuple[float, ...], tuple[float, ...]], np.ndarray] = {}
    spike_cache: dict[tuple[int, ...], np.ndarray] = {}
    spike_base = np.zeros(n_h)  # expected harm in circle h over its window, without the spike
    spike_extra = np.zeros(n_h)  # expected extra harm the spike adds there
    for cat in cats:
        role = setup.taxonomy[cat].role
        daily = daily_rates(setup.days, cat, role, cfg, setup.scale)
        dens = setup.raster.densities[setup.profile(cat)][cell_index] * q * q
        rates[cat] = {int(y): cfg.rate(cat, int(y)) * setup.scale for y in np.unique(years)}
        exp_year = {int(y): 0.0 for y in np.unique(years)}
        for a, b in periods:
            active = setup.active(a)
            fld = effect_field(
                cat, role, active, setup.hotspot_xy, setup.effects, setup.radius, setup.outer
            )
            key = (a, tuple(fld.inside.tolist()), tuple(fld.ring.tolist()))
            if key not in field_cache:
                field_cache[key] = fld.from_distances(dist[:, active])
            m = field_cache[key]
            spiking = setup.spiking(a) if role == "harm" else []
            m_total = m
            if spiking:
                skey = tuple(spiking)
                if skey not in spike_cache:
                    spike_fld = effect_field(
                        cat, role, [], setup.hotspot_xy, setup.effects, setup.radius,
                        setup.outer, spiking=spiking, spike_size=cfg.selection_spike_size,
                    )  # fmt: skip
                    spike_cache[skey] = spike_fld.spike_from_distances(dist[:, spiking])
                m_total = m * spike_cache[skey]
            region_factor = 1.0 + float(np.sum(dens * (m_total - 1.0)))
            if role == "harm":
                region_factor += sum(cfg.emerging[e].share for e in setup.emerging_active(a))
            for y in np.unique(years[a:b]):
                sel = years[a:b] == y
                exp_year[int(y)] += float(daily[a:b][sel].sum()) * region_factor
            if role != "harm":
                continue
            ci = harm_cats.index(cat)
            t_mass = float(daily[a:b].sum())
            for h in spiking:
                spike_base[h] += t_mass * float(np.sum(dens * m * circle[:, h]))
                spike_extra[h] += t_mass * float(np.sum(dens * (m_total - m) * circle[:, h]))
            # harm_irr is the causal effect: designation multipliers only (a neighbour's
            # selection spike is not an effect of this hotspot's designation).
            for h in range(n_h):
                if a < first_post[h]:
                    continue
                circ_num[h, ci] += t_mass * float(np.sum(dens * m * circle[:, h]))
                circ_den[h, ci] += t_mass * float(np.sum(dens * circle[:, h]))
                ring_num[h, ci] += t_mass * float(np.sum(dens * m * ring[:, h]))
                ring_den[h, ci] += t_mass * float(np.sum(dens * ring[:, h]))
        expected[cat] = exp_year

    hotspots: dict[str, dict[str, Any]] = {}
    log_sum = 0.0
    w_sum = 0.0
    num_sum = 0.0
    for h, site in enumerate(setup.sites):
        eff = setup.effects[h]
        den = circ_den[h].sum()
        harm_irr = circ_num[h].sum() / den if den > 0 else math.nan
        rden = ring_den[h].sum()
        buffer_irr = ring_num[h].sum() / rden if rden > 0 else math.nan
        if den > 0:
            log_sum += den * math.log(harm_irr)
            w_sum += den
            num_sum += circ_num[h].sum()
        hotspots[site.name] = {
            "harm_irr": harm_irr,
            "buffer_irr": buffer_irr,
            "category_irr": {
                c: (circ_num[h, i] / circ_den[h, i] if circ_den[h, i] > 0 else math.nan)
                for i, c in enumerate(harm_cats)
            },
            "planted_harm_irr": eff.harm_irr,
            "planted_buffer_irr": eff.buffer_irr,
            "mechanism": eff.mechanism,
            "enforcement_dose": eff.dose,
            "prevention_dose": eff.prevention_dose,
            "designated": site.designated,
            "x": float(setup.hotspot_xy[h, 0]),
            "y": float(setup.hotspot_xy[h, 1]),
            "expected_post_harm_counterfactual": den,
            "expected_post_harm": circ_num[h].sum(),
        }

    to_xy = transformer(WGS84, setup.geo.crs)
    emerging = []
    for e in cfg.emerging:
        ex, ey = to_xy.transform(e.lon, e.lat)
        emerging.append(
            {
                "name": e.name, "lat": e.lat, "lon": e.lon, "x": ex, "y": ey,
                "start": e.start, "share": e.share, "sigma_m": e.sigma_m,
            }
        )  # fmt: skip

    selection_spike: dict[str, Any] | None = None
    if setup.selection == "peak":
        first_day, last_day = setup.days[0].date(), setup.days[-1].date()
        per_site: dict[str, dict[str, Any]] = {}
        for h, site in enumerate(setup.sites):
            w0, w1 = setup.spike_windows[h]
            s0, s1 = max(w0, first_day), min(w1 - dt.timedelta(days=1), last_day)
            per_site[site.name] = {
                "designated": site.designated,
                "window_start": w0,
                "window_end": w1 - dt.timedelta(days=1),
                "simulated_window": [s0, s1] if s0 <= s1 else None,
                "expected_harm_without_spike": float(spike_base[h]),
                "expected_extra_harm": float(spike_extra[h]),
            }
        selection_spike = {
            "size": cfg.selection_spike_size,
            "months": cfg.selection_spike_months,
            "roles": ["harm"],
            "definition": (
                "Harm (victim / witness reports, every harm category) inside each hotspot's "
                "circle is multiplied by 1 + size from the same day `months` calendar months "
                "before its first designation to the day before it (window_start..window_end, "
                "inclusive), then returns to baseline (times the planted effect) on the "
                "designation day. Enforcement and prevention are not raised. Overlapping "
                "spiking circles raise a point once. expected_extra_harm counts the extra "
                "harm events expected in the circle within the simulated period "
                "(simulated_window); overlapping circles count them in each."
            ),
            "hotspots": per_site,
        }

    truth = {
        "seed": int(seed),
        "scale": setup.scale,
        "start": setup.days[0].date(),
        "end": setup.days[-1].date(),
        "crs": setup.geo.crs,
        "timezone": "Europe/Brussels",
        "radius_m": setup.radius,
        "buffer_ring_m": [setup.radius, setup.outer],
        "hotspots": hotspots,
        "strategy_harm_irr": math.exp(log_sum / w_sum) if w_sum > 0 else math.nan,
        "strategy_harm_irr_definition": (
            "Weighted geometric mean of the hotspots' harm_irr, weights = counterfactual "
            "expected harm events in each circle over its post-designation period "
            "(the weights of a fixed-effect pooled log-IRR)."
        ),
        "strategy_harm_ratio_of_sums": num_sum / w_sum if w_sum > 0 else math.nan,
        "emerging_undesignated": emerging,
        "annual_rates": rates,
        "expected_counts": expected,
        "selection": setup.selection,
        "selection_spike": selection_spike,
        "shooting_hawkes": {
            "branching_ratio": cfg.shooting_branching,
            "mean_lag_days": cfg.shooting_lag_days,
            "spread_m": cfg.shooting_spread_m,
        },
    }
    result: dict[str, Any] = to_jsonable(truth)
    return result
