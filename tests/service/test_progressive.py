"""Progressive grading through the interview use cases: the instant grade at once, the final one within the
follow-up budget or in the background, stored in place of the instant one and streamed as it arrives."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path

import pytest

from fakes import SlowJudgeGrader
from interviewer import load_bank
from interviewer.interview.machine import InterviewConfig
from interviewer.service import InterviewService, NotFound
from interviewer.service.judging import JudgingEvent
from interviewer.storage.engine import make_engine, migrate
from interviewer.storage.repository import SessionRepository
from paths import REPO

BANK = load_bank(REPO / "corpus" / "bank")
CONFIG = InterviewConfig(topics=["batch-norm"], n_questions=2, max_followups=1, seed=5)


@pytest.fixture
def db(tmp_path: Path):
    url = f"sqlite:///{tmp_path / 'interviewer.db'}"
    migrate(url)
    engine = make_engine(url)
    yield engine
    engine.dispose()


def _service(engine, grader: SlowJudgeGrader, budget: float) -> InterviewService:
    return InterviewService(BANK, grader, SessionRepository(engine), corpus=None, followup_budget=budget)


def _one_point_answer(service: InterviewService, question_id: str) -> tuple[str, list[str]]:
    """An answer that makes the question's first key point only (for the keyword grader), and the point ids."""
    q = BANK.get(question_id)
    ids = [kp.id for kp in q.key_points]
    return f"我认为 {ids[0].rsplit('.', 1)[-1]} 是关键。", ids


def _answer_one_point(db, released: bool, budget: float):
    """A fresh interview whose first question got an answer making its first key point only."""
    grader = SlowJudgeGrader(released=released)
    service = _service(db, grader, budget=budget)
    started = service.start(CONFIG)
    text, ids = _one_point_answer(service, started.interview.state.current.question_id)
    answered = service.answer(started.session_id, started.token, text)
    return grader, service, started, text, ids, answered


async def _collect(events) -> list[JudgingEvent]:
    return [e async for e in events]


def test_judgements_within_the_budget_decide_the_turn_and_its_follow_up(db) -> None:
    grader = SlowJudgeGrader(released=True)
    service = _service(db, grader, budget=5.0)
    started = service.start(CONFIG)
    move = started.interview.state.current
    text, ids = _one_point_answer(service, move.question_id)
    answered = service.answer(started.session_id, started.token, text)
    grade = answered.turn.grade
    assert grade["judging"] == "done" and grade["score"] > 0
    assert [p["id"] for p in grade["key_points"] if p["covered"]] == [ids[0]]
    # The follow-up was chosen on the final grade: never about the point the answer made.
    assert answered.turn.next.kind == "followup" and answered.turn.next.point_id != ids[0]
    stored = service.repository.get(started.session_id)
    assert stored.turns[0].turn.grade["judging"] == "done"
    events = asyncio.run(_collect(service.follow_judging(started.session_id, started.token, 0)))
    assert [e.kind for e in events] == ["final"] and events[0].grade["score"] == grade["score"]
    service.close()


def test_judgements_past_the_budget_land_in_the_stored_turn_and_stream(db) -> None:
    grader, service, started, text, ids, answered = _answer_one_point(db, released=False, budget=0.05)
    assert answered.turn.grade["judging"] == "pending" and answered.turn.grade["score"] == 0
    before = service.transcript(started.session_id, started.token).interview.overall_score()

    async def follow() -> list[JudgingEvent]:
        stream = service.follow_judging(started.session_id, started.token, 0)
        first = asyncio.ensure_future(anext(stream))
        await asyncio.sleep(0.1)
        assert not first.done()  # nothing judged yet
        grader.release.set()
        return [await first, *[e async for e in stream]]

    events = asyncio.run(follow())
    assert [e.kind for e in events] == ["point"] * len(ids) + ["final"]
    assert [e.point_id for e in events[:-1]] == ids
    final = events[-1].grade
    assert final["judging"] == "done" and final["score"] > 0
    stored = service.repository.get(started.session_id)
    assert stored.turns[0].turn.grade == final
    # The question's credit follows the final grade: the score so far and the report read it.
    transcript = service.transcript(started.session_id, started.token)
    assert transcript.interview.overall_score() > before == 0
    assert transcript.interview.state.records[0].covered == [ids[0]]
    service.close()


def test_another_replica_follows_the_judging_in_the_database(db) -> None:
    grader, service, started, *_ = _answer_one_point(db, released=False, budget=0.0)
    other = _service(db, SlowJudgeGrader(), budget=0.0)  # same database, a board of its own

    async def follow() -> list[JudgingEvent]:
        stream = other.follow_judging(started.session_id, started.token, 0)
        first = asyncio.ensure_future(anext(stream))
        await asyncio.sleep(0.3)
        grader.release.set()
        return [await first, *[e async for e in stream]]

    start = time.monotonic()
    events = asyncio.run(follow())
    assert [e.kind for e in events] == ["final"] and events[0].grade["judging"] == "done"
    assert time.monotonic() - start < 5
    service.close()
    other.close()


def test_a_new_answer_before_the_judgement_keeps_both_turns(db) -> None:
    grader, service, started, text, ids, _ = _answer_one_point(db, released=False, budget=0.0)
    service.answer(started.session_id, started.token, "不知道")  # the follow-up, answered before the LLM finished
    grader.release.set()
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline:
        turns = service.repository.turns(started.session_id)
        if all(t.turn.grade is None or t.turn.grade.get("judging") != "pending" for t in turns):
            break
        time.sleep(0.05)
    turns = service.repository.turns(started.session_id)
    assert len(turns) == 2 and turns[0].turn.grade["judging"] == "done" and turns[0].turn.answer == text
    assert service.transcript(started.session_id, started.token).interview.state.records[0].covered == [ids[0]]
    service.close()


def test_follow_judging_refuses_a_turn_that_does_not_exist(db) -> None:
    service = _service(db, SlowJudgeGrader(), budget=1.0)
    started = service.start(CONFIG)
    with pytest.raises(NotFound):
        asyncio.run(_collect(service.follow_judging(started.session_id, started.token, 0)))
    service.close()
