"""What a follow-up quotes back: a whole clause that makes a covered point, never a cut or another topic."""

from __future__ import annotations

from interviewer.grading.result import Evidence, PointGrade
from interviewer.interview.quotes import clauses, quote
from interviewer.knowledge.models import Bilingual, KeyPoint


def point(terms: list[list[str]] | None = None, statement: str = "") -> KeyPoint:
    return KeyPoint(id="q.k", statement=Bilingual(zh=statement, en=statement), terms=terms or [])


def graded(text: str, probability: float = 0.8, covered: bool = True) -> PointGrade:
    return PointGrade(
        id="q.k", statement="", weight=1.0, probability=probability, covered=covered,
        evidence=Evidence(start=0, end=len(text), text=text),
    )


def test_clauses_drop_their_separating_punctuation() -> None:
    assert clauses("收敛更快，而且更稳定。") == ["收敛更快", "而且更稳定"]
    assert clauses("It converges faster, and it's stable.") == ["It converges faster", "and it's stable"]


def test_the_quote_is_the_clause_that_makes_the_point_without_trailing_punctuation() -> None:
    kp = point(terms=[["收敛", "converge"], ["更快", "faster"]])
    said = quote([(kp, graded("Adam 用了动量，收敛更快，但泛化不一定好。"))], "zh")
    assert said == "收敛更快"


def test_a_clause_too_long_to_quote_is_left_out_rather_than_cut() -> None:
    kp = point(statement="the gradient of the loss with respect to the weights")
    long = " ".join(["the gradient of the loss with respect to the weights is what we compute"] * 3)
    assert quote([(kp, graded(long))], "en") is None


def test_evidence_that_shares_nothing_with_the_point_is_not_quoted() -> None:
    kp = point(terms=[["momentum", "动量"]], statement="SGD with momentum")
    assert quote([(kp, graded("Adam combines RMSProp with bias correction."))], "en") is None
    assert quote([(kp, graded("SGD with momentum smooths the steps."))], "en") == "SGD with momentum smooths the steps"


def test_only_covered_points_are_quoted() -> None:
    kp = point(terms=[["momentum"]])
    assert quote([(kp, graded("momentum helps", covered=False))], "en") is None
