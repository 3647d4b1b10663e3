"""The session database on both backends: migrations, and the interview use cases over it (optimistic
concurrency, idempotent retries, admin queries)."""

from __future__ import annotations

import json
import threading
from pathlib import Path

import pytest
import sqlalchemy as sa
from alembic import command
from alembic.config import Config

import interviewer.storage.engine
from fakes import KeywordGrader
from interviewer import load_bank
from interviewer.interview.machine import Interview, InterviewConfig
from interviewer.service import Conflict, IdempotencyMismatch, InterviewService, NotFound, SessionAdmin, Unauthorized
from interviewer.service.mock_interviews import hash_token
from interviewer.storage.engine import make_engine, migrate
from interviewer.storage.repository import SessionRepository
from paths import REPO

BANK = load_bank(REPO / "corpus" / "bank")
MIGRATIONS = Path(interviewer.storage.engine.__file__).parent / "migrations"


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """An empty database on each backend."""
    if request.param == "sqlite":
        (tmp_path / "db").mkdir()
        return f"sqlite:///{tmp_path / 'db' / 'interviewer.db'}"
    return request.getfixturevalue("pg_db_url")


@pytest.fixture
def service(db_url: str, corpus):
    migrate(db_url)
    engine = make_engine(db_url)
    yield InterviewService(BANK, KeywordGrader(), SessionRepository(engine), corpus)
    engine.dispose()


def _start(service: InterviewService, config: InterviewConfig) -> tuple[str, str, object]:
    started = service.start(config)
    return started.session_id, started.token, started.interview


def _stored_turns(service: InterviewService, sid: str) -> int:
    stored = service.repository.get(sid)
    assert stored is not None
    return len(stored.turns)


CONFIG = InterviewConfig(topics=["batch-norm"], n_questions=3, max_followups=1, seed=5)


def _alembic(url: str) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return cfg


def _heads() -> set[str]:
    from alembic.script import ScriptDirectory

    return set(ScriptDirectory.from_config(_alembic("sqlite://")).get_heads())


def _revision(engine: sa.Engine) -> str:
    with engine.connect() as conn:
        return conn.execute(sa.text("SELECT version_num FROM alembic_version")).scalar_one()


def test_migrations_create_the_schema_in_an_empty_database(db_url: str) -> None:
    migrate(db_url)
    migrate(db_url)  # a second run (a restarted or second replica) finds nothing to do
    engine = make_engine(db_url)
    try:
        assert {_revision(engine)} == _heads()
        insp = sa.inspect(engine)
        assert {"interview_session", "turn", "alembic_version"} <= set(insp.get_table_names())
        cols = {c["name"] for c in insp.get_columns("turn")}
        assert {
            "session_id",
            "idx",
            "answer",
            "grade",
            "score",
            "skipped",
            "next_move",
            "score_so_far",
            "request_key",
        } <= cols
        assert "response" not in cols  # each turn is stored once: its response is rebuilt from the row
        uniques = {u["name"] for u in insp.get_unique_constraints("turn")}
        assert {"uq_turn_session_idx", "uq_turn_session_request_key"} <= uniques
    finally:
        engine.dispose()


def test_a_database_at_0001_upgrades_to_head_and_keeps_its_data(db_url: str) -> None:
    command.upgrade(_alembic(db_url), "0001")
    engine = make_engine(db_url)
    try:
        assert _revision(engine) == "0001"
        with engine.begin() as conn:
            conn.execute(
                sa.text(
                    "INSERT INTO interview_session "
                    "(id, token_hash, language, finished, state, turns, created_at, updated_at) "
                    "VALUES ('abc123', :h, 'zh', :f, '{\"x\": 1}', 2, :t, :t)"
                ),
                {"h": "0" * 64, "f": False, "t": "2026-11-01 10:00:00+00:00"},
            )
            for i, answer in enumerate(["第一个回答", "second answer"]):
                conn.execute(
                    sa.text(
                        "INSERT INTO turn "
                        "(session_id, idx, question_id, kind, prompt, answer, grade, score, created_at) "
                        "VALUES ('abc123', :i, 'bn-train-test', 'question', 'prompt', :a, '{}', :s, :t)"
                    ),
                    {"i": i, "a": answer, "s": 50.0 + i, "t": "2026-11-01 10:00:00+00:00"},
                )
        migrate(db_url)
        assert {_revision(engine)} == _heads()
        with engine.connect() as conn:
            rows = conn.execute(
                sa.text(
                    "SELECT idx, answer, score, request_key, next_move FROM turn "
                    "WHERE session_id = 'abc123' ORDER BY idx"
                )
            ).all()
            session = conn.execute(sa.text("SELECT turns, state FROM interview_session WHERE id = 'abc123'")).one()
        assert [tuple(r) for r in rows] == [(0, "第一个回答", 50.0, None, None), (1, "second answer", 51.0, None, None)]
        assert tuple(session) == (2, '{"x": 1}')
        # The new unique key allows many NULL keys (old turns) but not one key twice in a session.
        with pytest.raises(sa.exc.IntegrityError), engine.begin() as conn:
            for i in (2, 3):
                conn.execute(
                    sa.text(
                        "INSERT INTO turn "
                        "(session_id, idx, question_id, kind, prompt, answer, request_key, created_at) "
                        "VALUES ('abc123', :i, 'q', 'question', 'p', 'a', 'same-key', :t)"
                    ),
                    {"i": i, "t": "2026-11-01 10:00:00+00:00"},
                )
    finally:
        engine.dispose()


