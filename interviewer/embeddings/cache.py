"""An on-disk embedding cache keyed by (model id, kind, text hash), so a restart re-encodes nothing."""

from __future__ import annotations

import hashlib
import sqlite3
import threading
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from interviewer.embeddings.base import Embedder, Kind
from interviewer.embeddings.shipped import ShippedVectors


def cache_key(model_id: str, kind: Kind, text: str) -> str:
    """What a vector is stored under, here and in the shipped store."""
    return hashlib.sha256(f"{model_id}\0{kind}\0{text}".encode()).hexdigest()


class EmbeddingCache:
    """A SQLite table of vectors; safe to share between threads and processes."""

    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self.path = path
        self._lock = threading.Lock()
        self._db = sqlite3.connect(path, check_same_thread=False, timeout=30)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("CREATE TABLE IF NOT EXISTS vectors (key TEXT PRIMARY KEY, vec BLOB NOT NULL)")
        self._db.commit()

    def get_many(self, keys: Sequence[str]) -> dict[str, np.ndarray]:
        found: dict[str, np.ndarray] = {}
        with self._lock:
            for i in range(0, len(keys), 500):
                part = list(keys[i : i + 500])
                marks = ",".join("?" * len(part))
                for k, blob in self._db.execute(f"SELECT key, vec FROM vectors WHERE key IN ({marks})", part):
                    found[k] = np.frombuffer(blob, dtype=np.float32)
        return found

    def put_many(self, items: dict[str, np.ndarray]) -> None:
        with self._lock:
            self._db.executemany(
                "INSERT OR REPLACE INTO vectors (key, vec) VALUES (?, ?)",
                [(k, np.asarray(v, dtype=np.float32).tobytes()) for k, v in items.items()],
            )
            self._db.commit()

    def items(self) -> dict[str, np.ndarray]:
        """Every stored vector by key."""
        with self._lock:
            rows = self._db.execute("SELECT key, vec FROM vectors").fetchall()
        return {k: np.frombuffer(blob, dtype=np.float32) for k, blob in rows}

    def __len__(self) -> int:
        with self._lock:
            return int(self._db.execute("SELECT COUNT(*) FROM vectors").fetchone()[0])

    def close(self) -> None:
        with self._lock:
            self._db.close()


class CachedEmbedder(Embedder):
    """Wraps a backend; texts already encoded by the same model are read back instead of re-encoded.

    A text missing from the cache is looked up in ``shipped`` (the vectors installed with the package) before it
    is encoded; either way it lands in the cache. ``misses`` counts the texts the backend encoded.
    """

    def __init__(self, inner: Embedder, cache: EmbeddingCache, shipped: ShippedVectors | None = None) -> None:
        self.inner = inner
        self.cache = cache
        self.shipped = shipped
        self.model_id = inner.model_id
        self.dim = inner.dim
        self.misses = 0
        self.shipped_hits = 0

    def _encode(self, texts: list[str], kind: Kind) -> np.ndarray:
        keys = [cache_key(self.model_id, kind, t) for t in texts]
        found = self.cache.get_many(list(dict.fromkeys(keys)))
        missing = {k: t for t, k in zip(texts, keys, strict=True) if k not in found}
        new: dict[str, np.ndarray] = {}
        if missing and self.shipped is not None:
            new.update(self.shipped.get_many(list(missing)))
            self.shipped_hits += len(new)
        todo = [t for k, t in missing.items() if k not in new]
        if todo:
            self.misses += len(todo)
            fresh = self.inner.encode(todo, kind)
            new.update({cache_key(self.model_id, kind, t): v for t, v in zip(todo, fresh, strict=True)})
        if new:
            self.cache.put_many(new)
            found.update(new)
        return np.stack([found[k] for k in keys])
