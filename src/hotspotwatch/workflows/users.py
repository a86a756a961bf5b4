"""Users of the dashboard and API, their tokens and login attempts.

Passwords are hashed with argon2id (``argon2-cffi``); tokens are random 256-bit strings of
which only the SHA-256 is stored, so a copy of the database does not let anyone log in.
A *session* token (from the login form) expires after :data:`SESSION_TTL` and carries a CSRF
token for cookie-authenticated writes; an *api* token (for scripts) lives until revoked.

Roles
-----
``admin``
    manages users; sees aggregates and results.
``regional_analyst``
    everything in the region, event-level data included.
``zone_analyst``
    event-level data only inside their zone(s) (``zones``, codes of the workspace's
    zone layer, ``[workspace] zone_layer``, default ``police_zone``), aggregates elsewhere.
``partner``
    logs prevention actions for the hotspots assigned to them (``hotspots``), sees aggregates.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import re
import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

from hotspotwatch.store import users as store_users

if TYPE_CHECKING:
    from hotspotwatch.workspace import Workspace

ROLES: tuple[str, ...] = ("admin", "regional_analyst", "zone_analyst", "partner")
SESSION_TTL = dt.timedelta(hours=12)
MIN_PASSWORD_LENGTH = 10
_USERNAME = re.compile(r"^[A-Za-z0-9_.@-]{1,100}$")
_HASHER = PasswordHasher()  # argon2id, RFC 9106 low-memory profile defaults
_DUMMY: dict[str, str] = {}


def _dummy_hash() -> str:
    """A hash verified when the user does not exist, so that an unknown name costs as much
    as a wrong password (no user enumeration by timing)."""
    params = f"{_HASHER.time_cost}:{_HASHER.memory_cost}:{_HASHER.parallelism}"
    if params not in _DUMMY:
        _DUMMY[params] = _HASHER.hash("not a password of anyone")
    return _DUMMY[params]


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC).replace(tzinfo=None)


def token_digest(token: str) -> str:
    """SHA-256 hex digest under which a token is stored."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class User:
    """A dashboard user (never carries the password hash)."""

    user_id: int
    username: str
    role: str
    zones: tuple[str, ...]
    hotspots: tuple[str, ...]
    active: bool
    created_at: dt.datetime

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready view."""
        return {
            "username": self.username,
            "role": self.role,
            "zones": list(self.zones),
            "hotspots": list(self.hotspots),
            "active": self.active,
            "created_at": self.created_at.isoformat(),
        }


@dataclass(frozen=True)
class IssuedToken:
    """A freshly issued token: the only time its clear text exists."""

    token: str
    token_id: int
    kind: str
    csrf_token: str | None
    expires_at: dt.datetime | None


@dataclass(frozen=True)
class TokenInfo:
    """What a presented token resolves to."""

    token_id: int
    kind: str
    csrf_token: str | None
    expires_at: dt.datetime | None


def _user(m: Mapping[str, Any]) -> User:
    return User(
        user_id=int(m["user_id"]),
        username=str(m["username"]),
        role=str(m["role"]),
        zones=tuple(json.loads(m["zones"] or "[]")),
        hotspots=tuple(json.loads(m["hotspots"] or "[]")),
        active=bool(m["active"]),
        created_at=m["created_at"],
    )


def check_username(username: str) -> str:
    """Validate a user name (letters, digits and ``_ . @ -``, at most 100 characters)."""
    if not isinstance(username, str) or not _USERNAME.match(username):
        raise ValueError(
            f"username {username!r} is not valid; use 1-100 letters, digits or _ . @ -"
        )
    return username


def check_password(password: str) -> str:
    """Validate a new password (at least :data:`MIN_PASSWORD_LENGTH` characters)."""
    if len(password) < MIN_PASSWORD_LENGTH:
        raise ValueError(
            f"password is too short ({len(password)} characters); use at least "
            f"{MIN_PASSWORD_LENGTH}, e.g. a passphrase of four words"
        )
    return password


def _check_scope(ws: Workspace, role: str, zones: list[str], hotspot_names: list[str]) -> None:
    if role not in ROLES:
        raise ValueError(f"role {role!r} is not known; use one of {', '.join(ROLES)}")
    if role == "zone_analyst":
        if not zones:
            raise ValueError(
                "a zone_analyst needs at least one police zone; pass --zone CODE (e.g. --zone 5341)"
            )
        layer = ws.config.zone_layer
        try:
            known = set(ws.areas(layer)["code"].astype(str))
        except KeyError:
            raise ValueError(
                f"this workspace has no {layer} area layer; import the zones first "
                f"(`hotspotwatch import areas FILE --layer {layer}`)"
            ) from None
        unknown = sorted(set(zones) - known)
        if unknown:
            raise ValueError(
                f"unknown police zone(s) {unknown}; known codes: {', '.join(sorted(known))}"
            )
    elif zones:
        raise ValueError(f"--zone applies to zone_analyst only, not to {role}")
    if role == "partner":
        known_h = set(ws.hotspots()["name"].astype(str))
        unknown = sorted(set(hotspot_names) - known_h)
        if unknown:
            raise ValueError(
                f"unknown hotspot(s) {unknown}; known: {', '.join(sorted(known_h)) or 'none'}"
            )
    elif hotspot_names:
        raise ValueError(f"--hotspot applies to partner only, not to {role}")


def add_user(
    ws: Workspace,
    username: str,
    password: str,
    *,
    role: str,
    zones: list[str] | tuple[str, ...] = (),
    hotspots: list[str] | tuple[str, ...] = (),
) -> User:
    """Create a user.

    Parameters
    ----------
    ws : Workspace
        The workspace.
    username : str
        Login name.
    password : str
        Clear-text password (hashed with argon2id before storage).
    role : {"admin", "regional_analyst", "zone_analyst", "partner"}
        Role.
    zones : list of str
        Police-zone codes for a zone analyst (required for that role).
    hotspots : list of str
        Hotspot names assigned to a partner.

    Raises
    ------
    ValueError
        Bad name, short password, unknown role / zone / hotspot, or the name exists.
    """
    check_username(username)
    check_password(password)
    zones_l = [str(z) for z in zones]
    hs_l = [str(h) for h in hotspots]
    _check_scope(ws, role, zones_l, hs_l)
    if get_user(ws, username) is not None:
        raise ValueError(f"user {username!r} already exists; pick another name")
    store_users.insert_user(
        ws.engine,
        username=username,
        password_hash=_HASHER.hash(password),
        role=role,
        zones=json.dumps(sorted(set(zones_l))),
        hotspots=json.dumps(sorted(set(hs_l))),
        created_at=_now(),
    )
    user = get_user(ws, username)
    assert user is not None
    return user


def set_password(ws: Workspace, username: str, password: str) -> None:
    """Replace a user's password and revoke their tokens."""
    check_password(password)
    if get_user(ws, username) is None:
        raise ValueError(f"no user {username!r}")
    store_users.set_password_hash(ws.engine, _HASHER.hash(password), username=username)
    revoke_user_tokens(ws, username)