def test_a_database_at_0002_moves_each_turn_into_its_row_and_reads_back_the_same(db_url: str, corpus) -> None:
    """Before 0003 a turn was stored twice: inside the session's state JSON and as a row with its response."""
    command.upgrade(_alembic(db_url), "0002")
    engine = make_engine(db_url)
    try:
        old = InterviewService(BANK, KeywordGrader(), SessionRepository(engine), corpus)
        interview = Interview.start(BANK, KeywordGrader(), CONFIG)
        turns = [interview.answer(text) for text in ("gamma-beta 和 running mean", "skip")]
        score = interview.overall_score()
        with engine.begin() as conn:
            conn.execute(
                sa.text(
                    "INSERT INTO interview_session "
                    "(id, token_hash, language, finished, state, turns, created_at, updated_at) "
                    "VALUES ('abc123', :h, 'zh', :f, :state, 2, :t, :t)"
                ),
                {
                    "h": hash_token("tok"),
                    "f": False,
                    "state": interview.state.model_dump_json(),
                    "t": "2026-11-01 10:00:00+00:00",
                },
            )
            for i, turn in enumerate(turns):
                response = {"turn": i, "score_so_far": score if i == 1 else 12.5, "next": turn.next.model_dump()}
                conn.execute(
                    sa.text(
                        "INSERT INTO turn (session_id, idx, question_id, kind, prompt, answer, grade, score, "
                        "request_key, response, created_at) "
                        "VALUES ('abc123', :i, :q, :k, :p, :a, :g, :s, :key, :r, :t)"
                    ),
                    {
                        "i": i,
                        "q": turn.question_id,
                        "k": turn.kind,
                        "p": turn.prompt,
                        "a": turn.answer,
                        "g": json.dumps(turn.grade) if turn.grade else None,
                        "s": turn.grade["score"] if turn.grade else None,
                        "key": f"key-{i}",
                        "r": json.dumps(response),
                        "t": "2026-11-01 10:00:00+00:00",
                    },
                )
        migrate(db_url)
        with engine.connect() as conn:
            state = json.loads(
                conn.execute(sa.text("SELECT state FROM interview_session WHERE id = 'abc123'")).scalar_one()
            )
        assert "turns" not in state
        resumed = old.open("abc123", "tok")
        assert resumed.state == interview.state
        replay = old.answer("abc123", "tok", "skip", idempotency_key="key-1")
        assert replay.replayed and replay.index == 1 and replay.turn == turns[1] and replay.score_so_far == score
    finally:
        engine.dispose()


def test_store_create_load_answer_and_idempotent_replay(service: InterviewService) -> None:
    sid, token, interview = _start(service, CONFIG)
    loaded = service.open(sid, token)
    assert _stored_turns(service, sid) == 0 and loaded.state.current == interview.state.current
    with pytest.raises(Unauthorized):
        service.open(sid, "wrong")
    with pytest.raises(NotFound):
        service.open("0" * 32, token)

    first = service.answer(sid, token, "gamma beta running mean")
    assert not first.replayed and first.index == 0

    keyed = service.answer(sid, token, "训练时用 batch 统计量", idempotency_key="k-1")
    again = service.answer(sid, token, "训练时用 batch 统计量", idempotency_key="k-1")
    assert not keyed.replayed and again.replayed
    assert (again.index, again.turn, again.done, again.score_so_far) == (
        keyed.index,
        keyed.turn,
        keyed.done,
        keyed.score_so_far,
    )
    with pytest.raises(IdempotencyMismatch):
        service.answer(sid, token, "a different answer", idempotency_key="k-1")

    turns = service.repository.turns(sid)
    assert [t.index for t in turns] == [0, 1]
    assert [t.request_key for t in turns] == [None, "k-1"]
    assert turns[1].turn.answer == "训练时用 batch 统计量"
    assert _stored_turns(service, sid) == 2
    assert len(service.open(sid, token).state.turns) == 2

    # The interview runs to its end; a further answer is a conflict, not a turn.
    for i in range(20):
        if service.open(sid, token).done:
            break
        service.answer(sid, token, f"answer {i}")
    assert service.open(sid, token).done
    assert [s.finished for s in SessionAdmin(service.repository).sessions(10, 0)] == [True]
    n = len(service.repository.turns(sid))
    with pytest.raises(Conflict):
        service.answer(sid, token, "after the end")
    assert len(service.repository.turns(sid)) == n


