"""`interviewer admin prune`: counts, dry runs, overrides, one-line refusals, and no embedding model."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa
from sqlmodel import Session, col, select
from typer.testing import CliRunner

from fakes import KeywordGrader
from interviewer import load_bank
from interviewer.cli import app
from interviewer.interview.machine import Interview, InterviewConfig
from interviewer.service.mock_interviews import hash_token
from interviewer.settings import Settings
from interviewer.storage.engine import make_engine, migrate
from interviewer.storage.repository import SessionRepository
from interviewer.storage.tables import InterviewSession, TurnRecord
from paths import REPO
from servers import free_port

runner = CliRunner()
BANK = load_bank(REPO / "corpus" / "bank")
CONFIG = InterviewConfig(topics=["batch-norm"], n_questions=2, seed=5)


@pytest.fixture
def engine(monkeypatch: pytest.MonkeyPatch):
    """The database the command will open (SQLite in the test's data dir), and no usable embedding model or
    corpus: a command that loaded either would fail."""
    monkeypatch.setenv("INTERVIEWER_EMBEDDING_BACKEND", "no-such-backend")
    monkeypatch.setenv("INTERVIEWER_CORPUS_DIR", "/nonexistent/corpus")
    url = Settings().db_url  # not get_settings(): a test may still change the environment
    migrate(url)
    engine = make_engine(url)
    yield engine
    engine.dispose()


def _session(engine: sa.Engine, sid: str, age: timedelta, answers: int) -> None:
    repo = SessionRepository(engine)
    interview = Interview.start(BANK, KeywordGrader(), CONFIG)
    repo.add(sid, hash_token("tok"), "en", interview.state)
    for _ in range(answers):
        interview.answer("gamma-beta")
        assert repo.append_turn(sid, interview.state, interview.overall_score())
    moment = datetime.now(UTC) - age
    with engine.begin() as conn:
        conn.execute(
            sa.update(InterviewSession)
            .where(col(InterviewSession.id) == sid)
            .values(created_at=moment, updated_at=moment)
        )


def _ids(engine: sa.Engine) -> set[str]:
    with Session(engine) as db:
        return set(db.exec(select(InterviewSession.id)))


def _turn_sessions(engine: sa.Engine) -> set[str]:
    with Session(engine) as db:
        return set(db.exec(select(TurnRecord.session_id)))


def _population(engine: sa.Engine) -> None:
    _session(engine, "a1", timedelta(days=45), answers=2)  # stale
    _session(engine, "b1", timedelta(days=2), answers=0)  # never answered
    _session(engine, "c1", timedelta(days=3), answers=1)  # answered three days ago
    _session(engine, "c2", timedelta(hours=2), answers=0)  # just started


def test_a_dry_run_counts_and_deletes_nothing(engine: sa.Engine) -> None:
    _population(engine)
    r = runner.invoke(app, ["admin", "prune", "--dry-run", "--json"])
    assert r.exit_code == 0, r.output
    report = json.loads(r.stdout)
    assert {k: report[k] for k in ("stale", "unanswered", "total", "dry_run")} == {
        "stale": 1,
        "unanswered": 1,
        "total": 2,
        "dry_run": True,
    }
    assert datetime.fromisoformat(report["updated_before"]) < datetime.now(UTC) - timedelta(days=29)
    assert _ids(engine) == {"a1", "b1", "c1", "c2"} and _turn_sessions(engine) == {"a1", "c1"}
    text = runner.invoke(app, ["admin", "prune", "--dry-run"])
    assert text.exit_code == 0 and text.stdout.splitlines()[0].startswith("would delete 1 sessions not updated")


def test_prune_deletes_with_the_settings_and_says_how_many(engine: sa.Engine) -> None:
    _population(engine)
    r = runner.invoke(app, ["admin", "prune"])
    assert r.exit_code == 0, r.output
    lines = r.stdout.splitlines()
    assert len(lines) == 2
    assert lines[0].startswith("deleted 1 sessions not updated since ") and lines[0].endswith(" UTC")
    assert lines[1].startswith("deleted 1 sessions never answered, started before ")
    assert _ids(engine) == {"c1", "c2"} and _turn_sessions(engine) == {"c1"}


def test_the_options_override_the_settings(engine: sa.Engine, monkeypatch: pytest.MonkeyPatch) -> None:
    _population(engine)
    monkeypatch.setenv("INTERVIEWER_SESSION_RETENTION_DAYS", "60")  # the flags win over the settings
    r = runner.invoke(app, ["admin", "prune", "--days", "2.5", "--unanswered-hours", "1", "--json"])
    assert r.exit_code == 0, r.output
    assert json.loads(r.stdout)["stale"] == 2 and json.loads(r.stdout)["unanswered"] == 2
    assert _ids(engine) == set()


def test_the_retention_settings_apply_without_options(engine: sa.Engine, monkeypatch: pytest.MonkeyPatch) -> None:
    _population(engine)
    monkeypatch.setenv("INTERVIEWER_SESSION_RETENTION_DAYS", "60")
    monkeypatch.setenv("INTERVIEWER_UNANSWERED_SESSION_HOURS", "72")
    r = runner.invoke(app, ["admin", "prune", "--json"])
    assert r.exit_code == 0, r.output
    assert (json.loads(r.stdout)["stale"], json.loads(r.stdout)["unanswered"]) == (0, 0)


@pytest.mark.parametrize(
    "args,flag",
    [(["--days", "0"], "--days"), (["--days", "-3"], "--days"), (["--unanswered-hours", "nan"], "--unanswered-hours")],
)
def test_a_bad_number_is_refused_in_one_line(engine: sa.Engine, args: list[str], flag: str) -> None:
    _population(engine)
    r = runner.invoke(app, ["admin", "prune", *args])
    assert r.exit_code == 2 and r.stdout == ""
    assert r.stderr.strip().splitlines() == [f"error: {flag} must be a positive number, not {args[1]}"]
    assert len(_ids(engine)) == 4


def test_an_unreachable_database_is_one_line_not_a_traceback(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("INTERVIEWER_DATABASE_URL", f"postgresql+psycopg://u:p@127.0.0.1:{free_port()}/db")
    r = runner.invoke(app, ["admin", "prune", "--dry-run"])
    assert r.exit_code == 1
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: cannot open the session database:")
    assert "Traceback" not in r.output
