"""Grading the bank's own reference answers: a complete model answer must earn (nearly) full marks.

A reference that scores low against its own key points means the points ask for something the reference
does not say, or say it in words the grader cannot connect; either way a candidate who answers as well as
the reference would be marked down.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from interviewer.grading.protocol import GraderProtocol
from interviewer.grading.scoring import score
from interviewer.knowledge.models import LANGUAGES, Language, Question

FULL_MARKS = 90.0


@dataclass(frozen=True)
class ReferenceGrade:
    question_id: str
    lang: Language
    score: float
    missed: tuple[str, ...]

    @property
    def passes(self) -> bool:
        return self.score >= FULL_MARKS

    def __str__(self) -> str:
        missed = f"; points not covered: {', '.join(self.missed)}" if self.missed else ""
        grade = f"the {self.lang} reference grades {self.score:.1f} < {FULL_MARKS:g}"
        return f"question {self.question_id}: {grade}{missed}"


def grade_references(
    grader: GraderProtocol, questions: Iterable[Question], languages: Sequence[Language] = LANGUAGES
) -> list[ReferenceGrade]:
    """Every question's reference, in each language it has, graded against the question's own key points."""
    items = [(q, lang) for q in questions for lang in languages if getattr(q.reference, lang)]
    grades = grader.grade_many([(q, getattr(q.reference, lang)) for q, lang in items])
    # Scored without the floor for an answer that covers every point: the check asks whether the evidence gives
    # the reference full marks, and a wrong reference can "cover" every point narrowly with look-alike words.
    return [
        ReferenceGrade(q.id, lang, score(g.key_points, g.flags, floor=False), tuple(p.id for p in g.missed))
        for (q, lang), g in zip(items, grades, strict=True)
    ]
