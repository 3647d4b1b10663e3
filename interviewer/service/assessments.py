"""Grading without an interview: one practice answer, or a set of answers checked against human grades."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from interviewer.batch.answerset import AnswerRow, AnswerSetError, RowProblem, parse_answer_set_text
from interviewer.batch.rows import RowResult, grade_rows
from interviewer.grading.protocol import GraderProtocol
from interviewer.grading.result import Grade
from interviewer.knowledge.models import Question
from interviewer.knowledge.resolve import QuestionResolver, UnknownQuestion
from interviewer.service.answers import clean_answer, clean_question, clean_reference
from interviewer.service.errors import InvalidRequest, NotFound, ServiceError, TooLarge

MAX_BATCH_ROWS = 2000
# A batch is graded in chunks of at most this many rows and characters (answers and references); the deadline
# is checked between chunks, so a batch overruns it by one chunk at most: about 9 s for 12,000 characters of
# Chinese on a 2-core box (eval/bench_hostile.py), 3 s of English, 12 s of text that costs a token a character.
CHUNK_ROWS = 32
CHUNK_CHARS = 12_000
NOTHING_TO_GRADE_AGAINST = "nothing to grade against: give question_id, question or reference"


@dataclass(frozen=True)
class GradedAnswer:
    grade: Grade
    question: Question  # the bank question, the matched one, or one derived from the reference


@dataclass(frozen=True)
class BatchGrades:
    results: list[dict[str, Any]]  # one `results.jsonl` line per graded row
    problems: list[str]  # rows that could not be graded, by line
    metrics: dict[str, Any] | None  # agreement with the human scores, when rows carry them
    partial: bool = False  # the grading deadline passed: the rows not graded by then are among the problems


class Assessor:
    """``deadline_seconds`` bounds the grading time of one batch (None: no limit, as for ``interviewer eval``);
    ``clock`` is what measures it (seconds, monotonic)."""

    def __init__(
        self,
        grader: GraderProtocol,
        resolver: QuestionResolver,
        max_answer_chars: int = 8000,
        deadline_seconds: float | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.grader = grader
        self.resolver = resolver
        self.max_answer_chars = max_answer_chars
        self.deadline_seconds = deadline_seconds
        self.clock = clock

    def grade_one(
        self,
        answer: str,
        question_id: str | None = None,
        question: str | None = None,
        reference: str | list[str] | None = None,
    ) -> GradedAnswer:
        """Grade against a bank question (by id or by matching ``question``) or a reference answer.

        One grade needs no deadline: its cost is bounded by construction (the answer, the question and the
        reference are normalised and within their limits, and the grader encodes bounded units of each).
        """
        text = clean_answer(answer, self.max_answer_chars)
        refs = clean_reference(reference)
        question = clean_question(question)
        if not (question_id or question or refs):
            raise InvalidRequest(NOTHING_TO_GRADE_AGAINST)
        try:
            resolved = self.resolver.resolve(question_id, question, refs)
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
        started = self.clock()
        chunks = list(_chunks([self._bounded(r) for r in rows]))
        partial = False
        for n, chunk in enumerate(chunks):
            if self.deadline_seconds is not None and self.clock() - started >= self.deadline_seconds:
                # Rows not reached are reported in line order with the rows that could not be read anyway.
                partial = True
                late = (
                    f"not graded: the batch passed its {self.deadline_seconds:g} s grading deadline; "
                    "send the remaining rows in another request"
                )
                for rest in chunks[n:]:
                    problems += [str(r if isinstance(r, RowProblem) else RowProblem(r.line, r.id, late)) for r in rest]
                break
            for item in grade_rows(self.grader, self.resolver, chunk, batch_size=len(chunk)):
                if isinstance(item, RowProblem):
                    problems.append(str(item))
                elif isinstance(item, RowResult):
                    results.append(item.public())
        metrics = None
        if any("human_score" in r for r in results):
            # scipy and scikit-learn load only when there is something to compare.
            from interviewer.batch.agreement import compute_metrics

            metrics = compute_metrics(results, 0.0, len(problems))
        return BatchGrades(results, problems, metrics, partial)

    def _bounded(self, row: AnswerRow | RowProblem) -> AnswerRow | RowProblem:
        """The row with its texts normalised, or a problem when one is over the limits of a single grade."""
        if isinstance(row, RowProblem):
            return row
        try:
            answer = clean_answer(row.answer, self.max_answer_chars)
            question = clean_question(row.question)
            reference = clean_reference(row.reference)
            # Each alternative is a whole reference the answer is graded against: together they are bounded
            # like one reference's points.
            alternatives = clean_reference(row.alternatives, "alternatives")
        except ServiceError as e:
            return RowProblem(row.line, row.id, e.message)
        if not (row.question_id or question or reference):
            return RowProblem(row.line, row.id, NOTHING_TO_GRADE_AGAINST)
        return row.model_copy(
            update={"answer": answer, "question": question, "reference": reference, "alternatives": alternatives}
        )

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


def _chunks(rows: Sequence[AnswerRow | RowProblem]) -> Iterator[list[AnswerRow | RowProblem]]:
    """Consecutive rows, at most CHUNK_ROWS of them and CHUNK_CHARS characters of text to grade per chunk."""
    chunk: list[AnswerRow | RowProblem] = []
    size = 0
    for row in rows:
        cost = _size(row)
        if chunk and (len(chunk) >= CHUNK_ROWS or size + cost > CHUNK_CHARS):
            yield chunk
            chunk, size = [], 0
        chunk.append(row)
        size += cost
    if chunk:
        yield chunk


def _size(row: AnswerRow | RowProblem) -> int:
    if isinstance(row, RowProblem):
        return 0
    # An answer's sentences are encoded once however many references it is compared with.
    return len(row.answer) + sum(map(len, [*(row.reference or []), *(row.alternatives or [])]))
