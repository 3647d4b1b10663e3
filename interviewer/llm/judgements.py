"""An on-disk store of the LLM's yes/no judgements, keyed by (namespace, request), so the same key point of the
same answer is never asked twice: across restarts, benchmark runs and replicas sharing a data dir.

At about a second per key point on a small CPU server, a judgement is the most expensive thing the service
computes; it is also deterministic (temperature 0), so keeping it is safe. The namespace says which model gave
it: the server's URL and model name in the service, the model file's identity in the benchmarks (whose local
server listens on a new port every run).
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
import threading
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class StoredJudgement:
    probability: float
    discrete: bool


def judgement_key(namespace: str, messages: list[dict[str, str]]) -> str:
    body = json.dumps(messages, ensure_ascii=False, sort_keys=True)
    return hashlib.sha256(f"{namespace}\0{body}".encode()).hexdigest()


class JudgementCache:
    """A SQLite table of judgements; safe to share between threads and processes."""

    def __init__(self, path: Path, namespace: str) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self.path = path
        self.namespace = namespace
        self._lock = threading.Lock()
        self._db = sqlite3.connect(path, check_same_thread=False, timeout=30)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute(
            "CREATE TABLE IF NOT EXISTS judgements (key TEXT PRIMARY KEY, probability REAL NOT NULL, "
            "discrete INTEGER NOT NULL)"
        )
        self._db.commit()
        self.hits = 0

    def key(self, messages: list[dict[str, str]]) -> str:
        return judgement_key(self.namespace, messages)

    def get(self, messages: list[dict[str, str]]) -> StoredJudgement | None:
        with self._lock:
            row = self._db.execute(
                "SELECT probability, discrete FROM judgements WHERE key = ?", (self.key(messages),)
            ).fetchone()
            if row is None:
                return None
            self.hits += 1
        return StoredJudgement(float(row[0]), bool(row[1]))

    def put(self, messages: list[dict[str, str]], judgement: StoredJudgement) -> None:
        with self._lock:
            self._db.execute(
                "INSERT OR REPLACE INTO judgements (key, probability, discrete) VALUES (?, ?, ?)",
                (self.key(messages), judgement.probability, int(judgement.discrete)),
            )
            self._db.commit()

    def __len__(self) -> int:
        with self._lock:
            return int(self._db.execute("SELECT COUNT(*) FROM judgements").fetchone()[0])

    def close(self) -> None:
        with self._lock:
            self._db.close()
