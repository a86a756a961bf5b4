"""The writes of a :class:`~hotspotwatch.workspace.Workspace`: areas, hotspots, decisions, events.

A mixin of :class:`~hotspotwatch.workspace.Workspace` (kept apart so that the workspace
module stays under 600 lines). Its imports of pandas, geopandas and the store's write
modules happen inside the methods: opening a workspace does not load them.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import pandas as pd
    from shapely.geometry.base import BaseGeometry

    from hotspotwatch.config import Config
    from hotspotwatch.store.access import Database


class WorkspaceWrites:
    """Write methods of :class:`~hotspotwatch.workspace.Workspace` (each one transaction)."""

    engine: Database  # the Workspace's Engine
    config: Config

    def add_areas(self, frame: pd.DataFrame, layer: str) -> int:
        """Replace the area layer ``layer`` with ``frame`` (one transaction).

        ``frame`` has ``code, name, geometry`` and optionally ``name_fr, name_nl, attrs``.
        A GeoDataFrame in another CRS is transformed to the workspace CRS.
        """
        import geopandas as gpd
        import pandas as pd

        from hotspotwatch.store import places

        if isinstance(frame, gpd.GeoDataFrame) and frame.crs is not None:
            frame = frame.to_crs(self.config.crs)
        return places.replace_area_layer(self.engine, layer, pd.DataFrame(frame))

    def add_hotspot(
        self,
        name: str,
        geometry: BaseGeometry,
        *,
        code: str | None = None,
        zone: str | None = None,
        commune: str | None = None,
        approximate: bool = False,
        note: str | None = None,
    ) -> int:
        """Add (or update, by name) a hotspot perimeter in the workspace CRS; return its id."""
        from hotspotwatch.store import places

        return places.upsert_hotspot(
            self.engine,
            name=name,
            geometry=geometry,
            code=code,
            zone=zone,
            commune=commune,
            approximate=approximate,
            note=note,
        )

    def add_designation(
        self,
        hotspot: str,
        *,
        action: str,
        start: dt.date,
        end: dt.date | None = None,
        body: str,
        decision_ref: str | None = None,
        note: str | None = None,
        recorded_by: str | None = None,
    ) -> int:
        """Record a designate / extend / end decision for the hotspot called ``hotspot``."""
        from hotspotwatch.store import places

        return places.add_designation_for(
            self.engine,
            hotspot,
            action=action,
            start=start,
            end=end,
            body=body,
            decision_ref=decision_ref,
            note=note,
            recorded_by=recorded_by,
        )

    def add_events(
        self,
        frame: pd.DataFrame,
        *,
        source: str,
        file: str = "<memory>",
        user: str | None = None,
    ) -> dict[str, int]:
        """Store events from a DataFrame in one transaction (used by scenarios and notebooks).

        Parameters
        ----------
        frame : DataFrame
            Columns ``source_id, occurred_at`` (UTC or tz-aware), ``x, y`` (workspace CRS),
            ``category``; optional ``lon, lat`` (computed when absent), ``time_precision``,
            ``attrs`` (JSON text).
        source : str
            Source name: ``(source, source_id)`` identifies an event across imports.

        Returns
        -------
        dict
            ``{"read", "inserted", "updated", "unchanged", "quarantined"}``.

        Raises
        ------
        ValueError
            If a category is unknown or a coordinate is missing (nothing is written).
        """
        import pandas as pd

        from hotspotwatch.store import event_writes
        from hotspotwatch.store.hashing import frame_fingerprint

        df = pd.DataFrame(frame)
        if "category" in df:
            unknown = sorted(set(df["category"].astype(str)) - set(self.config.taxonomy.names()))
            if unknown:
                raise ValueError(self.config.taxonomy.unknown_message(unknown[0]))
        try:
            df = event_writes.complete_events(df, crs=self.config.crs, source=source)
        except ValueError as exc:
            raise ValueError(f"add_events: {exc}") from None
        record = event_writes.ImportRecord(
            file=file, fingerprint=frame_fingerprint(df), fmt="dataframe", source=source, user=user
        )
        _, written = event_writes.import_events(
            self.engine, df, crs=self.config.crs, record=record
        )
        return {k: written[k] for k in ("read", "inserted", "updated", "unchanged", "quarantined")}
