"""Configuration of the simulated Brussels city: rates, profiles, planted effects.

Every number here is an assumption of the simulation, chosen to look like Brussels
(published shooting counts: 2022 46–56, 2023 62, 2024 about 90, 2025 101) and to give the
evaluation methods a known truth to recover. None of them is an estimate of the real effect
of the Brussels strategy.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Any, Literal

__all__ = [
    "DEFAULT_ANNUAL_RATES",
    "DEFAULT_EFFECTS",
    "DEFAULT_EMERGING",
    "SELECTIONS",
    "WORKSPACE_SETTINGS",
    "EmergingPlace",
    "HotspotEffect",
    "Selection",
    "SimulationConfig",
]

Mechanism = Literal["displacement", "diffusion", "none"]
Selection = Literal["none", "peak"]
SELECTIONS: tuple[Selection, ...] = ("none", "peak")
"""How places come to be designated in the simulation: ``none`` (designation independent of
recent harm, the default) or ``peak`` (each designation follows a transient harm spike)."""

#: ``hotspotwatch.toml`` tables of the Brussels demo workspace: the zone layer and what a
#: zone is called, and the renewal report's wording (nothing Brussels-specific is in code).
WORKSPACE_SETTINGS: dict[str, dict[str, Any]] = {
    "workspace": {
        # The name in each language: a French or Dutch report's title does not carry the
        # English name of the region.
        "name": {
            "en": "Brussels-Capital Region (simulated demo)",
            "fr": "Région de Bruxelles-Capitale (démo simulée)",
            "nl": "Brussels Hoofdstedelijk Gewest (gesimuleerde demo)",
        },
        "zone_layer": "police_zone",
        "zone_label": {"en": "police zone", "fr": "zone de police", "nl": "politiezone"},
    },
    "presence": {"unit_types": ["police_taskforce", "peacekeepers", "liveability_team"]},
    "report": {
        "title": {
            "en": "Drug-related harm in designated places: renewal review",
            "fr": "Nuisances et violences liées à la drogue dans les lieux désignés : bilan pour "
            "le renouvellement",
            "nl": "Druggerelateerde overlast en geweld op aangewezen plaatsen: evaluatie voor de "
            "verlenging",
        },
        "body": {
            "en": "Regional Security Council",
            "fr": "Conseil régional de sécurité",
            "nl": "Gewestelijke Veiligheidsraad",
        },
        "strategy": {
            "en": "regional strategy against drug-related harm",
            "fr": "stratégie régionale contre les nuisances et violences liées à la drogue",
            "nl": "gewestelijke strategie tegen druggerelateerde overlast en geweld",
        },
        "harm_focus": {
            "en": "drug-related harm",
            "fr": "nuisances et violences liées à la drogue",
            "nl": "druggerelateerde overlast en geweld",
        },
        "near_repeat_categories": ["shooting"],
    },
    # the public version shows these only region-wide (never per place), above k
    "public": {"rare_categories": ["shooting", "homicide", "stabbing"]},
    "web": {  # the peacekeepers' patrols (gardiens de la paix) are a Brussels prevention kind
        "prevention_kinds": ["outreach", "peacekeeper_patrol", "lighting", "cleaning",
                             "social_support", "meeting", "other"],
    },
}


@dataclass(frozen=True)
class HotspotEffect:
    """What designation does to one hotspot in the simulation.

    Attributes
    ----------
    harm_irr : float
        Multiplier of the harm intensity inside the circle while designated (1.0: no effect).
    buffer_irr : float
        Multiplier of the harm intensity in the ring around it while designated
        (> 1 displacement, < 1 diffusion of benefits, 1.0 neither).
    dose : float
        Multiplier of the enforcement intensity inside the circle while designated.
    prevention_dose : float
        Multiplier of the prevention intensity inside the circle while designated.
    """

    harm_irr: float
    buffer_irr: float = 1.0
    dose: float = 5.0
    prevention_dose: float = 3.0

    @property
    def mechanism(self) -> Mechanism:
        """``displacement`` if the ring rises, ``diffusion`` if it falls, else ``none``."""
        if self.buffer_irr > 1.0:
            return "displacement"
        if self.buffer_irr < 1.0:
            return "diffusion"
        return "none"


DEFAULT_EFFECTS: dict[str, HotspotEffect] = {
    "Chaussée d'Anvers": HotspotEffect(0.80, 1.00, 5.0, 3.0),
    "Matongé": HotspotEffect(1.00, 1.00, 3.0, 2.0),
    "Yser": HotspotEffect(0.75, 1.15, 6.0, 3.0),
    "Querelle (Marolles)": HotspotEffect(0.90, 0.90, 4.0, 4.0),
    "Versailles (Neder-Over-Heembeek)": HotspotEffect(0.60, 0.85, 6.0, 4.0),
    "Porte de Hal": HotspotEffect(1.10, 1.00, 4.0, 2.0),
    "Clemenceau": HotspotEffect(0.70, 1.20, 8.0, 3.0),
    "Peterbos": HotspotEffect(0.65, 1.25, 7.0, 4.0),
    "Saint-Antoine": HotspotEffect(1.00, 1.00, 3.0, 2.0),
    "Gare du Midi": HotspotEffect(0.85, 1.10, 6.0, 3.0),
    "Gare du Nord": HotspotEffect(0.70, 0.85, 8.0, 4.0),
    "Étangs Noirs": HotspotEffect(0.80, 1.00, 5.0, 3.0),
    "Ribaucourt": HotspotEffect(1.20, 1.00, 4.0, 2.0),
    "Bonnevie": HotspotEffect(1.00, 1.00, 4.0, 3.0),
    "Paal / Kolom": HotspotEffect(0.90, 1.00, 4.0, 2.0),
    "Aumale": HotspotEffect(0.75, 1.15, 6.0, 3.0),
    "Marbotin": HotspotEffect(1.00, 1.00, 5.0, 3.0),
}
"""Planted effects: IRRs from 0.6 to 1.2, four exactly null (1.0), displacement at Yser,
Clemenceau, Peterbos, Gare du Midi and Aumale, diffusion at Querelle, Versailles and Gare du Nord.
Versailles (0.6) is isolated, so its effect shows cleanly in a before/after comparison."""


@dataclass(frozen=True)
class EmergingPlace:
    """A place that becomes a hotspot without being designated.

    Attributes
    ----------
    name : str
        Label (the places are real squares; their emergence is invented).
    lat, lon : float
        Centre (WGS84).
    start : datetime.date
        First day of the extra harm.
    share : float
        Extra harm, as a share of the region-wide harm intensity of each category.
    sigma_m : float
        Spread (isotropic Gaussian standard deviation, metres).
    """

    name: str
    lat: float
    lon: float
    start: dt.date
    share: float = 0.005
    sigma_m: float = 120.0


DEFAULT_EMERGING: tuple[EmergingPlace, ...] = (
    EmergingPlace("Place Liedts (simulated emergence)", 50.8660, 4.3720, dt.date(2024, 6, 1)),
    EmergingPlace(
        "Gare de Jette (simulated emergence)", 50.8810, 4.3280, dt.date(2025, 1, 1), 0.015
    ),
)
"""Place Liedts adds 0.5 % of the region's harm (about 65 events a year) on top of the
already busy Gare du Nord side of Schaerbeek. Gare de Jette lies in a quiet area (about 12
harm events a year within 300 m before 2025), so it adds 1.5 % (about 195 a year, most
within 250 m): the level of a mid-range designated circle (115-240 a year). At 0.4 % it
rose five-fold on its own past but stayed below the Versailles circle, which is not a Gi*
hot spot either, so no method that calls a place hot against the rest of the city could
find it."""

DEFAULT_ANNUAL_RATES: dict[str, dict[int, float] | float] = {
    # harm (victim / witness reports)
    "shooting": {2021: 50.0, 2022: 56.0, 2023: 62.0, 2024: 90.0, 2025: 100.0},
    "homicide": 15.0,
    "stabbing": 450.0,
    "assault": 5000.0,
    "robbery": 2500.0,
    "nuisance": 3500.0,
    "public_disorder": 600.0,
    "vandalism": 800.0,
    # enforcement (dose)
    "police_check": 1500.0,
    "arrest": 600.0,
    "drug_dealing": 400.0,
    "drug_possession": 800.0,
    "seizure": 200.0,
    # prevention (dose)
    "prevention_contact": 600.0,
    "peacekeeper_patrol": 300.0,
    "liveability_work": 150.0,
}
"""Expected events per year at scale 1 without any planted effect (the counterfactual).
A category given one number has the same rate every year; for years missing from a
per-year table the nearest configured year is used."""

# Spatial profile of each category: mixture weights of the density components.
SPATIAL_PROFILES: dict[str, dict[str, float]] = {
    "harm": {
        "floor": 0.12, "city": 0.30, "crescent": 0.25, "hubs": 0.08, "hotspots": 0.18,
        "border": 0.07,
    },
    "violence": {
        "floor": 0.05, "city": 0.15, "crescent": 0.33, "hubs": 0.05, "hotspots": 0.30,
        "border": 0.12,
    },
    "enforcement": {
        "floor": 0.05, "city": 0.20, "crescent": 0.20, "hubs": 0.15, "hotspots": 0.35,
        "border": 0.05,
    },
    "prevention": {
        "floor": 0.10, "city": 0.20, "crescent": 0.35, "hubs": 0.05, "hotspots": 0.30,
        "border": 0.0,
    },
}  # fmt: skip

CATEGORY_PROFILE: dict[str, str] = {
    "shooting": "violence",
    "homicide": "violence",
    "stabbing": "violence",
}

ENFORCEMENT_RESPONSE: dict[str, float] = {
    "police_check": 1.5,
    "arrest": 1.0,
    "drug_dealing": 1.2,
    "drug_possession": 1.2,
    "seizure": 0.8,
}
"""Inside a designated hotspot the enforcement multiplier is ``1 + (dose - 1) * response``."""


@dataclass(frozen=True)
class SimulationConfig:
    """All knobs of the simulated city (defaults give the embedded Brussels scenario).

    Attributes
    ----------
    annual_rates : mapping
        Counterfactual expected events per year at scale 1, per category (see
        :data:`DEFAULT_ANNUAL_RATES`).
    effects : mapping
        Planted :class:`HotspotEffect` per hotspot name; hotspots missing get no effect
        (IRR 1, dose 1).
    emerging : tuple of EmergingPlace
        Undesignated places that heat up.
    buffer_width_m : float or None
        Width of the ring around each circle where displacement or diffusion is planted;
        ``None`` means equal to the hotspot radius (ring from r to 2r).
    cell_m : float
        Cell size of the intensity raster (points are uniform within a cell).
    shooting_branching : float
        Hawkes branching ratio of shootings: mean number of retaliatory shootings each
        shooting triggers (0 disables self-excitation).
    shooting_lag_days : float
        Mean delay of a triggered shooting (exponential).
    shooting_spread_m : float
        Standard deviation (per axis, Gaussian) of a triggered shooting around its parent.
    seasonal_amplitude : mapping
        Relative amplitude of the yearly cycle (peak mid-July) per role or ``"nuisance"``.
    selection_spike_size : float
        With ``simulate(..., selection="peak")``: relative rise of harm inside each hotspot's
        circle during its selection window (0.4: +40 %). Harm only (victim / witness
        reports); enforcement and prevention are not raised.
    selection_spike_months : int
        Length of the selection window: the calendar months just before the first
        designation day (6: from the same day six months earlier to the day before).
    """

    annual_rates: Mapping[str, Mapping[int, float] | float] = field(
        default_factory=lambda: dict(DEFAULT_ANNUAL_RATES)
    )
    effects: Mapping[str, HotspotEffect] = field(default_factory=lambda: dict(DEFAULT_EFFECTS))
    emerging: tuple[EmergingPlace, ...] = DEFAULT_EMERGING
    buffer_width_m: float | None = None
    cell_m: float = 50.0
    shooting_branching: float = 0.35
    shooting_lag_days: float = 10.0
    shooting_spread_m: float = 150.0
    seasonal_amplitude: Mapping[str, float] = field(
        default_factory=lambda: {
            "harm": 0.12,
            "nuisance": 0.25,
            "enforcement": 0.05,
            "prevention": 0.10,
        }
    )

    selection_spike_size: float = 0.40
    selection_spike_months: int = 6

    def rate(self, category: str, year: int) -> float:
        """Counterfactual expected events of ``category`` in ``year`` at scale 1."""
        spec = self.annual_rates[category]
        if isinstance(spec, Mapping):
            nearest = min(spec, key=lambda y: (abs(y - year), y))
            return float(spec[nearest])
        return float(spec)

    def with_(self, **changes: Any) -> SimulationConfig:
        """Return a copy with some fields replaced."""
        return replace(self, **changes)

    def validate(self) -> None:
        """Raise ``ValueError`` naming the bad setting."""
        for cat, spec in self.annual_rates.items():
            values = spec.values() if isinstance(spec, Mapping) else [spec]
            if any(not (float(v) >= 0) for v in values):
                raise ValueError(f"annual_rates[{cat!r}] must be >= 0, got {spec!r}")
        for name, eff in self.effects.items():
            for attr in ("harm_irr", "buffer_irr", "dose", "prevention_dose"):
                if not getattr(eff, attr) > 0:
                    raise ValueError(f"effects[{name!r}].{attr} must be > 0")
        if not 0 <= self.shooting_branching < 1:
            raise ValueError(
                f"shooting_branching must be in [0, 1) (a stable Hawkes process), "
                f"got {self.shooting_branching}"
            )
        if self.cell_m <= 0 or self.cell_m > 500:
            raise ValueError(f"cell_m must be in (0, 500] metres, got {self.cell_m}")
        if self.buffer_width_m is not None and self.buffer_width_m <= 0:
            raise ValueError(f"buffer_width_m must be > 0 or None, got {self.buffer_width_m}")
        if not (math.isfinite(self.selection_spike_size) and self.selection_spike_size >= 0):
            raise ValueError(
                "selection_spike_size must be a number >= 0 (0.4 for +40 %), "
                f"got {self.selection_spike_size!r}"
            )
        months = self.selection_spike_months
        if isinstance(months, bool) or not isinstance(months, int) or not 1 <= months <= 60:
            raise ValueError(
                f"selection_spike_months must be a whole number of months in 1..60, got {months!r}"
            )
