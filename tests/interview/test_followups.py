"""The follow-up asks about a point the answer did not make."""

from __future__ import annotations

import pytest

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


def test_a_point_stated_in_its_own_terms_is_never_asked_for_even_when_not_covered() -> None:
    q = question()
    g = grade({"q.k0": 0.9, "q.k1": 1.0, "q.k2": 0.3}, covered={"q.k0"})  # k1 uses all of its terms
    assert followup_target(q, g).id == "q.k2"
    g = grade({"q.k0": 0.9, "q.k1": 1.0, "q.k2": 1.0}, covered={"q.k0"})
    assert followup_target(q, g) is None  # everything missing was stated: move on


# Answers that drew a follow-up asking for what they had just said (issue 15); also in seed_dev (followup_* rows).
STATED = [
    (
        "bn-train-test",
        "zh",
        "训练时用batch统计量做归一化，同时用滑动平均把均值和方差累积下来；测试时就用这些累积的全局统计量，"
        "不再依赖当前batch，这样输出是确定的。",
        {"bn-train-test.train-batch-stats", "bn-train-test.moving-average", "bn-train-test.inference-fixed"},
    ),
    (
        "dil-purpose",
        "zh",
        "空洞卷积在卷积核元素之间插入空洞，不用池化、不降低分辨率就能增大感受野。参数量还是9个。"
        "常用在语义分割里，比如DeepLab。",
        {"dil-purpose.rf-without-pooling", "dil-purpose.no-extra-params", "dil-purpose.applications"},
    ),
    (
        "bp-derivation",
        "en",
        "With L = ½Σ_k(o_k − t_k)², ∂L/∂o_k = o_k − t_k and the sigmoid gives o_k(1 − o_k), so "
        "δ_k = (o_k − t_k)o_k(1 − o_k) and ∂L/∂w_jk = δ_k o_j. For a hidden unit, δ_j = o_j(1 − o_j) Σ_k δ_k w_jk, "
        "and ∂L/∂w_ij = δ_j o_i. Repeat layer by layer backwards and update w ← w − η ∂L/∂w.",
        {
            "bp-derivation.mse-grad",
            "bp-derivation.sigmoid-grad",
            "bp-derivation.output-delta",
            "bp-derivation.hidden-delta",
            "bp-derivation.recursive-update",
        },
    ),
]


@pytest.mark.parametrize(("qid", "lang", "answer", "said"), STATED, ids=[s[0] for s in STATED])
def test_real_answers_are_not_asked_for_what_they_said(
    corpus, qid: str, lang: str, answer: str, said: set[str]
) -> None:
    from interviewer.grading.similarity import Grader

    q = corpus.bank.get(qid)
    g = Grader(corpus).grade(q, answer)
    asked: list[str] = []
    for _ in range(2):  # the first follow-up and the second one
        target = followup_target(q, g, hinted=asked)
        if target is None:
            break
        assert target.id not in said, (target.id, [(p.id, p.probability) for p in g.key_points])
        asked.append(target.id)
