"""The runs a view shows: the renewal report's (and the dashboard's) questions, by parameters.

A view never takes "the latest run of a kind". It names each run it needs as a
:class:`~hotspotwatch.workflows.runs.RunSpec` with fixed parameters and a fixed seed, built
here from the workspace config and the review date only, so that two views asking the same
question get the same stored run, and the report's numbers do not depend on what else the
workspace holds. :func:`hotspotwatch.workflows.runs.ensure_run` then reuses a stored run only
when kind, parameters, data fingerprint and config fingerprint all match.

The report's fixed choices (they are in every run's parameters, so the methods page lists
them):

- the **evaluation** of harm up to the review date, with the ``[evaluation]`` defaults;
- the **regional picture** (concentration of all harm, Gi* hot spots, border areas of the
  zone layer) on harm in the :data:`REGIONAL_MONTHS` months up to the review date;
  **emerging hot spots** on the :data:`EMERGING_MONTHS` months up to it (a trend needs
  more steps);
- **near repeats** (Knox) on ``[report] near_repeat_categories`` (default every harm
  category) in the :data:`KNOX_MONTHS` months up to the review date, with
  :data:`KNOX_SPACE_BANDS` × :data:`KNOX_TIME_BANDS`,
  :data:`PERMUTATIONS` permutations and seed :data:`SEED`; Gi* with the normal
  approximation (:data:`GISTAR_PERMUTATIONS`);
- **coverage**: was each place a Gi* hot spot in the ``pre_months`` before its designation;
- the **previous review** (:func:`previous_review_spec`): the same evaluation up to
  :data:`REVIEW_MONTHS` months earlier.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import math
from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING

from hotspotwatch.periods import add_months
from hotspotwatch.workflows.runs import RunSpec

if TYPE_CHECKING:
    from hotspotwatch.workspace import Workspace

#: Months of harm the regional picture looks at (up to and including the review date).
REGIONAL_MONTHS = 12
#: Months of harm the emerging hot spot analysis looks at.
EMERGING_MONTHS = 24
#: Months of events the near-repeat (Knox) test looks at: a near-repeat pattern is a
#: property of the kind of event, estimated on several years for power (rare events such as
#: shootings give too few pairs in one year).
KNOX_MONTHS = 36
#: Months between two reviews: the previous review's evaluation ends this much earlier.
REVIEW_MONTHS = 6
#: Knox space bands (metres) and time bands (days) of the report's near-repeat section.
KNOX_SPACE_BANDS: tuple[float, ...] = (0, 100, 200, 300, 400, math.inf)
KNOX_TIME_BANDS: tuple[float, ...] = (0, 7, 14, 21, 28, math.inf)
#: Permutations and seed of the report's Knox test.
PERMUTATIONS = 999
SEED = 0
#: Gi* of the regional picture uses the normal approximation (Ord & Getis 1995): with
#: thousands of cells, 999 permutations cannot give a p-value below 0.001, too coarse for the
#: false-discovery-rate correction to find any hot cell.
GISTAR_PERMUTATIONS = 0
#: Distance (metres) from a zone border that counts as "near the border".
BORDER_DISTANCE_M = 200.0
#: Cell size (metres) of the emerging hot spot grid.
EMERGING_CELL_M = 250.0


@dataclass(frozen=True)
class RenewalSpecs:
    """The runs of the renewal report for one review date (one field per section)."""

    evaluation: RunSpec
    knox: RunSpec
    concentration: RunSpec
    coverage: RunSpec
    borders: RunSpec
    gistar: RunSpec
    emerging: RunSpec

    def items(self) -> Iterator[tuple[str, RunSpec]]:
        """``(section, spec)`` pairs in the order of the report."""
        for f in dataclasses.fields(self):
            yield f.name, getattr(self, f.name)


def regional_window(until: dt.date, months: int = REGIONAL_MONTHS) -> tuple[dt.date, dt.date]:
    """``[start, end)`` of the ``months`` whole months ending on ``until`` (inclusive).

    Examples
    --------
    >>> regional_window(dt.date(2025, 8, 31))
    (datetime.date(2024, 9, 1), datetime.date(2025, 9, 1))
    """
    end = until + dt.timedelta(days=1)
    return add_months(end, -months), end


def near_repeat_categories(ws: Workspace) -> tuple[str, ...]:
    """``[report] near_repeat_categories``, or every harm category of the taxonomy."""
    configured = ws.config.report.near_repeat_categories
    if configured:
        return tuple(sorted(configured))
    return tuple(sorted(ws.taxonomy.names(role="harm")))


def renewal_specs(ws: Workspace, *, until: dt.date, study_area: str | None = None) -> RenewalSpecs:
    """The runs the renewal report up to ``until`` shows, with fixed parameters and seeds.

    Parameters
    ----------
    ws : Workspace
        The workspace (its config gives the evaluation defaults, the zone layer and the
        near-repeat categories).
    until : date
        Last day of the period under review (inclusive).
    study_area : {None, "region", "hull"}
        ``"hull"``: every run on a study area uses the events' hull (recorded in its
        parameters; see :mod:`hotspotwatch.workflows.study_area`). Knox needs none.

    Returns
    -------
    RenewalSpecs
        Depends on ``until`` and the config only, never on the runs stored.
    """
    from hotspotwatch.workflows.detect import (
        borders_spec,
        concentration_spec,
        coverage_spec,
        gistar_spec,
    )
    from hotspotwatch.workflows.evaluate import evaluation_spec
    from hotspotwatch.workflows.spacetime import emerging_spec, knox_spec

    start, end = regional_window(until)
    e_start, _ = regional_window(until, EMERGING_MONTHS)
    k_start, _ = regional_window(until, KNOX_MONTHS)
    pre_months = int(ws.config.evaluation.get("pre_months", 12))
    harm = ["harm"]
    area = study_area
    return RenewalSpecs(
        evaluation=evaluation_spec(ws, until=until, study_area=area),
        knox=knox_spec(
            ws,
            categories=list(near_repeat_categories(ws)),
            start=k_start,
            end=end,
            space_bands=list(KNOX_SPACE_BANDS),
            time_bands=list(KNOX_TIME_BANDS),
            permutations=PERMUTATIONS,
            seed=SEED,
        ),
        concentration=concentration_spec(ws, roles=harm, start=start, end=end, study_area=area),
        coverage=coverage_spec(ws, roles=harm, pre_months=pre_months, study_area=area),
        borders=borders_spec(
            ws, roles=harm, start=start, end=end, layer=ws.config.zone_layer,
            distance=BORDER_DISTANCE_M, study_area=area,
        ),
        gistar=gistar_spec(
            ws, roles=harm, start=start, end=end, permutations=GISTAR_PERMUTATIONS, seed=SEED,
            study_area=area,
        ),
        emerging=emerging_spec(
            ws, roles=harm, start=e_start, end=end, cell_size=EMERGING_CELL_M, step="month",
            study_area=area,
        ),
    )


def previous_review_spec(
    ws: Workspace, *, until: dt.date, study_area: str | None = None
) -> RunSpec:
    """The evaluation of the previous review period: the same spec, :data:`REVIEW_MONTHS`
    months earlier (what "changed since the previous review" compares with)."""
    from hotspotwatch.workflows.evaluate import evaluation_spec

    return evaluation_spec(ws, until=previous_until(until), study_area=study_area)


def previous_until(until: dt.date) -> dt.date:
    """Last day of the previous review period.

    Examples
    --------
    >>> previous_until(dt.date(2025, 8, 31))
    datetime.date(2025, 2, 28)
    """
    return add_months(until + dt.timedelta(days=1), -REVIEW_MONTHS) - dt.timedelta(days=1)


def last_data_day(ws: Workspace) -> dt.date | None:
    """The last day with data: the local date of the newest stored event.

    The one rule of the renewal report's default ``--until`` and the dashboard's default
    review day: events of the dashboard's prevention log (source
    :data:`hotspotwatch.workflows.web.prevention.ACTION_SOURCE`) are left out, because
    partners log actions as they happen and an action logged today must not stretch the
    period under review past the data imported. ``None`` when there is no other event.
    """
    import pandas as pd

    from hotspotwatch.periods import local_days
    from hotspotwatch.store import dashboard as dashboard_store
    from hotspotwatch.workflows.web.prevention import ACTION_SOURCE

    span = dashboard_store.event_time_range(ws.engine, exclude_source=ACTION_SOURCE)
    if span is None:
        return None
    last = local_days(pd.DatetimeIndex([span[1]], tz="UTC"), ws.config.timezone)[0]
    return dt.date(last.year, last.month, last.day)


__all__ = [
    "EMERGING_MONTHS",
    "GISTAR_PERMUTATIONS",
    "KNOX_MONTHS",
    "KNOX_SPACE_BANDS",
    "KNOX_TIME_BANDS",
    "PERMUTATIONS",
    "REGIONAL_MONTHS",
    "REVIEW_MONTHS",
    "SEED",
    "RenewalSpecs",
    "last_data_day",
    "near_repeat_categories",
    "previous_review_spec",
    "previous_until",
    "regional_window",
    "renewal_specs",
]
