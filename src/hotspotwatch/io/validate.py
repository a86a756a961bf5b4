"""Vectorised parsing and validation of mapped columns.

Every function takes whole columns and returns parsed arrays plus a boolean mask of the rows
it could not use and the reasons for them (built only for those rows, so a clean million-row
file costs no string formatting). Reasons are written for the person who has to fix the
source: they quote the value, the column and what was expected.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Mapping

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from hotspotwatch.domain.taxonomy import Taxonomy

_STRING = pd.StringDtype("pyarrow")
_OFFSET = r"\d:\d\d(?::\d\d(?:[.,]\d+)?)?\s*(?:Z|[+-]\d\d(?::?\d\d)?)$"
_HOUR = r"^(\d{1,2})(?:\s*[:hH.]\s*(\d{2})?)?(?::(\d{2}))?$"


class Flags:
    """Per-row rejection reasons; the first reason given for a row wins."""

    def __init__(self, n: int) -> None:
        self.reason = np.full(n, None, dtype=object)
        self.field = np.full(n, None, dtype=object)

    @property
    def ok(self) -> np.ndarray:
        """Rows with no reason so far."""
        return np.asarray(pd.isna(self.reason))

    def add(self, mask: np.ndarray, field: str | None, reasons: list[str] | str) -> None:
        """Flag ``mask`` rows not flagged yet; ``reasons`` is one text or one per masked row."""
        mask = np.asarray(mask, dtype=bool)
        if not mask.any():
            return
        idx = np.flatnonzero(mask)
        if isinstance(reasons, str):
            texts = np.full(len(idx), reasons, dtype=object)
        else:
            texts = np.asarray(reasons, dtype=object)
        fresh = pd.isna(self.reason[idx])
        self.reason[idx[fresh]] = texts[fresh]
        self.field[idx[fresh]] = field

    def then(self, later: Flags) -> Flags:
        """These flags followed by ``later``'s for rows not flagged here (a new object)."""
        out = Flags(0)
        take = ~np.asarray(pd.isna(later.reason)) & self.ok
        out.reason = np.where(take, later.reason, self.reason)
        out.field = np.where(take, later.field, self.field)
        return out


def as_text(values: pd.Series) -> pd.Series:
    """A column as stripped text (``""`` for missing), whatever its dtype."""
    if isinstance(values.dtype, pd.StringDtype):
        s = values
    elif pd.api.types.is_float_dtype(values.dtype):
        arr = values.to_numpy(dtype=float, na_value=np.nan)
        integral = np.isfinite(arr) & (np.mod(arr, 1) == 0) & (np.abs(arr) < 2**53)
        text = values.astype(object).astype(str)
        text[integral] = arr[integral].astype(np.int64).astype(str)
        text[~np.isfinite(arr)] = ""
        s = pd.Series(text, index=values.index, dtype=_STRING)
    else:
        s = values.astype(object).where(values.notna(), "").astype(str).astype(_STRING)
    return s.fillna("").str.strip()


