"""Login, logout, tokens, users and the audit log."""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from fastapi import APIRouter, Depends, HTTPException, Path, Query, Request, Response
from pydantic import BaseModel, Field

from hotspotwatch.web.auth import (
    CSRF_COOKIE,
    SESSION_COOKIE,
    Principal,
    audit,
    client_of,
    require,
    workspace,
)
from hotspotwatch.web.policy import allowed
from hotspotwatch.workflows import audit as audit_wf
from hotspotwatch.workflows import users as users_wf

router = APIRouter()


class LoginIn(BaseModel):
    """Credentials."""

    username: str = Field(min_length=1, max_length=100)
    password: str = Field(min_length=1, max_length=1000)


class TokenIn(BaseModel):
    """A script token request."""

    label: str = Field(default="script", min_length=1, max_length=200)
    days: int = Field(default=90, ge=1, le=365)


class UserIn(BaseModel):
    """A new user."""

    username: str = Field(min_length=1, max_length=100)
    password: str = Field(min_length=1, max_length=1000)
    role: Literal["admin", "regional_analyst", "zone_analyst", "partner"]
    zones: list[str] = Field(default_factory=list, max_length=50)
    hotspots: list[str] = Field(default_factory=list, max_length=200)


def _limits(request: Request) -> tuple[int, int | None, dt.timedelta]:
    web = request.app.state.workspace.config.web
    per_client = web.get("login_max_failures_per_client")
    return (
        int(web.get("login_max_failures", 5)),
        int(per_client) if per_client is not None else None,
        dt.timedelta(minutes=int(web.get("login_window_minutes", 15))),
    )


@router.post("/auth/login", tags=["auth"])
def login(body: LoginIn, request: Request, response: Response) -> dict[str, Any]:
    """Log in: sets the session cookie and returns a token for ``Authorization: Bearer``.

    Attempts are throttled per (user name, client address), counted before the password is
    checked: after too many failures within the window (which doubles as failures go on),
    further attempts get 429 with ``Retry-After`` without the password being checked.
    """
    ws = workspace(request)
    client = client_of(request)
    max_user, max_client, window = _limits(request)
    gate = users_wf.open_login_attempt(
        ws,
        body.username,
        client,
        max_failures=max_user,
        window=window,
        max_per_client=max_client,
    )
    if not gate.allowed:
        audit(request, None, "auth.rate_limited", target=body.username)
        raise HTTPException(
            429,
            detail="too many failed logins; wait and try again",
            headers={"Retry-After": str(gate.retry_after)},
        )
    user = users_wf.authenticate(ws, body.username, body.password)
    users_wf.close_login_attempt(ws, gate, user is not None)
    if user is None:
        audit(request, None, "auth.failed", target=body.username)
        raise HTTPException(
            401, detail="wrong user name or password", headers={"WWW-Authenticate": "Bearer"}
        )
    issued = users_wf.issue_token(ws, user, kind="session")
    secure = request.url.scheme == "https"
    max_age = int(users_wf.SESSION_TTL.total_seconds())
    response.set_cookie(
        SESSION_COOKIE,
        issued.token,
        max_age=max_age,
        httponly=True,
        samesite="strict",
        secure=secure,
        path="/",
    )
    response.set_cookie(
        CSRF_COOKIE,
        issued.csrf_token or "",
        max_age=max_age,
        httponly=False,
        samesite="strict",
        secure=secure,
        path="/",
    )
    audit(
        request,
        Principal(user.username, user.role, user.zones, user.hotspots, issued.token_id, "login"),
        "auth.login",
    )
    return {
        "token": issued.token,
        "token_type": "bearer",
        "csrf_token": issued.csrf_token,
        "expires_at": issued.expires_at.isoformat() + "Z" if issued.expires_at else None,
        "user": user.to_dict(),
    }


@router.post("/auth/logout", tags=["auth"])
def logout(
    request: Request, response: Response, principal: Principal = Depends(require("self"))
) -> dict[str, Any]:
    """Revoke the token used for this request and clear the cookies."""
    users_wf.revoke_token(workspace(request), principal.token_id)
    response.delete_cookie(SESSION_COOKIE, path="/")
    response.delete_cookie(CSRF_COOKIE, path="/")
    audit(request, principal, "auth.logout", rows=1)
    return {"status": "logged out"}


