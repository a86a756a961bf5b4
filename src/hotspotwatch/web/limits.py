"""Per-user rate limit on expensive routes and the request-body limit.

- :class:`RateLimiter`: a token bucket per user name (``burst`` requests at once, refilled
  at ``per_minute``); routes that read or count events over free parameters (``/events``,
  an event ``/grid``, the near-repeat alerts, analysis results that may be computed) depend
  on :func:`expensive`. Over the limit: 429 with ``Retry-After``. Configured with
  ``[web] expensive_per_minute`` (default 60) and ``[web] expensive_burst`` (default 30).
- :class:`BodyLimit`: an ASGI middleware refusing request bodies over ``max_bytes``
  (default 64 KiB, ``[web] max_body_kb``) with 413 before they are read into memory, except
  on the upload routes (none under ``/api/v1`` today; listed in :data:`UPLOAD_PATHS`).
"""

from __future__ import annotations

import json
import math
import threading
import time
from collections.abc import Callable, Mapping
from typing import Any

from fastapi import Depends, HTTPException, Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from hotspotwatch.web.auth import Principal, require

UPLOAD_PATHS: tuple[str, ...] = ()
"""Path prefixes allowed larger bodies (file uploads)."""
MAX_BODY_BYTES = 64 * 1024


class RateLimiter:
    """Token buckets per key (thread-safe).

    Examples
    --------
    >>> lim = RateLimiter(per_minute=60, burst=2)
    >>> [lim.take("ada", now=0.0) for _ in range(3)]
    [0.0, 0.0, 1.0]
    """

    def __init__(self, *, per_minute: float, burst: int) -> None:
        if per_minute <= 0 or burst < 1:
            raise ValueError("per_minute must be > 0 and burst >= 1")
        self.rate = per_minute / 60.0
        self.burst = float(burst)
        self._lock = threading.Lock()
        self._buckets: dict[str, tuple[float, float]] = {}

    def take(self, key: str, *, now: float | None = None) -> float:
        """Take one token for ``key``: 0 if allowed, else the seconds to wait."""
        t = time.monotonic() if now is None else now
        with self._lock:
            tokens, last = self._buckets.get(key, (self.burst, t))
            tokens = min(self.burst, tokens + (t - last) * self.rate)
            if tokens >= 1.0:
                self._buckets[key] = (tokens - 1.0, t)
                return 0.0
            self._buckets[key] = (tokens, t)
            if len(self._buckets) > 10_000:  # forget idle users
                self._buckets = {k: v for k, v in self._buckets.items() if t - v[1] < 3600}
            return (1.0 - tokens) / self.rate


def limiter_for(web: Mapping[str, Any]) -> RateLimiter:
    """The expensive-route limiter from a ``[web]`` table."""
    return RateLimiter(
        per_minute=float(web.get("expensive_per_minute", 60)),
        burst=int(web.get("expensive_burst", 30)),
    )


def expensive(capability: str) -> Callable[..., Principal]:
    """Dependency: ``require(capability)`` plus the per-user limit of expensive routes."""

    def dependency(request: Request, principal: Principal = Depends(require(capability))) -> Principal:
        limiter: RateLimiter = request.app.state.limiter
        wait = limiter.take(principal.username)
        if wait > 0:
            raise HTTPException(
                429,
                detail="too many expensive requests; wait and try again",
                headers={"Retry-After": str(max(1, math.ceil(wait)))},
            )
        return principal

    dependency.__name__ = f"expensive_{capability.replace('.', '_')}"
    return dependency


class BodyLimit:
    """Pure ASGI middleware: 413 for request bodies over ``max_bytes`` (not upload routes).

    ``Content-Length`` over the limit is refused at once; a chunked body is counted as it
    arrives and refused as soon as it passes the limit, so it is never held whole.
    """

    def __init__(self, app: ASGIApp, max_bytes: int = MAX_BODY_BYTES) -> None:
        self.app = app
        self.max_bytes = int(max_bytes)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        path = str(scope.get("path", ""))
        if scope["type"] != "http" or any(path.startswith(p) for p in UPLOAD_PATHS):
            await self.app(scope, receive, send)
            return
        for name, value in scope.get("headers", []):
            if name == b"content-length":
                try:
                    too_big = int(value) > self.max_bytes
                except ValueError:
                    too_big = True
                if too_big:
                    await self._refuse(send)
                    return
        seen = 0
        limit = self.max_bytes

        async def counting_receive() -> Message:
            nonlocal seen
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > limit:  # an HTTPException: FastAPI answers it with a 413
                    raise HTTPException(413, detail=f"request body over {limit // 1024} KB")
            return message

        await self.app(scope, counting_receive, send)

    async def _refuse(self, send: Send) -> None:
        body = json.dumps(
            {"detail": f"request body over {self.max_bytes // 1024} KB"}
        ).encode()
        await send(
            {
                "type": "http.response.start",
                "status": 413,
                "headers": [
                    (b"content-type", b"application/json"),
                    (b"content-length", str(len(body)).encode()),
                ],
            }
        )
        await send({"type": "http.response.body", "body": body})


__all__ = ["MAX_BODY_BYTES", "UPLOAD_PATHS", "BodyLimit", "RateLimiter", "expensive", "limiter_for"]
