"""An OpenAI-compatible chat-completions client over httpx, built to fail safely.

Servers differ in how they accept structured output, so the request shape is a setting:
``json_schema`` (OpenAI, vLLM, llama.cpp server), ``json_object`` with a ``schema`` field
(llama-cpp-python answers HTTP 500 to ``json_schema``), or ``text`` with tolerant extraction
(small models wrap JSON in ```json fences). Temperature 0. Retries with exponential backoff on
429/5xx/timeouts; a circuit breaker stops calling a server that keeps failing; answers are cached
by (model, request).

One client is meant to be shared by the whole process: at most ``concurrency`` requests (grading calls
and streams alike) are in flight at once across every thread and event loop that uses it. The LLM
grader runs each grade in an event loop of its own, possibly in several threads at once, so a limit per
event loop (an ``asyncio.Semaphore``) would multiply with the number of threads.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import math
import re
import threading
import time
from collections import OrderedDict
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any, Literal

import httpx

Structured = Literal["json_schema", "json_object", "text"]
RETRY_STATUS = {408, 409, 425, 429, 500, 502, 503, 504}


class LLMError(RuntimeError):
    """The LLM could not give a usable answer; ``reason`` is short and safe to show."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class LLMUnavailable(LLMError):
    """The circuit is open: the server failed repeatedly and is not called for a while."""


_FENCE = re.compile(r"```(?:json)?\s*(.*?)```", re.S)


def extract_json(text: str) -> Any:
    """The first JSON value in ``text``: bare, inside ```json fences, or embedded in prose."""
    text = text.strip()
    candidates = [text] + _FENCE.findall(text)
    for c in candidates:
        try:
            return json.loads(c)
        except (json.JSONDecodeError, ValueError):
            pass
    decoder = json.JSONDecoder()
    for i, ch in enumerate(text):
        if ch in "{[":
            try:
                value, _ = decoder.raw_decode(text[i:])
                return value
            except json.JSONDecodeError:
                continue
    raise LLMError("the reply holds no JSON")


@dataclass
class CircuitBreaker:
    threshold: int = 5
    cooldown: float = 30.0
    failures: int = 0
    opened_at: float | None = None

    def check(self) -> None:
        if self.opened_at is not None:
            if time.monotonic() - self.opened_at < self.cooldown:
                raise LLMUnavailable(f"LLM server failing; not retried for {self.cooldown:.0f} s")
            self.opened_at = None  # half-open: let one call through

    def success(self) -> None:
        self.failures = 0
        self.opened_at = None

    def failure(self) -> None:
        self.failures += 1
        if self.failures >= self.threshold:
            self.opened_at = time.monotonic()


def _wake(waiter: asyncio.Future[None]) -> None:
    if not waiter.done():
        waiter.set_result(None)


class SharedLimit:
    """At most ``limit`` holders at once across every thread and event loop of the process.

    Waiting never blocks an event loop: a waiter parks on a future of its own loop, and every release
    wakes all waiters (thread-safely, through their loops) to try again. A waiter cancelled before it gets
    a slot holds none; :meth:`hold` gives the slot back in ``finally``, so cancellation never leaks one.
    """

    def __init__(self, limit: int) -> None:
        if limit < 1:
            raise ValueError(f"the limit must be at least 1, not {limit}")
        self.limit = limit
        self._lock = threading.Lock()
        self._free = limit
        self._waiters: set[asyncio.Future[None]] = set()

    async def acquire(self) -> None:
        loop = asyncio.get_running_loop()
        while True:
            with self._lock:
                if self._free:
                    self._free -= 1
                    return
                waiter: asyncio.Future[None] = loop.create_future()
                self._waiters.add(waiter)
            try:
                await waiter
            finally:
                with self._lock:
                    self._waiters.discard(waiter)

    def release(self) -> None:
        with self._lock:
            if self._free >= self.limit:
                raise ValueError("released more often than acquired")
            self._free += 1
            waiters, self._waiters = self._waiters, set()
        for waiter in waiters:
            try:
                waiter.get_loop().call_soon_threadsafe(_wake, waiter)
            except RuntimeError:
                pass  # its event loop is closed: nobody waits there any more

    @asynccontextmanager
    async def hold(self) -> AsyncIterator[None]:
        await self.acquire()
        try:
            yield
        finally:
            self.release()


