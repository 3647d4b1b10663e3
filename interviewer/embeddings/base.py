"""The one interface every embedding backend implements."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Sequence
from typing import Literal

import numpy as np

Kind = Literal["query", "passage"]

# The kind of every text that is compared with a text of its own sort rather than searched for: key-point
# statements, bank questions and a candidate's answer sentences (and whole answers). e5 models are trained
# to put "query: " on both sides for symmetric similarity, and "passage: " only on documents that a short
# query retrieves. On the labelled key points of the dev set, query-to-query scored AUC 0.85 against 0.77
# for answer-query to key-point-passage. The shipped calibration was fitted with this choice: changing it
# needs a refit.
SYMMETRIC: Kind = "query"


class EmbedderError(RuntimeError):
    """A backend cannot be loaded or used here; the message says what to do instead."""


def l2_normalize(x: np.ndarray) -> np.ndarray:
    x = np.asarray(x, dtype=np.float32)
    if x.ndim == 1:
        x = x[None, :]
    norms = np.linalg.norm(x, axis=1, keepdims=True)
    norms[norms == 0] = 1.0
    return np.ascontiguousarray(x / norms, dtype=np.float32)


class Embedder(ABC):
    """``encode(texts, kind)`` returns an (n, dim) float32 matrix of L2-normalised rows.

    ``kind`` matters for asymmetric models (e5). A "passage" is a document chunk that a search
    text retrieves, and that search text is a "query". Texts compared with texts of the same sort
    (a candidate's sentences with key-point statements, a free-text question with the bank's
    questions) are all encoded as :data:`SYMMETRIC`, which is "query". Symmetric backends ignore it.
    """

    model_id: str
    dim: int

    def encode(self, texts: Sequence[str], kind: Kind = "passage") -> np.ndarray:
        if isinstance(texts, str):
            raise TypeError("encode() takes a sequence of texts, not a single string")
        if kind not in ("query", "passage"):
            raise ValueError(f"kind must be 'query' or 'passage', not {kind!r}")
        if len(texts) == 0:
            return np.zeros((0, self.dim), dtype=np.float32)
        return l2_normalize(self._encode(list(texts), kind))

    @abstractmethod
    def _encode(self, texts: list[str], kind: Kind) -> np.ndarray: ...

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.model_id!r}, dim={self.dim})"
