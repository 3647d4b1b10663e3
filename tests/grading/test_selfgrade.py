"""Every reference answer of the shipped bank earns full marks against its own key points, in both languages."""

from __future__ import annotations

from interviewer.grading.selfgrade import FULL_MARKS, grade_references
from interviewer.grading.similarity import Grader


def test_every_reference_grades_full_marks_in_both_languages(corpus) -> None:
    grades = grade_references(Grader(corpus), corpus.bank)
    assert len(grades) == 2 * len(corpus.bank)
    low = [str(g) for g in grades if not g.passes]
    assert low == [], low
    assert min(g.score for g in grades) >= FULL_MARKS


def test_a_reference_graded_against_another_questions_points_does_not_pass(corpus) -> None:
    bank = corpus.bank
    bn, adam = bank.get("bn-formula"), bank.get("opt-adam")
    swapped = bn.model_copy(update={"reference": adam.reference})
    grades = grade_references(Grader(corpus), [swapped])
    assert grades and not any(g.passes for g in grades)
    assert any(g.missed for g in grades)
    assert all(f"grades {g.score:.1f} < 90" in str(g) for g in grades)
