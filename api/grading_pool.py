"""The threads grading runs on: a few, apart from the ones FastAPI lends to everything else.

With grading on the default pool, a burst took all 40 of its threads: 40 threads then took turns at the GIL
in their Python parts, and /healthz (on the event loop, needing the GIL too) waited up to 275 ms for its turn,
while the encoder, on its one worker thread, did not go any faster for the crowd. A small pool keeps the
waiting requests parked on the event loop, costing nothing, and the GIL shared among a handful of threads.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import ParamSpec, TypeVar

import anyio
import anyio.to_thread

P = ParamSpec("P")
T = TypeVar("T")


class GradingPool:
    def __init__(self, workers: int) -> None:
        self.workers = workers
        self._limiter: anyio.CapacityLimiter | None = None

    async def run(self, fn: Callable[P, T], *args: P.args, **kwargs: P.kwargs) -> T:
        """``fn(*args, **kwargs)`` on one of the pool's threads, once one is free."""
        if self._limiter is None:  # made on first use, inside the event loop that will use it
            self._limiter = anyio.CapacityLimiter(self.workers)
        return await anyio.to_thread.run_sync(functools.partial(fn, *args, **kwargs), limiter=self._limiter)
