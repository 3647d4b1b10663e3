"""The HTTP status of each kind of refusal a use case raises."""

from __future__ import annotations

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
