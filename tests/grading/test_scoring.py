from __future__ import annotations

import itertools

import pytest

from interviewer.grading.result import PointGrade
from interviewer.grading.scoring import CREDIT_FLOOR, CREDIT_FULL, PENALTIES, apply_penalties, point_credit, score


def points(*probs: float, weights: tuple[float, ...] | None = None) -> list[PointGrade]:
    weights = weights or tuple(1.0 for _ in probs)
    return [
        PointGrade(id=f"k{i}", statement="", weight=w, probability=p, covered=p >= 0.5)
        for i, (p, w) in enumerate(zip(probs, weights, strict=True))
    ]


@pytest.mark.parametrize("flags", [list(f) for n in (2, 3) for f in itertools.combinations(sorted(PENALTIES), n)])
def test_the_score_does_not_depend_on_the_order_of_the_flags(flags: list[str]) -> None:
    pts = points(0.9, 0.6, 0.3)
    scores = {score(pts, list(order)) for order in itertools.permutations(flags)}
    assert len(scores) == 1


def test_multipliers_apply_before_the_lowest_cap() -> None:
    # 60 % with an injection (× 0.5) and a cap of 10: 10 whichever comes first (it was 10 or 5 before).
    assert (
        apply_penalties(60.0, ["instruction_like", "too_short"])
        == apply_penalties(60.0, ["too_short", "instruction_like"])
        == 10.0
    )
    assert apply_penalties(60.0, ["instruction_like"]) == 30.0
    assert apply_penalties(60.0, ["dont_know", "keyword_list"]) == 0.0
    assert apply_penalties(60.0, ["a_flag_nobody_defined"]) == 60.0


def test_credit_is_a_ramp_from_the_floor_to_full() -> None:
    assert point_credit(0.0) == point_credit(CREDIT_FLOOR) == 0.0
    assert point_credit(CREDIT_FULL) == point_credit(1.0) == 1.0
    mid = (CREDIT_FLOOR + CREDIT_FULL) / 2
    assert point_credit(mid) == pytest.approx(0.5)


def test_weights_decide_how_much_each_point_counts() -> None:
    assert score(points(1.0, 0.0, weights=(3.0, 1.0))) == 75.0
    assert score(points(1.0, 1.0)) == 100.0
    assert score([]) == 0.0
