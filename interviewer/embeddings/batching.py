"""One encoder thread that serves every caller, merging the texts of concurrent callers into one backend call.

A server grades answers on many request threads. Each calling the encoder on its own runs several encodes at
once on the same cores, each with its own threads, and they slow each other down. Here callers queue their texts
and wait; the worker takes the first request, waits ``window_ms`` for others, and encodes them all in one call
(per kind). A caller that finds the worker busy simply joins the next batch. An idle server pays at most the
window once per request.
"""

from __future__ import annotations

import queue
import threading
import time
from concurrent.futures import Future
from dataclasses import dataclass, field

import numpy as np

from interviewer.embeddings.base import Embedder, EmbedderError, Kind

DEFAULT_WINDOW_MS = 3.0
# A batch stops growing here: past it a batch only adds latency to the requests already in it.
DEFAULT_MAX_TEXTS = 256


@dataclass
class _Request:
    texts: list[str]
    kind: Kind
    done: Future[np.ndarray] = field(default_factory=Future)


class BatchingEmbedder(Embedder):
    """Wraps a backend; ``encode`` may be called from any thread. ``batches`` and ``requests`` count what it did."""

    def __init__(
        self, inner: Embedder, window_ms: float = DEFAULT_WINDOW_MS, max_texts: int = DEFAULT_MAX_TEXTS
    ) -> None:
        if window_ms < 0:
            raise ValueError("window_ms must be >= 0")
        if max_texts < 1:
            raise ValueError("max_texts must be at least 1")
        self.inner = inner
        self.model_id = inner.model_id
        self.dim = inner.dim
        self.window_s = window_ms / 1000
        self.max_texts = max_texts
        self.batches = 0
        self.requests = 0
        self._queue: queue.SimpleQueue[_Request | None] = queue.SimpleQueue()
        self._closed = threading.Event()
        self._thread = threading.Thread(target=self._run, name="interviewer-encoder", daemon=True)
        self._thread.start()

    def _encode(self, texts: list[str], kind: Kind) -> np.ndarray:
        if self._closed.is_set():
            raise EmbedderError("the encoder has been closed")
        request = _Request(texts, kind)
        self._queue.put(request)
        return request.done.result()

    @property
    def pending(self) -> int:
        """Requests queued and not yet taken by the worker."""
        return self._queue.qsize()

    @property
    def running(self) -> bool:
        return self._thread.is_alive()

    def close(self) -> None:
        """Stop the worker once the requests already queued are served."""
        if not self._closed.is_set():
            self._closed.set()
            self._queue.put(None)
            self._thread.join(timeout=30)

    def _run(self) -> None:
        while True:
            first = self._queue.get()
            if first is None:
                break
            batch, stop = self._collect(first)
            self._serve(batch)
            if stop:
                break
        # A caller that queued just as the encoder closed gets an error instead of waiting forever.
        while True:
            try:
                late = self._queue.get_nowait()
            except queue.Empty:
                return
            if late is not None:
                late.done.set_exception(EmbedderError("the encoder has been closed"))

    def _collect(self, first: _Request) -> tuple[list[_Request], bool]:
        batch = [first]
        size = len(first.texts)
        deadline = time.monotonic() + self.window_s
        while size < self.max_texts:
            try:
                # Requests already waiting join at once; then only until the window closes.
                r = self._queue.get_nowait() if time.monotonic() >= deadline else self._queue.get(
                    timeout=max(0.0, deadline - time.monotonic())
                )
            except queue.Empty:
                break
            if r is None:
                return batch, True
            batch.append(r)
            size += len(r.texts)
        return batch, False

    def _serve(self, batch: list[_Request]) -> None:
        self.batches += 1
        self.requests += len(batch)
        for kind in dict.fromkeys(r.kind for r in batch):
            group = [r for r in batch if r.kind == kind]
            texts = list(dict.fromkeys(t for r in group for t in r.texts))
            try:
                vecs = self.inner.encode(texts, kind)
            except BaseException as e:  # every waiting caller gets the error, not a hang
                for r in group:
                    r.done.set_exception(e)
                continue
            row = {t: i for i, t in enumerate(texts)}
            for r in group:
                r.done.set_result(vecs[[row[t] for t in r.texts]])
