"""Import resource records (staff-hours and cost per hotspot, period and kind).

The guarantees of event import: every file is checked before any is stored, each file is one
transaction (``atomic``: all files one), ``read == inserted + updated + unchanged +
quarantined``, quarantined rows keep their reason and fix, re-importing a file changes nothing.
The format is fixed (see :mod:`hotspotwatch.io.resources`); the import record's source is
``"resources"``.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd

from hotspotwatch.io.errors import SourceError
from hotspotwatch.io.importer import detect_format, read_source
from hotspotwatch.io.mapping import EventMapping
from hotspotwatch.io.raw import check_file, file_fingerprint
from hotspotwatch.io.resources import RESOURCE_SOURCE, normalise_resources
from hotspotwatch.io.sniff import check_content
from hotspotwatch.store import resources as store_resources
from hotspotwatch.store.engine import bulk_transaction
from hotspotwatch.store.imports import ImportRecord
from hotspotwatch.workflows.ingest import ImportStopped, reason_kind

if TYPE_CHECKING:
    from hotspotwatch.store.access import Database
    from hotspotwatch.workspace import Workspace

_READER = EventMapping(source=RESOURCE_SOURCE, category="other", name="resources")


@dataclass(frozen=True)
class ResourceImportReport:
    """What happened to one resource file (counts as for events)."""

    file: str
    read: int
    inserted: int
    updated: int
    unchanged: int
    quarantined: int
    already_quarantined: int
    import_id: int
    reasons: tuple[tuple[str, int], ...] = ()
    warnings: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        """``read, inserted, updated, unchanged, quarantined`` first."""
        return {
            "read": self.read,
            "inserted": self.inserted,
            "updated": self.updated,
            "unchanged": self.unchanged,
            "quarantined": self.quarantined,
            "already_quarantined": self.already_quarantined,
            "file": self.file,
            "reasons": [list(r) for r in self.reasons],
            "warnings": list(self.warnings),
        }


def import_resources(
    ws: Workspace, files: Sequence[str | Path], *, user: str | None = None, atomic: bool = False
) -> list[ResourceImportReport]:
    """Import resource files (CSV, Parquet...; columns ``hotspot, start, end, kind,
    staff_hours, cost, source``).

    Raises
    ------
    SourceError
        One line naming the file and the fix.
    """
    paths = [check_file(f) for f in files]
    if not paths:
        raise SourceError("no files to import; give one or more file paths")
    for p in paths:
        check_content(p, detect_format(p, _READER))
    names = {str(n): None for n in ws.hotspots()["name"]}
    reports: list[ResourceImportReport] = []

    def run(db: Database) -> None:
        for i, p in enumerate(paths):
            try:
                rec, q, dropped = normalise_resources(read_source(p, _READER), hotspots=names)
            except SourceError as exc:
                raise ImportStopped(
                    exc,
                    failed=str(p),
                    completed=[],
                    not_started=[str(x) for x in paths[i + 1 :]],
                    atomic=atomic,
                ) from None
            read = len(rec) + len(q)
            warnings = tuple(
                f"{p.name}: column {c!r} dropped (names and badge numbers are never stored)"
                for c in dropped
            )
            record = ImportRecord(
                file=str(p),
                fingerprint=file_fingerprint(p),
                fmt="resources",
                source=RESOURCE_SOURCE,
                user=user,
                kind="resources",
            )
            import_id, c = store_resources.import_resources(
                db, rec, record=record, quarantine=q, read=read
            )
            kinds = Counter(reason_kind(str(r)) for r in q["reason"])
            reports.append(
                ResourceImportReport(
                    file=str(p),
                    read=read,
                    inserted=c["inserted"],
                    updated=c["updated"],
                    unchanged=c["unchanged"],
                    quarantined=c["quarantined"],
                    already_quarantined=c["already_quarantined"],
                    import_id=import_id,
                    reasons=tuple(kinds.most_common()),
                    warnings=warnings,
                )
            )

    if atomic:
        with bulk_transaction(ws.engine) as conn:
            run(conn)
    else:
        run(ws.engine)
    return reports


def resource_frame(ws: Workspace) -> pd.DataFrame:
    """Every stored resource record (see :func:`hotspotwatch.store.resources.read_resources`)."""
    return store_resources.read_resources(ws.engine)


__all__ = ["ResourceImportReport", "import_resources", "resource_frame"]
