"""Alphabetical order of place names, the same in every language and on every machine.

The public version lists designated places alphabetically, never by how much harm they
have. The order must not depend on the machine's locale (``locale.strxfrm``) nor on an
optional library, so it follows one documented rule close to the first levels of the
Unicode Collation Algorithm (UTS #10) for Latin names:

1. decompose (Unicode NFKD) and drop the combining marks: ``é`` sorts as ``e``,
   ``œ`` stays ``oe`` after NFKD of the ligature;
2. case-fold (``str.casefold``): ``É``, ``é`` and ``e`` are the same letter;
3. ignore what is neither a letter nor a digit (apostrophes, hyphens, spaces);
4. break ties by the case-folded name with its accents, then by the name itself, so the
   order is total and deterministic.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable


def sort_key(name: str) -> tuple[str, str, str]:
    """The key of ``name`` in the public alphabetical order.

    Examples
    --------
    >>> sorted(["Yser", "Étangs Noirs", "Chaussée d'Anvers", "Clemenceau", "eglise"],
    ...        key=sort_key)[1:]
    ['Clemenceau', 'eglise', 'Étangs Noirs', 'Yser']
    >>> sort_key("Chaussée d'Anvers")[0]
    'chausseedanvers'
    """
    decomposed = unicodedata.normalize("NFKD", name)
    base = "".join(c for c in decomposed if not unicodedata.combining(c)).casefold()
    primary = "".join(c for c in base if c.isalnum())
    return primary, unicodedata.normalize("NFC", name).casefold(), name


def alphabetical(names: Iterable[str]) -> list[str]:
    """``names`` sorted by :func:`sort_key`."""
    return sorted(names, key=sort_key)


__all__ = ["alphabetical", "sort_key"]
