"""ASGI apps served by uvicorn in a thread on 127.0.0.1, stopped when the block ends."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import httpx


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def serve_in_thread(
    app: Any, name: str = "test-uvicorn", timeout: float = 30.0, settings: Any = None
) -> Iterator[str]:
    """With ``settings``, the server is configured as `interviewer serve` configures it (api/server.py)."""
    import uvicorn

    port = free_port()
    if settings is not None:
        from api.server import uvicorn_config

        config = uvicorn_config(app, settings, host="127.0.0.1", port=port)
    else:
        config = uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="on")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, name=name, daemon=True)
    thread.start()
    deadline = time.monotonic() + timeout
    try:
        while not server.started:
            if not thread.is_alive() or time.monotonic() > deadline:
                raise RuntimeError(f"{name} did not start")
            time.sleep(0.05)
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=15)


def start_session(base: str, timeout: float = 30.0, **body: Any) -> tuple[str, dict[str, str]]:
    """POST /v1/sessions on a running server: the session id and its Authorization header."""
    body = {"topics": [], "language": "zh", "max_followups": 0, **body}
    r = httpx.post(f"{base}/v1/sessions", json=body, timeout=timeout)
    assert r.status_code == 201, r.text
    data = r.json()
    return data["session_id"], {"Authorization": f"Bearer {data['token']}"}


def yes_llm(delay: float, p_yes: float = 0.9) -> Any:
    """An OpenAI-compatible app that answers every yes/no question with P(yes) = ``p_yes`` in its
    log-probabilities, ``delay`` seconds per call (slow enough for judging to outlast a follow-up budget)."""
    import asyncio
    import math

    from starlette.applications import Starlette
    from starlette.requests import Request
    from starlette.responses import JSONResponse, Response
    from starlette.routing import Route

    async def chat(request: Request) -> Response:
        await request.body()
        await asyncio.sleep(delay)
        top = [{"token": "yes", "logprob": math.log(p_yes)}, {"token": "no", "logprob": math.log(1 - p_yes)}]
        return JSONResponse(
            {"choices": [{"message": {"content": "yes"}, "logprobs": {"content": [{"top_logprobs": top}]}}]}
        )

    return Starlette(routes=[Route("/v1/chat/completions", chat, methods=["POST"])])
