"""Interview sessions in the database. The repository only persists: authentication, grading and the shape of
responses belong to the use cases (``interviewer.service``).

Concurrency is optimistic: a turn is stored only if the session still has the number of turns it had when it
was read (``UPDATE ... WHERE turns = n``), and ``(session_id, idx)`` is unique, so two concurrent answers to one
session can never both land, on one process or on several.

Pruning deletes in batches, each its own transaction, and re-checks its condition in the deleting statements:
a session answered between the batch's read and its delete keeps itself and its turns.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, cast

from sqlalchemy import ColumnElement, and_, exists, func, not_, update
from sqlalchemy import delete as sa_delete
from sqlalchemy.engine import CursorResult, Engine
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from interviewer.interview.machine import InterviewState, Move, Turn
from interviewer.storage.tables import InterviewSession, TurnRecord, now


@dataclass(frozen=True)
class StoredTurn:
    """A turn as it was stored: the turn, its position, and the interview's score and state after it."""

    index: int
    turn: Turn
    score_so_far: float | None
    request_key: str | None
    created_at: datetime


@dataclass(frozen=True)
class StoredSession:
    id: str
    token_hash: str
    language: str
    finished: bool
    state: InterviewState  # with its turns, read back from the turn rows
    turns: list[StoredTurn]
    created_at: datetime
    updated_at: datetime


@dataclass(frozen=True)
class SessionSummary:
    id: str
    language: str
    finished: bool
    turns: int
    mean_score: float | None
    created_at: datetime
    updated_at: datetime


@dataclass(frozen=True)
class PruneCounts:
    """Sessions a prune deleted (or would delete), by the rule that caught them; one caught by both is stale."""

    stale: int  # not updated since the retention cutoff
    unanswered: int  # without a single turn, created before their (shorter) cutoff

    @property
    def total(self) -> int:
        return self.stale + self.unanswered


# Sessions per transaction: a big first prune must not hold one long lock on SQLite (a single writer) or one huge
# transaction on PostgreSQL while interviews go on.
PRUNE_BATCH = 500


def _utc(moment: datetime) -> datetime:
    """SQLite keeps the wall-clock time without its offset (the tables write UTC), so a cutoff is compared in UTC;
    a naive cutoff is taken to be UTC already."""
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def _stale(updated_before: datetime) -> ColumnElement[bool]:
    return col(InterviewSession.updated_at) < _utc(updated_before)


def _unanswered(created_before: datetime) -> ColumnElement[bool]:
    # "Never answered" is no turn row at all: a skipped question is a turn row too, and its session was used.
    has_turn = exists().where(col(TurnRecord.session_id) == col(InterviewSession.id))
    return and_(col(InterviewSession.created_at) < _utc(created_before), not_(has_turn))


def _state_json(state: InterviewState) -> str:
    return state.model_dump_json(exclude={"turns"})


def _stored_turn(row: TurnRecord) -> StoredTurn:
    turn = Turn(
        question_id=row.question_id,
        kind="followup" if row.kind == "followup" else "question",
        prompt=row.prompt,
        answer=row.answer,
        grade=json.loads(row.grade) if row.grade else None,
        skipped=row.skipped,
        # Rows from before the move was stored (revision 0003) had it only in the state they were moved from.
        next=Move.model_validate_json(row.next_move) if row.next_move else Move(kind="done", text="", index=0, total=0),
        question_score=row.question_score,
        explanation=row.explanation or "",
    )
    return StoredTurn(row.idx, turn, row.score_so_far, row.request_key, row.created_at)


