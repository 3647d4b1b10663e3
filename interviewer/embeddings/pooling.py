"""One vector for a long text from the vectors of its pieces."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from interviewer.language.text import Span, text_length

# How much of a text its vector stands for: the opening carries what a text is about (a reference is about
# that long; what follows an answer's first 600 characters is more often padding than substance), and encoding
# cost grows faster than length (2,000 characters in one sequence took 1.1 s, its 160-character pieces 0.2 s).
WHOLE_CHARS = 600


def pooled_vector(pieces: Sequence[Span], vectors: np.ndarray, max_chars: int = WHOLE_CHARS) -> np.ndarray | None:
    """The text's vector: the mean of its pieces' vectors weighted by their length, normalised.

    The encoder mean-pools its tokens, so this is close to encoding the whole text, at no cost: encoding it
    again took as long as all its sentences together.
    """
    if not pieces:
        return None
    first = pieces[0].start
    keep = [i for i, p in enumerate(pieces) if i == 0 or p.end - first <= max_chars]
    weights = np.array([max(1, text_length(pieces[i].text)) for i in keep], dtype=np.float32)
    v = (weights[:, None] * vectors[keep]).sum(axis=0)
    norm = float(np.linalg.norm(v))
    if norm <= 0:
        return np.asarray(vectors[0], dtype=np.float32)
    return np.asarray(v / norm, dtype=np.float32)
