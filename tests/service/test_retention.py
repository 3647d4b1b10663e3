"""Data retention on both backends: which sessions a prune deletes (with their turns), which it leaves, in
batches; the cutoffs it computes; deleting one session; the indexes of revision 0005."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest
import sqlalchemy as sa
from alembic import command
from alembic.config import Config
from sqlmodel import Session, col, func, select

import interviewer.storage.engine
import interviewer.storage.repository
from fakes import KeywordGrader
from interviewer import load_bank
from interviewer.interview.machine import Interview, InterviewConfig
from interviewer.service import InvalidRequest, NotFound, SessionAdmin
from interviewer.service.mock_interviews import hash_token
from interviewer.service.operator import prune_cutoffs
from interviewer.storage.engine import make_engine, migrate
from interviewer.storage.repository import SessionRepository
from interviewer.storage.tables import InterviewSession, TurnRecord
from paths import REPO

BANK = load_bank(REPO / "corpus" / "bank")
CONFIG = InterviewConfig(topics=["batch-norm"], n_questions=3, max_followups=1, seed=5)
ANSWER = "gamma-beta 和 running mean"
NOW = datetime.now(UTC)


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'db' / 'interviewer.db'}"
    return request.getfixturevalue("pg_db_url")


@pytest.fixture
def engine(db_url: str):
    migrate(db_url)
    engine = make_engine(db_url)
    yield engine
    engine.dispose()


@pytest.fixture
def admin(engine: sa.Engine) -> SessionAdmin:
    return SessionAdmin(SessionRepository(engine))


def _session(repo: SessionRepository, sid: str, answers: tuple[str, ...] = ()) -> None:
    """A session as the interview service stores it, with a turn row per answer."""
    interview = Interview.start(BANK, KeywordGrader(), CONFIG)
    repo.add(sid, hash_token("tok"), "zh", interview.state)
    for text in answers:
        interview.answer(text)
        assert repo.append_turn(sid, interview.state, interview.overall_score())


def _age(engine: sa.Engine, sid: str, created: timedelta, updated: timedelta | None = None) -> None:
    """Make a session look created ``created`` ago and last updated ``updated`` ago (default: when created)."""
    with engine.begin() as conn:
        conn.execute(
            sa.update(InterviewSession)
            .where(col(InterviewSession.id) == sid)
            .values(created_at=NOW - created, updated_at=NOW - (updated if updated is not None else created))
        )


def _ids(engine: sa.Engine) -> set[str]:
    with Session(engine) as db:
        return set(db.exec(select(InterviewSession.id)))


def _turns(engine: sa.Engine) -> dict[str, int]:
    with Session(engine) as db:
        rows = db.exec(select(TurnRecord.session_id, func.count()).group_by(col(TurnRecord.session_id)))
        return {sid: n for sid, n in rows}


def _population(engine: sa.Engine, repo: SessionRepository) -> None:
    days, hours = timedelta(days=1), timedelta(hours=1)
    _session(repo, "a1", (ANSWER, "skip"))  # answered, then left for a month
    _age(engine, "a1", 40 * days, updated=31 * days)
    _session(repo, "a2")  # never answered, a month old: caught by the retention first
    _age(engine, "a2", 40 * days)
    _session(repo, "b1")  # never answered, two days old
    _age(engine, "b1", 2 * days)
    _session(repo, "c1")  # never answered, an hour old: the candidate may still be reading
    _age(engine, "c1", hours)
    _session(repo, "c2", ("skip",))  # only skipped, two days old: a skip is a turn, the session was used
    _age(engine, "c2", 2 * days)
    _session(repo, "c3", (ANSWER, ANSWER))  # started 20 days ago, answered yesterday
    _age(engine, "c3", 20 * days, updated=days)


def test_prune_deletes_old_and_never_answered_sessions_with_their_turns_and_nothing_else(
    engine: sa.Engine, admin: SessionAdmin
) -> None:
    _population(engine, admin.repository)
    turns_before = _turns(engine)
    assert turns_before == {"a1": 2, "c2": 1, "c3": 2}

    dry = admin.prune(30, 24, dry_run=True)
    assert (dry.stale, dry.unanswered, dry.total, dry.dry_run) == (2, 1, 3, True)
    assert _ids(engine) == {"a1", "a2", "b1", "c1", "c2", "c3"} and _turns(engine) == turns_before

    done = admin.prune(30, 24)
    assert (done.stale, done.unanswered, done.dry_run) == (2, 1, False)
    assert _ids(engine) == {"c1", "c2", "c3"}
    assert _turns(engine) == {"c2": 1, "c3": 2}  # a1's turns went with it; the others' are untouched
    stored = admin.repository.get("c3")
    assert stored is not None and [t.turn.answer for t in stored.turns] == [ANSWER, ANSWER]

    again = admin.prune(30, 24)
    assert (again.stale, again.unanswered) == (0, 0)


def test_the_cutoffs_follow_the_given_time_and_settings(engine: sa.Engine, admin: SessionAdmin) -> None:
    _population(engine, admin.repository)
    # A week later with an 8.5-day retention, what was two days old is stale too, and the hour-old session unanswered.
    later = admin.prune(8.5, 24, now=NOW + timedelta(days=7), dry_run=True)
    assert (later.stale, later.unanswered) == (4, 1)
    assert later.updated_before == NOW - timedelta(days=1.5)
    assert later.unanswered_created_before == NOW + timedelta(days=6)
    assert len(_ids(engine)) == 6
    # Waiting three days for a first answer spares the two-day-old unanswered one.
    patient = admin.prune(30, 72)
    assert (patient.stale, patient.unanswered) == (2, 0)
    assert _ids(engine) == {"b1", "c1", "c2", "c3"}


@pytest.mark.parametrize("offset_hours", [8, -8])
def test_a_cutoff_in_another_time_zone_means_the_same_instant(
    engine: sa.Engine, admin: SessionAdmin, offset_hours: int
) -> None:
    """SQLite keeps times without their offset: a cutoff compared by its wall clock would be hours off."""
    repo = admin.repository
    _session(repo, "d1", (ANSWER,))
    _age(engine, "d1", timedelta(days=31), updated=timedelta(days=30, hours=-4))  # 4 hours short of 30 days
    _session(repo, "d2", (ANSWER,))
    _age(engine, "d2", timedelta(days=31), updated=timedelta(days=30, hours=4))  # 4 hours past
    now = NOW.astimezone(timezone(timedelta(hours=offset_hours)))
    result = admin.prune(30, 24, now=now)
    assert (result.stale, result.unanswered) == (1, 0) and _ids(engine) == {"d1"}


def test_a_big_prune_goes_in_batches_and_can_stop_between_them(
    engine: sa.Engine, admin: SessionAdmin, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(interviewer.storage.repository, "PRUNE_BATCH", 2)
    for i in range(5):
        _session(admin.repository, f"e{i}", (ANSWER,))
        _age(engine, f"e{i}", timedelta(days=60))
    one_batch = iter([True])  # then False: as a server that starts shutting down during the first batch

    first = admin.prune(30, 24, keep_going=lambda: next(one_batch, False))
    assert first.stale == 2 and len(_ids(engine)) == 3
    rest = admin.prune(30, 24, keep_going=lambda: True)
    assert rest.stale == 3 and _ids(engine) == set() and _turns(engine) == {}


@pytest.mark.postgres
def test_a_session_whose_answer_is_being_stored_is_skipped_not_waited_for(pg_db_url: str) -> None:
    migrate(pg_db_url)
    engine = make_engine(pg_db_url)
    try:
        admin = SessionAdmin(SessionRepository(engine))
        for sid in ("f1", "f2"):
            _session(admin.repository, sid, (ANSWER,))
            _age(engine, sid, timedelta(days=60))
        with engine.connect() as other:  # an append_turn in flight holds f1's row
            other.execute(sa.update(InterviewSession).where(col(InterviewSession.id) == "f1").values(turns=1))
            result = admin.prune(30, 24)
            other.rollback()
        assert result.stale == 1 and _ids(engine) == {"f1"} and _turns(engine) == {"f1": 1}
    finally:
        engine.dispose()


def test_deleting_one_session_takes_its_turns_and_leaves_the_others(engine: sa.Engine, admin: SessionAdmin) -> None:
    _session(admin.repository, "g1", (ANSWER, ANSWER))
    _session(admin.repository, "g2", (ANSWER,))
    admin.delete("g1")
    assert _ids(engine) == {"g2"} and _turns(engine) == {"g2": 1}
    with pytest.raises(NotFound):
        admin.delete("g1")


def test_revision_0005_indexes_the_session_times_and_downgrades(db_url: str, engine: sa.Engine) -> None:
    def indexes() -> set[str]:
        return {i["name"] for i in sa.inspect(engine).get_indexes("interview_session")}

    assert {"ix_interview_session_created_at", "ix_interview_session_updated_at"} <= indexes()
    cfg = Config()
    cfg.set_main_option("script_location", str(Path(interviewer.storage.engine.__file__).parent / "migrations"))
    cfg.set_main_option("sqlalchemy.url", db_url.replace("%", "%%"))
    command.downgrade(cfg, "0004")
    assert not {"ix_interview_session_created_at", "ix_interview_session_updated_at"} & indexes()
    command.upgrade(cfg, "head")
    assert {"ix_interview_session_created_at", "ix_interview_session_updated_at"} <= indexes()


def test_cutoffs_are_computed_from_the_given_time() -> None:
    now = datetime(2026, 3, 31, 12, 0, tzinfo=UTC)
    assert prune_cutoffs(30, 24, now) == (datetime(2026, 3, 1, 12, tzinfo=UTC), datetime(2026, 3, 30, 12, tzinfo=UTC))
    half = prune_cutoffs(0.5, 1.5, now)
    assert half == (datetime(2026, 3, 31, 0, tzinfo=UTC), datetime(2026, 3, 31, 10, 30, tzinfo=UTC))
    # A naive time is UTC, as the tables keep it; a retention longer than the calendar keeps everything.
    assert prune_cutoffs(30, 24, now.replace(tzinfo=None)) == prune_cutoffs(30, 24, now)
    oldest = datetime.min.replace(tzinfo=UTC)
    assert prune_cutoffs(float("inf"), 1e12, now) == (oldest, oldest)
    current = prune_cutoffs(1, 1)[0]
    assert current.tzinfo is not None and abs(current - (datetime.now(UTC) - timedelta(days=1))) < timedelta(minutes=1)


@pytest.mark.parametrize("days,hours", [(0, 24), (-1, 24), (float("nan"), 24), (30, 0), (30, -0.5)])
def test_a_retention_that_is_not_a_positive_number_is_refused(days: float, hours: float) -> None:
    with pytest.raises(InvalidRequest, match="must be a positive number"):
        prune_cutoffs(days, hours)
