"""Progressive grading's moving parts: a background worker that runs the LLM's judgements one answer at a time,
and a board where each turn's judgements are posted as they arrive, for streams to follow.

Both live in the process that took the answer. Another replica's stream learns the final grade from the
database instead (:meth:`interviewer.service.mock_interviews.InterviewService.follow_judging` reads it back).
"""

from __future__ import annotations

import asyncio
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Coroutine
from concurrent.futures import Future
from dataclasses import dataclass, field
from typing import Any, Literal

from interviewer.grading.result import Grade

TurnKey = tuple[str, int]  # (session id, turn index)


class JudgingWorker:
    """An event loop on a thread of its own that runs one judging job after the other.

    One at a time on purpose: a small server keeps one answer in its prompt cache, and a second answer's
    points in between would make it read both again. A job queued behind another still counts its wait
    against the caller's budget, so a busy judge only ever delays follow-ups by that budget.
    """

    def __init__(self) -> None:
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()
        self._turn: asyncio.Lock | None = None

    def _ensure(self) -> asyncio.AbstractEventLoop:
        with self._lock:
            if self._loop is None:
                loop = asyncio.new_event_loop()
                ready = threading.Event()

                def serve() -> None:
                    asyncio.set_event_loop(loop)
                    self._turn = asyncio.Lock()
                    ready.set()
                    loop.run_forever()

                self._thread = threading.Thread(target=serve, name="llm-judging", daemon=True)
                self._thread.start()
                ready.wait()
                self._loop = loop
            return self._loop

    def submit(self, job: Callable[[], Coroutine[Any, Any, Grade]]) -> Future[Grade]:
        loop = self._ensure()

        async def queued() -> Grade:
            assert self._turn is not None
            async with self._turn:
                return await job()

        return asyncio.run_coroutine_threadsafe(queued(), loop)

    def close(self) -> None:
        with self._lock:
            loop, thread, self._loop, self._thread = self._loop, self._thread, None, None
        if loop is not None:
            loop.call_soon_threadsafe(loop.stop)
            if thread is not None:
                thread.join(timeout=5)
            loop.close()


@dataclass
class JudgingEvent:
    """``point``: one key point judged (the grade so far); ``final``: the grade the turn now stores."""

    kind: Literal["point", "final"]
    grade: dict[str, Any] | None  # Grade.public(); None for a skipped turn
    point_id: str | None = None


@dataclass
class _Entry:
    events: list[JudgingEvent] = field(default_factory=list)
    finished_at: float | None = None


class JudgingBoard:
    """Each turn's judging events, kept for a while after the final one so a late stream can replay them."""

    def __init__(self, keep_seconds: float = 600.0, max_turns: int = 2000) -> None:
        self.keep_seconds = keep_seconds
        self.max_turns = max_turns
        self._entries: OrderedDict[TurnKey, _Entry] = OrderedDict()
        self._cond = threading.Condition()

    def open(self, key: TurnKey) -> None:
        with self._cond:
            self._entries[key] = _Entry()
            self._prune()

    def post(self, key: TurnKey, event: JudgingEvent) -> None:
        with self._cond:
            entry = self._entries.setdefault(key, _Entry())
            entry.events.append(event)
            if event.kind == "final":
                entry.finished_at = time.monotonic()
            self._cond.notify_all()

    def since(self, key: TurnKey, seen: int) -> list[JudgingEvent] | None:
        """The events after the first ``seen``; None when this process knows nothing of the turn."""
        with self._cond:
            entry = self._entries.get(key)
            return None if entry is None else entry.events[seen:]

    def wait(self, key: TurnKey, seen: int, timeout: float) -> list[JudgingEvent] | None:
        """Like :meth:`since`, blocking up to ``timeout`` seconds for something new."""
        deadline = time.monotonic() + timeout
        with self._cond:
            while True:
                entry = self._entries.get(key)
                if entry is None or len(entry.events) > seen:
                    return None if entry is None else entry.events[seen:]
                left = deadline - time.monotonic()
                if left <= 0:
                    return []
                self._cond.wait(left)

    def _prune(self) -> None:
        now = time.monotonic()
        for key in [k for k, e in self._entries.items() if e.finished_at and now - e.finished_at > self.keep_seconds]:
            del self._entries[key]
        while len(self._entries) > self.max_turns:
            self._entries.popitem(last=False)
