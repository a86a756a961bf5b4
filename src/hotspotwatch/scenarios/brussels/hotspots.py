"""The Brussels drug hotspots (March 2024 onwards) and the decisions that designated them.

Official perimeters were set by local police orders and are not published. Each hotspot is
therefore a circle (250 m radius by default) around an approximate centre (about ±300 m,
stations where a source names one), marked ``approximate=True`` with a note saying so.
Sources: safe.brussels, RTL, BX1, Brulocalis, The Brussels Times, The Bulletin (see
``/work/shared/brussels/FACTS.md`` in the project notes).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

import geopandas as gpd
import numpy as np
import pandas as pd
from shapely.geometry import Point

from hotspotwatch.geo.crs import WGS84, transformer

__all__ = [
    "BODY",
    "DEFAULT_RADIUS_M",
    "HOTSPOTS",
    "DesignationDecision",
    "HotspotSite",
    "designation_frame",
    "designations",
    "hotspot_frame",
]

DEFAULT_RADIUS_M = 250.0
BODY = "Regional Security Council (CORES)"

PERIMETER_NOTE = (
    "Approximate perimeter: a circle of {radius:g} m around an approximate centre (about "
    "±300 m); the official perimeters set by local police orders are not published."
)


@dataclass(frozen=True)
class HotspotSite:
    """A designated place: name, code, commune(s), police zone and approximate centre (WGS84)."""

    name: str
    code: str
    commune: str
    zone: int
    lat: float
    lon: float
    designated: dt.date
    """First day of the first designation."""
    centre_source: str = "approximate"
    zones_possible: tuple[int, ...] = ()
    """Zones the place straddles according to the sources (empty: only ``zone``)."""

    def xy(self, crs: str = "EPSG:3812") -> tuple[float, float]:
        """The centre in a projected CRS."""
        x, y = transformer(WGS84, crs).transform(self.lon, self.lat)
        return float(x), float(y)


MARCH_2024 = dt.date(2024, 3, 28)
AUMALE_ADDED = dt.date(2024, 10, 4)
MARBOTIN_ADDED = dt.date(2025, 12, 1)

HOTSPOTS: tuple[HotspotSite, ...] = (
    HotspotSite("Chaussée d'Anvers", "anvers", "Bruxelles", 5339, 50.8610, 4.3530, MARCH_2024),
    HotspotSite("Matongé", "matonge", "Ixelles", 5339, 50.8355, 4.3645, MARCH_2024),
    HotspotSite("Yser", "yser", "Bruxelles", 5339, 50.8556, 4.3502, MARCH_2024),
    HotspotSite("Querelle (Marolles)", "querelle", "Bruxelles", 5339, 50.8372, 4.3450, MARCH_2024),
    HotspotSite(
        "Versailles (Neder-Over-Heembeek)",
        "versailles",
        "Bruxelles",
        5339,
        50.9020,
        4.3900,
        MARCH_2024,
    ),
    HotspotSite(
        "Porte de Hal",
        "porte-de-hal",
        "Bruxelles / Saint-Gilles",
        5339,
        50.8336,
        4.3433,
        MARCH_2024,
        "metro station",
        (5339, 5341),
    ),
    HotspotSite(
        "Clemenceau",
        "clemenceau",
        "Anderlecht",
        5341,
        50.8411,
        4.3306,
        MARCH_2024,
        "metro station",
    ),
    HotspotSite("Peterbos", "peterbos", "Anderlecht", 5341, 50.8414, 4.2997, MARCH_2024),
    HotspotSite("Saint-Antoine", "saint-antoine", "Forest", 5341, 50.8220, 4.3270, MARCH_2024),
    HotspotSite(
        "Gare du Midi",
        "gare-du-midi",
        "Saint-Gilles / Anderlecht",
        5341,
        50.8357,
        4.3365,
        MARCH_2024,
        "station",
    ),
    HotspotSite(
        "Gare du Nord",
        "gare-du-nord",
        "Saint-Josse / Schaerbeek / Bruxelles",
        5344,
        50.8597,
        4.3608,
        MARCH_2024,
        "station",
        (5344, 5339),
    ),
    HotspotSite(
        "Étangs Noirs",
        "etangs-noirs",
        "Molenbeek-Saint-Jean",
        5340,
        50.8565,
        4.3330,
        MARCH_2024,
        "metro station",
    ),
    HotspotSite(
        "Ribaucourt",
        "ribaucourt",
        "Molenbeek-Saint-Jean",
        5340,
        50.8590,
        4.3432,
        MARCH_2024,
        "metro station",
    ),
    HotspotSite("Bonnevie", "bonnevie", "Molenbeek-Saint-Jean", 5340, 50.8555, 4.3300, MARCH_2024),
    HotspotSite(
        "Paal / Kolom", "paal-kolom", "Molenbeek-Saint-Jean", 5340, 50.8547, 4.3390, MARCH_2024
    ),
    HotspotSite("Aumale", "aumale", "Anderlecht", 5341, 50.8393, 4.3158, AUMALE_ADDED),
    HotspotSite("Marbotin", "marbotin", "Schaerbeek", 5344, 50.8580, 4.3900, MARBOTIN_ADDED),
)
"""The 15 places of March 2024, then Aumale (October 2024) and Marbotin (December 2025)."""


Action = Literal["designate", "extend", "end"]


@dataclass(frozen=True)
class DesignationDecision:
    """One designation period of one hotspot (see ``ws.designations()``)."""

    hotspot: str
    action: Action
    start: dt.date
    end: dt.date | None
    body: str
    decision_ref: str | None
    note: str


ORDER_2024 = "Minister-President order of 2024-04-02 (CORES decision of 2024-03-28)"
RENEWAL_2024 = "CORES decision of early October 2024 (six-month extension)"
ORDER_2025 = "Minister-President order of 2025-02-26 (CORES decision of 2025-02-11)"

# (action, start, end, decision reference, note) for the March 2024 places.
_PERIODS: tuple[tuple[Action, dt.date, dt.date | None, str | None, str], ...] = (
    ("designate", MARCH_2024, dt.date(2024, 10, 3), ORDER_2024, "Designation for six months."),
    (
        "extend",
        dt.date(2024, 10, 4),
        dt.date(2025, 3, 3),
        RENEWAL_2024,
        "Extension by six months; order reference not published in the sources used.",
    ),
    (
        "extend",
        dt.date(2025, 3, 4),
        dt.date(2025, 9, 3),
        ORDER_2025,
        "Extension adopted unanimously by CORES; order covers 2025-03-04 to 2025-09-03.",
    ),
    (
        "extend",
        dt.date(2025, 9, 4),
        None,
        None,
        "Assumed continuation: no public order found; Marbotin was added as the 18th place "
        "in December 2025, so the list stayed in force.",
    ),
)


def designations(sites: Sequence[HotspotSite] = HOTSPOTS) -> list[DesignationDecision]:
    """Return the designation decisions of every site, in date order per site.

    Each site gets the periods of the regional list that start on or after its own first
    designation; its first period is a ``designate`` decision starting on
    :attr:`HotspotSite.designated`.

    Examples
    --------
    >>> rows = designations()
    >>> [(d.action, d.start.isoformat()) for d in rows if d.hotspot == "Clemenceau"][:2]
    [('designate', '2024-03-28'), ('extend', '2024-10-04')]
    """
    out: list[DesignationDecision] = []
    for site in sites:
        first = True
        for action, start, end, ref, note in _PERIODS:
            if end is not None and end < site.designated:
                continue
            if first:
                added_note = note
                if site.designated != MARCH_2024:
                    added_note = (
                        f"Added to the list (date approximate: {site.designated:%B %Y}). "
                        + ("" if end is None else note)
                    ).strip()
                out.append(
                    DesignationDecision(
                        site.name,
                        "designate",
                        max(start, site.designated),
                        end,
                        BODY,
                        ref,
                        added_note,
                    )
                )
                first = False
            else:
                out.append(DesignationDecision(site.name, action, start, end, BODY, ref, note))
    return out


def hotspot_frame(
    sites: Sequence[HotspotSite] = HOTSPOTS,
    *,
    radius_m: float = DEFAULT_RADIUS_M,
    crs: str = "EPSG:3812",
) -> gpd.GeoDataFrame:
    """Return the hotspots as circles: one row per site.

    Parameters
    ----------
    sites : sequence of HotspotSite, default HOTSPOTS
        The places.
    radius_m : float, default 250
        Circle radius in metres (the official perimeters are not published).
    crs : str, default "EPSG:3812"
        Projected CRS of the output.

    Returns
    -------
    geopandas.GeoDataFrame
        Columns ``name, code, zone, commune, approximate, note, x, y, lon, lat, designated,
        radius_m, geometry``.

    Raises
    ------
    ValueError
        If ``radius_m`` is not a positive number.

    Examples
    --------
    >>> hs = hotspot_frame(radius_m=200)
    >>> len(hs), round(float(hs.geometry.iloc[0].area) / 1e4, 1)
    (17, 12.6)
    """
    if not np.isfinite(radius_m) or radius_m <= 0:
        raise ValueError(f"radius_m must be a positive number of metres, got {radius_m!r}")
    rows = []
    for site in sites:
        x, y = site.xy(crs)
        rows.append(
            {
                "name": site.name,
                "code": site.code,
                "zone": str(site.zone),
                "commune": site.commune,
                "approximate": True,
                "note": PERIMETER_NOTE.format(radius=radius_m) + f" Centre: {site.centre_source}.",
                "x": x,
                "y": y,
                "lon": site.lon,
                "lat": site.lat,
                "designated": site.designated,
                "radius_m": float(radius_m),
                "geometry": Point(x, y).buffer(radius_m, quad_segs=32),
            }
        )
    return gpd.GeoDataFrame(pd.DataFrame(rows), geometry="geometry", crs=crs)


def designation_frame(sites: Sequence[HotspotSite] = HOTSPOTS) -> pd.DataFrame:
    """Return :func:`designations` as a DataFrame (columns as ``ws.designations()``)."""
    rows = [
        {
            "hotspot": d.hotspot,
            "action": d.action,
            "start": d.start,
            "end": d.end,
            "body": d.body,
            "decision_ref": d.decision_ref,
            "note": d.note,
        }
        for d in designations(sites)
    ]
    return pd.DataFrame(rows)
