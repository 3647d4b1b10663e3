"""One function from per-point results and flags to a score, the same for every grader.

A grader decides, per key point, a probability that the answer makes it (embedding features, an LLM's
verdict, or both). The score is the weighted mean of each point's *credit*, lowered by the flags:

- credit is a ramp on the probability: none up to ``CREDIT_FLOOR``, the whole weight from ``CREDIT_FULL``,
  proportional in between. The point model is linear, so an answer with no evidence at all still sits near
  0.2 and a complete one near 0.8-0.9; the ramp puts them at 0 and 100. Measured leave-one-dataset-out
  (eval/QUALITY.md), this ramp keeps or raises Pearson on every set but Beetle (where the top saturates),
  while a concave power (p ** 0.6) cost 0.05-0.10 and a steeper ramp (0.15 to 0.7) 0.09-0.17.
- an answer that covers every key point earns at least ``COVERED_CREDIT`` (90) before flags: a person reading
  "all points covered" beside 78 could not tell why. It costs Pearson where partially correct answers cover
  their one or two points narrowly (Beetle −0.04, SciEntsBank unseen questions −0.025; eval/QUALITY.md). It
  applies to the whole answer, not to each covered point: per point it cost up to 0.02 more (seed_dev, SAF).
- flags: every multiplier applies, then the lowest cap. Both commute, so the order in which a grader
  found its flags never changes the score.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Protocol

CREDIT_FLOOR = 0.2
CREDIT_FULL = 0.85
COVERED_CREDIT = 0.9

# How each flag lowers the score. ("mul", f) multiplies it, ("cap", c) caps it.
PENALTIES: dict[str, tuple[str, float]] = {
    "instruction_like": ("mul", 0.5),
    "question_echo": ("cap", 0.0),
    "dont_know": ("cap", 0.0),
    "too_short": ("cap", 10.0),
    "keyword_list": ("cap", 10.0),
    "off_topic": ("cap", 5.0),
    "other_question": ("cap", 10.0),
}

# Flags that rest on embedding similarity alone. Where an LLM has judged a key point covered, they no longer cap the
# score: the judged point supports it (interviewer.grading.hybrid). The others stay absolute: text addressed to
# the grader, an echo of the question and "I don't know" are read from the answer itself.
SOFT_FLAGS = frozenset({"too_short", "keyword_list", "off_topic", "other_question"})

# The same rules in words, in each language a candidate reads them in (grade cards, reports).
PENALTY_RULES: dict[str, dict[str, str]] = {
    "instruction_like": {
        "zh": "写给评分者的句子在评分前删去，分数减半",
        "en": "sentences addressed to the grader are removed before grading and the score is halved",
    },
    "question_echo": {
        "zh": "只是重复题目的回答得 0 分",
        "en": "an answer that only repeats the question scores 0",
    },
    "dont_know": {
        "zh": "基本上只是说“不知道”的回答得 0 分",
        "en": "an answer that is mostly 'I don't know' scores 0",
    },
    "too_short": {
        "zh": "只有几个字、没有答到任何要点的回答最多得 10 分",
        "en": "a reply of a few words that makes none of the key points is capped at 10",
    },
    "keyword_list": {
        "zh": "只罗列术语、没有做出任何论述的回答最多得 10 分",
        "en": "a list of bare terms without claims is capped at 10",
    },
    "off_topic": {
        "zh": "与题目及参考答案毫无关联的回答最多得 5 分",
        "en": "an answer with nothing in common with the question or its reference is capped at 5",
    },
    "other_question": {
        "zh": "答的是题库中另一道题的要点、几乎没有答到本题要点的回答最多得 10 分",
        "en": "an answer that makes another bank question's points and hardly any of this one's is capped at 10",
    },
}


class PointLike(Protocol):
    @property
    def weight(self) -> float: ...

    @property
    def probability(self) -> float: ...

    @property
    def covered(self) -> bool: ...


def point_credit(probability: float) -> float:
    """The share of a key point's weight that an answer earns with this probability of making it."""
    return min(1.0, max(0.0, (probability - CREDIT_FLOOR) / (CREDIT_FULL - CREDIT_FLOOR)))


def coverage(points: Iterable[PointLike]) -> float:
    """Weighted mean probability of the key points (before the credit ramp and the flags)."""
    pts = list(points)
    total = sum(p.weight for p in pts)
    return sum(p.weight * p.probability for p in pts) / total if total > 0 else 0.0


def apply_penalties(score: float, flags: Iterable[str] | Mapping[str, str]) -> float:
    """``score`` (0-100) after every multiplier, then the lowest cap; unknown flags carry no penalty."""
    factor, cap = 1.0, 100.0
    for name in flags:
        kind, value = PENALTIES.get(name, ("mul", 1.0))
        if kind == "mul":
            factor *= value
        else:
            cap = min(cap, value)
    return round(max(0.0, min(score * factor, cap, 100.0)), 1)


def score(points: Iterable[PointLike], flags: Iterable[str] | Mapping[str, str] = (), floor: bool = True) -> float:
    """The 0-100 score of one answer from its key points' probabilities and weights and its flags.

    ``floor=False`` leaves out the floor for an answer that covers every point: a grader that finds the answer
    fits another question better says so (its points may all be "covered" by look-alike vocabulary).
    """
    pts = list(points)
    total = sum(p.weight for p in pts)
    earned = sum(p.weight * point_credit(p.probability) for p in pts) / total if total > 0 else 0.0
    if floor and pts and all(p.covered for p in pts):
        earned = max(earned, COVERED_CREDIT)
    return apply_penalties(100.0 * earned, flags)


__all__ = [
    "CREDIT_FLOOR",
    "CREDIT_FULL",
    "COVERED_CREDIT",
    "PENALTIES",
    "PENALTY_RULES",
    "SOFT_FLAGS",
    "apply_penalties",
    "coverage",
    "point_credit",
    "score",
]
