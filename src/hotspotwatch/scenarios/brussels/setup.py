"""Everything a simulation run and its ground truth share: the :class:`Setup` of one run.

:func:`make_setup` checks the arguments of :func:`~hotspotwatch.scenarios.brussels.simulate`
and builds the geography, hotspot centres, planted effects, raster and calendar once; the
sampler (:mod:`~hotspotwatch.scenarios.brussels.sampling`) and the ground truth
(:mod:`~hotspotwatch.scenarios.brussels.truth`) both read it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from hotspotwatch.domain.taxonomy import Taxonomy
from hotspotwatch.periods import add_months
from hotspotwatch.scenarios.brussels.config import (
    CATEGORY_PROFILE,
    SELECTIONS,
    HotspotEffect,
    SimulationConfig,
)
from hotspotwatch.scenarios.brussels.field import (
    NO_EFFECT,
    Raster,
    build_raster,
    project_latlon,
)
from hotspotwatch.scenarios.brussels.geography import BrusselsGeography, load_geography
from hotspotwatch.scenarios.brussels.hotspots import HOTSPOTS, HotspotSite

TIMEZONE = "Europe/Brussels"


@dataclass(frozen=True)
class Setup:
    """One simulation run's fixed inputs (see :func:`make_setup`)."""

    geo: BrusselsGeography
    sites: tuple[HotspotSite, ...]
    hotspot_xy: np.ndarray
    effects: tuple[HotspotEffect, ...]
    emerging_xy: np.ndarray
    raster: Raster
    days: pd.DatetimeIndex
    breaks: np.ndarray  # day indices where the field changes (period starts), incl. 0
    radius: float
    outer: float
    taxonomy: Taxonomy
    config: SimulationConfig
    scale: float
    selection: str = "none"
    spike_windows: tuple[tuple[dt.date, dt.date], ...] = ()
    """Per site, the selection window ``[first day, designation day)`` (``selection="peak"``
    only; empty otherwise). Not clipped to the simulated period."""

    def active(self, day_index: int) -> list[int]:
        """Indices of the hotspots designated on that day."""
        day = self.days[day_index].date()
        return [i for i, s in enumerate(self.sites) if s.designated <= day]

    def spiking(self, day_index: int) -> list[int]:
        """Indices of the hotspots inside their selection window on that day."""
        if self.selection != "peak":
            return []
        day = self.days[day_index].date()
        return [i for i, (a, b) in enumerate(self.spike_windows) if a <= day < b]

    def emerging_active(self, day_index: int) -> list[int]:
        """Indices of the emerging places switched on by that day."""
        day = self.days[day_index].date()
        return [i for i, e in enumerate(self.config.emerging) if e.start <= day]

    def profile(self, category: str) -> str:
        """The spatial profile (a key of ``Raster.densities``) of a category."""
        role = self.taxonomy[category].role
        if role == "harm":
            return CATEGORY_PROFILE.get(category, "harm")
        return role


def make_setup(
    *,
    seed: int,
    scale: float,
    start: str | dt.date,
    end: str | dt.date,
    geography: BrusselsGeography | None,
    hotspots: Sequence[HotspotSite] | None,
    config: SimulationConfig | None,
    radius_m: float,
    selection: str = "none",
) -> Setup:
    if selection not in SELECTIONS:
        raise ValueError(
            f"selection must be one of {', '.join(repr(s) for s in SELECTIONS)} "
            f"('peak' plants a harm spike before each designation), got {selection!r}"
        )
    if not (np.isfinite(scale) and scale > 0):
        raise ValueError(f"scale must be a positive number (1, 10, 100...), got {scale!r}")
    if not (np.isfinite(radius_m) and radius_m > 0):
        raise ValueError(f"radius_m must be a positive number of metres, got {radius_m!r}")
    try:
        first = pd.Timestamp(start).normalize()
        last = pd.Timestamp(end).normalize()
    except (ValueError, TypeError) as exc:
        raise ValueError(f"start and end must be dates like '2021-01-01': {exc}") from None
    if last < first:
        raise ValueError(f"end ({last.date()}) must not be before start ({first.date()})")
    cfg = config or SimulationConfig()
    cfg.validate()
    taxonomy = Taxonomy.default()
    for cat in cfg.annual_rates:
        if cat not in taxonomy:
            raise ValueError(f"annual_rates: {taxonomy.unknown_message(cat)}")
    geo = geography or load_geography()
    sites = tuple(hotspots if hotspots is not None else HOTSPOTS)
    hotspot_xy = np.array([s.xy(geo.crs) for s in sites]).reshape(-1, 2)
    effects = tuple(cfg.effects.get(s.name, NO_EFFECT) for s in sites)
    emerging_xy = project_latlon([(e.lat, e.lon) for e in cfg.emerging], geo.crs).reshape(-1, 2)
    raster = build_raster(geo, hotspot_xy, cfg.cell_m)
    days = pd.date_range(first, last, freq="D")
    change_days = {s.designated for s in sites} | {e.start for e in cfg.emerging}
    windows: tuple[tuple[dt.date, dt.date], ...] = ()
    if selection == "peak":
        windows = tuple(
            (spike_window_start(s.designated, cfg.selection_spike_months), s.designated)
            for s in sites
        )
        change_days |= {a for a, _ in windows}
    breaks = sorted(
        {0}
        | {
            int((pd.Timestamp(d) - first).days)
            for d in change_days
            if first < pd.Timestamp(d) <= last
        }
    )
    width = cfg.buffer_width_m if cfg.buffer_width_m is not None else radius_m
    _ = seed
    return Setup(
        geo, sites, hotspot_xy, effects, emerging_xy, raster, days, np.array(breaks),
        float(radius_m), float(radius_m + width), taxonomy, cfg, float(scale),
        selection, windows,
    )  # fmt: skip


def spike_window_start(designated: dt.date, months: int) -> dt.date:
    """First day of the selection window: the same day ``months`` calendar months earlier
    (clipped to the month's last day, e.g. 31 August minus six months is 28/29 February).

    Examples
    --------
    >>> spike_window_start(dt.date(2024, 3, 28), 6)
    datetime.date(2023, 9, 28)
    """
    return add_months(designated, -months)


__all__ = ["TIMEZONE", "Setup", "make_setup", "spike_window_start"]
