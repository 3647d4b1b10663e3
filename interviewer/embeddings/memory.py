"""An in-memory LRU of vectors in front of a backend, for the texts a process sees again and again.

Candidates' sentences are not worth a disk write each (a fresh answer is rarely seen twice across restarts),
but within a process they recur: a retried request, a follow-up repeating a sentence, a batch re-run, the
bench's own answers. Keys are the disk cache's, so one text has one key everywhere.
"""

from __future__ import annotations

import threading
from collections import OrderedDict

import numpy as np

from interviewer.embeddings.base import Embedder, Kind
from interviewer.embeddings.cache import cache_key

# 384-d float32 vectors: 8192 of them are 12.6 MB.
DEFAULT_ITEMS = 8192


class MemoryCachedEmbedder(Embedder):
    """Wraps a backend; the last ``max_items`` vectors stay in memory. ``misses`` counts texts sent to it."""

    def __init__(self, inner: Embedder, max_items: int = DEFAULT_ITEMS) -> None:
        if max_items < 1:
            raise ValueError("max_items must be at least 1")
        self.inner = inner
        self.model_id = inner.model_id
        self.dim = inner.dim
        self.max_items = max_items
        self.misses = 0
        self._lock = threading.Lock()
        self._vectors: OrderedDict[str, np.ndarray] = OrderedDict()

    def _encode(self, texts: list[str], kind: Kind) -> np.ndarray:
        keys = [cache_key(self.model_id, kind, t) for t in texts]
        found: dict[str, np.ndarray] = {}
        with self._lock:
            for k in keys:
                v = self._vectors.get(k)
                if v is not None:
                    self._vectors.move_to_end(k)
                    found[k] = v
        todo = {k: t for k, t in zip(keys, texts, strict=True) if k not in found}
        if todo:
            fresh = self.inner.encode(list(todo.values()), kind)
            with self._lock:
                self.misses += len(todo)
                for k, v in zip(todo, fresh, strict=True):
                    found[k] = v
                    self._vectors[k] = v
                while len(self._vectors) > self.max_items:
                    self._vectors.popitem(last=False)
        return np.stack([found[k] for k in keys])

    def __len__(self) -> int:
        with self._lock:
            return len(self._vectors)

    def clear(self) -> None:
        """Forget every vector (a benchmark does, between runs, so that a repeated text costs what a new one does)."""
        with self._lock:
            self._vectors.clear()
