"""The server as `interviewer serve` runs it: stalled connections are closed, healthy ones are not."""

from __future__ import annotations

import socket
import time
from pathlib import Path

import pytest

from api.main import create_app
from interviewer import Settings
from servers import serve_in_thread


@pytest.fixture
def served(corpus, tmp_path: Path):
    settings = Settings(
        data_dir=tmp_path / "svc", header_timeout_seconds=0.5, body_timeout_seconds=0.5, log_level="ERROR"
    )
    with serve_in_thread(create_app(settings, corpus=corpus), name="timeouts-uvicorn", settings=settings) as url:
        host, port = url.removeprefix("http://").split(":")
        yield host, int(port)


def _connect(address: tuple[str, int]) -> socket.socket:
    s = socket.create_connection(address, timeout=15)
    return s


def _read_until_closed(s: socket.socket) -> bytes:
    """Everything the server sends until it closes the connection (a timeout here fails the test)."""
    data = b""
    while chunk := s.recv(65536):
        data += chunk
    return data


def test_connections_stalled_in_their_headers_are_closed(served) -> None:
    stalled = [_connect(served) for _ in range(50)]
    for i, s in enumerate(stalled):
        s.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\n" if i % 2 else b"")  # half a request, or nothing
    try:
        assert all(_read_until_closed(s) == b"" for s in stalled)
    finally:
        for s in stalled:
            s.close()


def test_a_kept_alive_connection_outlives_the_header_timeout_while_idle(served) -> None:
    with _connect(served) as s:
        for _ in range(2):
            s.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
            reply = b""
            while b'"ok"' not in reply:  # the headers and the body may come in separate reads
                chunk = s.recv(65536)
                assert chunk, f"the server closed a kept-alive connection after {reply!r}"
                reply += chunk
            assert reply.startswith(b"HTTP/1.1 200")
            time.sleep(1.0)  # idle for twice the header timeout: keep-alive (65 s) governs an idle connection


def test_a_stalled_body_gets_408_and_the_connection_is_closed(served) -> None:
    with _connect(served) as s:
        s.sendall(
            b"POST /v1/grade HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 200\r\n\r\n"
            b'{"question_id": "bn-'
        )
        reply = _read_until_closed(s)
    assert reply.startswith(b"HTTP/1.1 408") and b"stalled" in reply
