"""The mock interview as a pure state machine: no web, no database, no clock.

An interview asks bank questions in a (seedable) order. Each reply is graded; when important key points
are missing and follow-ups remain, it asks about the highest-weight missed point (the point's probe,
in the interview's language, referring to what the candidate did say). A follow-up reply is graded
against the still-missing points only and merged into the question's record:

    credit(point) = max(credit so far, point_credit(probability) × factor × flag penalty)
    factor = 1.0 for the first answer, HINT_CREDIT (0.7) for a point recovered after a follow-up

so a point the candidate needed a hint for earns 70 % of what it would have, and the question's score is the
weighted mean of its points' credit; once every point is covered it is at least 90 (70 % of that for the points
that needed a hint), as for a single answer (scoring.score). Every turn records that running score and one line
saying how it was reached (:meth:`Interview.explain`); the header's score is the mean over answered questions.
"不知道" / "I don't know" / "skip" moves on. After the last question the interview is done and
:func:`interviewer.interview.report.build_report` summarises it. The whole state is a JSON-serialisable
:class:`InterviewState`, so a service can store it after every turn and any process can continue it.
"""

from __future__ import annotations

import random
import re
from collections.abc import Sequence
from typing import Any, Literal, Protocol

from pydantic import BaseModel, Field

from interviewer.grading.explain import explain_score
from interviewer.grading.flag_notes import flag_note
from interviewer.grading.result import Grade
from interviewer.grading.scoring import COVERED_CREDIT, SOFT_FLAGS, point_credit, score
from interviewer.interview.quotes import quote
from interviewer.knowledge.bank import Bank
from interviewer.knowledge.models import Bilingual, KeyPoint, Language, Question

HINT_CREDIT = 0.7
# A missed point is worth a follow-up when its weight is at least this share of the heaviest point's.
IMPORTANT_SHARE = 0.5
_SKIP = re.compile(r"^\s*(?:skip|pass|next|next question|跳过|下一题|下一个|pass掉)\W*$", re.IGNORECASE)

MoveKind = Literal["question", "followup", "done"]


class InterviewError(ValueError):
    """The interview cannot do what was asked (finished, no questions match, ...)."""


class GraderLike(Protocol):
    def grade(self, question: Question, answer: str, match_confidence: float | None = None) -> Grade: ...


class InterviewConfig(BaseModel):
    topics: list[str] = Field(
        default_factory=list, description="Topic ids or group names (seed, modern); empty for all."
    )
    n_questions: int = Field(default=5, ge=1, le=50)
    difficulty: tuple[int, int] = (1, 3)
    language: Language = "zh"
    max_followups: int = Field(default=2, ge=0, le=5)
    seed: int | None = None


class Move(BaseModel):
    """What the interviewer says next."""

    kind: MoveKind
    text: str
    question_id: str | None = None
    point_id: str | None = None
    index: int = 0  # 1-based number of the question being asked
    total: int = 0


class Turn(BaseModel):
    """One exchange: the candidate's reply to a move, its grade, and the move that follows."""

    question_id: str
    kind: Literal["question", "followup"]
    prompt: str
    answer: str
    grade: dict[str, Any] | None = None  # Grade.public(), or None when skipped
    skipped: bool = False
    next: Move
    # The question's score after this turn (its best attempt plus follow-up credit) and how it was reached; a
    # follow-up's own grade only covers the points still missing, so its score alone would mislead.
    question_score: float | None = None
    explanation: str = ""


class QuestionRecord(BaseModel):
    question_id: str
    credit: dict[str, float] = Field(default_factory=dict)  # key point id -> earned share of its weight
    covered: list[str] = Field(default_factory=list)  # key points judged covered so far
    recovered: list[str] = Field(default_factory=list)  # of those, the ones first covered in a follow-up
    # Per covered point, COVERED_CREDIT times the factor and flag penalty of the turn that covered it: once every
    # point is covered, the question earns at least their weighted mean (the answer-level floor of scoring.score).
    floor: dict[str, float] = Field(default_factory=dict)
    hinted: list[str] = Field(default_factory=list)  # key points a follow-up asked about
    followups: int = 0
    skipped: bool = False
    flags: list[str] = Field(default_factory=list)


class InterviewState(BaseModel):
    config: InterviewConfig
    question_ids: list[str]
    position: int = 0  # index into question_ids of the question being asked
    current: Move | None = None
    records: list[QuestionRecord] = Field(default_factory=list)
    turns: list[Turn] = Field(default_factory=list)

    @property
    def done(self) -> bool:
        return self.current is not None and self.current.kind == "done"


