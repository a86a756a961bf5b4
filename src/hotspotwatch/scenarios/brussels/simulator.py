"""A simulated Brussels with known truth: harm, enforcement and prevention events.

The model
---------
For category :math:`c` the intensity at place :math:`s` on day :math:`t` is

.. math::

    \\lambda_c(s, t) = \\Lambda_c(t)\\,[\\,p_c(s)\\, m_c(s, t) + \\textstyle\\sum_e
    \\phi_e\\, g_e(s)\\, 1\\{t \\ge t_e\\}\\,],

- :math:`\\Lambda_c(t)` — region-wide expected events per day: the configured annual rate of
  the day's year times ``scale``, shaped by a yearly cycle and a weekday profile (normalised
  within each calendar year, so the annual total is the configured rate). It is the same for
  every place: the counterfactual trend is common, so a difference-in-differences design
  identifies the planted effects.
- :math:`p_c(s)` — a fixed spatial density over the region (integrates to 1): a mixture of a
  floor, a city-centre gradient, the dense north-west / south-west crescent (Molenbeek,
  Cureghem, Saint-Gilles, Schaerbeek, Laeken), transit hubs, bumps at every listed hotspot
  (they were chosen because harm was high there before designation) and a band along the
  police-zone borders. The south-east (Uccle, Watermael-Boitsfort, the Woluwes) only gets the
  floor and the tail of the city gradient.
- :math:`m_c(s, t)` — the planted effect: 1 everywhere, except while a hotspot is designated:
  inside its circle (radius ``r``) harm is multiplied by ``harm_irr``, enforcement by
  ``1 + (dose - 1) * response`` and prevention by ``prevention_dose``; in the ring from ``r``
  to ``r + w`` harm is multiplied by ``buffer_irr``. Where circles overlap the nearest centre
  decides; a point in a ring and no circle takes the ring of the nearest designated centre.
- :math:`g_e` — an emerging, undesignated place: an isotropic Gaussian bump switched on at
  :math:`t_e`, adding a share :math:`\\phi_e` of the regional intensity.
- the selection spike (``selection="peak"`` only): harm is also multiplied by
  :math:`1 + \\delta` (``selection_spike_size``, default 0.4) inside the circle of every
  hotspot during its selection window, the ``selection_spike_months`` (default 6) calendar
  months before its first designation day; on that day it returns to baseline (times the
  planted effect). Places are designated because harm has just peaked there, and part of
  that peak would have faded anyway: a before/after or DiD whose pre-period holds the window
  credits the designation with the fall (regression to the mean). Enforcement and prevention
  do not spike. With ``selection="none"`` (default) there is no spike and the events are
  exactly those of earlier versions for the same seed.

Shootings are self-exciting (a Hawkes process, Mohler et al. 2011): background shootings
arrive with intensity :math:`(1 - n)\\lambda` and each shooting triggers Poisson(:math:`n`)
further shootings after an exponential delay (mean ``shooting_lag_days``) at a Gaussian offset
(``shooting_spread_m`` per axis), so near-repeat analysis (Knox) finds clusters at short
distances and times. The expected total stays close to the configured rate.

Sampling is exact thinning (Lewis & Shedler 1979): candidates are drawn from a dominating
piecewise-constant intensity on a raster (``cell_m``), placed uniformly in their cell, and kept
with probability :math:`m_c(s,t) / \\bar m` and only if inside the region.

Volumes (defaults, 2021–2025): about 64 500 harm, 28 000 enforcement and 6 200 prevention
events at ``scale=1`` (about 98 700 in all); ``scale=100`` gives about 9.8 million
(about 80 s and 2.9 GB peak memory on 2 cores, see ``bench/brussels_simulator.py``).

References
----------
Lewis, P. A. W., & Shedler, G. S. (1979). Simulation of nonhomogeneous Poisson processes by
thinning. *Naval Research Logistics Quarterly*, 26(3), 403–413.
Mohler, G. O., et al. (2011). Self-exciting point process modeling of crime. *JASA*,
106(493), 100–108.
"""

from __future__ import annotations

import datetime as dt
import itertools
import json
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import shapely

from hotspotwatch.scenarios.brussels.config import Selection, SimulationConfig
from hotspotwatch.scenarios.brussels.field import effect_field
from hotspotwatch.scenarios.brussels.geography import BrusselsGeography
from hotspotwatch.scenarios.brussels.hotspots import DEFAULT_RADIUS_M, HotspotSite
from hotspotwatch.scenarios.brussels.presence import PresenceConfig, simulate_presence
from hotspotwatch.scenarios.brussels.rates import daily_rates, hour_profile
from hotspotwatch.scenarios.brussels.sampling import (
    hawkes_offspring,
    sample_places,
    sample_times,
    to_utc,
)
from hotspotwatch.scenarios.brussels.setup import TIMEZONE, make_setup
from hotspotwatch.scenarios.brussels.truth import compute_truth

