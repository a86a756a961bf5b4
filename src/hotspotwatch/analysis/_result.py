"""Shared base for analysis result objects.

Every statistic returns a frozen dataclass whose fields are the numbers a criminologist
would quote. ``ResultMixin.to_dict`` turns it into JSON-ready plain Python (numpy arrays
become nested lists, NaN and infinities become ``None``), so CLI ``--json``, the store's
analysis-run table, the report and the web API all serialise results the same way.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import math
from collections.abc import Mapping
from typing import Any

import numpy as np


def to_jsonable(value: Any) -> Any:
    """Convert numpy / dataclass / datetime values to JSON-serialisable Python.

    Parameters
    ----------
    value : Any
        A scalar, array, mapping, sequence or dataclass instance.

    Returns
    -------
    Any
        Plain ``dict``/``list``/``float``/``int``/``str``/``bool``/``None``.
        Non-finite floats become ``None`` (JSON has no NaN).

    Examples
    --------
    >>> import numpy as np
    >>> to_jsonable({"a": np.array([1.0, np.nan]), "b": np.int64(3)})
    {'a': [1.0, None], 'b': 3}
    """
    if value is None or isinstance(value, (bool, str)):
        return value
    if isinstance(value, (np.bool_,)):
        return bool(value)
    if isinstance(value, (int, np.integer)):
        return int(value)
    if isinstance(value, (float, np.floating)):
        f = float(value)
        return f if math.isfinite(f) else None
    if isinstance(value, np.ndarray):
        return [to_jsonable(v) for v in value.tolist()] if value.ndim else to_jsonable(value.item())
    if isinstance(value, (dt.datetime, dt.date)):
        return value.isoformat()
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        if hasattr(value, "to_dict"):
            return value.to_dict()
        return {f.name: to_jsonable(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, Mapping):
        return {str(k): to_jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple, set, frozenset)):
        return [to_jsonable(v) for v in value]
    if hasattr(value, "tolist"):
        return to_jsonable(value.tolist())
    return str(value)


class ResultMixin:
    """Mixin for frozen result dataclasses: ``to_dict()`` with JSON-ready values."""

    def to_dict(self) -> dict[str, Any]:
        """Return the result's fields as JSON-ready plain Python."""
        assert dataclasses.is_dataclass(self)
        return {f.name: to_jsonable(getattr(self, f.name)) for f in dataclasses.fields(self)}
