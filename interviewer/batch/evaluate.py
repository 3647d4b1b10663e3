"""`interviewer eval FILE --out DIR`: grade an answer set, write results, metrics and an HTML report."""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from tqdm import tqdm

from interviewer.batch.agreement import compute_metrics
from interviewer.batch.answerset import RowProblem, read_answer_set
from interviewer.batch.html_report import render_report
from interviewer.batch.rows import RowResult, grade_rows
from interviewer.grading.protocol import GraderProtocol as Grader
from interviewer.knowledge.resolve import QuestionResolver


def run_eval(
    path: Path,
    out: Path,
    grader: Grader,
    resolver: QuestionResolver,
    batch_size: int = 32,
    progress: bool = True,
    on_problem: Callable[[RowProblem], object] | None = None,
) -> dict[str, Any]:
    """Grade every usable row of ``path``; raises AnswerSetError only when the file itself is unreadable."""
    # Read first, so the progress bar counts rows: a file's lines also hold a CSV header, blank lines and the
    # line breaks inside quoted answers.
    rows = list(read_answer_set(path))
    out.mkdir(parents=True, exist_ok=True)
    results: list[dict[str, Any]] = []
    answers: dict[str, str] = {}
    problems: list[RowProblem] = []
    start = time.perf_counter()
    bar = tqdm(total=len(rows), unit="answer", disable=not progress, desc=path.name)
    with open(out / "results.jsonl", "w", encoding="utf-8") as f:
        for item in grade_rows(grader, resolver, rows, batch_size):
            bar.update(1)
            if isinstance(item, RowProblem):
                problems.append(item)
                if on_problem:
                    on_problem(item)
                continue
            assert isinstance(item, RowResult)
            line = item.public()
            f.write(json.dumps(line, ensure_ascii=False) + "\n")
            results.append(line)
            answers[str(item.row.id)] = item.row.answer
    bar.close()
    wall = time.perf_counter() - start
    metrics = compute_metrics(results, wall, len(problems))
    metrics["grader"] = grader.name
    metrics["model_id"] = grader.model_id
    metrics["file"] = str(path)
    if problems:
        metrics["problems"] = [str(p) for p in problems[:200]]
    (out / "metrics.json").write_text(json.dumps(metrics, indent=2, ensure_ascii=False), encoding="utf-8")
    report = render_report(f"interviewer eval: {path.name}", metrics, results, answers)
    (out / "report.html").write_text(report, encoding="utf-8")
    return metrics
