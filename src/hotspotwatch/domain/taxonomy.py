"""Event categories and their roles.

The key domain rule lives here: every category has exactly one **role**.

- ``harm``: reported by victims or witnesses; the outcomes a strategy is judged on.
- ``enforcement``: proactive police activity (checks, arrests, dealing detections, seizures).
  It rises when police look harder, so it measures *dose*, never success or failure.
- ``prevention``: outreach contacts, peacekeeper patrols, liveability work: preventive dose.

Harm weights let analyses weigh a shooting more than a nuisance complaint. The defaults are
rough relative seriousness weights in the spirit of crime-harm indices (Sherman, Neyroud &
Neyroud 2016, the Cambridge Crime Harm Index): they are a documented starting point that a
workspace's ``hotspotwatch.toml`` can override, not an official scale.
"""

from __future__ import annotations

import difflib
import tomllib
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources
from typing import Literal

Role = Literal["harm", "enforcement", "prevention"]
ROLES: tuple[Role, ...] = ("harm", "enforcement", "prevention")


@dataclass(frozen=True)
class Category:
    """One event category.

    Attributes
    ----------
    name : str
        Machine name (``snake_case``), e.g. ``"shooting"``.
    role : {"harm", "enforcement", "prevention"}
        What the category measures.
    harm_weight : float
        Relative seriousness used by harm-weighted analyses (0 for dose categories).
    label : str
        Human label (English).
    """

    name: str
    role: Role
    harm_weight: float = 0.0
    label: str = ""


# name: (role, harm weight, English label)
DEFAULT_CATEGORIES: dict[str, tuple[Role, float, str]] = {
    "shooting": ("harm", 100.0, "Shooting"),
    "homicide": ("harm", 365.0, "Homicide"),
    "stabbing": ("harm", 60.0, "Stabbing"),
    "assault": ("harm", 20.0, "Assault"),
    "robbery": ("harm", 30.0, "Robbery"),
    "sexual_offence": ("harm", 60.0, "Sexual offence"),
    "burglary": ("harm", 10.0, "Burglary"),
    "theft": ("harm", 2.0, "Theft"),
    "vehicle_theft": ("harm", 5.0, "Vehicle theft"),
    "weapons": ("harm", 10.0, "Weapons offence"),
    "nuisance": ("harm", 1.0, "Nuisance complaint"),
    "vandalism": ("harm", 2.0, "Vandalism"),
    "public_disorder": ("harm", 2.0, "Public disorder"),
    "other": ("harm", 1.0, "Other reported incident"),
    "drug_dealing": ("enforcement", 0.0, "Drug dealing detection"),
    "drug_possession": ("enforcement", 0.0, "Drug possession detection"),
    "police_check": ("enforcement", 0.0, "Police identity check"),
    "arrest": ("enforcement", 0.0, "Arrest"),
    "seizure": ("enforcement", 0.0, "Seizure"),
    "prevention_contact": ("prevention", 0.0, "Outreach contact"),
    "peacekeeper_patrol": ("prevention", 0.0, "Peacekeeper patrol"),
    "liveability_work": ("prevention", 0.0, "Liveability work (lighting, cleaning)"),
}


