"""Data preparation for the web dashboard and API (selection, counting, stored runs).

The web layer authenticates, authorises, audits and serialises; everything it shows comes
from here. The package is split along its seams:

- :mod:`~hotspotwatch.workflows.web.cache` -- values cached per workspace until the data or
  the config change (single flight, stale-while-revalidate, parsed runs held per key);
- :mod:`~hotspotwatch.workflows.web.runs` -- the stored analysis runs each view shows;
- :mod:`~hotspotwatch.workflows.web.events` -- events (zone restriction before paging), areas;
- :mod:`~hotspotwatch.workflows.web.hotspots` -- hotspots, decisions, calendar-month series;
- :mod:`~hotspotwatch.workflows.web.public` -- disclosure-controlled public aggregates;
- :mod:`~hotspotwatch.workflows.web.prevention` -- the prevention log.

Every public name is re-exported here (``from hotspotwatch.workflows import web as web_wf``).
"""

from __future__ import annotations

from hotspotwatch.workflows.web._geo import check_lonlat_bbox, lonlat_bbox_to_ws
from hotspotwatch.workflows.web.cache import (
    CACHE_BUDGET_MB,
    CACHE_TTL_S,
    STAMP_TTL_S,
    cache_stats,
    current_stamp,
    data_stamp,
    memoised,
    reload_config,
)
from hotspotwatch.workflows.web.events import (
    EventPage,
    areas_geojson,
    events_page,
    select_events,
    zone_geometry,
)
from hotspotwatch.workflows.web.hotspots import (
    ROLES_OF_EVENTS,
    all_months,
    hotspot_geometry,
    hotspot_monthly,
    hotspot_record,
    hotspots_geojson,
)
from hotspotwatch.workflows.web.incidents import incidents_view
from hotspotwatch.workflows.web.prevention import (
    ACTION_CATEGORY,
    ACTION_SOURCE,
    DEFAULT_PREVENTION_KINDS,
    PREVENTION_KINDS,
    list_prevention_actions,
    log_prevention_action,
    offered_kinds,
    prevention_summary,
)
from hotspotwatch.workflows.web.public import (
    PUBLIC_CELL_M,
    PartitionGrid,
    event_grid,
    grid_for_events,
    partition_grid,
    public_grid,
    public_hotspots,
    public_monthly,
    suppress,
)
from hotspotwatch.workflows.web.runs import (
    RENEWAL_VIEWS,
    RESULT_KINDS,
    NotComputedError,
    dashboard_specs,
    dose_table,
    evaluation_row,
    evaluation_run,
    gistar_cells,
    hotspot_evaluation,
    hotspot_evaluation_view,
    hotspot_sentence,
    hotspot_summary,
    near_repeat_alerts,
    pooled_sentence,
    provenance,
    public_evaluation,
    result_view,
    review_day,
    run_for,
    view_run,
    view_spec,
)

__all__ = [
    "ACTION_CATEGORY",
    "ACTION_SOURCE",
    "CACHE_BUDGET_MB",
    "CACHE_TTL_S",
    "DEFAULT_PREVENTION_KINDS",
    "PREVENTION_KINDS",
    "PUBLIC_CELL_M",
    "RENEWAL_VIEWS",
    "RESULT_KINDS",
    "ROLES_OF_EVENTS",
    "STAMP_TTL_S",
    "EventPage",
    "NotComputedError",
    "PartitionGrid",
    "all_months",
    "areas_geojson",
    "cache_stats",
    "check_lonlat_bbox",
    "current_stamp",
    "dashboard_specs",
    "data_stamp",
    "dose_table",
    "evaluation_row",
    "evaluation_run",
    "event_grid",
    "events_page",
    "gistar_cells",
    "grid_for_events",
    "hotspot_evaluation",
    "hotspot_evaluation_view",
    "hotspot_geometry",
    "hotspot_monthly",
    "hotspot_record",
    "hotspot_sentence",
    "hotspot_summary",
    "hotspots_geojson",
    "incidents_view",
    "list_prevention_actions",
    "log_prevention_action",
    "lonlat_bbox_to_ws",
    "memoised",
    "near_repeat_alerts",
    "offered_kinds",
    "partition_grid",
    "pooled_sentence",
    "prevention_summary",
    "provenance",
    "public_evaluation",
    "public_grid",
    "public_hotspots",
    "public_monthly",
    "reload_config",
    "result_view",
    "review_day",
    "run_for",
    "select_events",
    "suppress",
    "view_run",
    "view_spec",
    "zone_geometry",
]