def test_concurrent_answers_to_one_session_store_exactly_the_winners(service: InterviewService) -> None:
    config = InterviewConfig(topics=[], n_questions=20, max_followups=0, seed=1)
    sid, token, _ = _start(service, config)
    rounds, n_threads = 3, 8
    won: list[str] = []
    conflicts = 0
    lock = threading.Lock()
    for r in range(rounds):
        barrier = threading.Barrier(n_threads)
        errors: list[BaseException] = []

        def worker(
            i: int, r: int = r, barrier: threading.Barrier = barrier, errors: list[BaseException] = errors
        ) -> None:
            nonlocal conflicts
            text = f"round {r} thread {i}"
            barrier.wait()
            try:
                service.answer(sid, token, text)
            except Conflict:
                with lock:
                    conflicts += 1
            except BaseException as e:  # reported below, whatever it is
                errors.append(e)
            else:
                with lock:
                    won.append(text)

        threads = [threading.Thread(target=worker, args=(i,)) for i in range(n_threads)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(60)
        assert not errors, errors
    assert len(won) + conflicts == rounds * n_threads
    assert len(won) >= rounds and conflicts > 0  # at least one answer per round lands; 8 at once do collide
    turns = service.repository.turns(sid)
    assert [t.index for t in turns] == list(range(len(won)))
    assert sorted(t.turn.answer for t in turns) == sorted(won)
    interview = service.open(sid, token)
    assert len(interview.state.turns) == len(won)
    assert [t.answer for t in interview.state.turns] == [t.turn.answer for t in turns]


def test_concurrent_retries_with_one_key_store_one_turn(service: InterviewService) -> None:
    sid, token, _ = _start(service, CONFIG)
    barrier = threading.Barrier(6)
    results, errors = [], []

    def worker() -> None:
        barrier.wait()
        try:
            results.append(service.answer(sid, token, "the same answer", idempotency_key="retry-1"))
        except BaseException as e:  # reported below, whatever it is
            errors.append(e)

    threads = [threading.Thread(target=worker) for _ in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert not errors, errors
    assert len(results) == 6 and sum(not a.replayed for a in results) == 1
    assert all(
        (a.index, a.turn, a.score_so_far) == (results[0].index, results[0].turn, results[0].score_so_far)
        for a in results
    )
    assert [t.turn.answer for t in service.repository.turns(sid)] == ["the same answer"]


def test_admin_list_stats_and_delete(service: InterviewService) -> None:
    store = SessionAdmin(service.repository)
    assert store.stats() == {"sessions": 0, "finished": 0, "turns": 0, "graded_turns": 0, "mean_score": None}
    one = InterviewConfig(topics=["batch-norm"], n_questions=1, max_followups=0, seed=2)
    a, ta, _ = _start(service, one)
    b, tb, _ = _start(service, CONFIG)
    service.answer(a, ta, "anything")  # one question, no follow-ups: finished
    service.answer(b, tb, "something")

    listed = store.sessions(limit=10, offset=0)
    assert {s.id for s in listed} == {a, b}
    assert [s.id for s in store.sessions(limit=10, offset=0, finished=True)] == [a]
    assert [s.id for s in store.sessions(limit=10, offset=0, finished=False)] == [b]
    assert len(store.sessions(limit=1, offset=0)) == 1
    assert len(store.sessions(limit=1, offset=1)) == 1
    assert store.sessions(limit=10, offset=2) == []

    stats = store.stats()
    assert stats["sessions"] == 2 and stats["finished"] == 1 and stats["turns"] == 2 and stats["graded_turns"] == 2
    assert stats["mean_score"] is not None and 0 <= stats["mean_score"] <= 100
    assert all(s.mean_score is not None for s in listed)

    store.delete(a)
    with pytest.raises(NotFound):
        service.open(a, ta)
    with pytest.raises(NotFound):
        store.delete(a)
    assert service.repository.turns(a) == []
    assert store.stats()["sessions"] == 1 and store.stats()["turns"] == 1
    assert _stored_turns(service, b) == 1 and len(service.open(b, tb).state.turns) == 1
