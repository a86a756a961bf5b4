"""Users, API/session tokens and login attempts: the SQL behind :mod:`hotspotwatch.workflows.users`.

Every function takes the store's engine and runs in its own transaction; rows come back as
plain dicts (column name -> value). Hashing, validation and roles stay in the workflow.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import Engine, delete, func, insert, select, update

from hotspotwatch.store.schema import api_tokens, login_attempts, users


def insert_user(
    engine: Engine,
    *,
    username: str,
    password_hash: str,
    role: str,
    zones: str,
    hotspots: str,
    created_at: dt.datetime,
) -> None:
    """Insert an active user (``zones``/``hotspots`` are JSON lists)."""
    with engine.begin() as conn:
        conn.execute(
            insert(users).values(
                username=username,
                password_hash=password_hash,
                role=role,
                zones=zones,
                hotspots=hotspots,
                active=True,
                created_at=created_at,
            )
        )


def user_row(engine: Engine, username: str) -> dict[str, Any] | None:
    """The ``users`` row of ``username`` (password hash included) or ``None``."""
    with engine.connect() as conn:
        row = conn.execute(select(users).where(users.c.username == username)).first()
    return dict(row._mapping) if row is not None else None


def user_rows(engine: Engine) -> list[dict[str, Any]]:
    """Every ``users`` row, by name."""
    with engine.connect() as conn:
        return [dict(r._mapping) for r in conn.execute(select(users).order_by(users.c.username))]


def set_password_hash(
    engine: Engine, password_hash: str, *, username: str | None = None, user_id: int | None = None
) -> None:
    """Replace the password hash of the user with this name (or id)."""
    cond = users.c.username == username if user_id is None else users.c.user_id == user_id
    with engine.begin() as conn:
        conn.execute(update(users).where(cond).values(password_hash=password_hash))


def set_active(engine: Engine, username: str, active: bool) -> None:
    """Enable or disable a user."""
    with engine.begin() as conn:
        conn.execute(update(users).where(users.c.username == username).values(active=active))


def insert_token(
    engine: Engine,
    *,
    user_id: int,
    token_hash: str,
    kind: str,
    csrf_token: str | None,
    label: str | None,
    created_at: dt.datetime,
    expires_at: dt.datetime | None,
) -> int:
    """Store a token's digest; return its id."""
    with engine.begin() as conn:
        res = conn.execute(
            insert(api_tokens).values(
                user_id=user_id,
                token_hash=token_hash,
                kind=kind,
                csrf_token=csrf_token,
                label=label,
                created_at=created_at,
                expires_at=expires_at,
                revoked_at=None,
            )
        )
        pk = res.inserted_primary_key
        assert pk is not None
    return int(pk[0])


def token_row(engine: Engine, token_hash: str) -> dict[str, Any] | None:
    """The user's row joined with the token (``token_id, kind, csrf_token, expires_at,
    revoked_at``) stored under ``token_hash``, or ``None``."""
    stmt = (
        select(
            users,
            api_tokens.c.token_id,
            api_tokens.c.kind,
            api_tokens.c.csrf_token,
            api_tokens.c.expires_at,
            api_tokens.c.revoked_at,
        )
        .join(api_tokens, api_tokens.c.user_id == users.c.user_id)
        .where(api_tokens.c.token_hash == token_hash)
    )
    with engine.connect() as conn:
        row = conn.execute(stmt).first()
    return dict(row._mapping) if row is not None else None


def revoke_token(
    engine: Engine, token_id: int, *, now: dt.datetime, username: str | None = None
) -> bool:
    """Revoke a live token (only one of ``username``'s when given); return whether it was."""
    stmt = update(api_tokens).where(
        api_tokens.c.token_id == token_id, api_tokens.c.revoked_at.is_(None)
    )
    if username is not None:
        stmt = stmt.where(
            api_tokens.c.user_id
            == select(users.c.user_id).where(users.c.username == username).scalar_subquery()
        )
    with engine.begin() as conn:
        return bool(conn.execute(stmt.values(revoked_at=now)).rowcount)