class SessionRepository:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def add(self, session_id: str, token_hash: str, language: str, state: InterviewState) -> None:
        row = InterviewSession(id=session_id, token_hash=token_hash, language=language, state=_state_json(state))
        with Session(self.engine) as db:
            db.add(row)
            db.commit()

    def get(self, session_id: str) -> StoredSession | None:
        with Session(self.engine) as db:
            row = db.get(InterviewSession, session_id)
            if row is None:
                return None
            turns = [_stored_turn(r) for r in self._turn_rows(db, session_id)]
        state = InterviewState.model_validate_json(row.state)
        state.turns = [t.turn for t in turns]
        return StoredSession(
            row.id, row.token_hash, row.language, row.finished, state, turns, row.created_at, row.updated_at
        )

    def append_turn(
        self, session_id: str, state: InterviewState, score_so_far: float, request_key: str | None = None
    ) -> bool:
        """Store ``state.turns[-1]`` and the state after it, if no other turn landed first; False when one did."""
        n = len(state.turns) - 1
        turn = state.turns[-1]
        record = TurnRecord(
            session_id=session_id,
            idx=n,
            question_id=turn.question_id,
            kind=turn.kind,
            prompt=turn.prompt,
            answer=turn.answer,
            grade=json.dumps(turn.grade, ensure_ascii=False) if turn.grade else None,
            score=turn.grade["score"] if turn.grade else None,
            skipped=turn.skipped,
            next_move=turn.next.model_dump_json(),
            score_so_far=score_so_far,
            question_score=turn.question_score,
            explanation=turn.explanation,
            request_key=request_key or None,
        )
        with Session(self.engine) as db:
            # An UPDATE gives a cursor result, which has the row count; the session's signature says only Result.
            result = cast(
                CursorResult[Any],
                db.execute(
                    update(InterviewSession)
                    .where(col(InterviewSession.id) == session_id, col(InterviewSession.turns) == n)
                    .values(turns=n + 1, state=_state_json(state), finished=state.done, updated_at=now())
                ),
            )
            if result.rowcount != 1:
                db.rollback()
                return False
            db.add(record)
            try:
                db.commit()
            except IntegrityError:
                db.rollback()
                return False
        return True

    def update_turn(self, session_id: str, index: int, state: InterviewState) -> bool:
        """Store a new grade for turn ``index`` (``state.turns[index]``) and the state after it, if no turn landed
        since ``state`` was read; False when one did (read again and retry). The running question score of that
        turn and of the same question's later turns is stored again too: a new grade changes them."""
        turn = state.turns[index]
        with Session(self.engine) as db:
            result = cast(
                CursorResult[Any],
                db.execute(
                    update(InterviewSession)
                    .where(col(InterviewSession.id) == session_id, col(InterviewSession.turns) == len(state.turns))
                    .values(state=_state_json(state), updated_at=now())
                ),
            )
            if result.rowcount != 1:
                db.rollback()
                return False
            db.execute(
                update(TurnRecord)
                .where(col(TurnRecord.session_id) == session_id, col(TurnRecord.idx) == index)
                .values(
                    grade=json.dumps(turn.grade, ensure_ascii=False) if turn.grade else None,
                    score=turn.grade["score"] if turn.grade else None,
                )
            )
            for later, t in enumerate(state.turns[index:], start=index):
                if t.question_id == turn.question_id:
                    db.execute(
                        update(TurnRecord)
                        .where(col(TurnRecord.session_id) == session_id, col(TurnRecord.idx) == later)
                        .values(question_score=t.question_score, explanation=t.explanation)
                    )
            db.commit()
        return True

    def turn_by_key(self, session_id: str, request_key: str) -> StoredTurn | None:
        with Session(self.engine) as db:
            row = db.exec(
                select(TurnRecord).where(TurnRecord.session_id == session_id, TurnRecord.request_key == request_key)
            ).first()
        return _stored_turn(row) if row is not None else None

    @staticmethod
    def _turn_rows(db: Session, session_id: str) -> list[TurnRecord]:
        return list(
            db.exec(select(TurnRecord).where(TurnRecord.session_id == session_id).order_by(col(TurnRecord.idx)))
        )

    def turns(self, session_id: str) -> list[StoredTurn]:
        with Session(self.engine) as db:
            return [_stored_turn(r) for r in self._turn_rows(db, session_id)]

    def list_sessions(self, limit: int, offset: int, finished: bool | None = None) -> list[SessionSummary]:
        q = (
            select(InterviewSession)
            .order_by(col(InterviewSession.created_at).desc(), col(InterviewSession.id))
            .offset(offset)
            .limit(limit)
        )
        if finished is not None:
            q = q.where(InterviewSession.finished == finished)
        with Session(self.engine) as db:
            rows = list(db.exec(q))
        means = self._mean_scores([r.id for r in rows])
        return [
            SessionSummary(r.id, r.language, r.finished, r.turns, means.get(r.id), r.created_at, r.updated_at)
            for r in rows
        ]

    def _mean_scores(self, session_ids: list[str]) -> dict[str, float]:
        if not session_ids:
            return {}
        with Session(self.engine) as db:
            rows = db.exec(
                select(TurnRecord.session_id, func.avg(TurnRecord.score))
                .where(col(TurnRecord.session_id).in_(session_ids), col(TurnRecord.score).is_not(None))
                .group_by(col(TurnRecord.session_id))
            )
            return {sid: round(float(avg), 1) for sid, avg in rows}

    def stats(self) -> dict[str, Any]:
        with Session(self.engine) as db:
            sessions = db.exec(select(func.count()).select_from(InterviewSession)).one()
            finished = db.exec(
                select(func.count()).select_from(InterviewSession).where(col(InterviewSession.finished))
            ).one()
            turns, graded, mean = db.exec(
                select(func.count(col(TurnRecord.id)), func.count(col(TurnRecord.score)), func.avg(TurnRecord.score))
            ).one()
        return {
            "sessions": sessions,
            "finished": finished,
            "turns": turns,
            "graded_turns": graded,
            "mean_score": round(float(mean), 1) if mean is not None else None,
        }

    def delete(self, session_id: str) -> bool:
        """Delete a session and its turns; False when there was no such session."""
        with Session(self.engine) as db:
            row = db.get(InterviewSession, session_id)
            if row is None:
                return False
            db.execute(sa_delete(TurnRecord).where(col(TurnRecord.session_id) == session_id))
            db.delete(row)
            db.commit()
        return True

    def count_prunable(self, updated_before: datetime, unanswered_created_before: datetime) -> PruneCounts:
        """What ``prune`` with the same cutoffs would delete now, deleting nothing."""
        stale = _stale(updated_before)
        with Session(self.engine) as db:
            n_stale = db.exec(select(func.count()).select_from(InterviewSession).where(stale)).one()
            n_unanswered = db.exec(
                select(func.count())
                .select_from(InterviewSession)
                .where(_unanswered(unanswered_created_before), not_(stale))
            ).one()
        return PruneCounts(n_stale, n_unanswered)

    def prune(
        self,
        updated_before: datetime,
        unanswered_created_before: datetime,
        keep_going: Callable[[], bool] = lambda: True,
    ) -> PruneCounts:
        """Delete, with their turns, the sessions not updated since ``updated_before`` and those without a turn
        created before ``unanswered_created_before``, ``PRUNE_BATCH`` sessions per transaction. ``keep_going`` is
        asked before each batch, so a server shutting down stops between two (the rest goes next time)."""
        stale = self._delete_where(_stale(updated_before), keep_going)
        unanswered = self._delete_where(_unanswered(unanswered_created_before), keep_going)
        return PruneCounts(stale, unanswered)

    def _delete_where(self, condition: ColumnElement[bool], keep_going: Callable[[], bool]) -> int:
        deleted = 0
        while keep_going():
            with Session(self.engine) as db:
                # PostgreSQL locks the batch, so an answer arriving now waits and then finds its session gone;
                # rows another transaction holds (an answer being stored, a concurrent prune) are left for later.
                # SQLite has no row locks: its single writer and the re-checked condition below do the same.
                ids = list(
                    db.exec(
                        select(InterviewSession.id)
                        .where(condition)
                        .limit(PRUNE_BATCH)
                        .with_for_update(skip_locked=True)
                    )
                )
                if not ids:
                    break
                chosen = and_(col(InterviewSession.id).in_(ids), condition)
                db.execute(
                    sa_delete(TurnRecord).where(
                        col(TurnRecord.session_id).in_(select(InterviewSession.id).where(chosen))
                    )
                )
                result = cast(CursorResult[Any], db.execute(sa_delete(InterviewSession).where(chosen)))
                db.commit()
            deleted += result.rowcount
            if len(ids) < PRUNE_BATCH:
                break
        return deleted
