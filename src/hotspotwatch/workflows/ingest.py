"""Import events, areas and hotspots into a workspace; export them again.

One file is one transaction: the import record, the events and the quarantine of a file are
written in one transaction (:func:`hotspotwatch.store.event_writes.import_events`, the one
event-write path), so an interruption (Ctrl-C, a crash, a killed process)
leaves the store exactly as it was, and every completed file satisfies::

    read == inserted + updated + unchanged + quarantined

Re-importing a file changes nothing (``unchanged == read - quarantined``, and its quarantined
rows are not stored again: ``already_quarantined == quarantined``); a corrected file updates
only the rows whose content changed. With ``atomic=True`` all the files are one transaction:
if any fails, nothing of any of them is stored.

Before any file is read, every file is checked: it exists, and its first bytes are of its
format (:func:`hotspotwatch.io.sniff.check_content`: a PNG named ``.csv`` is named as such).
When a later file of several fails, the error (:class:`ImportStopped`) says what the earlier
files did. A file with a header and no data rows stores nothing and gives a warning.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from hotspotwatch.domain.duplicates import duplicate_mask
from hotspotwatch.domain.reasons import reason_kind
from hotspotwatch.io.errors import SourceError
from hotspotwatch.io.hotspots import read_hotspots
from hotspotwatch.io.importer import NormalisedImport, detect_format, normalise, read_source
from hotspotwatch.io.mapping import EventMapping, load_mapping
from hotspotwatch.io.raw import check_file, file_fingerprint
from hotspotwatch.io.sniff import check_content
from hotspotwatch.store import event_writes
from hotspotwatch.store.engine import bulk_transaction
from hotspotwatch.store.imports import COUNT_KEYS, ImportRecord

if TYPE_CHECKING:
    from hotspotwatch.store.access import Database
    from hotspotwatch.workspace import Workspace

ProgressCallback = Callable[[str, str, int, int], None]
"""``progress(file, stage, done, total)``; stages are ``read``, ``check`` and ``store``
(``done``/``total`` in rows once the file is read)."""

SUMMARY_KEYS: tuple[str, ...] = (*COUNT_KEYS, "duplicates", "already_quarantined", "empty")
"""The counts of :meth:`ImportReport.summary`: the five of :data:`COUNT_KEYS`, then
``duplicates``, ``already_quarantined`` and ``empty``."""


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
        The first quarantined rows (``row_number``, ``line``: the file line or None,
        ``field``, ``reason``).
    duplicates : int
        Exact duplicates among the stored rows of the file (same source, time, place and
        category as an earlier row of the file: :func:`hotspotwatch.domain.duplicates.
        duplicate_mask`). They are kept, not quarantined; Knox counts them once.
    already_quarantined : int
        Quarantined rows of the file that an earlier import had already stored in the
        quarantine (not stored again); ``quarantined`` still counts them.
    warnings : tuple of str
        One-line warnings (a file with a header and no data rows).
    empty : int
        Empty rows of the file skipped: blank lines and lines of only delimiters (``;;;;``).
        They are not data rows, so not in ``read`` (the identity above holds without them).
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
    duplicates: int = 0
    already_quarantined: int = 0
    warnings: tuple[str, ...] = ()
    empty: int = 0

    def counts(self) -> dict[str, int]:
        """The five counts, exactly the keys ``read, inserted, updated, unchanged, quarantined``."""
        return {k: int(getattr(self, k)) for k in COUNT_KEYS}

    def summary(self) -> dict[str, int]:
        """The five counts, then ``duplicates``, ``already_quarantined`` and ``empty``
        (:data:`SUMMARY_KEYS`)."""
        return {k: int(getattr(self, k)) for k in SUMMARY_KEYS}

    def describe(self) -> str:
        """What happened to the file, in a few words (for messages).

        Examples
        --------
        >>> ImportReport(file="a.csv", source="s", fmt="csv", read=10, inserted=6, updated=1,
        ...              unchanged=2, quarantined=1, import_id=3).describe()
        'a.csv: 7 stored (6 new, 1 updated), 2 unchanged, 1 quarantined'
        >>> ImportReport(file="a.csv", source="s", fmt="csv", read=5, inserted=0, updated=0,
        ...              unchanged=4, quarantined=1, import_id=4, already_quarantined=1).describe()
        'a.csv: skipped as unchanged (4 rows already stored), 1 quarantined (already before)'
        """
        name = Path(self.file).name
        if self.read == 0:
            return f"{name}: no data rows, nothing stored"
        stored = self.inserted + self.updated
        if stored == 0 and self.unchanged:
            text = f"skipped as unchanged ({self.unchanged:,} rows already stored)"
        else:
            text = f"{stored:,} stored ({self.inserted:,} new, {self.updated:,} updated)"
            if self.unchanged:
                text += f", {self.unchanged:,} unchanged"
        if self.quarantined:
            text += f", {self.quarantined:,} quarantined"
            if self.already_quarantined == self.quarantined:
                text += " (already before)"
            elif self.already_quarantined:
                text += f" ({self.already_quarantined:,} of them already before)"
        return f"{name}: {text}"


def total_counts(reports: Sequence[ImportReport]) -> dict[str, int]:
    """Sum of :meth:`ImportReport.counts` over several files."""
    return {k: sum(int(getattr(r, k)) for r in reports) for k in COUNT_KEYS}


def _line(value: Any) -> int | None:
    """A quarantine frame's line as an int, or None (a format without lines)."""
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def total_summary(reports: Sequence[ImportReport]) -> dict[str, int]:
    """Sum of :meth:`ImportReport.summary` over several files."""
    return {k: sum(int(getattr(r, k)) for r in reports) for k in SUMMARY_KEYS}