@dataclass
class LLMClient:
    base_url: str
    model: str
    api_key: str = ""
    timeout: float = 30.0
    max_retries: int = 2
    concurrency: int = 4
    structured: Structured = "json_schema"
    transport: httpx.AsyncBaseTransport | None = None
    breaker: CircuitBreaker = field(default_factory=CircuitBreaker)
    cache_size: int = 2048
    backoff: float = 0.5

    def __post_init__(self) -> None:
        self._cache: OrderedDict[str, dict[str, Any]] = OrderedDict()
        self._cache_lock = threading.Lock()
        # Shared by every thread and event loop using this client (sync callers run each grade in a fresh loop).
        self._limit = SharedLimit(self.concurrency)
        self.calls = 0

    def _http(self) -> httpx.AsyncClient:
        return httpx.AsyncClient(base_url=self.base_url.rstrip("/"), timeout=self.timeout, transport=self.transport)

    def _headers(self) -> dict[str, str]:
        h = {"content-type": "application/json"}
        if self.api_key:
            h["authorization"] = f"Bearer {self.api_key}"
        return h

    def _body(self, messages: list[dict[str, str]], schema: dict[str, Any] | None, max_tokens: int) -> dict[str, Any]:
        body: dict[str, Any] = {"model": self.model, "messages": messages, "temperature": 0, "max_tokens": max_tokens}
        if schema is not None:
            if self.structured == "json_schema":
                body["response_format"] = {
                    "type": "json_schema",
                    "json_schema": {"name": "verdict", "strict": True, "schema": schema},
                }
            elif self.structured == "json_object":
                body["response_format"] = {"type": "json_object", "schema": schema}
        return body

    async def complete_json(
        self, messages: list[dict[str, str]], schema: dict[str, Any], max_tokens: int = 200
    ) -> dict[str, Any]:
        """A JSON object answer that has every required key of ``schema``; raises :class:`LLMError`."""
        body = self._body(messages, schema, max_tokens)
        key = hashlib.sha256(json.dumps(body, sort_keys=True, ensure_ascii=False).encode()).hexdigest()
        with self._cache_lock:
            cached = self._cache.get(key)
            if cached is not None:
                self._cache.move_to_end(key)
                return cached
        content = await self._post(body)
        value = extract_json(content)
        if not isinstance(value, dict):
            raise LLMError("the reply is not a JSON object")
        missing = [k for k in schema.get("required", []) if k not in value]
        if missing:
            raise LLMError(f"the reply lacks {', '.join(missing)}")
        with self._cache_lock:
            self._cache[key] = value
            if len(self._cache) > self.cache_size:
                self._cache.popitem(last=False)
        return value

    async def complete_text(self, messages: list[dict[str, str]], max_tokens: int = 300) -> str:
        return await self._post(self._body(messages, None, max_tokens))

    async def stream_text(self, messages: list[dict[str, str]], max_tokens: int = 200) -> AsyncIterator[str]:
        """The completion's text as it is generated (server-sent events), without retries once it has begun.

        The stream holds one of the ``concurrency`` slots until it ends or is closed.
        """
        self.breaker.check()
        body = {**self._body(messages, None, max_tokens), "stream": True}
        try:
            async with self._limit.hold(), self._http() as http:
                self.calls += 1
                async with http.stream("POST", "/chat/completions", json=body, headers=self._headers()) as r:
                    if r.status_code >= 400:
                        self.breaker.failure()
                        raise LLMError(f"HTTP {r.status_code}")
                    async for line in r.aiter_lines():
                        if not line.startswith("data:"):
                            continue
                        data = line[5:].strip()
                        if data == "[DONE]":
                            break
                        try:
                            delta = json.loads(data)["choices"][0].get("delta", {}).get("content")
                        except (ValueError, KeyError, IndexError, TypeError):
                            continue
                        if delta:
                            yield delta
        except httpx.TimeoutException as e:
            self.breaker.failure()
            raise LLMError(f"timed out after {self.timeout:g} s") from e
        except httpx.HTTPError as e:
            self.breaker.failure()
            raise LLMError(f"cannot reach the LLM server ({type(e).__name__})") from e
        self.breaker.success()

    async def yes_probability(self, messages: list[dict[str, str]]) -> YesNo:
        """Ask a yes/no question and read the answer as P(yes) from the first token's log-probabilities.

        Generating one token is cheap and, with the messages ordered so that only the last one varies, the
        server's prompt cache serves everything before it. Servers that return no log-probabilities get the
        generated word instead, recorded as ``discrete``.
        """
        body = {**self._body(messages, None, 1), "logprobs": True, "top_logprobs": 10}
        reply = await self._post_json(body)
        text = self._content(reply)
        choice = reply["choices"][0]
        usage = _mapping(reply.get("usage"))
        # OpenAI's field, else llama.cpp's own timings.
        cached = _mapping(usage.get("prompt_tokens_details")).get(
            "cached_tokens", _mapping(reply.get("timings")).get("cache_n")
        )
        return YesNo(
            p_yes=_p_yes(choice.get("logprobs")),
            text=text.strip(),
            prompt_tokens=_count(usage.get("prompt_tokens")),
            cached_tokens=_count(cached),
            completion_tokens=_count(usage.get("completion_tokens")),
        )

    async def _post(self, body: dict[str, Any]) -> str:
        return self._content(await self._post_json(body))

    def _content(self, reply: dict[str, Any]) -> str:
        """The text of a chat completion; a reply without one counts against the circuit breaker."""
        try:
            content = reply["choices"][0]["message"]["content"]
        except (KeyError, IndexError, TypeError):
            self.breaker.failure()
            raise LLMError("the server's reply is not a chat completion") from None
        if not isinstance(content, str):
            self.breaker.failure()
            raise LLMError("the completion has no text")
        return content

    async def _post_json(self, body: dict[str, Any]) -> dict[str, Any]:
        self.breaker.check()
        last = "no attempt"
        async with self._limit.hold():
            async with self._http() as http:
                for attempt in range(self.max_retries + 1):
                    if attempt:
                        await asyncio.sleep(self.backoff * 2 ** (attempt - 1))
                    self.calls += 1
                    try:
                        r = await http.post("/chat/completions", json=body, headers=self._headers())
                    except httpx.TimeoutException:
                        last = f"timed out after {self.timeout:g} s"
                        continue
                    except httpx.HTTPError as e:
                        last = f"cannot reach the LLM server ({type(e).__name__})"
                        continue
                    if r.status_code in RETRY_STATUS:
                        last = f"HTTP {r.status_code}"
                        continue
                    if r.status_code >= 400:
                        self.breaker.failure()
                        raise LLMError(f"HTTP {r.status_code}")
                    try:
                        reply = r.json()
                    except ValueError:
                        reply = None
                    if not isinstance(reply, dict):
                        self.breaker.failure()
                        raise LLMError("the server's reply is not a chat completion")
                    self.breaker.success()
                    return reply
        self.breaker.failure()
        raise LLMError(last)


