"""The HTTP status of each kind of refusal a use case raises, and of a request body that is not JSON."""

from __future__ import annotations

import email.message
from collections.abc import Sequence
from typing import Any

from fastapi import Request
from fastapi.responses import JSONResponse

from interviewer.service import (
    Conflict,
    IdempotencyMismatch,
    InvalidRequest,
    NotFound,
    ServiceError,
    TooLarge,
    Unauthorized,
)

STATUS: dict[type[ServiceError], int] = {
    InvalidRequest: 400,
    Unauthorized: 401,
    NotFound: 404,
    Conflict: 409,
    TooLarge: 413,
    IdempotencyMismatch: 422,
}


def status_of(error: ServiceError) -> int:
    for kind in type(error).__mro__:
        if kind in STATUS:
            return STATUS[kind]
    return 400


async def service_error(_: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, ServiceError)
    return JSONResponse(status_code=status_of(exc), content={"detail": exc.message})


def is_json(content_type: str | None) -> bool:
    """Whether FastAPI parses a body of this media type as JSON: application/json or application/*+json."""
    if not content_type:
        return False
    message = email.message.Message()
    message["content-type"] = content_type
    subtype = message.get_content_subtype()
    return message.get_content_maintype() == "application" and (subtype == "json" or subtype.endswith("+json"))


def not_json(request: Request, errors: Sequence[Any]) -> JSONResponse | None:
    """A 415 naming the header when a JSON body was refused for being sent as something else.

    FastAPI leaves a body of another media type unparsed (``curl -d`` sends application/x-www-form-urlencoded),
    and pydantic then says only that the input is not a dictionary.
    """
    content_type = request.headers.get("content-type")
    whole_body = any(tuple(e.get("loc", ())) == ("body",) for e in errors)
    if not whole_body or is_json(content_type):
        return None
    sent = f"this request's is {content_type.split(';')[0].strip()!r}" if content_type else "this request has none"
    return JSONResponse(
        status_code=415,
        content={"detail": f"send the body as JSON with the header `Content-Type: application/json` ({sent})"},
    )