def parse_numbers(
    values: pd.Series, *, decimal: str | None = None
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Parse coordinates; return ``(numbers, empty, not_a_number)``.

    With ``decimal=None`` a comma is read as the decimal mark (``4,3517`` -> 4.3517), which
    is how Belgian and French spreadsheets export numbers.
    """
    if pd.api.types.is_numeric_dtype(values.dtype) and not pd.api.types.is_bool_dtype(values.dtype):
        arr = values.to_numpy(dtype=float, na_value=np.nan)
        empty = np.isnan(arr)
        return arr, empty, np.zeros(len(arr), dtype=bool)
    text = as_text(values)
    empty = (text == "").to_numpy(dtype=bool, na_value=True)
    if decimal != "." and text.str.contains(",", regex=False).any():
        text = text.str.replace(",", ".", regex=False)
    arr = _fast_float(text)
    bad = ~empty & ~np.isfinite(arr)
    return arr, empty, bad


def _fast_float(text: pd.Series) -> np.ndarray:
    """Text to float64 (NaN where not a number): pyarrow cast, pandas only if that fails."""
    arr = pa.array(text.to_numpy(dtype=object) if not isinstance(text.dtype, pd.StringDtype) else text,
                   type=pa.string())
    arr = pc.if_else(pc.equal(arr, ""), pa.scalar(None, pa.string()), arr)
    try:
        out = pc.cast(arr, pa.float64())
        return np.asarray(out.to_numpy(zero_copy_only=False), dtype=float)
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        nums = pd.to_numeric(text, errors="coerce")
        return np.asarray(nums.to_numpy(dtype=float, na_value=np.nan), dtype=float)


_FAST_CODES = re.compile(r"%[^YmdHMS]")


def strptime(text: pd.Series, fmt: str) -> pd.Series:
    """Parse text with a strftime format to naive datetimes (``NaT`` where invalid).

    pyarrow parses the bulk; because it is lenient (it turns 31/02 into 2 March), each
    parsed value is formatted back and compared, and values that do not round-trip (invalid
    dates, values without zero padding) are parsed again, strictly, by pandas.
    """
    codes, uniques = pd.factorize(text.to_numpy(dtype=object), use_na_sentinel=True)
    if len(uniques) < len(text) // 2:
        # Dates repeat (a year of events has 365 distinct days): parse each once.
        parsed_u = _strptime(pd.Series(uniques, dtype=object).astype(str), fmt)
        values = np.append(parsed_u.to_numpy(dtype="datetime64[ns]"), np.datetime64("NaT", "ns"))
        return pd.Series(values[codes], index=text.index)
    return _strptime(text, fmt)


def _strptime(text: pd.Series, fmt: str) -> pd.Series:
    if _FAST_CODES.search(fmt):
        return pd.to_datetime(text, format=fmt, errors="coerce")
    arr = pa.array(text, type=pa.string())
    try:
        parsed = pc.strptime(arr, format=fmt, unit="ns", error_is_null=True)
        back = pc.strftime(parsed, format=fmt)
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        return pd.to_datetime(text, format=fmt, errors="coerce")
    same = pc.fill_null(pc.equal(back, arr), False).to_numpy(zero_copy_only=False)
    result = pd.Series(
        parsed.to_numpy(zero_copy_only=False).astype("datetime64[ns]"), index=text.index
    )
    result[~same] = pd.NaT
    redo = ~same & (text != "").to_numpy(dtype=bool)
    if redo.any():
        result[redo] = pd.to_datetime(text[redo], format=fmt, errors="coerce").to_numpy()
    return result


def example_for(fmt: str | None) -> str:
    """An example value in a strftime format (ISO 8601 when ``None``)."""
    ts = pd.Timestamp("2024-03-01 14:30:00")
    return ts.strftime(fmt) if fmt else "2024-03-01 or 2024-03-01T14:30:00"


def localize(naive: pd.Series, tz: str) -> pd.Series:
    """Local wall-clock times to UTC.

    In the autumn hour that occurs twice, the first (summer-time) reading is taken; in the
    spring hour that does not exist, the time moves forward to the first valid instant.
    """
    idx = pd.DatetimeIndex(naive)
    codes, uniques = pd.factorize(idx, use_na_sentinel=True)
    if len(uniques) < len(idx) // 2:
        # Localise each distinct wall-clock time once (events share hours and days).
        local_u = pd.DatetimeIndex(uniques).as_unit("ns").tz_localize(
            tz, ambiguous=np.ones(len(uniques), dtype=bool), nonexistent="shift_forward"
        ).tz_convert("UTC")
        values = np.append(local_u.tz_localize(None).to_numpy(dtype="datetime64[ns]"),
                           np.datetime64("NaT", "ns"))
        utc = pd.DatetimeIndex(values[codes]).tz_localize("UTC")
        return pd.Series(utc, index=naive.index)
    ambiguous = np.ones(len(idx), dtype=bool)
    local = idx.tz_localize(tz, ambiguous=ambiguous, nonexistent="shift_forward")
    return pd.Series(local.tz_convert("UTC"), index=naive.index)


def _to_utc(parsed: pd.Series, tz: str) -> pd.Series:
    if isinstance(parsed.dtype, pd.DatetimeTZDtype):
        return parsed.dt.tz_convert("UTC")
    return localize(parsed, tz)


def parse_time_column(
    values: pd.Series, *, column: str, fmt: str | None, tz: str, flags: Flags
) -> pd.Series:
    """Parse a date-and-time column to UTC (``NaT`` where rejected).

    Values with an explicit offset (``Z``, ``+01:00``) keep it; others are local times in
    ``tz``.
    """
    n = len(values)
    if pd.api.types.is_datetime64_any_dtype(values.dtype):
        out = _to_utc(values.astype(values.dtype), tz)
        flags.add(out.isna().to_numpy(), column, f"no date/time: {column!r} is empty")
        return out
    text = as_text(values)
    empty = (text == "").to_numpy(dtype=bool)
    result = pd.Series(pd.NaT, index=values.index, dtype="datetime64[ns, UTC]")
    if fmt:
        with_tz = "%z" in fmt or "%Z" in fmt
        parsed = (pd.to_datetime(text, format=fmt, errors="coerce", utc=True) if with_tz
                  else strptime(text, fmt))
        result = _to_utc(parsed, tz).astype("datetime64[ns, UTC]")
    else:
        has_off = text.str.contains(_OFFSET, regex=True).to_numpy(dtype=bool, na_value=False)
        if (~has_off).any():
            naive = pd.to_datetime(text[~has_off], format="ISO8601", errors="coerce")
            result[~has_off] = _to_utc(naive, tz).astype("datetime64[ns, UTC]")
        if has_off.any():
            aware = pd.to_datetime(text[has_off], format="ISO8601", errors="coerce", utc=True)
            result[has_off] = aware.astype("datetime64[ns, UTC]")
    bad = result.isna().to_numpy() & ~empty
    flags.add(empty, column, f"no date/time: {column!r} is empty")
    if bad.any():
        expected = fmt or "ISO 8601"
        raw = text.to_numpy(dtype=object)[bad]
        flags.add(
            bad,
            column,
            [
                f"unparseable date {v!r} in {column!r}; expected {expected} "
                f"(e.g. {example_for(fmt)}) — set time_format in the mapping"
                for v in raw
            ],
        )
    assert len(result) == n
    return result


def parse_date_hour(
    dates: pd.Series,
    hours: pd.Series | None,
    *,
    date_column: str,
    hour_column: str | None,
    fmt: str | None,
    tz: str,
    flags: Flags,
    precision: str | None,
) -> tuple[pd.Series, np.ndarray]:
    """Parse a date column (+ optional hour column) to UTC and a precision per row."""
    n = len(dates)
    if pd.api.types.is_datetime64_any_dtype(dates.dtype):
        d = dates
        if isinstance(d.dtype, pd.DatetimeTZDtype):
            d = d.dt.tz_convert(tz).dt.tz_localize(None)
        naive = pd.to_datetime(d).dt.normalize()
        empty = naive.isna().to_numpy()
        bad = np.zeros(n, dtype=bool)
        raw = None
    else:
        text = as_text(dates)
        empty = (text == "").to_numpy(dtype=bool)
        naive = strptime(text, fmt) if fmt else pd.to_datetime(text, format="ISO8601", errors="coerce")
        if isinstance(naive.dtype, pd.DatetimeTZDtype):
            naive = naive.dt.tz_convert(tz).dt.tz_localize(None)
        if not fmt or "%H" not in fmt:
            naive = naive.dt.normalize()
        bad = naive.isna().to_numpy() & ~empty
        raw = text
    flags.add(empty, date_column, f"no date: {date_column!r} is empty")
    if bad.any() and raw is not None:
        expected = fmt or "ISO 8601 (YYYY-MM-DD)"
        hint = "" if fmt else ' — set date_format in the mapping, e.g. date_format = "%d/%m/%Y"'
        flags.add(
            bad,
            date_column,
            [
                f"unparseable date {v!r} in {date_column!r}; expected {expected} "
                f"(e.g. {example_for(fmt or '%Y-%m-%d')}){hint}"
                for v in raw.to_numpy(dtype=object)[bad]
            ],
        )
    default_precision = precision or ("month" if fmt and "%d" not in fmt else "day")
    prec = np.full(n, default_precision, dtype=object)
    if hours is not None and hour_column is not None:
        offset, hprec = _parse_hours(hours, column=hour_column, flags=flags)
        has_hour = ~pd.isna(hprec)
        naive = naive + pd.to_timedelta(np.where(has_hour, offset, 0), unit="s")
        if precision is None:
            prec[has_hour] = hprec[has_hour]
    return localize(naive, tz), prec


def _parse_hours(values: pd.Series, *, column: str, flags: Flags) -> tuple[np.ndarray, np.ndarray]:
    """Seconds after midnight and precision (``hour``/``instant``/None when empty)."""
    n = len(values)
    prec = np.full(n, None, dtype=object)
    if pd.api.types.is_numeric_dtype(values.dtype) and not pd.api.types.is_bool_dtype(values.dtype):
        arr = values.to_numpy(dtype=float, na_value=np.nan)
        present = np.isfinite(arr)
        valid = present & (arr >= 0) & (arr < 24) & (np.mod(arr, 1) == 0)
        secs = np.where(valid, np.nan_to_num(arr) * 3600, 0).astype(np.int64)
        prec[valid] = "hour"
        flags.add(present & ~valid, column, [f"hour {v!r} in {column!r} is not a whole hour 0–23"
                                             for v in arr[present & ~valid]])
        return secs, prec
    text = as_text(values)
    present = (text != "").to_numpy(dtype=bool)
    if text.str.fullmatch(r"\d{0,2}").all():
        hours = _fast_float(text)
        valid = present & (np.nan_to_num(hours, nan=99) < 24)
        prec[valid] = "hour"
        bad = present & ~valid
        flags.add(bad, column, [f"hour {v!r} in {column!r} is not an hour 0–23 (HH or HH:MM)"
                                for v in text.to_numpy(dtype=object)[bad]])
        return np.where(valid, np.nan_to_num(hours) * 3600, 0).astype(np.int64), prec
    parts = text.str.extract(_HOUR)
    h = pd.to_numeric(parts[0], errors="coerce").to_numpy(dtype=float, na_value=np.nan)
    m = pd.to_numeric(parts[1], errors="coerce").to_numpy(dtype=float, na_value=np.nan)
    s = pd.to_numeric(parts[2], errors="coerce").to_numpy(dtype=float, na_value=np.nan)
    has_min = np.isfinite(m)
    m, s = np.nan_to_num(m), np.nan_to_num(s)
    valid = present & np.isfinite(h) & (np.nan_to_num(h) < 24) & (m < 60) & (s < 60)
    secs = np.where(valid, np.nan_to_num(h) * 3600 + m * 60 + s, 0).astype(np.int64)
    prec[valid] = np.where(has_min[valid] & ((m[valid] > 0) | (s[valid] > 0)), "instant", "hour")
    bad = present & ~valid
    flags.add(
        bad,
        column,
        [f"hour {v!r} in {column!r} is not an hour 0–23 (HH or HH:MM)"
         for v in text.to_numpy(dtype=object)[bad]],
    )
    return secs, prec


def normalise_name(value: str) -> str:
    """``"Drug dealing"`` -> ``"drug_dealing"``."""
    return value.strip().lower().replace(" ", "_").replace("-", "_")


def map_categories(
    values: pd.Series,
    *,
    column: str,
    table: Mapping[str, str],
    taxonomy: Taxonomy,
    default: str | None,
    flags: Flags,
) -> np.ndarray:
    """Source values to workspace categories (object array, ``None`` where rejected).

    A value is looked up in the mapping's ``[categories]`` table (exactly, then ignoring
    case); a value that already names a workspace category (``theft``, ``Drug dealing``) maps
    to it; otherwise ``default`` or quarantine with a did-you-mean suggestion.
    """
    text = as_text(values)
    codes, uniques = pd.factorize(text)
    folded = {k.casefold(): v for k, v in table.items()}
    targets = np.empty(len(uniques) + 1, dtype=object)
    targets[-1] = None
    messages: dict[int, str] = {}
    for i, raw in enumerate(uniques):
        v = str(raw)
        cat = table.get(v) or folded.get(v.casefold())
        if cat is None and normalise_name(v) in taxonomy:
            cat = normalise_name(v)
        if cat is None and v:
            cat = default
        targets[i] = cat
        if cat is None:
            messages[i] = _unknown_category(v, column, table, taxonomy)
    cats = targets[codes]
    missing = pd.isna(cats)
    if missing.any():
        flags.add(missing, column, [messages.get(c, f"no category: {column!r} is empty")
                                    for c in codes[missing]])
    return cats


def _unknown_category(value: str, column: str, table: Mapping[str, str], taxonomy: Taxonomy) -> str:
    if not value:
        return f"no category: {column!r} is empty"
    close = difflib.get_close_matches(value, list(table), n=1, cutoff=0.6)
    if close:
        return (
            f"unknown category {value!r} — did you mean {close[0]!r}? (add \"{value}\" = "
            f'"{table[close[0]]}" under [categories] in the mapping)'
        )
    hint = taxonomy.suggest(value)
    if hint:
        return (
            f"unknown category {value!r} — did you mean {hint!r}? (add \"{value}\" = \"{hint}\" "
            "under [categories] in the mapping)"
        )
    return (
        f"unknown category {value!r}; map it to a workspace category under [categories] in "
        "the mapping (or set default_category)"
    )
