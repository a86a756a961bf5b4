"""The public API speaks like the public version (issue 17): no forbidden word in any
language in any text it returns, no count per named place, no p-value, WDQ, WDD or I²."""

from __future__ import annotations

from typing import Any

import pytest

from hotspotwatch.i18n.public_words import forbidden_in

from .conftest import HOTSPOTS, WebEnv

PATHS = ("/api/v1/public/hotspots", "/api/v1/public/strategy", "/api/v1/public/evaluation",
         "/api/v1/public/rare", "/api/v1/public/config", "/api/v1/public/monthly")


def _strings(body: Any) -> list[str]:
    """Every string value in a JSON body (keys and route names left out)."""
    if isinstance(body, dict):
        return [s for v in body.values() for s in _strings(v)]
    if isinstance(body, list):
        return [s for v in body for s in _strings(v)]
    return [body] if isinstance(body, str) else []


@pytest.mark.parametrize("lang", ["en", "fr", "nl"])
def test_no_forbidden_word_in_any_public_text(web: WebEnv, lang: str) -> None:
    for path in PATHS:
        r = web.client.get(f"{path}?lang={lang}")
        assert r.status_code == 200, (path, r.text)
        words = forbidden_in(" ".join(_strings(r.json())))
        assert words == [], (path, words)
    # the interface texts the public page uses
    texts = web.client.get(f"/api/v1/i18n/{lang}").json()
    public = " ".join(v for key, v in texts.items() if key.startswith("public."))
    assert public and forbidden_in(public) == []


def test_no_count_per_place_and_no_test_statistics(web: WebEnv) -> None:
    hs = web.client.get("/api/v1/public/hotspots").json()
    names = [f["properties"]["name"] for f in hs["features"]]
    assert names == sorted(HOTSPOTS)  # alphabetical (both start with plain capitals)
    counts = {"harm_total", "count", "events", "treated_pre", "treated_post", "n"}
    for f in hs["features"]:
        p = f["properties"]
        assert not counts & set(p)
        assert p["index_after"] is None or isinstance(p["index_after"], int)
        assert p["sentence"].startswith(p["name"])
    ev = web.client.get("/api/v1/public/evaluation").json()
    for row in ev["hotspots"]:
        assert not {"p_value", "p_adjusted", "wdq", "wdd", "i2"} & set(row)
        assert "p =" not in row["verdict_text"] and "WDQ" not in row["verdict_text"]
    if ev["pooled"] is not None:
        assert not {"i2", "tau2", "p_value", "q"} & set(ev["pooled"])
    strategy = web.client.get("/api/v1/public/strategy?lang=fr").json()
    assert set(strategy) == {"verdict", "text", "resources"}
    assert strategy["resources"] is None  # the fixture has no resource record
