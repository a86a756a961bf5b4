"""Errors of the import/export layer.

A :class:`SourceError` means the *file or the mapping* is at fault as a whole (missing file,
wrong delimiter or encoding, a mapped column that does not exist, an invalid mapping). Its
message is one line that names the file and says how to fix it; the CLI prints it without a
traceback. Problems with single rows never raise: those rows go to quarantine.
"""

from __future__ import annotations


class SourceError(ValueError):
    """A source file or mapping cannot be used; the message names the file and the fix."""


class MappingError(SourceError):
    """The mapping file is invalid; the message names the key and the fix."""
