"""The interview state machine, driven by a fake grader so every decision is checked exactly."""

from __future__ import annotations

import json

import pytest

from fakes import KeywordGrader
from interviewer import load_bank
from interviewer.interview.machine import (
    HINT_CREDIT,
    Interview,
    InterviewConfig,
    InterviewError,
    resume,
    select_questions,
)
from interviewer.interview.report import build_report
from paths import REPO

BANK = load_bank(REPO / "corpus" / "bank")


def tags(qid: str) -> list[str]:
    return [kp.id.rsplit(".", 1)[-1] for kp in BANK.get(qid).key_points]


def start(**kw) -> tuple[Interview, KeywordGrader]:
    g = KeywordGrader()
    config = InterviewConfig(**{"topics": ["batch-norm"], "n_questions": 2, "seed": 7, **kw})
    return Interview.start(BANK, g, config), g


def test_selection_is_seeded_filtered_and_never_repeats() -> None:
    c = InterviewConfig(topics=["batch-norm", "optimizers"], n_questions=6, seed=3, difficulty=(1, 2))
    a, b = select_questions(BANK, c), select_questions(BANK, c)
    assert a == b and len(a) == len(set(a)) == 6
    assert {BANK.get(q).topic for q in a} == {"batch-norm", "optimizers"}
    assert all(BANK.get(q).difficulty <= 2 for q in a)
    assert select_questions(BANK, c.model_copy(update={"seed": 4})) != a
    everything = select_questions(BANK, InterviewConfig(n_questions=50, seed=1))
    assert len(everything) == len(set(everything)) == 50
    with pytest.raises(InterviewError, match="unknown topic"):
        select_questions(BANK, InterviewConfig(topics=["astrology"]))


def test_a_group_name_selects_its_topics_in_random_topic_order() -> None:
    modern = set(BANK.groups["modern"])
    picked = [select_questions(BANK, InterviewConfig(topics=["modern"], n_questions=5, seed=s)) for s in range(6)]
    for ids in picked:
        topics = [BANK.get(q).topic for q in ids]
        assert set(topics) == modern and len(ids) == 5  # five questions, one from each modern topic
    assert len({BANK.get(ids[0]).topic for ids in picked}) > 1  # not always the group's first topic
    seed_only = select_questions(BANK, InterviewConfig(topics=["seed"], n_questions=20, seed=1))
    assert all(BANK.topics[BANK.get(q).topic].group == "seed" for q in seed_only)
    mixed = select_questions(BANK, InterviewConfig(topics=["modern", "batch-norm"], n_questions=12, seed=2))
    assert {BANK.get(q).topic for q in mixed} == modern | {"batch-norm"}
    with pytest.raises(InterviewError, match=r"unknown topic\(s\) or group\(s\): vintage; .*groups: modern, seed"):
        select_questions(BANK, InterviewConfig(topics=["vintage"]))


def test_first_move_is_the_first_question_in_the_chosen_language() -> None:
    iv, _ = start(language="en")
    move = iv.state.current
    assert move.kind == "question" and move.index == 1 and move.total == 2
    assert move.text == BANK.get(move.question_id).question.en


def test_follow_up_targets_the_heaviest_missed_point_and_quotes_the_answer() -> None:
    iv, g = start(max_followups=2)
    qid = iv.state.current.question_id
    q = BANK.get(qid)
    first_tag = tags(qid)[0]
    turn = iv.answer(f"我只记得 {first_tag}。")
    assert turn.next.kind == "followup"
    missed = [kp for kp in q.key_points if kp.id.rsplit(".", 1)[-1] != first_tag]
    heaviest = max(missed, key=lambda kp: kp.weight)
    assert turn.next.point_id == heaviest.id
    assert heaviest.probe.zh in turn.next.text and first_tag in turn.next.text  # refers to what was said


def test_follow_up_reply_is_graded_on_missing_points_only_with_partial_credit() -> None:
    iv, g = start(max_followups=2)
    qid = iv.state.current.question_id
    all_tags = tags(qid)
    iv.answer(all_tags[0])
    target = iv.state.current.point_id
    iv.answer(target.rsplit(".", 1)[-1])
    graded_ids = g.calls[-1][1]
    assert all_tags[0] not in [t.rsplit(".", 1)[-1] for t in graded_ids]  # already covered: not graded again
    record = iv.state.records[0]
    assert record.credit[target] == pytest.approx(HINT_CREDIT)
    assert record.credit[f"{qid}.{all_tags[0]}"] == 1.0


