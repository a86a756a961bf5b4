"""The ``[public]`` table of ``hotspotwatch.toml``: what the public version may not break down.

Kept beside :mod:`hotspotwatch.config` (which reads it) so that module stays small::

    [public]
    rare_categories = ["shooting", "homicide", "stabbing"]

A *rare* category is one so serious and so infrequent that a count per named place would
point at a street and at its victims: the public report and the public dashboard page show
it only region-wide, per calendar year, with counts below ``disclosure_k`` hidden and
complementary suppression (:func:`hotspotwatch.analysis.differencing.protect`).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from hotspotwatch.domain.taxonomy import Taxonomy

PUBLIC_KEYS = ("rare_categories",)


@dataclass(frozen=True)
class PublicConfig:
    """The ``[public]`` table.

    Attributes
    ----------
    rare_categories : tuple of str
        Harm categories the public version shows only region-wide (never per place),
        sorted; empty when not configured.

    Examples
    --------
    >>> from hotspotwatch.domain.taxonomy import Taxonomy
    >>> parse_public({"rare_categories": ["stabbing", "shooting"]}, Taxonomy.default())
    PublicConfig(rare_categories=('shooting', 'stabbing'))
    """

    rare_categories: tuple[str, ...] = ()

    def to_mapping(self) -> dict[str, Any]:
        """The ``[public]`` table (only configured keys)."""
        return {"rare_categories": list(self.rare_categories)} if self.rare_categories else {}


def parse_public(table: Mapping[str, Any], taxonomy: Taxonomy) -> PublicConfig:
    """Validate the ``[public]`` table against the taxonomy.

    Raises
    ------
    ValueError
        One line naming the key at fault and the fix (the caller adds the file).
    """
    unknown = set(table) - set(PUBLIC_KEYS)
    if unknown:
        raise ValueError(
            f"unknown key(s) {sorted(unknown)} in [public]; known: {list(PUBLIC_KEYS)}"
        )
    cats = table.get("rare_categories", [])
    if not isinstance(cats, list) or not all(isinstance(c, str) for c in cats):
        raise ValueError(
            '[public] rare_categories must be a list of harm categories, e.g. '
            '["shooting", "homicide", "stabbing"]'
        )
    harm = set(taxonomy.names(role="harm"))
    for c in cats:
        if c not in taxonomy:
            raise ValueError("[public] rare_categories: " + taxonomy.unknown_message(c))
        if c not in harm:
            raise ValueError(
                f"[public] rare_categories: {c!r} is not a harm category (only harm is "
                "shown to the public; enforcement and prevention are dose)"
            )
    if len(set(cats)) != len(cats):
        raise ValueError("[public] rare_categories lists a category twice")
    return PublicConfig(rare_categories=tuple(sorted(cats)))


__all__ = ["PUBLIC_KEYS", "PublicConfig", "parse_public"]