@router.get("/auth/me", tags=["auth"])
def me(principal: Principal = Depends(require("self"))) -> dict[str, Any]:
    """Who am I (user name, role, zones, assigned hotspots)."""
    return principal.to_dict()


@router.get("/auth/tokens", tags=["auth"])
def my_tokens(
    request: Request, principal: Principal = Depends(require("self"))
) -> list[dict[str, Any]]:
    """My tokens (never their values)."""
    return users_wf.list_tokens(workspace(request), principal.username)


@router.post("/auth/tokens", tags=["auth"], status_code=201)
def create_token(
    body: TokenIn, request: Request, principal: Principal = Depends(require("self"))
) -> dict[str, Any]:
    """Create a script token for myself (shown once)."""
    ws = workspace(request)
    user = users_wf.get_user(ws, principal.username)
    assert user is not None
    issued = users_wf.issue_token(
        ws, user, kind="api", ttl=dt.timedelta(days=body.days), label=body.label
    )
    audit(request, principal, "token.create", rows=1, detail={"token_id": issued.token_id})
    return {
        "token": issued.token,
        "token_id": issued.token_id,
        "expires_at": issued.expires_at.isoformat() + "Z" if issued.expires_at else None,
    }


@router.delete("/auth/tokens/{token_id}", tags=["auth"])
def delete_token(
    request: Request,
    token_id: int = Path(ge=1, le=2**63 - 1),  # a database integer; larger ids cannot exist
    principal: Principal = Depends(require("self")),
) -> dict[str, Any]:
    """Revoke one of my tokens."""
    if not users_wf.revoke_token(workspace(request), token_id, username=principal.username):
        raise HTTPException(404, detail=f"you have no live token {token_id}")
    audit(request, principal, "token.revoke", rows=1, detail={"token_id": token_id})
    return {"revoked": token_id}


@router.get("/users", tags=["admin"])
def list_users(
    request: Request, principal: Principal = Depends(require("users.manage"))
) -> list[dict[str, Any]]:
    """Every user (admin)."""
    return [u.to_dict() for u in users_wf.list_users(workspace(request))]


@router.post("/users", tags=["admin"], status_code=201)
def add_user(
    body: UserIn, request: Request, principal: Principal = Depends(require("users.manage"))
) -> dict[str, Any]:
    """Create a user (admin) without event access: ``admin`` or ``partner``.

    Separation of duties: whoever administers accounts must not be able to give themselves
    (through a second account) the police records. A role with event access
    (``regional_analyst``, ``zone_analyst``) is granted only on the server, with
    ``hotspotwatch user add``; the refusal here is audited (``user.add.refused``).
    """
    if allowed(body.role, "events.read"):
        audit(
            request,
            principal,
            "user.add.refused",
            target=body.username,
            detail={"user": body.username, "role": body.role, "event_access": True},
        )
        raise HTTPException(
            403,
            detail=f"the role {body.role!r} reads event-level data and is granted only on the "
            f"server: hotspotwatch user add {body.username} --role {body.role} --password-stdin",
        )
    try:
        user = users_wf.add_user(
            workspace(request),
            body.username,
            body.password,
            role=body.role,
            zones=body.zones,
            hotspots=body.hotspots,
        )
    except ValueError as exc:
        raise HTTPException(422, detail=str(exc)) from None
    audit(request, principal, "user.add", rows=1, detail={"user": user.username, "role": user.role})
    return user.to_dict()


@router.post("/users/{username}/revoke", tags=["admin"])
def revoke_user(
    username: str, request: Request, principal: Principal = Depends(require("users.manage"))
) -> dict[str, Any]:
    """Revoke every token of a user (admin)."""
    try:
        n = users_wf.revoke_user_tokens(workspace(request), username)
    except ValueError as exc:
        raise HTTPException(404, detail=str(exc)) from None
    audit(request, principal, "user.revoke", rows=n, detail={"user": username})
    return {"user": username, "revoked": n}


@router.get("/audit", tags=["admin"])
def read_audit(
    request: Request,
    principal: Principal = Depends(require("audit.read")),
    username: str | None = Query(None, max_length=100),
    action: str | None = Query(None, max_length=64),
    limit: int = Query(500, ge=1, le=10_000),
) -> list[dict[str, Any]]:
    """The newest audit entries (admin); reading the log is itself audited."""
    rows = audit_wf.entries(workspace(request), username=username, action=action, limit=limit)
    audit(request, principal, "audit.read", rows=len(rows))
    return rows
