from __future__ import annotations

import datetime as dt

import pandas as pd

from hotspotwatch.domain.designation import Period, active_periods

D = dt.date


def _dec(rows: list[tuple[str, str, dt.date, dt.date | None]]) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=["hotspot", "action", "start", "end"])


def test_designation_then_renewals_merge_into_one_period() -> None:
    periods = active_periods(
        _dec(
            [
                ("Peterbos", "designate", D(2024, 3, 28), D(2024, 10, 3)),
                ("Peterbos", "extend", D(2024, 10, 4), D(2025, 3, 3)),
                ("Peterbos", "extend", D(2025, 3, 4), D(2025, 9, 3)),
            ]
        )
    )
    assert periods == {"Peterbos": [Period(D(2024, 3, 28), D(2025, 9, 4))]}


def test_end_cuts_and_gap_keeps_two_periods() -> None:
    periods = active_periods(
        _dec(
            [
                ("A", "designate", D(2024, 1, 1), D(2024, 12, 31)),
                ("A", "end", D(2024, 6, 1), None),
                ("A", "designate", D(2025, 1, 1), None),
            ]
        )
    )["A"]
    assert periods == [Period(D(2024, 1, 1), D(2024, 6, 1)), Period(D(2025, 1, 1), None)]
    assert periods[0].contains(D(2024, 5, 31)) and not periods[0].contains(D(2024, 6, 1))
    assert periods[1].contains(D(2030, 1, 1))
