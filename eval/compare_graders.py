"""Compare the embedding, llm and hybrid graders on one answer set (they share the LLM's verdicts).

    python -m eval.compare_graders FILE [--limit N] [--base-url URL] [--model local]

Prints per grader: Pearson with the human scores, the highest score of an adversarial answer (rows whose
``category`` starts with ``adv_``), LLM calls and seconds per answer, and how often the fallback fired.
"""

from __future__ import annotations

import argparse
import itertools
import json
import time
from pathlib import Path

from interviewer import Corpus, get_settings
from interviewer.batch.agreement import compute_metrics
from interviewer.batch.answerset import AnswerRow, read_answer_set
from interviewer.grading.hybrid import LLMGrader
from interviewer.grading.similarity import Grader
from interviewer.knowledge.resolve import QuestionResolver
from interviewer.llm.client import LLMClient
from interviewer.llm.judge import LLMJudge


def compare(path: Path, base_url: str, model: str, limit: int | None, timeout: float) -> dict[str, dict]:
    s = get_settings()
    corpus = Corpus.load(s)
    base = Grader(corpus, data_dir=s.data_dir)
    resolver = QuestionResolver(corpus, s.question_match_threshold)
    client = LLMClient(base_url=base_url, model=model, timeout=timeout, concurrency=2)
    graders = {
        "embedding": base,
        "llm": LLMGrader(base, LLMJudge(client), "llm"),
        "hybrid": LLMGrader(base, LLMJudge(client), "hybrid"),
    }
    rows = [r for r in itertools.islice(read_answer_set(path), limit) if isinstance(r, AnswerRow)]
    resolved = [resolver.resolve(r.question_id, r.question, r.reference) for r in rows]
    out: dict[str, dict] = {}
    for name, grader in graders.items():
        calls_before, start = client.calls, time.perf_counter()
        results = []
        for row, res in zip(rows, resolved, strict=True):
            g = grader.grade(res.question, row.answer)
            line = {
                "id": row.id,
                "human_score": row.score,
                "score_max": row.score_max,
                "grade": g.public(),
                "meta": row.meta,
            }
            if row.labels:
                line["labels"] = row.labels
            results.append(line)
        wall = time.perf_counter() - start
        m = compute_metrics(results, wall)
        out[name] = {
            "n": m["n"],
            "pearson": m.get("pearson"),
            "key_point_f1": (m.get("key_points") or {}).get("f1"),
            "adversarial_max": (m.get("adversarial") or {}).get("max"),
            "llm_calls_per_answer": round((client.calls - calls_before) / len(rows), 2),
            "seconds_per_answer": round(wall / len(rows), 2),
            "fallbacks": sum(1 for r in results if r["grade"].get("fallback")),
        }
    return out


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("file", type=Path)
    p.add_argument("--limit", type=int, default=None)
    p.add_argument("--base-url", default="http://127.0.0.1:8090/v1")
    p.add_argument("--model", default="local")
    p.add_argument("--timeout", type=float, default=120.0)
    a = p.parse_args()
    print(json.dumps(compare(a.file, a.base_url, a.model, a.limit, a.timeout), indent=2))


if __name__ == "__main__":
    main()
