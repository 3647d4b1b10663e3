"""How uvicorn serves the app: connection timeouts, no forwarded headers of its own, our access log.

uvicorn closes an idle kept-alive connection but never one that sends its headers slowly: 1,000 connections
that each sent half a request line stayed open indefinitely, each holding a socket and a parser. The protocol
below gives every request ``header_timeout`` seconds from its first byte (or from the connection's opening) to
complete its headers. Bodies are timed in the app (api/limits.py), where a 408 can still be sent.
"""

from __future__ import annotations

import asyncio
import math
from typing import Any

import h11
import uvicorn
from uvicorn.protocols.http.h11_impl import H11Protocol

from interviewer import Settings


class HeaderTimeoutProtocol(H11Protocol):
    """uvicorn's h11 protocol, closing connections whose request headers do not complete in time."""

    header_timeout: float = 10.0

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._header_timer: asyncio.TimerHandle | None = None
        # uvicorn makes a protocol for each connection as it is accepted: its clock starts here.
        self._arm()

    def data_received(self, data: bytes) -> None:
        if self.conn.their_state is h11.IDLE:
            self._arm()  # the first bytes of a request on a kept-alive connection start its clock
        super().data_received(data)
        if self.conn.their_state is not h11.IDLE:
            self._disarm()  # the headers are in

    def connection_lost(self, exc: Exception | None) -> None:
        self._disarm()
        super().connection_lost(exc)

    def _arm(self) -> None:
        if self._header_timer is None:
            self._header_timer = self.loop.call_later(self.header_timeout, self._expire)

    def _disarm(self) -> None:
        if self._header_timer is not None:
            self._header_timer.cancel()
            self._header_timer = None

    def _expire(self) -> None:
        self._header_timer = None
        transport = self.transport  # None until connection_made
        if transport is not None and self.conn.their_state is h11.IDLE and not transport.is_closing():
            self.logger.info("closing a connection whose request headers took over %.0f s", self.header_timeout)
            transport.close()


def header_timeout_protocol(seconds: float) -> type[HeaderTimeoutProtocol]:
    """The protocol class with its timeout: uvicorn builds protocols from a class, not an instance."""
    return type("HeaderTimeoutProtocol", (HeaderTimeoutProtocol,), {"header_timeout": seconds})


def uvicorn_config(app: Any, settings: Settings, host: str | None = None, port: int | None = None) -> uvicorn.Config:
    # log_config=None: uvicorn's loggers go through the app's handler (JSON lines with the request id); the app
    # writes its own access line, so uvicorn's is off. proxy_headers=False: uvicorn would otherwise believe
    # X-Forwarded-For from any 127.0.0.1 peer; the app decides whom to believe (INTERVIEWER_TRUSTED_PROXIES).
    return uvicorn.Config(
        app,
        host=host or settings.host,
        port=port if port is not None else settings.port,
        log_config=None,
        access_log=False,
        proxy_headers=False,
        http=header_timeout_protocol(settings.header_timeout_seconds),
        timeout_keep_alive=math.ceil(settings.keep_alive_seconds),
    )