def revoke_user_tokens(engine: Engine, user_id: int, *, now: dt.datetime) -> int:
    """Revoke every live token of the user; return how many."""
    with engine.begin() as conn:
        res = conn.execute(
            update(api_tokens)
            .where(api_tokens.c.user_id == user_id, api_tokens.c.revoked_at.is_(None))
            .values(revoked_at=now)
        )
    return int(res.rowcount)


def token_rows(engine: Engine, username: str | None = None) -> list[dict[str, Any]]:
    """Tokens (``token_id, username, kind, label, created_at, expires_at, revoked_at``;
    never their digests), newest first."""
    stmt = (
        select(
            api_tokens.c.token_id,
            users.c.username,
            api_tokens.c.kind,
            api_tokens.c.label,
            api_tokens.c.created_at,
            api_tokens.c.expires_at,
            api_tokens.c.revoked_at,
        )
        .join(users, users.c.user_id == api_tokens.c.user_id)
        .order_by(api_tokens.c.token_id.desc())
    )
    if username is not None:
        stmt = stmt.where(users.c.username == username)
    with engine.connect() as conn:
        return [dict(r._mapping) for r in conn.execute(stmt)]


def insert_login_attempt(
    engine: Engine, *, username: str, client: str | None, at: dt.datetime, success: bool
) -> None:
    """Remember one login attempt."""
    with engine.begin() as conn:
        conn.execute(
            insert(login_attempts).values(username=username, client=client, at=at, success=success)
        )


def begin_login_attempt(
    engine: Engine, *, username: str, client: str | None, at: dt.datetime
) -> int:
    """Insert an attempt counted as failed until :func:`finish_login_attempt`; its id.

    Inserted (and committed) *before* the password is checked and before the attempts
    are counted: of N concurrent attempts, the i-th to commit counts at least i, so a
    limit of m lets at most m through (insert-then-check).
    """
    with engine.begin() as conn:
        res = conn.execute(
            insert(login_attempts).values(username=username, client=client, at=at, success=False)
        )
        key = res.inserted_primary_key
        assert key is not None
        return int(key[0])


def finish_login_attempt(engine: Engine, attempt_id: int, *, success: bool | None) -> None:
    """Mark an attempt as succeeded/failed, or drop it (``None``: it was never evaluated)."""
    with engine.begin() as conn:
        if success is None:
            conn.execute(delete(login_attempts).where(login_attempts.c.attempt_id == attempt_id))
        else:
            conn.execute(
                update(login_attempts)
                .where(login_attempts.c.attempt_id == attempt_id)
                .values(success=success)
            )


def count_failed_pair(
    engine: Engine, *, username: str, client: str | None, since: dt.datetime
) -> int:
    """Failed (or not yet finished) attempts since ``since`` for this user name from this
    client address."""
    cond = login_attempts.c.client.is_(None) if client is None else login_attempts.c.client == client
    with engine.connect() as conn:
        n = conn.execute(
            select(func.count()).where(
                login_attempts.c.username == username,
                cond,
                login_attempts.c.at >= since,
                login_attempts.c.success.is_(False),
            )
        ).scalar()
    return int(n or 0)


def count_failed_logins(
    engine: Engine, *, username: str, client: str | None, since: dt.datetime
) -> tuple[int, int]:
    """Failed attempts since ``since`` for this user name and for this client address."""
    with engine.connect() as conn:
        by_user = conn.execute(
            select(func.count()).where(
                login_attempts.c.username == username,
                login_attempts.c.at >= since,
                login_attempts.c.success.is_(False),
            )
        ).scalar()
        by_client: int | None = 0
        if client is not None:
            by_client = conn.execute(
                select(func.count()).where(
                    login_attempts.c.client == client,
                    login_attempts.c.at >= since,
                    login_attempts.c.success.is_(False),
                )
            ).scalar()
    return int(by_user or 0), int(by_client or 0)
