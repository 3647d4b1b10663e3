"""Grading without an interview: one practice answer, or a set of answers checked against human grades."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from interviewer.batch.answerset import AnswerSetError, RowProblem, parse_answer_set_text
from interviewer.batch.rows import RowResult, grade_rows
from interviewer.grading.protocol import GraderProtocol
from interviewer.grading.result import Grade
from interviewer.knowledge.models import Question
from interviewer.knowledge.resolve import QuestionResolver, UnknownQuestion
from interviewer.service.answers import clean_answer
from interviewer.service.errors import InvalidRequest, NotFound, TooLarge

MAX_BATCH_ROWS = 2000


@dataclass(frozen=True)
class GradedAnswer:
    grade: Grade
    question: Question  # the bank question, the matched one, or one derived from the reference


@dataclass(frozen=True)
class BatchGrades:
    results: list[dict[str, Any]]  # one `results.jsonl` line per graded row
    problems: list[str]  # rows that could not be graded, by line
    metrics: dict[str, Any] | None  # agreement with the human scores, when rows carry them


class Assessor:
    def __init__(self, grader: GraderProtocol, resolver: QuestionResolver, max_answer_chars: int = 8000) -> None:
        self.grader = grader
        self.resolver = resolver
        self.max_answer_chars = max_answer_chars

    def grade_one(
        self,
        answer: str,
        question_id: str | None = None,
        question: str | None = None,
        reference: str | list[str] | None = None,
    ) -> GradedAnswer:
        """Grade against a bank question (by id or by matching ``question``) or a reference answer."""
        text = clean_answer(answer, self.max_answer_chars)
        try:
            resolved = self.resolver.resolve(question_id, question, reference)
        except UnknownQuestion as e:
            raise NotFound(str(e)) from e
        return GradedAnswer(self.grader.grade(resolved.question, text, resolved.match_confidence), resolved.question)

    def grade_batch(self, text: str, fmt: Literal["jsonl", "csv", "tsv"] = "jsonl") -> BatchGrades:
        """Grade every usable row of an answer set; rows that cannot be graded come back as problems."""
        try:
            rows = list(parse_answer_set_text(text, fmt))
        except AnswerSetError as e:
            raise InvalidRequest(str(e)) from e
        if not rows:
            raise InvalidRequest("the body holds no rows; send one JSON object per line")
        if len(rows) > MAX_BATCH_ROWS:
            raise TooLarge(f"{len(rows)} rows; the limit is {MAX_BATCH_ROWS} per request")
        results: list[dict[str, Any]] = []
        problems: list[str] = []
        for item in grade_rows(self.grader, self.resolver, rows):
            if isinstance(item, RowProblem):
                problems.append(str(item))
            elif isinstance(item, RowResult):
                results.append(item.public())
        metrics = None
        if any("human_score" in r for r in results):
            # scipy and scikit-learn load only when there is something to compare.
            from interviewer.batch.agreement import compute_metrics

            metrics = compute_metrics(results, 0.0, len(problems))
        return BatchGrades(results, problems, metrics)

    def evaluate_file(
        self,
        path: Path,
        out: Path,
        batch_size: int = 32,
        progress: bool = True,
        on_problem: Callable[[RowProblem], None] | None = None,
    ) -> dict[str, Any]:
        """Grade an answer-set file and write ``results.jsonl``, ``metrics.json`` and ``report.html`` to ``out``."""
        # Batch evaluation brings scipy, scikit-learn and matplotlib (about 2 s to import); a server that never
        # evaluates a file should not start slower for them.
        from interviewer.batch.evaluate import run_eval

        try:
            return run_eval(path, out, self.grader, self.resolver, batch_size, progress, on_problem)
        except AnswerSetError as e:
            raise InvalidRequest(str(e)) from e
