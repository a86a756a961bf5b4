"""Translatable text keys (English, French, Dutch).

Catalogues live in ``i18n/catalogs/<domain>.toml``, one file per part of the code (so that
parts can add keys without touching each other's files). Each file holds one table per
language::

    [en]
    verdict.reduction = "reduction"
    [fr]
    verdict.reduction = "baisse"
    [nl]
    verdict.reduction = "daling"

Keys are dotted strings; values are ``str.format`` templates. Every key must exist in every
language (``tests/test_i18n.py`` checks it), so a missing translation is a test failure,
never a silent fallback in a council report.
"""

from __future__ import annotations

import tomllib
from functools import lru_cache
from importlib import resources
from typing import Any, Literal

Lang = Literal["en", "fr", "nl"]
LANGUAGES: tuple[Lang, ...] = ("en", "fr", "nl")


def _flatten(table: dict[str, Any], prefix: str = "") -> dict[str, str]:
    flat: dict[str, str] = {}
    for key, value in table.items():
        full = f"{prefix}{key}"
        if isinstance(value, dict):
            flat.update(_flatten(value, full + "."))
        else:
            flat[full] = str(value)
    return flat


@lru_cache(maxsize=1)
def catalogs() -> dict[str, dict[str, str]]:
    """Return ``{lang: {key: template}}`` merged from every catalogue file.

    Raises
    ------
    ValueError
        If two catalogue files define the same key for a language.
    """
    merged: dict[str, dict[str, str]] = {lang: {} for lang in LANGUAGES}
    folder = resources.files("hotspotwatch.i18n") / "catalogs"
    for entry in sorted(folder.iterdir(), key=lambda e: e.name):
        if not entry.name.endswith(".toml"):
            continue
        data = tomllib.loads(entry.read_text(encoding="utf-8"))
        for lang in LANGUAGES:
            for key, value in _flatten(data.get(lang, {})).items():
                if key in merged[lang]:
                    raise ValueError(
                        f"i18n key {key!r} ({lang}) defined twice; second in {entry.name}"
                    )
                merged[lang][key] = value
    return merged


def translate(key: str, lang: str = "en", /, **params: Any) -> str:
    """Return the text for ``key`` in ``lang``, formatted with ``params``.

    Parameters
    ----------
    key : str
        Dotted key, e.g. ``"verdict.reduction"``.
    lang : {"en", "fr", "nl"}
        Language.
    **params
        Values substituted into the template with ``str.format``.

    Raises
    ------
    KeyError
        If the key is unknown in that language (never falls back silently).
    ValueError
        If the language is not supported.

    Examples
    --------
    >>> translate("common.yes", "nl")
    'ja'
    """
    if lang not in LANGUAGES:
        raise ValueError(f"unsupported language {lang!r}; use one of {', '.join(LANGUAGES)}")
    try:
        template = catalogs()[lang][key]
    except KeyError:
        raise KeyError(f"no {lang} text for key {key!r}") from None
    return template.format(**params) if params else template


t = translate
