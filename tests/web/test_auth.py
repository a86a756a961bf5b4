"""Login, cookie flags, CSRF, rate limiting, revocation, expiry."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import update

from hotspotwatch.store.schema import api_tokens
from hotspotwatch.workflows import users as users_wf

from .conftest import PASSWORD, WebEnv

ACTION = {"occurred_on": "2024-05-02", "kind": "cleaning"}


def _login(web: WebEnv, user: str = "rita", password: str = PASSWORD) -> object:
    return web.client.post("/api/v1/auth/login", json={"username": user, "password": password})


def test_login_sets_httponly_strict_cookie_and_returns_bearer_token(web: WebEnv) -> None:
    r = _login(web)
    assert r.status_code == 200
    cookies = r.headers.get_list("set-cookie")
    session = next(c for c in cookies if c.startswith("hw_session="))
    assert "HttpOnly" in session and "SameSite=strict" in session.replace("Strict", "strict")
    csrf = next(c for c in cookies if c.startswith("hw_csrf="))
    assert "HttpOnly" not in csrf
    token = r.json()["token"]
    me = web.client.get("/api/v1/auth/me", headers={"Authorization": f"Bearer {token}"})
    assert me.json()["username"] == "rita" and me.json()["via"] == "bearer"
    assert "password_hash" not in r.text


def test_wrong_password_and_unknown_user_are_the_same_401(web: WebEnv) -> None:
    a = _login(web, password="wrong password!")
    b = _login(web, user="nobody")
    assert a.status_code == b.status_code == 401
    assert a.json() == b.json()


def test_login_is_rate_limited_per_user_name(web: WebEnv) -> None:
    for _ in range(5):
        assert _login(web, user="zeno", password="guess guess").status_code == 401
    r = _login(web, user="zeno")  # right password, but locked for now
    assert r.status_code == 429 and int(r.headers["retry-after"]) > 0
    assert _login(web, user="rita").status_code == 200  # other users unaffected


def test_cookie_writes_need_the_csrf_token(web: WebEnv) -> None:
    csrf = _login(web).json()["csrf_token"]  # the client keeps the cookies
    hid = web.ids["Porte de Hal"]
    url = f"/api/v1/hotspots/{hid}/actions"
    assert web.client.get("/api/v1/auth/me").json()["via"] == "cookie"
    assert web.client.post(url, json=ACTION).status_code == 403
    assert web.client.post(url, json=ACTION, headers={"X-CSRF-Token": "forged"}).status_code == 403
    cross = web.client.post(
        url, json=ACTION, headers={"X-CSRF-Token": csrf, "Origin": "https://evil.example"}
    )
    assert cross.status_code == 403
    assert web.client.post(url, json=ACTION, headers={"X-CSRF-Token": csrf}).status_code == 201
    assert (
        web.client.post(
            url, json=ACTION, headers={"X-CSRF-Token": csrf, "Origin": "http://testserver"}
        ).status_code
        == 201
    )


def test_logout_revokes_the_session(web: WebEnv) -> None:
    body = _login(web).json()
    assert (
        web.client.post(
            "/api/v1/auth/logout", headers={"X-CSRF-Token": body["csrf_token"]}
        ).status_code
        == 200
    )
    web.client.cookies.clear()
    assert (
        web.client.get(
            "/api/v1/auth/me", headers={"Authorization": f"Bearer {body['token']}"}
        ).status_code
        == 401
    )


def test_revoked_expired_and_disabled_tokens_are_refused(web: WebEnv) -> None:
    h = web.auth("regional_analyst")
    assert web.client.get("/api/v1/auth/me", headers=h).status_code == 200
    users_wf.revoke_user_tokens(web.ws, "rita")
    assert web.client.get("/api/v1/auth/me", headers=h).status_code == 401
    user = users_wf.get_user(web.ws, "spare")
    assert user is not None
    issued = users_wf.issue_token(web.ws, user, kind="api", ttl=dt.timedelta(days=1))
    hs = {"Authorization": f"Bearer {issued.token}"}
    assert web.client.get("/api/v1/auth/me", headers=hs).status_code == 200
    with web.ws.engine.begin() as conn:
        conn.execute(
            update(api_tokens)
            .where(api_tokens.c.token_id == issued.token_id)
            .values(expires_at=dt.datetime(2000, 1, 1))
        )
    assert web.client.get("/api/v1/auth/me", headers=hs).status_code == 401
    zeno = web.auth("zone_analyst")
    users_wf.set_active(web.ws, "zeno", False)
    assert web.client.get("/api/v1/auth/me", headers=zeno).status_code == 401
    assert _login(web, user="zeno").status_code == 401


def test_own_script_tokens_can_be_created_listed_and_revoked(web: WebEnv) -> None:
    h = web.auth("partner")
    made = web.client.post(
        "/api/v1/auth/tokens", headers=h, json={"label": "nightly", "days": 7}
    ).json()
    mine = web.client.get("/api/v1/auth/tokens", headers=h).json()
    assert made["token_id"] in {t["token_id"] for t in mine}
    assert all("token" not in t for t in mine)
    other = web.client.get("/api/v1/auth/tokens", headers=web.auth("regional_analyst")).json()
    assert made["token_id"] not in {t["token_id"] for t in other}
    assert (
        web.client.delete(
            f"/api/v1/auth/tokens/{made['token_id']}", headers=web.auth("regional_analyst")
        ).status_code
        == 404
    )
    assert (
        web.client.delete(f"/api/v1/auth/tokens/{made['token_id']}", headers=h).status_code == 200
    )
    assert (
        web.client.get(
            "/api/v1/auth/me", headers={"Authorization": f"Bearer {made['token']}"}
        ).status_code
        == 401
    )


def test_passwords_are_stored_as_argon2id(web: WebEnv) -> None:
    from sqlalchemy import select

    from hotspotwatch.store.schema import users

    with web.ws.engine.connect() as conn:
        hashes = [r[0] for r in conn.execute(select(users.c.password_hash))]
    assert hashes and all(h.startswith("$argon2id$") for h in hashes)
    assert all(PASSWORD not in h for h in hashes)
