"""What a use case refuses, by kind. The fronts map each kind to their own answer (an HTTP status, an exit code)."""

from __future__ import annotations


class ServiceError(Exception):
    """A request the service cannot carry out; ``message`` says what to do instead."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class InvalidRequest(ServiceError):
    """The request itself is wrong: an empty answer, an unknown topic, nothing to grade against."""


class TooLarge(ServiceError):
    """The request is over a size limit."""


class NotFound(ServiceError):
    """No such session or question."""


class Unauthorized(ServiceError):
    """The session token is missing or wrong."""


class Conflict(ServiceError):
    """The session is not in a state that allows the request (finished, or answered concurrently)."""


class IdempotencyMismatch(ServiceError):
    """An idempotency key was reused with a different answer."""
