"""Words the public version never uses, in every language (issue 17).

The public report and the public dashboard page speak of "designated places" (fr "lieux
désignés", nl "aangewezen plaatsen"). Words that brand a street -- "hot spot", "cluster",
"dangerous" and their French and Dutch counterparts -- are never used, in any language:
every public output is checked against the union of the lists, so an English word left in a
French page is caught too. The product name ``HotspotWatch`` is the one exception (it names
the software, not a place; its command ``hotspotwatch`` too) and is removed before
checking, in any case.
"""

from __future__ import annotations

import re
import unicodedata

#: Forbidden words and phrases per language (lower case; matched case-insensitively, accents
#: kept, as substrings of words so that plurals and compounds are caught too).
FORBIDDEN: dict[str, tuple[str, ...]] = {
    "en": ("hot spot", "hot-spot", "hotspot", "emerging hot", "cluster", "dangerous",
           "no-go"),
    "fr": ("point chaud", "points chauds", "zone chaude", "zones chaudes", "foyer",
           "dangereux", "dangereuse", "zone de non-droit", "cluster"),
    "nl": ("hotspot", "hot spot", "brandpunt", "brandhaard", "gevaarlijk", "cluster",
           "no-gozone"),
}

PRODUCT_NAME = "HotspotWatch"


def forbidden_in(text: str) -> list[str]:
    """The forbidden words (of any language) found in ``text``, sorted.

    Examples
    --------
    >>> forbidden_in("Designated places in HotspotWatch 1.2")
    []
    >>> forbidden_in("Les points chauds émergents ; een gevaarlijke buurt")
    ['gevaarlijk', 'points chauds']
    """
    plain = re.sub(re.escape(PRODUCT_NAME), " ", unicodedata.normalize("NFC", text), flags=re.I)
    plain = re.sub(r"\s+", " ", plain).casefold()
    words = {w for ws in FORBIDDEN.values() for w in ws}
    return sorted(w for w in words if w in plain)


__all__ = ["FORBIDDEN", "PRODUCT_NAME", "forbidden_in"]
