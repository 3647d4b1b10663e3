"""The session database on both backends: migrations, the store, optimistic concurrency, admin queries."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest
import sqlalchemy as sa
from alembic import command
from alembic.config import Config

import api.db
from api.db import make_engine, migrate
from api.schemas import answer_response
from api.store import Conflict, IdempotencyMismatch, NotFound, SessionStore, Unauthorized
from conftest import REPO
from fakes import KeywordGrader
from interviewer import load_bank
from interviewer.interview import InterviewConfig

BANK = load_bank(REPO / "corpus" / "bank")
MIGRATIONS = Path(api.db.__file__).parent / "migrations"


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """An empty database on each backend."""
    if request.param == "sqlite":
        (tmp_path / "db").mkdir()
        return f"sqlite:///{tmp_path / 'db' / 'interviewer.db'}"
    return request.getfixturevalue("pg_db_url")


@pytest.fixture
def store(db_url: str):
    migrate(db_url)
    engine = make_engine(db_url)
    yield SessionStore(engine, BANK, KeywordGrader())
    engine.dispose()


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
        assert {"session_id", "idx", "answer", "grade", "score", "request_key", "response"} <= cols
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
                    "INSERT INTO interview_session (id, token_hash, language, finished, state, turns, created_at, updated_at) "
                    "VALUES ('abc123', :h, 'zh', :f, '{\"x\": 1}', 2, :t, :t)"
                ),
                {"h": "0" * 64, "f": False, "t": "2026-11-01 10:00:00+00:00"},
            )
            for i, answer in enumerate(["第一个回答", "second answer"]):
                conn.execute(
                    sa.text(
                        "INSERT INTO turn (session_id, idx, question_id, kind, prompt, answer, grade, score, created_at) "
                        "VALUES ('abc123', :i, 'bn-train-test', 'question', 'prompt', :a, '{}', :s, :t)"
                    ),
                    {"i": i, "a": answer, "s": 50.0 + i, "t": "2026-11-01 10:00:00+00:00"},
                )
        migrate(db_url)
        assert {_revision(engine)} == _heads()
        with engine.connect() as conn:
            rows = conn.execute(
                sa.text("SELECT idx, answer, score, request_key, response FROM turn WHERE session_id = 'abc123' ORDER BY idx")
            ).all()
            session = conn.execute(sa.text("SELECT turns, state FROM interview_session WHERE id = 'abc123'")).one()
        assert [tuple(r) for r in rows] == [(0, "第一个回答", 50.0, None, None), (1, "second answer", 51.0, None, None)]
        assert tuple(session) == (2, '{"x": 1}')
        # The new unique key allows many NULL keys (old turns) but not one key twice in a session.
        with pytest.raises(sa.exc.IntegrityError), engine.begin() as conn:
            for i in (2, 3):
                conn.execute(
                    sa.text(
                        "INSERT INTO turn (session_id, idx, question_id, kind, prompt, answer, request_key, created_at) "
                        "VALUES ('abc123', :i, 'q', 'question', 'p', 'a', 'same-key', :t)"
                    ),
                    {"i": i, "t": "2026-11-01 10:00:00+00:00"},
                )
    finally:
        engine.dispose()


def test_store_create_load_answer_and_idempotent_replay(store: SessionStore) -> None:
    sid, token, interview = store.create(CONFIG)
    loaded = store.load(sid, token)
    assert loaded.row.turns == 0 and loaded.interview.state.current == interview.state.current
    with pytest.raises(Unauthorized):
        store.load(sid, "wrong")
    with pytest.raises(NotFound):
        store.load("0" * 32, token)

    first = store.answer(sid, token, "gamma beta running mean", answer_response)
    assert not first.replayed and first.response["turn"] == 0

    keyed = store.answer(sid, token, "训练时用 batch 统计量", answer_response, idempotency_key="k-1")
    again = store.answer(sid, token, "训练时用 batch 统计量", answer_response, idempotency_key="k-1")
    assert not keyed.replayed and again.replayed and again.response == keyed.response
    with pytest.raises(IdempotencyMismatch) as err:
        store.answer(sid, token, "a different answer", answer_response, idempotency_key="k-1")
    assert err.value.status == 422

    turns = store.turns(sid)
    assert [t.idx for t in turns] == [0, 1]
    assert [t.request_key for t in turns] == [None, "k-1"]
    assert turns[1].answer == "训练时用 batch 统计量"
    assert store.load(sid, token).row.turns == 2
    assert len(store.load(sid, token).interview.state.turns) == 2

    # The interview runs to its end; a further answer is a conflict, not a turn.
    for i in range(20):
        if store.load(sid, token).interview.done:
            break
        store.answer(sid, token, f"answer {i}", answer_response)
    assert store.load(sid, token).row.finished
    n = len(store.turns(sid))
    with pytest.raises(Conflict):
        store.answer(sid, token, "after the end", answer_response)
    assert len(store.turns(sid)) == n


def test_concurrent_answers_to_one_session_store_exactly_the_winners(store: SessionStore) -> None:
    config = InterviewConfig(topics=[], n_questions=20, max_followups=0, seed=1)
    sid, token, _ = store.create(config)
    rounds, n_threads = 3, 8
    won: list[str] = []
    conflicts = 0
    lock = threading.Lock()
    for r in range(rounds):
        barrier = threading.Barrier(n_threads)
        errors: list[BaseException] = []

        def worker(i: int) -> None:
            nonlocal conflicts
            text = f"round {r} thread {i}"
            barrier.wait()
            try:
                store.answer(sid, token, text, answer_response)
            except Conflict:
                with lock:
                    conflicts += 1
            except BaseException as e:  # noqa: BLE001 - reported below
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
    turns = store.turns(sid)
    assert [t.idx for t in turns] == list(range(len(won)))
    assert sorted(t.answer for t in turns) == sorted(won)
    state = store.load(sid, token)
    assert state.row.turns == len(won) and [t.answer for t in state.interview.state.turns] == [t.answer for t in turns]


def test_concurrent_retries_with_one_key_store_one_turn(store: SessionStore) -> None:
    sid, token, _ = store.create(CONFIG)
    barrier = threading.Barrier(6)
    results, errors = [], []

    def worker() -> None:
        barrier.wait()
        try:
            results.append(store.answer(sid, token, "the same answer", answer_response, idempotency_key="retry-1"))
        except BaseException as e:  # noqa: BLE001
            errors.append(e)

    threads = [threading.Thread(target=worker) for _ in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert not errors, errors
    assert len(results) == 6 and sum(not a.replayed for a in results) == 1
    assert all(a.response == results[0].response for a in results)
    assert [t.answer for t in store.turns(sid)] == ["the same answer"]


def test_admin_list_stats_and_delete(store: SessionStore) -> None:
    assert store.stats() == {"sessions": 0, "finished": 0, "turns": 0, "graded_turns": 0, "mean_score": None}
    one = InterviewConfig(topics=["batch-norm"], n_questions=1, max_followups=0, seed=2)
    a, ta, _ = store.create(one)
    b, tb, _ = store.create(CONFIG)
    store.answer(a, ta, "anything", answer_response)  # one question, no follow-ups: finished
    store.answer(b, tb, "something", answer_response)

    listed = store.list_sessions(limit=10, offset=0)
    assert {s.id for s in listed} == {a, b}
    assert [s.id for s in store.list_sessions(limit=10, offset=0, finished=True)] == [a]
    assert [s.id for s in store.list_sessions(limit=10, offset=0, finished=False)] == [b]
    assert len(store.list_sessions(limit=1, offset=0)) == 1
    assert len(store.list_sessions(limit=1, offset=1)) == 1
    assert store.list_sessions(limit=10, offset=2) == []

    stats = store.stats()
    assert stats["sessions"] == 2 and stats["finished"] == 1 and stats["turns"] == 2 and stats["graded_turns"] == 2
    assert stats["mean_score"] is not None and 0 <= stats["mean_score"] <= 100
    assert set(store.mean_scores([a, b])) == {a, b}

    store.delete(a)
    with pytest.raises(NotFound):
        store.load(a, ta)
    with pytest.raises(NotFound):
        store.delete(a)
    assert store.turns(a) == []
    assert store.stats()["sessions"] == 1 and store.stats()["turns"] == 1
    assert store.load(b, tb).row.turns == 1
