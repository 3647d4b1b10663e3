"""Tables and the database engine: SQLite by default, PostgreSQL through INTERVIEWER_DATABASE_URL."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import Column, DateTime, Text, UniqueConstraint, event
from sqlalchemy.engine import Engine
from sqlmodel import Field, SQLModel, create_engine


def _now() -> datetime:
    return datetime.now(UTC)


class InterviewSession(SQLModel, table=True):
    __tablename__ = "interview_session"

    id: str = Field(primary_key=True, max_length=32)
    token_hash: str = Field(max_length=64)
    language: str = Field(max_length=8)
    finished: bool = False
    # The interview's whole state (interviewer.interview.InterviewState as JSON), rewritten every turn.
    state: str = Field(sa_column=Column(Text, nullable=False))
    turns: int = 0
    created_at: datetime = Field(default_factory=_now, sa_type=DateTime(timezone=True))
    updated_at: datetime = Field(default_factory=_now, sa_type=DateTime(timezone=True))


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
    # The client's Idempotency-Key and the response it got, so a retry gets the same answer back.
    request_key: str | None = Field(default=None, max_length=128)
    response: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    created_at: datetime = Field(default_factory=_now, sa_type=DateTime(timezone=True))


def _ensure_sqlite_dir(url: str) -> None:
    if url.startswith("sqlite:///"):
        Path(url.removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)


def make_engine(url: str) -> Engine:
    _ensure_sqlite_dir(url)
    if url.startswith("sqlite:///"):
        engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 30})

        @event.listens_for(engine, "connect")
        def _pragmas(conn, _record) -> None:  # noqa: ANN001
            cur = conn.cursor()
            cur.execute("PRAGMA journal_mode=WAL")
            cur.execute("PRAGMA foreign_keys=ON")
            cur.close()

        return engine
    # A database host that stops answering must give a quick 503, not a request hanging on the OS timeout.
    connect_args = {"connect_timeout": 5} if url.startswith("postgresql") else {}
    return create_engine(url, pool_pre_ping=True, pool_timeout=10, connect_args=connect_args)


def migrate(url: str) -> None:
    """Bring the schema to the newest Alembic revision (creates it in an empty database)."""
    from alembic import command
    from alembic.config import Config

    _ensure_sqlite_dir(url)
    cfg = Config()
    cfg.set_main_option("script_location", str(Path(__file__).parent / "migrations"))
    cfg.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    command.upgrade(cfg, "head")