def set_active(ws: Workspace, username: str, active: bool) -> None:
    """Enable or disable a user (disabling also revokes every token)."""
    if get_user(ws, username) is None:
        raise ValueError(f"no user {username!r}")
    store_users.set_active(ws.engine, username, active)
    if not active:
        revoke_user_tokens(ws, username)


def get_user(ws: Workspace, username: str) -> User | None:
    """The user called ``username`` or ``None``."""
    row = store_users.user_row(ws.engine, username)
    return _user(row) if row is not None else None


def list_users(ws: Workspace) -> list[User]:
    """Every user, by name."""
    return [_user(r) for r in store_users.user_rows(ws.engine)]


def authenticate(ws: Workspace, username: str, password: str) -> User | None:
    """Return the active user if the password matches, else ``None`` (constant-ish time)."""
    row = store_users.user_row(ws.engine, username)
    stored = str(row["password_hash"]) if row is not None else _dummy_hash()
    try:
        _HASHER.verify(stored, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return None
    if row is None:
        return None
    user = _user(row)
    if not user.active:
        return None
    if _HASHER.check_needs_rehash(stored):
        store_users.set_password_hash(ws.engine, _HASHER.hash(password), user_id=user.user_id)
    return user


def issue_token(
    ws: Workspace,
    user: User,
    *,
    kind: str = "session",
    ttl: dt.timedelta | None = SESSION_TTL,
    label: str | None = None,
) -> IssuedToken:
    """Create a session (with CSRF token) or API token for ``user``."""
    if kind not in ("session", "api"):
        raise ValueError(f"token kind must be 'session' or 'api', got {kind!r}")
    token = secrets.token_urlsafe(32)
    csrf = secrets.token_urlsafe(24) if kind == "session" else None
    now = _now()
    expires = now + ttl if ttl is not None else None
    token_id = store_users.insert_token(
        ws.engine,
        user_id=user.user_id,
        token_hash=token_digest(token),
        kind=kind,
        csrf_token=csrf,
        label=label,
        created_at=now,
        expires_at=expires,
    )
    return IssuedToken(
        token=token, token_id=token_id, kind=kind, csrf_token=csrf, expires_at=expires
    )


def resolve_token(ws: Workspace, token: str) -> tuple[User, TokenInfo] | None:
    """The active user and token behind ``token``; ``None`` if unknown, expired or revoked."""
    if not token or len(token) > 200:
        return None
    row = store_users.token_row(ws.engine, token_digest(token))
    if row is None:
        return None
    m = row
    if m["revoked_at"] is not None or not m["active"]:
        return None
    if m["expires_at"] is not None and m["expires_at"] <= _now():
        return None
    info = TokenInfo(
        token_id=int(m["token_id"]),
        kind=str(m["kind"]),
        csrf_token=m["csrf_token"],
        expires_at=m["expires_at"],
    )
    return _user(row), info


def revoke_token(ws: Workspace, token_id: int, *, username: str | None = None) -> bool:
    """Revoke one token (only one of ``username``'s when given); return whether it was live."""
    return store_users.revoke_token(ws.engine, token_id, now=_now(), username=username)


def revoke_user_tokens(ws: Workspace, username: str) -> int:
    """Revoke every live token of ``username``; return how many."""
    user = get_user(ws, username)
    if user is None:
        raise ValueError(f"no user {username!r}")
    return store_users.revoke_user_tokens(ws.engine, user.user_id, now=_now())


def list_tokens(ws: Workspace, username: str | None = None) -> list[dict[str, Any]]:
    """Tokens (never their values), newest first."""
    now = _now()
    out = []
    for m in store_users.token_rows(ws.engine, username):
        live = m["revoked_at"] is None and (m["expires_at"] is None or m["expires_at"] > now)
        out.append(
            {
                "token_id": m["token_id"],
                "username": m["username"],
                "kind": m["kind"],
                "label": m["label"],
                "created_at": m["created_at"].isoformat(),
                "expires_at": m["expires_at"].isoformat() if m["expires_at"] else None,
                "revoked_at": m["revoked_at"].isoformat() if m["revoked_at"] else None,
                "live": live,
            }
        )
    return out


def record_login_attempt(ws: Workspace, username: str, client: str | None, success: bool) -> None:
    """Remember one login attempt (for rate limiting)."""
    store_users.insert_login_attempt(
        ws.engine, username=username[:100], client=client, at=_now(), success=success
    )


@dataclass(frozen=True)
class LoginGate:
    """An attempt let through to the password check (``allowed``), or refused for now.

    ``attempt_id`` is the pending attempt row to close with :func:`close_login_attempt`;
    ``retry_after`` (seconds) is how long a refused caller should wait.
    """

    allowed: bool
    attempt_id: int | None
    retry_after: int


def open_login_attempt(
    ws: Workspace,
    username: str,
    client: str | None,
    *,
    max_failures: int = 5,
    window: dt.timedelta = dt.timedelta(minutes=15),
    max_per_client: int | None = None,
) -> LoginGate:
    """Count a login attempt atomically *before* the password is checked.

    The throttle is per (user name, client address), so that wrong passwords from one
    address neither lock the user out everywhere nor lock out the other users behind that
    address (a shared NAT). The attempt is inserted first, then the failed and pending
    attempts of the pair are counted (insert-then-check): of N concurrent attempts at most
    ``max_failures`` are evaluated. Progressive back-off: the lookback window doubles for
    every ``max_failures`` further failures of the pair within a day (15 min, 30 min, 1 h
    ... at most 24 h). A refused attempt is dropped (it does not extend the lock).
    ``max_per_client`` (off by default) also limits failures from one address over all
    user names.
    """
    name = username[:100]
    now = _now()
    attempt = store_users.begin_login_attempt(ws.engine, username=name, client=client, at=now)
    day = store_users.count_failed_pair(
        ws.engine, username=name, client=client, since=now - dt.timedelta(days=1)
    )
    level = max(0, (day - 1) // max_failures - 1)
    lookback = min(window * (2 ** min(level, 10)), dt.timedelta(days=1))
    n = store_users.count_failed_pair(ws.engine, username=name, client=client, since=now - lookback)
    refused = n > max_failures
    if not refused and max_per_client is not None and client is not None:
        _, by_client = store_users.count_failed_logins(
            ws.engine, username=name, client=client, since=now - window
        )
        refused = by_client > max_per_client
    if refused:
        store_users.finish_login_attempt(ws.engine, attempt, success=None)
        return LoginGate(False, None, int(lookback.total_seconds()))
    return LoginGate(True, attempt, 0)


def close_login_attempt(ws: Workspace, gate: LoginGate, success: bool) -> None:
    """Record the outcome of an attempt :func:`open_login_attempt` let through."""
    if gate.attempt_id is not None:
        store_users.finish_login_attempt(ws.engine, gate.attempt_id, success=success)


def failed_logins(
    ws: Workspace, *, username: str, client: str | None, window: dt.timedelta
) -> tuple[int, int]:
    """Failed attempts within ``window`` for this user name and for this client address."""
    return store_users.count_failed_logins(
        ws.engine, username=username[:100], client=client, since=_now() - window
    )


__all__ = [
    "ROLES",
    "SESSION_TTL",
    "IssuedToken",
    "LoginGate",
    "TokenInfo",
    "User",
    "add_user",
    "authenticate",
    "close_login_attempt",
    "failed_logins",
    "get_user",
    "issue_token",
    "list_tokens",
    "list_users",
    "open_login_attempt",
    "record_login_attempt",
    "resolve_token",
    "revoke_token",
    "revoke_user_tokens",
    "set_active",
    "set_password",
]
