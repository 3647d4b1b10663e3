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
from dataclasses import dataclass

from sqlalchemy import update
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


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


@dataclass
class Loaded:
    row: InterviewSession
    interview: Interview


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

    def answer(self, session_id: str, token: str | None, text: str) -> tuple[Turn, Interview]:
        loaded = self.load(session_id, token)
        interview, row = loaded.interview, loaded.row
        if interview.done:
            raise Conflict("this interview is finished; start a new session or fetch its report")
        turn = interview.answer(text)
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
            if result.rowcount != 1:
                db.rollback()
                raise Conflict("another answer to this session was stored at the same time; fetch the session and retry")
            db.add(record)
            try:
                db.commit()
            except IntegrityError:
                db.rollback()
                raise Conflict("another answer to this session was stored at the same time; fetch the session and retry") from None
        return turn, interview

    def turns(self, session_id: str) -> list[TurnRecord]:
        with Session(self.engine) as db:
            return list(db.exec(select(TurnRecord).where(TurnRecord.session_id == session_id).order_by(TurnRecord.idx)))
