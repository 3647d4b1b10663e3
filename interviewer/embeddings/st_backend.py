"""Any sentence-transformers model: a local folder, or a model id already in the local cache."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np

from interviewer.embeddings.base import Embedder, EmbedderError, Kind


class SentenceTransformerEmbedder(Embedder):
    def __init__(self, model: str, threads: int = 1) -> None:
        if not model:
            raise EmbedderError(
                "the sentence-transformers backend needs a model: set INTERVIEWER_EMBEDDING_MODEL "
                "to a local model folder or a model id"
            )
        # Air-gapped by default: a model id resolves from the local cache only. A user who
        # wants downloads sets HF_HUB_OFFLINE=0 explicitly.
        os.environ.setdefault("HF_HUB_OFFLINE", "1")
        try:
            import torch
            from sentence_transformers import SentenceTransformer
        except ImportError as e:
            raise EmbedderError(
                "the sentence-transformers backend needs the extra: pip install 'interviewer[st]'"
            ) from e
        torch.set_num_threads(threads)
        path = Path(model).expanduser()
        source = str(path.resolve()) if path.exists() else model
        try:
            self._model = SentenceTransformer(source, device="cpu")
        except Exception as e:  # the library raises many types (OSError, ValueError, HF errors)
            raise EmbedderError(f"cannot load sentence-transformers model {model!r}: {e}".splitlines()[0]) from e
        self.model_id = f"sentence-transformers/{path.name if path.exists() else model}"
        get_dim = getattr(self._model, "get_embedding_dimension", None) or self._model.get_sentence_embedding_dimension
        dim = get_dim()
        self.dim = int(dim) if dim else int(self._model.encode(["x"]).shape[1])
        self._prompts = set(getattr(self._model, "prompts", {}) or {})

    def _encode(self, texts: list[str], kind: Kind) -> np.ndarray:
        # Models that declare "query"/"passage" prompts (e5, bge, ...) get them; others are symmetric.
        prompt_name = kind if kind in self._prompts else None
        return np.asarray(
            self._model.encode(texts, prompt_name=prompt_name, batch_size=32, show_progress_bar=False),
            dtype=np.float32,
        )
