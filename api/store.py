"""Interview sessions in the database: every turn is committed before the reply is sent.

Concurrency is optimistic: a turn is stored only if the session still has the number of turns it had
when the answer was read (``UPDATE ... WHERE turns = n``), and ``(session_id, idx)`` is unique, so two
concurrent answers to one session can never both land, on one process or on several.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import secrets
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import delete as sa_delete
from sqlalchemy import func, update
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, select

from interviewer import Bank
from interviewer.interview import GraderLike, Interview, InterviewConfig, Turn, resume

from .db import InterviewSession, TurnRecord, _now


class StoreError(Exception):
    status = 400

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class NotFound(StoreError):
    status = 404


class Unauthorized(StoreError):
    status = 401


class Conflict(StoreError):
    status = 409


class IdempotencyMismatch(StoreError):
    status = 422


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


@dataclass
class Loaded:
    row: InterviewSession
    interview: Interview


@dataclass
class Answered:
    """The stored turn's response; ``replayed`` when it was stored by an earlier request with the same key."""

    response: dict[str, Any]
    replayed: bool
    turn: Turn | None = None
    interview: Interview | None = None


Respond = Callable[[Turn, Interview], dict[str, Any]]
CONFLICT = "another answer to this session was stored at the same time; fetch the session and retry"


class SessionStore:
    def __init__(self, engine: Engine, bank: Bank, grader: GraderLike) -> None:
        self.engine = engine
        self.bank = bank
        self.grader = grader

    def create(self, config: InterviewConfig) -> tuple[str, str, Interview]:
        interview = Interview.start(self.bank, self.grader, config)
        sid, token = uuid.uuid4().hex, secrets.token_urlsafe(32)
        row = InterviewSession(
            id=sid,
            token_hash=hash_token(token),
            language=config.language,
            state=interview.state.model_dump_json(),
        )
        with Session(self.engine) as db:
            db.add(row)
            db.commit()
        return sid, token, interview

    def load(self, session_id: str, token: str | None) -> Loaded:
        with Session(self.engine) as db:
            row = db.get(InterviewSession, session_id)
        # The same answer for a missing session and a wrong token: a token never reveals other sessions.
        if row is None:
            raise NotFound(f"no session {session_id!r}")
        if not token or not hmac.compare_digest(row.token_hash, hash_token(token)):
            raise Unauthorized("missing or wrong session token; send the token from POST /v1/sessions as 'Authorization: Bearer <token>'")
        return Loaded(row, resume(self.bank, self.grader, row.state))

    def answer(
        self, session_id: str, token: str | None, text: str, respond: Respond, idempotency_key: str | None = None
    ) -> Answered:
        """Grade and store one answer. ``respond`` builds the response that is stored with the turn, so a
        retry carrying the same ``idempotency_key`` gets it back instead of a second turn."""
        loaded = self.load(session_id, token)
        if idempotency_key:
            replay = self._replay(session_id, idempotency_key, text)
            if replay is not None:
                return replay
        interview, row = loaded.interview, loaded.row
        if interview.done:
            raise Conflict("this interview is finished; start a new session or fetch its report")
        turn = interview.answer(text)
        response = respond(turn, interview)
        n = row.turns
        record = TurnRecord(
            session_id=session_id,
            idx=n,
            question_id=turn.question_id,
            kind=turn.kind,
            prompt=turn.prompt,
            answer=turn.answer,
            grade=json.dumps(turn.grade, ensure_ascii=False) if turn.grade else None,
            score=turn.grade["score"] if turn.grade else None,
            request_key=idempotency_key or None,
            response=json.dumps(response, ensure_ascii=False),
        )
        with Session(self.engine) as db:
            result = db.execute(
                update(InterviewSession)
                .where(InterviewSession.id == session_id, InterviewSession.turns == n)
                .values(
                    turns=n + 1,
                    state=interview.state.model_dump_json(),
                    finished=interview.done,
                    updated_at=_now(),
                )
            )
            stored = result.rowcount == 1
            if stored:
                db.add(record)
                try:
                    db.commit()
                except IntegrityError:
                    stored = False
            if not stored:
                db.rollback()
        if not stored:
            # The same request retried concurrently: the one that landed answers for both.
            replay = self._replay(session_id, idempotency_key, text) if idempotency_key else None
            if replay is not None:
                return replay
            raise Conflict(CONFLICT)
        return Answered(response, replayed=False, turn=turn, interview=interview)

    def _replay(self, session_id: str, key: str, text: str) -> Answered | None:
        with Session(self.engine) as db:
            prior = db.exec(select(TurnRecord).where(TurnRecord.session_id == session_id, TurnRecord.request_key == key)).first()
        if prior is None:
            return None
        if prior.answer != text:
            raise IdempotencyMismatch("this Idempotency-Key was already used with a different answer; use a new key for a new answer")
        return Answered(json.loads(prior.response or "{}"), replayed=True)

    def turns(self, session_id: str) -> list[TurnRecord]:
        with Session(self.engine) as db:
            return list(db.exec(select(TurnRecord).where(TurnRecord.session_id == session_id).order_by(TurnRecord.idx)))

    def list_sessions(self, limit: int, offset: int, finished: bool | None = None) -> list[InterviewSession]:
        q = select(InterviewSession).order_by(InterviewSession.created_at.desc(), InterviewSession.id).offset(offset).limit(limit)
        if finished is not None:
            q = q.where(InterviewSession.finished == finished)
        with Session(self.engine) as db:
            return list(db.exec(q))

    def mean_scores(self, session_ids: list[str]) -> dict[str, float]:
        if not session_ids:
            return {}
        with Session(self.engine) as db:
            rows = db.exec(
                select(TurnRecord.session_id, func.avg(TurnRecord.score))
                .where(TurnRecord.session_id.in_(session_ids), TurnRecord.score.is_not(None))
                .group_by(TurnRecord.session_id)
            )
            return {sid: round(float(avg), 1) for sid, avg in rows}

    def stats(self) -> dict[str, Any]:
        with Session(self.engine) as db:
            sessions = db.exec(select(func.count()).select_from(InterviewSession)).one()
            finished = db.exec(select(func.count()).select_from(InterviewSession).where(InterviewSession.finished)).one()
            turns, graded, mean = db.exec(
                select(func.count(TurnRecord.id), func.count(TurnRecord.score), func.avg(TurnRecord.score))
            ).one()
        return {
            "sessions": sessions,
            "finished": finished,
            "turns": turns,
            "graded_turns": graded,
            "mean_score": round(float(mean), 1) if mean is not None else None,
        }

    def delete(self, session_id: str) -> None:
        with Session(self.engine) as db:
            row = db.get(InterviewSession, session_id)
            if row is None:
                raise NotFound(f"no session {session_id!r}")
            db.execute(sa_delete(TurnRecord).where(TurnRecord.session_id == session_id))
            db.delete(row)
            db.commit()
