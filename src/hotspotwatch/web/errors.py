"""The API's error bodies, as documented in its OpenAPI schema.

Every error is ``{"detail": ...}``: a sentence (401, 403, 404, 413, 429, and 422 raised by a
route on a value it cannot use), or for request validation a list of
``{"type", "loc", "msg"}`` items (the rejected input is never echoed back).
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel


class ValidationItem(BaseModel):
    """One request-validation problem."""

    type: str
    loc: list[str | int]
    msg: str


class ErrorBody(BaseModel):
    """An error: a sentence, or the list of validation problems (422)."""

    detail: str | list[ValidationItem]


def _e(description: str) -> dict[str, Any]:
    return {"model": ErrorBody, "description": description}


ERROR_RESPONSES: dict[int | str, dict[str, Any]] = {
    401: _e("not logged in, or the token is unknown, expired or revoked"),
    403: _e("the role may not do this (or a missing CSRF token on a cookie write)"),
    404: _e("no such resource"),
    413: _e("request body over the limit (64 KB)"),
    422: _e("a parameter or the body cannot be used"),
    429: _e("too many requests; see Retry-After"),
}
"""Error responses documented on every API route."""

__all__ = ["ERROR_RESPONSES", "ErrorBody", "ValidationItem"]
