from __future__ import annotations

import pytest

from interviewer.knowledge.resolve import QuestionResolver, UnknownQuestion


def test_resolve_by_id_by_text_and_by_reference(corpus) -> None:
    r = QuestionResolver(corpus)
    by_id = r.resolve(question_id="bn-param-count")
    assert by_id.origin == "bank" and by_id.match_confidence is None
    matched = r.resolve(question="BN层有多少个可以学习的参数？")
    assert matched.origin == "matched" and matched.question.id == "bn-param-count"
    assert matched.match_confidence is not None and matched.match_confidence >= 0.85
    ref = r.resolve(question="What is dropout?", reference=["Dropout zeroes random units.", "It reduces overfitting."])
    assert ref.origin == "reference" and [kp.statement.en for kp in ref.question.key_points] == [
        "Dropout zeroes random units.",
        "It reduces overfitting.",
    ]
    resolved = r.resolve(question="What is dropout?", reference="Dropout zeroes random units.\nIt reduces overfitting.")
    assert resolved.question is not None


def test_unknown_questions_are_explained(corpus) -> None:
    r = QuestionResolver(corpus)
    with pytest.raises(UnknownQuestion, match="unknown question id 'nope'"):
        r.resolve(question_id="nope")
    with pytest.raises(UnknownQuestion, match="no bank question matches"):
        r.resolve(question="What is the capital of France?")
