"""Interview use cases: start one, answer a turn, read the transcript, build the report, phrase the next line.

Both fronts (the web API and ``interviewer practice``) call these, so an interview in the terminal and one in the
browser are stored, graded and replayed the same way.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import uuid
from dataclasses import dataclass
from typing import Any, Literal

from interviewer.interview.coach import Phrasing, feedback_phrasing, followup_phrasing
from interviewer.interview.machine import GraderLike, Interview, InterviewConfig, InterviewError, Turn, resume
from interviewer.interview.report import Report, build_report
from interviewer.knowledge.bank import Bank
from interviewer.knowledge.corpus import Corpus
from interviewer.knowledge.models import Question
from interviewer.llm.client import LLMClient
from interviewer.service.answers import clean_answer
from interviewer.service.errors import Conflict, IdempotencyMismatch, InvalidRequest, NotFound, Unauthorized
from interviewer.storage.repository import SessionRepository, StoredSession, StoredTurn

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


class InterviewService:
    def __init__(
        self,
        bank: Bank,
        grader: GraderLike,
        repository: SessionRepository,
        corpus: Corpus,
        llm: LLMClient | None = None,
        max_answer_chars: int = 8000,
    ) -> None:
        self.bank = bank
        self.grader = grader
        self.repository = repository
        self.corpus = corpus
        self.llm = llm
        self.max_answer_chars = max_answer_chars

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
        interview = resume(self.bank, self.grader, stored.state)
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
        return Answered(len(interview.state.turns) - 1, turn, interview.done, score, interview=interview)

    def _replay(self, session_id: str, key: str, text: str) -> Answered | None:
        prior = self.repository.turn_by_key(session_id, key)
        if prior is None:
            return None
        if prior.turn.answer != text:
            raise IdempotencyMismatch(
                "this Idempotency-Key was already used with a different answer; use a new key for a new answer"
            )
        return Answered(
            prior.index, prior.turn, prior.turn.next.kind == "done", prior.score_so_far or 0.0, replayed=True
        )

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