@dataclass(frozen=True)
class YesNo:
    """A yes/no judgement. ``p_yes`` is None when the server gave no log-probabilities (then only ``text``
    says what it answered); token counts are None when the server does not report them."""

    p_yes: float | None
    text: str
    prompt_tokens: int | None = None
    cached_tokens: int | None = None
    completion_tokens: int | None = None

    @property
    def discrete(self) -> bool:
        return self.p_yes is None

    @property
    def probability(self) -> float | None:
        """P(yes), or 1/0 from the generated word when there were no probabilities, None when it said neither."""
        if self.p_yes is not None:
            return self.p_yes
        word = self.text.lower().lstrip(" \"'*")
        return 1.0 if word.startswith("yes") else 0.0 if word.startswith("no") else None


def _mapping(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _count(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _p_yes(logprobs: Any) -> float | None:
    """P(yes) / (P(yes) + P(no)) over the first token's alternatives ("Yes", " yes", "YES" all count)."""
    try:
        top = logprobs["content"][0]["top_logprobs"]
    except (KeyError, IndexError, TypeError):
        return None
    mass = {"yes": 0.0, "no": 0.0}
    for alt in top if isinstance(top, list) else []:
        if not isinstance(alt, dict) or not isinstance(alt.get("token"), str):
            continue
        word = alt["token"].strip().lower()
        if word in mass and isinstance(alt.get("logprob"), int | float):
            mass[word] += math.exp(alt["logprob"])
    total = mass["yes"] + mass["no"]
    return mass["yes"] / total if total > 0 else None
