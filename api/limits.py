"""Request body size and time limits, and the per-client rate budgets."""

from __future__ import annotations

import asyncio
import json
import math
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from interviewer import Settings


class _TooLarge(BaseException):
    """A BaseException so that body parsing (which turns any Exception into a 400) lets it through to us."""


class _Stalled(BaseException):
    """The client stopped sending its body; a BaseException for the same reason as _TooLarge."""


class BodyLimitMiddleware:
    """413 for bodies over the limit, whether announced by Content-Length or only found while reading; 408 when
    the next piece of a body takes longer than ``timeout`` seconds to arrive.

    The timeout applies only while the body is incomplete: afterwards ``receive`` waits for the client to
    disconnect (a streamed response listens for that), which may rightly take as long as the stream lasts.
    """

    def __init__(self, app: ASGIApp, max_bytes: int, timeout: float | None = None) -> None:
        self.app = app
        self.max_bytes = max_bytes
        self.timeout = timeout

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = dict(scope.get("headers") or []).get(b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > self.max_bytes:
            await self._refuse(send, 413, self._too_large(int(declared)))
            return
        seen = 0
        body_done = False
        started = False

        async def guarded_receive() -> Message:
            nonlocal seen, body_done
            if body_done or self.timeout is None:
                message = await receive()
            else:
                try:
                    message = await asyncio.wait_for(receive(), self.timeout)
                except TimeoutError:
                    raise _Stalled from None
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                body_done = not message.get("more_body", False)
                if seen > self.max_bytes:
                    raise _TooLarge
            return message

        async def tracking_send(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, guarded_receive, tracking_send)
        except _TooLarge:
            if not started:
                await self._refuse(send, 413, self._too_large(seen))
        except _Stalled:
            if not started:
                await self._refuse(
                    send, 408, f"the request body stalled: nothing arrived for {self.timeout:g} s; send it again"
                )

    def _too_large(self, size: int) -> str:
        return f"the request body is over {self.max_bytes} bytes ({size} read); send less"

    async def _refuse(self, send: Send, status: int, detail: str) -> None:
        body = json.dumps({"detail": detail}).encode()
        headers = [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]
        if status == 408:
            # The rest of the body may still come; the connection cannot be reused.
            headers.append((b"connection", b"close"))
        await send({"type": "http.response.start", "status": status, "headers": headers})
        await send({"type": "http.response.body", "body": body})


@dataclass
class _Bucket:
    tokens: float
    stamp: float


class RateLimiter:
    """Token buckets per client key: ``burst`` requests at once, refilled at ``per_minute``.

    In memory and per process: behind N replicas a client gets up to N times the rate, which is the
    trade for not putting a shared store on the grading path.
    """

    MAX_CLIENTS = 50_000

    def __init__(self, per_minute: int, burst: int, clock: Callable[[], float] = time.monotonic) -> None:
        self.rate = per_minute / 60.0
        self.burst = float(burst)
        self.clock = clock
        self._buckets: dict[str, _Bucket] = {}
        self._lock = threading.Lock()

    @property
    def enabled(self) -> bool:
        return self.rate > 0

    def acquire(self, key: str) -> float:
        """Take one token; returns 0 when allowed, else the seconds until a token is free."""
        if not self.enabled:
            return 0.0
        now = self.clock()
        with self._lock:
            b = self._buckets.get(key)
            if b is None:
                if len(self._buckets) >= self.MAX_CLIENTS:
                    self._forget_idle(now)
                b = self._buckets[key] = _Bucket(self.burst, now)
            b.tokens = min(self.burst, b.tokens + (now - b.stamp) * self.rate)
            b.stamp = now
            if b.tokens >= 1.0:
                b.tokens -= 1.0
                return 0.0
            return (1.0 - b.tokens) / self.rate

    def _forget_idle(self, now: float) -> None:
        # A bucket that would be full again carries no state worth keeping.
        full_after = self.burst / self.rate
        for k in [k for k, b in self._buckets.items() if now - b.stamp >= full_after]:
            del self._buckets[k]
        if len(self._buckets) >= self.MAX_CLIENTS:
            self._buckets.clear()


def retry_after_header(wait: float) -> str:
    return str(max(1, math.ceil(wait)))


# What each budget covers, as the 429 says it.
BUDGETS: dict[str, str] = {
    "answers": "graded answers",
    "sessions": "new sessions",
    "search": "searches",
    "batch": "batch requests",
}


def rate_budgets(settings: Settings) -> dict[str, RateLimiter]:
    """One limiter per budget; ``rate_limit_per_minute = 0`` turns them all off (tests, trusted deployments)."""
    if settings.rate_limit_per_minute == 0:
        return {name: RateLimiter(0, 1) for name in BUDGETS}
    return {
        "answers": RateLimiter(settings.rate_limit_per_minute, settings.rate_limit_burst),
        "sessions": RateLimiter(settings.session_rate_per_minute, settings.session_rate_burst),
        "search": RateLimiter(settings.search_rate_per_minute, settings.search_rate_burst),
        "batch": RateLimiter(settings.batch_rate_per_minute, settings.batch_rate_burst),
    }
