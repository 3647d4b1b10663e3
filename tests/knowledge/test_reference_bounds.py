"""A reference sent with a request is bounded like an answer: normalised, cut to the limits, derived into at most
MAX_POINTS key points in linear time, and encoded only from bounded beginnings."""

from __future__ import annotations

import random
from types import SimpleNamespace

import numpy as np
import pytest

from fakes import CountingEmbedder
from interviewer.grading.similarity import ENCODED_CHARS, Grader
from interviewer.knowledge import keypoints
from interviewer.knowledge.bank import Bank
from interviewer.knowledge.keypoints import MAX_POINTS, Claim, _glue, derive_key_points, split_claims
from interviewer.knowledge.resolve import MAX_REFERENCE_CHARS, MAX_REFERENCE_ITEMS, QuestionResolver
from interviewer.language.text import text_length
from interviewer.language.units import MAX_UNIT_CHARS


def _scan_fold(claims: list[Claim]) -> list[Claim]:
    """The fold as it was written first: measure every neighbouring pair again after each fold."""
    merged = list(claims)
    while len(merged) > MAX_POINTS:
        i = min(range(len(merged) - 1), key=lambda k: text_length(merged[k].text) + text_length(merged[k + 1].text))
        a, b = merged[i], merged[i + 1]
        focus = " ".join(f for f in (a.focus, b.focus) if f)
        merged[i : i + 2] = [Claim(_glue(a.body, b.focus or b.body), focus, a.context)]
    return merged


def _scan_merge(claims: list[Claim]) -> list[Claim]:
    merged: list[Claim] = []
    for c in claims:
        prev = merged[-1] if merged else None
        if prev is not None and not c.focus and not prev.focus and (
            text_length(c.body) < keypoints.MIN_CLAIM or text_length(prev.body) < keypoints.MIN_CLAIM
        ):
            merged[-1] = Claim(_glue(prev.body, c.body), "", prev.context)
        else:
            merged.append(c)
    return merged


PIECES = ["优点", "运费低", "可靠性高", "BN", "归一化", "mean", "variance", "and", "a", "x1", "3.5", "、", "，", "。",
          "；", "：", "包括", ". ", "\n- ", "\n1. ", "e.g.", "!", " "]


def test_the_heap_fold_and_the_counted_glue_give_what_the_scans_gave() -> None:
    rng = random.Random(4)
    for _ in range(1500):
        text = "".join(rng.choice(PIECES) for _ in range(rng.randint(1, 150)))
        pieces = [p.strip() for p in text.replace("\n", "。").split("。") if p.strip()]
        claims = [Claim(p, p if i % 5 == 0 else "", "") for i, p in enumerate(pieces)]
        assert keypoints._merge_short(claims) == _scan_merge(claims), text
        assert keypoints._fold(claims, MAX_POINTS) == _scan_fold(claims), text


@pytest.mark.parametrize(
    "reference",
    [
        "组成包括：" + "、".join(chr(0x4E00 + i) for i in range(3990)),  # an enumeration of 3,990 items
        "。".join(chr(0x4E00 + i % 2000) * 4 for i in range(1600)),  # 1,600 short sentences
        "。".join(chr(0x4E00 + i) for i in range(4000)),  # 4,000 claims too short to stand alone
        "\n".join(f"- item {i} is short" for i in range(400)),
    ],
    ids=["enumeration", "short-sentences", "tiny-claims", "list"],
)
def test_a_long_reference_derives_at_most_max_points_in_linear_work(monkeypatch, reference: str) -> None:
    calls = []
    real = keypoints.text_length

    def counted(text: str) -> int:
        calls.append(len(text))
        return real(text)

    monkeypatch.setattr(keypoints, "text_length", counted)
    points = derive_key_points(reference[:MAX_REFERENCE_CHARS], "x")
    assert 1 <= len(points) <= MAX_POINTS
    # Each claim is measured a few times, not once per fold (which was millions of calls for these).
    assert len(calls) <= 6 * len(reference)
    assert sum(calls) <= 40 * len(reference)


def test_the_resolver_normalises_and_bounds_a_reference() -> None:
    resolver = QuestionResolver(SimpleNamespace(bank=Bank()))  # a reference needs no bank
    q = resolver.resolve(question="What does BN do?", reference=["BN nor\u200bmalises\r\nactivations.", "x" * 9000])
    assert q.question.reference.en.startswith("BN normalises\nactivations.")
    assert len(q.question.reference.en) <= MAX_REFERENCE_CHARS
    many = resolver.resolve(reference=[f"Point {i} is made." for i in range(MAX_REFERENCE_ITEMS + 30)])
    assert f"Point {MAX_REFERENCE_ITEMS - 1} " in many.question.reference.en
    assert f"Point {MAX_REFERENCE_ITEMS} " not in many.question.reference.en
    assert len(many.question.key_points) <= MAX_POINTS
    assert split_claims("") == []


def test_bank_texts_are_encoded_whole(corpus) -> None:
    # The encoded beginnings are longer than every text of the bank, so its grades do not change.
    for q in corpus.bank.questions:
        assert all(len(t) <= ENCODED_CHARS["question"] for t in q.question.all())
        assert all(len(t) <= ENCODED_CHARS["reference"] for t in q.reference.all())
        assert all(len(t) <= ENCODED_CHARS["point"] for kp in q.key_points for t in kp.statement.all())


def test_grading_against_a_long_reference_encodes_bounded_texts(corpus) -> None:
    grader = Grader(corpus, answer_cache=0)
    question_side = CountingEmbedder(dim=grader.embedder.dim)
    answer_side = CountingEmbedder(dim=grader.embedder.dim)
    grader.encoder, grader.embedder = question_side, answer_side
    rng = random.Random(2)
    words = [chr(rng.randint(0x4E00, 0x9FA5)) for _ in range(6000)]
    sentences = ["".join(rng.sample(words, rng.randint(8, 60))) + "。" for _ in range(400)]
    reference = "".join(sentences)[:MAX_REFERENCE_CHARS]
    resolved = QuestionResolver(corpus).resolve(question="随机的问题", reference=reference)
    answer = "".join(rng.sample(sentences, 120))[:4000] + "x" * 3000  # and an unbroken tail
    grade = grader.grade(resolved.question, answer)
    assert len(grade.key_points) <= MAX_POINTS
    encoded = [t for _, t in question_side.encoded]
    assert max(map(len, encoded)) <= max(ENCODED_CHARS.values())
    assert sum(map(len, encoded)) <= ENCODED_CHARS["question"] + ENCODED_CHARS["reference"] + MAX_POINTS * (
        ENCODED_CHARS["point"]
    )
    assert max(len(t) for _, t in answer_side.encoded) <= MAX_UNIT_CHARS
    assert np.isfinite(grade.score)