class ImportStopped(SourceError):
    """A file of several failed; the message also says what the earlier files did.

    Attributes
    ----------
    completed : tuple of ImportReport
        The files before the failing one (rolled back when ``atomic``).
    failed : str
        The failing file.
    not_started : tuple of str
        The files after it (not read).
    atomic : bool
        Whether the files were one transaction (then nothing was stored).
    """

    def __init__(self, cause: SourceError, *, failed: str, completed: Sequence[ImportReport],
                 not_started: Sequence[str], atomic: bool) -> None:
        self.cause = cause
        self.failed = failed
        self.completed = tuple(completed)
        self.not_started = tuple(not_started)
        self.atomic = atomic
        super().__init__(self._message())

    def _message(self) -> str:
        text = str(self.cause)
        if not self.completed and not self.not_started and not self.atomic:
            return text
        names = [Path(r.file).name for r in self.completed]
        if self.atomic:
            text += " — nothing was stored from any file (--atomic)"
            if names:
                text += f"; {', '.join(names)} rolled back"
        elif self.completed:
            text += " — before it: " + "; ".join(r.describe() for r in self.completed)
        if self.not_started:
            text += "; not imported: " + ", ".join(Path(f).name for f in self.not_started)
        fix = " (the files already stored will be unchanged)" if self.completed and not self.atomic else ""
        return text + f"; fix {Path(self.failed).name} and run the same command again{fix}"


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
    atomic: bool = False,
) -> list[ImportReport]:
    """Import event files, one transaction per file (or one for all with ``atomic``).

    Parameters
    ----------
    ws : Workspace
        Target workspace.
    files : sequence of path
        CSV, Parquet, GeoJSON or GeoPackage files (all checked to exist and to be of their
        format before any import).
    mapping : path or EventMapping, optional
        The mapping (see ``docs/mapping.md``); required unless ``fmt`` is given.
    fmt : {"police-uk"}, optional
        A built-in format instead of a mapping.
    user : str, optional
        Recorded as who imported (default: the login name).
    progress : callable, optional
        ``progress(file, stage, done, total)`` for progress bars.
    atomic : bool
        All files in one transaction: if one fails, nothing of any file is stored.

    Returns
    -------
    list of ImportReport
        One per file, in order. A file with a header and no data rows stores nothing (no
        import record, ``import_id == 0``) and has a warning.

    Raises
    ------
    SourceError
        Missing file, a file that is not of its format, invalid mapping, wrong delimiter or
        encoding, missing mapped column: one line naming the file and the fix.
        :class:`ImportStopped` when a file fails after others were imported: the earlier
        files stay imported (rolled back with ``atomic``) and the message says what they did.

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
    for path in paths:  # every file is of its format before any is stored
        check_content(path, detect_format(path, m))
    reports: list[ImportReport] = []

    def stopped(exc: SourceError, i: int) -> ImportStopped:
        return ImportStopped(exc, failed=str(paths[i]), completed=reports,
                             not_started=[str(p) for p in paths[i + 1:]], atomic=atomic)

    if atomic:
        with bulk_transaction(ws.engine) as conn:
            for i, path in enumerate(paths):
                try:
                    norm = _prepare(ws, path, m, progress)
                except SourceError as exc:
                    raise stopped(exc, i) from None
                reports.append(_store(ws, conn, path, m, norm, fmt=fmt, user=user,
                                      progress=progress))
        return reports
    for i, path in enumerate(paths):
        try:
            norm = _prepare(ws, path, m, progress)
        except SourceError as exc:
            raise stopped(exc, i) from None
        # one file, one (bulk) transaction
        reports.append(_store(ws, ws.engine, path, m, norm, fmt=fmt, user=user, progress=progress))
    return reports


def _tick(progress: ProgressCallback | None, path: Path, stage: str, done: int, total: int) -> None:
    if progress is not None:
        progress(str(path), stage, done, total)


def _prepare(
    ws: Workspace, path: Path, m: EventMapping, progress: ProgressCallback | None
) -> NormalisedImport:
    """Read and normalise one file, ticking the ``read`` and ``check`` stages."""
    _tick(progress, path, "read", 0, 0)
    raw = read_source(path, m)
    _tick(progress, path, "read", raw.read, raw.read)
    _tick(progress, path, "check", 0, raw.read)
    norm = normalise(
        raw,
        m,
        crs=ws.config.crs,
        timezone=ws.config.timezone,
        taxonomy=ws.taxonomy,
        extent=ws.extent(),
    )
    _tick(progress, path, "check", norm.read, norm.read)
    return norm


def _store(
    ws: Workspace,
    db: Database,
    path: Path,
    m: EventMapping,
    norm: NormalisedImport,
    *,
    fmt: str | None,
    user: str | None,
    progress: ProgressCallback | None,
) -> ImportReport:
    """Write one normalised file: in its own transaction when ``db`` is the engine, in the
    caller's when it is a connection (``atomic``); nothing for a file without rows."""
    name = str(path)
    label = "police-uk" if m.source == "police-uk" and fmt else norm.fmt
    if norm.read == 0:
        what = "only a header" if norm.fmt == "csv" else "no features"
        return ImportReport(
            file=name, source=m.source, fmt=label, read=0, inserted=0, updated=0, unchanged=0,
            quarantined=0, import_id=0, empty=norm.empty,
            warnings=(f"{name}: {what}, no data rows; nothing stored (check the export that "
                      "made it)",),
        )
    _tick(progress, path, "store", 0, norm.read)
    record = ImportRecord(
        file=name, fingerprint=file_fingerprint(path), fmt=label, source=m.source, user=user
    )
    n_accepted = len(norm.events)

    def written(done: int) -> None:  # accepted rows first; the quarantine is small
        _tick(progress, path, "store", done, norm.read)

    import_id, counts = event_writes.import_events(
        db,
        norm.events,
        crs=ws.config.crs,
        record=record,
        quarantine=norm.quarantine,
        read=norm.read,
        progress=written if progress is not None and n_accepted else None,
    )
    _tick(progress, path, "store", norm.read, norm.read)
    q = norm.quarantine
    kinds = Counter(reason_kind(str(r)) for r in q["reason"])
    examples = tuple(
        {"row_number": int(r.row_number), "line": _line(r.line),
         "field": r.field, "reason": r.reason}
        for r in q.head(5).itertuples(index=False)
    )
    return ImportReport(
        file=name,
        source=m.source,
        fmt=label,
        import_id=import_id,
        reasons=tuple(kinds.most_common()),
        examples=examples,
        read=counts["read"],
        inserted=counts["inserted"],
        updated=counts["updated"],
        unchanged=counts["unchanged"],
        quarantined=counts["quarantined"],
        already_quarantined=counts["already_quarantined"],
        duplicates=int(duplicate_mask(norm.events).sum()),
        empty=norm.empty,
    )


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
    "SUMMARY_KEYS",
    "AreaImportReport",
    "HotspotImportReport",
    "ImportReport",
    "ImportStopped",
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
    "total_summary",
]
