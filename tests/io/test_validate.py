"""The distinct-value shortcuts of ``io.validate`` give what pandas gives row by row."""

from __future__ import annotations

import numpy as np
import pandas as pd

from hotspotwatch.io.validate import localize, strptime


def test_strptime_on_repeated_values_matches_pandas_strict_parsing():
    values = ["01/03/2024", "31/02/2024", "1/3/2024", "", "29/02/2024", "xx"] * 20
    text = pd.Series(values, dtype=pd.StringDtype("pyarrow"))
    got = strptime(text, "%d/%m/%Y")
    want = pd.Series([pd.to_datetime(v, format="%d/%m/%Y", errors="coerce") for v in values])
    # pandas is strict on padding only when asked; '1/3/2024' parses in both
    assert got.isna().tolist() == want.isna().tolist()
    assert (got.dropna().to_numpy() == want.dropna().to_numpy()).all()
    assert got.iloc[1] is pd.NaT and got.iloc[0] == pd.Timestamp("2024-03-01")


def test_localize_repeated_times_matches_pandas_across_both_dst_changes():
    # 2024-03-31 02:30 does not exist in Brussels; 2024-10-27 02:30 happens twice.
    base = pd.to_datetime(["2024-03-31 02:30", "2024-10-27 02:30", "2024-07-01 12:00", None,
                           "2024-01-15 00:00"])
    naive = pd.Series(np.tile(base.to_numpy(), 50))
    got = localize(naive, "Europe/Brussels")
    idx = pd.DatetimeIndex(naive)
    want = idx.tz_localize("Europe/Brussels", ambiguous=np.ones(len(idx), dtype=bool),
                           nonexistent="shift_forward").tz_convert("UTC")
    assert got.isna().tolist() == list(want.isna())
    assert (pd.DatetimeIndex(got.dropna()) == want.dropna()).all()
    assert got.iloc[0] == pd.Timestamp("2024-03-31 01:00", tz="UTC")  # moved to 03:00 CEST
    assert got.iloc[1] == pd.Timestamp("2024-10-27 00:30", tz="UTC")  # first (summer) reading