def test_followups_are_limited_then_the_next_question_comes() -> None:
    iv, _ = start(max_followups=1)
    iv.answer("随便说说")
    assert iv.state.current.kind == "followup"
    turn = iv.answer("还是不太会")
    assert turn.next.kind == "question" and turn.next.index == 2


def test_a_complete_answer_moves_on_without_follow_up() -> None:
    iv, _ = start()
    qid = iv.state.current.question_id
    turn = iv.answer(" ".join(tags(qid)))
    assert turn.next.kind == "question"
    assert iv.question_score(iv.state.records[0]) == 100.0


@pytest.mark.parametrize("reply", ["不知道", "skip", "跳过"])
def test_dont_know_and_skip_move_on(reply: str) -> None:
    iv, g = start()
    n_calls = len(g.calls)
    turn = iv.answer(reply)
    assert turn.skipped and turn.next.kind == "question"
    assert iv.state.records[0].skipped
    if reply != "不知道":
        assert len(g.calls) == n_calls and turn.grade is None  # nothing to grade


def test_done_after_the_last_question_and_no_more_answers() -> None:
    iv, _ = start(n_questions=1, max_followups=0)
    turn = iv.answer("something")
    assert turn.next.kind == "done" and iv.done
    with pytest.raises(InterviewError, match="finished"):
        iv.answer("more")
    with pytest.raises(InterviewError, match="empty"):
        start()[0].answer("   ")


def test_state_round_trips_through_json_and_continues() -> None:
    iv, g = start(max_followups=1)
    iv.answer("随便说说")
    stored = iv.state.model_dump_json()
    again = resume(BANK, g, json.loads(stored))
    assert again.state == iv.state
    turn = again.answer("skip")
    assert turn.next.kind == "question" and turn.next.index == 2


def test_report_has_questions_topics_transcript_and_renders() -> None:
    iv, _ = start(n_questions=2, max_followups=1)
    qid = iv.state.current.question_id
    iv.answer(tags(qid)[0] + " <script>alert(1)</script> **bold** | pipe")
    iv.answer("skip")
    iv.answer(" ".join(tags(iv.state.current.question_id)))
    assert iv.done
    rep = build_report(
        iv,
        lambda _q, _missed: [{"file": "dl_interview_zh.md", "start_line": 1, "end_line": 3, "title": "t", "text": "x"}],
    )
    assert rep.finished and len(rep.questions) == 2 and rep.topics[0].id == "batch-norm"
    assert rep.questions[1].score == 100.0 and rep.questions[0].missed and rep.questions[0].passages
    assert rep.overall_score == pytest.approx((rep.questions[0].score + 100) / 2, abs=0.1)
    md, page = rep.to_markdown(), rep.to_html()
    assert "<script>" not in md and "<script>" not in page and "&lt;script&gt;" in page
    assert "<svg" in page and "dl_interview_zh.md:1-3" in md
    assert [t.role for t in rep.transcript[:2]] == ["interviewer", "candidate"]


def test_regrade_replaces_a_turns_grade_and_recomputes_its_question() -> None:
    """A final grade arriving after the instant one: the credit follows it, the moves already made stay."""
    interview, grader = start(max_followups=1)
    qid = interview.state.current.question_id
    first, second = tags(qid)[:2]
    interview.answer(f"我只知道 {first}")  # one point; a follow-up asks about another
    followup = interview.state.current
    assert followup.kind == "followup"
    interview.answer(f"还有 {second}")
    before = interview.question_score(interview.state.records[0])
    # The LLM finds that the first answer also made a third point.
    third = tags(qid)[2]
    better = grader.grade(BANK.get(qid), f"{first} {third}")
    interview.regrade(0, better)
    record = interview.state.records[0]
    assert set(record.covered) == {first_id(qid, first), first_id(qid, second), first_id(qid, third)}
    assert interview.question_score(record) > before
    stored = {k: v for k, v in interview.state.turns[0].grade.items() if k != "flag_notes"}
    assert stored == better.public() and interview.state.turns[0].next == followup
    # A worse final grade takes back what only the instant grade gave.
    interview.regrade(0, grader.grade(BANK.get(qid), "nothing"))
    assert set(interview.state.records[0].covered) == {first_id(qid, second)}


def first_id(qid: str, tag: str) -> str:
    return next(kp.id for kp in BANK.get(qid).key_points if kp.id.endswith("." + tag))
