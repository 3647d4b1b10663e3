"""Grade answer sets in batches: rows stream in, answers are encoded together, results stream out."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass

from interviewer.batch.answerset import AnswerRow, RowProblem
from interviewer.grading.protocol import GraderProtocol as Grader
from interviewer.grading.result import Grade
from interviewer.knowledge.resolve import QuestionResolver, ResolvedQuestion, UnknownQuestion


@dataclass
class RowResult:
    row: AnswerRow
    resolved: ResolvedQuestion
    grade: Grade

    def public(self) -> dict[str, object]:
        """One line of `results.jsonl`."""
        out: dict[str, object] = {"id": self.row.id, "line": self.row.line}
        if self.row.score is not None:
            out["human_score"] = self.row.score
            out["score_max"] = self.row.score_max
        out["grade"] = self.grade.public()
        if self.row.labels is not None:
            out["labels"] = self.row.labels
        if self.row.meta:
            out["meta"] = self.row.meta
        return out


def best_grade(grades: Sequence[Grade], resolved: ResolvedQuestion) -> Grade:
    """Of an answer's grades against several complete model answers, the best, as an examiner would read it."""
    best = max(grades, key=lambda g: g.score)
    if best.question_id == resolved.question.id:
        return best
    return best.model_copy(update={"question_id": resolved.question.id})


def grade_rows(
    grader: Grader,
    resolver: QuestionResolver,
    rows: Iterable[AnswerRow | RowProblem],
    batch_size: int = 32,
) -> Iterator[RowResult | RowProblem]:
    """Resolve each row's question, grade in batches of ``batch_size``; unusable rows come back as problems."""
    pending: list[tuple[AnswerRow, ResolvedQuestion]] = []

    def flush() -> Iterator[RowResult]:
        items = [(q, row.answer) for row, r in pending for q in r.candidates]
        confidences = [r.match_confidence for _, r in pending for _ in r.candidates]
        grades = iter(grader.grade_many(items, confidences))
        for row, r in pending:
            yield RowResult(row, r, best_grade([next(grades) for _ in r.candidates], r))
        pending.clear()

    for item in rows:
        if isinstance(item, RowProblem):
            yield item
            continue
        try:
            resolved = resolver.resolve(item.question_id, item.question, item.reference, item.alternatives)
        except UnknownQuestion as e:
            yield RowProblem(item.line, item.id, str(e))
            continue
        if item.labels:
            known = {kp.id for kp in resolved.question.key_points}
            unknown = sorted(set(item.labels) - known)
            if unknown:
                yield RowProblem(item.line, item.id, f"labels name unknown key points: {', '.join(unknown[:3])}")
                continue
        pending.append((item, resolved))
        if len(pending) >= batch_size:
            yield from flush()
    if pending:
        yield from flush()
