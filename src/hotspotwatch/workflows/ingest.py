"""Import events, areas and hotspots into a workspace; export them again.

One file is one transaction: the import record, the events and the quarantine of a file are
written in one transaction (:func:`hotspotwatch.store.event_writes.import_events`, the one
event-write path), so an interruption (Ctrl-C, a crash, a killed process)
leaves the store exactly as it was, and every completed file satisfies::

    read == inserted + updated + unchanged + quarantined

Re-importing a file changes nothing (``unchanged == read - quarantined``); a corrected file
updates only the rows whose content changed.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from hotspotwatch.io.errors import SourceError
from hotspotwatch.io.hotspots import read_hotspots
from hotspotwatch.io.importer import NormalisedImport, normalise, read_source
from hotspotwatch.io.mapping import EventMapping, load_mapping
from hotspotwatch.io.raw import check_file, file_fingerprint
from hotspotwatch.store import event_writes
from hotspotwatch.store.imports import COUNT_KEYS, ImportRecord

if TYPE_CHECKING:
    from hotspotwatch.workspace import Workspace

ProgressCallback = Callable[[str, str, int, int], None]
"""``progress(file, stage, done, total)``; stages are ``read``, ``check`` and ``store``."""


@dataclass(frozen=True)
class ImportReport:
    """What happened to one file.

    Attributes
    ----------
    file : str
        The file.
    source : str
        The mapping's source name.
    fmt : str
        File format read.
    read, inserted, updated, unchanged, quarantined : int
        Row counts; ``read == inserted + updated + unchanged + quarantined``.
    import_id : int
        Id of the import record (quarantined rows point to it).
    reasons : tuple of (str, int)
        Quarantine reasons grouped by kind, most frequent first.
    examples : tuple of dict
        The first quarantined rows (``row_number``, ``field``, ``reason``).
    """

    file: str
    source: str
    fmt: str
    read: int
    inserted: int
    updated: int
    unchanged: int
    quarantined: int
    import_id: int
    reasons: tuple[tuple[str, int], ...] = ()
    examples: tuple[dict[str, Any], ...] = ()

    def counts(self) -> dict[str, int]:
        """The five counts, exactly the keys ``read, inserted, updated, unchanged, quarantined``."""
        return {k: int(getattr(self, k)) for k in COUNT_KEYS}


def total_counts(reports: Sequence[ImportReport]) -> dict[str, int]:
    """Sum of :meth:`ImportReport.counts` over several files."""
    return {k: sum(int(getattr(r, k)) for r in reports) for k in COUNT_KEYS}


def resolve_mapping(
    ws: Workspace, mapping: str | Path | EventMapping | None, fmt: str | None
) -> EventMapping:
    """The mapping to use: a file, an :class:`EventMapping`, or ``fmt="police-uk"``.

    Raises
    ------
    SourceError
        If neither or both are given, or the mapping is invalid.
    """
    if fmt is not None and mapping is not None:
        raise SourceError("give either a mapping (--mapping MAP.toml) or --format police-uk, not both")
    if fmt is not None:
        if fmt.replace("_", "-").lower() != "police-uk":
            raise SourceError(
                f"unknown --format {fmt!r}; the built-in format is 'police-uk' (for other files "
                "write a mapping, see docs/mapping.md)"
            )
        from hotspotwatch.io.police_uk import police_uk_mapping

        return police_uk_mapping(taxonomy=ws.taxonomy)
    if mapping is None:
        raise SourceError(
            "say how to read the file: --mapping MAP.toml (see docs/mapping.md) or --format police-uk"
        )
    if isinstance(mapping, EventMapping):
        return mapping
    return load_mapping(mapping, taxonomy=ws.taxonomy)


def reason_kind(reason: str) -> str:
    """Group a quarantine reason: ``unknown category 'X'`` keeps the value, others their head."""
    m = re.match(r"(unknown category '[^']*'|duplicate id)", reason)
    if m:
        return m.group(1)
    head = re.split(r"[:;(\u2014]| '|'", reason, maxsplit=1)[0].strip()
    return head or reason[:40]


def prepare_file(
    ws: Workspace, path: str | Path, mapping: EventMapping, *, fmt: str | None = None
) -> NormalisedImport:
    """Read and normalise one file for this workspace (nothing is written)."""
    raw = read_source(path, mapping, fmt=fmt)
    return normalise(
        raw,
        mapping,
        crs=ws.config.crs,
        timezone=ws.config.timezone,
        taxonomy=ws.taxonomy,
        extent=ws.extent(),
    )


def import_events(
    ws: Workspace,
    files: Sequence[str | Path],
    *,
    mapping: str | Path | EventMapping | None = None,
    fmt: str | None = None,
    user: str | None = None,
    progress: ProgressCallback | None = None,
) -> list[ImportReport]:
    """Import event files, one transaction per file.

    Parameters
    ----------
    ws : Workspace
        Target workspace.
    files : sequence of path
        CSV, Parquet, GeoJSON or GeoPackage files (all checked to exist before any import).
    mapping : path or EventMapping, optional
        The mapping (see ``docs/mapping.md``); required unless ``fmt`` is given.
    fmt : {"police-uk"}, optional
        A built-in format instead of a mapping.
    user : str, optional
        Recorded as who imported (default: the login name).
    progress : callable, optional
        ``progress(file, stage, done, total)`` for progress bars.

    Returns
    -------
    list of ImportReport
        One per file, in order.

    Raises
    ------
    SourceError
        Missing file, invalid mapping, wrong delimiter or encoding, missing mapped column:
        one line naming the file and the fix. Files before the failing one stay imported.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> from hotspotwatch import Workspace
    >>> ws = Workspace.create(pathlib.Path(tempfile.mkdtemp()) / "ws", crs="EPSG:27700",
    ...                       timezone="Europe/London")
    >>> csv = pathlib.Path(tempfile.mkdtemp()) / "street.csv"
    >>> _ = csv.write_text("Crime ID,Month,Reported by,Falls within,Longitude,Latitude,Location,"
    ...     "LSOA code,LSOA name,Crime type,Last outcome category,Context\\n"
    ...     ",2024-03,Met,Met,-0.1355,51.5131,On or near Soho Square,E01,W 013B,"
    ...     "Anti-social behaviour,,\\n")
    >>> [r.counts() for r in import_events(ws, [csv], fmt="police-uk")]
    [{'read': 1, 'inserted': 1, 'updated': 0, 'unchanged': 0, 'quarantined': 0}]
    >>> import_events(ws, [csv], fmt="police-uk")[0].unchanged
    1
    """
    m = resolve_mapping(ws, mapping, fmt)
    paths = [check_file(f) for f in files]
    if not paths:
        raise SourceError("no files to import; give one or more file paths")
    reports = []
    for path in paths:
        name = str(path)

        def tick(stage: str, done: int, total: int, _name: str = name) -> None:
            if progress is not None:
                progress(_name, stage, done, total)

        tick("read", 0, 1)
        raw = read_source(path, m)
        tick("read", 1, 1)
        tick("check", 0, raw.read)
        norm = normalise(
            raw,
            m,
            crs=ws.config.crs,
            timezone=ws.config.timezone,
            taxonomy=ws.taxonomy,
            extent=ws.extent(),
        )
        del raw
        tick("check", norm.read, norm.read)
        fingerprint = file_fingerprint(path)
        label = "police-uk" if m.source == "police-uk" and fmt else norm.fmt
        tick("store", 0, norm.read)
        record = ImportRecord(
            file=name, fingerprint=fingerprint, fmt=label, source=m.source, user=user
        )
        import_id, counts = event_writes.import_events(
            ws.engine,
            norm.events,
            crs=ws.config.crs,
            record=record,
            quarantine=norm.quarantine,
            read=norm.read,
        )
        tick("store", norm.read, norm.read)
        q = norm.quarantine
        kinds = Counter(reason_kind(str(r)) for r in q["reason"])
        examples = tuple(
            {"row_number": int(r.row_number), "field": r.field, "reason": r.reason}
            for r in q.head(5).itertuples(index=False)
        )
        reports.append(
            ImportReport(
                file=name,
                source=m.source,
                fmt=label,
                import_id=import_id,
                reasons=tuple(kinds.most_common()),
                examples=examples,
                **counts,
            )
        )
    return reports


# Areas, hotspots and export live in their own modules; imported here for the callers of
# ``hotspotwatch.workflows.ingest`` (the CLI, notebooks).
from hotspotwatch.workflows.export import export  # noqa: E402
from hotspotwatch.workflows.ingest_places import (  # noqa: E402
    AreaImportReport,
    HotspotImportReport,
    import_areas,
    import_hotspots,
)

__all__ = [
    "COUNT_KEYS",
    "AreaImportReport",
    "HotspotImportReport",
    "ImportReport",
    "ProgressCallback",
    "export",
    "file_fingerprint",
    "import_areas",
    "import_events",
    "import_hotspots",
    "prepare_file",
    "read_hotspots",
    "reason_kind",
    "resolve_mapping",
    "total_counts",
]
