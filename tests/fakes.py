"""Stand-ins shared by tests that need a grader but not the model."""

from __future__ import annotations

from interviewer.grading.result import Evidence, Grade, PointGrade
from interviewer.grading.scoring import coverage, score
from interviewer.knowledge.models import Question


class KeywordGrader:
    """Covers a key point when the answer contains its id's last part (e.g. 'gamma-beta')."""

    llm = None

    def __init__(self) -> None:
        self.calls: list[tuple[str, list[str]]] = []

    def grade(self, question: Question, answer: str, match_confidence: float | None = None) -> Grade:
        self.calls.append((question.id, [kp.id for kp in question.key_points]))
        points = []
        for kp in question.key_points:
            tag = kp.id.rsplit(".", 1)[-1]
            at = answer.find(tag)
            points.append(
                PointGrade(
                    id=kp.id, statement=kp.statement.zh, weight=kp.weight, probability=1.0 if at >= 0 else 0.0,
                    covered=at >= 0, evidence=Evidence(start=at, end=at + len(tag), text=tag) if at >= 0 else None,
                )
            )
        flags = ["dont_know"] if "不知道" in answer else []
        return Grade(
            question_id=question.id,
            score=score(points, flags),
            coverage=coverage(points),
            key_points=points,
            flags=flags,
        )
