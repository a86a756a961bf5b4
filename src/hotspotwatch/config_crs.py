"""The configuration's error type and its CRS check, shared by ``config`` and its sections.

Kept apart from :mod:`hotspotwatch.config` so that the check of a workspace's CRS (run at every
command's start) stays small; :mod:`hotspotwatch.config` re-exports everything here.
"""

from __future__ import annotations

import re


class ConfigError(ValueError):
    """The workspace configuration is invalid; the message names the file, key and fix."""


#: Projected CRSs in metres that :func:`check_crs` accepts without loading PROJ: every
#: workspace's config is checked at every command's start, and pyproj costs about 0.1 s of
#: CPU there (issue 14: the fixed cost of a command < 0.5 s). Belgian Lambert 2008 and 72,
#: LAEA Europe, Lambert 93, British National Grid, RD New, WGS 84 / UTM zones (north
#: 32601-32660, south 32701-32760) and ETRS89 / UTM 28N-38N; tests/test_config_crs.py
#: checks each against pyproj.
KNOWN_METRIC_EPSG: frozenset[int] = frozenset(
    {3812, 31370, 3035, 2154, 27700, 28992}
    | set(range(32601, 32661))
    | set(range(32701, 32761))
    | set(range(25828, 25839))
)
_EPSG_CODE = re.compile(r"(?i)^\s*epsg:(\d+)\s*$")


def check_crs(crs: str, *, where: str = "crs") -> str:
    """Validate that ``crs`` is a projected CRS in metres and return its canonical ``EPSG:n`` form.

    ``EPSG:n`` codes of :data:`KNOWN_METRIC_EPSG` are accepted as they are; any other CRS
    is read by pyproj.

    Raises
    ------
    ConfigError
        If pyproj does not know it or it is geographic (degrees) or not in metres, or is a
        world Mercator (Web Mercator EPSG:3857, EPSG:3395) whose metres hold only at the
        equator.

    Examples
    --------
    >>> check_crs("epsg:3812"), check_crs("EPSG:32631")
    ('EPSG:3812', 'EPSG:32631')
    """
    known = _EPSG_CODE.match(crs)
    if known and int(known.group(1)) in KNOWN_METRIC_EPSG:
        return f"EPSG:{int(known.group(1))}"
    from pyproj import CRS
    from pyproj.exceptions import CRSError

    try:
        parsed = CRS.from_user_input(crs)
    except CRSError as exc:
        raise ConfigError(
            f"{where}: {crs!r} is not a known CRS ({exc}); use e.g. EPSG:3812"
        ) from None
    if not parsed.is_projected:
        raise ConfigError(
            f"{where}: {crs!r} is geographic (degrees); a workspace needs a projected CRS in metres, "
            "e.g. EPSG:3812 (Belgian Lambert 2008) or a UTM zone"
        )
    unit = parsed.axis_info[0].unit_name if parsed.axis_info else "metre"
    if unit not in ("metre", "meter"):
        raise ConfigError(f"{where}: {crs!r} has units {unit!r}; use a CRS in metres")
    op = parsed.coordinate_operation
    method = op.method_name if op is not None else ""
    area = parsed.area_of_use
    if ("Mercator" in method and "Transverse" not in method and "Oblique" not in method
            and (area is None or area.north - area.south > 30)):
        # Web (pseudo-) and world Mercator: metres true only at the equator, so every
        # distance band, buffer, cell and km² would be wrong by 1/cos(latitude)
        raise ConfigError(
            f"{where}: {crs!r} ({parsed.name}) is a world Mercator, true to the metre on one "
            "parallel only (the equator for Web Mercator): at 50° latitude its distances are "
            "1.6 times and its areas 2.4 times the real ones; use "
            "the city's national grid (e.g. EPSG:2154 Lambert-93) or its UTM zone (EPSG:326NN)"
        )
    epsg = parsed.to_epsg()
    return f"EPSG:{epsg}" if epsg else parsed.to_string()


__all__ = ["KNOWN_METRIC_EPSG", "ConfigError", "check_crs"]
