"""LLM judging benchmark: `interviewer bench llm` or `python -m eval.bench_llm`.

Asks the LLM, key point by key point, whether each labelled seed_dev answer explains the point, reading the
judgement as P(yes) from the first token's log-probabilities. The calls of one answer share everything but
the key point, so the server's prompt cache reads the answer once. Prints the time per key point (answer time
÷ points) and per answer at p50/p95, the tokens read and served from the cache per call, and how well P(yes)
separates the labels (AUC, and accuracy and false "covered" at P = 0.5).

Without ``--url`` it starts the local llama.cpp server (``python -m eval.llm_server fetch`` first).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import statistics
import time
from contextlib import ExitStack
from pathlib import Path
from typing import Any

import numpy as np
from rich.console import Console
from rich.table import Table

from interviewer import Settings, load_bank
from interviewer.llm.client import LLMClient
from interviewer.llm.judge import LLMJudge

DEV = Path(__file__).resolve().parent / "datasets" / "seed_dev.jsonl"


def labelled_rows(n: int, seed: int = 0) -> list[dict[str, Any]]:
    """``n`` seed_dev answers with per-point labels, the same ones for the same seed, both languages mixed."""
    rows = [json.loads(line) for line in DEV.read_text(encoding="utf-8").splitlines() if line.strip()]
    rows = [r for r in rows if r.get("labels")]
    return random.Random(seed).sample(rows, min(n, len(rows)))


async def _judge_all(judge: LLMJudge, rows: list[dict[str, Any]]) -> dict[str, Any]:
    bank = load_bank(Settings().bank_dir)
    per_answer: list[float] = []
    per_point: list[float] = []
    probs: list[float] = []
    labels: list[int] = []
    read: list[int] = []
    cached: list[int] = []
    generated: list[int] = []
    discrete = failed = 0
    for row in rows:
        question = bank.get(row["question_id"])
        if question is None:
            continue
        points = [kp for kp in question.key_points if kp.id in row["labels"]]
        start = time.perf_counter()
        judged = await judge.probabilities(question, row["answer"], row.get("lang", "zh"), points)
        took = time.perf_counter() - start
        per_answer.append(took)
        per_point.append(took / max(1, len(points)))
        for kp in points:
            j = judged[kp.id]
            discrete += j.discrete
            if j.prompt_tokens is not None:
                read.append(j.prompt_tokens - (j.cached_tokens or 0))
                cached.append(j.cached_tokens or 0)
            if j.generated_tokens is not None:
                generated.append(j.generated_tokens)
            if j.probability is None:
                failed += 1
                continue
            probs.append(j.probability)
            labels.append(int(row["labels"][kp.id] > 0))
    return {
        "answers": len(per_answer),
        "points": len(labels) + failed,
        "per_point_s": {"p50": float(np.percentile(per_point, 50)), "p95": float(np.percentile(per_point, 95))},
        "per_answer_s": {"p50": float(np.percentile(per_answer, 50)), "p95": float(np.percentile(per_answer, 95))},
        "tokens_read_per_call": statistics.fmean(read) if read else None,
        "tokens_cached_per_call": statistics.fmean(cached) if cached else None,
        "cache_share": sum(cached) / (sum(cached) + sum(read)) if read else None,
        "tokens_generated_per_call": statistics.fmean(generated) if generated else None,
        "discrete_calls": discrete,
        "failed_calls": failed,
        **_separation(probs, labels),
    }


def _separation(probs: list[float], labels: list[int]) -> dict[str, Any]:
    if not probs or len(set(labels)) < 2:
        return {"auc": None, "accuracy_at_0_5": None, "false_covered_at_0_5": None, "missing_points": None}
    from sklearn.metrics import roc_auc_score

    said = [p >= 0.5 for p in probs]
    return {
        "auc": float(roc_auc_score(labels, probs)),
        "accuracy_at_0_5": sum(s == bool(y) for s, y in zip(said, labels, strict=True)) / len(labels),
        "false_covered_at_0_5": sum(s and not y for s, y in zip(said, labels, strict=True)),
        "missing_points": labels.count(0),
    }


def run(url: str | None = None, model: str = "local", rows: int = 24, seed: int = 0) -> dict[str, Any]:
    with ExitStack() as stack:
        if url is None:
            from eval.llm_server import LocalLLMServer

            server = stack.enter_context(LocalLLMServer())
            url, model = server.base_url, server.model
        # Concurrency 1: the points of an answer go one after the other to share the cached prefix.
        client = LLMClient(base_url=url, model=model, timeout=60, max_retries=0, concurrency=1)
        result = asyncio.run(_judge_all(LLMJudge(client), labelled_rows(rows, seed)))
    result.update(url=url, model=model, seed=seed)
    return result


def show(result: dict[str, Any], console: Console | None = None) -> None:
    def f(value: Any, digits: int = 2) -> str:
        return "-" if value is None else f"{value:.{digits}f}" if isinstance(value, float) else str(value)

    table = Table(title=f"LLM judging ({result['model']}; {result['answers']} answers, {result['points']} points)")
    for name in ("per point p50/p95 s", "per answer p50/p95 s", "read/cached/generated tokens per call", "cache share",
                 "AUC", "acc@0.5", "false covered", "discrete", "failed"):  # fmt: skip
        table.add_column(name, justify="right")
    pp, pa = result["per_point_s"], result["per_answer_s"]
    table.add_row(
        f"{f(pp['p50'])} / {f(pp['p95'])}",
        f"{f(pa['p50'])} / {f(pa['p95'])}",
        f"{f(result['tokens_read_per_call'], 0)} / {f(result['tokens_cached_per_call'], 0)}"
        f" / {f(result['tokens_generated_per_call'], 0)}",
        f(result["cache_share"]),
        f(result["auc"], 3),
        f(result["accuracy_at_0_5"]),
        f"{f(result['false_covered_at_0_5'])}/{f(result['missing_points'])}",
        f(result["discrete_calls"]),
        f(result["failed_calls"]),
    )
    (console or Console()).print(table)


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    ap.add_argument("--url", help="An OpenAI-compatible base URL (default: start the local llama.cpp server).")
    ap.add_argument("--model", default="local", help="The model name to send with --url.")
    ap.add_argument("--rows", type=int, default=24, help="Labelled seed_dev answers to judge.")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--json", type=Path, help="Also write the figures as JSON here.")
    args = ap.parse_args(argv)
    result = run(args.url, args.model, args.rows, args.seed)
    show(result)
    if args.json:
        args.json.write_text(json.dumps(result, indent=2), encoding="utf-8")


if __name__ == "__main__":
    main()
