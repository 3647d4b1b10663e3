"""The tables: interview sessions and their turns.

Each turn is stored once, as a row of ``turn``; the session row holds the interview's state without its turns
(where it is, what each question has earned, the next move), and the two are written in one transaction.
"""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import Column, DateTime, Text, UniqueConstraint
from sqlmodel import Field, SQLModel


def now() -> datetime:
    return datetime.now(UTC)


class InterviewSession(SQLModel, table=True):
    __tablename__ = "interview_session"

    id: str = Field(primary_key=True, max_length=32)
    token_hash: str = Field(max_length=64)
    language: str = Field(max_length=8)
    finished: bool = False
    # interviewer.interview.machine.InterviewState as JSON, without its turns (they are the turn rows).
    state: str = Field(sa_column=Column(Text, nullable=False))
    turns: int = 0
    # Indexed (revision 0005): the admin list sorts by created_at, and pruning looks for old rows by both.
    created_at: datetime = Field(default_factory=now, sa_type=DateTime(timezone=True), index=True)
    updated_at: datetime = Field(default_factory=now, sa_type=DateTime(timezone=True), index=True)


class TurnRecord(SQLModel, table=True):
    __tablename__ = "turn"
    __table_args__ = (
        UniqueConstraint("session_id", "idx", name="uq_turn_session_idx"),
        UniqueConstraint("session_id", "request_key", name="uq_turn_session_request_key"),
    )

    id: int | None = Field(default=None, primary_key=True)
    session_id: str = Field(foreign_key="interview_session.id", index=True, max_length=32)
    idx: int
    question_id: str = Field(max_length=200)
    kind: str = Field(max_length=16)
    prompt: str = Field(sa_column=Column(Text, nullable=False))
    answer: str = Field(sa_column=Column(Text, nullable=False))
    grade: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    score: float | None = None
    skipped: bool = False
    # The move that followed (interviewer.interview.machine.Move as JSON) and the interview's score after this
    # turn: with them a retried request gets the same answer back without a second copy of the response.
    next_move: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    score_so_far: float | None = None
    # The question's score after this turn and the line saying how it was reached (machine.Turn); NULL on rows
    # from before revision 0004, recomputed from the grades when read.
    question_score: float | None = None
    explanation: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    # The client's Idempotency-Key, so a retry is recognised.
    request_key: str | None = Field(default=None, max_length=128)
    created_at: datetime = Field(default_factory=now, sa_type=DateTime(timezone=True))
