"""The follow-up asks about a point the answer did not make."""

from __future__ import annotations

from interviewer.grading.result import Evidence, Grade, PointGrade
from interviewer.interview.machine import followup_target
from interviewer.knowledge.models import Bilingual, KeyPoint, Question


def question(weights: tuple[float, ...] = (1.0, 1.0, 1.0)) -> Question:
    return Question(
        id="q",
        topic="t",
        question=Bilingual(en="Q?"),
        reference=Bilingual(en="R."),
        key_points=[
            KeyPoint(id=f"q.k{i}", statement=Bilingual(en=f"point {i}"), weight=w) for i, w in enumerate(weights)
        ],
    )


def grade(evidence: dict[str, float], covered: set[str], probability: float = 0.4) -> Grade:
    pts = [
        PointGrade(
            id=k, statement=k, weight=1.0, probability=0.9 if k in covered else probability, covered=k in covered,
            evidence=Evidence(start=0, end=1, text="x") if k in covered else None,
            features={"sim_rel": e, "point_words": e, "point_grams": e},
        )
        for k, e in evidence.items()
    ]
    return Grade(question_id="q", score=50, coverage=0.5, key_points=pts)


def test_the_target_is_a_missed_point_with_the_least_evidence_of_its_own() -> None:
    q = question()
    g = grade({"q.k0": 0.9, "q.k1": 0.5, "q.k2": 0.1}, covered={"q.k0"})
    assert followup_target(q, g).id == "q.k2"
    # Already asked about: the next least evident missed point.
    assert followup_target(q, g, hinted=["q.k2"]).id == "q.k1"


def test_covered_points_are_never_asked_for() -> None:
    q = question()
    g = grade({"q.k0": 0.0, "q.k1": 0.0, "q.k2": 0.0}, covered={"q.k0", "q.k1", "q.k2"})
    assert followup_target(q, g) is None
    g = grade({"q.k0": 0.0, "q.k1": 0.2, "q.k2": 0.3}, covered={"q.k1"})
    assert followup_target(q, g, covered={"q.k0"}).id == "q.k2"


def test_minor_points_are_not_worth_a_follow_up() -> None:
    q = question(weights=(2.0, 0.5, 2.0))
    g = grade({"q.k0": 0.9, "q.k1": 0.0, "q.k2": 0.2}, covered={"q.k0"})
    assert followup_target(q, g).id == "q.k2"
