"""One implementation of each shared piece: the source tree is searched for second copies.

Transforms go through ``geo.crs`` (cached), rings through ``geo.rings.buffer_rings``, grid
counting through ``geo.grid``, calendar binning through ``hotspotwatch.periods`` and the
disclosure rule through ``domain.disclosure`` and exact duplicates through
``domain.duplicates``. A new hand-written copy makes this test fail
with the file and line.
"""

from __future__ import annotations

import re
from pathlib import Path

SRC = Path(__file__).resolve().parents[1] / "src" / "hotspotwatch"

RULES: list[tuple[str, re.Pattern[str], tuple[str, ...]]] = [
    ("CRS transformer", re.compile(r"Transformer\.from_crs"), ("geo/crs.py",)),
    ("grid counting", re.compile(r"histogram2d"), ("geo/grid.py",)),
    ("ring building", re.compile(r"\.difference\(inner\)"), ("geo/rings.py",)),
    (
        "anchored/calendar month binning",
        re.compile(r"local\.day\s*<\s*a\.day|datetime64\[M\]|DateOffset\(months="),
        ("periods.py",),
    ),
    ("exact-duplicate rule", re.compile(r"\.duplicated\(subset="), ("domain/duplicates.py",)),
    # the differencing attack compares the width of an attacker's interval with k, not a count
    ("disclosure rule", re.compile(r"<\s*(self\.)?(disclosure_)?k\b(?!\w)"),
     ("domain/disclosure.py", "analysis/differencing.py")),
]


def test_each_shared_piece_has_one_implementation() -> None:
    offenders = []
    for path in sorted(SRC.rglob("*.py")):
        rel = path.relative_to(SRC).as_posix()
        text = path.read_text(encoding="utf-8")
        for name, pattern, homes in RULES:
            if rel in homes:
                continue
            for lineno, line in enumerate(text.splitlines(), 1):
                code = line.split("#", 1)[0]
                if pattern.search(code) and '"""' not in code and "``" not in code:
                    offenders.append(f"{rel}:{lineno}: second {name}: {line.strip()}")
    assert offenders == []
