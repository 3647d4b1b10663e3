"""Interview use cases: start one, answer a turn, read the transcript, build the report, phrase the next line.

Both fronts (the web API and ``interviewer practice``) call these, so an interview in the terminal and one in the
browser are stored, graded and replayed the same way.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import logging
import secrets
import time
import uuid
from collections.abc import AsyncIterator
from concurrent.futures import Future
from dataclasses import dataclass
from typing import Any, Literal

from interviewer.grading.protocol import ProgressiveGrader
from interviewer.grading.result import Grade
from interviewer.interview.coach import Phrasing, feedback_phrasing, followup_phrasing
from interviewer.interview.machine import GraderLike, Interview, InterviewConfig, InterviewError, Turn, resume
from interviewer.interview.report import Report, build_report
from interviewer.knowledge.bank import Bank
from interviewer.knowledge.corpus import Corpus
from interviewer.knowledge.models import Question
from interviewer.llm.client import LLMClient
from interviewer.service.answers import clean_answer
from interviewer.service.errors import Conflict, IdempotencyMismatch, InvalidRequest, NotFound, Unauthorized
from interviewer.service.judging import JudgingBoard, JudgingEvent, JudgingWorker, TurnKey
from interviewer.storage.repository import SessionRepository, StoredSession, StoredTurn

log = logging.getLogger(__name__)

CONFLICT = "another answer to this session was stored at the same time; fetch the session and retry"
FINISHED = "this interview is finished; start a new session or fetch its report"


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


@dataclass(frozen=True)
class Started:
    session_id: str
    token: str  # shown once: only its hash is stored
    interview: Interview


@dataclass(frozen=True)
class Answered:
    """A stored turn and where the interview stands after it; ``replayed`` when an earlier request with the same
    idempotency key stored it (then ``interview`` is None: the session may have moved on since)."""

    index: int
    turn: Turn
    done: bool
    score_so_far: float
    replayed: bool = False
    interview: Interview | None = None


@dataclass(frozen=True)
class Transcript:
    interview: Interview
    turns: list[StoredTurn]


class _BudgetedGrader:
    """What an interview grades one answer with when an LLM judges in the background.

    It returns the final grade when the judgements arrive within ``budget`` seconds, so the follow-up is chosen
    on it; otherwise the instant (embedding) grade, marked ``judging: pending``, and :attr:`future` keeps
    running. Every judged point is posted on the board under the turn's key as it arrives.
    """

    def __init__(
        self, grader: ProgressiveGrader, worker: JudgingWorker, board: JudgingBoard, key: TurnKey, budget: float
    ) -> None:
        self.grader = grader
        self.worker = worker
        self.board = board
        self.key = key
        self.budget = budget
        self.future: Future[Grade] | None = None

    def grade(self, question: Question, answer: str, match_confidence: float | None = None) -> Grade:
        pending = self.grader.begin(question, answer, match_confidence)
        if not pending.needs_llm:
            return pending.instant
        self.board.open(self.key)

        def on_point(point_id: str, grade: Grade) -> None:
            self.board.post(self.key, JudgingEvent("point", {**grade.public(), "judging": "pending"}, point_id))

        future = self.worker.submit(lambda: self.grader.finish(pending, on_point))
        try:
            final = future.result(timeout=self.budget)
        except TimeoutError:
            self.future = future
            return pending.instant.model_copy(update={"judging": "pending"})
        except Exception as e:  # the judge's own errors fall back inside it: anything here is unexpected
            log.exception("LLM judging failed")
            final = pending.instant.model_copy(update={"fallback": f"LLM judging failed ({type(e).__name__})"})
        final = final.model_copy(update={"judging": "done"})
        self.board.post(self.key, JudgingEvent("final", final.public()))
        return final


class InterviewService:
    def __init__(
        self,
        bank: Bank,
        grader: GraderLike,
        repository: SessionRepository,
        corpus: Corpus,
        llm: LLMClient | None = None,
        max_answer_chars: int = 8000,
        followup_budget: float = 3.0,
    ) -> None:
        self.bank = bank
        self.grader = grader
        self.repository = repository
        self.corpus = corpus
        self.llm = llm
        self.max_answer_chars = max_answer_chars
        self.followup_budget = followup_budget
        # Progressive grading: the embedding grade at once, the LLM's after it.
        self.progressive = grader if isinstance(grader, ProgressiveGrader) else None
        self.board = JudgingBoard()
        self._worker: JudgingWorker | None = None

    @property
    def worker(self) -> JudgingWorker:
        if self._worker is None:
            self._worker = JudgingWorker()
        return self._worker

    def close(self) -> None:
        if self._worker is not None:
            self._worker.close()

    def start(self, config: InterviewConfig) -> Started:
        try:
            interview = Interview.start(self.bank, self.grader, config)
        except InterviewError as e:
            raise InvalidRequest(str(e)) from e
        sid, token = uuid.uuid4().hex, secrets.token_urlsafe(32)
        self.repository.add(sid, hash_token(token), config.language, interview.state)
        return Started(sid, token, interview)

    def _authenticated(self, session_id: str, token: str | None) -> StoredSession:
        stored = self.repository.get(session_id)
        # The same answer for a missing session and a wrong token: a token never reveals other sessions.
        if stored is None:
            raise NotFound(f"no session {session_id!r}")
        if not token or not hmac.compare_digest(stored.token_hash, hash_token(token)):
            raise Unauthorized(
                "missing or wrong session token; "
                "send the token from POST /v1/sessions as 'Authorization: Bearer <token>'"
            )
        return stored

    def open(self, session_id: str, token: str | None) -> Interview:
        """The interview as stored, for a caller holding its token."""
        return resume(self.bank, self.grader, self._authenticated(session_id, token).state)

    def transcript(self, session_id: str, token: str | None) -> Transcript:
        stored = self._authenticated(session_id, token)
        return Transcript(resume(self.bank, self.grader, stored.state), stored.turns)

    def answer(self, session_id: str, token: str | None, text: str, idempotency_key: str | None = None) -> Answered:
        """Grade one answer, choose the next move and store the turn once. A retry carrying the same
        ``idempotency_key`` gets the stored turn back instead of a second one."""
        text = clean_answer(text, self.max_answer_chars)
        stored = self._authenticated(session_id, token)
        if idempotency_key:
            replay = self._replay(session_id, idempotency_key, text)
            if replay is not None:
                return replay
        index = len(stored.turns)
        grader: GraderLike = self.grader
        if self.progressive is not None:
            grader = _BudgetedGrader(
                self.progressive, self.worker, self.board, (session_id, index), self.followup_budget
            )
        interview = resume(self.bank, grader, stored.state)
        if interview.done:
            raise Conflict(FINISHED)
        try:
            turn = interview.answer(text)
        except InterviewError as e:
            raise InvalidRequest(str(e)) from e
        score = interview.overall_score()
        if not self.repository.append_turn(session_id, interview.state, score, idempotency_key):
            # The same request retried concurrently: the one that landed answers for both.
            replay = self._replay(session_id, idempotency_key, text) if idempotency_key else None
            if replay is not None:
                return replay
            raise Conflict(CONFLICT)
        if isinstance(grader, _BudgetedGrader) and grader.future is not None:
            grader.future.add_done_callback(lambda f: self._judged(session_id, index, text, f))
        return Answered(index, turn, interview.done, score, interview=interview)

    def _judged(self, session_id: str, index: int, answer: str, future: Future[Grade]) -> None:
        """Store the LLM's final grade in place of the turn's instant one, then post it for streams."""
        final: Grade | None = None
        try:
            final = future.result().model_copy(update={"judging": "done"})
        except Exception as e:  # logged, and the turn keeps its embedding grade
            log.warning("LLM judging of turn %s/%s failed: %s", session_id, index, e)
        posted: dict[str, Any] | None = final.public() if final else None
        try:
            for _ in range(5):
                stored = self.repository.get(session_id)
                if stored is None or index >= len(stored.turns):
                    break
                turn = stored.turns[index].turn
                if turn.answer != answer or not turn.grade or turn.grade.get("judging") != "pending":
                    break
                grade = final or Grade.model_validate(turn.grade).model_copy(
                    update={"judging": "failed", "fallback": "LLM judging failed; the embedding grade stands"}
                )
                interview = resume(self.bank, self.grader, stored.state)
                interview.regrade(index, grade)
                posted = interview.state.turns[index].grade
                if self.repository.update_turn(session_id, index, interview.state):
                    break
        except Exception:  # the database is down: the turn keeps its instant grade, streams get the final one
            log.exception("could not store the LLM's grade of turn %s/%s", session_id, index)
        self.board.post((session_id, index), JudgingEvent("final", posted))

    async def follow_judging(
        self, session_id: str, token: str | None, index: int, max_wait: float = 300.0
    ) -> AsyncIterator[JudgingEvent]:
        """A turn's judging as it happens: ``point`` events, then one ``final`` with the grade the turn stores.

        Events come from this process's board; a turn judged by another replica (or before a restart) is
        followed in the database, which holds the final grade once it is stored.
        """
        stored = await asyncio.to_thread(self._authenticated, session_id, token)
        if not 0 <= index < len(stored.turns):
            raise NotFound(f"session {session_id!r} has no turn {index}")
        key = (session_id, index)
        grade = stored.turns[index].turn.grade
        seen, last_read, deadline = 0, time.monotonic(), time.monotonic() + max_wait
        while grade is not None and grade.get("judging") == "pending":
            events = self.board.since(key, seen)
            for event in events or []:
                yield event
                if event.kind == "final":
                    return
            seen += len(events or [])
            if time.monotonic() >= deadline:
                break
            if events is None and time.monotonic() - last_read >= 1.0:
                turns = await asyncio.to_thread(self.repository.turns, session_id)
                grade = turns[index].turn.grade if index < len(turns) else None
                last_read = time.monotonic()
                continue
            await asyncio.sleep(0.2)
        yield JudgingEvent("final", grade)

    def _replay(self, session_id: str, key: str, text: str) -> Answered | None:
        prior = self.repository.turn_by_key(session_id, key)
        if prior is None:
            return None
        if prior.turn.answer != text:
            raise IdempotencyMismatch(
                "this Idempotency-Key was already used with a different answer; use a new key for a new answer"
            )
        turn = prior.turn
        stored = self.repository.get(session_id) if turn.question_score is None else None
        if stored is not None:
            # A turn stored before running scores were: the resumed interview recomputes it from the grades.
            turn = resume(self.bank, self.grader, stored.state).state.turns[prior.index]
        return Answered(prior.index, turn, turn.next.kind == "done", prior.score_so_far or 0.0, replayed=True)

    def report(self, session_id: str, token: str | None) -> Report:
        return build_report(self.open(session_id, token), self.passages)

    def passages(self, question: Question, missed: list[str]) -> list[dict[str, Any]]:
        """The report's "what to read": source passages for a question's missed points."""
        hits = self.corpus.search(" ".join([question.question.zh or question.question.en, *missed])[:500], k=2)
        return [
            {
                "file": h.chunk.file,
                "start_line": h.chunk.start_line,
                "end_line": h.chunk.end_line,
                "title": h.chunk.title,
                "text": h.chunk.text,
            }
            for h in hits
        ]

    def phrasing(self, session_id: str, token: str | None, what: Literal["followup", "feedback"]) -> Phrasing:
        """The current follow-up, or feedback on the last answer, phrased by the LLM when there is one."""
        return self.phrase(self.open(session_id, token), what)

    def phrase(self, interview: Interview, what: Literal["followup", "feedback"]) -> Phrasing:
        build = followup_phrasing if what == "followup" else feedback_phrasing
        try:
            return build(self.llm, self.corpus, interview)
        except InterviewError as e:
            raise Conflict(str(e)) from e
