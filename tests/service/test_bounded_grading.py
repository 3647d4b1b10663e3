"""What one grading request may cost: a batch stops at its deadline (measured here on a fake clock, so nothing
depends on how fast the machine is), it is graded in bounded chunks, and the texts of every row and of a single
grade are normalised and held to the limits before anything is encoded."""

from __future__ import annotations

import json
from collections.abc import Sequence
from types import SimpleNamespace

import pytest

from fakes import KeywordGrader
from interviewer import load_bank
from interviewer.grading.result import Grade
from interviewer.knowledge.models import Question
from interviewer.knowledge.resolve import MAX_REFERENCE_CHARS, MAX_REFERENCE_ITEMS, QuestionResolver
from interviewer.service import Assessor, InvalidRequest, TooLarge
from interviewer.service.assessments import CHUNK_CHARS, CHUNK_ROWS
from paths import REPO

BANK = load_bank(REPO / "corpus" / "bank")
QID = "bn-train-test"
LATE = "not graded: the batch passed its 2.5 s grading deadline; send the remaining rows in another request"


class FakeClock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


class ClockedGrader(KeywordGrader):
    """The keyword grader, each grade_many call taking ``seconds`` on the fake clock; records what it was given."""

    name = "clocked"
    model_id = "fake"

    def __init__(self, clock: FakeClock, seconds: float) -> None:
        super().__init__()
        self.clock = clock
        self.seconds = seconds
        self.batches: list[list[str]] = []

    def grade_many(
        self, items: Sequence[tuple[Question, str]], match_confidences: Sequence[float | None] | None = None
    ) -> list[Grade]:
        self.batches.append([a for _, a in items])
        self.clock.now += self.seconds
        return [self.grade(q, a) for q, a in items]


def _assessor(seconds: float = 1.0, deadline: float | None = 2.5, limit: int = 4000) -> tuple[Assessor, ClockedGrader]:
    clock = FakeClock()
    grader = ClockedGrader(clock, seconds)
    resolver = QuestionResolver(SimpleNamespace(bank=BANK))  # ids and references only: nothing is matched
    return Assessor(grader, resolver, limit, deadline_seconds=deadline, clock=clock), grader


def _body(rows: list[dict]) -> str:
    return "\n".join(json.dumps(r, ensure_ascii=False) for r in rows)


def _rows(n: int, answer: str = "BN用batch统计量。") -> list[dict]:
    return [{"id": f"r{i}", "question_id": QID, "answer": f"{answer}{i}"} for i in range(n)]


def test_a_batch_over_its_deadline_grades_whole_chunks_and_reports_the_rest() -> None:
    assessor, grader = _assessor(seconds=1.0, deadline=2.5)
    rows = _rows(100)
    rows[98] = {"id": "broken", "answer": "no question"}
    graded = assessor.grade_batch(_body(rows))
    # Three chunks of 32 take 1 s each: the deadline has passed before the fourth.
    assert [len(b) for b in grader.batches] == [CHUNK_ROWS] * 3
    assert graded.partial
    assert [r["id"] for r in graded.results] == [f"r{i}" for i in range(96)]
    assert graded.problems == [
        f"line 97 (id r96): {LATE}",
        f"line 98 (id r97): {LATE}",
        "line 99 (id broken): needs question_id, question, reference or alternatives",
        f"line 100 (id r99): {LATE}",
    ]


def test_a_batch_within_its_deadline_or_without_one_is_whole() -> None:
    for deadline in (None, 1000.0):
        assessor, grader = _assessor(seconds=10.0, deadline=deadline)
        graded = assessor.grade_batch(_body(_rows(70)))
        assert not graded.partial and graded.problems == [] and len(graded.results) == 70
        assert [len(b) for b in grader.batches] == [32, 32, 6]


def test_the_first_chunk_is_graded_whatever_the_deadline() -> None:
    assessor, grader = _assessor(seconds=100.0, deadline=0.001)
    graded = assessor.grade_batch(_body(_rows(40)))
    assert len(graded.results) == 32 and len(graded.problems) == 8 and graded.partial


def test_chunks_are_bounded_by_characters_too() -> None:
    assessor, grader = _assessor(deadline=None)
    answer = ("训练时用batch统计量。" * 250)[:2990]  # and the row's number: at most 2,992 characters
    graded = assessor.grade_batch(_body(_rows(12, answer)))
    assert len(graded.results) == 12
    per_chunk = CHUNK_CHARS // 3000
    assert per_chunk < CHUNK_ROWS and [len(b) for b in grader.batches] == [per_chunk] * (12 // per_chunk)


def test_rows_are_normalised_and_held_to_the_limits_of_one_grade() -> None:
    assessor, grader = _assessor(deadline=None, limit=200)
    ref = "BN normalises activations."
    rows = [
        {"id": "crlf", "question_id": QID, "answer": "gamma\r\nbe\u200bta"},
        {"id": "long", "question_id": QID, "answer": "x" * 201},
        {"id": "blank", "question_id": QID, "answer": "\u200b\u200b"},
        {"id": "big-ref", "reference": "y" * (MAX_REFERENCE_CHARS + 1), "answer": "BN"},
        {"id": "many-refs", "reference": [ref] * (MAX_REFERENCE_ITEMS + 1), "answer": "BN"},
        {"id": "alts", "reference": ref, "alternatives": ["z" * 5000, "z" * 5000], "answer": "BN"},
        {"id": "invisible-question", "question": "\u200b\u2060", "answer": "BN"},
        {"id": "ok", "reference": [ref, "It uses\r\nbatch statistics."], "answer": "BN normalises"},
    ]
    graded = assessor.grade_batch(_body(rows))
    assert [r["id"] for r in graded.results] == ["crlf", "ok"]
    assert grader.batches == [["gamma\nbeta", "BN normalises"]]
    problems = "\n".join(graded.problems)
    assert "(id long): the answer is 201 characters; the limit is 200" in problems
    assert "(id blank): the answer is empty" in problems
    assert f"(id big-ref): reference: {MAX_REFERENCE_CHARS + 1} characters in all" in problems
    assert f"(id many-refs): reference: {MAX_REFERENCE_ITEMS + 1} texts" in problems
    assert "(id alts): alternatives: 10000 characters in all" in problems
    assert "(id invisible-question): nothing to grade against" in problems
    assert not graded.partial


def test_one_grade_normalises_and_bounds_what_it_is_given() -> None:
    assessor, grader = _assessor(deadline=None)
    graded = assessor.grade_one("gamma\u200b and\r\nbeta", question_id=QID)
    assert graded.grade.question_id == QID
    assert grader.calls and grader.calls[-1][0] == QID
    with pytest.raises(TooLarge, match=f"the limit is {MAX_REFERENCE_CHARS}"):
        assessor.grade_one("BN", reference="BN " * 3000)
    with pytest.raises(TooLarge, match=f"the limit is {MAX_REFERENCE_ITEMS}"):
        assessor.grade_one("BN", reference=["BN."] * (MAX_REFERENCE_ITEMS + 1))
    with pytest.raises(InvalidRequest, match="empty"):
        assessor.grade_one("BN", reference=["BN.", "\u200b"])
    with pytest.raises(InvalidRequest, match="nothing to grade against"):
        assessor.grade_one("BN", question="\u200b")
    with pytest.raises(TooLarge, match="the question is"):
        assessor.grade_one("BN", question="BN? " * 600)