# Point-level evidence that a key point was made, whatever the answer as a whole looks like.
_POINT_EVIDENCE = ("sim_rel", "point_words", "point_grams")
# An answer that uses every one of a point's curated terms has stated it, whatever the grader concluded: on the
# development set's partial answers, of the not-covered points whose terms were all there, 138 were labelled
# made and 5 missing (eval/QUALITY.md). Asking for such a point asks for what the candidate just said.
STATED_WORDS = 0.999


def _narrowed(question: Question, points: list[KeyPoint]) -> Question:
    """The question as a follow-up asks it: only ``points``, and a reference made of just what they say.

    A follow-up reply is short and answers one thing; against the whole reference it would look like a poor
    answer to the whole question.
    """
    reference = Bilingual(
        zh="；".join(kp.statement.zh for kp in points if kp.statement.zh),
        en="; ".join(kp.statement.en for kp in points if kp.statement.en),
    )
    return question.model_copy(update={"key_points": points, "reference": reference})


def followup_target(
    question: Question, grade: Grade, covered: set[str] | Sequence[str] = (), hinted: Sequence[str] = ()
) -> KeyPoint | None:
    """The key point a follow-up should ask about after ``grade``, or None when nothing important is missing.

    Among the important points neither covered, nor asked about yet, nor stated in the answer's own terms
    (:data:`STATED_WORDS`), the one with the least evidence of its own in the answer (its best sentence's
    similarity and its words), so the candidate is not asked for what they just said. Measured on the development
    set's partial answers, this asks about a point the labels mark as missing more often than taking the heaviest
    missed point (eval/QUALITY.md).
    """
    if not question.key_points:
        return None
    covered = set(covered) | {p.id for p in grade.key_points if p.covered}
    graded = {p.id: p for p in grade.key_points}
    heaviest = max(kp.weight for kp in question.key_points)

    def stated(kp: KeyPoint) -> bool:
        p = graded.get(kp.id)
        return p is not None and p.features.get("point_words", 0.0) >= STATED_WORDS

    missed = [
        kp
        for kp in question.key_points
        if kp.id not in covered
        and kp.id not in hinted
        and kp.weight >= IMPORTANT_SHARE * heaviest
        and not stated(kp)
    ]
    if not missed:
        return None

    def evidence(kp: KeyPoint) -> tuple[float, float, float]:
        p = graded.get(kp.id)
        if p is None:
            return (0.0, 0.0, -kp.weight)
        own = sum(p.features.get(f, 0.0) for f in _POINT_EVIDENCE) if p.features else p.probability
        return (own, p.probability, -kp.weight)

    return min(missed, key=evidence)


def select_questions(bank: Bank, config: InterviewConfig) -> list[str]:
    """The question ids an interview will ask, in order; never the same question twice."""
    try:
        topics = bank.expand_topics(config.topics)
    except KeyError as e:
        groups = ", ".join(sorted(bank.groups))
        raise InterviewError(
            f"unknown topic(s) or group(s): {e.args[0]}; see the topic list (groups: {groups})"
        ) from None
    lo, hi = config.difficulty
    if not 1 <= lo <= hi <= 3:
        raise InterviewError(f"difficulty range {lo}-{hi} must lie within 1-3")
    pool = [q for q in bank if (not topics or q.topic in topics) and lo <= q.difficulty <= hi]
    if not pool:
        raise InterviewError("no question matches these topics and difficulty range")
    rng = random.Random(config.seed)
    rng.shuffle(pool)
    if len(topics) > 1:
        # Round-robin over the chosen topics so a short interview still visits each of them; a group's topics
        # are visited in random order, or a short interview would always open with the group's first ones.
        if any(name not in bank.topics for name in config.topics):
            rng.shuffle(topics)
        by_topic: dict[str, list[Question]] = {}
        for q in pool:
            by_topic.setdefault(q.topic, []).append(q)
        pool = []
        while any(by_topic.values()):
            for t in topics:
                if by_topic.get(t):
                    pool.append(by_topic[t].pop(0))
    return [q.id for q in pool[: config.n_questions]]


def is_skip(text: str, grade: Grade | None) -> bool:
    return bool(_SKIP.match(text)) or (grade is not None and "dont_know" in grade.flags)


