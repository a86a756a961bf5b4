"""data.police.uk street-level crime CSV (``--format police-uk``).

The published files (``YYYY-MM-<force>-street.csv``) have the columns::

    Crime ID, Month, Reported by, Falls within, Longitude, Latitude, Location,
    LSOA code, LSOA name, Crime type, Last outcome category, Context

Quirks handled here:

- only the month is published (``2024-03``): events get ``time_precision = "month"`` and the
  1st of the month at 00:00 UK time;
- coordinates are WGS84, already snapped to anonymised map points by the police;
- anti-social behaviour rows have an empty ``Crime ID``: such rows are identified by a
  fingerprint of the whole row plus its ordinal among identical rows, so re-importing a file
  is a no-op and genuinely identical rows both survive;
- rows whose ``Location`` is ``No Location`` have no coordinates and go to quarantine.
"""

from __future__ import annotations

from hotspotwatch.domain.taxonomy import Taxonomy
from hotspotwatch.io.mapping import EventMapping

SOURCE = "police-uk"
COLUMNS: tuple[str, ...] = (
    "Crime ID",
    "Month",
    "Reported by",
    "Falls within",
    "Longitude",
    "Latitude",
    "Location",
    "LSOA code",
    "LSOA name",
    "Crime type",
    "Last outcome category",
    "Context",
)

CRIME_TYPES: dict[str, str] = {
    "Anti-social behaviour": "nuisance",
    "Burglary": "burglary",
    "Bicycle theft": "theft",
    "Other theft": "theft",
    "Shoplifting": "theft",
    "Theft from the person": "theft",
    "Criminal damage and arson": "vandalism",
    "Drugs": "drug_possession",
    "Possession of weapons": "weapons",
    "Public order": "public_disorder",
    "Robbery": "robbery",
    "Vehicle crime": "vehicle_theft",
    "Violence and sexual offences": "assault",
    "Other crime": "other",
}


def police_uk_mapping(*, taxonomy: Taxonomy | None = None) -> EventMapping:
    """The built-in mapping of the data.police.uk street-level CSV.

    Examples
    --------
    >>> m = police_uk_mapping()
    >>> m.categories["Drugs"], m.precision, m.columns["id"]
    ('drug_possession', 'month', 'Crime ID')
    """
    return EventMapping.from_dict(
        {
            "source": SOURCE,
            "timezone": "Europe/London",
            "date_format": "%Y-%m",
            "precision": "month",
            "keep": [
                "Reported by",
                "Falls within",
                "Location",
                "LSOA code",
                "LSOA name",
                "Last outcome category",
                "Context",
            ],
            "read": {"format": "csv"},
            "columns": {
                "id": "Crime ID",
                "date": "Month",
                "lon": "Longitude",
                "lat": "Latitude",
                "category": "Crime type",
            },
            "categories": CRIME_TYPES,
        },
        taxonomy=taxonomy,
        name=SOURCE,
    )
