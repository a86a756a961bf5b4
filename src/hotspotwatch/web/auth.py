"""Authentication (session cookie or Bearer token), CSRF check, authorisation dependencies.

- A session cookie (``hw_session``: HttpOnly, SameSite=Strict, Secure on HTTPS) or an
  ``Authorization: Bearer`` token identifies the user; tokens are looked up by SHA-256.
- Writes authenticated by the cookie must carry ``X-CSRF-Token`` equal to the session's CSRF
  token (given at login and in the readable ``hw_csrf`` cookie), and a cross-site ``Origin``
  is refused. Bearer-authenticated requests need no CSRF token: a browser never adds the
  header by itself.
- No credentials on a protected route: 401 with ``WWW-Authenticate: Bearer``. Credentials
  that lack the capability: 403 (and the refusal is audited).
"""

from __future__ import annotations

import hmac
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from fastapi import Depends, HTTPException, Request
from fastapi.security import APIKeyCookie, HTTPAuthorizationCredentials, HTTPBearer

from hotspotwatch.web.policy import allowed
from hotspotwatch.workflows import audit as audit_wf
from hotspotwatch.workflows import users as users_wf

if TYPE_CHECKING:
    from hotspotwatch.workspace import Workspace

SESSION_COOKIE = "hw_session"
CSRF_COOKIE = "hw_csrf"
CSRF_HEADER = "X-CSRF-Token"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})

bearer_scheme = HTTPBearer(auto_error=False, description="Token from POST /api/v1/auth/login")
cookie_scheme = APIKeyCookie(name=SESSION_COOKIE, auto_error=False, description="Session cookie")


@dataclass(frozen=True)
class Principal:
    """The authenticated caller."""

    username: str
    role: str
    zones: tuple[str, ...]
    hotspots: tuple[str, ...]
    token_id: int
    via: str  # "cookie" | "bearer"

    def to_dict(self) -> dict[str, Any]:
        """JSON view for ``/auth/me``."""
        return {
            "username": self.username,
            "role": self.role,
            "zones": list(self.zones),
            "hotspots": list(self.hotspots),
            "via": self.via,
        }


def workspace(request: Request) -> Workspace:
    """The app's workspace."""
    ws: Workspace = request.app.state.workspace
    return ws


def client_of(request: Request) -> str | None:
    """Caller address: the TCP peer.

    ``hotspotwatch serve`` runs uvicorn with ``proxy_headers=False`` unless ``[web]
    trusted_proxies`` is set (:func:`hotspotwatch.cli.serve.uvicorn_options`), so a forged
    ``X-Forwarded-For`` changes neither the audit log nor the login throttle; behind a
    configured proxy, the address that proxy forwarded.
    """
    return request.client.host if request.client else None


def _check_csrf(request: Request, expected: str | None) -> None:
    origin = request.headers.get("origin")
    if origin and origin != "null":
        host = request.headers.get("host", "")
        if urlsplit(origin).netloc != host:
            raise HTTPException(403, detail="cross-site request refused (Origin does not match)")
    sent = request.headers.get(CSRF_HEADER, "")
    if not expected or not sent or not hmac.compare_digest(sent, expected):
        raise HTTPException(
            403,
            detail=f"missing or wrong CSRF token: send the {CSRF_HEADER} header "
            f"(value of the {CSRF_COOKIE} cookie) with cookie-authenticated writes",
        )


def optional_principal(
    request: Request,
    bearer: HTTPAuthorizationCredentials | None = Depends(bearer_scheme),
    cookie: str | None = Depends(cookie_scheme),
) -> Principal | None:
    """The caller if authenticated, else ``None``; invalid credentials are a 401."""
    token: str | None
    if bearer is not None:
        token, via = bearer.credentials, "bearer"
    elif cookie:
        token, via = cookie, "cookie"
    else:
        return None
    resolved = users_wf.resolve_token(workspace(request), token)
    if resolved is None:
        raise HTTPException(
            401,
            detail="token unknown, expired or revoked; log in again",
            headers={"WWW-Authenticate": "Bearer"},
        )
    user, info = resolved
    if via == "cookie" and request.method not in SAFE_METHODS:
        _check_csrf(request, info.csrf_token)
    return Principal(
        username=user.username,
        role=user.role,
        zones=user.zones,
        hotspots=user.hotspots,
        token_id=info.token_id,
        via=via,
    )


def require(capability: str) -> Callable[..., Principal]:
    """Dependency: an authenticated caller holding ``capability`` (401 / 403 otherwise)."""

    def dependency(
        request: Request, principal: Principal | None = Depends(optional_principal)
    ) -> Principal:
        if principal is None:
            raise HTTPException(401, detail="log in first", headers={"WWW-Authenticate": "Bearer"})
        if not allowed(principal.role, capability):
            audit_wf.append(
                workspace(request),
                action="access.denied",
                username=principal.username,
                role=principal.role,
                target=f"{request.method} {request.url.path}",
                detail={"capability": capability},
                client=client_of(request),
            )
            raise HTTPException(
                403, detail=f"the role {principal.role!r} may not do this ({capability})"
            )
        return principal

    dependency.__name__ = f"require_{capability.replace('.', '_')}"
    return dependency


def audit(
    request: Request,
    principal: Principal | None,
    action: str,
    *,
    rows: int = 0,
    target: str | None = None,
    detail: dict[str, Any] | None = None,
) -> None:
    """Append an audit entry for this request."""
    audit_wf.append(
        workspace(request),
        action=action,
        username=principal.username if principal else None,
        role=principal.role if principal else None,
        target=target or f"{request.method} {request.url.path}",
        rows=rows,
        detail=detail,
        client=client_of(request),
    )
