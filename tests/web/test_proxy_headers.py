"""Issue 15, Medium 5: a forged X-Forwarded-For goes neither into the audit log nor around
the login throttle, unless ``[web] trusted_proxies`` names the proxy.

The server is the real one (uvicorn with the options ``hotspotwatch serve`` uses) on a free
loopback port; the attacker connects from 127.0.0.1 and claims to be 203.0.113.9.
"""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import httpx
import pytest
import uvicorn

from hotspotwatch.cli.serve import uvicorn_options
from hotspotwatch.web import create_app
from hotspotwatch.workflows import audit as audit_wf

from .conftest import PASSWORD, WebEnv

FORGED = "203.0.113.9"


@contextmanager
def _serve(web: WebEnv, options: dict[str, Any]) -> Iterator[str]:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    config = uvicorn.Config(
        create_app(web.ws), host="127.0.0.1", port=port, log_level="warning", **options
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        if time.monotonic() > deadline:
            raise RuntimeError("uvicorn did not start")
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(10)


def _failed_login(base: str, user: str, forged: str) -> int:
    r = httpx.post(
        f"{base}/api/v1/auth/login",
        json={"username": user, "password": "wrong password!"},
        headers={"X-Forwarded-For": forged, "X-Forwarded-Proto": "https"},
    )
    return r.status_code


def test_uvicorn_options_trust_no_proxy_by_default() -> None:
    assert uvicorn_options({}) == {"proxy_headers": False, "forwarded_allow_ips": ""}
    assert uvicorn_options({"trusted_proxies": ["10.0.0.2", " 10.0.0.3 "]}) == {
        "proxy_headers": True,
        "forwarded_allow_ips": "10.0.0.2,10.0.0.3",
    }


def test_forged_forwarded_for_is_ignored(web: WebEnv) -> None:
    with _serve(web, uvicorn_options(web.ws.config.web)) as base:
        codes = [_failed_login(base, "zeno", f"198.51.100.{i}") for i in range(7)]
        # a new forged address per attempt does not dodge the per-address throttle
        assert codes == [401] * 5 + [429] * 2
        r = httpx.post(
            f"{base}/api/v1/auth/login",
            json={"username": "rita", "password": PASSWORD},
            headers={"X-Forwarded-Proto": "https"},
        )
        assert r.status_code == 200
        assert "secure" not in r.headers["set-cookie"].lower()  # the forged https is ignored
    clients = {e["client"] for e in audit_wf.entries(web.ws) if e["action"].startswith("auth.")}
    assert clients == {"127.0.0.1"}


@pytest.mark.parametrize("trusted", [["127.0.0.1"]])
def test_a_configured_proxy_is_believed(web: WebEnv, trusted: list[str]) -> None:
    with _serve(web, uvicorn_options({"trusted_proxies": trusted})) as base:
        assert _failed_login(base, "zeno", FORGED) == 401
    entry = audit_wf.entries(web.ws, action="auth.failed")[-1]
    assert entry["client"] == FORGED