SOURCE = "simulated-brussels"


@dataclass(frozen=True)
class SimulationResult:
    """Simulated events and the truth they were drawn from.

    Attributes
    ----------
    events : pandas.DataFrame
        One row per event: ``source_id`` (str), ``occurred_at`` (UTC), ``x``, ``y`` (metres in
        the geography's CRS), ``category``, ``role``, sorted by time.
    truth : dict
        JSON-ready ground truth (see :func:`hotspotwatch.scenarios.brussels.truth.compute_truth`).
    """

    events: pd.DataFrame
    truth: dict[str, Any]
    presence: pd.DataFrame | None = None
    """Presence sessions (``presence=True`` only, see
    :func:`hotspotwatch.scenarios.brussels.presence.simulate_presence`)."""


def write_truth(path: str | Path, truth: Mapping[str, Any]) -> Path:
    """Write ``truth`` as indented UTF-8 JSON and return the path.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> p = write_truth(pathlib.Path(tempfile.mkdtemp()) / "truth.json", {"seed": 1})
    >>> p.read_text(encoding="utf-8").startswith("{")
    True
    """
    out = Path(path)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(truth, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    return out


def simulate(
    *,
    seed: int,
    scale: float = 1.0,
    start: str | dt.date = "2021-01-01",
    end: str | dt.date = "2025-12-31",
    geography: BrusselsGeography | None = None,
    hotspots: Sequence[HotspotSite] | None = None,
    config: SimulationConfig | None = None,
    radius_m: float = DEFAULT_RADIUS_M,
    selection: Selection = "none",
    progress: Callable[[str, float], None] | None = None,
    presence: bool = False,
    presence_config: PresenceConfig | None = None,
) -> SimulationResult:
    """Simulate Brussels events from ``start`` to ``end`` (inclusive) with planted effects.

    Parameters
    ----------
    seed : int
        Seed of the random generator (same seed, same events).
    scale : float, default 1
        Multiplier of every rate (1, 10, 100 for benchmarks).
    start, end : str or datetime.date
        First and last simulated day (local calendar, Europe/Brussels).
    geography : BrusselsGeography, optional
        Layers to simulate in (default :func:`load_geography`).
    hotspots : sequence of HotspotSite, optional
        Designated places (default :data:`HOTSPOTS`, the 17 Brussels places).
    config : SimulationConfig, optional
        Rates, profiles and planted effects (default :class:`SimulationConfig`).
    radius_m : float, default 250
        Radius of the hotspot circles the effects are planted in.
    selection : {"none", "peak"}, default "none"
        How the places come to be designated. ``"none"``: designation is independent of
        recent harm (the events are exactly those of earlier versions for the same seed).
        ``"peak"``: each designation follows a transient harm spike in the chosen place: harm
        inside its circle is multiplied by ``1 + config.selection_spike_size`` (default
        +40 %) over the ``config.selection_spike_months`` (default 6) calendar months before
        its first designation day, then returns to baseline (times the planted effect) on
        that day. The spike is recorded in ``truth["selection_spike"]``; ``harm_irr`` stays the
        causal effect (post-designation harm against the no-spike counterfactual).
    progress : callable, optional
        Called as ``progress(message, fraction_done)``.
    presence : bool, default False
        Also simulate presence sessions at the hotspots with a planted Koper effect
        (:func:`hotspotwatch.scenarios.brussels.presence.simulate_presence`): harm in the
        circle right after long sessions is moved a week later; ``truth["presence"]``
        records the threshold and the deterrence duration. ``False`` leaves the events
        exactly as before.
    presence_config : PresenceConfig, optional
        Its parameters.

    Returns
    -------
    SimulationResult
        ``events`` (DataFrame) and ``truth`` (dict, see
        :func:`hotspotwatch.scenarios.brussels.truth.compute_truth`).

    Raises
    ------
    ValueError
        For a non-positive ``scale`` or ``radius_m``, bad dates, unknown categories or
        invalid configuration values.

    Examples
    --------
    >>> res = simulate(seed=1, start="2024-01-01", end="2024-06-30")
    >>> sorted(res.events["role"].unique())
    ['enforcement', 'harm', 'prevention']
    >>> 0.5 < res.truth["strategy_harm_irr"] < 1.2
    True
    """
    setup = make_setup(
        seed=seed, scale=scale, start=start, end=end, geography=geography, hotspots=hotspots,
        config=config, radius_m=radius_m, selection=selection,
    )  # fmt: skip
    rng = np.random.default_rng(seed)
    cfg = setup.config
    n_days = len(setup.days)
    horizon = n_days * 86400
    bounds = [*setup.breaks.tolist(), n_days]
    cats = list(cfg.annual_rates)
    frames_t: list[np.ndarray] = []
    frames_x: list[np.ndarray] = []
    frames_y: list[np.ndarray] = []
    frames_c: list[np.ndarray] = []
    for ci, cat in enumerate(cats):
        if progress is not None:
            progress(f"simulating {cat}", ci / len(cats))
        role = setup.taxonomy[cat].role
        density = setup.raster.densities[setup.profile(cat)]
        daily = daily_rates(setup.days, cat, role, cfg, setup.scale)
        if cat == "shooting":
            daily = daily * (1.0 - cfg.shooting_branching)
        hours = hour_profile(cat, role)
        ts, xs, ys = [], [], []
        for a, b in itertools.pairwise(bounds):
            expected = float(daily[a:b].sum())
            fld = effect_field(
                cat, role, setup.active(a), setup.hotspot_xy, setup.effects, setup.radius,
                setup.outer, spiking=setup.spiking(a), spike_size=cfg.selection_spike_size,
            )  # fmt: skip
            x, y = sample_places(rng, setup, density, fld, expected)
            if role == "harm":
                for e in setup.emerging_active(a):
                    place = cfg.emerging[e]
                    k = rng.poisson(expected * place.share)
                    ex = setup.emerging_xy[e, 0] + rng.normal(0, place.sigma_m, k)
                    ey = setup.emerging_xy[e, 1] + rng.normal(0, place.sigma_m, k)
                    ok = shapely.contains_xy(setup.geo.outline, ex, ey)
                    x = np.concatenate([x, ex[ok]])
                    y = np.concatenate([y, ey[ok]])
            ts.append(sample_times(rng, daily[a:b], a, hours, x.size))
            xs.append(x)
            ys.append(y)
        t = np.concatenate(ts)
        x = np.concatenate(xs)
        y = np.concatenate(ys)
        if cat == "shooting" and cfg.shooting_branching > 0:
            # Burn-in: shootings of the 90 days before start trigger shootings after it.
            burn_days = 90
            burn_rate = float(daily[: min(365, n_days)].mean())
            no_effect = effect_field(cat, role, [], setup.hotspot_xy, setup.effects, 1.0, 1.0)
            bx, by = sample_places(rng, setup, density, no_effect, burn_rate * burn_days)
            bt = -rng.integers(1, burn_days * 86400, size=bx.size)
            ct, cx, cy = hawkes_offspring(
                rng, np.concatenate([t, bt]), np.concatenate([x, bx]), np.concatenate([y, by]),
                setup, horizon,
            )  # fmt: skip
            ok = ct >= 0
            t = np.concatenate([t, ct[ok]])
            x = np.concatenate([x, cx[ok]])
            y = np.concatenate([y, cy[ok]])
        frames_t.append(t)
        frames_x.append(x)
        frames_y.append(y)
        frames_c.append(np.full(t.size, ci, dtype=np.int16))
    if progress is not None:
        progress("assembling events", 0.95)
    # Sort on the UTC instant: local clock times are not monotonic across DST changes.
    utc = to_utc(np.concatenate(frames_t), setup.days[0], setup.days)
    order = np.argsort(utc, kind="stable")
    utc = utc[order]
    code = np.concatenate(frames_c)[order]
    categories = pd.Categorical.from_codes(code, categories=cats)
    roles = np.array([setup.taxonomy[c].role for c in cats])[code]
    n = utc.size
    ids = pd.Series(np.arange(1, n + 1)).astype("string[pyarrow]")
    events = pd.DataFrame(
        {
            "source_id": f"BXL-SIM-{seed}-" + ids,
            "occurred_at": pd.DatetimeIndex(utc).tz_localize("UTC"),
            "x": np.concatenate(frames_x)[order],
            "y": np.concatenate(frames_y)[order],
            "category": categories,
            "role": pd.Categorical(roles, categories=["harm", "enforcement", "prevention"]),
        }
    )
    truth = compute_truth(setup, seed=seed)
    truth["volumes"] = {
        "events": int(n),
        "by_role": {r: int((roles == r).sum()) for r in ("harm", "enforcement", "prevention")},
    }
    sessions = None
    if presence:
        sessions, events, truth["presence"] = simulate_presence(
            events, truth["hotspots"], seed=seed, start=setup.days[0].date(),
            end=setup.days[-1].date(), radius_m=setup.radius, timezone=TIMEZONE,
            config=presence_config,
        )  # fmt: skip
    if progress is not None:
        progress("simulation done", 1.0)
    return SimulationResult(events=events, truth=truth, presence=sessions)


__all__ = ["SOURCE", "TIMEZONE", "SimulationResult", "simulate", "write_truth"]