class Interview:
    """Drive one interview. ``grader`` is anything with ``grade(question, answer)``."""

    def __init__(self, bank: Bank, grader: GraderLike, state: InterviewState) -> None:
        self.bank = bank
        self.grader = grader
        self.state = state

    @classmethod
    def start(cls, bank: Bank, grader: GraderLike, config: InterviewConfig) -> Interview:
        ids = select_questions(bank, config)
        state = InterviewState(config=config, question_ids=ids, records=[QuestionRecord(question_id=i) for i in ids])
        interview = cls(bank, grader, state)
        state.current = interview._ask(0)
        return interview

    @property
    def lang(self) -> Language:
        return self.state.config.language

    @property
    def done(self) -> bool:
        return self.state.done

    def question(self, qid: str) -> Question:
        q = self.bank.get(qid)
        if q is None:
            raise InterviewError(f"question {qid!r} is no longer in the bank")
        return q

    def _ask(self, position: int) -> Move:
        total = len(self.state.question_ids)
        if position >= total:
            return Move(kind="done", text=_DONE[self.lang], index=total, total=total)
        q = self.question(self.state.question_ids[position])
        return Move(kind="question", text=q.question.get(self.lang), question_id=q.id, index=position + 1, total=total)

    def answer(self, text: str) -> Turn:
        """Grade a reply to the current move and decide the next one."""
        state = self.state
        move = state.current
        if move is None or move.kind == "done":
            raise InterviewError("the interview is finished; start a new one")
        if not text.strip():
            raise InterviewError("the answer is empty")
        question = self.question(move.question_id or "")
        record = state.records[state.position]
        grade: Grade | None = None
        if not _SKIP.match(text):
            if move.kind == "followup":
                missing = [kp for kp in question.key_points if kp.id not in self._covered(record)]
                target = _narrowed(question, missing) if missing else question
                grade = self.grader.grade(target, text)
            else:
                grade = self.grader.grade(question, text)
            self._merge(record, grade, HINT_CREDIT if move.kind == "followup" else 1.0)
        skipped = is_skip(text, grade)
        if skipped and move.kind == "question":
            record.skipped = True
        nxt = self._next(question, record, grade, skipped)
        turn = Turn(
            question_id=question.id,
            kind=move.kind,
            prompt=move.text,
            answer=text,
            grade=self._public(grade) if grade else None,
            skipped=skipped,
            next=nxt,
            question_score=self.question_score(record),
            explanation=self.explain(record),
        )
        state.turns.append(turn)
        state.current = nxt
        return turn

    def regrade(self, index: int, grade: Grade) -> None:
        """Replace turn ``index``'s grade and recompute its question's credit from all of that question's turns.

        For a final grade that arrives after the instant one (an LLM judging in the background): the moves
        already made stay as they were; the credit, the covered points, the score and each of the question's
        turns' running score follow the new grade.
        """
        turn = self.state.turns[index]
        turn.grade = self._public(grade)
        record = next(r for r in self.state.records if r.question_id == turn.question_id)
        replayed = self._replay(record)
        record.credit, record.covered, record.recovered, record.flags, record.floor = (
            replayed.credit,
            replayed.covered,
            replayed.recovered,
            replayed.flags,
            replayed.floor,
        )

    def _public(self, grade: Grade) -> dict[str, Any]:
        """The grade as stored and sent, with each flag explained in the interview's language (``flag_notes``):
        its ``flag_details`` are the grader's notes, in English."""
        notes = {f: flag_note(f, self.lang, grade.flag_details) for f in grade.flags}
        return {**grade.public(), "flag_notes": notes}

    def _replay(self, record: QuestionRecord) -> QuestionRecord:
        """``record``'s credit rebuilt from its question's turns, in order, setting each turn's running score."""
        empty: dict[str, Any] = {"credit": {}, "covered": [], "recovered": [], "flags": [], "floor": {}}
        scratch = record.model_copy(update=empty, deep=True)
        for t in self.state.turns:
            if t.question_id != record.question_id:
                continue
            if t.grade is not None:
                self._merge(scratch, Grade.model_validate(t.grade), HINT_CREDIT if t.kind == "followup" else 1.0)
            t.question_score, t.explanation = self.question_score(scratch), self.explain(scratch)
        return scratch

    def fill_running_scores(self) -> None:
        """Give turns stored without a running question score (before it was stored) the one they had."""
        for record in self.state.records:
            if any(t.question_score is None for t in self.state.turns if t.question_id == record.question_id):
                self._replay(record)

    @staticmethod
    def _merge(record: QuestionRecord, grade: Grade, factor: float) -> None:
        # Flag penalties (halved for an injection, capped for a keyword list, ...) carry into the credit.
        raw = score(grade.key_points)
        penalty = 1.0 if not grade.flags else min(1.0, grade.score / raw) if raw > 0 else 0.0
        # Whether the grader let this answer have the all-covered floor (it withholds it from an answer that fits
        # another question better): the question's floor may only come from grades that had it.
        floored = grade.score >= score(grade.key_points, grade.flags) - 0.05
        for p in grade.key_points:
            earned = point_credit(p.probability) * factor * penalty
            record.credit[p.id] = round(max(record.credit.get(p.id, 0.0), earned), 4)
            if p.covered and floored:
                record.floor[p.id] = round(max(record.floor.get(p.id, 0.0), COVERED_CREDIT * factor * penalty), 4)
            if p.covered and penalty > 0 and p.id not in record.covered:
                record.covered.append(p.id)
                if factor < 1.0:
                    record.recovered.append(p.id)
        flags = set(record.flags) | set(grade.flags)
        # A soft flag says an attempt made none of the points ("too short", "another question's answer"); once
        # any attempt has made one, the question's state contradicts it, so it no longer describes the question.
        record.flags = sorted(flags - SOFT_FLAGS if record.covered else flags)

    @staticmethod
    def _covered(record: QuestionRecord) -> set[str]:
        return set(record.covered)

    def _next(self, question: Question, record: QuestionRecord, grade: Grade | None, skipped: bool) -> Move:
        state = self.state
        if not skipped and grade is not None and record.followups < state.config.max_followups:
            target = followup_target(question, grade, self._covered(record), record.hinted)
            if target is not None:
                record.followups += 1
                record.hinted.append(target.id)
                return Move(
                    kind="followup",
                    text=self._followup_text(
                        question, target.probe.get(self.lang) or target.statement.get(self.lang), grade
                    ),
                    question_id=question.id,
                    point_id=target.id,
                    index=state.position + 1,
                    total=len(state.question_ids),
                )
        state.position += 1
        return self._ask(state.position)

    def _followup_text(self, question: Question, probe: str, grade: Grade) -> str:
        """The probe, prefixed with a clause the candidate got right when one can be quoted (see quotes.py)."""
        # An answer that fits another question better: whatever it said right was said about that one.
        if "other_question" in grade.flags:
            return probe
        by_id = {kp.id: kp for kp in question.key_points}
        said = quote([(by_id[p.id], p) for p in grade.key_points if p.id in by_id], self.lang)
        if said is None:
            return probe
        return f"你提到了“{said}”，这点没错。{probe}" if self.lang == "zh" else f'You said "{said}" - right. {probe}'

    # -- scores ---------------------------------------------------------------------------------------
    def question_score(self, record: QuestionRecord) -> float:
        q = self.question(record.question_id)
        total = sum(kp.weight for kp in q.key_points)
        earned = sum(kp.weight * record.credit.get(kp.id, 0.0) for kp in q.key_points)
        if q.key_points and all(kp.id in record.covered for kp in q.key_points):
            earned = max(earned, sum(kp.weight * record.floor.get(kp.id, 0.0) for kp in q.key_points))
        return round(100.0 * earned / total, 1) if total else 0.0

    def answered_records(self) -> list[QuestionRecord]:
        """The records of the questions with at least one reply (skips count), in the order asked.

        The question being asked but not yet answered does not count: it would pull the running score
        towards 0 right after a good answer.
        """
        replied = {t.question_id for t in self.state.turns}
        return [r for r in self.state.records if r.question_id in replied]

    def explain(self, record: QuestionRecord) -> str:
        """One line, in the interview's language, on how :meth:`question_score` was reached."""
        q = self.question(record.question_id)
        ids = {kp.id for kp in q.key_points}
        covered = [i for i in record.covered if i in ids]
        return explain_score(
            self.question_score(record),
            self.lang,
            total=len(q.key_points),
            covered=len(covered),
            recovered=sum(1 for i in record.recovered if i in covered),
            hint_share=HINT_CREDIT,
            partial=sum(1 for kp in q.key_points if kp.id not in covered and record.credit.get(kp.id, 0.0) > 0),
            flags=record.flags,
            skipped=record.skipped,
        )

    def overall_score(self) -> float:
        records = self.answered_records()
        if not records:
            return 0.0
        return round(sum(self.question_score(r) for r in records) / len(records), 1)


_DONE: dict[str, str] = {
    "zh": "面试结束，谢谢！下面是你的报告。",
    "en": "That's the end of the interview - thank you! Here is your report.",
}


def resume(bank: Bank, grader: GraderLike, state: InterviewState | dict[str, Any] | str) -> Interview:
    """An interview continued from a stored state (a model, a dict or JSON text)."""
    if isinstance(state, str):
        state = InterviewState.model_validate_json(state)
    elif isinstance(state, dict):
        state = InterviewState.model_validate(state)
    interview = Interview(bank, grader, state)
    interview.fill_running_scores()
    return interview


__all__: Sequence[str] = [
    "HINT_CREDIT",
    "Interview",
    "InterviewConfig",
    "InterviewError",
    "InterviewState",
    "Move",
    "Turn",
    "followup_target",
    "resume",
    "select_questions",
]
