"""Exact duplicates: the one definition shared by the import report and the space-time runs.

Two event rows are exact duplicates when they have the same source, instant, place (x and y
to the bit) and category: one incident recorded once per offence, or the same record twice.
They are kept in the store (they are real rows of the source), counted in the import report,
and counted once by Knox, near-repeat alerts and the summaries that say so.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

DUPLICATE_KEY: tuple[str, ...] = ("source", "occurred_at", "x", "y", "category")
"""The columns that make two rows one incident."""


def duplicate_mask(frame: pd.DataFrame) -> np.ndarray:
    """True for every row that repeats an earlier row's source, time, place and category.

    Parameters
    ----------
    frame : DataFrame
        Events with the columns of :data:`DUPLICATE_KEY` (a missing column is left out of
        the key, e.g. a frame of one source without ``source``).

    Returns
    -------
    ndarray of bool
        The first row of each group is ``False``; ``mask.sum()`` is the number of duplicates.

    Examples
    --------
    >>> f = pd.DataFrame({"source": ["s", "s", "s"], "occurred_at": ["2024-01-01"] * 3,
    ...                   "x": [1.0, 1.0, 2.0], "y": [5.0, 5.0, 5.0], "category": ["a"] * 3})
    >>> duplicate_mask(f).tolist()
    [False, True, False]
    """
    cols = [c for c in DUPLICATE_KEY if c in frame]
    if len(frame) == 0:
        return np.zeros(0, dtype=bool)
    return np.asarray(frame.duplicated(subset=cols, keep="first"), dtype=bool)


__all__ = ["DUPLICATE_KEY", "duplicate_mask"]
