"""Interface texts a page (or the ``/api/v1/i18n`` route) sends to the browser.

The catalogs hold every text in three languages; a workspace shows only those that belong to
it: the prevention-log kinds it offers (``[web] prevention_kinds``) and its own name for a
zone (``[workspace] zone_label``), so that a city's dashboard carries no other city's words.
"""

from __future__ import annotations

from typing import Any

from hotspotwatch.i18n import catalogs, translate
from hotspotwatch.workflows.web import PREVENTION_KINDS, offered_kinds

#: Key prefixes of the texts a page's scripts use. ``glossary.*`` (the one term per concept,
#: ``i18n/catalogs/glossary.toml``) is read by the server-side templates only: it also names
#: one city's concepts (Brussels' peacekeepers), so it is not sent to the browser.
PREFIXES: tuple[str, ...] = ("web.", "common.", "evaluate.", "public.")


def interface_texts(lang: str, config: Any) -> dict[str, str]:
    """The ``web.*``, ``common.*``, ``evaluate.*`` and ``public.*`` texts in ``lang``, without
    the prevention-log kinds the workspace does not offer nor the presence unit types it does
    not configure, plus
    ``web.zone_label``: what the workspace calls a zone ("zone de police", "politiezone";
    "zone" without one)."""
    hidden = {f"web.kind.{k}" for k in PREVENTION_KINDS} - {
        f"web.kind.{k}" for k in offered_kinds(config.web)}
    # the presence unit types' names: only those of this workspace's ``[presence] unit_types``
    # (a workspace that names none keeps them all: its sessions' types are not known here)
    if config.unit_types:
        units = {f"web.dose.unit.{u}" for u in config.unit_types}
        hidden |= {k for k in catalogs()[lang] if k.startswith("web.dose.unit.") and k not in units}
    texts = {k: v for k, v in catalogs()[lang].items() if k.startswith(PREFIXES) and k not in hidden}
    texts["web.zone_label"] = config.zone_name(lang) or translate("report.neutral.zone", lang)
    return texts


def zone_borders_label(lang: str, config: Any) -> str:
    """What the map's zone layer is called: "Neighbourhood boundaries" for a workspace whose
    ``zone_label`` says neighbourhood, the neutral "Zone boundaries" without one."""
    label = config.zone_name(lang)
    if not label:
        return translate("web.map.zones", lang)
    text = translate("web.map.zones_named", lang, label=label)
    return text[:1].upper() + text[1:]


__all__ = ["PREFIXES", "interface_texts", "zone_borders_label"]