@dataclass(frozen=True)
class Taxonomy:
    """The workspace's set of categories.

    Examples
    --------
    >>> tax = Taxonomy.default()
    >>> tax["shooting"].role
    'harm'
    >>> tax.names(role="enforcement")[:2]
    ['drug_dealing', 'drug_possession']
    """

    categories: Mapping[str, Category] = field(default_factory=dict)

    @classmethod
    def default(cls) -> Taxonomy:
        """Return the built-in taxonomy."""
        return cls(
            {
                n: Category(name=n, role=r, harm_weight=w, label=lab)
                for n, (r, w, lab) in DEFAULT_CATEGORIES.items()
            }
        )

    def with_overrides(self, overrides: Mapping[str, Mapping[str, object]]) -> Taxonomy:
        """Return a taxonomy extended or overridden by ``{name: {role, harm_weight, label}}``.

        Raises
        ------
        ValueError
            If a role is not one of ``harm``, ``enforcement``, ``prevention`` or a weight is negative.
        """
        cats = dict(self.categories)
        for name, spec in overrides.items():
            base = cats.get(name)
            role = str(spec.get("role", base.role if base else ""))
            if role not in ROLES:
                raise ValueError(
                    f"category {name!r}: role {role!r} is not one of {', '.join(ROLES)}; "
                    'set role = "harm" | "enforcement" | "prevention" in [categories.'
                    f"{name}] of hotspotwatch.toml"
                )
            raw_weight = spec.get("harm_weight", base.harm_weight if base else 0.0)
            weight = float(raw_weight)  # type: ignore[arg-type]
            if weight < 0:
                raise ValueError(f"category {name!r}: harm_weight must be >= 0, got {weight}")
            label = str(
                spec.get("label", base.label if base else name.replace("_", " ").capitalize())
            )
            cats[name] = Category(name=name, role=role, harm_weight=weight, label=label)
        return Taxonomy(cats)

    def __getitem__(self, name: str) -> Category:
        try:
            return self.categories[name]
        except KeyError:
            raise KeyError(self.unknown_message(name)) from None

    def __contains__(self, name: object) -> bool:
        return name in self.categories

    def __iter__(self) -> Iterator[Category]:
        return iter(self.categories.values())

    def __len__(self) -> int:
        return len(self.categories)

    def names(self, role: Role | Iterable[Role] | None = None) -> list[str]:
        """Category names, optionally only those of one or several roles."""
        if role is None:
            return list(self.categories)
        roles = {role} if isinstance(role, str) else set(role)
        for r in roles:
            if r not in ROLES:
                raise ValueError(f"unknown role {r!r}; use one of {', '.join(ROLES)}")
        return [c.name for c in self.categories.values() if c.role in roles]

    def suggest(self, name: str) -> str | None:
        """Closest known category name, for 'did you mean' messages."""
        norm = name.strip().lower().replace(" ", "_").replace("-", "_")
        if norm in self.categories:
            return norm
        match = difflib.get_close_matches(norm, list(self.categories), n=1, cutoff=0.6)
        return match[0] if match else None

    def unknown_message(self, name: str) -> str:
        """A message for an unknown category with a suggestion."""
        hint = self.suggest(name)
        msg = f"unknown category {name!r}"
        if hint:
            msg += f" — did you mean {hint!r}?"
        else:
            msg += "; map it to one of the workspace categories in the mapping's [categories] table"
        return msg


@lru_cache(maxsize=1)
def _labels() -> dict[str, dict[str, str]]:
    """``{lang: {key: name}}`` from ``domain/labels.toml`` (also merged into the i18n
    catalogues, whose tests check that every key exists in every language)."""
    text = (resources.files("hotspotwatch.domain") / "labels.toml").read_text(encoding="utf-8")
    data = tomllib.loads(text)
    return {lang: {str(k): str(v) for k, v in table.items()} for lang, table in data.items()}


def _label(key: str, lang: str) -> str:
    labels = _labels()
    if lang not in labels:
        raise ValueError(f"unsupported language {lang!r}; use one of {', '.join(labels)}")
    return labels[lang][key]


def category_label(name: str, lang: str = "en", taxonomy: Taxonomy | None = None) -> str:
    """Human label of a category in ``lang`` (EN/FR/NL catalogue, else the config label).

    Examples
    --------
    >>> category_label("shooting", "fr")
    'fusillade'
    >>> category_label("drive_in_dealing", "nl")
    'drive in dealing'
    """
    try:
        return _label(f"category.{name}", lang)
    except KeyError:
        if taxonomy is not None and name in taxonomy and taxonomy[name].label:
            return taxonomy[name].label
        return name.replace("_", " ")


def category_plural(name: str, lang: str = "en") -> str | None:
    """Plural name of a category in ``lang`` ("shootings", "fusillades", "schietpartijen"),
    for counts of two or more; ``None`` when the catalogue has none (a workspace's own
    category).

    Examples
    --------
    >>> category_plural("shooting", "nl"), category_plural("drive_in_dealing", "en")
    ('schietpartijen', None)
    """
    try:
        return _label(f"categories.{name}", lang)
    except KeyError:
        return None


def outcome_label(outcome: str, lang: str = "en", taxonomy: Taxonomy | None = None) -> str:
    """Label of an evaluation outcome: ``"harm"`` (all harm) or categories joined by ``+``.

    Examples
    --------
    >>> outcome_label("harm", "fr")
    'faits signalés'
    >>> outcome_label("shooting+stabbing", "nl")
    'schietpartij + steekpartij'
    """
    if outcome == "harm":
        return _label("outcome.harm", lang)
    return " + ".join(category_label(c, lang, taxonomy) for c in outcome.split("+"))
