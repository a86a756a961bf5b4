"""Issue 15, Medium 4 and Low 7: login attempts counted atomically, per (user, address).

- 30 concurrent wrong logins for one user from one address: at most 5 reach the password
  check, the others get 429 with ``Retry-After``.
- Wrong passwords from one address lock neither the user out from elsewhere nor the other
  users behind that address; back-off grows as failures go on.
"""

from __future__ import annotations

import datetime as dt
import time
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
from fastapi.testclient import TestClient

from hotspotwatch.web import create_app
from hotspotwatch.workflows import audit as audit_wf
from hotspotwatch.workflows import users as users_wf

from .conftest import PASSWORD, WebEnv


def _client(web: WebEnv, address: str) -> TestClient:
    return TestClient(create_app(web.ws), base_url="http://testserver", client=(address, 40000))


def _login(client: TestClient, user: str, password: str) -> Any:
    return client.post("/api/v1/auth/login", json={"username": user, "password": password})


def test_thirty_concurrent_wrong_logins_evaluate_at_most_five(
    web: WebEnv, monkeypatch: pytest.MonkeyPatch
) -> None:
    checked = []
    real = users_wf.authenticate

    def counting(*args: Any, **kwargs: Any) -> Any:
        checked.append(1)
        time.sleep(0.05)  # the production argon2 profile takes ~0.5 s: a wide race window
        return real(*args, **kwargs)

    monkeypatch.setattr(users_wf, "authenticate", counting)
    with _client(web, "10.0.0.7") as client, ThreadPoolExecutor(max_workers=30) as pool:
        responses = list(
            pool.map(lambda _: _login(client, "zeno", "wrong password!"), range(30))
        )
    codes = sorted(r.status_code for r in responses)
    assert len(checked) <= 5
    assert codes.count(401) == len(checked) <= 5
    assert codes.count(429) == 30 - len(checked) >= 25
    assert all(int(r.headers["retry-after"]) > 0 for r in responses if r.status_code == 429)
    failed = [e for e in audit_wf.entries(web.ws, action="auth.failed") if e["target"] == "zeno"]
    assert len(failed) == len(checked)


def test_wrong_passwords_from_one_address_lock_only_that_pair(web: WebEnv) -> None:
    with _client(web, "10.0.0.8") as attacker, _client(web, "10.0.0.9") as office:
        for _ in range(5):
            assert _login(attacker, "zeno", "wrong password!").status_code == 401
        assert _login(attacker, "zeno", PASSWORD).status_code == 429
        # the user logs in from elsewhere
        assert _login(office, "zeno", PASSWORD).status_code == 200
        # 20+ failures from one address for several users do not lock out the others there
        for user in ("ada", "paula", "spare", "nobody"):
            for _ in range(6):
                _login(attacker, user, "wrong password!")
        assert _login(attacker, "rita", PASSWORD).status_code == 200


def test_back_off_grows_with_repeated_lockouts(
    web: WebEnv, monkeypatch: pytest.MonkeyPatch
) -> None:
    now = [dt.datetime(2030, 1, 1, 12, 0)]
    monkeypatch.setattr(users_wf, "_now", lambda: now[0])
    retry = []
    with _client(web, "10.0.0.10") as c:
        for _round in range(3):
            for _ in range(5):
                assert _login(c, "zeno", "wrong password!").status_code == 401
            r = _login(c, "zeno", "wrong password!")
            assert r.status_code == 429
            retry.append(int(r.headers["retry-after"]))
            now[0] += dt.timedelta(seconds=retry[-1] + 1)
        assert retry == [900, 1800, 3600]
        # once the wait is over the right password works and is not refused
        assert _login(c, "zeno", PASSWORD).status_code == 200
