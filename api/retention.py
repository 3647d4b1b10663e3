"""The server's own prune: with INTERVIEWER_PRUNE_INTERVAL_MINUTES > 0, old and never-answered sessions are deleted
at start-up and then every that many minutes, as `interviewer admin prune` does from cron.

The prune runs on a worker thread (it is blocking database work) and between two of its batches it checks
whether the server is stopping, so a shutdown waits for one batch at most. A failure (the database down, a lock
timeout) is logged and the next interval tries again: retention is never a reason for the server to stop.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import threading
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from functools import partial

import anyio.to_thread
from fastapi import FastAPI

from interviewer import Settings
from interviewer.service import Services

from .observability import log


async def prune_now(app: FastAPI, stopping: threading.Event | None = None) -> None:
    """One prune with the app's settings, logged; any failure is logged, never raised."""
    services: Services | None = getattr(app.state, "services", None)
    if services is None:  # still starting up: the next round will do
        return
    settings: Settings = app.state.settings
    keep_going = (lambda: not stopping.is_set()) if stopping is not None else (lambda: True)
    run = partial(
        services.admin.prune,
        settings.session_retention_days,
        settings.unanswered_session_hours,
        keep_going=keep_going,
    )
    try:
        result = await anyio.to_thread.run_sync(run)
    except Exception as e:
        log.warning(
            "pruning old sessions failed; trying again in %g minutes",
            settings.prune_interval_minutes,
            extra={"error": type(e).__name__},
            exc_info=e,
        )
        return
    # Counts of zero every few minutes would drown the log; they are there at DEBUG.
    log.log(
        logging.INFO if result.total else logging.DEBUG,
        "pruned %d old and %d never-answered sessions",
        result.stale,
        result.unanswered,
        extra={"stale": result.stale, "unanswered": result.unanswered},
    )


async def _prune_every(app: FastAPI, seconds: float, stopping: threading.Event, wake: asyncio.Event) -> None:
    while not stopping.is_set():
        await prune_now(app, stopping)
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(wake.wait(), seconds)


@asynccontextmanager
async def periodic_prune(app: FastAPI) -> AsyncIterator[asyncio.Task[None] | None]:
    """While inside, prune every ``prune_interval_minutes`` (nothing when it is 0); on the way out the task is
    stopped, and waited for, before the caller closes the database."""
    minutes = app.state.settings.prune_interval_minutes
    if minutes <= 0:
        yield None
        return
    stopping, wake = threading.Event(), asyncio.Event()
    task = asyncio.create_task(_prune_every(app, minutes * 60, stopping, wake), name="interviewer-prune")
    try:
        yield task
    finally:
        # Not task.cancel(): that would leave a prune's thread running while the caller closes the database.
        # The thread sees `stopping` after its batch; `wake` ends the wait for the next round.
        stopping.set()
        wake.set()
        await asyncio.wait([task])
